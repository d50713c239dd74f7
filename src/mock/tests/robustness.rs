use axum::body::Body;
use axum::http::{HeaderValue, Request, header};

use crate::mock::testutil::*;

const RESTORE: &str =
    "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true";

fn raw(uri: &str, session: &str, content_type: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut b = Request::post(uri).header("vmware-api-session-id", session);
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    b.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn malformed_bodies_get_vapi_400_whatever_the_content_type() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"{\"snapshot\":}".to_vec(),
        vec![0xff, 0xfe, 0x00],
        b"{\"snapshot\":\"snap-42-b\"}garbage".to_vec(),
        b"\xef\xbb\xbf{}".to_vec(),
        "{\"snapshot\":[1,2,{\"a\":null}]}".into(),
        "{\"snapshot\":\"snap-42-b\",\"placement\":{\"host\":{\"id\":\"host-12\"}}}".into(),
    ];
    for ct in [
        Some("application/json"),
        Some("text/plain"),
        None,
        Some("application/x-www-form-urlencoded"),
    ] {
        for body in &bodies {
            let r = m.send(raw(RESTORE, &s, ct, body.clone())).await;
            r.assert_error(400, "INVALID_ARGUMENT");
        }
    }
}

#[tokio::test]
async fn a_valid_body_is_read_whatever_the_content_type() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let r = m
        .send(raw(
            RESTORE,
            &s,
            None,
            br#"{"snapshot":"snap-42-b","name":"noct"}"#.to_vec(),
        ))
        .await;
    assert_eq!(r.status, 202);
}

#[tokio::test]
async fn two_mib_body_is_vapi_400() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let r = m
        .send(raw(
            RESTORE,
            &s,
            Some("application/json"),
            vec![b' '; 2 * 1024 * 1024],
        ))
        .await;
    r.assert_error(400, "INVALID_ARGUMENT");
    let r = m
        .control(
            "POST",
            "/__mock/principals",
            Some(&" ".repeat(2 * 1024 * 1024)),
        )
        .await;
    r.assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn oversized_headers_are_vapi_400_and_normal_ones_pass() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let body = br#"{"snapshot":"snap-42-a","name":"headers-ok"}"#.to_vec();
    let mut req = raw(RESTORE, &s, Some("application/json"), body.clone());
    // 16 headers of 2 KiB: large but under the limit.
    for i in 0..16 {
        req.headers_mut().insert(
            axum::http::HeaderName::from_bytes(format!("x-pad-{i}").as_bytes()).unwrap(),
            HeaderValue::from_str(&"a".repeat(2048)).unwrap(),
        );
    }
    assert_eq!(m.send(req).await.status, 202);
    let mut req = raw(RESTORE, &s, Some("application/json"), body);
    for i in 0..40 {
        req.headers_mut().insert(
            axum::http::HeaderName::from_bytes(format!("x-pad-{i}").as_bytes()).unwrap(),
            HeaderValue::from_str(&"a".repeat(2048)).unwrap(),
        );
    }
    m.send(req).await.assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn deep_json_nesting_does_not_crash() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = m
        .send(raw(
            RESTORE,
            &s,
            Some("application/json"),
            deep.into_bytes(),
        ))
        .await;
    r.assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn odd_paths_and_headers_never_panic() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    for uri in [
        "/api/snapservice/clusters/%FF%FE/virtual-machines/vm-42?action=restore&vmw-task=true",
        "/api/snapservice/clusters/domain-c8/virtual-machines/%00?action=restore&vmw-task=true",
        "/api/cis/tasks/%FF",
        "/api/vcenter/vm/%FF/power",
        "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=%FF&vmw-task=true",
        "/api/vcenter/vm?names=%FF%FE",
    ] {
        let method = if uri.contains("action") {
            "POST"
        } else {
            "GET"
        };
        let r = m.call(method, uri, Some(&s), Some("{}")).await;
        assert!(matches!(r.status, 200 | 400 | 404), "{uri}: {}", r.status);
        if r.status != 200 {
            assert_eq!(r.content_type.as_deref(), Some("application/json"), "{uri}");
            r.json();
        }
    }
    // A session header that is not valid UTF-8.
    let mut req = Request::get("/api/session").body(Body::empty()).unwrap();
    req.headers_mut().insert(
        "vmware-api-session-id",
        HeaderValue::from_bytes(&[0xff, 0x41]).unwrap(),
    );
    m.send(req).await.assert_error(401, "UNAUTHENTICATED");
    // Two session headers: the first one counts.
    let req = Request::get("/api/session")
        .header("vmware-api-session-id", s.as_str())
        .header("vmware-api-session-id", "other")
        .body(Body::empty())
        .unwrap();
    assert_eq!(m.send(req).await.status, 200);
}

#[tokio::test]
async fn fmt_4_every_status_the_restore_route_gives_is_documented() {
    // FMT-4 over a spread of inputs: nothing outside {202, 400, 401, 403, 404, 500, 503}.
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let ro = m.login(READONLY).await;
    let mut statuses = std::collections::BTreeSet::new();
    for session in [s.as_str(), ro.as_str(), "bad"] {
        for (cluster, vm) in [
            ("domain-c8", "vm-42"),
            ("domain-c8", "vm-100"),
            ("x", "y"),
            ("domain-c20", "vm-50"),
        ] {
            for body in [
                "",
                "{}",
                r#"{"snapshot":"snap-42-a"}"#,
                r#"{"snapshot":"snap-42-b","name":"db-01"}"#,
                r#"{"snapshot":"snap-50-a","placement":{"host":"host-21"}}"#,
            ] {
                let r = m.restore(session, cluster, vm, body).await;
                statuses.insert(r.status);
                if r.status != 202 {
                    assert_eq!(r.content_type.as_deref(), Some("application/json"));
                    r.json();
                }
            }
        }
    }
    assert!(
        statuses
            .iter()
            .all(|s| [202, 400, 401, 403, 404, 500, 503].contains(s)),
        "{statuses:?}"
    );
}

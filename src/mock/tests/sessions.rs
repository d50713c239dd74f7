use axum::body::Body;
use axum::http::{Request, header};

use crate::mock::testutil::*;

#[tokio::test]
async fn login_gives_a_128_bit_hex_session_string() {
    let m = Mock::new();
    let id = m.login(ADMIN).await;
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(id, m.login(ADMIN).await);
}

#[tokio::test]
async fn login_201_has_json_content_type() {
    let m = Mock::new();
    let r = m
        .send(
            Request::post("/api/snapservice/sessions")
                .header(
                    header::AUTHORIZATION,
                    "Basic cmVhZG9ubHlAdnNwaGVyZS5sb2NhbDpSZWFkMG5seSFtb2NrLW9ubHk=",
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert!(r.json().is_string());
}

#[tokio::test]
async fn wrong_or_missing_credentials_are_401() {
    let m = Mock::new();
    for auth in [
        None,
        Some("Basic YWRtaW5pc3RyYXRvckB2c3BoZXJlLmxvY2FsOndyb25n"), // wrong password
        Some("Basic !!notbase64"),
        Some("Bearer abc"),
    ] {
        let mut b = Request::post("/api/session");
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        m.send(b.body(Body::empty()).unwrap())
            .await
            .assert_error(401, "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn get_session_info_then_logout_invalidates() {
    let m = Mock::new();
    let id = m.login(OPERATOR).await;
    let r = m.call("GET", "/api/session", Some(&id), None).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["user"], OPERATOR.0);
    assert!(v["created_time"].as_str().unwrap().ends_with('Z'));
    assert!(v["last_accessed_time"].is_string());
    let r = m.call("DELETE", "/api/session", Some(&id), None).await;
    assert_eq!(r.status, 204);
    m.call("GET", "/api/session", Some(&id), None)
        .await
        .assert_error(401, "UNAUTHENTICATED");
    m.call("DELETE", "/api/session", Some(&id), None)
        .await
        .assert_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn snapservice_session_paths_share_sessions() {
    let m = Mock::new();
    let id = m.login(ADMIN).await;
    let r = m
        .call("GET", "/api/snapservice/sessions", Some(&id), None)
        .await;
    assert_eq!(r.status, 200);
    let r = m
        .call("DELETE", "/api/snapservice/sessions", Some(&id), None)
        .await;
    assert_eq!(r.status, 204);
    m.call("GET", "/api/session", Some(&id), None)
        .await
        .assert_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn authn_1_no_header_is_401_on_every_api_endpoint() {
    let m = Mock::new();
    for (method, uri) in [
        ("GET", "/api/session"),
        ("GET", "/api/vcenter/vm"),
        ("GET", "/api/vcenter/vm/vm-100"),
        ("GET", "/api/vcenter/vm/vm-100/power"),
        ("DELETE", "/api/vcenter/vm/vm-103"),
        ("GET", "/api/cis/tasks/x"),
        ("GET", "/api/snapservice/tasks/x"),
        (
            "GET",
            "/api/snapservice/clusters/domain-c8/virtual-machines",
        ),
        (
            "GET",
            "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42",
        ),
        (
            "GET",
            "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42/snapshots",
        ),
        (
            "GET",
            "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42/snapshots/snap-42-a",
        ),
        (
            "POST",
            "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true",
        ),
    ] {
        let r = m
            .call(method, uri, None, Some(r#"{"snapshot":"snap-42-a"}"#))
            .await;
        assert_eq!(r.status, 401, "{method} {uri}");
        r.assert_error(401, "UNAUTHENTICATED");
    }
    // Unauthenticated requests changed nothing.
    assert_eq!(m.state().await["vms"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn authn_2_garbage_and_logged_out_ids_are_401() {
    let m = Mock::new();
    let body = r#"{"snapshot":"snap-42-b","name":"n"}"#;
    for bad in ["garbage", "", "00000000000000000000000000000000"] {
        m.restore(bad, "domain-c8", "vm-42", body)
            .await
            .assert_error(401, "UNAUTHENTICATED");
    }
    let id = m.login(ADMIN).await;
    m.call("DELETE", "/api/session", Some(&id), None).await;
    m.restore(&id, "domain-c8", "vm-42", body)
        .await
        .assert_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn idle_sessions_expire_after_the_fixture_timeout() {
    let mut w = default_world();
    w.mock.session_idle_timeout_s = 0;
    let m = Mock {
        app: crate::mock::app(crate::mock::state(w, &[], false)),
    };
    let id = m.login(ADMIN).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    m.call("GET", "/api/session", Some(&id), None)
        .await
        .assert_error(401, "UNAUTHENTICATED");
}

//! The error format over many kinds of refusal (FMT-*), and REJ-1 over a spread of them.

use crate::mock::testutil::*;
use crate::model::ErrorType;

const BASE: &str = "/api/snapservice/clusters";

/// (session principal or none, method, uri, body): requests refused for many reasons.
/// (principal to log in as, method, uri, body).
type Refusal = (
    Option<(&'static str, &'static str)>,
    &'static str,
    String,
    &'static str,
);

fn refusals() -> Vec<Refusal> {
    let r =
        |c: &str, v: &str| format!("{BASE}/{c}/virtual-machines/{v}?action=restore&vmw-task=true");
    vec![
        (
            None,
            "POST",
            r("domain-c8", "vm-42"),
            r#"{"snapshot":"snap-42-b"}"#,
        ),
        (
            Some(READONLY),
            "POST",
            r("domain-c8", "vm-42"),
            r#"{"snapshot":"snap-42-b"}"#,
        ),
        (
            Some(ADMIN),
            "POST",
            r("domain-c9", "vm-42"),
            r#"{"snapshot":"snap-42-b"}"#,
        ),
        (
            Some(ADMIN),
            "POST",
            r("domain-c8", "vm-9"),
            r#"{"snapshot":"snap-42-b"}"#,
        ),
        (
            Some(ADMIN),
            "POST",
            r("domain-c8", "vm-100"),
            r#"{"snapshot":"snap-42-b"}"#,
        ),
        (Some(ADMIN), "POST", r("domain-c8", "vm-42"), "nope"),
        (
            Some(ADMIN),
            "POST",
            r("domain-c8", "vm-42"),
            r#"{"snapshot":"snap-x"}"#,
        ),
        (
            Some(ADMIN),
            "POST",
            r("domain-c8", "vm-42"),
            r#"{"snapshot":"snap-42-b","name":"db-01"}"#,
        ),
        (
            Some(ADMIN),
            "POST",
            r("domain-c20", "vm-50"),
            r#"{"snapshot":"snap-50-a"}"#,
        ),
        (
            Some(ADMIN),
            "POST",
            format!("{BASE}/domain-c8/virtual-machines/vm-42?action=x"),
            "{}",
        ),
        (Some(ADMIN), "GET", "/api/cis/tasks/none".into(), ""),
        (Some(ADMIN), "DELETE", "/api/vcenter/vm/vm-100".into(), ""),
        (Some(ADMIN), "GET", "/api/nothing".into(), ""),
    ]
}

#[tokio::test]
async fn fmt_1_fmt_2_fmt_3_every_error_is_a_vapi_body_agreeing_with_its_status() {
    let m = Mock::new();
    for (who, method, uri, body) in refusals() {
        let session = match who {
            Some(w) => Some(m.login(w).await),
            None => None,
        };
        let r = m.call(method, &uri, session.as_deref(), Some(body)).await;
        assert!(r.status >= 400, "{uri}");
        assert_eq!(r.content_type.as_deref(), Some("application/json"), "{uri}");
        let v = r.json();
        let et =
            ErrorType::parse(v["error_type"].as_str().unwrap()).expect("a standard error_type");
        assert_eq!(et.vapi_status(), r.status, "{uri}: {v}");
        let msgs = v["messages"].as_array().unwrap();
        assert!(!msgs.is_empty());
        for msg in msgs {
            assert!(
                msg["id"].is_string() && msg["default_message"].is_string(),
                "{v}"
            );
            assert!(
                msg["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|a| a.is_string()),
                "{v}"
            );
        }
    }
}

#[tokio::test]
async fn fmt_5_the_same_cause_gives_the_same_message_id() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let mut ids = Vec::new();
    for snap in ["snap-x", "snap-y", "another"] {
        let body = format!(r#"{{"snapshot":"{snap}"}}"#);
        let r = m.restore(&s, "domain-c8", "vm-42", &body).await;
        assert_eq!(r.json()["messages"][0]["args"][0], snap);
        ids.push(r.message_id());
    }
    assert!(
        ids.iter()
            .all(|i| i == "com.vmware.snapservice.restore.snapshot.not_found")
    );
    // Different causes, different ids.
    let other = m
        .restore(&s, "domain-c8", "vm-42", r#"{"snapshot":"snap-50-a"}"#)
        .await;
    assert_ne!(other.message_id(), ids[0]);
}

#[tokio::test]
async fn rej_1_refusals_create_no_vm_no_task_and_hold_no_name() {
    let m = Mock::new();
    let before = m.state().await;
    for (who, method, uri, body) in refusals() {
        let session = match who {
            Some(w) => Some(m.login(w).await),
            None => None,
        };
        m.call(method, &uri, session.as_deref(), Some(body)).await;
    }
    let after = m.state().await;
    assert_eq!(before["vms"], after["vms"]);
    assert_eq!(after["tasks"].as_array().unwrap().len(), 0);
    assert_eq!(after["max_running"]["domain-c8"], 0);
    // The names those requests carried are still free.
    let s = m.login(ADMIN).await;
    let r = m
        .restore(&s, "domain-c8", "vm-42", r#"{"snapshot":"snap-42-b"}"#)
        .await;
    assert_eq!(r.status, 202);
}

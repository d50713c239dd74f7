//! The defects of issue 13 (each breaks one behaviour the verdicts must catch) and the cis task
//! list they are caught through.

use std::time::Duration;

use serde_json::json;

use crate::mock::Defect::*;
use crate::mock::testutil::*;

const C8: &str = "domain-c8";
/// Refused at step 11: host-21 is not a member of domain-c8.
const BAD_PLACEMENT: &str =
    r#"{"snapshot":"snap-42-b","name":"ghost","placement":{"host":"host-21"}}"#;
const SERVICES: &str =
    r#"{"filter_spec":{"services":["com.vmware.snapservice.clusters.virtual_machines"]}}"#;

async fn task_list(m: &Mock, s: &str) -> serde_json::Map<String, serde_json::Value> {
    let r = m
        .call(
            "POST",
            "/api/cis/tasks?action=list",
            Some(s),
            Some(SERVICES),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json().as_object().unwrap().clone()
}

#[tokio::test]
async fn the_task_list_shows_accepted_restores_and_follows_the_documented_rules() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    assert!(task_list(&m, &s).await.is_empty());
    let r = m
        .restore(
            &s,
            C8,
            "vm-42",
            r#"{"snapshot":"snap-42-b","name":"listed"}"#,
        )
        .await;
    let task = r.json().as_str().unwrap().to_owned();
    let listed = task_list(&m, &s).await;
    assert_eq!(listed.keys().collect::<Vec<_>>(), vec![&task]);
    assert!(listed[&task]["status"].is_string());
    // A filter naming neither tasks nor services is refused, as documented.
    m.call("POST", "/api/cis/tasks?action=list", Some(&s), Some("{}"))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    // Filters combine: another service, or another task id, lists nothing.
    let other = r#"{"filter_spec":{"services":["com.vmware.other"]}}"#;
    let r = m
        .call("POST", "/api/cis/tasks?action=list", Some(&s), Some(other))
        .await;
    assert_eq!(r.json(), json!({}));
    let by_id = json!({"filter_spec": {"tasks": [task]}}).to_string();
    let r = m
        .call("POST", "/api/cis/tasks?action=list", Some(&s), Some(&by_id))
        .await;
    assert_eq!(r.json().as_object().unwrap().len(), 1);
    // Unauthenticated first; an unknown action is no operation.
    assert_eq!(
        m.call("POST", "/api/cis/tasks?action=list", None, Some(SERVICES))
            .await
            .status,
        401
    );
    m.call(
        "POST",
        "/api/cis/tasks?action=nope",
        Some(&s),
        Some(SERVICES),
    )
    .await
    .assert_error(404, "OPERATION_NOT_FOUND");
}

#[tokio::test]
async fn refusal_starts_task_lists_a_task_for_a_refusal() {
    for (defects, tasks) in [(&[][..], 0), (&[RefusalStartsTask][..], 1)] {
        let m = Mock::with(defects);
        let s = m.login(ADMIN).await;
        m.restore(&s, C8, "vm-42", BAD_PLACEMENT)
            .await
            .assert_error(400, "INVALID_ARGUMENT");
        assert_eq!(task_list(&m, &s).await.len(), tasks, "{defects:?}");
        // The phantom task holds no restore slot.
        let running = &m.state().await["running"]["domain-c8"];
        assert!(running.is_null() || *running == json!(0), "{running}");
    }
}

#[tokio::test]
async fn side_effect_later_creates_the_vm_after_the_refusal() {
    let m = Mock::with(&[SideEffectLater]);
    let s = m.login(ADMIN).await;
    m.restore(&s, C8, "vm-42", BAD_PLACEMENT)
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    assert!(m.vms_named(&s, "ghost", "group-v4").await.is_empty());
    tokio::time::sleep(crate::mock::side_effect::LATER + Duration::from_millis(50)).await;
    assert_eq!(m.vms_named(&s, "ghost", "group-v4").await.len(), 1);
}

#[tokio::test]
async fn side_effect_renamed_creates_a_vm_under_another_name() {
    for (defects, copies) in [(&[][..], 0), (&[SideEffectRenamed][..], 1)] {
        let m = Mock::with(defects);
        let s = m.login(ADMIN).await;
        m.restore(&s, C8, "vm-42", BAD_PLACEMENT)
            .await
            .assert_error(400, "INVALID_ARGUMENT");
        assert!(m.vms_named(&s, "ghost", "group-v4").await.is_empty());
        assert_eq!(
            m.vms_named(&s, "ghost-copy", "group-v4").await.len(),
            copies
        );
    }
}

/// Fills domain-c8 (limit 2) with held restores; the answer to one more.
async fn over_the_limit(defects: &[crate::mock::Defect]) -> Reply {
    let m = Mock::with(defects);
    m.control("POST", "/__mock/tasks/hold", None).await;
    let s = m.login(ADMIN).await;
    for i in 0..2 {
        let body = format!(r#"{{"snapshot":"snap-42-b","name":"held-{i}"}}"#);
        assert_eq!(m.restore(&s, C8, "vm-42", &body).await.status, 202);
    }
    m.restore(&s, C8, "vm-42", r#"{"snapshot":"snap-42-b","name":"over"}"#)
        .await
}

#[tokio::test]
async fn limit_defects_change_the_over_limit_answer() {
    over_the_limit(&[])
        .await
        .assert_error(400, "NOT_ALLOWED_IN_CURRENT_STATE");
    let r = over_the_limit(&[Limit429]).await;
    assert_eq!(
        (r.status, r.error_type().as_str()),
        (429, "NOT_ALLOWED_IN_CURRENT_STATE")
    );
    over_the_limit(&[LimitRefusedAsInvalid])
        .await
        .assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn race_loser_as_invalid_changes_only_the_reserved_name_answer() {
    for (defects, loser) in [
        (&[][..], "ALREADY_EXISTS"),
        (&[RaceLoserAsInvalid][..], "INVALID_ARGUMENT"),
    ] {
        let m = Mock::with(defects);
        m.control("POST", "/__mock/tasks/hold", None).await;
        let s = m.login(ADMIN).await;
        let body = r#"{"snapshot":"snap-42-b","name":"race"}"#;
        assert_eq!(m.restore(&s, C8, "vm-42", body).await.status, 202);
        m.restore(&s, C8, "vm-42", body)
            .await
            .assert_error(400, loser);
        // A live VM's name is still ALREADY_EXISTS (db-01 is live in group-v4).
        m.restore(
            &s,
            C8,
            "vm-42",
            r#"{"snapshot":"snap-42-b","name":"db-01"}"#,
        )
        .await
        .assert_error(400, "ALREADY_EXISTS");
    }
}

#[tokio::test]
async fn error_messages_empty_sends_no_message() {
    let m = Mock::with(&[ErrorMessagesEmpty]);
    let s = m.login(ADMIN).await;
    let r = m.restore(&s, C8, "vm-42", BAD_PLACEMENT).await;
    assert_eq!(
        (r.status, r.error_type().as_str()),
        (400, "INVALID_ARGUMENT")
    );
    assert_eq!(r.json()["messages"], json!([]));
}

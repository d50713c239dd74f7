//! Defects that need more than one request: limits, races, sessions, faults, side effects and
//! error formats; and the check that every defect is shown somewhere.

use std::time::Duration;

use crate::mock::Defect;
use crate::mock::Defect::*;
use crate::mock::testutil::*;

use super::defects_single::CASES;

const C8: &str = "domain-c8";
const OK: &str = r#"{"snapshot":"snap-42-b","name":"fresh"}"#;

/// The defects this file shows; the single-request ones are in `defects_single::CASES`.
const SHOWN_HERE_OR_IN_OUTCOME: &[Defect] = &[
    RaceUnprotected,
    LimitOffByOne,
    LimitNeverFrees,
    LogoutKeepsSession,
    SideEffectBeforeCheck,
    Fault500AsHtml,
    UnavailableAs500,
    TextPlainErrors,
    ErrorWithoutMessageIds,
    ErrorTypeMismatch,
    AuthAfterNotFound,
    // defects_outcome.rs
    VmLeftPoweredOn,
    IgnoresName,
    DefaultNameFromCurrentVm,
    IgnoresFolder,
    IgnoresPool,
    IgnoresHost,
    TaskNeverFinishes,
    TaskGoesBack,
    TaskMissingStartTime,
    TaskResultNotVmId,
    // defects_verdicts.rs (TaskTimeNotRfc3339: tasks.rs's unit test)
    ErrorMessagesEmpty,
    TaskTimeNotRfc3339,
    Limit429,
    LimitRefusedAsInvalid,
    RaceLoserAsInvalid,
    SideEffectLater,
    SideEffectRenamed,
    RefusalStartsTask,
];

#[test]
fn every_defect_is_shown_by_a_test() {
    for d in Defect::all() {
        let shown = CASES.iter().any(|c| c.defect == *d) || SHOWN_HERE_OR_IN_OUTCOME.contains(d);
        assert!(shown, "{d} is shown by no test");
    }
}

async fn parallel_restores(m: &Mock, s: &str, name: &str, n: usize) -> Vec<u16> {
    let mut hs = Vec::new();
    for i in 0..n {
        let app = Mock { app: m.app.clone() };
        let s = s.to_owned();
        let body = if name.is_empty() {
            format!(r#"{{"snapshot":"snap-42-b","name":"p{i}"}}"#)
        } else {
            format!(r#"{{"snapshot":"snap-42-b","name":"{name}"}}"#)
        };
        hs.push(tokio::spawn(async move {
            app.restore(&s, C8, "vm-42", &body).await.status
        }));
    }
    let mut out = Vec::new();
    for h in hs {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn race_unprotected_lets_two_restores_of_one_name_win() {
    for (defects, winners) in [(&[][..], 1), (&[RaceUnprotected][..], 2)] {
        let m = Mock::with(defects);
        let s = m.login(ADMIN).await;
        let statuses = parallel_restores(&m, &s, "race", 2).await;
        assert_eq!(statuses.iter().filter(|s| **s == 202).count(), winners);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(m.vms_named(&s, "race", "group-v4").await.len(), winners);
    }
}

#[tokio::test]
async fn limit_off_by_one_accepts_one_more() {
    for (defects, accepted, max) in [(&[][..], 2, 2), (&[LimitOffByOne][..], 3, 3)] {
        let m = Mock::with(defects);
        m.control("POST", "/__mock/tasks/hold", None).await;
        let s = m.login(ADMIN).await;
        let statuses = parallel_restores(&m, &s, "", 4).await;
        assert_eq!(
            statuses.iter().filter(|s| **s == 202).count(),
            accepted,
            "{defects:?}"
        );
        assert_eq!(m.state().await["max_running"]["domain-c8"], max);
    }
}

#[tokio::test]
async fn limit_never_frees_refuses_after_tasks_end() {
    for (defects, third) in [(&[][..], 202), (&[LimitNeverFrees][..], 400)] {
        let m = Mock::with(defects);
        let s = m.login(ADMIN).await;
        parallel_restores(&m, &s, "", 2).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(m.state().await["running"]["domain-c8"], 0);
        assert_eq!(m.restore(&s, C8, "vm-42", OK).await.status, third);
    }
}

#[tokio::test]
async fn logout_keeps_session() {
    for (defects, after) in [(&[][..], 401), (&[LogoutKeepsSession][..], 200)] {
        let m = Mock::with(defects);
        let s = m.login(ADMIN).await;
        assert_eq!(
            m.call("DELETE", "/api/session", Some(&s), None)
                .await
                .status,
            204
        );
        assert_eq!(
            m.call("GET", "/api/session", Some(&s), None).await.status,
            after
        );
    }
}

#[tokio::test]
async fn side_effect_before_check_creates_a_vm_on_refusal() {
    let body = r#"{"snapshot":"snap-42-b","name":"ghost","placement":{"host":"host-21"}}"#;
    for (defects, vms) in [(&[][..], 0), (&[SideEffectBeforeCheck][..], 1)] {
        let m = Mock::with(defects);
        let s = m.login(ADMIN).await;
        m.restore(&s, C8, "vm-42", body)
            .await
            .assert_error(400, "INVALID_ARGUMENT");
        assert_eq!(m.vms_named(&s, "ghost", "group-v4").await.len(), vms);
    }
}

#[tokio::test]
async fn fault_defects_change_the_fault_answer() {
    let m = Mock::with(&[Fault500AsHtml]);
    m.control(
        "POST",
        "/__mock/faults",
        Some(r#"{"status":500,"count":1}"#),
    )
    .await;
    let s = m.login(ADMIN).await;
    let r = m.restore(&s, C8, "vm-42", OK).await;
    assert_eq!(r.status, 500);
    assert!(r.content_type.unwrap().starts_with("text/html"));
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());

    let m = Mock::with(&[UnavailableAs500]);
    m.control(
        "POST",
        "/__mock/faults",
        Some(r#"{"status":503,"count":1}"#),
    )
    .await;
    let s = m.login(ADMIN).await;
    m.restore(&s, C8, "vm-42", OK)
        .await
        .assert_error(500, "ERROR");
}

#[tokio::test]
async fn error_format_defects() {
    let m = Mock::with(&[TextPlainErrors]);
    let s = m.login(ADMIN).await;
    let r = m.restore(&s, "domain-c999", "vm-42", OK).await;
    assert_eq!(r.status, 404);
    assert!(r.content_type.unwrap().starts_with("text/plain"));

    let m = Mock::with(&[ErrorWithoutMessageIds]);
    let s = m.login(ADMIN).await;
    let r = m.restore(&s, "domain-c999", "vm-42", OK).await;
    assert_eq!((r.status, r.error_type().as_str()), (404, "NOT_FOUND"));
    let v = r.json();
    assert!(v["messages"][0]["default_message"].is_string());
    assert!(v["messages"][0].get("id").is_none() && v["messages"][0].get("args").is_none());

    for (defects, error_type) in [
        (&[][..], "UNAUTHENTICATED"),
        (&[ErrorTypeMismatch][..], "UNAUTHORIZED"),
    ] {
        let m = Mock::with(defects);
        let r = m.restore("bogus", C8, "vm-42", OK).await;
        assert_eq!((r.status, r.error_type().as_str()), (401, error_type));
        // Without any session header the answer stays right.
        let r = m.call("POST", "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true", None, Some(OK)).await;
        r.assert_error(401, "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn auth_after_not_found_answers_404_to_unauthenticated_requests() {
    for (defects, status) in [(&[][..], 401), (&[AuthAfterNotFound][..], 404)] {
        let m = Mock::with(defects);
        let r = m.call("POST", "/api/snapservice/clusters/domain-c999/virtual-machines/vm-42?action=restore&vmw-task=true", None, Some(OK)).await;
        assert_eq!(r.status, status);
        // On a known cluster it still answers 401.
        m.restore("bogus", C8, "vm-42", OK)
            .await
            .assert_error(401, "UNAUTHENTICATED");
    }
}

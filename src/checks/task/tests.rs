//! TASK-1, TASK-2, ACC-2 and ERR-1 over hand-built task histories.

use serde_json::json;

use super::*;
use crate::checks::test_support::*;

const CIS: TaskEndpoint = TaskEndpoint::Cis;

fn info(status: &str, extra: Value) -> Observation {
    let mut v = json!({
        "description": {"id": "d", "default_message": "restore", "args": []},
        "service": "com.vmware.snapservice.clusters.virtual_machines",
        "operation": "restore",
        "status": status,
        "cancelable": false,
    });
    let progress = json!({"total": 100, "completed": 50,
        "message": {"id": "p", "default_message": "p", "args": []}});
    let t = "2026-11-28T01:56:33.170Z";
    let fields = match status {
        "PENDING" => json!({}),
        "RUNNING" | "BLOCKED" => json!({"progress": progress, "start_time": t}),
        "SUCCEEDED" => {
            json!({"progress": progress, "start_time": t, "end_time": t, "result": "vm-1000"})
        }
        _ => json!({"progress": progress, "start_time": t, "end_time": t,
            "error": {"error_type": "ERROR", "messages": [{"id": "e", "default_message": "e", "args": []}]}}),
    };
    for (k, x) in fields
        .as_object()
        .unwrap()
        .iter()
        .chain(extra.as_object().unwrap())
    {
        v[k] = x.clone();
    }
    json(200, &v.to_string())
}

fn ok_history() -> Vec<Observation> {
    vec![
        info("PENDING", json!({})),
        info("RUNNING", json!({})),
        info("SUCCEEDED", json!({})),
    ]
}

#[test]
fn a_conforming_history_passes() {
    let j = check_task_history(&ok_history(), false, CIS);
    assert!(j.passed(), "{j:?}");
    assert_eq!(j.exercised.len(), 3);
    assert_eq!(task_result(&ok_history()).as_deref(), Some("vm-1000"));
}

#[test]
fn unresolved_failed_or_unfinished_tasks_break_acc_2() {
    assert_eq!(
        failed(&check_task_history(&[error(404, "NOT_FOUND")], false, CIS)),
        vec![ClauseId::ACC_2]
    );
    assert_eq!(
        failed(&check_task_history(&[], false, CIS)),
        vec![ClauseId::ACC_2]
    );
    let h = vec![info("RUNNING", json!({})), info("FAILED", json!({}))];
    assert_eq!(
        failed(&check_task_history(&h, false, CIS)),
        vec![ClauseId::ACC_2]
    );
    let h = vec![info("RUNNING", json!({}))];
    assert_eq!(
        failed(&check_task_history(&h, true, CIS)),
        vec![ClauseId::ACC_2]
    );
    let h = vec![info("RUNNING", json!({})), timeout()];
    assert_eq!(
        failed(&check_task_history(&h, true, CIS)),
        vec![ClauseId::ACC_2]
    );
}

#[test]
fn a_result_that_is_not_a_vm_id_breaks_acc_2_and_task_2() {
    let h = vec![info("SUCCEEDED", json!({"result": "host-12"}))];
    assert_eq!(
        failed(&check_task_history(&h, false, CIS)),
        vec![ClauseId::ACC_2, ClauseId::TASK_2]
    );
    let h = vec![info("SUCCEEDED", json!({"result": 42}))];
    assert_eq!(
        failed(&check_task_history(&h, false, CIS)),
        vec![ClauseId::ACC_2, ClauseId::TASK_2]
    );
    assert!(is_vm_id("vm-1000") && !is_vm_id("vm-") && !is_vm_id("vm-1 2"));
}

#[test]
fn status_moving_back_or_leaving_terminal_breaks_task_1() {
    let h = vec![
        info("RUNNING", json!({})),
        info("PENDING", json!({})),
        info("SUCCEEDED", json!({})),
    ];
    assert_eq!(
        failed(&check_task_history(&h, false, CIS)),
        vec![ClauseId::TASK_1]
    );
    let h = vec![info("FAILED", json!({})), info("SUCCEEDED", json!({}))];
    assert!(failed(&check_task_history(&h, false, CIS)).contains(&ClauseId::TASK_1));
    // A SUCCEEDED task read again as RUNNING moved back (TASK-1); it did end (ACC-2 holds).
    let mut h = ok_history();
    h.push(info("RUNNING", json!({})));
    assert_eq!(
        failed(&check_task_history(&h, false, CIS)),
        vec![ClauseId::TASK_1]
    );
    // RUNNING and BLOCKED may alternate.
    let h = vec![
        info("RUNNING", json!({})),
        info("BLOCKED", json!({})),
        info("RUNNING", json!({})),
        info("SUCCEEDED", json!({})),
    ];
    assert!(check_task_history(&h, false, CIS).passed());
}

#[test]
fn terminal_without_result_or_error_breaks_task_1() {
    let h = vec![info("SUCCEEDED", json!({"result": null}))];
    assert_eq!(
        failed(&check_task_history(&h, false, CIS)),
        vec![ClauseId::ACC_2, ClauseId::TASK_1]
    );
    let h = vec![info("FAILED", json!({"error": null}))];
    assert_eq!(
        failed(&check_failed_task_history(&h, false, CIS)),
        vec![ClauseId::ERR_1, ClauseId::TASK_1]
    );
}

#[test]
fn fields_against_the_status_table_break_task_2() {
    for (status, extra) in [
        ("PENDING", json!({"start_time": "2026-11-28T01:56:33.170Z"})),
        ("PENDING", json!({"progress": {}})),
        ("RUNNING", json!({"progress": null})),
        ("RUNNING", json!({"end_time": "2026-11-28T01:56:33.170Z"})),
        ("RUNNING", json!({"error": {"error_type": "ERROR"}})),
        ("SUCCEEDED", json!({"end_time": null})),
        ("SUCCEEDED", json!({"error": {"error_type": "ERROR"}})),
        ("RUNNING", json!({"service": 7})),
        ("RUNNING", json!({"cancelable": "no"})),
        ("RUNNING", json!({"start_time": 12})),
    ] {
        let mut h = vec![info(status, extra.clone())];
        if status != "SUCCEEDED" {
            h.push(info("SUCCEEDED", json!({})));
        }
        assert_eq!(
            failed(&check_task_history(&h, false, CIS)),
            vec![ClauseId::TASK_2],
            "{status} {extra}"
        );
    }
    let h = vec![
        json(200, r#"{"status":"DONE"}"#),
        info("SUCCEEDED", json!({})),
    ];
    assert_eq!(
        failed(&check_task_history(&h, false, CIS)),
        vec![ClauseId::TASK_2]
    );
    let h = vec![json(200, "[]"), info("SUCCEEDED", json!({}))];
    assert_eq!(
        failed(&check_task_history(&h, false, CIS)),
        vec![ClauseId::TASK_2]
    );
}

#[test]
fn injected_task_failure_must_end_failed_with_error() {
    let h = vec![info("RUNNING", json!({})), info("FAILED", json!({}))];
    let j = check_failed_task_history(&h, false, CIS);
    assert!(
        j.passed() && j.exercised.contains(&ClauseId::ERR_1),
        "{j:?}"
    );
    assert_eq!(
        failed(&check_failed_task_history(&ok_history(), false, CIS)),
        vec![ClauseId::ERR_1]
    );
    let h = vec![info(
        "FAILED",
        json!({"error": {"error_type": "INVALID_ARGUMENT", "messages": []}}),
    )];
    assert_eq!(
        failed(&check_failed_task_history(&h, false, CIS)),
        vec![ClauseId::ERR_1]
    );
}

#[test]
fn times_that_are_not_rfc_3339_break_task_2() {
    for extra in [
        json!({"start_time": "yesterday"}),
        json!({"start_time": "2026-11-28 01:56:33"}),
        json!({"end_time": "1732758993"}),
        json!({"end_time": "2026-02-30T01:56:33Z"}),
    ] {
        let h = vec![info("SUCCEEDED", extra.clone())];
        assert_eq!(
            failed(&check_task_history(&h, false, CIS)),
            vec![ClauseId::TASK_2],
            "{extra}"
        );
    }
    let h = vec![info(
        "SUCCEEDED",
        json!({"start_time": "2026-11-28T02:56:33+01:00", "end_time": "2026-11-28t01:56:34z"}),
    )];
    assert!(check_task_history(&h, false, CIS).passed());
}

#[test]
fn progress_is_optional_only_on_the_snapservice_endpoint() {
    let h = vec![
        info("RUNNING", json!({"progress": null})),
        info("SUCCEEDED", json!({"progress": null})),
    ];
    let j = check_task_history(&h, false, TaskEndpoint::Snapservice);
    assert!(
        j.passed() && j.exercised.contains(&ClauseId::TASK_2),
        "{j:?}"
    );
    assert_eq!(
        failed(&check_task_history(&h, false, CIS)),
        vec![ClauseId::TASK_2]
    );
    // Everything else of the table still holds there.
    let h = vec![info(
        "SUCCEEDED",
        json!({"progress": null, "end_time": null}),
    )];
    assert_eq!(
        failed(&check_task_history(&h, false, TaskEndpoint::Snapservice)),
        vec![ClauseId::TASK_2]
    );
    assert_eq!(
        TaskEndpoint::of_path("/api/snapservice/tasks"),
        TaskEndpoint::Snapservice
    );
    assert_eq!(TaskEndpoint::of_path("/api/cis/tasks"), TaskEndpoint::Cis);
}

#[test]
fn a_late_refusal_of_an_allowed_type_conforms() {
    use crate::model::ErrorType;
    let invalid = json!({"error": {"error_type": "INVALID_ARGUMENT",
        "messages": [{"id": "n", "default_message": "bad name", "args": []}]}});
    let h = vec![info("RUNNING", json!({})), info("FAILED", invalid)];
    let allowed = [ErrorType::InvalidArgument];
    let j = check_late_refusal(&h, CIS, &allowed, ClauseId::INV_11).expect("FAILED");
    assert!(
        j.passed() && j.exercised.contains(&ClauseId::INV_11),
        "{j:?}"
    );
    // A task that succeeded is no refusal: ACC-2 judges it.
    assert!(check_late_refusal(&ok_history(), CIS, &allowed, ClauseId::INV_11).is_none());
}

#[test]
fn a_late_refusal_of_another_type_or_shape_breaks_the_case_clause() {
    use crate::model::ErrorType;
    let allowed = [ErrorType::InvalidArgument];
    // The default FAILED Info carries an ERROR error.
    let h = vec![info("FAILED", json!({}))];
    let j = check_late_refusal(&h, CIS, &allowed, ClauseId::INV_11).expect("FAILED");
    assert_eq!(failed(&j), vec![ClauseId::INV_11]);
    let empty = json!({"error": {"error_type": "INVALID_ARGUMENT", "messages": []}});
    let h = vec![info("FAILED", empty)];
    let j = check_late_refusal(&h, CIS, &allowed, ClauseId::INV_12).expect("FAILED");
    assert_eq!(failed(&j), vec![ClauseId::INV_12]);
}

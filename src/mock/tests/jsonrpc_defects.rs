//! The JSON-RPC face decides as the REST face does: every single-request defect shows on both
//! faces (but the few that only concern REST's HTTP form), and error, session, task and fault
//! defects show in this form.

use serde_json::json;

use crate::mock::Defect;
use crate::mock::JSONRPC_REST_ONLY_DEFECTS;
use crate::mock::testutil::*;
use crate::model::ErrorType;
use crate::vapi::envelope::{Response as RpcResponse, ResponseBody};
use crate::vapi::value::{Secret, Value};
use crate::vapi::{
    MethodResult, SecurityContext, empty_input, ids, name_type_for, read_error, untyped_clean,
};

use super::defects_single::CASES;
use super::jsonrpc::*;

/// The JSON-RPC outcome the REST answer `r` stands for: output for a 2xx, else the error whose
/// name stands for the status, carrying the same error type.
fn rest_as_rpc(r: &Reply) -> Result<(), (ErrorType, ErrorType)> {
    if (200..300).contains(&r.status) {
        return Ok(());
    }
    let t = ErrorType::parse(&r.error_type()).expect("a vAPI error body");
    Err((name_type_for(r.status, t), t))
}

fn rpc_outcome(o: &Outcome) -> Result<(), (ErrorType, ErrorType)> {
    match o {
        Ok(_) => Ok(()),
        Err(e) => Err((
            e.name_type.expect("a standard error"),
            ErrorType::parse(e.body["error_type"].as_str().unwrap_or("")).expect("an error type"),
        )),
    }
}

#[tokio::test]
async fn both_faces_decide_alike_with_and_without_each_single_request_defect() {
    let mut compared = 0;
    for c in CASES {
        for defects in [&[][..], &[c.defect][..]] {
            if defects
                .iter()
                .any(|d| JSONRPC_REST_ONLY_DEFECTS.contains(d))
            {
                continue;
            }
            let Some(_) = typed_spec(c.body) else {
                continue;
            };
            let (a, b) = (Mock::with(defects), Mock::with(defects));
            let rest = {
                let s = a.login(c.who).await;
                a.restore(&s, c.cluster, c.vm, c.body).await
            };
            let rpc = {
                let s = login(&b, c.who).await;
                restore(&b, &s, c.cluster, c.vm, c.body).await
            };
            assert_eq!(
                rpc_outcome(&rpc),
                rest_as_rpc(&rest),
                "{} {defects:?}: REST {} / JSON-RPC {rpc:?}",
                c.defect,
                String::from_utf8_lossy(&rest.body)
            );
            compared += 1;
        }
    }
    // Every case but the REST-only defects' defective runs (and the one non-JSON body).
    assert!(
        compared >= 2 * CASES.len() - 4,
        "{compared} of {}",
        2 * CASES.len()
    );
}

#[test]
fn rest_only_defects_are_few_and_named() {
    // Everything else must show on the JSON-RPC face too; this list only shrinks.
    assert_eq!(
        JSONRPC_REST_ONLY_DEFECTS,
        [
            Defect::Accepts200,
            Defect::TextPlainErrors,
            Defect::MalformedBodyAs500
        ]
    );
}

#[tokio::test]
async fn error_defects_show_on_this_face() {
    // error-type-mismatch: named unauthenticated (the 401), typed UNAUTHORIZED.
    let m = Mock::with(&[Defect::ErrorTypeMismatch]);
    let e = restore(&m, "stale", "domain-c8", "vm-42", OK)
        .await
        .unwrap_err();
    assert_eq!(e.name_type, Some(ErrorType::Unauthenticated));
    assert_eq!(e.body["error_type"], "UNAUTHORIZED");
    // conflict-409: named concurrent_change, typed ALREADY_EXISTS.
    let m = Mock::with(&[Defect::Conflict409ForNameClash]);
    let s = login(&m, ADMIN).await;
    let e = restore(
        &m,
        &s,
        "domain-c8",
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"db-01"}"#,
    )
    .await
    .unwrap_err();
    assert_eq!(e.name_type, Some(ErrorType::ConcurrentChange));
    assert_eq!(e.body["error_type"], "ALREADY_EXISTS");
    // error-without-message-ids: the messages do not decode as LocalizableMessages.
    let m = Mock::with(&[Defect::ErrorWithoutMessageIds]);
    let s = login(&m, ADMIN).await;
    let i = restore_input("domain-c999", "vm-42", OK);
    let req = request(
        ids::VIRTUAL_MACHINES,
        ids::RESTORE_TASK,
        i,
        session_ctx(&s),
        json!("1"),
    );
    let r = post(&m, "/api", req.to_string()).await;
    let ResponseBody::Result(MethodResult::Error(e)) = RpcResponse::parse(&r.body).unwrap().body
    else {
        panic!()
    };
    assert_eq!(read_error(&e).unwrap_err().path, "messages[0].id");
    // The correct mock's errors decode.
    let m = Mock::new();
    let s = login(&m, ADMIN).await;
    assert!(restore(&m, &s, "domain-c999", "vm-42", OK).await.is_err());
}

#[tokio::test]
async fn session_and_task_defects_show_on_this_face() {
    let m = Mock::with(&[Defect::LogoutKeepsSession]);
    let s = login(&m, ADMIN).await;
    invoke(
        &m,
        ids::CIS_SESSION,
        ids::DELETE,
        empty_input(),
        session_ctx(&s),
    )
    .await
    .unwrap();
    assert!(
        invoke(
            &m,
            ids::CIS_SESSION,
            ids::GET,
            empty_input(),
            session_ctx(&s)
        )
        .await
        .is_ok()
    );

    for (defects, has_start) in [
        (&[][..], true),
        (&[Defect::TaskMissingStartTime][..], false),
    ] {
        let m = Mock::with(defects);
        let s = login(&m, ADMIN).await;
        m.control("POST", "/__mock/tasks/hold", None).await;
        let Ok(Value::String(task)) = restore(&m, &s, "domain-c8", "vm-42", OK).await else {
            panic!()
        };
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        let info = untyped_clean(&task_info(&m, ids::CIS_TASKS, &s, &task).await);
        assert_eq!(info["status"], "RUNNING");
        assert_eq!(
            info.get("start_time").is_some(),
            has_start,
            "{defects:?} {info}"
        );
    }

    let m = Mock::with(&[Defect::TaskResultNotVmId]);
    let s = login(&m, ADMIN).await;
    let Ok(Value::String(task)) = restore(&m, &s, "domain-c8", "vm-42", OK).await else {
        panic!()
    };
    let info = wait_task(&m, &s, &task).await;
    assert!(untyped_clean(&info)["result"].is_number());
}

#[tokio::test]
async fn faults_answer_in_this_form_and_their_defects_show() {
    let fault = |status: u16| format!(r#"{{"status":{status},"count":1,"scope":"api"}}"#);
    let m = Mock::new();
    let s = login(&m, ADMIN).await;
    m.control("POST", "/__mock/faults", Some(&fault(503))).await;
    let r = invoke(
        &m,
        ids::CIS_SESSION,
        ids::GET,
        empty_input(),
        session_ctx(&s),
    )
    .await;
    assert_error(&r, ErrorType::ServiceUnavailable);
    // Restore-scoped faults hit restore only.
    m.control(
        "POST",
        "/__mock/faults",
        Some(r#"{"status":500,"count":1}"#),
    )
    .await;
    assert!(
        invoke(
            &m,
            ids::CIS_SESSION,
            ids::GET,
            empty_input(),
            session_ctx(&s)
        )
        .await
        .is_ok()
    );
    assert_error(
        &restore(&m, &s, "domain-c8", "vm-42", OK).await,
        ErrorType::Error,
    );

    let m = Mock::with(&[Defect::UnavailableAs500]);
    let s = login(&m, ADMIN).await;
    m.control("POST", "/__mock/faults", Some(&fault(503))).await;
    let r = invoke(
        &m,
        ids::CIS_SESSION,
        ids::GET,
        empty_input(),
        session_ctx(&s),
    )
    .await;
    assert_error(&r, ErrorType::Error);

    let m = Mock::with(&[Defect::Fault500AsHtml]);
    let s = login(&m, ADMIN).await;
    m.control("POST", "/__mock/faults", Some(&fault(500))).await;
    let req = request(
        ids::CIS_SESSION,
        ids::GET,
        empty_input(),
        session_ctx(&s),
        json!("1"),
    );
    let r = post(&m, "/api", req.to_string()).await;
    assert_eq!(r.status, 500);
    assert!(r.content_type.unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn a_bearer_token_the_mock_cannot_verify_is_unauthenticated() {
    let m = Mock::new();
    let ctx = Some(SecurityContext::SamlBearerToken(Secret::new(
        "<saml2:Assertion/>",
    )));
    let i = restore_input("domain-c8", "vm-42", OK);
    let r = invoke(&m, ids::VIRTUAL_MACHINES, ids::RESTORE_TASK, i, ctx.clone()).await;
    assert_error(&r, ErrorType::Unauthenticated);
    let r = invoke(&m, ids::CIS_SESSION, ids::CREATE, empty_input(), ctx).await;
    assert_error(&r, ErrorType::Unauthenticated);
}

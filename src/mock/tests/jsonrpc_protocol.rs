//! The JSON-RPC face's protocol edges: bad inputs are InvalidArgument inside `result`,
//! envelope problems are JSON-RPC errors with their codes, unknown services and operations
//! are `operation_not_found`, and discovery answers in this form.

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value as Json, json};

use crate::mock::testutil::*;
use crate::model::ErrorType;
use crate::vapi::value::{StructValue, Value};
use crate::vapi::{defs, empty_input, ids, untyped_clean};

use super::jsonrpc::*;

#[tokio::test]
async fn bad_inputs_are_invalid_argument_in_result() {
    let m = Mock::new();
    let s = login(&m, ADMIN).await;
    let bad_spec = Value::Structure(
        StructValue::new(defs::RESTORE_SPEC.name).with("snapshot", Value::Integer(1)),
    );
    let wrong_name = Value::Structure(
        StructValue::new("com.example.spec").with("snapshot", Value::string("snap-42-b")),
    );
    let bare_optional = Value::Structure(
        StructValue::new(defs::RESTORE_SPEC.name)
            .with("snapshot", Value::string("snap-42-b"))
            .with("name", Value::string("bare")),
    );
    for spec in [bad_spec, wrong_name, bare_optional] {
        let i = input(&[
            ("cluster", Value::string("domain-c8")),
            ("vm", Value::string("vm-42")),
            ("spec", spec),
        ]);
        let r = invoke(
            &m,
            ids::VIRTUAL_MACHINES,
            ids::RESTORE_TASK,
            i,
            session_ctx(&s),
        )
        .await;
        assert_error(&r, ErrorType::InvalidArgument);
    }
    let no_spec = input(&[
        ("cluster", Value::string("domain-c8")),
        ("vm", Value::string("vm-42")),
    ]);
    let r = invoke(
        &m,
        ids::VIRTUAL_MACHINES,
        ids::RESTORE_TASK,
        no_spec,
        session_ctx(&s),
    )
    .await;
    assert_error(&r, ErrorType::InvalidArgument);
    // The input itself must be an operation-input structure.
    let r = invoke(
        &m,
        ids::VIRTUAL_MACHINES,
        ids::RESTORE_TASK,
        Value::string("x"),
        session_ctx(&s),
    )
    .await;
    assert_error(&r, ErrorType::InvalidArgument);
    // Unauthenticated still wins over a bad input (AUTHN-3).
    let i = input(&[("cluster", Value::Integer(1))]);
    let r = invoke(&m, ids::VIRTUAL_MACHINES, ids::RESTORE_TASK, i, None).await;
    assert_error(&r, ErrorType::Unauthenticated);
    // Nothing was created.
    assert!(m.vms_named(&s, "bare", "group-v4").await.is_empty());
}

#[tokio::test]
async fn protocol_errors_are_json_rpc_errors_with_their_codes() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let good = request(
        ids::CIS_SESSION,
        ids::GET,
        empty_input(),
        session_ctx(&s),
        json!("9"),
    );
    let with = |f: &dyn Fn(&mut Json)| {
        let mut b = good.clone();
        f(&mut b);
        b.to_string()
    };
    let cases: Vec<(String, i64, Json)> = vec![
        ("{not json".into(), -32700, Json::Null),
        ("[]".into(), -32600, Json::Null),
        (with(&|b| b["jsonrpc"] = json!("1.0")), -32600, Json::Null),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("id");
            }),
            -32600,
            Json::Null,
        ),
        (with(&|b| b["method"] = json!("call")), -32601, json!("9")),
        (with(&|b| b["params"] = json!("x")), -32602, json!("9")),
        (
            with(&|b| {
                b["params"].as_object_mut().unwrap().remove("serviceId");
            }),
            -32602,
            json!("9"),
        ),
        (
            with(&|b| b["params"]["input"] = json!({"STRUCTURE": 1})),
            -32602,
            json!("9"),
        ),
        (
            with(&|b| {
                b["params"].as_object_mut().unwrap().remove("ctx");
            }),
            -32602,
            json!("9"),
        ),
    ];
    for (body, code, id) in cases {
        let r = post(&m, "/api", body.clone()).await;
        assert_eq!(r.status, 200, "{body}");
        let v = r.json();
        assert_eq!(
            (&v["jsonrpc"], &v["id"], &v["error"]["code"]),
            (&json!("2.0"), &id, &json!(code)),
            "{body}: {v}"
        );
        assert!(v.get("result").is_none());
    }
    // Headers naming another operation than the body: vAPI's own code.
    let r = m
        .send(
            Request::post("/api")
                .header("vapi-service", ids::CIS_SESSION)
                .header("vapi-operation", ids::DELETE)
                .body(Body::from(good.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], -31001);
    // Matching headers are fine.
    let r = m
        .send(
            Request::post("/api")
                .header("vapi-service", ids::CIS_SESSION)
                .header("vapi-operation", ids::GET)
                .body(Body::from(good.to_string()))
                .unwrap(),
        )
        .await;
    assert!(r.json()["result"]["output"].is_object());
    // Other methods on the endpoint are the REST face's 404.
    m.call("GET", "/api", Some(&s), None)
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn unknown_services_and_operations_are_operation_not_found_in_result() {
    let m = Mock::new();
    let s = login(&m, ADMIN).await;
    for (service, op) in [
        ("com.vmware.nope", ids::GET),
        (ids::VIRTUAL_MACHINES, "revert$task"),
        (ids::CIS_TASKS, ids::DELETE),
    ] {
        let r = invoke(&m, service, op, empty_input(), session_ctx(&s)).await;
        assert_error(&r, ErrorType::OperationNotFound);
    }
}

/// AUTHN-3: an unauthenticated caller learns nothing of which operations exist.
#[tokio::test]
async fn unknown_operations_authenticate_first() {
    let m = Mock::new();
    for ctx in [None, session_ctx("not-a-session")] {
        let r = invoke(&m, ids::VIRTUAL_MACHINES, "revert$task", empty_input(), ctx).await;
        assert_error(&r, ErrorType::Unauthenticated);
    }
}

#[tokio::test]
async fn discovery_lists_the_deleted_vms_and_their_snapshots() {
    let m = Mock::new();
    let s = login(&m, ADMIN).await;
    let i = input(&[
        ("cluster", Value::string("domain-c8")),
        ("filter", Value::none()),
    ]);
    let list = invoke(&m, ids::VIRTUAL_MACHINES, ids::LIST, i, session_ctx(&s))
        .await
        .unwrap();
    assert_eq!(list.as_struct().unwrap().name, defs::VM_LIST_RESULT.name);
    let clean = untyped_clean(&list);
    let deleted: Vec<&str> = clean["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["info"]["in_cluster"] == false)
        .map(|i| i["vm"].as_str().unwrap())
        .collect();
    assert_eq!(deleted, ["vm-42", "vm-43", "vm-44"]);
    // The same answer as the REST face.
    let rest = m
        .call(
            "GET",
            "/api/snapservice/clusters/domain-c8/virtual-machines",
            Some(&s),
            None,
        )
        .await;
    assert_eq!(rest.json(), clean);
    // A filter: one VM by id.
    let filter = Value::some(Value::Structure(
        StructValue::new(defs::VM_FILTER_SPEC.name).with(
            "vms",
            Value::some(Value::List(vec![Value::string("vm-43")])),
        ),
    ));
    let i = input(&[("cluster", Value::string("domain-c8")), ("filter", filter)]);
    let one = invoke(&m, ids::VIRTUAL_MACHINES, ids::LIST, i, session_ctx(&s))
        .await
        .unwrap();
    assert_eq!(untyped_clean(&one)["items"].as_array().unwrap().len(), 1);
    let i = input(&[
        ("cluster", Value::string("domain-c8")),
        ("vm", Value::string("vm-42")),
    ]);
    let vm = invoke(&m, ids::VIRTUAL_MACHINES, ids::GET, i, session_ctx(&s))
        .await
        .unwrap();
    assert_eq!(untyped_clean(&vm)["name"], "web-old-v2");
    let i = input(&[
        ("cluster", Value::string("domain-c8")),
        ("vm", Value::string("vm-42")),
        ("filter", Value::none()),
    ]);
    let snaps = invoke(&m, ids::SNAPSHOTS, ids::LIST, i, session_ctx(&s))
        .await
        .unwrap();
    let ids_: Vec<Json> = untyped_clean(&snaps)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["snapshot"].clone())
        .collect();
    assert_eq!(ids_, [json!("snap-42-a"), json!("snap-42-b")]);
    let i = input(&[
        ("cluster", Value::string("domain-c8")),
        ("vm", Value::string("vm-42")),
        ("snapshot", Value::string("snap-42-a")),
    ]);
    let snap = invoke(&m, ids::SNAPSHOTS, ids::GET, i, session_ctx(&s))
        .await
        .unwrap();
    assert_eq!(snap.as_struct().unwrap().name, defs::SNAPSHOT_INFO.name);
    let snap = untyped_clean(&snap);
    assert_eq!(
        (&snap["vm"], &snap["name"]),
        (&json!("vm-42"), &json!("hourly-2026-11-27T10"))
    );
    let i = input(&[
        ("cluster", Value::string("domain-c999")),
        ("filter", Value::none()),
    ]);
    let r = invoke(&m, ids::VIRTUAL_MACHINES, ids::LIST, i, session_ctx(&s)).await;
    assert_error(&r, ErrorType::NotFound);
    let i = input(&[("cluster", Value::string("domain-c8"))]);
    let r = invoke(&m, ids::VIRTUAL_MACHINES, ids::LIST, i, None).await;
    assert_error(&r, ErrorType::Unauthenticated);
}

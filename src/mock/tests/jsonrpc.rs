//! The JSON-RPC face: the envelope, sessions, restore through to a finished task, each
//! documented refusal as its standard error, protocol errors, and the same decisions (defects
//! included) as the REST face.

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value as Json, json};

use crate::mock::Defect;
use crate::mock::JSONRPC_REST_ONLY_DEFECTS;
use crate::mock::testutil::*;
use crate::model::ErrorType;
use crate::vapi::envelope::{Response as RpcResponse, ResponseBody};
use crate::vapi::value::{Secret, StructValue, Value};
use crate::vapi::{
    ExecutionContext, MethodResult, SecurityContext, WireError, defs, empty_input, ids,
    name_type_for, read_error, untyped_clean,
};

use super::defects_single::CASES;

/// What one call gave: its output or its vAPI error.
pub(super) type Outcome = Result<Value, WireError>;

fn session_ctx(id: &str) -> Option<SecurityContext> {
    Some(SecurityContext::SessionId(Secret::new(id)))
}

fn request(service: &str, op: &str, input: Value, ctx: Option<SecurityContext>, id: Json) -> Json {
    let ctx = ctx.map(ExecutionContext::with_security).unwrap_or_default();
    json!({"jsonrpc":"2.0","method":"invoke","id": id,
        "params":{"serviceId": service, "operationId": op, "input": input.to_json(), "ctx": ctx.to_json()}})
}

async fn post(m: &Mock, path: &str, body: String) -> Reply {
    m.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// One call on `/api`; the envelope rules are checked on every answer.
pub(super) async fn invoke(
    m: &Mock,
    service: &str,
    op: &str,
    input: Value,
    ctx: Option<SecurityContext>,
) -> Outcome {
    let r = post(
        m,
        "/api",
        request(service, op, input, ctx, json!("42")).to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    let resp = RpcResponse::parse(&r.body).unwrap();
    assert_eq!(
        (resp.jsonrpc, resp.id),
        (Some(json!("2.0")), Some(json!("42")))
    );
    match resp.body {
        ResponseBody::Result(MethodResult::Output(v)) => Ok(v),
        ResponseBody::Result(MethodResult::Error(e)) => Err(read_error(&e).unwrap()),
        ResponseBody::Protocol(p) => panic!("protocol error {p:?}"),
    }
}

async fn login(m: &Mock, who: (&str, &str)) -> String {
    let ctx = SecurityContext::UserPass {
        user: who.0.into(),
        password: Secret::new(who.1),
    };
    match invoke(m, ids::CIS_SESSION, ids::CREATE, empty_input(), Some(ctx)).await {
        Ok(Value::Secret(s)) => s.expose().to_owned(),
        other => panic!("login of {}: {other:?}", who.0),
    }
}

fn input(fields: &[(&str, Value)]) -> Value {
    let mut s = StructValue::new(defs::OPERATION_INPUT);
    for (k, v) in fields {
        s.fields.insert((*k).to_owned(), v.clone());
    }
    Value::Structure(s)
}

/// A REST restore body as the typed spec a binding would send (`None` for a body that is not a
/// JSON object, which no binding can send).
fn typed_spec(body: &str) -> Option<Value> {
    let j: Json = serde_json::from_str(body).ok()?;
    let obj = j.as_object()?;
    let opt = |v: Option<&Json>| match v.and_then(Json::as_str) {
        Some(s) => Value::some(Value::string(s)),
        None => Value::none(),
    };
    let mut spec = StructValue::new(defs::RESTORE_SPEC.name).with("name", opt(obj.get("name")));
    if let Some(s) = obj.get("snapshot").and_then(Json::as_str) {
        spec.fields.insert("snapshot".into(), Value::string(s));
    }
    let placement = match obj.get("placement") {
        Some(p) => Value::some(Value::Structure(
            StructValue::new(defs::RESTORE_PLACEMENT_SPEC.name)
                .with("folder", opt(p.get("folder")))
                .with("resource_pool", opt(p.get("resource_pool")))
                .with("host", opt(p.get("host"))),
        )),
        None => Value::none(),
    };
    Some(Value::Structure(spec.with("placement", placement)))
}

pub(super) fn restore_input(cluster: &str, vm: &str, body: &str) -> Value {
    input(&[
        ("cluster", Value::string(cluster)),
        ("vm", Value::string(vm)),
        ("spec", typed_spec(body).expect("a JSON object body")),
    ])
}

async fn restore(m: &Mock, session: &str, cluster: &str, vm: &str, body: &str) -> Outcome {
    let i = restore_input(cluster, vm, body);
    invoke(
        m,
        ids::VIRTUAL_MACHINES,
        ids::RESTORE_TASK,
        i,
        session_ctx(session),
    )
    .await
}

async fn task_info(m: &Mock, service: &str, session: &str, task: &str) -> Value {
    let i = input(&[("task", Value::string(task)), ("spec", Value::none())]);
    invoke(m, service, ids::GET, i, session_ctx(session))
        .await
        .unwrap()
}

/// Polls `com.vmware.cis.tasks` until the task is terminal (or 2 s pass): the last Info.
async fn wait_task(m: &Mock, session: &str, task: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let info = task_info(m, ids::CIS_TASKS, session, task).await;
        let status = untyped_clean(&info)["status"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        if status == "SUCCEEDED" || status == "FAILED" || std::time::Instant::now() > deadline {
            return info;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

fn assert_error(o: &Outcome, t: ErrorType) {
    let e = o.as_ref().expect_err("an error");
    assert_eq!(
        (e.name_type, e.body["error_type"].as_str()),
        (Some(t), Some(t.as_str())),
        "{e:?}"
    );
    let m = &e.body["messages"][0];
    assert!(m["id"].is_string() && m["default_message"].is_string() && m["args"].is_array());
}

const OK: &str = r#"{"snapshot":"snap-42-b","name":"fresh"}"#;

#[tokio::test]
async fn fmt_1_the_envelope_echoes_id_and_version() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    for (path, id) in [
        ("/api", json!("abc-1")),
        ("/snapservice", json!(7)),
        ("/api", Json::Null),
    ] {
        let req = request(
            ids::CIS_SESSION,
            ids::GET,
            empty_input(),
            session_ctx(&s),
            id.clone(),
        );
        let r = post(&m, path, req.to_string()).await;
        assert_eq!(r.status, 200);
        let v = r.json();
        assert_eq!((&v["jsonrpc"], &v["id"]), (&json!("2.0"), &id), "{v}");
        assert_eq!(
            v["result"]["output"]["STRUCTURE"]["com.vmware.cis.session.info"]["user"],
            ADMIN.0
        );
    }
}

#[tokio::test]
async fn sessions_create_get_delete_on_both_services() {
    let m = Mock::new();
    for service in [ids::CIS_SESSION, ids::SNAPSERVICE_SESSIONS] {
        let s = {
            let ctx = SecurityContext::UserPass {
                user: ADMIN.0.into(),
                password: Secret::new(ADMIN.1),
            };
            match invoke(&m, service, ids::CREATE, empty_input(), Some(ctx)).await {
                Ok(Value::Secret(s)) => s.expose().to_owned(),
                other => panic!("{other:?}"),
            }
        };
        let info = invoke(&m, service, ids::GET, empty_input(), session_ctx(&s))
            .await
            .unwrap();
        let name = &info.as_struct().unwrap().name;
        assert!(
            name.starts_with(service) && name.ends_with(".info"),
            "{name}"
        );
        assert_eq!(untyped_clean(&info)["user"], ADMIN.0);
        // The session is the REST face's too.
        assert_eq!(
            m.call("GET", "/api/session", Some(&s), None).await.status,
            200
        );
        let out = invoke(&m, service, ids::DELETE, empty_input(), session_ctx(&s)).await;
        assert_eq!(out, Ok(Value::Void));
        let after = invoke(&m, service, ids::GET, empty_input(), session_ctx(&s)).await;
        assert_error(&after, ErrorType::Unauthenticated);
    }
    let wrong = SecurityContext::UserPass {
        user: ADMIN.0.into(),
        password: Secret::new("wrong"),
    };
    let r = invoke(
        &m,
        ids::CIS_SESSION,
        ids::CREATE,
        empty_input(),
        Some(wrong),
    )
    .await;
    assert_error(&r, ErrorType::Unauthenticated);
    // A REST session works on this face.
    let rest = m.login(ADMIN).await;
    assert!(
        invoke(
            &m,
            ids::CIS_SESSION,
            ids::GET,
            empty_input(),
            session_ctx(&rest)
        )
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn a_valid_restore_runs_to_succeeded_with_the_restored_vm() {
    let m = Mock::new();
    let s = login(&m, ADMIN).await;
    let task = match restore(&m, &s, "domain-c8", "vm-42", OK).await {
        Ok(Value::String(t)) => t,
        other => panic!("{other:?}"),
    };
    let info = wait_task(&m, &s, &task).await;
    assert_eq!(info.as_struct().unwrap().name, defs::CIS_TASK_INFO.name);
    let Some(Value::Optional(Some(result))) = info.as_struct().unwrap().field("result") else {
        panic!("{info:?}")
    };
    let Value::String(vm) = result.as_ref() else {
        panic!("{result:?}")
    };
    let clean = untyped_clean(&info);
    assert_eq!(clean["status"], "SUCCEEDED");
    for f in ["progress", "start_time", "end_time"] {
        assert!(clean.get(f).is_some(), "SUCCEEDED without {f}: {clean}");
    }
    assert!(clean.get("error").is_none());
    // The snapservice task service reads the same task in its own structure.
    let snap = task_info(&m, ids::SNAPSERVICE_TASKS, &s, &task).await;
    assert_eq!(
        snap.as_struct().unwrap().name,
        defs::SNAPSERVICE_TASK_INFO.name
    );
    assert_eq!(untyped_clean(&snap)["result"], json!(vm));
    // One state: the REST face sees the task and the VM.
    let rest = m
        .call("GET", &format!("/api/cis/tasks/{task}"), Some(&s), None)
        .await;
    assert_eq!(rest.json()["result"], json!(vm));
    let vms = m.vms_named(&s, "fresh", "group-v4").await;
    assert_eq!(vms[0]["vm"], json!(vm));
    assert_eq!(vms[0]["power_state"], "POWERED_OFF");
}

#[tokio::test]
async fn each_documented_refusal_is_its_standard_error() {
    let m = Mock::new();
    let s = login(&m, ADMIN).await;
    let ro = login(&m, READONLY).await;
    let cases: [(&str, &str, &str, &str, ErrorType); 6] = [
        (&s, "domain-c999", "vm-42", OK, ErrorType::NotFound),
        (&s, "domain-c8", "vm-999", OK, ErrorType::NotFound),
        (
            &s,
            "domain-c8",
            "vm-42",
            r#"{"snapshot":"snap-nope"}"#,
            ErrorType::InvalidArgument,
        ),
        (
            &s,
            "domain-c8",
            "vm-42",
            r#"{"snapshot":"snap-42-b","name":"db-01"}"#,
            ErrorType::AlreadyExists,
        ),
        (
            "not-a-session",
            "domain-c8",
            "vm-42",
            OK,
            ErrorType::Unauthenticated,
        ),
        (&ro, "domain-c8", "vm-42", OK, ErrorType::Unauthorized),
    ];
    for (session, cluster, vm, body, t) in cases {
        let r = restore(&m, session, cluster, vm, body).await;
        assert_error(&r, t);
    }
    // No credentials at all.
    let i = restore_input("domain-c8", "vm-42", OK);
    let r = invoke(&m, ids::VIRTUAL_MACHINES, ids::RESTORE_TASK, i, None).await;
    assert_error(&r, ErrorType::Unauthenticated);
    // The restore limit of domain-c8 is 2: with tasks held, the third is refused.
    m.control("POST", "/__mock/tasks/hold", None).await;
    for body in [OK, r#"{"snapshot":"snap-44-a"}"#] {
        let vm = if body == OK { "vm-42" } else { "vm-44" };
        assert!(restore(&m, &s, "domain-c8", vm, body).await.is_ok());
    }
    let r = restore(
        &m,
        &s,
        "domain-c8",
        "vm-43",
        r#"{"snapshot":"snap-43-a","name":"p2"}"#,
    )
    .await;
    assert_error(&r, ErrorType::NotAllowedInCurrentState);
}

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

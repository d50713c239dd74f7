//! The JSON-RPC face: the envelope, sessions, restore through to a finished task, each
//! documented refusal as its standard error, protocol errors, and the same decisions (defects
//! included) as the REST face.

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value as Json, json};

use crate::mock::testutil::*;
use crate::model::ErrorType;
use crate::vapi::envelope::{Response as RpcResponse, ResponseBody};
use crate::vapi::value::{Secret, StructValue, Value};
use crate::vapi::{
    ExecutionContext, MethodResult, SecurityContext, WireError, defs, empty_input, ids, read_error,
    untyped_clean,
};

/// What one call gave: its output or its vAPI error.
pub(super) type Outcome = Result<Value, WireError>;

pub(super) fn session_ctx(id: &str) -> Option<SecurityContext> {
    Some(SecurityContext::SessionId(Secret::new(id)))
}

pub(super) fn request(
    service: &str,
    op: &str,
    input: Value,
    ctx: Option<SecurityContext>,
    id: Json,
) -> Json {
    let ctx = ctx.map(ExecutionContext::with_security).unwrap_or_default();
    json!({"jsonrpc":"2.0","method":"invoke","id": id,
        "params":{"serviceId": service, "operationId": op, "input": input.to_json(), "ctx": ctx.to_json()}})
}

pub(super) async fn post(m: &Mock, path: &str, body: String) -> Reply {
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

pub(super) async fn login(m: &Mock, who: (&str, &str)) -> String {
    let ctx = SecurityContext::UserPass {
        user: who.0.into(),
        password: Secret::new(who.1),
    };
    match invoke(m, ids::CIS_SESSION, ids::CREATE, empty_input(), Some(ctx)).await {
        Ok(Value::Secret(s)) => s.expose().to_owned(),
        other => panic!("login of {}: {other:?}", who.0),
    }
}

pub(super) fn input(fields: &[(&str, Value)]) -> Value {
    let mut s = StructValue::new(defs::OPERATION_INPUT);
    for (k, v) in fields {
        s.fields.insert((*k).to_owned(), v.clone());
    }
    Value::Structure(s)
}

/// A REST restore body as the typed spec a binding would send (`None` for a body that is not a
/// JSON object, which no binding can send).
pub(super) fn typed_spec(body: &str) -> Option<Value> {
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

pub(super) async fn restore(
    m: &Mock,
    session: &str,
    cluster: &str,
    vm: &str,
    body: &str,
) -> Outcome {
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

pub(super) async fn task_info(m: &Mock, service: &str, session: &str, task: &str) -> Value {
    let i = input(&[("task", Value::string(task)), ("spec", Value::none())]);
    invoke(m, service, ids::GET, i, session_ctx(session))
        .await
        .unwrap()
}

/// Polls `com.vmware.cis.tasks` until the task is terminal (or 2 s pass): the last Info.
pub(super) async fn wait_task(m: &Mock, session: &str, task: &str) -> Value {
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

pub(super) fn assert_error(o: &Outcome, t: ErrorType) {
    let e = o.as_ref().expect_err("an error");
    assert_eq!(
        (e.name_type, e.body["error_type"].as_str()),
        (Some(t), Some(t.as_str())),
        "{e:?}"
    );
    let m = &e.body["messages"][0];
    assert!(m["id"].is_string() && m["default_message"].is_string() && m["args"].is_array());
}

pub(super) const OK: &str = r#"{"snapshot":"snap-42-b","name":"fresh"}"#;

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

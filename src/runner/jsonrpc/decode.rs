//! A JSON-RPC answer as the REST answer it stands for, so every check judges one form.
//!
//! The mapping, both ways explicit (`vapi::errors`):
//! - an output is the REST success of the operation: `restore$task` 202 with the task id as a
//!   JSON string, session create 201 with the session id, a read 200 with the structure's clean
//!   form (typed by its definition, `Info` by `com.vmware.cis.task.info` or
//!   `com.vmware.snapservice.tasks.info`), delete 204 without a body. An output that does not
//!   fit its type is kept as sent (its untyped clean form) for the checks to judge.
//! - a vAPI error (`result.error`) is the REST error whose status the error's **name** stands
//!   for (`com.vmware.vapi.std.errors.not_found` is 404: `ErrorType::vapi_status`) with the
//!   error's fields as the body (`error_type`, `messages`, `data`, `challenge`). A name that is
//!   no standard error reads as 500 (the generic `Error` every client falls back to).
//! - anything else — HTTP other than 200, a body that is not a JSON-RPC response, a protocol
//!   error (`error` at the top) — is not an answer of the operation: a non-200 or non-JSON-RPC
//!   answer is passed on as it came, a protocol error as 500 with the JSON-RPC error as body.
//!   The envelope itself is judged under FMT-1 (`checks::envelope`).

use serde::Serialize;
use serde_json::{Value as Json, json};

use super::route::Answer;
use crate::runner::Observation;
use crate::vapi::types::{Type, to_clean, untyped_clean};
use crate::vapi::value::Value;
use crate::vapi::{MethodResult, Response, ResponseBody, error_type_of, read_error};

/// What went on the wire in JSON-RPC form, kept beside the REST-form observation for the
/// envelope check (`checks::envelope`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RpcRecord {
    /// The `id` the request carried.
    pub id: String,
    pub service: String,
    pub operation: String,
    /// The HTTP answer as it came.
    pub http: Observation,
}

/// The REST-form observation of a JSON-RPC answer to a call whose output reads as `answer`.
pub fn decode(answer: Answer, http: &Observation) -> Observation {
    let Observation::Response {
        status: 200,
        content_type,
        body,
        elapsed,
    } = http
    else {
        return http.clone();
    };
    let Ok(response) = Response::parse(body.as_bytes()) else {
        return http.clone();
    };
    let (status, body) = match response.body {
        ResponseBody::Result(MethodResult::Output(v)) => output(answer, &v),
        ResponseBody::Result(MethodResult::Error(e)) => error(&e),
        ResponseBody::Protocol(p) => (500, Some(p.to_json())),
    };
    Observation::Response {
        status,
        content_type: content_type.clone(),
        body: body.map(|b| b.to_string()).unwrap_or_default(),
        elapsed: *elapsed,
    }
}

/// A successful output: its REST status and body.
fn output(answer: Answer, v: &Value) -> (u16, Option<Json>) {
    let body = match answer {
        Answer::TaskId => to_clean(v, Type::Id).unwrap_or_else(|_| untyped_clean(v)),
        Answer::SessionId => to_clean(v, Type::Secret)
            .or_else(|_| to_clean(v, Type::String))
            .unwrap_or_else(|_| untyped_clean(v)),
        Answer::Struct(def) => to_clean(v, Type::Struct(def)).unwrap_or_else(|_| untyped_clean(v)),
        Answer::Void => return (answer.status(), None),
    };
    (answer.status(), Some(body))
}

/// A vAPI error: the status its name stands for, and its fields in clean form.
fn error(e: &Value) -> (u16, Option<Json>) {
    let (name_type, body) = match read_error(e) {
        Ok(w) => (w.name_type, w.body),
        // Fields that do not fit (messages without ids): kept as sent for FMT-1 to judge.
        Err(_) => match e {
            Value::Error(s) => (error_type_of(&s.name), untyped_clean(e)),
            other => (None, json!({ "error": untyped_clean(other) })),
        },
    };
    (name_type.map_or(500, |t| t.vapi_status()), Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ErrorType;
    use crate::vapi::defs;
    use std::time::Duration;

    fn http(status: u16, body: Json) -> Observation {
        Observation::Response {
            status,
            content_type: Some("application/json".into()),
            body: body.to_string(),
            elapsed: Duration::ZERO,
        }
    }

    fn rest(answer: Answer, body: Json) -> (u16, Option<Json>) {
        let o = decode(answer, &http(200, body));
        (o.status().unwrap(), o.json())
    }

    /// One vAPI error of the wire with the given name and `error_type`.
    fn vapi_error(name: &str, error_type: &str) -> Json {
        json!({"jsonrpc":"2.0","id":"1","result":{"error":{"ERROR":{name:{
            "messages":[{"STRUCTURE":{"com.vmware.vapi.std.localizable_message":{
                "id":"m.id","default_message":"d","args":[],"params":{"OPTIONAL":null},"localized":{"OPTIONAL":null}}}}],
            "data":{"OPTIONAL":null},"error_type":{"OPTIONAL":error_type}}}}}})
    }

    /// Every error the restore operation documents: its name reads as its REST status and the
    /// body keeps its error type; and back, the REST (status, error type) gives the name
    /// (`vapi::name_type_for`, which the mock uses to answer).
    #[test]
    fn each_documented_error_name_stands_for_its_status() {
        use ErrorType::*;
        for (t, status) in [
            (Error, 500),
            (NotFound, 404),
            (AlreadyExists, 400),
            (InvalidArgument, 400),
            (NotAllowedInCurrentState, 400),
            (ServiceUnavailable, 503),
            (Unauthenticated, 401),
            (Unauthorized, 403),
            (OperationNotFound, 404),
        ] {
            let name = crate::vapi::error_name(t);
            let (s, body) = rest(Answer::TaskId, vapi_error(&name, t.as_str()));
            assert_eq!(s, status, "{name}");
            let body = body.unwrap();
            assert_eq!(body["error_type"], json!(t.as_str()), "{name}");
            assert_eq!(body["messages"][0]["id"], json!("m.id"));
            // Back: the REST answer's (status, error type) is named by the same error.
            assert_eq!(crate::vapi::name_type_for(status, t), t);
        }
    }

    #[test]
    fn a_name_and_error_type_that_disagree_stay_disagreeing() {
        // The error-type-mismatch defect: unauthenticated named, UNAUTHORIZED typed.
        let (s, body) = rest(
            Answer::TaskId,
            vapi_error("com.vmware.vapi.std.errors.unauthenticated", "UNAUTHORIZED"),
        );
        assert_eq!(
            (s, body.unwrap()["error_type"].clone()),
            (401, json!("UNAUTHORIZED"))
        );
        // A name that is no standard error reads as the generic 500.
        let (s, _) = rest(Answer::TaskId, vapi_error("com.example.oops", "NOT_FOUND"));
        assert_eq!(s, 500);
    }

    #[test]
    fn outputs_read_as_rest_successes() {
        let out = |v: Json| json!({"jsonrpc":"2.0","id":"1","result":{"output": v}});
        assert_eq!(
            rest(Answer::TaskId, out(json!("task-1"))),
            (202, Some(json!("task-1")))
        );
        assert_eq!(
            rest(Answer::SessionId, out(json!({"SECRET":"s-1"}))),
            (201, Some(json!("s-1")))
        );
        assert_eq!(rest(Answer::Void, out(json!(null))), (204, None));
        // An output STRUCTURE where the task id is due: kept for ACC-1 to judge.
        let (s, b) = rest(Answer::TaskId, out(json!({"STRUCTURE":{"x":{"task":"t"}}})));
        assert_eq!((s, b), (202, Some(json!({"task":"t"}))));
        let info = json!({"STRUCTURE":{"com.vmware.cis.task.info":{
            "description":{"STRUCTURE":{"com.vmware.vapi.std.localizable_message":{"id":"d","default_message":"d","args":[]}}},
            "service":"s","operation":"o","status":"SUCCEEDED","cancelable":false,
            "result":{"OPTIONAL":"vm-9"},"start_time":{"OPTIONAL":"2026-01-01T00:00:00Z"}}}});
        let (s, b) = rest(Answer::Struct(&defs::CIS_TASK_INFO), out(info));
        let b = b.unwrap();
        assert_eq!(
            (s, &b["status"], &b["result"]),
            (200, &json!("SUCCEEDED"), &json!("vm-9"))
        );
        assert!(
            b.get("error").is_none() && b.get("end_time").is_none(),
            "{b}"
        );
    }

    #[test]
    fn what_is_no_operation_answer_is_passed_on() {
        let html = Observation::Response {
            status: 500,
            content_type: Some("text/html".into()),
            body: "<h1>500</h1>".into(),
            elapsed: Duration::ZERO,
        };
        assert_eq!(decode(Answer::TaskId, &html), html);
        let garbage = http(200, json!({"jsonrpc":"2.0","id":"1"}));
        assert_eq!(decode(Answer::TaskId, &garbage), garbage);
        let protocol =
            json!({"jsonrpc":"2.0","id":"1","error":{"code":-32602,"message":"Invalid params."}});
        let (s, b) = rest(Answer::TaskId, protocol);
        assert_eq!((s, b.unwrap()["code"].clone()), (500, json!(-32602)));
    }

    #[test]
    fn an_error_with_malformed_messages_is_kept_as_sent() {
        let e = json!({"jsonrpc":"2.0","id":"1","result":{"error":{"ERROR":{"com.vmware.vapi.std.errors.invalid_argument":{
            "messages":[{"STRUCTURE":{"com.vmware.vapi.std.localizable_message":{"default_message":"d"}}}],
            "error_type":{"OPTIONAL":"INVALID_ARGUMENT"}}}}}});
        let (s, b) = rest(Answer::TaskId, e);
        assert_eq!(s, 400);
        assert_eq!(
            b.unwrap(),
            json!({"error_type":"INVALID_ARGUMENT","messages":[{"default_message":"d"}]})
        );
    }
}

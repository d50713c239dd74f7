//! The shape of every answer to a restore request: FMT-1 (vAPI error body), FMT-2 (error type
//! agrees with status), FMT-3 (JSON content type), FMT-4 (documented statuses only), ACC-1's
//! 202 body (a JSON string), and what a timeout or dropped connection breaks.

use serde_json::Value;

use crate::checks::Judgement;
use crate::clause::ClauseId;
use crate::model::ErrorType;
use crate::runner::{Exchange, Observation};

/// The statuses the restore page documents (FMT-4).
pub const DOCUMENTED_STATUSES: [u16; 7] = [202, 400, 401, 403, 404, 500, 503];

/// The error types the restore page allows with each status (FMT-2). 404 also allows
/// OPERATION_NOT_FOUND, the vAPI answer to an unknown action.
pub fn allowed_error_types(status: u16) -> Option<&'static [ErrorType]> {
    use ErrorType::*;
    Some(match status {
        400 => &[AlreadyExists, InvalidArgument, NotAllowedInCurrentState],
        401 => &[Unauthenticated],
        403 => &[Unauthorized],
        404 => &[NotFound, OperationNotFound],
        500 => &[Error],
        503 => &[ServiceUnavailable],
        _ => return None,
    })
}

/// Judges the form of one answer. `injected` is the status of a fault the mock's control plane
/// injected into this request (500 or 503), if any: a timeout or a non-vAPI body then breaks
/// ERR-1 (or UNAV-1) rather than only FMT-4/FMT-1. Without an injected fault, the harness's own
/// timeout judges nothing: no answer was seen, so no format was broken (the caller makes the
/// case inconclusive, and a target that keeps timing out is ERR-1's).
pub fn check_format(ex: &Exchange, injected: Option<u16>) -> Judgement {
    // A JSON-RPC exchange: its envelope, and its REST form without the REST-only clauses.
    if let Some(rpc) = &ex.rpc {
        return super::envelope::check_format_jsonrpc(ex, rpc, injected);
    }
    let mut j = Judgement::default();
    if injected.is_none() && matches!(ex.observation, Observation::Timeout { .. }) {
        return j;
    }
    let fault_clause = injected.map(|s| {
        if s == 503 {
            ClauseId::UNAV_1
        } else {
            ClauseId::ERR_1
        }
    });
    let (status, content_type, body) = match &ex.observation {
        Observation::Response {
            status,
            content_type,
            body,
            ..
        } => (*status, content_type.as_deref(), body.as_str()),
        other => {
            let clause = fault_clause.unwrap_or(ClauseId::FMT_4);
            let expected = match injected {
                Some(s) => format!("an answer {s} with a vAPI error body"),
                None => "an answer with a status in {202, 400, 401, 403, 404, 500, 503}".into(),
            };
            j.fail(clause, expected, other.summary());
            return j;
        }
    };

    j.check(
        ClauseId::FMT_4,
        (!DOCUMENTED_STATUSES.contains(&status)).then(|| {
            (
                "a status in {202, 400, 401, 403, 404, 500, 503}".into(),
                ex.observation.summary(),
            )
        }),
    );
    if status != 202 && status < 400 {
        return j;
    }
    j.check(
        ClauseId::FMT_3,
        (!is_json_content_type(content_type)).then(|| {
            (
                "Content-Type: application/json".into(),
                format!("Content-Type: {}", content_type.unwrap_or("(none)")),
            )
        }),
    );
    if status == 202 {
        j.check(
            ClauseId::ACC_1,
            task_id_problem(body).map(|p| ("a JSON string: the task id".into(), p)),
        );
        return j;
    }

    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let problems = error_body_problems(parsed.as_ref());
    if !problems.is_empty() {
        let observed = format!("{}: {}", ex.observation.summary(), problems.join("; "));
        if let Some(c) = fault_clause {
            j.fail(
                c,
                "a vAPI error body, not a page or an empty answer",
                observed.clone(),
            );
        }
        j.fail(
            ClauseId::FMT_1,
            "a vAPI error object {error_type, messages[{id, default_message, args}], data?}",
            observed,
        );
    } else {
        j.exercise(ClauseId::FMT_1);
    }
    let error_type = parsed
        .as_ref()
        .and_then(|v| v.get("error_type")?.as_str().and_then(ErrorType::parse));
    if let (Some(t), Some(allowed)) = (error_type, allowed_error_types(status)) {
        j.check(
            ClauseId::FMT_2,
            (!allowed.contains(&t)).then(|| {
                let names: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
                (
                    format!("{status} with error_type {}", names.join(" or ")),
                    format!("{status} with error_type {t}"),
                )
            }),
        );
    }
    j
}

/// `application/json`, any case, with or without parameters such as `charset=utf-8`.
pub fn is_json_content_type(ct: Option<&str>) -> bool {
    ct.and_then(|c| c.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// Why a 202 body is not a task id, if it is not: it must be a non-empty JSON string.
fn task_id_problem(body: &str) -> Option<String> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::String(s)) if !s.is_empty() => None,
        Ok(Value::String(_)) => Some("an empty string".into()),
        Ok(other) => Some(format!("JSON {}", kind_of(&other))),
        Err(_) => Some(format!(
            "not JSON: {:?}",
            body.chars().take(80).collect::<String>()
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Everything wrong with an error body (FMT-1), in words; empty when it conforms.
pub(crate) fn error_body_problems(v: Option<&Value>) -> Vec<String> {
    let Some(v) = v else {
        return vec!["the body is not JSON".into()];
    };
    let Some(m) = v.as_object() else {
        return vec![format!("the body is a JSON {}, not an object", kind_of(v))];
    };
    let mut out = Vec::new();
    match m.get("error_type") {
        Some(Value::String(t)) if ErrorType::parse(t).is_some() => {}
        Some(Value::String(t)) => out.push(format!("error_type {t:?} is not a standard value")),
        Some(other) => out.push(format!("error_type is a {}", kind_of(other))),
        None => out.push("no error_type".into()),
    }
    match m.get("messages") {
        // The vAPI Error type: "stack of one or more localizable messages".
        Some(Value::Array(msgs)) if msgs.is_empty() => {
            out.push("messages is empty (a vAPI error carries one or more messages)".into());
        }
        Some(Value::Array(msgs)) => {
            for (i, msg) in msgs.iter().enumerate() {
                out.extend(
                    message_problems(msg)
                        .into_iter()
                        .map(|p| format!("messages[{i}]: {p}")),
                );
            }
        }
        Some(other) => out.push(format!("messages is a {}", kind_of(other))),
        None => out.push("no messages".into()),
    }
    if let Some(c) = m.get("challenge")
        && !(c.is_string() || c.is_null())
    {
        out.push(format!("challenge is a {}", kind_of(c)));
    }
    out
}

fn message_problems(msg: &Value) -> Vec<String> {
    let Some(m) = msg.as_object() else {
        return vec![format!("a {}, not an object", kind_of(msg))];
    };
    let mut out = Vec::new();
    for key in ["id", "default_message"] {
        if !m.get(key).is_some_and(Value::is_string) {
            out.push(format!("{key} is missing or not a string"));
        }
    }
    match m.get("args") {
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {}
        Some(Value::Array(_)) => out.push("args holds a non-string".into()),
        _ => out.push("args is missing or not an array".into()),
    }
    if let Some(p) = m.get("params")
        && !(p.is_object() || p.is_null())
    {
        out.push("params is not an object".into());
    }
    if let Some(l) = m.get("localized")
        && !(l.is_string() || l.is_null())
    {
        out.push("localized is not a string".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::*;

    fn judge(obs: Observation) -> Judgement {
        check_format(&exchange(obs), None)
    }

    #[test]
    fn conforming_answers_pass() {
        let j = judge(json(
            202,
            r#""7c9e:com.vmware.snapservice.clusters.virtual_machines""#,
        ));
        assert!(j.passed(), "{j:?}");
        assert!(j.exercised.contains(&ClauseId::ACC_1) && j.exercised.contains(&ClauseId::FMT_3));
        for (s, t) in [
            (400, "ALREADY_EXISTS"),
            (401, "UNAUTHENTICATED"),
            (403, "UNAUTHORIZED"),
            (404, "NOT_FOUND"),
            (404, "OPERATION_NOT_FOUND"),
            (500, "ERROR"),
            (503, "SERVICE_UNAVAILABLE"),
        ] {
            let j = judge(error(s, t));
            assert!(j.passed(), "{s} {t}: {j:?}");
            assert!(
                [
                    ClauseId::FMT_1,
                    ClauseId::FMT_2,
                    ClauseId::FMT_3,
                    ClauseId::FMT_4
                ]
                .iter()
                .all(|c| j.exercised.contains(c))
            );
        }
        let j = judge(response(
            400,
            Some("Application/JSON; charset=UTF-8"),
            r#"{"error_type":"INVALID_ARGUMENT","messages":[{"id":"a","default_message":"b","args":[],"params":{},"localized":"c"}],"challenge":"x"}"#,
        ));
        assert!(j.passed(), "{j:?}");
    }

    #[test]
    fn undocumented_status_breaks_fmt_4() {
        assert_eq!(
            failed(&judge(error(409, "CONCURRENT_CHANGE"))),
            vec![ClauseId::FMT_4]
        );
        assert_eq!(failed(&judge(json(200, r#""t""#))), vec![ClauseId::FMT_4]);
        assert_eq!(failed(&judge(reset())), vec![ClauseId::FMT_4]);
    }

    #[test]
    fn the_harness_timeout_is_no_format_failure() {
        let j = judge(timeout());
        assert!(j.passed() && j.exercised.is_empty(), "{j:?}");
    }

    #[test]
    fn missing_or_wrong_content_type_breaks_fmt_3() {
        let body =
            r#"{"error_type":"NOT_FOUND","messages":[{"id":"a","default_message":"b","args":[]}]}"#;
        assert_eq!(
            failed(&judge(response(404, None, body))),
            vec![ClauseId::FMT_3]
        );
        assert_eq!(
            failed(&judge(response(404, Some("text/plain"), body))),
            vec![ClauseId::FMT_3]
        );
        assert_eq!(
            failed(&judge(response(202, Some("text/plain"), r#""t""#))),
            vec![ClauseId::FMT_3]
        );
        assert!(!is_json_content_type(Some("application/jsonx")));
    }

    #[test]
    fn malformed_error_bodies_break_fmt_1() {
        for body in [
            "<html>oops</html>",
            "[]",
            r#"{"messages":[{"id":"a","default_message":"b","args":[]}]}"#,
            r#"{"error_type":"BOGUS","messages":[{"id":"a","default_message":"b","args":[]}]}"#,
            r#"{"error_type":"NOT_FOUND","messages":[]}"#,
            r#"{"error_type":"NOT_FOUND"}"#,
            r#"{"error_type":"NOT_FOUND","messages":[{"id":"a","default_message":"b"}]}"#,
            r#"{"error_type":"NOT_FOUND","messages":[{"id":"a","default_message":"b","args":[1]}]}"#,
            r#"{"error_type":"NOT_FOUND","messages":[{"id":1,"default_message":"b","args":[]}]}"#,
            r#"{"error_type":"NOT_FOUND","messages":"nope"}"#,
        ] {
            assert_eq!(
                failed(&judge(json(404, body))),
                vec![ClauseId::FMT_1],
                "{body}"
            );
        }
    }

    #[test]
    fn an_empty_message_stack_breaks_fmt_1_and_one_message_conforms() {
        let j = judge(json(
            400,
            r#"{"error_type":"INVALID_ARGUMENT","messages":[]}"#,
        ));
        assert_eq!(failed(&j), vec![ClauseId::FMT_1]);
        assert!(
            j.findings[0].observed.contains("messages is empty"),
            "{j:?}"
        );
        let j = judge(json(
            400,
            r#"{"error_type":"INVALID_ARGUMENT","messages":[{"id":"a","default_message":"b","args":[]}]}"#,
        ));
        assert!(
            j.passed() && j.exercised.contains(&ClauseId::FMT_1),
            "{j:?}"
        );
    }

    #[test]
    fn disagreeing_error_type_breaks_fmt_2() {
        assert_eq!(
            failed(&judge(error(400, "NOT_FOUND"))),
            vec![ClauseId::FMT_2]
        );
        assert_eq!(
            failed(&judge(error(403, "UNAUTHENTICATED"))),
            vec![ClauseId::FMT_2]
        );
        assert_eq!(
            failed(&judge(error(500, "INTERNAL_SERVER_ERROR"))),
            vec![ClauseId::FMT_2]
        );
        assert_eq!(
            failed(&judge(error(400, "RESOURCE_BUSY"))),
            vec![ClauseId::FMT_2]
        );
    }

    #[test]
    fn task_id_must_be_a_json_string() {
        for body in ["", "{}", r#""""#, "task-1", r#"{"value":"t"}"#] {
            assert_eq!(
                failed(&judge(json(202, body))),
                vec![ClauseId::ACC_1],
                "{body}"
            );
        }
    }

    #[test]
    fn injected_faults_break_err_1_or_unav_1() {
        let j = check_format(&exchange(timeout()), Some(500));
        assert_eq!(failed(&j), vec![ClauseId::ERR_1]);
        let j = check_format(&exchange(reset()), Some(503));
        assert_eq!(failed(&j), vec![ClauseId::UNAV_1]);
        let j = check_format(
            &exchange(response(500, Some("text/html"), "<h1>500</h1>")),
            Some(500),
        );
        assert_eq!(
            failed(&j),
            vec![ClauseId::ERR_1, ClauseId::FMT_1, ClauseId::FMT_3]
        );
        assert!(check_format(&exchange(error(500, "ERROR")), Some(500)).passed());
    }
}

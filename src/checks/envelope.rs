//! The form of an answer on the JSON-RPC wire. The answer is judged twice: in its REST form
//! (`runner::jsonrpc::decode`) by the same checks as a REST answer, except the clauses that
//! exist only in REST; and as a JSON-RPC 2.0 envelope, under FMT-1 ("the body is a vAPI error
//! object", whose JSON-RPC form is the envelope carrying a standard `ERROR`).
//!
//! REST-only clauses (`REST_ONLY`), and why:
//! - FMT-3 (`Content-Type: application/json` on 202 and error responses): those responses do
//!   not exist on this wire; every answer is one HTTP 200 JSON-RPC response.
//! - FMT-4 (statuses within {202, 400, 401, 403, 404, 500, 503}): there is no status to choose;
//!   a refusal is named by its error (whose name FMT-2 and the outcome clauses judge), and a
//!   non-200 HTTP status is an envelope fault (FMT-1).
//!
//! The envelope rules (`envelope_problems`): HTTP 200, vAPI errors included (the official
//! client raises on any other status before reading the body); a JSON object with
//! `"jsonrpc":"2.0"` and the request's own `id`; `result` or `error`, not both; a `result`
//! holding `output` or `error`, not both; no protocol error (`error` at the top) in answer to
//! a well-formed `invoke`; an error that is a standard `com.vmware.vapi.std.errors.*`
//! structure with well-formed messages.

use serde_json::Value as Json;

use super::Judgement;
use super::format::check_format;
use crate::clause::ClauseId;
use crate::runner::jsonrpc::RpcRecord;
use crate::runner::{Exchange, Observation};
use crate::vapi::{MethodResult, Response, ResponseBody, read_error};

/// The clauses that exist only on the REST wire, with the reason a JSON-RPC report gives.
pub const REST_ONLY: &[(ClauseId, &str)] = &[
    (
        ClauseId::FMT_3,
        "REST only: the content type of 202 and error responses; on JSON-RPC every answer is one HTTP 200 JSON response (its envelope is judged under FMT-1)",
    ),
    (
        ClauseId::FMT_4,
        "REST only: the HTTP status set; on JSON-RPC a refusal is named by its vAPI error (judged by FMT-2 and the outcome clauses), and a non-200 status is an envelope fault (FMT-1)",
    ),
];

/// Why `clause` is not judged on the JSON-RPC wire, if it is not.
pub fn rest_only(clause: ClauseId) -> Option<&'static str> {
    REST_ONLY
        .iter()
        .find(|(c, _)| *c == clause)
        .map(|(_, r)| *r)
}

/// What the envelope rules say of a JSON-RPC exchange.
pub const ENVELOPE_RULES: &str = "a JSON-RPC 2.0 answer: HTTP 200, \"jsonrpc\":\"2.0\", the request's id, a result holding an output or a standard vAPI error";

/// Judges the form of an answer on the JSON-RPC wire (`check_format`'s counterpart): its REST
/// form by `check_format` without the REST-only clauses, its envelope under FMT-1. One FMT-1
/// finding at most: a broken envelope replaces the REST form's FMT-1 finding (the error body
/// the REST form judges is the envelope's error).
pub fn check_format_jsonrpc(ex: &Exchange, rpc: &RpcRecord, injected: Option<u16>) -> Judgement {
    let rest = Exchange {
        request: ex.request.clone(),
        observation: ex.observation.clone(),
        rpc: None,
    };
    let mut j = check_format(&rest, injected);
    j.findings.retain(|f| rest_only(f.clause).is_none());
    j.exercised.retain(|c| rest_only(*c).is_none());
    if injected.is_some() && !matches!(rpc.http, Observation::Response { .. }) {
        // No answer at all to an injected fault: ERR-1 (or UNAV-1) already says so.
        return j;
    }
    let problems = envelope_problems(rpc);
    if problems.is_empty() {
        j.exercise(ClauseId::FMT_1);
    } else {
        j.findings.retain(|f| f.clause != ClauseId::FMT_1);
        j.fail(ClauseId::FMT_1, ENVELOPE_RULES, problems.join("; "));
    }
    j
}

/// Everything wrong with a JSON-RPC answer's envelope, in words; empty when it conforms.
pub fn envelope_problems(rpc: &RpcRecord) -> Vec<String> {
    let (status, body) = match &rpc.http {
        Observation::Response { status, body, .. } => (*status, body),
        other => return vec![format!("no JSON-RPC answer: {}", other.summary())],
    };
    let mut out = Vec::new();
    if status != 200 {
        out.push(format!(
            "HTTP {status} (a JSON-RPC answer is HTTP 200, vAPI errors included)"
        ));
    }
    let response = match Response::parse(body.as_bytes()) {
        Ok(r) => r,
        Err(why) => {
            let cut: String = body.chars().take(80).collect();
            out.push(format!("not a JSON-RPC response ({why}): {cut:?}"));
            return out;
        }
    };
    match &response.jsonrpc {
        Some(Json::String(v)) if v == "2.0" => {}
        Some(other) => out.push(format!("\"jsonrpc\" is {other}, not \"2.0\"")),
        None => out.push("no \"jsonrpc\" member".into()),
    }
    match &response.id {
        Some(Json::String(id)) if *id == rpc.id => {}
        Some(other) => out.push(format!("id {other}, not the request's \"{}\"", rpc.id)),
        None => out.push(format!("no id (the request's was \"{}\")", rpc.id)),
    }
    match &response.body {
        ResponseBody::Protocol(e) => out.push(format!(
            "a JSON-RPC protocol error ({} {}) to a well-formed invoke: a refusal of the operation is a vAPI error inside result",
            e.code, e.message
        )),
        ResponseBody::Result(MethodResult::Error(v)) => match read_error(v) {
            Ok(w) if w.name_type.is_none() => out.push(format!(
                "the error {} is not a standard com.vmware.vapi.std.errors error",
                w.name
            )),
            Ok(_) => {}
            Err(e) => out.push(format!("the error value does not fit a vAPI error: {e}")),
        },
        ResponseBody::Result(MethodResult::Output(_)) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{exchange, failed};
    use crate::runner::jsonrpc::{Answer, decode};
    use serde_json::json;
    use std::time::Duration;

    fn http(status: u16, body: &str) -> Observation {
        Observation::Response {
            status,
            content_type: Some("application/json".into()),
            body: body.into(),
            elapsed: Duration::ZERO,
        }
    }

    fn judge(status: u16, body: Json) -> Judgement {
        judge_raw(http(status, &body.to_string()), None)
    }

    fn judge_raw(raw: Observation, injected: Option<u16>) -> Judgement {
        let rpc = RpcRecord {
            id: "5".into(),
            service: "com.vmware.snapservice.clusters.virtual_machines".into(),
            operation: "restore$task".into(),
            http: raw.clone(),
        };
        let mut ex = exchange(decode(Answer::TaskId, &raw));
        ex.rpc = Some(rpc.clone());
        check_format_jsonrpc(&ex, &rpc, injected)
    }

    fn not_found() -> Json {
        json!({"ERROR":{"com.vmware.vapi.std.errors.not_found":{
            "messages":[{"STRUCTURE":{"com.vmware.vapi.std.localizable_message":{
                "id":"m","default_message":"d","args":[],"params":{"OPTIONAL":null},"localized":{"OPTIONAL":null}}}}],
            "data":{"OPTIONAL":null},"error_type":{"OPTIONAL":"NOT_FOUND"}}}})
    }

    #[test]
    fn conforming_answers_pass_and_rest_only_clauses_are_not_judged() {
        for body in [
            json!({"jsonrpc":"2.0","id":"5","result":{"output":"task-1"}}),
            json!({"jsonrpc":"2.0","id":"5","result":{"error": not_found()}}),
        ] {
            let j = judge(200, body.clone());
            assert!(j.passed(), "{body}: {j:?}");
            assert!(j.exercised.contains(&ClauseId::FMT_1), "{body}");
            assert!(!j.exercised.contains(&ClauseId::FMT_3));
            assert!(!j.exercised.contains(&ClauseId::FMT_4));
        }
    }

    #[test]
    fn non_conforming_envelopes_break_fmt_1() {
        let output = json!({"output":"task-1"});
        for (status, body) in [
            // A vAPI error with an HTTP error status.
            (
                404,
                json!({"jsonrpc":"2.0","id":"5","result":{"error": not_found()}}),
            ),
            (200, json!({"jsonrpc":"1.0","id":"5","result": output})),
            (200, json!({"id":"5","result": output})),
            (200, json!({"jsonrpc":"2.0","id":"6","result": output})),
            (200, json!({"jsonrpc":"2.0","id":5,"result": output})),
            (200, json!({"jsonrpc":"2.0","result": output})),
            (
                200,
                json!({"jsonrpc":"2.0","id":"5","result": output, "error":{"code":1,"message":"x"}}),
            ),
            (
                200,
                json!({"jsonrpc":"2.0","id":"5","result":{"output":"t","error": not_found()}}),
            ),
            (
                200,
                json!({"jsonrpc":"2.0","id":"5","error":{"code":-32602,"message":"Invalid params."}}),
            ),
            (
                200,
                json!({"jsonrpc":"2.0","id":"5","result":{"error":{"ERROR":{"com.example.oops":{"messages":[]}}}}}),
            ),
            (
                200,
                json!({"jsonrpc":"2.0","id":"5","result":{"error":{"ERROR":{"com.vmware.vapi.std.errors.not_found":{
                "messages":[{"STRUCTURE":{"com.vmware.vapi.std.localizable_message":{"default_message":"d"}}}]}}}}}),
            ),
        ] {
            let j = judge(status, body.clone());
            assert_eq!(failed(&j), vec![ClauseId::FMT_1], "{status} {body}: {j:?}");
            assert_eq!(j.findings.len(), 1, "{body}");
        }
        let j = judge_raw(http(200, "<html/>"), None);
        assert_eq!(failed(&j), vec![ClauseId::FMT_1]);
        let j = judge_raw(
            Observation::Timeout {
                after: Duration::ZERO,
            },
            None,
        );
        assert_eq!(failed(&j), vec![ClauseId::FMT_1]);
    }

    #[test]
    fn an_injected_fault_answered_with_a_page_breaks_err_1_and_fmt_1_only() {
        let page = Observation::Response {
            status: 500,
            content_type: Some("text/html".into()),
            body: "<h1>500</h1>".into(),
            elapsed: Duration::ZERO,
        };
        let j = judge_raw(page, Some(500));
        assert_eq!(failed(&j), vec![ClauseId::ERR_1, ClauseId::FMT_1]);
        let j = judge_raw(
            Observation::Timeout {
                after: Duration::ZERO,
            },
            Some(503),
        );
        assert_eq!(failed(&j), vec![ClauseId::UNAV_1]);
    }

    #[test]
    fn an_error_name_and_type_that_disagree_break_fmt_2_not_the_envelope() {
        let e = json!({"jsonrpc":"2.0","id":"5","result":{"error":{"ERROR":{"com.vmware.vapi.std.errors.unauthenticated":{
            "messages":[{"STRUCTURE":{"com.vmware.vapi.std.localizable_message":{"id":"m","default_message":"d","args":[],"params":{"OPTIONAL":null},"localized":{"OPTIONAL":null}}}}],"error_type":{"OPTIONAL":"UNAUTHORIZED"}}}}}});
        assert_eq!(failed(&judge(200, e)), vec![ClauseId::FMT_2]);
        // A 409-named refusal (concurrent_change): no REST-only FMT-4 finding on this wire.
        let e = json!({"jsonrpc":"2.0","id":"5","result":{"error":{"ERROR":{"com.vmware.vapi.std.errors.concurrent_change":{
            "messages":[{"STRUCTURE":{"com.vmware.vapi.std.localizable_message":{"id":"m","default_message":"d","args":[],"params":{"OPTIONAL":null},"localized":{"OPTIONAL":null}}}}],"error_type":{"OPTIONAL":"ALREADY_EXISTS"}}}}}});
        assert!(judge(200, e).passed());
    }

    #[test]
    fn every_rest_only_clause_says_why() {
        for (c, why) in REST_ONLY {
            assert!(why.starts_with("REST only: "), "{c}");
        }
        assert!(rest_only(ClauseId::FMT_1).is_none() && rest_only(ClauseId::FMT_2).is_none());
    }
}

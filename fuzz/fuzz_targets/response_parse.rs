//! The harness's response handling: arbitrary answers (status, content type, body bytes turned
//! into text the way the runner does, `String::from_utf8_lossy`), plus timeouts and transport
//! failures, run through everything that reads an `Observation`: its summary and JSON view,
//! the wire types, the format, outcome, task, post-condition, refusal and run-level oracles,
//! and the snapshot normalization.
//!
//! Asserted: nothing panics. (What the oracles decide is their unit tests' business.)
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use snapconf_fuzz::JVal;
use snapservice_conformance::expect::{Expected, ExpectedVm, Outcome};
use snapservice_conformance::model::{
    ErrorType, Items, PowerInfo, ProtectedVmSummary, SessionInfo, SnapshotInfo, SnapshotSummary,
    TaskInfo, TaskStatus, VapiError, VmSummary,
};
use snapservice_conformance::oracle::{self, Judgement, status};
use snapservice_conformance::runner::{Exchange, Observation, SentRequest, TransportKind};
use snapservice_conformance::suite::normalize;

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "text/html",
    "text/plain",
    "application/problem+json",
    ";",
    "",
];

const ERROR_TYPES: &[&str] = &[
    "ERROR",
    "ALREADY_EXISTS",
    "INVALID_ARGUMENT",
    "NOT_ALLOWED_IN_CURRENT_STATE",
    "NOT_FOUND",
    "OPERATION_NOT_FOUND",
    "UNAUTHENTICATED",
    "UNAUTHORIZED",
    "SERVICE_UNAVAILABLE",
    "TIMED_OUT",
];

const CLAUSES: &[&str] = &[
    "ACC-1", "ACC-2", "AUTHN-1", "AUTHN-2", "AUTHN-3", "AUTHZ-1", "AUTHZ-4", "AUTHZ-5", "NF-1",
    "INV-1", "DUP-1", "BUSY-1", "ERR-1", "UNAV-1", "FMT-1",
];

#[derive(Arbitrary, Debug)]
enum StatusChoice {
    Documented(u8),
    Any(u16),
}

#[derive(Arbitrary, Debug)]
enum BodyChoice {
    Bytes(Vec<u8>),
    Json(JVal),
}

#[derive(Arbitrary, Debug)]
enum Obs {
    Response {
        status: StatusChoice,
        content_type: Option<Result<u8, String>>,
        body: BodyChoice,
        elapsed_ms: u32,
    },
    Timeout(u32),
    Transport(u8, String),
}

#[derive(Arbitrary, Debug)]
struct ExpectedChoice {
    outcomes: Vec<Option<(StatusChoice, u8)>>,
    clauses: Vec<u8>,
    blame: u8,
    blame_refusal: Option<u8>,
    reason: String,
}

#[derive(Arbitrary, Debug)]
struct VmChoice {
    name: String,
    name_given: bool,
    folder: String,
    resource_pool: Option<String>,
    host: Option<String>,
    in_folder: bool,
    in_pool: Option<bool>,
    on_host: Option<bool>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    observations: Vec<Obs>,
    injected: Option<bool>,
    expected: ExpectedChoice,
    vm: VmChoice,
    budget_exhausted: bool,
    limit: u32,
    peak: Option<u32>,
    task_ends: Vec<Option<u8>>,
    new_tasks: Vec<String>,
    ids: Vec<String>,
}

fn status_of(s: &StatusChoice) -> u16 {
    match s {
        StatusChoice::Documented(i) => {
            let d = [200, 201, 202, 204, 400, 401, 403, 404, 500, 503];
            d[*i as usize % d.len()]
        }
        StatusChoice::Any(s) => *s,
    }
}

fn observation(o: &Obs, ids: &[String]) -> Observation {
    match o {
        Obs::Response {
            status,
            content_type,
            body,
            elapsed_ms,
        } => {
            let bytes = match body {
                BodyChoice::Bytes(b) => b.clone(),
                BodyChoice::Json(v) => v.to_value(ids).to_string().into_bytes(),
            };
            Observation::Response {
                status: status_of(status),
                content_type: content_type.as_ref().map(|c| match c {
                    Ok(i) => CONTENT_TYPES[*i as usize % CONTENT_TYPES.len()].to_owned(),
                    Err(s) => s.clone(),
                }),
                // As `Client::execute` reads a body.
                body: String::from_utf8_lossy(&bytes).into_owned(),
                elapsed: Duration::from_millis(u64::from(*elapsed_ms)),
            }
        }
        Obs::Timeout(ms) => Observation::Timeout {
            after: Duration::from_millis(u64::from(*ms)),
        },
        Obs::Transport(k, detail) => {
            let kinds = [
                TransportKind::Refused,
                TransportKind::Reset,
                TransportKind::Tls,
                TransportKind::Protocol,
                TransportKind::BodyTooLarge,
                TransportKind::Other,
            ];
            Observation::Transport {
                transport: kinds[*k as usize % kinds.len()],
                detail: detail.clone(),
            }
        }
    }
}

fn expected(e: &ExpectedChoice) -> Expected {
    let clause = |i: u8| CLAUSES[i as usize % CLAUSES.len()];
    let mut outcomes: Vec<Outcome> = e
        .outcomes
        .iter()
        .take(4)
        .map(|o| match o {
            None => Outcome::Accepted,
            Some((s, t)) => Outcome::Error {
                status: status_of(s),
                error_type: ErrorType::parse(ERROR_TYPES[*t as usize % ERROR_TYPES.len()])
                    .unwrap_or(ErrorType::Error),
            },
        })
        .collect();
    if outcomes.is_empty() {
        // `Expected::outcomes` is never empty.
        outcomes.push(Outcome::Accepted);
    }
    outcomes.sort();
    outcomes.dedup();
    let mut clauses: Vec<&'static str> = e.clauses.iter().take(6).map(|c| clause(*c)).collect();
    clauses.sort();
    clauses.dedup();
    Expected {
        outcomes,
        clauses,
        blame: clause(e.blame),
        blame_refusal: e.blame_refusal.map(clause),
        reason: e.reason.clone(),
    }
}

/// Every wire type the harness or its reports may deserialize from an answer.
fn parse_wire(body: &str) {
    let _ = serde_json::from_str::<VapiError>(body);
    let _ = serde_json::from_str::<TaskInfo>(body);
    let _ = serde_json::from_str::<VmSummary>(body);
    let _ = serde_json::from_str::<Vec<VmSummary>>(body);
    let _ = serde_json::from_str::<PowerInfo>(body);
    let _ = serde_json::from_str::<SessionInfo>(body);
    let _ = serde_json::from_str::<Vec<ProtectedVmSummary>>(body);
    let _ = serde_json::from_str::<Items<SnapshotSummary>>(body);
    let _ = serde_json::from_str::<SnapshotInfo>(body);
}

fn touch(j: &Judgement) {
    let _ = j.passed();
    let _ = j.failed_clauses();
    let _ = format!("{j:?}");
}

fuzz_target!(|input: Input| {
    let obs: Vec<Observation> = input
        .observations
        .iter()
        .take(8)
        .map(|o| observation(o, &input.ids))
        .collect();
    let injected = input.injected.map(|u| if u { 503 } else { 500 });
    let expected = expected(&input.expected);
    for o in &obs {
        let _ = o.summary();
        let _ = o.json();
        let _ = normalize::shape(o);
        let _ = normalize::normalized(o);
        if let Some(b) = o.body() {
            parse_wire(b);
        }
        let ex = Exchange {
            request: SentRequest {
                method: "POST".into(),
                url: "http://127.0.0.1:1/api/x?action=restore&vmw-task=true".into(),
                headers: vec![("vmware-api-session-id".into(), "$SESSION".into())],
                body: Some("{}".into()),
            },
            observation: o.clone(),
        };
        let _ = serde_json::to_string(&ex);
        let _ = ex.request.curl(false);
        touch(&oracle::check_format(&ex, injected));
        touch(&oracle::check_outcome(&expected, &ex));
        if let Some(seen) = status::observed(o) {
            for out in &expected.outcomes {
                let _ = status::matches(*out, seen);
            }
        }
    }
    touch(&oracle::check_task_history(&obs, input.budget_exhausted));
    touch(&oracle::check_failed_task_history(
        &obs,
        input.budget_exhausted,
    ));
    let _ = oracle::task_result(&obs);

    let vm = ExpectedVm {
        name: input.vm.name.clone(),
        name_given: input.vm.name_given,
        folder: input.vm.folder.clone(),
        resource_pool: input.vm.resource_pool.clone(),
        host: input.vm.host.clone(),
    };
    let none = Observation::Timeout {
        after: Duration::ZERO,
    };
    let first = obs.first().unwrap_or(&none);
    let second = obs.get(1).unwrap_or(&none);
    touch(&oracle::check_restored_vm(
        &vm,
        first,
        second,
        input.vm.in_folder,
        input.vm.in_pool,
        input.vm.on_host,
    ));

    // VM lists as the pipeline reads them: a JSON array of VmSummary, or nothing.
    let lists: Vec<Vec<VmSummary>> = obs
        .iter()
        .map(|o| {
            o.json()
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default()
        })
        .collect();
    let empty = Vec::new();
    let before = lists.get(1).unwrap_or(&empty);
    let after = lists.get(2).unwrap_or(&empty);
    touch(&oracle::check_nothing_created(
        first,
        before,
        after,
        &input.new_tasks,
    ));

    let (burst, rest) = obs.split_at(obs.len() / 2);
    touch(&oracle::check_busy(
        input.limit % 16,
        burst,
        input.peak,
        rest.first(),
    ));
    let statuses = [
        TaskStatus::Pending,
        TaskStatus::Running,
        TaskStatus::Blocked,
        TaskStatus::Succeeded,
        TaskStatus::Failed,
    ];
    let task_ends: Vec<Option<TaskStatus>> = input
        .task_ends
        .iter()
        .take(8)
        .map(|t| t.map(|i| statuses[i as usize % statuses.len()]))
        .collect();
    touch(&oracle::check_race(&input.vm.name, &obs, &task_ends, after));
});

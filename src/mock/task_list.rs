//! `POST /api/cis/tasks?action=list` (vSphere Automation API, `Cis Tasks list`): the tasks
//! matching a `FilterSpec`, as a map from task id to `Info`. A client lists tasks to see what an
//! operation started without telling it, as REJ-1's task half does ("a refused request starts
//! no task").
//!
//! As documented: at least one of `filter_spec.tasks` and `filter_spec.services` must be given
//! and not empty (else 400 INVALID_ARGUMENT); filters combine with AND; at most 1000 tasks are
//! returned. Which 1000 a real vCenter returns is not documented; the mock returns the newest.

use std::collections::BTreeSet;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::{ApiError, json_response};
use super::state::AppState;
use super::tasks::Task;

/// Most tasks one list returns (the documented cap).
pub(super) const MAX_LISTED: usize = 1000;

#[derive(Debug, Default, Deserialize)]
struct ListRequest {
    #[serde(default)]
    filter_spec: Option<FilterSpec>,
    /// Accepted and ignored: the mock always returns the `Info` and the result.
    #[serde(default)]
    #[allow(dead_code)]
    result_spec: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
struct FilterSpec {
    #[serde(default)]
    tasks: Option<BTreeSet<String>>,
    #[serde(default)]
    services: Option<BTreeSet<String>>,
    #[serde(default)]
    operations: Option<BTreeSet<String>>,
    #[serde(default)]
    status: Option<BTreeSet<String>>,
    #[serde(default)]
    targets: Option<Vec<Target>>,
    #[serde(default)]
    users: Option<BTreeSet<String>>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
struct Target {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

/// Whether `set` admits `value`: an absent or empty set admits everything.
fn admits(set: &Option<BTreeSet<String>>, value: &str) -> bool {
    set.as_ref()
        .is_none_or(|s| s.is_empty() || s.contains(value))
}

impl FilterSpec {
    fn matches(&self, t: &Task, status: &str) -> bool {
        admits(&self.tasks, &t.id)
            && admits(&self.services, super::tasks::SERVICE)
            && admits(&self.operations, "restore")
            && admits(&self.status, status)
            && admits(&self.users, &t.user)
            && self.targets.as_ref().is_none_or(|ts| {
                ts.is_empty()
                    || ts
                        .iter()
                        .any(|x| x.kind == "VirtualMachine" && x.id == t.source_vm)
            })
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let action = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.into_owned());
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    if action.as_deref() != Some("list") {
        return ApiError::no_operation("POST", "/api/cis/tasks").into_response();
    }
    let req: ListRequest = if body.is_empty() {
        ListRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => {
                return ApiError::bad_input(&format!("the list request: {e}")).into_response();
            }
        }
    };
    let filter = req.filter_spec.unwrap_or_default();
    let named = |s: &Option<BTreeSet<String>>| s.as_ref().is_some_and(|s| !s.is_empty());
    if !named(&filter.tasks) && !named(&filter.services) {
        return ApiError::invalid(
            "com.vmware.cis.tasks.filter.required",
            "At least one of filter_spec.tasks and filter_spec.services must be given.".into(),
            &[],
        )
        .into_response();
    }
    let mut picked: Vec<Task> = Vec::new();
    let mut all: Vec<&Task> = inner.tasks.all().collect();
    all.sort_by_key(|t| std::cmp::Reverse(t.created));
    for t in all {
        if picked.len() == MAX_LISTED {
            break;
        }
        if filter.matches(t, t.status(now).as_str()) {
            picked.push(t.clone());
        }
    }
    // Rendered from copies: a listing is not a read of the task (the task-goes-back defect
    // counts reads of the task itself).
    let mut out = Map::new();
    for mut t in picked {
        let info = t.info(now, &state.clock, state.defects);
        out.insert(
            t.id.clone(),
            serde_json::to_value(&info).unwrap_or(Value::Null),
        );
    }
    drop(inner);
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&Value::Object(out)).unwrap_or_default(),
    )
}

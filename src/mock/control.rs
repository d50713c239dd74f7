//! The control plane under `/__mock/` (mock only, no auth, loopback peers only unless
//! `allow_remote_control`): reset, inspect, add principals and permissions, change limits and
//! task timing, hold tasks, inject faults. Bad requests get a vAPI-shaped 400 like `/api` does.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::model::Kind;

use super::authz::{Grant, PrivSet};
use super::error::{ApiError, json_response};
use super::restore::BODY_LIMIT;
use super::state::{AppState, Fault, FaultScope, Inner};

fn bad(detail: &str) -> ApiError {
    ApiError::invalid(
        "com.vmware.mock.control.invalid",
        format!("Invalid control request: {detail}"),
        &[detail],
    )
}

async fn read_json<T: DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let bytes = to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| bad("the body is larger than 1 MiB"))?;
    serde_json::from_slice(&bytes).map_err(|e| bad(&e.to_string()))
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn created() -> Response {
    json_response(StatusCode::CREATED, b"{}".to_vec())
}

pub(super) async fn reset(State(state): State<AppState>) -> Response {
    state.reset();
    no_content()
}

pub(super) async fn get_state(State(state): State<AppState>) -> Response {
    let now = Instant::now();
    let inner = state.lock(now);
    let vms: Vec<_> = inner
        .inventory
        .vms()
        .map(|v| {
            json!({
                "vm": v.id, "name": v.name, "folder": v.folder, "host": v.host,
                "resource_pool": v.resource_pool, "cluster": v.cluster,
                "power_state": v.power_state, "restored": v.restored,
            })
        })
        .collect();
    let mut tasks: Vec<_> = inner.tasks.all().collect();
    tasks.sort_by_key(|t| t.created);
    let tasks: Vec<_> = tasks
        .into_iter()
        .map(|t| {
            json!({
                "task": t.id, "status": t.status(now), "cluster": t.cluster,
                "vm": t.source_vm, "result": t.result_vm(),
            })
        })
        .collect();
    let per_cluster = |m: &std::collections::HashMap<String, u32>| -> BTreeMap<String, u32> {
        state
            .index
            .world
            .clusters
            .keys()
            .map(|c| (c.clone(), m.get(c).copied().unwrap_or(0)))
            .collect()
    };
    let body = json!({
        "vms": vms,
        "tasks": tasks,
        "running": per_cluster(&inner.in_progress),
        "max_running": per_cluster(&inner.max_running),
        "sessions": inner.sessions.len(),
        "principals": inner.principals.names(),
        "restore_limits": inner.settings.restore_limits,
        "task_duration_ms": inner.settings.task_duration.as_millis() as u64,
        "held": inner.settings.held,
    });
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&body).unwrap_or_default(),
    )
}

fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    #[serde(default)]
    privileges: Option<Vec<String>>,
    #[serde(default)]
    role: Option<String>,
    object: String,
    #[serde(default = "default_true")]
    propagate: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrincipalBody {
    name: String,
    password: String,
    #[serde(default)]
    permissions: Vec<GrantBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionBody {
    principal: String,
    #[serde(default)]
    privileges: Option<Vec<String>>,
    #[serde(default)]
    role: Option<String>,
    object: String,
    #[serde(default = "default_true")]
    propagate: bool,
}

fn to_grant(state: &AppState, g: GrantBody) -> Result<Grant, ApiError> {
    let privileges = match (g.privileges, g.role) {
        (Some(p), None) => PrivSet::of(&p),
        (None, Some(r)) => match state.index.world.roles.get(&r) {
            Some(role) => PrivSet::of(&role.privileges),
            None => return Err(bad(&format!("no role {r}"))),
        },
        _ => return Err(bad("give exactly one of privileges and role")),
    };
    match state.index.kind_of(&g.object) {
        Some(Kind::DeletedVm | Kind::Snapshot) | None => {
            Err(bad(&format!("{} is not an inventory object", g.object)))
        }
        Some(_) => Ok(Grant {
            object: g.object,
            propagate: g.propagate,
            privileges: Arc::new(privileges),
        }),
    }
}

pub(super) async fn add_principal(State(state): State<AppState>, body: Body) -> Response {
    let p: PrincipalBody = match read_json(body).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if p.name.is_empty() {
        return bad("the name must not be empty").into_response();
    }
    let grants: Result<Vec<Grant>, ApiError> = p
        .permissions
        .into_iter()
        .map(|g| to_grant(&state, g))
        .collect();
    match grants {
        Ok(grants) => {
            state
                .lock(Instant::now())
                .principals
                .put(&p.name, &p.password, grants);
            created()
        }
        Err(e) => e.into_response(),
    }
}

pub(super) async fn add_permission(State(state): State<AppState>, body: Body) -> Response {
    let p: PermissionBody = match read_json(body).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let grant = GrantBody {
        privileges: p.privileges,
        role: p.role,
        object: p.object,
        propagate: p.propagate,
    };
    let grant = match to_grant(&state, grant) {
        Ok(g) => g,
        Err(e) => return e.into_response(),
    };
    if state
        .lock(Instant::now())
        .principals
        .grant(&p.principal, grant)
    {
        created()
    } else {
        bad(&format!("no principal {}", p.principal)).into_response()
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LimitBody {
    All(u32),
    PerCluster(BTreeMap<String, u32>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    #[serde(default)]
    restore_limit: Option<LimitBody>,
    #[serde(default)]
    task_duration_ms: Option<u64>,
    /// Answer the next `restore_delay_count` (default 1) restore requests only after this
    /// long: a server that hangs, for the harness's request timeout.
    #[serde(default)]
    restore_delay_ms: Option<u64>,
    #[serde(default)]
    restore_delay_count: Option<u32>,
}

pub(super) async fn put_settings(State(state): State<AppState>, body: Body) -> Response {
    let s: SettingsBody = match read_json(body).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    if let Some(LimitBody::PerCluster(m)) = &s.restore_limit
        && let Some(c) = m.keys().find(|c| state.index.cluster(c).is_none())
    {
        return bad(&format!("no cluster {c}")).into_response();
    }
    let mut inner = state.lock(Instant::now());
    match s.restore_limit {
        Some(LimitBody::All(n)) => {
            for v in inner.settings.restore_limits.values_mut() {
                *v = n;
            }
        }
        Some(LimitBody::PerCluster(m)) => inner.settings.restore_limits.extend(m),
        None => {}
    }
    if let Some(ms) = s.task_duration_ms {
        inner.settings.task_duration = Duration::from_millis(ms);
    }
    if let Some(ms) = s.restore_delay_ms {
        let count = s.restore_delay_count.unwrap_or(1);
        inner.settings.restore_delay =
            (ms > 0 && count > 0).then(|| (Duration::from_millis(ms), count));
    }
    no_content()
}

pub(super) async fn hold(State(state): State<AppState>) -> Response {
    state.lock(Instant::now()).settings.held = true;
    no_content()
}

pub(super) async fn release(State(state): State<AppState>) -> Response {
    let now = Instant::now();
    let mut inner: std::sync::MutexGuard<'_, Inner> = state.lock(now);
    inner.tasks.postpone_due(now);
    inner.settings.held = false;
    no_content()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultBody {
    status: u16,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    scope: Option<String>,
}

pub(super) async fn add_fault(State(state): State<AppState>, body: Body) -> Response {
    let f: FaultBody = match read_json(body).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if f.status != 500 && f.status != 503 {
        return bad("status must be 500 or 503").into_response();
    }
    let scope = match f.scope.as_deref() {
        None | Some("restore") => FaultScope::Restore,
        Some("api") => FaultScope::Api,
        Some(other) => return bad(&format!("unknown scope {other}")).into_response(),
    };
    if f.count == Some(0) {
        return bad("count must be at least 1").into_response();
    }
    let mut inner = state.lock(Instant::now());
    state.set_fault(
        &mut inner,
        Some(Fault {
            status: f.status,
            remaining: f.count,
            scope,
        }),
    );
    no_content()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskFaultBody {
    count: u32,
}

pub(super) async fn add_task_fault(State(state): State<AppState>, body: Body) -> Response {
    let f: TaskFaultBody = match read_json(body).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    state.lock(Instant::now()).task_failures = f.count;
    no_content()
}

pub(super) async fn clear_faults(State(state): State<AppState>) -> Response {
    let mut inner = state.lock(Instant::now());
    state.set_fault(&mut inner, None);
    inner.task_failures = 0;
    no_content()
}

//! The operations of the JSON-RPC face: each reads its typed input, asks the decision the REST
//! face asks, and types the answer with the bindings' definitions.

use std::collections::HashSet;
use std::time::{Instant, SystemTime};

use serde::Serialize;
use serde_json::Value as Json;

use crate::model::{Items, SessionInfo};
use crate::vapi::defs::{self, OPERATION_INPUT};
use crate::vapi::types::{StructDef, Type, TypeError, from_clean, to_clean};
use crate::vapi::value::{Secret, StructValue, Value};
use crate::vapi::{MethodResult, Request, ids};

use super::super::defect::Defect;
use super::super::discovery::{self, SnapshotFilter, VmFilter};
use super::super::error::ApiError;
use super::super::restore::{self, Restore};
use super::super::sessions::Realm;
use super::super::spec::{self, SpecError};
use super::super::state::{Inner, Shared};
use super::super::tasks;
use super::auth::{caller, login};
use super::errors::error_value;

/// Runs one call. `Err` only when the mock cannot encode its own answer.
pub(super) fn invoke(
    state: &Shared,
    req: &Request,
    now: Instant,
) -> Result<MethodResult, TypeError> {
    let is_restore =
        req.service_id == ids::VIRTUAL_MACHINES && req.operation_id == ids::RESTORE_TASK;
    let outcome = match &req.input {
        Value::Structure(input) if input.name == OPERATION_INPUT => {
            let mut inner = state.lock(now);
            dispatch(state, &mut inner, req, input, now)
        }
        _ => Err(ApiError::invalid(
            "vapi.method.input.invalid",
            "The input of an operation must be an operation-input STRUCTURE.".into(),
            &[],
        )),
    };
    match outcome {
        Ok(Ok(v)) => Ok(MethodResult::Output(v)),
        Ok(Err(e)) => Err(e),
        Err(e) => error_value(&e, is_restore, state.defects).map(MethodResult::Error),
    }
}

/// The session realm of the JSON-RPC face: the appliance's when the mock plays two endpoints.
fn realm(state: &Shared) -> Option<Realm> {
    state.split.then_some(Realm::Snapservice)
}

/// The operation's answer: `Err` is a vAPI error; `Ok(Err)` an encoding failure of the mock.
type Answer = Result<Result<Value, TypeError>, ApiError>;

fn dispatch(
    state: &Shared,
    inner: &mut Inner,
    req: &Request,
    input: &StructValue,
    now: Instant,
) -> Answer {
    let (service, op) = (req.service_id.as_str(), req.operation_id.as_str());
    match (service, op) {
        (ids::CIS_SESSION | ids::SNAPSERVICE_SESSIONS, ids::CREATE) => {
            let user = login(inner, &req.ctx)?;
            let id = match realm(state) {
                Some(r) => inner.sessions.create_in(&user, r, now),
                None => inner.sessions.create(&user, now),
            };
            Ok(Ok(Value::Secret(Secret::new(id))))
        }
        (ids::CIS_SESSION | ids::SNAPSERVICE_SESSIONS, ids::GET) => {
            session_get(state, inner, req, now)
        }
        (ids::CIS_SESSION | ids::SNAPSERVICE_SESSIONS, ids::DELETE) => {
            session_delete(state, inner, req, now)
        }
        (ids::VIRTUAL_MACHINES, ids::RESTORE_TASK) => {
            let c = caller(inner, &req.ctx, realm(state), now);
            let target = match (id_field(input, "cluster"), id_field(input, "vm")) {
                (Ok(cluster), Ok(vm)) => Some((cluster, vm)),
                _ => None,
            };
            let r = Restore {
                caller: c.user,
                presented_session: c.presented_session,
                target,
                operation: Ok(()),
                spec: read_spec(input.field("spec")),
            };
            Ok(Ok(Value::String(restore::decide(state, inner, now, r)?)))
        }
        (ids::VIRTUAL_MACHINES, ids::LIST) => {
            caller(inner, &req.ctx, realm(state), now).user?;
            let cluster = id_field(input, "cluster").map_err(bad_input)?;
            let filter = vm_filter(input.field("filter"));
            let items = discovery::vms(&state.index, inner, cluster, filter)?;
            Ok(typed(&Items { items }, &defs::VM_LIST_RESULT))
        }
        (ids::VIRTUAL_MACHINES, ids::GET) => {
            caller(inner, &req.ctx, realm(state), now).user?;
            let (cluster, vm) = ids2(input, "vm")?;
            Ok(typed(
                &discovery::vm(&state.index, inner, cluster, vm)?,
                &defs::VM_INFO,
            ))
        }
        (ids::SNAPSHOTS, ids::LIST) => {
            caller(inner, &req.ctx, realm(state), now).user?;
            let (cluster, vm) = ids2(input, "vm")?;
            let filter = snapshot_filter(input.field("filter"));
            let items = discovery::snapshots(&state.index, inner, cluster, vm, filter)?;
            Ok(typed(&Items { items }, &defs::SNAPSHOT_LIST_RESULT))
        }
        (ids::SNAPSHOTS, ids::GET) => {
            caller(inner, &req.ctx, realm(state), now).user?;
            let (cluster, vm) = ids2(input, "vm")?;
            let snapshot = id_field(input, "snapshot").map_err(bad_input)?;
            let info = discovery::snapshot(&state.index, inner, cluster, vm, snapshot)?;
            Ok(typed(&info, &defs::SNAPSHOT_INFO))
        }
        (ids::CIS_TASKS | ids::SNAPSERVICE_TASKS, ids::GET) => {
            caller(inner, &req.ctx, realm(state), now).user?;
            let task = id_field(input, "task").map_err(bad_input)?;
            let info = tasks::read_info(state, inner, now, task)?;
            let def = if service == ids::CIS_TASKS {
                &defs::CIS_TASK_INFO
            } else {
                &defs::SNAPSERVICE_TASK_INFO
            };
            Ok(typed(&info, def))
        }
        // Authentication comes first here too (AUTHN-3), as in the runtime, whose authentication
        // filter runs before the provider looks the operation up: an unauthenticated caller
        // learns nothing of which operations exist.
        (ids::CIS_SESSION | ids::SNAPSERVICE_SESSIONS, _)
        | (ids::VIRTUAL_MACHINES | ids::SNAPSHOTS, _)
        | (ids::CIS_TASKS | ids::SNAPSERVICE_TASKS, _)
            if caller(inner, &req.ctx, realm(state), now).user.is_err() =>
        {
            Err(ApiError::unauthenticated())
        }
        (ids::CIS_SESSION | ids::SNAPSERVICE_SESSIONS, _)
        | (ids::VIRTUAL_MACHINES | ids::SNAPSHOTS, _)
        | (ids::CIS_TASKS | ids::SNAPSERVICE_TASKS, _) => Err(ApiError::new(
            crate::model::ErrorType::OperationNotFound,
            "vapi.method.input.invalid.method",
            format!("Operation {op} of service {service} was not found."),
            &[service, op],
        )),
        _ => Err(ApiError::new(
            crate::model::ErrorType::OperationNotFound,
            "vapi.method.input.invalid.interface",
            format!("Service {service} was not found."),
            &[service],
        )),
    }
}

fn session_get(state: &Shared, inner: &mut Inner, req: &Request, now: Instant) -> Answer {
    let Some(id) = session_of(req) else {
        return Err(ApiError::unauthenticated());
    };
    inner.authenticate_session(id, realm(state), now)?;
    let s = inner
        .sessions
        .touch(id, now)
        .ok_or_else(ApiError::unauthenticated)?;
    let info = SessionInfo {
        user: s.user.clone(),
        created_time: state.clock.rfc3339(s.created),
        last_accessed_time: state.clock.rfc3339(s.last),
    };
    let def = if req.service_id == ids::CIS_SESSION {
        &defs::CIS_SESSION_INFO
    } else {
        &defs::SNAPSERVICE_SESSION_INFO
    };
    Ok(typed(&info, def))
}

fn session_delete(state: &Shared, inner: &mut Inner, req: &Request, now: Instant) -> Answer {
    let Some(id) = session_of(req) else {
        return Err(ApiError::unauthenticated());
    };
    inner.authenticate_session(id, realm(state), now)?;
    if !state.defects.has(Defect::LogoutKeepsSession) {
        inner.sessions.remove(id);
    }
    Ok(Ok(Value::Void))
}

fn session_of(req: &Request) -> Option<&str> {
    match &req.ctx.security_ctx {
        Some(Ok(crate::vapi::SecurityContext::SessionId(id))) => Some(id.expose()),
        _ => None,
    }
}

/// `x` typed by `def` (through its clean JSON form, which is what the REST face serves).
fn typed<T: Serialize>(x: &T, def: &'static StructDef) -> Result<Value, TypeError> {
    let clean = serde_json::to_value(x).map_err(|e| TypeError::new(&e.to_string()))?;
    from_clean(&clean, Type::Struct(def))
}

fn bad_input(e: TypeError) -> ApiError {
    ApiError::bad_input(&e.to_string())
}

/// A required id (string) field of the input.
fn id_field<'a>(input: &'a StructValue, field: &str) -> Result<&'a str, TypeError> {
    match input.field(field) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => {
            Err(TypeError::new(&format!("expected a string, got {}", other.kind())).within(field))
        }
        None => Err(TypeError::new("a required field is missing").within(field)),
    }
}

/// `cluster` and one more id.
fn ids2<'a>(input: &'a StructValue, second: &str) -> Result<(&'a str, &'a str), ApiError> {
    Ok((
        id_field(input, "cluster").map_err(bad_input)?,
        id_field(input, second).map_err(bad_input)?,
    ))
}

/// The restore spec with a `snapshot` that may be missing: the core decides what a spec
/// without one means (INV-1 and its defect), as it does for a REST body without one.
static SPEC_WITHOUT_SNAPSHOT: StructDef = StructDef {
    name: defs::RESTORE_SPEC.name,
    fields: &[
        ("name", Type::Optional(&Type::String)),
        (
            "placement",
            Type::Optional(&Type::Struct(&defs::RESTORE_PLACEMENT_SPEC)),
        ),
    ],
};

/// Step 6's input: the typed spec checked against its definition, then read like a REST body.
fn read_spec(v: Option<&Value>) -> Result<spec::Spec, SpecError> {
    let typed_err = |e: TypeError| SpecError::Typed(e.within("spec").to_string());
    let v = v.ok_or_else(|| typed_err(TypeError::new("a required field is missing")))?;
    let has_snapshot = v.as_struct().is_some_and(|s| s.field("snapshot").is_some());
    let def = if has_snapshot {
        &defs::RESTORE_SPEC
    } else {
        &SPEC_WITHOUT_SNAPSHOT
    };
    let clean = to_clean(v, Type::Struct(def)).map_err(typed_err)?;
    spec::from_value(&clean)
}

/// The clean object of an optional filter spec (`{}` when unset).
fn clean_filter(v: Option<&Value>, def: &'static StructDef) -> Result<Json, ApiError> {
    match v {
        None | Some(Value::Optional(None)) => Ok(Json::Object(Default::default())),
        Some(Value::Optional(Some(f))) => {
            to_clean(f, Type::Struct(def)).map_err(|e| bad_input(e.within("filter")))
        }
        Some(other) => Err(bad_input(
            TypeError::new(&format!("expected an OPTIONAL, got {}", other.kind())).within("filter"),
        )),
    }
}

fn string_set(j: &Json, key: &str) -> Option<HashSet<String>> {
    j.get(key)?.as_array().map(|a| {
        a.iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect()
    })
}

fn vm_filter(v: Option<&Value>) -> Result<VmFilter, ApiError> {
    let f = clean_filter(v, &defs::VM_FILTER_SPEC)?;
    Ok(VmFilter {
        vms: string_set(&f, "vms"),
        name_patterns: string_set(&f, "name_patterns"),
        local_protection_enabled: f.get("local_protection_enabled").and_then(Json::as_bool),
    })
}

fn snapshot_filter(v: Option<&Value>) -> Result<SnapshotFilter, ApiError> {
    let f = clean_filter(v, &defs::SNAPSHOT_FILTER_SPEC)?;
    let time = |key: &str| -> Result<Option<SystemTime>, ApiError> {
        match f.get(key).and_then(Json::as_str) {
            None => Ok(None),
            Some(t) => humantime::parse_rfc3339_weak(t)
                .map(Some)
                .map_err(|_| ApiError::bad_input(&format!("{key} must be an RFC 3339 time"))),
        }
    };
    Ok(SnapshotFilter {
        created_after: time("created_after")?,
        created_before: time("created_before")?,
        expires_after: time("expires_after")?,
        expires_before: time("expires_before")?,
        snapshots: string_set(&f, "snapshots"),
        names: string_set(&f, "names"),
        snapshot_type: f
            .get("snapshot_type")
            .and_then(Json::as_str)
            .map(|t| HashSet::from([t.to_owned()])),
    })
}

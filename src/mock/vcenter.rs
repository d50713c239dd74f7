//! The vCenter VM API (`restore-api.md` section 8): what a client reads to check what a
//! restore left behind, and the delete it cleans up with. Any authenticated session may use it;
//! the mock does not model privileges here.

use std::time::Instant;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::model::{ErrorType, PowerInfo, PowerState, VmSummary};

use super::error::{ApiError, json_response};
use super::inventory::VmRec;
use super::query::{Query, admits};
use super::state::AppState;

const CPU_COUNT: i64 = 2;
const MEMORY_MIB: i64 = 4096;

fn power_name(p: PowerState) -> &'static str {
    match p {
        PowerState::PoweredOff => "POWERED_OFF",
        PowerState::PoweredOn => "POWERED_ON",
        PowerState::Suspended => "SUSPENDED",
    }
}

fn vm_not_found(vm: &str) -> ApiError {
    ApiError::not_found(
        "com.vmware.api.vcenter.vm.not_found",
        format!("Virtual machine with identifier '{vm}' does not exist."),
        &[vm],
    )
}

fn summary(v: &VmRec) -> VmSummary {
    VmSummary {
        vm: v.id.clone(),
        name: v.name.clone(),
        power_state: v.power_state,
        cpu_count: Some(CPU_COUNT),
        memory_size_mib: Some(MEMORY_MIB),
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    let q = Query::parse(raw.as_deref());
    let (vms, names, folders) = (q.set("vms"), q.set("names"), q.set("folders"));
    let (hosts, pools, clusters) = (q.set("hosts"), q.set("resource_pools"), q.set("clusters"));
    let powers = q.set("power_states");
    // A name filter (how clients look up a restored VM) narrows through the name index
    // instead of scanning every VM.
    let candidates: Box<dyn Iterator<Item = &VmRec>> = match &names {
        Some(n) => Box::new(inner.inventory.vms_named(n).into_iter()),
        None => Box::new(inner.inventory.vms()),
    };
    let items: Vec<VmSummary> = candidates
        .filter(|v| {
            admits(&vms, &v.id)
                && admits(&names, &v.name)
                && admits(&folders, &v.folder)
                && admits(&hosts, &v.host)
                && admits(&pools, &v.resource_pool)
                && admits(&clusters, &v.cluster)
                && admits(&powers, power_name(v.power_state))
        })
        .map(summary)
        .collect();
    drop(inner);
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&items).unwrap_or_default(),
    )
}

type P1 = Result<Path<String>, PathRejection>;

pub(super) async fn get(State(state): State<AppState>, headers: HeaderMap, path: P1) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    let Ok(Path(vm)) = path else {
        return ApiError::bad_input("vm").into_response();
    };
    let Some(v) = inner.inventory.vm(&vm) else {
        return vm_not_found(&vm).into_response();
    };
    let body = json!({
        "name": v.name,
        "power_state": power_name(v.power_state),
        "identity": {"name": v.name},
        "guest_OS": "OTHER_LINUX_64",
        "hardware": {"version": "VMX_19", "upgrade_policy": "NEVER", "upgrade_status": "NONE"},
        "cpu": {"count": CPU_COUNT, "cores_per_socket": 1, "hot_add_enabled": false, "hot_remove_enabled": false},
        "memory": {"size_MiB": MEMORY_MIB, "hot_add_enabled": false},
    });
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&body).unwrap_or_default(),
    )
}

pub(super) async fn power(State(state): State<AppState>, headers: HeaderMap, path: P1) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    let Ok(Path(vm)) = path else {
        return ApiError::bad_input("vm").into_response();
    };
    let Some(v) = inner.inventory.vm(&vm) else {
        return vm_not_found(&vm).into_response();
    };
    let info = PowerInfo {
        state: v.power_state,
        clean_power_off: (v.power_state == PowerState::PoweredOff).then_some(true),
    };
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&info).unwrap_or_default(),
    )
}

pub(super) async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: P1,
) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    let Ok(Path(vm)) = path else {
        return ApiError::bad_input("vm").into_response();
    };
    let Some(v) = inner.inventory.vm(&vm) else {
        return vm_not_found(&vm).into_response();
    };
    if v.power_state == PowerState::PoweredOn {
        return ApiError::new(
            ErrorType::NotAllowedInCurrentState,
            "com.vmware.api.vcenter.vm.powered_on",
            format!("Virtual machine {vm} is powered on; power it off before deleting it."),
            &[&vm],
        )
        .into_response();
    }
    let protected = state.index.has_snapshots(&vm);
    inner.inventory.remove(&vm, protected);
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /api/vcenter/vm/{vm}/power?action=start|stop`: the power operations a client needs to
/// clean up (a VM must be powered off before it can be deleted).
pub(super) async fn power_action(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: P1,
    RawQuery(raw): RawQuery,
) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    let Ok(Path(vm)) = path else {
        return ApiError::bad_input("vm").into_response();
    };
    let target = match raw.as_deref() {
        Some("action=stop") => PowerState::PoweredOff,
        Some("action=start") => PowerState::PoweredOn,
        _ => return ApiError::bad_input("action").into_response(),
    };
    if inner.inventory.vm(&vm).is_none() {
        return vm_not_found(&vm).into_response();
    }
    inner.inventory.set_power(&vm, target);
    StatusCode::NO_CONTENT.into_response()
}

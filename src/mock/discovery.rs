//! Discovery (`restore-api.md` section 7): which VMs a cluster protects (deleted ones have
//! `in_cluster: false`) and their snapshots, so a client can find what to restore.

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime};

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::model::world::Snapshot;
use crate::model::{Items, ProtectedVmInfo, ProtectedVmSummary, SnapshotInfo, SnapshotSummary};

use super::error::{ApiError, json_response};
use super::index::Index;
use super::query::{Query, admits, glob_match};
use super::state::{AppState, Inner};

fn ok<T: Serialize>(body: &T) -> Response {
    json_response(StatusCode::OK, serde_json::to_vec(body).unwrap_or_default())
}

fn cluster_not_found(cluster: &str) -> ApiError {
    ApiError::not_found(
        "com.vmware.snapservice.cluster.not_found",
        format!("Cluster {cluster} was not found."),
        &[cluster],
    )
}

fn vm_not_found(vm: &str, cluster: &str) -> ApiError {
    ApiError::not_found(
        "com.vmware.snapservice.vm.not_found",
        format!("Virtual machine {vm} is not protected on cluster {cluster}."),
        &[vm, cluster],
    )
}

/// The VMs protected on a cluster: (id, name, in_cluster, protection groups), by id.
fn protected_vms<'a>(
    ix: &'a Index,
    inner: &'a Inner,
    cluster: &str,
) -> BTreeMap<&'a str, (&'a str, bool, &'a [String])> {
    let mut out = BTreeMap::new();
    for (id, d) in inner.inventory.deleted_vms() {
        if d.cluster == cluster {
            out.insert(
                id.as_str(),
                (d.name.as_str(), false, d.protection_groups.as_slice()),
            );
        }
    }
    for s in ix.world.snapshots.values() {
        if let Some(v) = inner.inventory.vm(&s.vm)
            && v.cluster == cluster
        {
            out.insert(v.id.as_str(), (v.name.as_str(), true, &[][..]));
        }
    }
    out
}

fn vm_info(
    ix: &Index,
    name: &str,
    in_cluster: bool,
    groups: &[String],
    vm: &str,
) -> ProtectedVmInfo {
    let snaps: Vec<&Snapshot> = ix.snapshots_of(vm).collect();
    ProtectedVmInfo {
        name: name.to_owned(),
        local_protection_enabled: true,
        protection_groups: groups.to_vec(),
        last_snapshot_time: snaps.iter().map(|s| s.created_at.clone()).max(),
        oldest_snapshot_time: snaps.iter().map(|s| s.created_at.clone()).min(),
        snapshot_count: snaps.len() as i64,
        in_cluster,
    }
}

fn snapshot_summary(s: &Snapshot, groups: &[String]) -> SnapshotSummary {
    SnapshotSummary {
        snapshot: s.id.clone(),
        info: SnapshotInfo {
            name: s.name.clone(),
            snapshot_type: s.snapshot_type.clone(),
            created_at: s.created_at.clone(),
            expires_at: s.expires_at.clone(),
            vm: s.vm.clone(),
            pg: groups.first().cloned(),
            disk_snapshots: Vec::new(),
        },
    }
}

type P1 = Result<Path<String>, PathRejection>;
type P2 = Result<Path<(String, String)>, PathRejection>;
type P3 = Result<Path<(String, String, String)>, PathRejection>;

pub async fn list_vms(
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
    let Ok(Path(cluster)) = path else {
        return ApiError::bad_input("cluster").into_response();
    };
    if state.index.cluster(&cluster).is_none() {
        return cluster_not_found(&cluster).into_response();
    }
    let q = Query::parse(raw.as_deref());
    let vms = q.set("vms");
    let patterns = q.set("name_patterns");
    let local = match q.bool("local_protection_enabled") {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let items: Vec<ProtectedVmSummary> = protected_vms(&state.index, &inner, &cluster)
        .into_iter()
        .filter(|(id, (name, _, _))| {
            admits(&vms, id)
                && patterns
                    .as_ref()
                    .is_none_or(|ps| ps.iter().any(|p| glob_match(p, name)))
                && local != Some(false)
        })
        .map(|(id, (name, in_cluster, groups))| ProtectedVmSummary {
            vm: id.to_owned(),
            info: vm_info(&state.index, name, in_cluster, groups, id),
        })
        .collect();
    ok(&Items { items })
}

pub async fn get_vm(State(state): State<AppState>, headers: HeaderMap, path: P2) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    let Ok(Path((cluster, vm))) = path else {
        return ApiError::bad_input("cluster or vm").into_response();
    };
    if state.index.cluster(&cluster).is_none() {
        return cluster_not_found(&cluster).into_response();
    }
    match protected_vms(&state.index, &inner, &cluster).get(vm.as_str()) {
        Some((name, in_cluster, groups)) => {
            ok(&vm_info(&state.index, name, *in_cluster, groups, &vm))
        }
        None => vm_not_found(&vm, &cluster).into_response(),
    }
}

fn in_window(t: &str, after: Option<SystemTime>, before: Option<SystemTime>) -> bool {
    let Ok(t) = humantime::parse_rfc3339_weak(t) else {
        return after.is_none() && before.is_none();
    };
    after.is_none_or(|a| t >= a) && before.is_none_or(|b| t <= b)
}

pub async fn list_snapshots(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: P2,
    RawQuery(raw): RawQuery,
) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    let Ok(Path((cluster, vm))) = path else {
        return ApiError::bad_input("cluster or vm").into_response();
    };
    if state.index.cluster(&cluster).is_none() {
        return cluster_not_found(&cluster).into_response();
    }
    let vms = protected_vms(&state.index, &inner, &cluster);
    let Some((_, _, groups)) = vms.get(vm.as_str()) else {
        return vm_not_found(&vm, &cluster).into_response();
    };
    let q = Query::parse(raw.as_deref());
    let times = (|| {
        Ok::<_, ApiError>((
            q.time("created_after")?,
            q.time("created_before")?,
            q.time("expires_after")?,
            q.time("expires_before")?,
        ))
    })();
    let (ca, cb, ea, eb) = match times {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let (ids, names, types) = (q.set("snapshots"), q.set("names"), q.set("snapshot_type"));
    let items: Vec<SnapshotSummary> = state
        .index
        .snapshots_of(&vm)
        .filter(|s| s.cluster == cluster)
        .filter(|s| {
            admits(&ids, &s.id) && admits(&names, &s.name) && admits(&types, &s.snapshot_type)
        })
        .filter(|s| in_window(&s.created_at, ca, cb))
        .filter(|s| {
            (ea.is_none() && eb.is_none())
                || s.expires_at
                    .as_deref()
                    .is_some_and(|e| in_window(e, ea, eb))
        })
        .map(|s| snapshot_summary(s, groups))
        .collect();
    ok(&Items { items })
}

pub async fn get_snapshot(State(state): State<AppState>, headers: HeaderMap, path: P3) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    let Ok(Path((cluster, vm, snapshot))) = path else {
        return ApiError::bad_input("cluster, vm or snapshot").into_response();
    };
    if state.index.cluster(&cluster).is_none() {
        return cluster_not_found(&cluster).into_response();
    }
    let vms = protected_vms(&state.index, &inner, &cluster);
    let Some((_, _, groups)) = vms.get(vm.as_str()) else {
        return vm_not_found(&vm, &cluster).into_response();
    };
    match state.index.snapshot(&snapshot) {
        Some(s) if s.vm == vm && s.cluster == cluster => ok(&snapshot_summary(s, groups).info),
        _ => ApiError::not_found(
            "com.vmware.snapservice.snapshot.not_found",
            format!("Snapshot {snapshot} of virtual machine {vm} was not found."),
            &[&snapshot, &vm],
        )
        .into_response(),
    }
}

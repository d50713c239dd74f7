//! Discovery (`restore-api.md` section 7): which VMs a cluster protects (deleted ones have
//! `in_cluster: false`) and their snapshots, so a client can find what to restore.

use std::collections::{BTreeMap, HashSet};
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

/// The VM list's filters, as either face reads them (absent = no filter).
#[derive(Debug, Default)]
pub(super) struct VmFilter {
    pub vms: Option<HashSet<String>>,
    pub name_patterns: Option<HashSet<String>>,
    pub local_protection_enabled: Option<bool>,
}

/// The snapshot list's filters, as either face reads them (absent = no filter).
#[derive(Debug, Default)]
pub(super) struct SnapshotFilter {
    pub snapshots: Option<HashSet<String>>,
    pub names: Option<HashSet<String>>,
    pub snapshot_type: Option<HashSet<String>>,
    pub created_after: Option<SystemTime>,
    pub created_before: Option<SystemTime>,
    pub expires_after: Option<SystemTime>,
    pub expires_before: Option<SystemTime>,
}

/// The VMs protected on `cluster` that pass `filter` (read by the face; its error is reported
/// after the cluster's).
pub(super) fn vms(
    ix: &Index,
    inner: &Inner,
    cluster: &str,
    filter: Result<VmFilter, ApiError>,
) -> Result<Vec<ProtectedVmSummary>, ApiError> {
    if ix.cluster(cluster).is_none() {
        return Err(cluster_not_found(cluster));
    }
    let f = filter?;
    Ok(protected_vms(ix, inner, cluster)
        .into_iter()
        .filter(|(id, (name, _, _))| {
            admits(&f.vms, id)
                && f.name_patterns
                    .as_ref()
                    .is_none_or(|ps| ps.iter().any(|p| glob_match(p, name)))
                && f.local_protection_enabled != Some(false)
        })
        .map(|(id, (name, in_cluster, groups))| ProtectedVmSummary {
            vm: id.to_owned(),
            info: vm_info(ix, name, in_cluster, groups, id),
        })
        .collect())
}

/// One protected VM of `cluster`.
pub(super) fn vm(
    ix: &Index,
    inner: &Inner,
    cluster: &str,
    vm: &str,
) -> Result<ProtectedVmInfo, ApiError> {
    if ix.cluster(cluster).is_none() {
        return Err(cluster_not_found(cluster));
    }
    match protected_vms(ix, inner, cluster).get(vm) {
        Some((name, in_cluster, groups)) => Ok(vm_info(ix, name, *in_cluster, groups, vm)),
        None => Err(vm_not_found(vm, cluster)),
    }
}

/// The snapshots of a protected VM that pass `filter`.
pub(super) fn snapshots(
    ix: &Index,
    inner: &Inner,
    cluster: &str,
    vm: &str,
    filter: Result<SnapshotFilter, ApiError>,
) -> Result<Vec<SnapshotSummary>, ApiError> {
    if ix.cluster(cluster).is_none() {
        return Err(cluster_not_found(cluster));
    }
    let vms = protected_vms(ix, inner, cluster);
    let Some((_, _, groups)) = vms.get(vm) else {
        return Err(vm_not_found(vm, cluster));
    };
    let f = filter?;
    let (ca, cb, ea, eb) = (
        f.created_after,
        f.created_before,
        f.expires_after,
        f.expires_before,
    );
    Ok(ix
        .snapshots_of(vm)
        .filter(|s| s.cluster == cluster)
        .filter(|s| {
            admits(&f.snapshots, &s.id)
                && admits(&f.names, &s.name)
                && admits(&f.snapshot_type, &s.snapshot_type)
        })
        .filter(|s| in_window(&s.created_at, ca, cb))
        .filter(|s| {
            (ea.is_none() && eb.is_none())
                || s.expires_at
                    .as_deref()
                    .is_some_and(|e| in_window(e, ea, eb))
        })
        .map(|s| snapshot_summary(s, groups))
        .collect())
}

/// One snapshot of a protected VM.
pub(super) fn snapshot(
    ix: &Index,
    inner: &Inner,
    cluster: &str,
    vm: &str,
    snapshot: &str,
) -> Result<SnapshotInfo, ApiError> {
    if ix.cluster(cluster).is_none() {
        return Err(cluster_not_found(cluster));
    }
    let vms = protected_vms(ix, inner, cluster);
    let Some((_, _, groups)) = vms.get(vm) else {
        return Err(vm_not_found(vm, cluster));
    };
    match ix.snapshot(snapshot) {
        Some(s) if s.vm == vm && s.cluster == cluster => Ok(snapshot_summary(s, groups).info),
        _ => Err(ApiError::not_found(
            "com.vmware.snapservice.snapshot.not_found",
            format!("Snapshot {snapshot} of virtual machine {vm} was not found."),
            &[snapshot, vm],
        )),
    }
}

fn in_window(t: &str, after: Option<SystemTime>, before: Option<SystemTime>) -> bool {
    let Ok(t) = humantime::parse_rfc3339_weak(t) else {
        return after.is_none() && before.is_none();
    };
    after.is_none_or(|a| t >= a) && before.is_none_or(|b| t <= b)
}

fn reply<T: Serialize>(r: Result<T, ApiError>) -> Response {
    match r {
        Ok(body) => ok(&body),
        Err(e) => e.into_response(),
    }
}

pub(super) async fn list_vms(
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
    let q = Query::parse(raw.as_deref());
    let filter = q.bool("local_protection_enabled").map(|local| VmFilter {
        vms: q.set("vms"),
        name_patterns: q.set("name_patterns"),
        local_protection_enabled: local,
    });
    reply(vms(&state.index, &inner, &cluster, filter).map(|items| Items { items }))
}

pub(super) async fn get_vm(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: P2,
) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    let Ok(Path((cluster, id))) = path else {
        return ApiError::bad_input("cluster or vm").into_response();
    };
    reply(vm(&state.index, &inner, &cluster, &id))
}

pub(super) async fn list_snapshots(
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
    let Ok(Path((cluster, id))) = path else {
        return ApiError::bad_input("cluster or vm").into_response();
    };
    let q = Query::parse(raw.as_deref());
    let filter = (|| {
        Ok::<_, ApiError>(SnapshotFilter {
            created_after: q.time("created_after")?,
            created_before: q.time("created_before")?,
            expires_after: q.time("expires_after")?,
            expires_before: q.time("expires_before")?,
            snapshots: q.set("snapshots"),
            names: q.set("names"),
            snapshot_type: q.set("snapshot_type"),
        })
    })();
    reply(snapshots(&state.index, &inner, &cluster, &id, filter).map(|items| Items { items }))
}

pub(super) async fn get_snapshot(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: P3,
) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    if let Err(e) = inner.authenticate(&headers, now) {
        return e.into_response();
    }
    let Ok(Path((cluster, id, snap))) = path else {
        return ApiError::bad_input("cluster, vm or snapshot").into_response();
    };
    reply(snapshot(&state.index, &inner, &cluster, &id, &snap))
}

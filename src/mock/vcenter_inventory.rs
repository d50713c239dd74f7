//! The vCenter inventory API (vSphere Automation API 8.0): datacenters, folders, clusters,
//! hosts and resource pools, listed with their filters, so that a client (the harness's
//! `discover`, or an administrator with curl) can learn the tree a restore places VMs in.
//!
//! Everything here reads the fixture's world, which requests never change. Any authenticated
//! session may read it; the mock does not model the `System.Read` privilege these operations
//! require on a real vCenter.
//!
//! Filters follow the `FilterSpec` documentation: values of one filter are alternatives,
//! different filters must all hold, and a filter that is absent *or empty* matches everything
//! ("if unset or empty, ... with any ... match the filter"). Containment filters (`folders`,
//! `parent_folders`, `parent_resource_pools`) match the direct parent only. The reference pages
//! say "folders that must contain the ..." without saying whether containment is direct; direct
//! is how clients observe the VM list's `folders` filter behave, and `discover` copes with
//! either reading.

use std::collections::HashSet;
use std::time::Instant;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use crate::model::vcenter_inventory::{
    ClusterInfo, ClusterSummary, DatacenterInfo, DatacenterSummary, FolderSummary, FolderType,
    HostSummary, ResourcePoolInfo, ResourcePoolSummary,
};
use crate::model::world::{Host, ResourcePool};
use crate::model::{Kind, World};

use super::error::{ApiError, json_response};
use super::query::{Query, admits};
use super::state::AppState;

/// The inventory routes, merged into the app by `app.rs`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/vcenter/datacenter", get(list_datacenters))
        .route("/api/vcenter/datacenter/{datacenter}", get(get_datacenter))
        .route("/api/vcenter/folder", get(list_folders))
        .route("/api/vcenter/cluster", get(list_clusters))
        .route("/api/vcenter/cluster/{cluster}", get(get_cluster))
        .route("/api/vcenter/host", get(list_hosts))
        .route("/api/vcenter/resource-pool", get(list_pools))
        .route("/api/vcenter/resource-pool/{resource_pool}", get(get_pool))
}

type P1 = Result<Path<String>, PathRejection>;

fn ok<T: Serialize>(body: &T) -> Response {
    json_response(StatusCode::OK, serde_json::to_vec(body).unwrap_or_default())
}

fn not_found(what: &str, id: &str) -> Response {
    ApiError::not_found(
        &format!("com.vmware.api.vcenter.{what}.not_found"),
        format!("The {what} '{id}' does not exist."),
        &[id],
    )
    .into_response()
}

/// The 401 answer, unless the request presents a live session.
fn unauthenticated(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let now = Instant::now();
    let mut inner = state.lock(now);
    inner
        .authenticate(headers, now)
        .err()
        .map(IntoResponse::into_response)
}

/// A set filter as the `FilterSpec`s define it: absent or empty matches everything.
fn filter(q: &Query, key: &str) -> Option<HashSet<String>> {
    q.set(key).filter(|s| !s.is_empty())
}

/// Whether a filter admits an object whose value may be missing (an object without a parent
/// folder never matches a folder filter).
fn admits_opt(f: &Option<HashSet<String>>, value: Option<&str>) -> bool {
    f.as_ref()
        .is_none_or(|s| value.is_some_and(|v| s.contains(v)))
}

/// The parent of `id` if it is an object of `kind`.
fn parent_of<'a>(w: &'a World, id: &str, kind: Kind) -> Option<&'a str> {
    w.parents
        .get(id)
        .map(String::as_str)
        .filter(|p| w.kind_of(p) == Some(kind))
}

/// A folder's type, which the fixture does not state: folders outside any datacenter hold
/// datacenters; inside one, the default VM folder and the folders below it hold VMs, and the
/// others hold hosts and clusters (the fixture format has no datastore or network folders).
fn folder_type(state: &AppState, id: &str) -> FolderType {
    let w = &state.index.world;
    match w.folders.get(id).and_then(|f| f.datacenter.as_ref()) {
        None => FolderType::Datacenter,
        Some(_) if state.index.vm_folder_datacenter(id).is_some() => FolderType::VirtualMachine,
        Some(_) => FolderType::Host,
    }
}

async fn list_datacenters(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(r) = unauthenticated(&state, &headers) {
        return r;
    }
    let w = &state.index.world;
    let q = Query::parse(raw.as_deref());
    let (ids, names) = (filter(&q, "datacenters"), filter(&q, "names"));
    let folders = filter(&q, "folders");
    let items: Vec<DatacenterSummary> = w
        .datacenters
        .values()
        .filter(|d| {
            admits(&ids, &d.id)
                && admits(&names, &d.name)
                && admits_opt(&folders, parent_of(w, &d.id, Kind::Folder))
        })
        .map(|d| DatacenterSummary {
            datacenter: d.id.clone(),
            name: d.name.clone(),
        })
        .collect();
    ok(&items)
}

async fn get_datacenter(State(state): State<AppState>, headers: HeaderMap, path: P1) -> Response {
    if let Some(r) = unauthenticated(&state, &headers) {
        return r;
    }
    let Ok(Path(id)) = path else {
        return ApiError::bad_input("datacenter").into_response();
    };
    let w = &state.index.world;
    let Some(d) = w.datacenters.get(&id) else {
        return not_found("datacenter", &id);
    };
    // The host folder is the datacenter's direct child folder that holds hosts; a fixture may
    // put its clusters directly in the datacenter and have none. The mock's world has no
    // datastore or network folders, so those fields are left out (a real vCenter sends them).
    let host_folder = w
        .folders
        .values()
        .find(|f| {
            parent_of(w, &f.id, Kind::Datacenter) == Some(id.as_str())
                && folder_type(&state, &f.id) == FolderType::Host
        })
        .map(|f| f.id.clone());
    ok(&DatacenterInfo {
        name: d.name.clone(),
        vm_folder: d.vm_folder.clone(),
        host_folder,
        datastore_folder: None,
        network_folder: None,
    })
}

async fn list_folders(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(r) = unauthenticated(&state, &headers) {
        return r;
    }
    let w = &state.index.world;
    let q = Query::parse(raw.as_deref());
    let wanted_type = match q.single("type").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match FolderType::parse(t) {
            Some(t) => Some(t),
            None => {
                return ApiError::bad_input(&format!("type `{t}` is not a Folder.Type"))
                    .into_response();
            }
        },
    };
    let (ids, names) = (filter(&q, "folders"), filter(&q, "names"));
    let (parents, dcs) = (filter(&q, "parent_folders"), filter(&q, "datacenters"));
    let items: Vec<FolderSummary> = w
        .folders
        .values()
        .map(|f| (f, folder_type(&state, &f.id)))
        .filter(|(f, t)| {
            wanted_type.is_none_or(|want| want == *t)
                && admits(&ids, &f.id)
                && admits(&names, &f.name)
                && admits_opt(&parents, parent_of(w, &f.id, Kind::Folder))
                && admits_opt(&dcs, f.datacenter.as_deref())
        })
        .map(|(f, t)| FolderSummary {
            folder: f.id.clone(),
            name: f.name.clone(),
            folder_type: t,
        })
        .collect();
    ok(&items)
}

async fn list_clusters(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(r) = unauthenticated(&state, &headers) {
        return r;
    }
    let w = &state.index.world;
    let q = Query::parse(raw.as_deref());
    let (ids, names) = (filter(&q, "clusters"), filter(&q, "names"));
    let (folders, dcs) = (filter(&q, "folders"), filter(&q, "datacenters"));
    let items: Vec<ClusterSummary> = w
        .clusters
        .values()
        .filter(|c| {
            admits(&ids, &c.id)
                && admits(&names, &c.name)
                && admits_opt(&folders, parent_of(w, &c.id, Kind::Folder))
                && admits(&dcs, &c.datacenter)
        })
        .map(|c| ClusterSummary {
            cluster: c.id.clone(),
            name: c.name.clone(),
            // The world does not model vSphere HA; no fixture clause depends on it.
            ha_enabled: false,
            drs_enabled: c.drs,
        })
        .collect();
    ok(&items)
}

async fn get_cluster(State(state): State<AppState>, headers: HeaderMap, path: P1) -> Response {
    if let Some(r) = unauthenticated(&state, &headers) {
        return r;
    }
    let Ok(Path(id)) = path else {
        return ApiError::bad_input("cluster").into_response();
    };
    match state.index.cluster(&id) {
        Some(c) => ok(&ClusterInfo {
            name: c.name.clone(),
            resource_pool: c.root_pool.clone(),
        }),
        None => not_found("cluster", &id),
    }
}

/// The datacenter of a host (through its cluster).
fn host_datacenter<'a>(w: &'a World, h: &Host) -> Option<&'a str> {
    w.clusters.get(&h.cluster).map(|c| c.datacenter.as_str())
}

async fn list_hosts(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(r) = unauthenticated(&state, &headers) {
        return r;
    }
    let w = &state.index.world;
    let q = Query::parse(raw.as_deref());
    let (ids, names, clusters) = (
        filter(&q, "hosts"),
        filter(&q, "names"),
        filter(&q, "clusters"),
    );
    let (folders, dcs) = (filter(&q, "folders"), filter(&q, "datacenters"));
    let states = filter(&q, "connection_states");
    let items: Vec<HostSummary> = w
        .hosts
        .values()
        .filter(|h| {
            admits(&ids, &h.id)
                && admits(&names, &h.name)
                && admits(&clusters, &h.cluster)
                // A clustered host's parent is its cluster, not a folder: a folder filter
                // matches standalone hosts only, and the world has none.
                && admits_opt(&folders, parent_of(w, &h.id, Kind::Folder))
                && admits_opt(&dcs, host_datacenter(w, h))
                && admits(&states, "CONNECTED")
        })
        .map(|h| HostSummary {
            host: h.id.clone(),
            name: h.name.clone(),
            // The world does not model host failures: every host is connected and on.
            connection_state: "CONNECTED".into(),
            power_state: Some("POWERED_ON".into()),
        })
        .collect();
    ok(&items)
}

/// Whether a pool serves `host`: a host-bound pool serves its host, any other pool every host
/// of its cluster (the world's reading of INV-6). This is what the `hosts` filter matches.
fn pool_serves(w: &World, p: &ResourcePool, host: &str) -> bool {
    match &p.host {
        Some(h) => h == host,
        None => w.hosts.get(host).is_some_and(|h| h.cluster == p.cluster),
    }
}

async fn list_pools(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(r) = unauthenticated(&state, &headers) {
        return r;
    }
    let w = &state.index.world;
    let q = Query::parse(raw.as_deref());
    let (ids, names) = (filter(&q, "resource_pools"), filter(&q, "names"));
    let (clusters, hosts) = (filter(&q, "clusters"), filter(&q, "hosts"));
    let (parents, dcs) = (
        filter(&q, "parent_resource_pools"),
        filter(&q, "datacenters"),
    );
    let items: Vec<ResourcePoolSummary> = w
        .resource_pools
        .values()
        .filter(|p| {
            admits(&ids, &p.id)
                && admits(&names, &p.name)
                && admits(&clusters, &p.cluster)
                && hosts
                    .as_ref()
                    .is_none_or(|hs| hs.iter().any(|h| pool_serves(w, p, h)))
                && admits_opt(&parents, parent_of(w, &p.id, Kind::ResourcePool))
                && admits_opt(
                    &dcs,
                    w.clusters.get(&p.cluster).map(|c| c.datacenter.as_str()),
                )
        })
        .map(|p| ResourcePoolSummary {
            resource_pool: p.id.clone(),
            name: p.name.clone(),
        })
        .collect();
    ok(&items)
}

async fn get_pool(State(state): State<AppState>, headers: HeaderMap, path: P1) -> Response {
    if let Some(r) = unauthenticated(&state, &headers) {
        return r;
    }
    let Ok(Path(id)) = path else {
        return ApiError::bad_input("resource_pool").into_response();
    };
    let w = &state.index.world;
    let Some(p) = w.resource_pools.get(&id) else {
        return not_found("resource_pool", &id);
    };
    let children = w
        .resource_pools
        .keys()
        .filter(|c| parent_of(w, c, Kind::ResourcePool) == Some(id.as_str()))
        .cloned()
        .collect();
    ok(&ResourcePoolInfo {
        name: p.name.clone(),
        resource_pools: children,
    })
}

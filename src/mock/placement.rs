//! Restore's placement steps (7, 8 and 11 of the decision order in `restore.rs`): placement ids
//! name objects of the right type, the caller holds the privileges their objects need, and the
//! placement fits the cluster. Each defect of these promises is a branch at its step.

use crate::model::Kind;
use crate::model::world::Cluster;

use super::defect::Defect;
use super::error::ApiError;
use super::restore::{FOLDER_PRIVILEGE, POOL_PRIVILEGE, invalid};
use super::spec::Placement;
use super::state::{Inner, Shared};

/// Step 7: each placement id names an object of its field's type.
pub(super) fn typed_placement(shared: &Shared, mut p: Placement) -> Result<Placement, ApiError> {
    let ignore = shared.defects.has(Defect::PlacementTypeUnchecked);
    for (field, value, kind) in [
        ("folder", &mut p.folder, Kind::Folder),
        ("resource_pool", &mut p.resource_pool, Kind::ResourcePool),
        ("host", &mut p.host, Kind::Host),
    ] {
        if let Some(id) = value.as_deref()
            && shared.index.kind_of(id) != Some(kind)
        {
            if ignore {
                *value = None;
                continue;
            }
            return Err(invalid(
                &format!("placement.{field}.invalid"),
                format!("placement.{field} {id} is not a {}.", kind.name()),
                &[id],
            ));
        }
    }
    Ok(p)
}

/// Step 8: the privileges the placement's objects need.
pub(super) fn placement_privileges(
    inner: &Inner,
    shared: &Shared,
    user: &str,
    p: &Placement,
) -> Result<(), ApiError> {
    let d = shared.defects;
    let holds = |privilege: &str, object: &str| {
        inner
            .principals
            .holds(&shared.index, d, user, privilege, object)
    };
    if let Some(f) = &p.folder
        && !d.has(Defect::AuthzFolderUnchecked)
        && !holds(FOLDER_PRIVILEGE, f)
    {
        return Err(ApiError::unauthorized(FOLDER_PRIVILEGE, f));
    }
    if let Some(rp) = &p.resource_pool
        && !d.has(Defect::AuthzPoolUnchecked)
        && !holds(POOL_PRIVILEGE, rp)
    {
        return Err(ApiError::unauthorized(POOL_PRIVILEGE, rp));
    }
    Ok(())
}

pub(super) struct Resolved {
    pub resource_pool: String,
    pub host: String,
}

/// Step 11: where the VM goes, or why the placement does not fit the cluster.
pub(super) fn resolve_placement(
    shared: &Shared,
    cluster: &Cluster,
    p: &Placement,
    placement_given: bool,
) -> Result<Resolved, ApiError> {
    let d = shared.defects;
    let w = &shared.index.world;
    if let Some(h) = &p.host
        && w.hosts[h].cluster != cluster.id
        && !d.has(Defect::HostMembershipUnchecked)
    {
        return Err(invalid(
            "placement.host.other_cluster",
            format!("Host {h} is not a member of cluster {}.", cluster.id),
            &[h, &cluster.id],
        ));
    }
    if let Some(rp) = &p.resource_pool
        && w.resource_pools[rp].cluster != cluster.id
    {
        return Err(invalid(
            "placement.resource_pool.other_cluster",
            format!("Resource pool {rp} is not in cluster {}.", cluster.id),
            &[rp, &cluster.id],
        ));
    }
    if let Some(f) = &p.folder
        && shared.index.vm_folder_datacenter(f) != Some(cluster.datacenter.as_str())
    {
        return Err(invalid(
            "placement.folder.other_datacenter",
            format!(
                "Folder {f} is not a virtual machine folder of datacenter {}.",
                cluster.datacenter
            ),
            &[f, &cluster.datacenter],
        ));
    }
    let pool_host = p
        .resource_pool
        .as_ref()
        .and_then(|rp| w.resource_pools[rp].host.clone());
    if let (Some(h), Some(ph)) = (&p.host, &pool_host)
        && h != ph
        && !d.has(Defect::PoolHostUnchecked)
    {
        let rp = p.resource_pool.as_deref().unwrap_or_default();
        return Err(invalid(
            "placement.resource_pool.other_host",
            format!("Resource pool {rp} does not belong to host {h}."),
            &[rp, h],
        ));
    }
    if !cluster.drs && p.host.is_none() {
        let accepted = if !placement_given {
            d.has(Defect::NoPlacementAcceptedWithoutDrs)
        } else {
            p.resource_pool.is_some() && d.has(Defect::PoolWithoutHostAccepted)
        };
        if !accepted {
            let what = if placement_given {
                "placement.host.required"
            } else {
                "placement.required"
            };
            return Err(invalid(
                what,
                format!(
                    "Cluster {} has no DRS: the placement must name a host.",
                    cluster.id
                ),
                &[&cluster.id],
            ));
        }
    }
    let first_host = || {
        shared
            .index
            .first_host(&cluster.id)
            .unwrap_or_default()
            .to_owned()
    };
    Ok(Resolved {
        resource_pool: p
            .resource_pool
            .clone()
            .unwrap_or_else(|| cluster.root_pool.clone()),
        host: p.host.clone().or(pool_host).unwrap_or_else(first_host),
    })
}

//! Reading vCenter's inventory tree through the vCenter API's list filters.
//!
//! The lists give objects without their parents; relations come from filtered lists ("the
//! folders whose parent is F", "the VMs on host H"). The reference pages do not say whether a
//! containment filter (`parent_folders`, `folders`, `resource_pools`) matches direct children
//! only or everything below; either way the direct parent is the *deepest* container that
//! lists an object, which is what every relation here takes.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::VmSummary;
use crate::model::vcenter_inventory::{
    ClusterInfo, ClusterSummary, DatacenterInfo, DatacenterSummary, FolderSummary, FolderType,
    HostSummary, ResourcePoolInfo, ResourcePoolSummary,
};

use super::found::{Cluster, Datacenter, DiscoveredWorld, Folder, Host, ResourcePool, Vm};
use super::reader::{ReadError, Reader, Role, query, seg};

const V: Role = Role::Vcenter;

/// Containers that list each object: object id → container ids.
type Listed = BTreeMap<String, BTreeSet<String>>;

/// Lists `path?<filter>=<container>` for every container and records who listed what.
async fn listed_by<T: serde::de::DeserializeOwned>(
    r: &Reader,
    path: &str,
    filter: &str,
    containers: impl IntoIterator<Item = &String>,
    id_of: impl Fn(&T) -> String,
) -> Result<Listed, ReadError> {
    let mut out = Listed::new();
    for c in containers {
        let items: Vec<T> = r
            .get(V, &format!("{path}{}", query(&[(filter, c)])))
            .await?;
        for it in &items {
            out.entry(id_of(it)).or_default().insert(c.clone());
        }
    }
    Ok(out)
}

/// The deepest of the containers that list an object (see the module comment); ties are
/// broken by id so the answer is deterministic.
fn deepest(containers: &BTreeSet<String>, depth: impl Fn(&str) -> usize) -> Option<String> {
    containers
        .iter()
        .max_by(|a, b| depth(a).cmp(&depth(b)).then_with(|| b.cmp(a)))
        .cloned()
}

/// Reads datacenters, folders, clusters, hosts, resource pools and VMs into `d`.
pub(super) async fn vcenter(r: &Reader, d: &mut DiscoveredWorld) -> Result<(), ReadError> {
    datacenters_and_folders(r, d).await?;
    clusters_and_hosts(r, d).await?;
    pools(r, d).await?;
    vms(r, d).await
}

async fn datacenters_and_folders(r: &Reader, d: &mut DiscoveredWorld) -> Result<(), ReadError> {
    let dcs: Vec<DatacenterSummary> = r.get(V, "/api/vcenter/datacenter").await?;
    for dc in &dcs {
        let info: DatacenterInfo = r
            .get(
                V,
                &format!("/api/vcenter/datacenter/{}", seg(&dc.datacenter)),
            )
            .await?;
        d.datacenters.insert(
            dc.datacenter.clone(),
            Datacenter {
                name: dc.name.clone(),
                parent: None,
                vm_folder: info.vm_folder,
                host_folder: info.host_folder,
            },
        );
    }
    // Datastore and network folders hold nothing a restore uses, and the fixture format has
    // no place for them.
    let all: Vec<FolderSummary> = r.get(V, "/api/vcenter/folder").await?;
    let (kept, skipped): (Vec<_>, Vec<_>) = all.into_iter().partition(|f| {
        matches!(
            f.folder_type,
            FolderType::Datacenter | FolderType::Host | FolderType::VirtualMachine
        )
    });
    if !skipped.is_empty() {
        d.notes.push(format!(
            "{} datastore and network folders are left out: restores do not use them",
            skipped.len()
        ));
    }
    for f in &kept {
        d.folders.insert(
            f.folder.clone(),
            Folder {
                name: f.name.clone(),
                folder_type: f.folder_type,
                parent: None,
                datacenter: None,
            },
        );
    }
    let ids: Vec<String> = d.folders.keys().cloned().collect();
    let children = listed_by(
        r,
        "/api/vcenter/folder",
        "parent_folders",
        &ids,
        |f: &FolderSummary| f.folder.clone(),
    )
    .await?;
    // A folder's parent is the container that is itself listed under the most containers:
    // with direct containment there is one candidate, with transitive containment the
    // deepest ancestor is listed under all the others.
    let parents: Vec<(String, Option<String>)> = children
        .iter()
        .map(|(child, cands)| {
            let p = deepest(cands, |c| children.get(c).map_or(0, BTreeSet::len));
            (child.clone(), p)
        })
        .collect();
    for (child, p) in parents {
        if let Some(f) = d.folders.get_mut(&child) {
            f.parent = p;
        }
    }
    let dc_ids: Vec<String> = d.datacenters.keys().cloned().collect();
    let in_dc = listed_by(
        r,
        "/api/vcenter/folder",
        "datacenters",
        &dc_ids,
        |f: &FolderSummary| f.folder.clone(),
    )
    .await?;
    for (id, f) in d.folders.iter_mut() {
        f.datacenter = in_dc.get(id).and_then(|s| s.iter().next().cloned());
    }
    // A datacenter's top folders (vm, host) have the datacenter as their parent. A parent
    // folder outside the folder's datacenter can only come from transitive containment
    // through the datacenter, so it is replaced by the datacenter too.
    let dc_of: BTreeMap<String, Option<String>> = d
        .folders
        .iter()
        .map(|(id, f)| (id.clone(), f.datacenter.clone()))
        .collect();
    for f in d.folders.values_mut() {
        let parent_dc = f
            .parent
            .as_ref()
            .and_then(|p| dc_of.get(p).cloned().flatten());
        if f.datacenter.is_some() && parent_dc != f.datacenter {
            f.parent = f.datacenter.clone();
        }
    }
    let dc_folders: Vec<String> = d
        .folders
        .iter()
        .filter(|(_, f)| f.folder_type == FolderType::Datacenter)
        .map(|(id, _)| id.clone())
        .collect();
    let dc_in = listed_by(
        r,
        "/api/vcenter/datacenter",
        "folders",
        &dc_folders,
        |x: &DatacenterSummary| x.datacenter.clone(),
    )
    .await?;
    for (dc, cands) in &dc_in {
        let p = deepest(cands, |c| d.folder_depth(c));
        if let Some(x) = d.datacenters.get_mut(dc) {
            x.parent = p;
        }
    }
    Ok(())
}

async fn clusters_and_hosts(r: &Reader, d: &mut DiscoveredWorld) -> Result<(), ReadError> {
    let clusters: Vec<ClusterSummary> = r.get(V, "/api/vcenter/cluster").await?;
    for c in &clusters {
        let info: ClusterInfo = r
            .get(V, &format!("/api/vcenter/cluster/{}", seg(&c.cluster)))
            .await?;
        d.clusters.insert(
            c.cluster.clone(),
            Cluster {
                name: c.name.clone(),
                parent: None,
                datacenter: None,
                drs: c.drs_enabled,
                ha: c.ha_enabled,
                root_pool: Some(info.resource_pool),
            },
        );
    }
    let host_folders: Vec<String> = d
        .folders
        .iter()
        .filter(|(_, f)| f.folder_type == FolderType::Host)
        .map(|(id, _)| id.clone())
        .collect();
    let in_folder = listed_by(
        r,
        "/api/vcenter/cluster",
        "folders",
        &host_folders,
        |c: &ClusterSummary| c.cluster.clone(),
    )
    .await?;
    let dc_ids: Vec<String> = d.datacenters.keys().cloned().collect();
    let in_dc = listed_by(
        r,
        "/api/vcenter/cluster",
        "datacenters",
        &dc_ids,
        |c: &ClusterSummary| c.cluster.clone(),
    )
    .await?;
    let depth = |f: &str| d.folder_depth(f);
    let placed: Vec<(String, Option<String>, Option<String>)> = d
        .clusters
        .keys()
        .map(|id| {
            let dc = in_dc.get(id).and_then(|s| s.iter().next().cloned());
            let folder = in_folder.get(id).and_then(|s| deepest(s, depth));
            (id.clone(), folder.or_else(|| dc.clone()), dc)
        })
        .collect();
    for (id, parent, dc) in placed {
        let c = d.clusters.get_mut(&id).expect("listed above");
        c.parent = parent;
        c.datacenter = dc;
    }

    let hosts: Vec<HostSummary> = r.get(V, "/api/vcenter/host").await?;
    for h in hosts {
        d.hosts.insert(
            h.host,
            Host {
                name: h.name,
                cluster: None,
                connection_state: h.connection_state,
                power_state: h.power_state,
            },
        );
    }
    let cluster_ids: Vec<String> = d.clusters.keys().cloned().collect();
    let of_cluster = listed_by(
        r,
        "/api/vcenter/host",
        "clusters",
        &cluster_ids,
        |h: &HostSummary| h.host.clone(),
    )
    .await?;
    for (id, h) in d.hosts.iter_mut() {
        h.cluster = of_cluster.get(id).and_then(|s| s.iter().next().cloned());
    }
    Ok(())
}

async fn pools(r: &Reader, d: &mut DiscoveredWorld) -> Result<(), ReadError> {
    let cluster_ids: Vec<String> = d.clusters.keys().cloned().collect();
    let of_cluster = listed_by(
        r,
        "/api/vcenter/resource-pool",
        "clusters",
        &cluster_ids,
        |p: &ResourcePoolSummary| p.resource_pool.clone(),
    )
    .await?;
    let all: Vec<ResourcePoolSummary> = r.get(V, "/api/vcenter/resource-pool").await?;
    for p in all {
        let cluster = of_cluster
            .get(&p.resource_pool)
            .and_then(|s| s.iter().next().cloned());
        d.resource_pools.insert(
            p.resource_pool,
            ResourcePool {
                name: p.name,
                parent: None,
                cluster,
                host: None,
            },
        );
    }
    // Parents: a cluster's root pool hangs off the cluster, every other pool off the pool
    // whose `resource_pools` (its direct children) name it.
    for (cid, c) in &d.clusters {
        if let Some(root) = c
            .root_pool
            .as_ref()
            .and_then(|r| d.resource_pools.get_mut(r))
        {
            root.parent = Some(cid.clone());
        }
    }
    let ids: Vec<String> = d.resource_pools.keys().cloned().collect();
    for id in &ids {
        let info: ResourcePoolInfo = r
            .get(V, &format!("/api/vcenter/resource-pool/{}", seg(id)))
            .await?;
        for child in &info.resource_pools {
            if let Some(p) = d.resource_pools.get_mut(child) {
                p.parent = Some(id.clone());
            }
        }
    }
    // Host binding: which hosts the `hosts` filter lists each pool for.
    let host_ids: Vec<String> = d.hosts.keys().cloned().collect();
    let served = listed_by(
        r,
        "/api/vcenter/resource-pool",
        "hosts",
        &host_ids,
        |p: &ResourcePoolSummary| p.resource_pool.clone(),
    )
    .await?;
    let mut notes = Vec::new();
    for (id, p) in d.resource_pools.iter_mut() {
        let Some(cluster) = &p.cluster else { continue };
        let of_cluster: BTreeSet<&String> = d
            .hosts
            .iter()
            .filter(|(_, h)| h.cluster.as_ref() == Some(cluster))
            .map(|(id, _)| id)
            .collect();
        let by: BTreeSet<&String> = served
            .get(id)
            .map(|s| s.iter().filter(|h| of_cluster.contains(h)).collect())
            .unwrap_or_default();
        if by.len() == 1 && of_cluster.len() > 1 {
            p.host = by.into_iter().next().cloned();
        } else if !by.is_empty() && by.len() < of_cluster.len() {
            notes.push(format!(
                "resource pool {id} is listed for hosts {} of cluster {cluster} only; a fixture pool serves one host or all, so it is written as serving all",
                by.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    d.notes.extend(notes);
    Ok(())
}

async fn vms(r: &Reader, d: &mut DiscoveredWorld) -> Result<(), ReadError> {
    let all: Vec<VmSummary> = r.get(V, "/api/vcenter/vm").await?;
    for v in all {
        d.vms.insert(
            v.vm,
            Vm {
                name: v.name,
                power_state: v.power_state,
                folder: None,
                host: None,
                resource_pool: None,
                cluster: None,
            },
        );
    }
    let vm_id = |v: &VmSummary| v.vm.clone();
    let vm_folders: Vec<String> = d
        .folders
        .iter()
        .filter(|(_, f)| f.folder_type == FolderType::VirtualMachine)
        .map(|(id, _)| id.clone())
        .collect();
    let in_folder = listed_by(r, "/api/vcenter/vm", "folders", &vm_folders, vm_id).await?;
    let host_ids: Vec<String> = d.hosts.keys().cloned().collect();
    let on_host = listed_by(r, "/api/vcenter/vm", "hosts", &host_ids, vm_id).await?;
    let pool_ids: Vec<String> = d.resource_pools.keys().cloned().collect();
    let in_pool = listed_by(r, "/api/vcenter/vm", "resource_pools", &pool_ids, vm_id).await?;
    let cluster_ids: Vec<String> = d.clusters.keys().cloned().collect();
    let in_cluster = listed_by(r, "/api/vcenter/vm", "clusters", &cluster_ids, vm_id).await?;
    let placed: Vec<(String, [Option<String>; 4])> = d
        .vms
        .keys()
        .map(|id| {
            let first = |l: &Listed| l.get(id).and_then(|s| s.iter().next().cloned());
            (
                id.clone(),
                [
                    in_folder
                        .get(id)
                        .and_then(|s| deepest(s, |f| d.folder_depth(f))),
                    first(&on_host),
                    in_pool
                        .get(id)
                        .and_then(|s| deepest(s, |p| d.pool_depth(p))),
                    first(&in_cluster),
                ],
            )
        })
        .collect();
    for (id, [folder, host, pool, cluster]) in placed {
        let v = d.vms.get_mut(&id).expect("listed above");
        (v.folder, v.host, v.resource_pool, v.cluster) = (folder, host, pool, cluster);
    }
    Ok(())
}

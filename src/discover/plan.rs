//! Which discovered objects a fixture can hold. The fixture format requires every relation
//! (a VM's folder, host and pool; a cluster's datacenter and root pool), so an object the
//! target did not fully place is left out, with a note saying why, rather than written with a
//! guess. The result always loads with `World::parse`.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::vcenter_inventory::FolderType;

use super::found::{DiscoveredWorld, ProtectedVm};

/// The objects that can be written, each with what makes it valid in a fixture.
pub(super) struct Plan<'a> {
    pub d: &'a DiscoveredWorld,
    pub datacenters: BTreeSet<&'a str>,
    pub clusters: BTreeSet<&'a str>,
    pub hosts: BTreeSet<&'a str>,
    pub pools: BTreeSet<&'a str>,
    pub vms: BTreeSet<&'a str>,
    /// Deleted VMs by id: their one listing.
    pub deleted: BTreeMap<&'a str, &'a ProtectedVm>,
    pub snapshots: BTreeSet<&'a str>,
    pub notes: Vec<String>,
}

impl<'a> Plan<'a> {
    pub(super) fn new(d: &'a DiscoveredWorld) -> Plan<'a> {
        let mut p = Plan {
            d,
            datacenters: BTreeSet::new(),
            clusters: BTreeSet::new(),
            hosts: BTreeSet::new(),
            pools: BTreeSet::new(),
            vms: BTreeSet::new(),
            deleted: BTreeMap::new(),
            snapshots: BTreeSet::new(),
            notes: d.notes.clone(),
        };
        for (id, dc) in &d.datacenters {
            let folder_dc = d
                .folders
                .get(&dc.vm_folder)
                .and_then(|f| f.datacenter.as_deref());
            if folder_dc == Some(id.as_str()) {
                p.datacenters.insert(id);
            } else {
                p.notes.push(format!(
                    "datacenter {id} left out: its VM folder {} was not found in it",
                    dc.vm_folder
                ));
            }
        }
        for (id, cl) in &d.clusters {
            let dc_ok = cl
                .datacenter
                .as_deref()
                .is_some_and(|x| p.datacenters.contains(x));
            let root_ok = cl.root_pool.as_ref().is_some_and(|r| {
                d.resource_pools
                    .get(r)
                    .is_some_and(|rp| rp.parent.as_deref() == Some(id))
            });
            if dc_ok && root_ok && cl.parent.as_deref().is_some_and(|x| p.is_container(x)) {
                p.clusters.insert(id);
            } else {
                p.notes.push(format!(
                    "cluster {id} left out: its datacenter, parent or root resource pool is unknown"
                ));
            }
        }
        for (id, h) in &d.hosts {
            match h.cluster.as_deref() {
                Some(cl) if p.clusters.contains(cl) => {
                    p.hosts.insert(id);
                }
                _ => p.notes.push(format!(
                    "host {id} left out: it is in no cluster of this fixture (a standalone host?)"
                )),
            }
        }
        // Pools whose chain of parents reaches a written cluster, found from the top down.
        loop {
            let before = p.pools.len();
            for (id, rp) in &d.resource_pools {
                let parent_ok = rp
                    .parent
                    .as_deref()
                    .is_some_and(|x| p.clusters.contains(x) || p.pools.contains(x));
                if parent_ok
                    && rp
                        .cluster
                        .as_deref()
                        .is_some_and(|x| p.clusters.contains(x))
                {
                    p.pools.insert(id);
                }
            }
            if p.pools.len() == before {
                break;
            }
        }
        let mut left: Vec<&str> = Vec::new();
        for (id, v) in &d.vms {
            let folder_ok = v.folder.as_deref().is_some_and(|f| {
                p.folder_written(f)
                    && d.folders[f].folder_type == FolderType::VirtualMachine
                    && d.folders[f].datacenter.is_some()
            });
            let host_cluster = v
                .host
                .as_deref()
                .filter(|h| p.hosts.contains(h))
                .and_then(|h| d.hosts[h].cluster.as_deref());
            let pool_cluster = v
                .resource_pool
                .as_deref()
                .filter(|x| p.pools.contains(x))
                .and_then(|x| d.resource_pools[x].cluster.as_deref());
            if folder_ok && host_cluster.is_some() && host_cluster == pool_cluster {
                p.vms.insert(id);
            } else {
                left.push(id);
            }
        }
        if !left.is_empty() {
            let shown: Vec<&str> = left.iter().take(20).copied().collect();
            p.notes.push(format!(
                "{} VMs left out: no VM folder, host or resource pool of this fixture holds them (e.g. VMs of standalone hosts or vApps): {}{}",
                left.len(),
                shown.join(", "),
                if left.len() > shown.len() { ", ..." } else { "" }
            ));
        }
        for pv in d.protected.values().filter(|pv| !pv.in_cluster) {
            if d.vms.contains_key(&pv.vm) {
                p.notes.push(format!(
                    "VM {} is listed as deleted on {} but vCenter still has it; left out",
                    pv.vm, pv.cluster
                ));
            } else if !p.clusters.contains(pv.cluster.as_str()) {
                p.notes.push(format!(
                    "deleted VM {} left out: its cluster {} is not written",
                    pv.vm, pv.cluster
                ));
            } else if let Some(first) = p.deleted.get(pv.vm.as_str()) {
                p.notes.push(format!(
                    "deleted VM {} is listed on {} and {}; only {} is written",
                    pv.vm, first.cluster, pv.cluster, first.cluster
                ));
            } else {
                p.deleted.insert(&pv.vm, pv);
            }
        }
        for (id, s) in &d.snapshots {
            let owner_cluster = match p.deleted.get(s.vm.as_str()) {
                Some(pv) => Some(pv.cluster.as_str()),
                None if p.vms.contains(s.vm.as_str()) => d.vms[&s.vm].cluster.as_deref(),
                None => None,
            };
            if owner_cluster == Some(s.cluster.as_str()) {
                p.snapshots.insert(id);
            } else {
                p.notes.push(format!(
                    "snapshot {id} of {} left out: its VM is not written on cluster {}",
                    s.vm, s.cluster
                ));
            }
        }
        p
    }

    /// Folders are written when they are in no datacenter or in a written one.
    pub(super) fn folder_written(&self, id: &str) -> bool {
        self.d.folders.get(id).is_some_and(|f| {
            f.datacenter
                .as_deref()
                .is_none_or(|dc| self.datacenters.contains(dc))
        })
    }

    pub(super) fn is_container(&self, id: &str) -> bool {
        self.folder_written(id) || self.datacenters.contains(id)
    }

    /// A written parent, or `None` when the parent is not written.
    pub(super) fn parent(&self, parent: Option<&'a str>) -> Option<&'a str> {
        parent.filter(|x| self.is_container(x))
    }
}

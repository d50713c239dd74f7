//! What discovery found on a deployment: the vCenter inventory tree and, per cluster, the VMs
//! snapservice protects with their snapshots. Relations are as the target answered them; an
//! unknown relation is `None` (the target did not place the object), never a guess.

use std::collections::BTreeMap;

use crate::model::vcenter_inventory::FolderType;
use crate::model::{Kind, PowerState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datacenter {
    pub name: String,
    /// The folder that contains it (the root folder `group-d1` in a real inventory).
    pub parent: Option<String>,
    /// Its default VM folder (`Datacenter.Info.vm_folder`).
    pub vm_folder: String,
    pub host_folder: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub name: String,
    pub folder_type: FolderType,
    /// Its parent folder, or its datacenter for a datacenter's top folders.
    pub parent: Option<String>,
    pub datacenter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    /// Its host folder, or its datacenter when it is in no folder.
    pub parent: Option<String>,
    pub datacenter: Option<String>,
    pub drs: bool,
    pub ha: bool,
    /// Its root resource pool (`Cluster.Info.resource_pool`).
    pub root_pool: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    /// `None` for a standalone host.
    pub cluster: Option<String>,
    pub connection_state: String,
    pub power_state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePool {
    pub name: String,
    /// Its cluster (for the root pool) or its parent pool.
    pub parent: Option<String>,
    pub cluster: Option<String>,
    /// The one host it serves, when the `hosts` filter lists it for exactly one host of a
    /// cluster with several; `None` when it serves every host of its cluster.
    pub host: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vm {
    pub name: String,
    pub power_state: PowerState,
    pub folder: Option<String>,
    pub host: Option<String>,
    pub resource_pool: Option<String>,
    pub cluster: Option<String>,
}

/// A VM listed by `GET /api/snapservice/clusters/{cluster}/virtual-machines`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedVm {
    pub vm: String,
    pub cluster: String,
    pub name: String,
    /// `false`: deleted from the inventory, restorable from its snapshots.
    pub in_cluster: bool,
    pub protection_groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The VM whose snapshot listing holds it.
    pub vm: String,
    /// The cluster whose discovery endpoint listed it.
    pub cluster: String,
    pub name: String,
    pub snapshot_type: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    /// `info.vm` as the target answered it (normally equal to `vm`).
    pub info_vm: String,
}

/// Everything discovery found, by id (ordered, so output is deterministic).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoveredWorld {
    pub datacenters: BTreeMap<String, Datacenter>,
    pub folders: BTreeMap<String, Folder>,
    pub clusters: BTreeMap<String, Cluster>,
    pub hosts: BTreeMap<String, Host>,
    pub resource_pools: BTreeMap<String, ResourcePool>,
    pub vms: BTreeMap<String, Vm>,
    /// Protected VMs, by (cluster, vm).
    pub protected: BTreeMap<(String, String), ProtectedVm>,
    pub snapshots: BTreeMap<String, Snapshot>,
    /// What discovery left out or could not decide, in words (written into the fixture as
    /// comments).
    pub notes: Vec<String>,
}

impl DiscoveredWorld {
    /// What the target says `id` is. A VM that is only known to snapservice (listed with
    /// `in_cluster: false` and absent from vCenter) is a deleted VM.
    pub fn kind_of(&self, id: &str) -> Option<Kind> {
        if self.datacenters.contains_key(id) {
            Some(Kind::Datacenter)
        } else if self.folders.contains_key(id) {
            Some(Kind::Folder)
        } else if self.clusters.contains_key(id) {
            Some(Kind::Cluster)
        } else if self.hosts.contains_key(id) {
            Some(Kind::Host)
        } else if self.resource_pools.contains_key(id) {
            Some(Kind::ResourcePool)
        } else if self.vms.contains_key(id) {
            Some(Kind::Vm)
        } else if self.protected.values().any(|p| p.vm == id && !p.in_cluster) {
            Some(Kind::DeletedVm)
        } else if self.snapshots.contains_key(id) {
            Some(Kind::Snapshot)
        } else {
            None
        }
    }

    /// The VMs listed as protected on `cluster`.
    pub fn protected_on<'a>(&'a self, cluster: &'a str) -> impl Iterator<Item = &'a ProtectedVm> {
        self.protected
            .values()
            .filter(move |p| p.cluster == cluster)
    }

    /// Where `vm` is listed as protected.
    pub fn listings_of<'a>(&'a self, vm: &'a str) -> impl Iterator<Item = &'a ProtectedVm> {
        self.protected.values().filter(move |p| p.vm == vm)
    }

    /// Depth of a folder in the folder tree (top folders are 0).
    pub fn folder_depth(&self, id: &str) -> usize {
        depth(id, |x| {
            self.folders
                .get(x)
                .and_then(|f| f.parent.as_deref())
                .filter(|p| self.folders.contains_key(*p))
        })
    }

    /// Depth of a pool in its cluster's pool tree (the root pool is 0).
    pub fn pool_depth(&self, id: &str) -> usize {
        depth(id, |x| {
            self.resource_pools
                .get(x)
                .and_then(|p| p.parent.as_deref())
                .filter(|p| self.resource_pools.contains_key(*p))
        })
    }
}

/// Steps from `id` to the top of a tree given by `parent`; bounded, so a cycle in a target's
/// answers cannot hang discovery.
fn depth<'a>(id: &'a str, parent: impl Fn(&str) -> Option<&'a str>) -> usize {
    let mut n = 0;
    let mut cur = id;
    while let Some(p) = parent(cur) {
        n += 1;
        cur = p;
        if n > 1000 {
            break;
        }
    }
    n
}

//! The fixture's world with the lookups the request path needs, computed once at start so that
//! no request walks or clones the whole world. Everything here is immutable; what requests
//! change (VMs, sessions, tasks, principals) lives in `state.rs`.

use std::collections::HashMap;

use crate::model::world::{Cluster, Snapshot};
use crate::model::{Kind, World};

pub struct Index {
    pub world: World,
    /// Snapshot ids of each VM, oldest first.
    snapshots_by_vm: HashMap<String, Vec<String>>,
    /// VM folders (a datacenter's default VM folder and every folder below it) to their
    /// datacenter. Other folders (the root folder, host folders) cannot hold VMs.
    vm_folder_datacenter: HashMap<String, String>,
    /// The first host of each cluster by id (where a placement without host lands).
    first_host: HashMap<String, String>,
}

impl Index {
    pub fn new(world: World) -> Index {
        let mut snapshots_by_vm: HashMap<String, Vec<String>> = HashMap::new();
        for s in world.snapshots.values() {
            snapshots_by_vm
                .entry(s.vm.clone())
                .or_default()
                .push(s.id.clone());
        }
        for ids in snapshots_by_vm.values_mut() {
            ids.sort_by(|a, b| {
                let (sa, sb) = (&world.snapshots[a], &world.snapshots[b]);
                (&sa.created_at, &sa.id).cmp(&(&sb.created_at, &sb.id))
            });
        }
        let mut vm_folder_datacenter = HashMap::new();
        for dc in world.datacenters.values() {
            for f in world.vm_folders_of(&dc.id) {
                vm_folder_datacenter.insert(f.id.clone(), dc.id.clone());
            }
        }
        let mut first_host = HashMap::new();
        for h in world.hosts.values() {
            // Hosts iterate in id order, so the first one seen per cluster is the first by id.
            first_host
                .entry(h.cluster.clone())
                .or_insert_with(|| h.id.clone());
        }
        Index {
            world,
            snapshots_by_vm,
            vm_folder_datacenter,
            first_host,
        }
    }

    pub fn cluster(&self, id: &str) -> Option<&Cluster> {
        self.world.clusters.get(id)
    }

    pub fn kind_of(&self, id: &str) -> Option<Kind> {
        self.world.kind_of(id)
    }

    pub fn snapshot(&self, id: &str) -> Option<&Snapshot> {
        self.world.snapshots.get(id)
    }

    /// Snapshots of a VM, oldest first.
    pub fn snapshots_of<'a>(&'a self, vm: &str) -> impl Iterator<Item = &'a Snapshot> + 'a {
        self.snapshots_by_vm
            .get(vm)
            .into_iter()
            .flatten()
            .map(|id| &self.world.snapshots[id])
    }

    pub fn has_snapshots(&self, vm: &str) -> bool {
        self.snapshots_by_vm.contains_key(vm)
    }

    /// The datacenter of a VM folder; `None` for ids that are not VM folders.
    pub fn vm_folder_datacenter(&self, folder: &str) -> Option<&str> {
        self.vm_folder_datacenter.get(folder).map(String::as_str)
    }

    pub fn first_host(&self, cluster: &str) -> Option<&str> {
        self.first_host.get(cluster).map(String::as_str)
    }

    /// The default VM folder of a cluster's datacenter.
    pub fn default_folder(&self, cluster: &Cluster) -> &str {
        &self.world.datacenters[&cluster.datacenter].vm_folder
    }

    /// Whether `ancestor` is a strict ancestor of `id` in the inventory tree.
    pub fn is_strict_ancestor(&self, ancestor: &str, id: &str) -> bool {
        self.world
            .self_and_ancestors(id)
            .skip(1)
            .any(|a| a == ancestor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::testutil::default_world;

    #[test]
    fn lookups_match_the_default_fixture() {
        let ix = Index::new(default_world());
        assert_eq!(ix.vm_folder_datacenter("group-v11"), Some("datacenter-1"));
        assert_eq!(ix.vm_folder_datacenter("group-h5"), None);
        assert_eq!(ix.vm_folder_datacenter("group-d1"), None);
        assert_eq!(ix.first_host("domain-c8"), Some("host-12"));
        let snaps: Vec<_> = ix.snapshots_of("vm-42").map(|s| s.id.as_str()).collect();
        assert_eq!(snaps, ["snap-42-a", "snap-42-b"]);
        assert!(ix.is_strict_ancestor("group-d1", "resgroup-14"));
        assert!(ix.is_strict_ancestor("resgroup-11", "resgroup-14"));
        assert!(!ix.is_strict_ancestor("resgroup-14", "resgroup-14"));
        assert!(!ix.is_strict_ancestor("group-v10", "group-v12"));
    }
}

//! The space of valid restore cases in one world for one principal, computed once per strategy
//! so that drawing a case costs no world scans.

use std::collections::HashSet;

use crate::expect::privilege::holds;
use crate::model::World;
use crate::model::privilege::{CLUSTER_STORAGE, FOLDER_CREATE, POOL_ASSIGN};

#[derive(Debug)]
pub(crate) struct ClusterSpace {
    pub id: String,
    pub drs: bool,
    pub default_folder: String,
    /// VM folders of the datacenter that a case may name (the principal may create there).
    pub folders: Vec<String>,
    pub hosts: Vec<String>,
    /// Pools that a case may name, with the host each is bound to.
    pub pools: Vec<(String, Option<String>)>,
    /// The principal lacks the privilege on the default folder or root pool: name one instead,
    /// so the case is valid without relying on what a server checks for absent fields.
    pub must_name_folder: bool,
    pub must_name_pool: bool,
}

#[derive(Debug)]
pub(crate) struct PairSpace {
    pub vm: String,
    pub snapshot: String,
    pub cluster: usize,
    pub default_name: String,
}

#[derive(Debug)]
pub(crate) struct Space {
    pub principal: String,
    pub prefix: String,
    pub clusters: Vec<ClusterSpace>,
    pub pairs: Vec<PairSpace>,
    /// (folder, name) of every live VM.
    pub taken: HashSet<(String, String)>,
}

impl Space {
    /// Every (deleted VM, own snapshot) pair on a cluster with hosts. With `check_privileges`,
    /// only clusters the principal may restore on, and only folders and pools it may use.
    pub(super) fn new(
        world: &World,
        principal: &str,
        prefix: &str,
        check_privileges: bool,
    ) -> Space {
        let may = |privilege: &str, object: &str| {
            !check_privileges || holds(world, principal, privilege, object)
        };
        let mut clusters = Vec::new();
        let mut pairs = Vec::new();
        for c in world.clusters.values() {
            let hosts: Vec<String> = world.hosts_of(&c.id).map(|h| h.id.clone()).collect();
            let Some(dc) = world.datacenters.get(&c.datacenter) else {
                continue;
            };
            if hosts.is_empty() || !may(CLUSTER_STORAGE, &c.id) {
                continue;
            }
            let folders: Vec<String> = world
                .vm_folders_of(&c.datacenter)
                .filter(|f| may(FOLDER_CREATE, &f.id))
                .map(|f| f.id.clone())
                .collect();
            let pools: Vec<(String, Option<String>)> = world
                .pools_of(&c.id)
                .filter(|p| may(POOL_ASSIGN, &p.id))
                .map(|p| (p.id.clone(), p.host.clone()))
                .collect();
            let index = clusters.len();
            clusters.push(ClusterSpace {
                id: c.id.clone(),
                drs: c.drs,
                default_folder: dc.vm_folder.clone(),
                must_name_folder: !may(FOLDER_CREATE, &dc.vm_folder) && !folders.is_empty(),
                must_name_pool: !may(POOL_ASSIGN, &c.root_pool) && !pools.is_empty(),
                folders,
                hosts,
                pools,
            });
            for d in world.deleted_vms.values().filter(|d| d.cluster == c.id) {
                for s in world.snapshots_of(&d.id).filter(|s| s.cluster == c.id) {
                    pairs.push(PairSpace {
                        vm: d.id.clone(),
                        snapshot: s.id.clone(),
                        cluster: index,
                        default_name: s.vm_name.clone(),
                    });
                }
            }
        }
        Space {
            principal: principal.to_owned(),
            prefix: prefix.to_owned(),
            clusters,
            pairs,
            taken: world
                .vms
                .values()
                .map(|v| (v.folder.clone(), v.name.clone()))
                .collect(),
        }
    }

    pub(super) fn taken(&self, folder: &str, name: &str) -> bool {
        self.taken.contains(&(folder.to_owned(), name.to_owned()))
    }

    pub(super) fn cluster_of(&self, pair: &PairSpace) -> &ClusterSpace {
        &self.clusters[pair.cluster]
    }

    /// A name with the run prefix that is free in `folder`.
    pub(super) fn free_name(&self, folder: &str, text: &str) -> String {
        let name = format!("{}{text}", self.prefix);
        if !self.taken(folder, &name) {
            return name;
        }
        // Only reachable when the prefix is empty or a live VM carries it: shorten and number.
        let mut n = 0;
        loop {
            let tail = format!("~{n}");
            let keep = 80usize.saturating_sub(tail.chars().count());
            let candidate: String = name.chars().take(keep).chain(tail.chars()).collect();
            if !self.taken(folder, &candidate) {
                return candidate;
            }
            n += 1;
        }
    }
}

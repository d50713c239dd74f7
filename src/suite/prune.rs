//! A world without the objects the target contradicts, so no trial relies on them: an object
//! the preflight could not prove goes, and with it everything that needs it (what lies below it
//! in the inventory, VMs on a missing host or pool, snapshots of a missing VM, a datacenter
//! whose default VM folder is missing, a cluster whose root pool is missing).

use std::collections::BTreeSet;

use crate::model::{Kind, World};

/// `gone` and everything that depends on it, with each one's kind.
pub fn closure(world: &World, gone: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = gone
        .iter()
        .filter(|id| world.kinds.contains_key(*id))
        .cloned()
        .collect();
    loop {
        let before = out.len();
        let mut add = |id: &str, needs: &[&str]| {
            if needs.iter().any(|n| out.contains(*n)) {
                out.insert(id.to_owned());
            }
        };
        for (child, parent) in &world.parents {
            add(child, &[parent]);
        }
        for d in world.datacenters.values() {
            add(&d.id, &[&d.vm_folder]);
        }
        for c in world.clusters.values() {
            add(&c.id, &[&c.root_pool]);
        }
        for p in world.resource_pools.values() {
            add(&p.id, &[&p.cluster, p.host.as_deref().unwrap_or("")]);
        }
        for v in world.vms.values() {
            add(&v.id, &[&v.host, &v.resource_pool, &v.folder]);
        }
        for d in world.deleted_vms.values() {
            add(&d.id, &[&d.cluster]);
        }
        for s in world.snapshots.values() {
            add(&s.id, &[&s.vm, &s.cluster]);
        }
        if out.len() == before {
            return out;
        }
    }
}

/// `world` without the objects of `removed` (a `closure`), their permissions and parents.
pub fn without(world: &World, removed: &BTreeSet<String>) -> World {
    let mut w = world.clone();
    let keep = |id: &String| !removed.contains(id);
    w.datacenters.retain(|id, _| keep(id));
    w.folders.retain(|id, _| keep(id));
    w.clusters.retain(|id, _| keep(id));
    w.hosts.retain(|id, _| keep(id));
    w.resource_pools.retain(|id, _| keep(id));
    w.vms.retain(|id, _| keep(id));
    w.deleted_vms.retain(|id, _| keep(id));
    w.snapshots.retain(|id, _| keep(id));
    w.parents.retain(|id, p| keep(id) && keep(p));
    w.kinds.retain(|id, _| keep(id));
    w.permissions.retain(|p| keep(&p.object));
    w.limits_stated.retain(|id| keep(id));
    w
}

/// The kinds among `ids` (for choosing which clauses lose their objects).
pub fn kinds(world: &World, ids: &BTreeSet<String>) -> BTreeSet<Kind> {
    ids.iter().filter_map(|id| world.kind_of(id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_cluster_takes_everything_that_needs_it() {
        let w = crate::model::test_world();
        let cluster = w.clusters.keys().next().unwrap().clone();
        let gone = closure(w, &BTreeSet::from([cluster.clone()]));
        for h in w.hosts_of(&cluster) {
            assert!(gone.contains(&h.id), "{}", h.id);
        }
        for d in w.deleted_vms.values().filter(|d| d.cluster == cluster) {
            assert!(gone.contains(&d.id), "{}", d.id);
            for s in w.snapshots_of(&d.id) {
                assert!(gone.contains(&s.id), "{}", s.id);
            }
        }
        let pruned = without(w, &gone);
        assert!(!pruned.clusters.contains_key(&cluster));
        assert!(pruned.hosts.values().all(|h| h.cluster != cluster));
        assert!(pruned.parents.values().all(|p| !gone.contains(p)));
        assert!(pruned.permissions.iter().all(|p| !gone.contains(&p.object)));
        // Other clusters stay whole.
        let other = w.clusters.keys().find(|c| **c != cluster).unwrap();
        assert!(pruned.clusters.contains_key(other));
        assert_eq!(
            pruned.hosts_of(other).count(),
            w.hosts_of(other).count(),
            "{other}"
        );
    }

    #[test]
    fn a_missing_snapshot_goes_alone() {
        let w = crate::model::test_world();
        let snap = w.snapshots.keys().next().unwrap().clone();
        let gone = closure(w, &BTreeSet::from([snap.clone()]));
        assert_eq!(gone, BTreeSet::from([snap.clone()]));
        assert_eq!(without(w, &gone).snapshots.len(), w.snapshots.len() - 1);
        assert!(closure(w, &BTreeSet::from(["no-such-id".to_owned()])).is_empty());
    }
}

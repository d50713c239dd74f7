//! Where a mutation's objects come from: the candidates in a world for each kind of fault
//! (another cluster's host, a principal lacking a privilege, a name taken in a folder), shared
//! by `Mutation::fits` (is there any?) and `Mutation::apply_with` (pick one).

use crate::expect::privilege::holds;
use crate::model::World;
use crate::model::privilege::{CLUSTER_STORAGE, FOLDER_CREATE, POOL_ASSIGN};
use crate::model::world::Credential;

pub(super) fn pick_from<T: Copy>(items: &[T], pick: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[pick % items.len()])
}

/// An id in the style of `prefix` that names nothing in the world.
pub(super) fn fresh_id(world: &World, prefix: &str, pick: usize) -> String {
    let mut n = 990_000 + pick % 1000;
    loop {
        let id = format!("{prefix}{n}");
        if world.kind_of(&id).is_none() {
            return id;
        }
        n += 1;
    }
}

pub(crate) fn name_taken(world: &World, folder: &str, name: &str) -> bool {
    world
        .vms
        .values()
        .any(|v| v.folder == folder && v.name == name)
}

pub(super) fn default_folder<'w>(world: &'w World, cluster: &str) -> Option<&'w str> {
    let c = world.clusters.get(cluster)?;
    world
        .datacenters
        .get(&c.datacenter)
        .map(|d| d.vm_folder.as_str())
}

pub(super) fn has_password(world: &World, principal: &str) -> bool {
    world.principals.get(principal).is_some_and(|p| {
        matches!(
            p.credential,
            Credential::Password(_) | Credential::PasswordEnv(_)
        )
    })
}

/// Principals lacking `privilege` on `object` but holding Host.Config.Storage on `cluster`
/// (or, with `need_storage = false`, any principal lacking it).
pub(super) fn principals_lacking<'w>(
    world: &'w World,
    privilege: &str,
    object: &str,
    cluster: &str,
    need_storage: bool,
) -> impl Iterator<Item = &'w str> + 'w {
    let (privilege, object, cluster) =
        (privilege.to_owned(), object.to_owned(), cluster.to_owned());
    world
        .principals
        .keys()
        .map(String::as_str)
        .filter(move |q| {
            !holds(world, q, &privilege, &object)
                && (!need_storage || holds(world, q, CLUSTER_STORAGE, &cluster))
        })
}

/// (principal, VM folder) pairs where the principal may restore on the cluster but not create
/// in the folder.
pub(super) fn folder_refusals<'w>(world: &'w World, cluster: &str) -> Vec<(&'w str, &'w str)> {
    let Some(c) = world.clusters.get(cluster) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in world.vm_folders_of(&c.datacenter) {
        for q in principals_lacking(world, FOLDER_CREATE, &f.id, cluster, true) {
            out.push((q, f.id.as_str()));
        }
    }
    out
}

/// (principal, pool) pairs where the principal may restore on the cluster but not assign to
/// the pool.
pub(super) fn pool_refusals<'w>(world: &'w World, cluster: &str) -> Vec<(&'w str, &'w str)> {
    let mut out = Vec::new();
    for p in world
        .resource_pools
        .values()
        .filter(|p| p.cluster == cluster)
    {
        for q in principals_lacking(world, POOL_ASSIGN, &p.id, cluster, true) {
            out.push((q, p.id.as_str()));
        }
    }
    out
}

/// Live VMs whose name, used in their own folder, makes a DUP-1 case on this cluster.
pub(super) fn taken_names<'w>(
    world: &'w World,
    principal: &str,
    cluster: &str,
) -> Vec<(&'w str, &'w str)> {
    let Some(c) = world.clusters.get(cluster) else {
        return Vec::new();
    };
    let folders: Vec<&str> = world
        .vm_folders_of(&c.datacenter)
        .map(|f| f.id.as_str())
        .collect();
    world
        .vms
        .values()
        .filter(|v| folders.contains(&v.folder.as_str()))
        .filter(|v| holds(world, principal, FOLDER_CREATE, &v.folder))
        .map(|v| (v.name.as_str(), v.folder.as_str()))
        .collect()
}

/// VM folders of the cluster's datacenter where the snapshot-time name is taken.
pub(super) fn folders_taking<'w>(
    world: &'w World,
    principal: &str,
    cluster: &str,
    vm_name: &str,
) -> Vec<&'w str> {
    let Some(c) = world.clusters.get(cluster) else {
        return Vec::new();
    };
    world
        .vm_folders_of(&c.datacenter)
        .map(|f| f.id.as_str())
        .filter(|f| name_taken(world, f, vm_name))
        .filter(|f| holds(world, principal, FOLDER_CREATE, f))
        .collect()
}

pub(super) fn other_cluster_snapshots<'w>(world: &'w World, cluster: &str) -> Vec<&'w str> {
    world
        .snapshots
        .values()
        .filter(|s| s.cluster != cluster)
        .map(|s| s.id.as_str())
        .collect()
}

pub(super) fn other_vm_snapshots<'w>(world: &'w World, cluster: &str, vm: &str) -> Vec<&'w str> {
    world
        .snapshots
        .values()
        .filter(|s| s.cluster == cluster && s.vm != vm)
        .map(|s| s.id.as_str())
        .collect()
}

pub(super) fn foreign_pools<'w>(world: &'w World, principal: &str, cluster: &str) -> Vec<&'w str> {
    world
        .resource_pools
        .values()
        .filter(|p| p.cluster != cluster && holds(world, principal, POOL_ASSIGN, &p.id))
        .map(|p| p.id.as_str())
        .collect()
}

pub(super) fn foreign_folders<'w>(
    world: &'w World,
    principal: &str,
    cluster: &str,
) -> Vec<&'w str> {
    let Some(c) = world.clusters.get(cluster) else {
        return Vec::new();
    };
    world
        .folders
        .values()
        .filter(|f| f.datacenter.as_deref() != Some(c.datacenter.as_str()))
        .filter(|f| holds(world, principal, FOLDER_CREATE, &f.id))
        .map(|f| f.id.as_str())
        .collect()
}

/// (pool, host) pairs of the cluster where the pool is bound to another host.
pub(super) fn unbound_pairs<'w>(
    world: &'w World,
    principal: &str,
    cluster: &str,
) -> Vec<(&'w str, &'w str)> {
    let mut out = Vec::new();
    for p in world
        .resource_pools
        .values()
        .filter(|p| p.cluster == cluster)
    {
        let Some(bound) = &p.host else { continue };
        if !holds(world, principal, POOL_ASSIGN, &p.id) {
            continue;
        }
        for h in world
            .hosts
            .values()
            .filter(|h| h.cluster == cluster && &h.id != bound)
        {
            out.push((p.id.as_str(), h.id.as_str()));
        }
    }
    out
}

pub(super) fn assignable_pools<'w>(
    world: &'w World,
    principal: &str,
    cluster: &str,
) -> Vec<&'w str> {
    world
        .resource_pools
        .values()
        .filter(|p| p.cluster == cluster && holds(world, principal, POOL_ASSIGN, &p.id))
        .map(|p| p.id.as_str())
        .collect()
}

pub(super) fn drs(world: &World, cluster: &str) -> Option<bool> {
    world.clusters.get(cluster).map(|c| c.drs)
}

pub(super) fn root_pool<'w>(world: &'w World, cluster: &str) -> Option<&'w str> {
    world.clusters.get(cluster).map(|c| c.root_pool.as_str())
}

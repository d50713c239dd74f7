//! Proving a fixture against a deployment: every object the fixture names, checked against what
//! discovery found there (existence, type, name, parent, DRS, host membership, pool binding,
//! power state, deleted VMs still deleted, snapshots still present on that VM and cluster).
//!
//! A mismatch is data, not an error: the suite makes the trials that rely on the object
//! `inconclusive` with the mismatch as the cause (design principle 6), and never judges the
//! target on a fixture that does not describe it.
//!
//! Not checked, because discovery cannot read them: roles, principals, permissions, restore
//! limits, and a snapshot's `vm_name` (the VM's name when it was taken).

use crate::model::vcenter_inventory::FolderType;
use crate::model::{Kind, PowerState, World};

use super::found::DiscoveredWorld;

/// One fact of the fixture the target contradicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The fixture's id of the object.
    pub object: String,
    /// What the fixture says the object is.
    pub kind: Kind,
    /// Which fact: `exists`, `type`, `name`, `parent`, `vm_folder`, `folder_type`, `drs`,
    /// `cluster`, `host`, `folder`, `resource_pool`, `power_state`, `deleted`,
    /// `protection_groups`, `vm`, `snapshot_type`, `created_at`, `expires_at`.
    pub field: &'static str,
    /// What the fixture says.
    pub expected: String,
    /// What the target has (`(none)` when it has nothing there).
    pub found: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}: the fixture says {}, the target has {}",
            self.kind.name(),
            self.object,
            self.field,
            self.expected,
            self.found
        )
    }
}

const NONE: &str = "(none)";

struct Out(Vec<Mismatch>);

impl Out {
    fn push(&mut self, kind: Kind, id: &str, field: &'static str, expected: &str, found: &str) {
        self.0.push(Mismatch {
            object: id.to_owned(),
            kind,
            field,
            expected: expected.to_owned(),
            found: found.to_owned(),
        });
    }

    /// Records a mismatch unless `found` is `expected`.
    fn same(
        &mut self,
        kind: Kind,
        id: &str,
        field: &'static str,
        expected: &str,
        found: Option<&str>,
    ) {
        if found != Some(expected) {
            self.push(kind, id, field, expected, found.unwrap_or(NONE));
        }
    }

    /// Whether the target has `id` as a `kind`; records why not otherwise.
    fn exists(&mut self, d: &DiscoveredWorld, kind: Kind, id: &str) -> bool {
        match d.kind_of(id) {
            Some(k) if k == kind => true,
            Some(k) => {
                self.push(kind, id, "type", kind.name(), k.name());
                false
            }
            None => {
                self.push(kind, id, "exists", "present", "absent");
                false
            }
        }
    }
}

/// Two RFC 3339 times are the same instant (`...10:00:00Z` and `...10:00:00.000Z` are);
/// text that is not a time must match exactly.
fn same_time(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => match (
            humantime::parse_rfc3339_weak(a),
            humantime::parse_rfc3339_weak(b),
        ) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == b,
        },
        (a, b) => a == b,
    }
}

fn power(p: PowerState) -> &'static str {
    match p {
        PowerState::PoweredOff => "POWERED_OFF",
        PowerState::PoweredOn => "POWERED_ON",
        PowerState::Suspended => "SUSPENDED",
    }
}

/// Every way `found` contradicts `world`; empty when the fixture describes the target.
pub fn prove(world: &World, found: &DiscoveredWorld) -> Vec<Mismatch> {
    let mut out = Out(Vec::new());
    let parent = |id: &str| world.parents.get(id).map(String::as_str);
    for (id, dc) in &world.datacenters {
        const K: Kind = Kind::Datacenter;
        if !out.exists(found, K, id) {
            continue;
        }
        let x = &found.datacenters[id];
        out.same(K, id, "name", &dc.name, Some(&x.name));
        if let Some(p) = parent(id) {
            out.same(K, id, "parent", p, x.parent.as_deref());
        }
        out.same(K, id, "vm_folder", &dc.vm_folder, Some(&x.vm_folder));
    }
    let vm_folders: std::collections::BTreeSet<&str> = world
        .datacenters
        .keys()
        .flat_map(|dc| world.vm_folders_of(dc).map(|f| f.id.as_str()))
        .collect();
    for (id, f) in &world.folders {
        const K: Kind = Kind::Folder;
        if !out.exists(found, K, id) {
            continue;
        }
        let x = &found.folders[id];
        out.same(K, id, "name", &f.name, Some(&x.name));
        if let Some(p) = parent(id) {
            out.same(K, id, "parent", p, x.parent.as_deref());
        }
        // A folder the fixture places VMs in must hold VMs on the target.
        if vm_folders.contains(id.as_str()) {
            let want = FolderType::VirtualMachine.as_str();
            out.same(K, id, "folder_type", want, Some(x.folder_type.as_str()));
        }
    }
    for (id, cl) in &world.clusters {
        const K: Kind = Kind::Cluster;
        if !out.exists(found, K, id) {
            continue;
        }
        let x = &found.clusters[id];
        out.same(K, id, "name", &cl.name, Some(&x.name));
        if let Some(p) = parent(id) {
            out.same(K, id, "parent", p, x.parent.as_deref());
        }
        out.same(K, id, "drs", &cl.drs.to_string(), Some(&x.drs.to_string()));
    }
    for (id, h) in &world.hosts {
        const K: Kind = Kind::Host;
        if !out.exists(found, K, id) {
            continue;
        }
        let x = &found.hosts[id];
        out.same(K, id, "name", &h.name, Some(&x.name));
        out.same(K, id, "cluster", &h.cluster, x.cluster.as_deref());
    }
    for (id, p) in &world.resource_pools {
        const K: Kind = Kind::ResourcePool;
        if !out.exists(found, K, id) {
            continue;
        }
        let x = &found.resource_pools[id];
        out.same(K, id, "name", &p.name, Some(&x.name));
        if let Some(pp) = parent(id) {
            out.same(K, id, "parent", pp, x.parent.as_deref());
        }
        if p.host != x.host {
            let show = |h: &Option<String>| {
                h.clone()
                    .unwrap_or_else(|| "every host of its cluster".into())
            };
            out.push(K, id, "host", &show(&p.host), &show(&x.host));
        }
    }
    for (id, v) in &world.vms {
        const K: Kind = Kind::Vm;
        if !out.exists(found, K, id) {
            continue;
        }
        let x = &found.vms[id];
        out.same(K, id, "name", &v.name, Some(&x.name));
        out.same(K, id, "folder", &v.folder, x.folder.as_deref());
        out.same(K, id, "host", &v.host, x.host.as_deref());
        out.same(
            K,
            id,
            "resource_pool",
            &v.resource_pool,
            x.resource_pool.as_deref(),
        );
        out.same(
            K,
            id,
            "power_state",
            power(v.power_state),
            Some(power(x.power_state)),
        );
    }
    for (id, v) in &world.deleted_vms {
        const K: Kind = Kind::DeletedVm;
        let expected = format!("deleted (in_cluster: false) on {}", v.cluster);
        if found.vms.contains_key(id) {
            out.push(K, id, "deleted", &expected, "a live VM in vCenter");
            continue;
        }
        let Some(x) = found.protected.get(&(v.cluster.clone(), id.clone())) else {
            let elsewhere: Vec<&str> = found.listings_of(id).map(|l| l.cluster.as_str()).collect();
            let seen = if elsewhere.is_empty() {
                "not listed by snapservice".to_owned()
            } else {
                format!("listed on {} only", elsewhere.join(", "))
            };
            out.push(
                K,
                id,
                "exists",
                &format!("protected on {}", v.cluster),
                &seen,
            );
            continue;
        };
        if x.in_cluster {
            out.push(K, id, "deleted", &expected, "in_cluster: true");
        }
        out.same(K, id, "name", &v.name, Some(&x.name));
        let (mut a, mut b) = (v.protection_groups.clone(), x.protection_groups.clone());
        a.sort();
        b.sort();
        if a != b {
            out.push(K, id, "protection_groups", &a.join(", "), &b.join(", "));
        }
    }
    for (id, s) in &world.snapshots {
        const K: Kind = Kind::Snapshot;
        let Some(x) = found.snapshots.get(id) else {
            let on = format!("listed for {} on {}", s.vm, s.cluster);
            out.push(K, id, "exists", &on, "absent");
            continue;
        };
        out.same(K, id, "vm", &s.vm, Some(&x.vm));
        out.same(K, id, "cluster", &s.cluster, Some(&x.cluster));
        out.same(K, id, "name", &s.name, Some(&x.name));
        out.same(
            K,
            id,
            "snapshot_type",
            &s.snapshot_type,
            Some(&x.snapshot_type),
        );
        if !same_time(Some(&s.created_at), Some(&x.created_at)) {
            out.push(K, id, "created_at", &s.created_at, &x.created_at);
        }
        if !same_time(s.expires_at.as_deref(), x.expires_at.as_deref()) {
            let show = |e: &Option<String>| e.clone().unwrap_or_else(|| NONE.into());
            out.push(
                K,
                id,
                "expires_at",
                &show(&s.expires_at),
                &show(&x.expires_at),
            );
        }
    }
    out.0
}

//! The mutable part of the inventory: live VMs (fixture and restored), deleted VMs that can be
//! restored, and the names taken or reserved in each folder.
//!
//! Names are indexed by folder so that the duplicate check (DUP-*) is a hash lookup. A restore
//! reserves its name when it is accepted and the reservation turns into the VM when the task
//! succeeds, so two racing restores of one name can never both win (DUP-3).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::{PowerState, World};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmRec {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub host: String,
    pub resource_pool: String,
    pub cluster: String,
    pub power_state: PowerState,
    /// Created by a restore (as opposed to loaded from the fixture).
    pub restored: bool,
}

/// A VM that is gone from the inventory but still protected on `cluster`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedRec {
    pub name: String,
    pub cluster: String,
    pub protection_groups: Vec<String>,
}

/// Counts of names per folder.
#[derive(Debug, Default)]
struct NameCounts(HashMap<String, HashMap<String, u32>>);

impl NameCounts {
    fn add(&mut self, folder: &str, name: &str) {
        *self
            .0
            .entry(folder.to_owned())
            .or_default()
            .entry(name.to_owned())
            .or_insert(0) += 1;
    }

    fn remove(&mut self, folder: &str, name: &str) {
        if let Some(names) = self.0.get_mut(folder) {
            if let Some(n) = names.get_mut(name) {
                *n -= 1;
                if *n == 0 {
                    names.remove(name);
                }
            }
            if names.is_empty() {
                self.0.remove(folder);
            }
        }
    }

    fn contains(&self, folder: &str, name: &str, ignore_case: bool) -> bool {
        let Some(names) = self.0.get(folder) else {
            return false;
        };
        if ignore_case {
            let lower = name.to_lowercase();
            names.keys().any(|n| n.to_lowercase() == lower)
        } else {
            names.contains_key(name)
        }
    }
}

#[derive(Debug)]
pub struct Inventory {
    vms: BTreeMap<String, VmRec>,
    deleted: BTreeMap<String, DeletedRec>,
    names: NameCounts,
    /// Live VM ids by name, so the vCenter list filtered by name needs no scan.
    by_name: HashMap<String, BTreeSet<String>>,
    reserved: NameCounts,
    next_id: u64,
}

impl Inventory {
    pub fn from_world(world: &World) -> Inventory {
        let mut inv = Inventory {
            vms: BTreeMap::new(),
            deleted: world
                .deleted_vms
                .values()
                .map(|d| {
                    (
                        d.id.clone(),
                        DeletedRec {
                            name: d.name.clone(),
                            cluster: d.cluster.clone(),
                            protection_groups: d.protection_groups.clone(),
                        },
                    )
                })
                .collect(),
            names: NameCounts::default(),
            by_name: HashMap::new(),
            reserved: NameCounts::default(),
            next_id: 1000,
        };
        for v in world.vms.values() {
            inv.insert(VmRec {
                id: v.id.clone(),
                name: v.name.clone(),
                folder: v.folder.clone(),
                host: v.host.clone(),
                resource_pool: v.resource_pool.clone(),
                cluster: v.cluster.clone(),
                power_state: v.power_state,
                restored: false,
            });
        }
        inv
    }

    pub fn vm(&self, id: &str) -> Option<&VmRec> {
        self.vms.get(id)
    }

    /// Sets a VM's power state (the power operations of the vCenter VM API).
    pub fn set_power(&mut self, id: &str, state: crate::model::PowerState) -> bool {
        match self.vms.get_mut(id) {
            Some(v) => {
                v.power_state = state;
                true
            }
            None => false,
        }
    }

    pub fn vms(&self) -> impl Iterator<Item = &VmRec> {
        self.vms.values()
    }

    pub fn deleted(&self, id: &str) -> Option<&DeletedRec> {
        self.deleted.get(id)
    }

    pub fn deleted_vms(&self) -> impl Iterator<Item = (&String, &DeletedRec)> {
        self.deleted.iter()
    }

    /// Live VMs with one of these names, in id order.
    pub fn vms_named<'a>(&'a self, names: &std::collections::HashSet<String>) -> Vec<&'a VmRec> {
        let ids: BTreeSet<&String> = names
            .iter()
            .filter_map(|n| self.by_name.get(n))
            .flatten()
            .collect();
        ids.into_iter().filter_map(|id| self.vms.get(id)).collect()
    }

    pub fn insert(&mut self, vm: VmRec) {
        self.names.add(&vm.folder, &vm.name);
        self.by_name
            .entry(vm.name.clone())
            .or_default()
            .insert(vm.id.clone());
        if let Some(old) = self.vms.insert(vm.id.clone(), vm) {
            self.forget_name(&old);
        }
    }

    fn forget_name(&mut self, vm: &VmRec) {
        self.names.remove(&vm.folder, &vm.name);
        if let Some(ids) = self.by_name.get_mut(&vm.name) {
            ids.remove(&vm.id);
            if ids.is_empty() {
                self.by_name.remove(&vm.name);
            }
        }
    }

    /// Removes a live VM. A VM that has snapshots stays protected: it becomes a deleted VM of
    /// its cluster, which restore can bring back.
    pub fn remove(&mut self, id: &str, has_snapshots: bool) -> Option<VmRec> {
        let vm = self.vms.remove(id)?;
        self.forget_name(&vm);
        if has_snapshots {
            self.deleted.insert(
                vm.id.clone(),
                DeletedRec {
                    name: vm.name.clone(),
                    cluster: vm.cluster.clone(),
                    protection_groups: Vec::new(),
                },
            );
        }
        Some(vm)
    }

    /// A live VM of this name is in the folder.
    pub fn name_taken(&self, folder: &str, name: &str, ignore_case: bool) -> bool {
        self.names.contains(folder, name, ignore_case)
    }

    /// A restore in progress will create a VM of this name in the folder.
    pub fn name_reserved(&self, folder: &str, name: &str, ignore_case: bool) -> bool {
        self.reserved.contains(folder, name, ignore_case)
    }

    pub fn reserve(&mut self, folder: &str, name: &str) {
        self.reserved.add(folder, name);
    }

    pub fn release(&mut self, folder: &str, name: &str) {
        self.reserved.remove(folder, name);
    }

    /// A fresh VM id (`vm-1000`, `vm-1001`, ...), never one the world or inventory uses.
    pub fn next_vm_id(&mut self, world: &World) -> String {
        loop {
            let id = format!("vm-{}", self.next_id);
            self.next_id += 1;
            if !self.vms.contains_key(&id)
                && !self.deleted.contains_key(&id)
                && world.kind_of(&id).is_none()
            {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::testutil::default_world;

    #[test]
    fn names_follow_inserts_and_removes() {
        let w = default_world();
        let mut inv = Inventory::from_world(&w);
        assert!(inv.name_taken("group-v4", "db-01", false));
        assert!(!inv.name_taken("group-v4", "DB-01", false));
        assert!(inv.name_taken("group-v4", "DB-01", true));
        assert!(!inv.name_taken("group-v11", "db-01", false));
        let names: std::collections::HashSet<String> =
            ["db-01".to_owned(), "payroll".to_owned()].into();
        let found: Vec<&str> = inv
            .vms_named(&names)
            .iter()
            .map(|v| v.id.as_str())
            .collect();
        assert_eq!(found, ["vm-101", "vm-103"]);
        let vm = inv.remove("vm-101", false).unwrap();
        assert_eq!(vm.name, "db-01");
        assert!(!inv.name_taken("group-v4", "db-01", false));
        assert_eq!(inv.vms_named(&names).len(), 1);
        assert!(inv.deleted("vm-101").is_none());
    }

    #[test]
    fn reservations_count_and_release() {
        let w = default_world();
        let mut inv = Inventory::from_world(&w);
        inv.reserve("group-v4", "x");
        inv.reserve("group-v4", "x");
        inv.release("group-v4", "x");
        assert!(inv.name_reserved("group-v4", "x", false));
        inv.release("group-v4", "x");
        assert!(!inv.name_reserved("group-v4", "x", false));
    }

    #[test]
    fn removing_a_protected_vm_makes_it_deleted() {
        let w = default_world();
        let mut inv = Inventory::from_world(&w);
        inv.remove("vm-100", true).unwrap();
        assert_eq!(inv.deleted("vm-100").unwrap().cluster, "domain-c8");
    }

    #[test]
    fn new_ids_skip_used_ones() {
        let w = default_world();
        let mut inv = Inventory::from_world(&w);
        assert_eq!(inv.next_vm_id(&w), "vm-1000");
        assert_eq!(inv.next_vm_id(&w), "vm-1001");
    }
}

//! Principals and privilege evaluation: the mock's own implementation of the permission model
//! the fixture documents (`model/fixture.rs`, `PermissionDef`).
//!
//! A principal's permissions add up (union). A grant holds on its object, and, when it
//! propagates, on every descendant along `World::parents`. Role privilege `"*"` is every
//! privilege. Passwords are kept as SHA-256 digests and compared in constant time, so neither
//! the password nor its length leaks through timing.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::model::{Kind, World};

use super::defect::{Defect, Defects};
use super::index::Index;

/// The privileges a grant carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrivSet {
    all: bool,
    set: HashSet<String>,
}

impl PrivSet {
    pub fn of<S: AsRef<str>>(privileges: &[S]) -> PrivSet {
        let mut p = PrivSet::default();
        for s in privileges {
            if s.as_ref() == "*" {
                p.all = true;
            } else {
                p.set.insert(s.as_ref().to_owned());
            }
        }
        p
    }

    pub fn contains(&self, privilege: &str) -> bool {
        self.all || self.set.contains(privilege)
    }
}

#[derive(Debug, Clone)]
pub struct Grant {
    pub object: String,
    pub propagate: bool,
    pub privileges: Arc<PrivSet>,
}

#[derive(Debug, Clone)]
pub(super) struct PrincipalRec {
    /// SHA-256 of the password; `None` for principals that cannot log in with one.
    password: Option<[u8; 32]>,
    pub grants: Vec<Grant>,
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

#[derive(Debug, Clone)]
pub struct Principals {
    map: HashMap<String, PrincipalRec>,
    /// Compared against when the user is unknown, so unknown and known users take equal time.
    decoy: [u8; 32],
}

impl Principals {
    pub fn from_world(world: &World) -> Principals {
        let roles: HashMap<&str, Arc<PrivSet>> = world
            .roles
            .values()
            .map(|r| (r.name.as_str(), Arc::new(PrivSet::of(&r.privileges))))
            .collect();
        let mut map: HashMap<String, PrincipalRec> = world
            .principals
            .values()
            .map(|p| {
                (
                    p.name.clone(),
                    PrincipalRec {
                        password: p.password().map(|pw| digest(&pw)),
                        grants: Vec::new(),
                    },
                )
            })
            .collect();
        for perm in &world.permissions {
            if let (Some(rec), Some(privs)) =
                (map.get_mut(&perm.principal), roles.get(perm.role.as_str()))
            {
                rec.grants.push(Grant {
                    object: perm.object.clone(),
                    propagate: perm.propagate,
                    privileges: privs.clone(),
                });
            }
        }
        Principals {
            map,
            decoy: digest("\u{0}no such principal"),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.map.keys().cloned().collect();
        v.sort();
        v
    }

    /// Adds a principal, or replaces the password and grants of an existing one.
    pub fn put(&mut self, name: &str, password: &str, grants: Vec<Grant>) {
        self.map.insert(
            name.to_owned(),
            PrincipalRec {
                password: Some(digest(password)),
                grants,
            },
        );
    }

    /// Adds a grant to an existing principal; false when there is no such principal.
    pub fn grant(&mut self, name: &str, grant: Grant) -> bool {
        match self.map.get_mut(name) {
            Some(rec) => {
                rec.grants.push(grant);
                true
            }
            None => false,
        }
    }

    /// Whether `user` logs in with `password`.
    pub fn verify(&self, user: &str, password: &str) -> bool {
        let given = digest(password);
        let (stored, known) = match self.map.get(user).and_then(|r| r.password) {
            Some(d) => (d, true),
            None => (self.decoy, false),
        };
        let same: bool = given.ct_eq(&stored).into();
        same && known
    }

    /// Whether `principal` holds `privilege` on `object`.
    pub fn holds(
        &self,
        index: &Index,
        defects: Defects,
        principal: &str,
        privilege: &str,
        object: &str,
    ) -> bool {
        let Some(rec) = self.map.get(principal) else {
            return false;
        };
        rec.grants.iter().any(|g| {
            g.privileges.contains(privilege)
                && (g.object == object
                    || (propagates(index, defects, g)
                        && index.is_strict_ancestor(&g.object, object)))
        })
    }
}

/// Whether a grant reaches the descendants of its object.
fn propagates(index: &Index, defects: Defects, g: &Grant) -> bool {
    if defects.has(Defect::PropagateAlways) {
        return true;
    }
    if defects.has(Defect::FolderGrantNotPropagated)
        && index.vm_folder_datacenter(&g.object).is_some()
    {
        return false;
    }
    if defects.has(Defect::PoolGrantNotPropagated)
        && index.kind_of(&g.object) == Some(Kind::ResourcePool)
    {
        return false;
    }
    g.propagate
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::testutil::default_world;

    const STORAGE: &str = "Host.Config.Storage";
    const CREATE: &str = "VirtualMachine.Inventory.Create";
    const ASSIGN: &str = "Resource.AssignVMToPool";

    fn setup() -> (Index, Principals) {
        let w = default_world();
        let p = Principals::from_world(&w);
        (Index::new(w), p)
    }

    #[test]
    fn admin_star_holds_everything_below_the_root() {
        let (ix, p) = setup();
        let d = Defects::default();
        for obj in ["domain-c8", "group-v11", "resgroup-14", "host-21"] {
            assert!(p.holds(&ix, d, "administrator@vsphere.local", "Any.Thing", obj));
        }
    }

    #[test]
    fn readonly_lacks_storage() {
        let (ix, p) = setup();
        assert!(!p.holds(
            &ix,
            Defects::default(),
            "readonly@vsphere.local",
            STORAGE,
            "domain-c8"
        ));
        assert!(p.holds(
            &ix,
            Defects::default(),
            "readonly@vsphere.local",
            "System.Read",
            "domain-c8"
        ));
    }

    #[test]
    fn grants_propagate_to_descendants_only_when_marked() {
        let (ix, p) = setup();
        let d = Defects::default();
        assert!(p.holds(&ix, d, "apps-folder@vsphere.local", CREATE, "group-v11"));
        assert!(p.holds(&ix, d, "apps-folder@vsphere.local", CREATE, "group-v10"));
        assert!(!p.holds(&ix, d, "apps-folder@vsphere.local", CREATE, "group-v12"));
        assert!(!p.holds(&ix, d, "apps-folder@vsphere.local", CREATE, "group-v4"));
        assert!(p.holds(&ix, d, "shared-pool@vsphere.local", ASSIGN, "resgroup-14"));
        assert!(!p.holds(&ix, d, "shared-pool@vsphere.local", ASSIGN, "resgroup-9"));
        // Held on the datacenter itself, but not propagated to the cluster below it.
        assert!(p.holds(
            &ix,
            d,
            "no-propagate@vsphere.local",
            STORAGE,
            "datacenter-1"
        ));
        assert!(!p.holds(&ix, d, "no-propagate@vsphere.local", STORAGE, "domain-c8"));
    }

    #[test]
    fn propagation_defects_change_exactly_propagation() {
        let (ix, p) = setup();
        let always = Defects::of(&[Defect::PropagateAlways]);
        assert!(p.holds(
            &ix,
            always,
            "no-propagate@vsphere.local",
            STORAGE,
            "domain-c8"
        ));
        let folder = Defects::of(&[Defect::FolderGrantNotPropagated]);
        assert!(!p.holds(
            &ix,
            folder,
            "apps-folder@vsphere.local",
            CREATE,
            "group-v11"
        ));
        assert!(p.holds(
            &ix,
            folder,
            "administrator@vsphere.local",
            CREATE,
            "group-v11"
        ));
        let pool = Defects::of(&[Defect::PoolGrantNotPropagated]);
        assert!(!p.holds(
            &ix,
            pool,
            "shared-pool@vsphere.local",
            ASSIGN,
            "resgroup-14"
        ));
        assert!(p.holds(
            &ix,
            pool,
            "shared-pool@vsphere.local",
            ASSIGN,
            "resgroup-11"
        ));
    }

    #[test]
    fn passwords_verify_exactly() {
        let (_, p) = setup();
        assert!(p.verify("administrator@vsphere.local", "Adm1n!mock-only"));
        assert!(!p.verify("administrator@vsphere.local", "Adm1n!mock-onl"));
        assert!(!p.verify("administrator@vsphere.local", ""));
        assert!(!p.verify("nobody", "Adm1n!mock-only"));
    }

    #[test]
    fn put_and_grant_extend_the_model() {
        let (ix, mut p) = setup();
        p.put("new@x", "pw", vec![]);
        assert!(p.verify("new@x", "pw"));
        assert!(!p.holds(&ix, Defects::default(), "new@x", STORAGE, "domain-c8"));
        assert!(p.grant(
            "new@x",
            Grant {
                object: "group-h5".into(),
                propagate: true,
                privileges: Arc::new(PrivSet::of(&[STORAGE])),
            }
        ));
        assert!(p.holds(&ix, Defects::default(), "new@x", STORAGE, "domain-c8"));
        assert!(!p.grant(
            "ghost",
            Grant {
                object: "group-h5".into(),
                propagate: true,
                privileges: Arc::new(PrivSet::default()),
            }
        ));
    }
}

//! Who holds which privilege where, from the permission model documented in `model/world.rs`:
//! a principal's permissions add up; a role privilege `"*"` is every privilege; a permission with
//! `propagate = true` reaches the object and everything below it (along `World::parents`), one
//! without propagation reaches the object only.

use crate::model::World;
use crate::model::privilege::DOCUMENTED;

/// Whether a principal holds a privilege on an object, and whether propagation decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub held: bool,
    /// True when the answer hinges on propagation (AUTHZ-5): the privilege is held only through
    /// a propagating permission on an ancestor, or is missing although a non-propagating
    /// permission on an ancestor names it.
    pub by_propagation: bool,
}

/// Evaluates `privilege` on `object` for `principal`. An unknown principal holds nothing.
pub fn grant(world: &World, principal: &str, privilege: &str, object: &str) -> Grant {
    let mut direct = false;
    let mut inherited = false;
    let mut blocked = false;
    for p in world
        .permissions
        .iter()
        .filter(|p| p.principal == principal)
    {
        let Some(role) = world.roles.get(&p.role) else {
            continue;
        };
        if !role.privileges.iter().any(|r| r == "*" || r == privilege) {
            continue;
        }
        if p.object == object {
            direct = true;
        } else if world
            .self_and_ancestors(object)
            .skip(1)
            .any(|a| a == p.object)
        {
            if p.propagate {
                inherited = true;
            } else {
                blocked = true;
            }
        }
    }
    let held = direct || inherited;
    Grant {
        held,
        by_propagation: (held && !direct) || (!held && blocked),
    }
}

pub fn holds(world: &World, principal: &str, privilege: &str, object: &str) -> bool {
    grant(world, principal, privilege, object).held
}

/// True when the principal's roles, taken together, hold exactly the documented privileges and
/// nothing else (the AUTHZ-4 principal).
pub fn holds_exactly_documented(world: &World, principal: &str) -> bool {
    let mut seen = [false; 3];
    for p in world
        .permissions
        .iter()
        .filter(|p| p.principal == principal)
    {
        let Some(role) = world.roles.get(&p.role) else {
            continue;
        };
        for r in &role.privileges {
            match DOCUMENTED.iter().position(|d| d == r) {
                Some(i) => seen[i] = true,
                None => return false,
            }
        }
    }
    seen.iter().all(|s| *s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::privilege::{CLUSTER_STORAGE, FOLDER_CREATE, POOL_ASSIGN};
    use crate::model::test_world;

    #[test]
    fn propagation_reaches_descendants_only_when_set() {
        let w = test_world();
        let op = "operator@vsphere.local";
        assert_eq!(
            grant(w, op, CLUSTER_STORAGE, "domain-c8"),
            Grant {
                held: true,
                by_propagation: true
            }
        );
        assert!(holds(w, op, FOLDER_CREATE, "datacenter-1"));
        assert!(!holds(w, op, FOLDER_CREATE, "group-d1"));
        let np = "no-propagate@vsphere.local";
        assert!(holds(w, np, CLUSTER_STORAGE, "datacenter-1"));
        assert_eq!(
            grant(w, np, CLUSTER_STORAGE, "domain-c8"),
            Grant {
                held: false,
                by_propagation: true
            }
        );
    }

    #[test]
    fn star_is_every_privilege_and_unknown_principal_holds_nothing() {
        let w = test_world();
        assert!(holds(
            w,
            "administrator@vsphere.local",
            "Anything.At.All",
            "resgroup-14"
        ));
        assert!(!holds(w, "nobody", CLUSTER_STORAGE, "domain-c8"));
    }

    #[test]
    fn documented_only_principals() {
        let w = test_world();
        assert!(holds_exactly_documented(w, "operator@vsphere.local"));
        assert!(holds_exactly_documented(w, "apps-folder@vsphere.local"));
        assert!(!holds_exactly_documented(w, "administrator@vsphere.local"));
        assert!(!holds_exactly_documented(w, "no-pool@vsphere.local"));
    }

    #[test]
    fn pool_grant_propagates_to_child_pool() {
        let w = test_world();
        let sp = "shared-pool@vsphere.local";
        assert!(holds(w, sp, POOL_ASSIGN, "resgroup-14"));
        assert!(!holds(w, sp, POOL_ASSIGN, "resgroup-9"));
        assert!(holds(
            w,
            "apps-folder@vsphere.local",
            FOLDER_CREATE,
            "group-v11"
        ));
        assert!(!holds(
            w,
            "apps-folder@vsphere.local",
            FOLDER_CREATE,
            "group-v4"
        ));
    }
}

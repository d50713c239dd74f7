//! Random privilege setups: a fresh principal with permissions over the documented privileges
//! (and noise privileges restore does not need) on random inventory objects, with and without
//! propagation. The runner registers the setup with the mock (`POST /__mock/principals`); the
//! oracle sees it through `apply_to`.

use std::sync::Arc;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::space::Space;
use super::valid::arb_case_in;
use crate::model::privilege::DOCUMENTED;
use crate::model::world::{Credential, Permission, Principal, Role};
use crate::model::{Auth, Case, World};

/// Privileges granted besides the documented ones; holding them changes nothing for restore.
pub const NOISE_PRIVILEGES: [&str; 4] = [
    "System.Read",
    "System.View",
    "VirtualMachine.Interact.PowerOn",
    "Datastore.AllocateSpace",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionGrant {
    pub privileges: Vec<String>,
    pub object: String,
    pub propagate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivilegeSetup {
    pub principal: String,
    pub password: String,
    pub permissions: Vec<PermissionGrant>,
}

impl PrivilegeSetup {
    /// The body of `POST /__mock/principals` that creates this principal.
    pub fn control_body(&self) -> Value {
        json!({
            "name": self.principal,
            "password": self.password,
            "permissions": self.permissions,
        })
    }

    /// A copy of `world` with this principal and its permissions added (one role per grant,
    /// named `gen-role-N`), so that `expected()` judges cases sent as this principal.
    pub fn apply_to(&self, world: &World) -> World {
        let mut w = world.clone();
        w.principals.insert(
            self.principal.clone(),
            Principal {
                name: self.principal.clone(),
                credential: Credential::Password(self.password.clone()),
                description: Some("generated privilege setup".into()),
            },
        );
        let mut n = 0;
        for g in &self.permissions {
            let role = loop {
                let r = format!("gen-role-{n}");
                n += 1;
                if !w.roles.contains_key(&r) {
                    break r;
                }
            };
            w.roles.insert(
                role.clone(),
                Role {
                    name: role.clone(),
                    privileges: g.privileges.clone(),
                },
            );
            w.permissions.push(Permission {
                principal: self.principal.clone(),
                role,
                object: g.object.clone(),
                propagate: g.propagate,
            });
        }
        w
    }
}

/// Objects a permission may sit on: datacenters, folders (the root folder included),
/// clusters, hosts and pools.
fn grantable_objects(world: &World) -> Vec<String> {
    world
        .datacenters
        .keys()
        .chain(world.folders.keys())
        .chain(world.clusters.keys())
        .chain(world.hosts.keys())
        .chain(world.resource_pools.keys())
        .cloned()
        .collect()
}

fn arb_grant(objects: Vec<String>) -> impl Strategy<Value = PermissionGrant> {
    let all: Vec<&'static str> = DOCUMENTED
        .iter()
        .chain(NOISE_PRIVILEGES.iter())
        .copied()
        .collect();
    (
        prop::sample::subsequence(all, 1..=DOCUMENTED.len() + NOISE_PRIVILEGES.len()),
        prop::sample::select(objects),
        any::<bool>(),
    )
        .prop_map(|(privileges, object, propagate)| PermissionGrant {
            privileges: privileges.into_iter().map(str::to_owned).collect(),
            object,
            propagate,
        })
}

/// A fresh principal with one to four random grants.
pub fn arb_privilege_setup(world: &World) -> impl Strategy<Value = PrivilegeSetup> + use<> {
    let objects = grantable_objects(world);
    assert!(!objects.is_empty(), "the world has no object to grant on");
    (
        any::<u32>(),
        prop::collection::vec(arb_grant(objects), 1..=4),
    )
        .prop_map(|(id, permissions)| PrivilegeSetup {
            principal: format!("gen-principal-{id:08x}"),
            password: format!("Gen!{id:08x}-mock-only"),
            permissions,
        })
}

/// A privilege setup and a restore case sent as its principal. The case is valid in every
/// respect but privileges, so `expected()` against `setup.apply_to(world)` decides between 202
/// and 403 (AUTHZ-1..AUTHZ-5).
pub fn arb_privilege_case(
    world: &World,
    name_prefix: &str,
) -> impl Strategy<Value = (PrivilegeSetup, Case)> + use<> {
    let space = Space::new(world, "", name_prefix, false);
    assert!(!space.pairs.is_empty(), "the world has no restorable VM");
    let all = Arc::new((0..space.pairs.len()).collect::<Vec<_>>());
    (
        arb_privilege_setup(world),
        arb_case_in(Arc::new(space), all),
    )
        .prop_map(|(setup, mut case)| {
            case.auth = Auth::Principal(setup.principal.clone());
            (setup, case)
        })
}

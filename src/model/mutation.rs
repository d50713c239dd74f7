//! `Mutation`: one named thing wrong with a restore request. An invalid case is a valid case with
//! one mutation applied (single-fault) or a few (multi-fault); the names say what is wrong, so a
//! shrunk failure reads "valid case + UnknownSnapshot".
//!
//! The list is declared once, in the `mutations!` table below: variant, the clauses it exercises
//! (the first is the one a wrong answer breaks), what it touches (`slot`), and what is wrong in
//! words. How each one changes a case, and where it fits, is the generator's business
//! (`generate/apply.rs`, an exhaustive match over this enum).
//!
//! Variants are declared in the order they are applied in a multi-fault case: whatever replaces
//! the whole body comes last.

use serde::{Deserialize, Serialize};

use crate::clause::ClauseId;

/// What a mutation touches; two mutations that touch the same thing are never combined.
pub(crate) mod slot {
    pub(crate) const AUTH: u32 = 1;
    pub(crate) const ACTION: u32 = 1 << 1;
    pub(crate) const VMW_TASK: u32 = 1 << 2;
    pub(crate) const CLUSTER: u32 = 1 << 3;
    pub(crate) const VM: u32 = 1 << 4;
    pub(crate) const SNAPSHOT: u32 = 1 << 5;
    pub(crate) const NAME: u32 = 1 << 6;
    pub(crate) const PLACEMENT: u32 = 1 << 7;
    pub(crate) const FOLDER: u32 = 1 << 8;
    pub(crate) const POOL: u32 = 1 << 9;
    pub(crate) const HOST: u32 = 1 << 10;
    pub(crate) const EXTRA: u32 = 1 << 11;
    pub(crate) const BODY: u32 = SNAPSHOT | NAME | PLACEMENT | FOLDER | POOL | HOST | EXTRA;
    pub(crate) const PLACEMENT_ALL: u32 = PLACEMENT | FOLDER | POOL | HOST;
}

/// Declares `Mutation` and its lookups from one table of
/// `Variant [CLAUSE_IDS] (SLOT | SLOT) "description";` rows.
macro_rules! mutations {
    ($($(#[$doc:meta])* $variant:ident [$($clause:ident),+] ($($slot:ident)|+) $description:literal;)+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Mutation {
            $($(#[$doc])* #[doc = $description] $variant,)+
        }

        impl Mutation {
            /// Every mutation, in declaration (application) order.
            pub const ALL: &'static [Mutation] = &[$(Mutation::$variant),+];

            /// The variant name, as reports print it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Mutation::$variant => stringify!($variant),)+
                }
            }

            /// The clauses this mutation exercises; the first is the one a wrong answer breaks.
            pub fn clauses(&self) -> &'static [ClauseId] {
                match self {
                    $(Mutation::$variant => &[$(ClauseId::$clause),+],)+
                }
            }

            /// What is wrong, in words.
            pub fn description(&self) -> &'static str {
                match self {
                    $(Mutation::$variant => $description,)+
                }
            }

            /// What the mutation touches (see `slot`).
            pub(crate) fn slots(self) -> u32 {
                use slot::*;
                match self {
                    $(Mutation::$variant => 0 $(| $slot)+,)+
                }
            }
        }
    };
}

mutations! {
    // Authentication.
    NoSessionHeader [AUTHN_1, AUTHN_3] (AUTH)
        "no vmware-api-session-id header";
    GarbageSession [AUTHN_2, AUTHN_3] (AUTH)
        "a session id the server never issued";
    LoggedOutSession [AUTHN_2, AUTHN_3] (AUTH)
        "the session was logged out before the request";
    // Authorization: switch to a fixture principal lacking one documented privilege.
    PrincipalWithoutClusterStorage [AUTHZ_1] (AUTH)
        "the principal lacks Host.Config.Storage on the cluster";
    PrincipalWithoutFolderCreate [AUTHZ_2] (AUTH | FOLDER | POOL | NAME)
        "the principal lacks VirtualMachine.Inventory.Create on placement.folder";
    PrincipalWithoutPoolAssign [AUTHZ_3] (AUTH | FOLDER | POOL | HOST | NAME)
        "the principal lacks Resource.AssignVMToPool on placement.resource_pool";
    // The request line.
    UnknownAction [FMT_2] (ACTION)
        "the action query parameter names no operation";
    MissingVmwTask [FMT_4] (VMW_TASK)
        "the vmw-task query parameter is missing";
    VmwTaskNotTrue [FMT_4] (VMW_TASK)
        "the vmw-task query parameter is not `true`";
    // The path.
    UnknownCluster [NF_1] (CLUSTER)
        "the cluster id names no cluster";
    UnknownVm [NF_2] (VM)
        "the vm id names no virtual machine";
    VmOfOtherCluster [NF_3] (VM)
        "the vm is a deleted VM protected on another cluster";
    LiveVm [INV_13] (VM)
        "the vm is a live (not deleted) VM";
    // The snapshot.
    MissingSnapshot [INV_1] (SNAPSHOT | NAME)
        "the body has no snapshot";
    NullSnapshot [INV_1] (SNAPSHOT | NAME)
        "snapshot is null";
    SnapshotNotString [INV_10] (SNAPSHOT | NAME)
        "snapshot is not a JSON string";
    UnknownSnapshot [INV_2] (SNAPSHOT | NAME)
        "snapshot names no snapshot";
    SnapshotIdOfWrongType [INV_2] (SNAPSHOT | NAME)
        "snapshot is the id of an object that is not a snapshot";
    HugeString [INV_2] (SNAPSHOT | NAME)
        "snapshot is a 64 KiB string";
    SnapshotOfOtherCluster [INV_3] (SNAPSHOT | NAME)
        "snapshot is of a VM on another cluster";
    SnapshotOfOtherVm [INV_4] (SNAPSHOT | NAME)
        "snapshot is of another VM on the same cluster";
    // The name.
    NameNotString [INV_10] (NAME)
        "name is not a JSON string";
    EmptyName [INV_11] (NAME)
        "name is empty";
    BlankName [INV_11] (NAME)
        "name is only whitespace";
    NameTooLong [INV_11] (NAME)
        "name is longer than 80 characters";
    NameWithControlChar [INV_11] (NAME)
        "name holds a control character";
    NameTakenInFolder [DUP_1] (NAME | FOLDER)
        "name is taken by a VM in the target folder";
    DefaultNameTaken [DUP_2] (NAME | FOLDER | SNAPSHOT)
        "name is absent and the snapshot-time name is taken in the target folder";
    // The placement.
    PlacementNotObject [INV_10] (PLACEMENT_ALL | NAME)
        "placement is not a JSON object";
    PlacementFieldNotString [INV_10] (FOLDER | POOL | HOST)
        "a placement field is not a JSON string";
    UnknownFolder [INV_9] (FOLDER)
        "placement.folder names no object";
    UnknownPool [INV_9] (POOL)
        "placement.resource_pool names no object";
    UnknownHost [INV_9] (HOST)
        "placement.host names no object";
    PlacementIdOfWrongType [INV_9] (FOLDER | POOL | HOST)
        "a placement field names an object of another type";
    HostOutsideCluster [INV_5] (HOST)
        "placement.host is not in the cluster";
    PoolOfOtherCluster [INV_5] (POOL)
        "placement.resource_pool is in another cluster";
    FolderOutsideDatacenter [INV_5] (FOLDER | NAME)
        "placement.folder is outside the cluster's datacenter";
    PoolNotOnHost [INV_6] (POOL | HOST)
        "placement.resource_pool does not belong to placement.host";
    PoolWithoutHostNoDrs [INV_7] (POOL | HOST)
        "a resource pool without a host on a cluster without DRS";
    NoPlacementNoDrs [INV_8] (PLACEMENT_ALL | NAME)
        "no placement on a cluster without DRS";
    PlacementWithoutHostNoDrs [INV_8] (POOL | HOST)
        "a placement without host or pool on a cluster without DRS";
    // The body as a whole.
    ExtraField [INV_12] (EXTRA)
        "an unknown extra field";
    BodyJsonArray [INV_10] (BODY)
        "the body is a JSON array";
    BodyNotJson [INV_10] (BODY)
        "the body is not JSON";
}

impl Mutation {
    /// True when the two may be applied to one case.
    pub(crate) fn compatible(self, other: Mutation) -> bool {
        self != other && self.slots() & other.slots() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_replacements_conflict_with_field_mutations() {
        assert!(!Mutation::BodyNotJson.compatible(Mutation::EmptyName));
        assert!(!Mutation::UnknownHost.compatible(Mutation::PoolNotOnHost));
        assert!(Mutation::UnknownVm.compatible(Mutation::EmptyName));
        assert!(!Mutation::EmptyName.compatible(Mutation::EmptyName));
    }
}

//! `Mutation`: one named thing wrong with a restore request. An invalid case is a valid case with
//! one mutation applied (single-fault) or a few (multi-fault); the names say what is wrong, so a
//! shrunk failure reads "valid case + UnknownSnapshot".
//!
//! Variants are declared in the order they are applied in a multi-fault case: whatever replaces
//! the whole body comes last.

use serde::{Deserialize, Serialize};

/// What a mutation touches; two mutations that touch the same thing are never combined.
pub(crate) mod slot {
    pub const AUTH: u32 = 1;
    pub const ACTION: u32 = 1 << 1;
    pub const VMW_TASK: u32 = 1 << 2;
    pub const CLUSTER: u32 = 1 << 3;
    pub const VM: u32 = 1 << 4;
    pub const SNAPSHOT: u32 = 1 << 5;
    pub const NAME: u32 = 1 << 6;
    pub const PLACEMENT: u32 = 1 << 7;
    pub const FOLDER: u32 = 1 << 8;
    pub const POOL: u32 = 1 << 9;
    pub const HOST: u32 = 1 << 10;
    pub const EXTRA: u32 = 1 << 11;
    pub const BODY: u32 = SNAPSHOT | NAME | PLACEMENT | FOLDER | POOL | HOST | EXTRA;
    pub const PLACEMENT_ALL: u32 = PLACEMENT | FOLDER | POOL | HOST;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mutation {
    // Authentication.
    NoSessionHeader,
    GarbageSession,
    LoggedOutSession,
    // Authorization: switch to a fixture principal lacking one documented privilege.
    PrincipalWithoutClusterStorage,
    PrincipalWithoutFolderCreate,
    PrincipalWithoutPoolAssign,
    // The request line.
    UnknownAction,
    MissingVmwTask,
    VmwTaskNotTrue,
    // The path.
    UnknownCluster,
    UnknownVm,
    VmOfOtherCluster,
    LiveVm,
    // The snapshot.
    MissingSnapshot,
    NullSnapshot,
    SnapshotNotString,
    UnknownSnapshot,
    SnapshotIdOfWrongType,
    HugeString,
    SnapshotOfOtherCluster,
    SnapshotOfOtherVm,
    // The name.
    NameNotString,
    EmptyName,
    BlankName,
    NameTooLong,
    NameWithControlChar,
    NameTakenInFolder,
    DefaultNameTaken,
    // The placement.
    PlacementNotObject,
    PlacementFieldNotString,
    UnknownFolder,
    UnknownPool,
    UnknownHost,
    PlacementIdOfWrongType,
    HostOutsideCluster,
    PoolOfOtherCluster,
    FolderOutsideDatacenter,
    PoolNotOnHost,
    PoolWithoutHostNoDrs,
    NoPlacementNoDrs,
    PlacementWithoutHostNoDrs,
    // The body as a whole.
    ExtraField,
    BodyJsonArray,
    BodyNotJson,
}

impl Mutation {
    pub const ALL: [Mutation; 44] = [
        Mutation::NoSessionHeader,
        Mutation::GarbageSession,
        Mutation::LoggedOutSession,
        Mutation::PrincipalWithoutClusterStorage,
        Mutation::PrincipalWithoutFolderCreate,
        Mutation::PrincipalWithoutPoolAssign,
        Mutation::UnknownAction,
        Mutation::MissingVmwTask,
        Mutation::VmwTaskNotTrue,
        Mutation::UnknownCluster,
        Mutation::UnknownVm,
        Mutation::VmOfOtherCluster,
        Mutation::LiveVm,
        Mutation::MissingSnapshot,
        Mutation::NullSnapshot,
        Mutation::SnapshotNotString,
        Mutation::UnknownSnapshot,
        Mutation::SnapshotIdOfWrongType,
        Mutation::HugeString,
        Mutation::SnapshotOfOtherCluster,
        Mutation::SnapshotOfOtherVm,
        Mutation::NameNotString,
        Mutation::EmptyName,
        Mutation::BlankName,
        Mutation::NameTooLong,
        Mutation::NameWithControlChar,
        Mutation::NameTakenInFolder,
        Mutation::DefaultNameTaken,
        Mutation::PlacementNotObject,
        Mutation::PlacementFieldNotString,
        Mutation::UnknownFolder,
        Mutation::UnknownPool,
        Mutation::UnknownHost,
        Mutation::PlacementIdOfWrongType,
        Mutation::HostOutsideCluster,
        Mutation::PoolOfOtherCluster,
        Mutation::FolderOutsideDatacenter,
        Mutation::PoolNotOnHost,
        Mutation::PoolWithoutHostNoDrs,
        Mutation::NoPlacementNoDrs,
        Mutation::PlacementWithoutHostNoDrs,
        Mutation::ExtraField,
        Mutation::BodyJsonArray,
        Mutation::BodyNotJson,
    ];

    /// The variant name, as reports print it.
    pub fn name(self) -> &'static str {
        use Mutation::*;
        match self {
            NoSessionHeader => "NoSessionHeader",
            GarbageSession => "GarbageSession",
            LoggedOutSession => "LoggedOutSession",
            PrincipalWithoutClusterStorage => "PrincipalWithoutClusterStorage",
            PrincipalWithoutFolderCreate => "PrincipalWithoutFolderCreate",
            PrincipalWithoutPoolAssign => "PrincipalWithoutPoolAssign",
            UnknownAction => "UnknownAction",
            MissingVmwTask => "MissingVmwTask",
            VmwTaskNotTrue => "VmwTaskNotTrue",
            UnknownCluster => "UnknownCluster",
            UnknownVm => "UnknownVm",
            VmOfOtherCluster => "VmOfOtherCluster",
            LiveVm => "LiveVm",
            MissingSnapshot => "MissingSnapshot",
            NullSnapshot => "NullSnapshot",
            SnapshotNotString => "SnapshotNotString",
            UnknownSnapshot => "UnknownSnapshot",
            SnapshotIdOfWrongType => "SnapshotIdOfWrongType",
            HugeString => "HugeString",
            SnapshotOfOtherCluster => "SnapshotOfOtherCluster",
            SnapshotOfOtherVm => "SnapshotOfOtherVm",
            NameNotString => "NameNotString",
            EmptyName => "EmptyName",
            BlankName => "BlankName",
            NameTooLong => "NameTooLong",
            NameWithControlChar => "NameWithControlChar",
            NameTakenInFolder => "NameTakenInFolder",
            DefaultNameTaken => "DefaultNameTaken",
            PlacementNotObject => "PlacementNotObject",
            PlacementFieldNotString => "PlacementFieldNotString",
            UnknownFolder => "UnknownFolder",
            UnknownPool => "UnknownPool",
            UnknownHost => "UnknownHost",
            PlacementIdOfWrongType => "PlacementIdOfWrongType",
            HostOutsideCluster => "HostOutsideCluster",
            PoolOfOtherCluster => "PoolOfOtherCluster",
            FolderOutsideDatacenter => "FolderOutsideDatacenter",
            PoolNotOnHost => "PoolNotOnHost",
            PoolWithoutHostNoDrs => "PoolWithoutHostNoDrs",
            NoPlacementNoDrs => "NoPlacementNoDrs",
            PlacementWithoutHostNoDrs => "PlacementWithoutHostNoDrs",
            ExtraField => "ExtraField",
            BodyJsonArray => "BodyJsonArray",
            BodyNotJson => "BodyNotJson",
        }
    }

    /// The clauses this mutation exercises; the first is the one a wrong answer breaks.
    pub fn clauses(&self) -> &'static [&'static str] {
        use Mutation::*;
        match self {
            NoSessionHeader => &["AUTHN-1", "AUTHN-3"],
            GarbageSession | LoggedOutSession => &["AUTHN-2", "AUTHN-3"],
            PrincipalWithoutClusterStorage => &["AUTHZ-1"],
            PrincipalWithoutFolderCreate => &["AUTHZ-2"],
            PrincipalWithoutPoolAssign => &["AUTHZ-3"],
            UnknownAction => &["FMT-2"],
            MissingVmwTask | VmwTaskNotTrue => &["FMT-4"],
            UnknownCluster => &["NF-1"],
            UnknownVm => &["NF-2"],
            VmOfOtherCluster => &["NF-3"],
            LiveVm => &["INV-13"],
            MissingSnapshot | NullSnapshot => &["INV-1"],
            SnapshotNotString
            | NameNotString
            | PlacementNotObject
            | PlacementFieldNotString
            | BodyJsonArray
            | BodyNotJson => &["INV-10"],
            UnknownSnapshot | SnapshotIdOfWrongType | HugeString => &["INV-2"],
            SnapshotOfOtherCluster => &["INV-3"],
            SnapshotOfOtherVm => &["INV-4"],
            EmptyName | BlankName | NameTooLong | NameWithControlChar => &["INV-11"],
            NameTakenInFolder => &["DUP-1"],
            DefaultNameTaken => &["DUP-2"],
            UnknownFolder | UnknownPool | UnknownHost | PlacementIdOfWrongType => &["INV-9"],
            HostOutsideCluster | PoolOfOtherCluster | FolderOutsideDatacenter => &["INV-5"],
            PoolNotOnHost => &["INV-6"],
            PoolWithoutHostNoDrs => &["INV-7"],
            NoPlacementNoDrs | PlacementWithoutHostNoDrs => &["INV-8"],
            ExtraField => &["INV-12"],
        }
    }

    /// What is wrong, in words.
    pub fn description(&self) -> &'static str {
        use Mutation::*;
        match self {
            NoSessionHeader => "no vmware-api-session-id header",
            GarbageSession => "a session id the server never issued",
            LoggedOutSession => "the session was logged out before the request",
            PrincipalWithoutClusterStorage => {
                "the principal lacks Host.Config.Storage on the cluster"
            }
            PrincipalWithoutFolderCreate => {
                "the principal lacks VirtualMachine.Inventory.Create on placement.folder"
            }
            PrincipalWithoutPoolAssign => {
                "the principal lacks Resource.AssignVMToPool on placement.resource_pool"
            }
            UnknownAction => "the action query parameter names no operation",
            MissingVmwTask => "the vmw-task query parameter is missing",
            VmwTaskNotTrue => "the vmw-task query parameter is not `true`",
            UnknownCluster => "the cluster id names no cluster",
            UnknownVm => "the vm id names no virtual machine",
            VmOfOtherCluster => "the vm is a deleted VM protected on another cluster",
            LiveVm => "the vm is a live (not deleted) VM",
            MissingSnapshot => "the body has no snapshot",
            NullSnapshot => "snapshot is null",
            SnapshotNotString => "snapshot is not a JSON string",
            UnknownSnapshot => "snapshot names no snapshot",
            SnapshotIdOfWrongType => "snapshot is the id of an object that is not a snapshot",
            HugeString => "snapshot is a 64 KiB string",
            SnapshotOfOtherCluster => "snapshot is of a VM on another cluster",
            SnapshotOfOtherVm => "snapshot is of another VM on the same cluster",
            NameNotString => "name is not a JSON string",
            EmptyName => "name is empty",
            BlankName => "name is only whitespace",
            NameTooLong => "name is longer than 80 characters",
            NameWithControlChar => "name holds a control character",
            NameTakenInFolder => "name is taken by a VM in the target folder",
            DefaultNameTaken => {
                "name is absent and the snapshot-time name is taken in the target folder"
            }
            PlacementNotObject => "placement is not a JSON object",
            PlacementFieldNotString => "a placement field is not a JSON string",
            UnknownFolder => "placement.folder names no object",
            UnknownPool => "placement.resource_pool names no object",
            UnknownHost => "placement.host names no object",
            PlacementIdOfWrongType => "a placement field names an object of another type",
            HostOutsideCluster => "placement.host is not in the cluster",
            PoolOfOtherCluster => "placement.resource_pool is in another cluster",
            FolderOutsideDatacenter => "placement.folder is outside the cluster's datacenter",
            PoolNotOnHost => "placement.resource_pool does not belong to placement.host",
            PoolWithoutHostNoDrs => "a resource pool without a host on a cluster without DRS",
            NoPlacementNoDrs => "no placement on a cluster without DRS",
            PlacementWithoutHostNoDrs => {
                "a placement without host or pool on a cluster without DRS"
            }
            ExtraField => "an unknown extra field",
            BodyJsonArray => "the body is a JSON array",
            BodyNotJson => "the body is not JSON",
        }
    }

    /// What the mutation touches (see `slot`).
    pub(crate) fn slots(self) -> u32 {
        use Mutation::*;
        use slot::*;
        match self {
            NoSessionHeader
            | GarbageSession
            | LoggedOutSession
            | PrincipalWithoutClusterStorage => AUTH,
            PrincipalWithoutFolderCreate => AUTH | FOLDER | POOL | NAME,
            PrincipalWithoutPoolAssign => AUTH | FOLDER | POOL | HOST | NAME,
            UnknownAction => ACTION,
            MissingVmwTask | VmwTaskNotTrue => VMW_TASK,
            UnknownCluster => CLUSTER,
            UnknownVm | VmOfOtherCluster | LiveVm => VM,
            MissingSnapshot
            | NullSnapshot
            | SnapshotNotString
            | UnknownSnapshot
            | SnapshotIdOfWrongType
            | HugeString
            | SnapshotOfOtherCluster
            | SnapshotOfOtherVm => SNAPSHOT | NAME,
            NameNotString | EmptyName | BlankName | NameTooLong | NameWithControlChar => NAME,
            NameTakenInFolder => NAME | FOLDER,
            DefaultNameTaken => NAME | FOLDER | SNAPSHOT,
            PlacementNotObject | NoPlacementNoDrs => PLACEMENT_ALL | NAME,
            PlacementFieldNotString | PlacementIdOfWrongType => FOLDER | POOL | HOST,
            UnknownFolder => FOLDER,
            FolderOutsideDatacenter => FOLDER | NAME,
            UnknownPool | PoolOfOtherCluster => POOL,
            UnknownHost | HostOutsideCluster => HOST,
            PoolNotOnHost | PoolWithoutHostNoDrs | PlacementWithoutHostNoDrs => POOL | HOST,
            ExtraField => EXTRA,
            BodyJsonArray | BodyNotJson => BODY,
        }
    }

    /// True when the two may be applied to one case.
    pub(crate) fn compatible(self, other: Mutation) -> bool {
        self != other && self.slots() & other.slots() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_variant_once_in_declaration_order() {
        let mut sorted = Mutation::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, Mutation::ALL.to_vec());
        for m in Mutation::ALL {
            assert_eq!(format!("{m:?}"), m.name());
        }
    }

    #[test]
    fn every_clause_is_in_the_catalog() {
        for m in Mutation::ALL {
            assert!(!m.clauses().is_empty());
            for c in m.clauses() {
                crate::clause::require(c, m.name()).unwrap();
            }
            assert!(!m.description().is_empty());
        }
    }

    #[test]
    fn body_replacements_conflict_with_field_mutations() {
        assert!(!Mutation::BodyNotJson.compatible(Mutation::EmptyName));
        assert!(!Mutation::UnknownHost.compatible(Mutation::PoolNotOnHost));
        assert!(Mutation::UnknownVm.compatible(Mutation::EmptyName));
        assert!(!Mutation::EmptyName.compatible(Mutation::EmptyName));
    }
}

//! Defect modes: each one breaks exactly one documented promise of the restore operation, so
//! the suite can be shown catching it (`design.md`, principle 3).
//!
//! The mock's normal code asks `defects.has(Defect::X)` at the one point where the promise is
//! kept; a defect is never a second implementation. Each defect declares the clause ids a
//! correct harness sees fail when it runs the suite against the default fixture.

/// One deliberately broken promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Defect {
    /// `Host.Config.Storage` on the cluster is not checked.
    AuthzClusterUnchecked,
    /// `VirtualMachine.Inventory.Create` on `placement.folder` is not checked.
    AuthzFolderUnchecked,
    /// `Resource.AssignVMToPool` on `placement.resource_pool` is not checked.
    AuthzPoolUnchecked,
    /// The folder and pool privileges are checked after the snapshot, name and placement.
    AuthzAfterSpecChecks,
    /// A grant on a VM folder applies to that folder only, even with propagation.
    FolderGrantNotPropagated,
    /// A grant on a resource pool applies to that pool only, even with propagation.
    PoolGrantNotPropagated,
    /// Grants without propagation are treated as propagating.
    PropagateAlways,
    /// `System.Read` on the cluster is required on top of the documented privileges.
    ExtraPrivilegeRequired,
    /// An unknown cluster is not refused with 404; the request goes on to the privilege checks.
    ClusterExistenceUnchecked,
    /// An unknown VM is not refused with 404; the request goes on to the spec checks.
    VmExistenceUnchecked,
    /// A live (not deleted) VM is restored like a deleted one.
    LiveVmRestorable,
    /// A body without `snapshot` is accepted; the VM's newest snapshot is used.
    MissingSnapshotAccepted,
    /// An unknown snapshot is accepted with 202; the task then fails.
    SnapshotExistenceUnchecked,
    /// A snapshot of a VM on another cluster is accepted.
    SnapshotClusterUnchecked,
    /// `placement.host` outside the cluster is accepted.
    HostMembershipUnchecked,
    /// A pool that does not belong to `placement.host` is accepted.
    PoolHostUnchecked,
    /// `placement.resource_pool` without `placement.host` is accepted on a cluster without DRS.
    PoolWithoutHostAccepted,
    /// A restore without `placement` is accepted on a cluster without DRS.
    NoPlacementAcceptedWithoutDrs,
    /// Placement ids naming no object of the right type are ignored instead of refused.
    PlacementTypeUnchecked,
    /// A body that is not JSON at all is answered 500.
    MalformedBodyAs500,
    /// Names are compared case-insensitively, so a free name can be refused as taken.
    NameCaseInsensitive,
    /// Names of live VMs are not checked (restores in progress still reserve theirs).
    NameTakenByLiveVmIgnored,
    /// Names of restores in progress are not reserved: racing restores of one name both win.
    RaceUnprotected,
    /// A clash with an explicit `name` is answered 409 instead of 400.
    Conflict409ForNameClash,
    /// One restore more than the limit is accepted.
    LimitOffByOne,
    /// Finished restores keep counting against the limit.
    LimitNeverFrees,
    /// The restored VM is left powered on.
    VmLeftPoweredOn,
    /// The restored VM gets its given `name` ignored: it is named as without `name`.
    IgnoresName,
    /// Without `name`, the restored VM is named after the VM's current name, not the snapshot's.
    DefaultNameFromCurrentVm,
    /// The restored VM lands in the default VM folder whatever `placement.folder` says.
    IgnoresFolder,
    /// The restored VM lands in the cluster's root pool whatever `placement.resource_pool` says.
    IgnoresPool,
    /// The restored VM lands on the cluster's first host whatever `placement.host` says.
    IgnoresHost,
    /// The task is reported RUNNING forever (the restore itself completes).
    TaskNeverFinishes,
    /// A task read SUCCEEDED is reported RUNNING on the next read.
    TaskGoesBack,
    /// Task `Info` lacks `start_time` once RUNNING.
    TaskMissingStartTime,
    /// The SUCCEEDED task's `result` is a number, not a VirtualMachine id.
    TaskResultNotVmId,
    /// An accepted restore is answered 200 instead of 202.
    Accepts200,
    /// Unauthenticated restores on an unknown cluster get 404 instead of 401.
    AuthAfterNotFound,
    /// Logging out does not end the session.
    LogoutKeepsSession,
    /// A restore refused for its placement still creates the VM.
    SideEffectBeforeCheck,
    /// An injected 500 is answered with an HTML page.
    Fault500AsHtml,
    /// An injected 503 is answered 500 ERROR.
    UnavailableAs500,
    /// Restore errors carry `Content-Type: text/plain`.
    TextPlainErrors,
    /// Restore error messages lack `id` and `args`.
    ErrorWithoutMessageIds,
    /// An unknown session id on restore is answered 401 with error_type UNAUTHORIZED.
    ErrorTypeMismatch,
}

struct Meta {
    defect: Defect,
    name: &'static str,
    clauses: &'static [&'static str],
    description: &'static str,
}

const META: &[Meta] = &[
    Meta {
        defect: Defect::AuthzClusterUnchecked,
        name: "authz-cluster-unchecked",
        clauses: &["AUTHZ-1", "AUTHZ-5"],
        description: "Host.Config.Storage on the cluster is not checked (the principal without a propagated grant is let through too)",
    },
    Meta {
        defect: Defect::AuthzFolderUnchecked,
        name: "authz-folder-unchecked",
        clauses: &["AUTHZ-2", "AUTHZ-5"],
        description: "VirtualMachine.Inventory.Create on placement.folder is not checked",
    },
    Meta {
        defect: Defect::AuthzPoolUnchecked,
        name: "authz-pool-unchecked",
        clauses: &["AUTHZ-3", "AUTHZ-5"],
        description: "Resource.AssignVMToPool on placement.resource_pool is not checked",
    },
    Meta {
        defect: Defect::AuthzAfterSpecChecks,
        name: "authz-after-spec-checks",
        clauses: &["AUTHZ-6"],
        description: "folder and pool privileges are checked after the snapshot, name and placement, so a refused principal learns whether they were valid",
    },
    Meta {
        defect: Defect::FolderGrantNotPropagated,
        name: "folder-grant-not-propagated",
        clauses: &["AUTHZ-5"],
        description: "a propagating grant on a VM folder is not held on its subfolders",
    },
    Meta {
        defect: Defect::PoolGrantNotPropagated,
        name: "pool-grant-not-propagated",
        clauses: &["AUTHZ-5"],
        description: "a propagating grant on a resource pool is not held on its child pools",
    },
    Meta {
        defect: Defect::PropagateAlways,
        name: "propagate-always",
        clauses: &["AUTHZ-5"],
        description: "grants without propagation are held on every descendant",
    },
    Meta {
        defect: Defect::ExtraPrivilegeRequired,
        name: "extra-privilege-required",
        clauses: &["AUTHZ-4", "AUTHZ-5"],
        description: "System.Read on the cluster is required on top of the documented privileges",
    },
    Meta {
        defect: Defect::ClusterExistenceUnchecked,
        name: "cluster-existence-unchecked",
        clauses: &["NF-1"],
        description: "an unknown cluster is not refused with 404 (the privilege check then answers 403)",
    },
    Meta {
        defect: Defect::VmExistenceUnchecked,
        name: "vm-existence-unchecked",
        clauses: &["NF-2"],
        description: "an unknown VM is not refused with 404 (the snapshot check then answers 400)",
    },
    Meta {
        defect: Defect::LiveVmRestorable,
        name: "live-vm-restorable",
        clauses: &["INV-13"],
        description: "a live VM is restored like a deleted one",
    },
    Meta {
        defect: Defect::MissingSnapshotAccepted,
        name: "missing-snapshot-accepted",
        clauses: &["INV-1"],
        description: "a body without snapshot (or with snapshot null) is accepted; the newest snapshot is used",
    },
    Meta {
        defect: Defect::SnapshotExistenceUnchecked,
        name: "snapshot-existence-unchecked",
        clauses: &["INV-2"],
        description: "an unknown snapshot is accepted with 202 and the task fails",
    },
    Meta {
        defect: Defect::SnapshotClusterUnchecked,
        name: "snapshot-cluster-unchecked",
        clauses: &["INV-3"],
        description: "a snapshot of a VM on another cluster is accepted",
    },
    Meta {
        defect: Defect::HostMembershipUnchecked,
        name: "host-membership-unchecked",
        clauses: &["INV-5"],
        description: "placement.host outside the cluster is accepted",
    },
    Meta {
        defect: Defect::PoolHostUnchecked,
        name: "pool-host-unchecked",
        clauses: &["INV-6"],
        description: "placement.resource_pool not belonging to placement.host is accepted",
    },
    Meta {
        defect: Defect::PoolWithoutHostAccepted,
        name: "pool-without-host-accepted",
        clauses: &["INV-7"],
        description: "placement.resource_pool without placement.host is accepted on a cluster without DRS",
    },
    Meta {
        defect: Defect::NoPlacementAcceptedWithoutDrs,
        name: "no-placement-accepted-without-drs",
        clauses: &["INV-8"],
        description: "a restore without placement is accepted on a cluster without DRS",
    },
    Meta {
        defect: Defect::PlacementTypeUnchecked,
        name: "placement-type-unchecked",
        clauses: &["INV-9"],
        description: "placement ids naming no object of the right type are ignored instead of refused",
    },
    Meta {
        defect: Defect::MalformedBodyAs500,
        name: "malformed-body-as-500",
        clauses: &["INV-10"],
        description: "a body that is not JSON is answered 500 ERROR instead of 400 INVALID_ARGUMENT",
    },
    Meta {
        defect: Defect::NameCaseInsensitive,
        name: "name-case-insensitive",
        clauses: &["ACC-1"],
        description: "names compare case-insensitively, so a free name differing only in case is refused as taken",
    },
    Meta {
        defect: Defect::NameTakenByLiveVmIgnored,
        name: "name-taken-by-live-vm-ignored",
        clauses: &["DUP-1", "DUP-2", "DUP-3"],
        description: "names of live VMs are not checked",
    },
    Meta {
        defect: Defect::RaceUnprotected,
        name: "race-unprotected",
        clauses: &["DUP-3"],
        description: "names of restores in progress are not reserved, so racing restores of one name both create a VM",
    },
    Meta {
        defect: Defect::Conflict409ForNameClash,
        name: "conflict-409-for-name-clash",
        clauses: &["DUP-1", "FMT-4"],
        description: "a clash with an explicit name is answered 409 ALREADY_EXISTS",
    },
    Meta {
        defect: Defect::LimitOffByOne,
        name: "limit-off-by-one",
        clauses: &["BUSY-1", "BUSY-2"],
        description: "one restore more than the cluster's limit is accepted",
    },
    Meta {
        defect: Defect::LimitNeverFrees,
        name: "limit-never-frees",
        clauses: &["ACC-1", "BUSY-3"],
        description: "finished restores keep counting against the cluster's limit",
    },
    Meta {
        defect: Defect::VmLeftPoweredOn,
        name: "vm-left-powered-on",
        clauses: &["POST-1"],
        description: "the restored VM is left POWERED_ON",
    },
    Meta {
        defect: Defect::IgnoresName,
        name: "ignores-name",
        clauses: &["POST-2", "DUP-3"],
        description: "the restored VM gets the snapshot-time name even when name is given",
    },
    Meta {
        defect: Defect::DefaultNameFromCurrentVm,
        name: "default-name-from-current-vm",
        clauses: &["POST-3"],
        description: "without name, the restored VM gets the VM's current name instead of its snapshot-time name",
    },
    Meta {
        defect: Defect::IgnoresFolder,
        name: "ignores-folder",
        clauses: &["POST-4"],
        description: "the restored VM lands in the default VM folder whatever placement.folder says",
    },
    Meta {
        defect: Defect::IgnoresPool,
        name: "ignores-pool",
        clauses: &["POST-5"],
        description: "the restored VM lands in the cluster's root pool whatever placement.resource_pool says",
    },
    Meta {
        defect: Defect::IgnoresHost,
        name: "ignores-host",
        clauses: &["POST-6"],
        description: "the restored VM lands on the cluster's first host whatever placement.host says",
    },
    Meta {
        defect: Defect::TaskNeverFinishes,
        name: "task-never-finishes",
        // Its tasks never report an end: valid restores fail ACC-2, and a task the control
        // plane makes fail never reports FAILED either (ERR-1: a fault must not hang).
        clauses: &["ACC-2", "ERR-1"],
        description: "the task is reported RUNNING forever",
    },
    Meta {
        defect: Defect::TaskGoesBack,
        name: "task-goes-back",
        clauses: &["TASK-1"],
        description: "a task read SUCCEEDED is reported RUNNING on the next read",
    },
    Meta {
        defect: Defect::TaskMissingStartTime,
        name: "task-missing-start-time",
        clauses: &["TASK-2"],
        description: "task Info lacks start_time in RUNNING, SUCCEEDED and FAILED",
    },
    Meta {
        defect: Defect::TaskResultNotVmId,
        name: "task-result-not-vm-id",
        clauses: &["ACC-2", "TASK-2"],
        description: "the SUCCEEDED task's result is a number, not a VirtualMachine id",
    },
    Meta {
        defect: Defect::Accepts200,
        name: "accepts-200",
        clauses: &["ACC-1", "FMT-4"],
        description: "an accepted restore is answered 200 instead of 202",
    },
    Meta {
        defect: Defect::AuthAfterNotFound,
        name: "auth-after-not-found",
        clauses: &["AUTHN-3"],
        description: "an unauthenticated restore on an unknown cluster is answered 404 instead of 401",
    },
    Meta {
        defect: Defect::LogoutKeepsSession,
        name: "logout-keeps-session",
        // A logged-out session then passes authentication: otherwise valid requests get 202
        // (AUTHN-2), and a request that is also wrong elsewhere gets that error instead of 401
        // (AUTHN-3: no unauthenticated request gets 400, 403 or 404).
        clauses: &["AUTHN-2", "AUTHN-3"],
        description: "DELETE of the session answers 204 but the session stays valid",
    },
    Meta {
        defect: Defect::SideEffectBeforeCheck,
        name: "side-effect-before-check",
        clauses: &["REJ-1"],
        description: "a restore refused for its placement still creates the VM",
    },
    Meta {
        defect: Defect::Fault500AsHtml,
        name: "fault-500-as-html",
        clauses: &["ERR-1", "FMT-1", "FMT-3"],
        description: "an injected 500 is answered with an HTML page",
    },
    Meta {
        defect: Defect::UnavailableAs500,
        name: "unavailable-as-500",
        clauses: &["UNAV-1"],
        description: "an injected 503 is answered 500 ERROR",
    },
    Meta {
        defect: Defect::TextPlainErrors,
        name: "text-plain-errors",
        clauses: &["FMT-3"],
        description: "restore error responses carry Content-Type text/plain",
    },
    Meta {
        defect: Defect::ErrorWithoutMessageIds,
        name: "error-without-message-ids",
        clauses: &["FMT-1"],
        description: "restore error messages lack id and args",
    },
    Meta {
        defect: Defect::ErrorTypeMismatch,
        name: "error-type-mismatch",
        clauses: &["FMT-2"],
        description: "an unknown session id on restore is answered 401 with error_type UNAUTHORIZED",
    },
];

const ALL: &[Defect] = &[
    Defect::AuthzClusterUnchecked,
    Defect::AuthzFolderUnchecked,
    Defect::AuthzPoolUnchecked,
    Defect::AuthzAfterSpecChecks,
    Defect::FolderGrantNotPropagated,
    Defect::PoolGrantNotPropagated,
    Defect::PropagateAlways,
    Defect::ExtraPrivilegeRequired,
    Defect::ClusterExistenceUnchecked,
    Defect::VmExistenceUnchecked,
    Defect::LiveVmRestorable,
    Defect::MissingSnapshotAccepted,
    Defect::SnapshotExistenceUnchecked,
    Defect::SnapshotClusterUnchecked,
    Defect::HostMembershipUnchecked,
    Defect::PoolHostUnchecked,
    Defect::PoolWithoutHostAccepted,
    Defect::NoPlacementAcceptedWithoutDrs,
    Defect::PlacementTypeUnchecked,
    Defect::MalformedBodyAs500,
    Defect::NameCaseInsensitive,
    Defect::NameTakenByLiveVmIgnored,
    Defect::RaceUnprotected,
    Defect::Conflict409ForNameClash,
    Defect::LimitOffByOne,
    Defect::LimitNeverFrees,
    Defect::VmLeftPoweredOn,
    Defect::IgnoresName,
    Defect::DefaultNameFromCurrentVm,
    Defect::IgnoresFolder,
    Defect::IgnoresPool,
    Defect::IgnoresHost,
    Defect::TaskNeverFinishes,
    Defect::TaskGoesBack,
    Defect::TaskMissingStartTime,
    Defect::TaskResultNotVmId,
    Defect::Accepts200,
    Defect::AuthAfterNotFound,
    Defect::LogoutKeepsSession,
    Defect::SideEffectBeforeCheck,
    Defect::Fault500AsHtml,
    Defect::UnavailableAs500,
    Defect::TextPlainErrors,
    Defect::ErrorWithoutMessageIds,
    Defect::ErrorTypeMismatch,
];

impl Defect {
    /// Every defect, in declaration order.
    pub fn all() -> &'static [Defect] {
        ALL
    }

    fn meta(&self) -> &'static Meta {
        // META is written in the order of ALL; the unit test below keeps the two in step.
        &META[*self as usize]
    }

    /// The kebab-case name used on the command line (`--defect NAME`).
    pub fn name(&self) -> &'static str {
        self.meta().name
    }

    pub fn parse(s: &str) -> Option<Defect> {
        META.iter().find(|m| m.name == s).map(|m| m.defect)
    }

    /// The clause ids a correct harness sees fail against the default fixture.
    pub fn clauses(&self) -> &'static [&'static str] {
        self.meta().clauses
    }

    pub fn description(&self) -> &'static str {
        self.meta().description
    }
}

impl std::fmt::Display for Defect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of defects, tested in O(1) on the request path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Defects(u64);

impl Defects {
    pub fn of(list: &[Defect]) -> Defects {
        Defects(list.iter().fold(0, |acc, d| acc | (1u64 << *d as u32)))
    }

    pub fn has(self, d: Defect) -> bool {
        self.0 & (1u64 << d as u32) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_is_in_step_with_the_enum() {
        assert_eq!(META.len(), ALL.len());
        for (i, d) in ALL.iter().enumerate() {
            assert_eq!(*d as usize, i, "{d:?} out of order in ALL");
            assert_eq!(META[i].defect, *d, "{d:?} out of order in META");
        }
        assert!(ALL.len() >= 24 && ALL.len() <= 64);
    }

    #[test]
    fn names_are_unique_kebab_case_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for d in Defect::all() {
            let n = d.name();
            assert!(seen.insert(n), "duplicate name {n}");
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{n} is not kebab-case"
            );
            assert_eq!(Defect::parse(n), Some(*d));
        }
        assert_eq!(Defect::parse("no-such-defect"), None);
    }

    #[test]
    fn declared_clauses_exist_in_the_catalog() {
        for d in Defect::all() {
            assert!(!d.clauses().is_empty(), "{d} declares no clause");
            for c in d.clauses() {
                assert!(
                    crate::clause::get(c).is_some(),
                    "{d} declares unknown clause {c}"
                );
            }
            assert!(!d.description().is_empty());
        }
    }

    #[test]
    fn defect_set_holds_exactly_its_members() {
        let s = Defects::of(&[Defect::Accepts200, Defect::ErrorTypeMismatch]);
        assert!(s.has(Defect::Accepts200) && s.has(Defect::ErrorTypeMismatch));
        assert!(!s.has(Defect::IgnoresHost));
        assert!(!Defects::default().has(Defect::AuthzClusterUnchecked));
    }
}

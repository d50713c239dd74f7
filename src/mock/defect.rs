//! Defect modes: each one breaks exactly one documented promise of the restore operation, so
//! the suite can be shown catching it (`design.md`, principle 3).
//!
//! The mock's normal code asks `defects.has(Defect::X)` at the one point where the promise is
//! kept; a defect is never a second implementation. Each defect declares the clauses a correct
//! harness sees fail when it runs the suite against the default fixture.
//!
//! The list is declared once, in the `defects!` table below: variant, command-line name, the
//! clauses it breaks, and what is wrong in words. A row's clauses are written with the defect;
//! any later change to them carries a doc line saying why (`/// Clauses changed: ...`), so a
//! declaration is never quietly widened to match what the suite happened to report. The enum, `Defect::all`, `name`, `parse`,
//! `clauses` and `description` are all generated from it.

use crate::clause::ClauseId;

/// Declares `Defect` and its lookups from one table of
/// `Variant = "cli-name" [CLAUSE_IDS] "description";` rows.
macro_rules! defects {
    ($($(#[$meta:meta])* $variant:ident = $name:literal [$($clause:ident),+] $description:literal;)+) => {
        /// One deliberately broken promise.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Defect {
            $(#[doc = $description] $(#[$meta])* $variant,)+
        }

        impl Defect {
            const ALL: &'static [Defect] = &[$(Defect::$variant),+];

            /// The kebab-case name used on the command line (`--defect NAME`).
            pub fn name(&self) -> &'static str {
                match self {
                    $(Defect::$variant => $name,)+
                }
            }

            /// The clauses a correct harness sees fail against the default fixture.
            pub fn clauses(&self) -> &'static [ClauseId] {
                match self {
                    $(Defect::$variant => &[$(ClauseId::$clause),+],)+
                }
            }

            /// What is wrong, in words.
            pub fn description(&self) -> &'static str {
                match self {
                    $(Defect::$variant => $description,)+
                }
            }
        }
    };
}

defects! {
    AuthzClusterUnchecked = "authz-cluster-unchecked" [AUTHZ_1, AUTHZ_5]
        "Host.Config.Storage on the cluster is not checked (the principal without a propagated grant is let through too)";
    /// Clauses changed (10cbc24): + AUTHZ-5, with the folder check gone a grant without propagation stops mattering too.
    AuthzFolderUnchecked = "authz-folder-unchecked" [AUTHZ_2, AUTHZ_5]
        "VirtualMachine.Inventory.Create on placement.folder is not checked";
    /// Clauses changed (10cbc24): + AUTHZ-5, with the pool check gone a grant without propagation stops mattering too.
    AuthzPoolUnchecked = "authz-pool-unchecked" [AUTHZ_3, AUTHZ_5]
        "Resource.AssignVMToPool on placement.resource_pool is not checked";
    AuthzAfterSpecChecks = "authz-after-spec-checks" [AUTHZ_6]
        "folder and pool privileges are checked after the snapshot, name and placement, so a refused principal learns whether they were valid";
    /// Clauses changed (3b60ef5, 98af733): ACC-1 then AUTHZ-4 dropped, a refused grant held through propagation is blamed on AUTHZ-5.
    FolderGrantNotPropagated = "folder-grant-not-propagated" [AUTHZ_5]
        "a propagating grant on a VM folder is not held on its subfolders";
    /// Clauses changed (3b60ef5): ACC-1 dropped, a refused grant held through propagation is blamed on AUTHZ-5.
    PoolGrantNotPropagated = "pool-grant-not-propagated" [AUTHZ_5]
        "a propagating grant on a resource pool is not held on its child pools";
    /// Clauses changed (3b60ef5): AUTHZ-1 dropped, AUTHZ-1's cases use principals with no grant at all, which propagation cannot change.
    PropagateAlways = "propagate-always" [AUTHZ_5]
        "grants without propagation are held on every descendant";
    /// Clauses changed (3b60ef5): ACC-1 dropped, a 403 of an acceptable case is blamed on the privilege clauses.
    ExtraPrivilegeRequired = "extra-privilege-required" [AUTHZ_4, AUTHZ_5]
        "System.Read on the cluster is required on top of the documented privileges";
    ClusterExistenceUnchecked = "cluster-existence-unchecked" [NF_1]
        "an unknown cluster is not refused with 404 (the privilege check then answers 403)";
    VmExistenceUnchecked = "vm-existence-unchecked" [NF_2]
        "an unknown VM is not refused with 404 (the snapshot check then answers 400)";
    LiveVmRestorable = "live-vm-restorable" [INV_13]
        "a live VM is restored like a deleted one";
    MissingSnapshotAccepted = "missing-snapshot-accepted" [INV_1]
        "a body without snapshot (or with snapshot null) is accepted; the newest snapshot is used";
    SnapshotExistenceUnchecked = "snapshot-existence-unchecked" [INV_2]
        "an unknown snapshot is accepted with 202 and the task fails";
    SnapshotClusterUnchecked = "snapshot-cluster-unchecked" [INV_3]
        "a snapshot of a VM on another cluster is accepted";
    HostMembershipUnchecked = "host-membership-unchecked" [INV_5]
        "placement.host outside the cluster is accepted";
    PoolHostUnchecked = "pool-host-unchecked" [INV_6]
        "placement.resource_pool not belonging to placement.host is accepted";
    PoolWithoutHostAccepted = "pool-without-host-accepted" [INV_7]
        "placement.resource_pool without placement.host is accepted on a cluster without DRS";
    NoPlacementAcceptedWithoutDrs = "no-placement-accepted-without-drs" [INV_8]
        "a restore without placement is accepted on a cluster without DRS";
    PlacementTypeUnchecked = "placement-type-unchecked" [INV_9]
        "placement ids naming no object of the right type are ignored instead of refused";
    MalformedBodyAs500 = "malformed-body-as-500" [INV_10]
        "a body that is not JSON is answered 500 ERROR instead of 400 INVALID_ARGUMENT";
    /// Clauses changed (a555a0d): + DUP-3, the race's straggler restores a name a live VM holds.
    NameTakenByLiveVmIgnored = "name-taken-by-live-vm-ignored" [DUP_1, DUP_2, DUP_3]
        "names of live VMs are not checked";
    RaceUnprotected = "race-unprotected" [DUP_3]
        "names of restores in progress are not reserved, so racing restores of one name both create a VM";
    /// Clauses changed (3b60ef5): FMT-2 dropped, FMT-2 judges the documented statuses only; 409 is FMT-4's.
    Conflict409ForNameClash = "conflict-409-for-name-clash" [DUP_1, FMT_4]
        "a clash with an explicit name is answered 409 ALREADY_EXISTS";
    LimitOffByOne = "limit-off-by-one" [BUSY_1, BUSY_2]
        "one restore more than the cluster's limit is accepted";
    LimitNeverFrees = "limit-never-frees" [ACC_1, BUSY_3]
        "finished restores keep counting against the cluster's limit";
    VmLeftPoweredOn = "vm-left-powered-on" [POST_1]
        "the restored VM is left POWERED_ON";
    /// Clauses changed (a555a0d): + DUP-3, racers of one name all get the snapshot-time name, so its VM is made twice.
    IgnoresName = "ignores-name" [POST_2, DUP_3]
        "the restored VM gets the snapshot-time name even when name is given";
    DefaultNameFromCurrentVm = "default-name-from-current-vm" [POST_3]
        "without name, the restored VM gets the VM's current name instead of its snapshot-time name";
    IgnoresFolder = "ignores-folder" [POST_4]
        "the restored VM lands in the default VM folder whatever placement.folder says";
    IgnoresPool = "ignores-pool" [POST_5]
        "the restored VM lands in the cluster's root pool whatever placement.resource_pool says";
    IgnoresHost = "ignores-host" [POST_6]
        "the restored VM lands on the cluster's first host whatever placement.host says";
    // Its tasks never report an end: valid restores fail ACC-2, and a task the control plane
    // makes fail never reports FAILED either (ERR-1: a fault must not hang).
    /// Clauses changed (22eaf80): + ERR-1, see the comment above.
    TaskNeverFinishes = "task-never-finishes" [ACC_2, ERR_1]
        "the task is reported RUNNING forever";
    TaskGoesBack = "task-goes-back" [TASK_1]
        "a task read SUCCEEDED is reported RUNNING on the next read";
    TaskMissingStartTime = "task-missing-start-time" [TASK_2]
        "task Info lacks start_time in RUNNING, SUCCEEDED and FAILED";
    TaskResultNotVmId = "task-result-not-vm-id" [ACC_2, TASK_2]
        "the SUCCEEDED task's result is a number, not a VirtualMachine id";
    Accepts200 = "accepts-200" [ACC_1, FMT_4]
        "an accepted restore is answered 200 instead of 202";
    AuthAfterNotFound = "auth-after-not-found" [AUTHN_3]
        "an unauthenticated restore on an unknown cluster is answered 404 instead of 401";
    // A logged-out session then passes authentication: otherwise valid requests get 202
    // (AUTHN-2), and a request that is also wrong elsewhere gets that error instead of 401
    // (AUTHN-3: no unauthenticated request gets 400, 403 or 404).
    /// Clauses changed (22eaf80): + AUTHN-3, see the comment above.
    LogoutKeepsSession = "logout-keeps-session" [AUTHN_2, AUTHN_3]
        "DELETE of the session answers 204 but the session stays valid";
    SideEffectBeforeCheck = "side-effect-before-check" [REJ_1]
        "a restore refused for its placement still creates the VM";
    Fault500AsHtml = "fault-500-as-html" [ERR_1, FMT_1, FMT_3]
        "an injected 500 is answered with an HTML page";
    UnavailableAs500 = "unavailable-as-500" [UNAV_1]
        "an injected 503 is answered 500 ERROR";
    TextPlainErrors = "text-plain-errors" [FMT_3]
        "restore error responses carry Content-Type text/plain";
    ErrorWithoutMessageIds = "error-without-message-ids" [FMT_1]
        "restore error messages lack id and args";
    ErrorTypeMismatch = "error-type-mismatch" [FMT_2]
        "an unknown session id on restore is answered 401 with error_type UNAUTHORIZED";
    // Issue 13's defects: each declares what it breaks as written with it.
    ErrorMessagesEmpty = "error-messages-empty" [FMT_1]
        "restore errors carry an empty messages array";
    TaskTimeNotRfc3339 = "task-time-not-rfc3339" [TASK_2]
        "task start_time and end_time are written `2026-11-28 01:56:33` (a space for T, no offset)";
    Limit429 = "limit-429" [BUSY_1, FMT_4]
        "a restore over the cluster's limit is answered 429 (error_type NOT_ALLOWED_IN_CURRENT_STATE)";
    LimitRefusedAsInvalid = "limit-refused-as-invalid" [BUSY_1]
        "a restore over the cluster's limit is refused 400 INVALID_ARGUMENT instead of NOT_ALLOWED_IN_CURRENT_STATE";
    RaceLoserAsInvalid = "race-loser-as-invalid" [DUP_3]
        "a restore whose name a restore in progress holds is refused 400 INVALID_ARGUMENT instead of ALREADY_EXISTS";
    SideEffectLater = "side-effect-later" [REJ_1]
        "a restore refused for its placement creates the VM 1.5 s after the refusal";
    SideEffectRenamed = "side-effect-renamed" [REJ_1]
        "a restore refused for its placement creates a VM named `<name>-copy`";
    RefusalStartsTask = "refusal-starts-task" [REJ_1]
        "a restore refused for its placement starts a restore task anyway (it ends FAILED, creating nothing)";
}

impl Defect {
    /// Every defect, in declaration order.
    pub fn all() -> &'static [Defect] {
        Defect::ALL
    }

    /// The defect named `s` on the command line, if any.
    pub fn parse(s: &str) -> Option<Defect> {
        Defect::ALL.iter().copied().find(|d| d.name() == s)
    }
}

impl std::fmt::Display for Defect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

// `Defects` is a 64-bit set.
const _: () = assert!(Defect::ALL.len() <= 64);

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
    fn defect_set_holds_exactly_its_members() {
        let s = Defects::of(&[Defect::Accepts200, Defect::ErrorTypeMismatch]);
        assert!(s.has(Defect::Accepts200) && s.has(Defect::ErrorTypeMismatch));
        assert!(!s.has(Defect::IgnoresHost));
        assert!(!Defects::default().has(Defect::AuthzClusterUnchecked));
    }
}

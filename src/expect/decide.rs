//! `expected()`: the set of conforming answers to a case, written from the clause catalog
//! (`clauses.md`) and the field docs (`restore-api.md`), never from the mock.
//!
//! The case is read as the server would read it (path, query, body), every fault the catalog
//! names is collected with the outcomes the catalog allows for it, and the faults are combined:
//! - an unauthenticated request is 401 and nothing else (AUTHN-3);
//! - a request that is not the restore operation (unknown `action`, `vmw-task` not `true`) gets
//!   only the answers for that, since nothing of restore applies to it;
//! - otherwise the documentation leaves the order of checks open, so any fault's outcomes
//!   conform (the union), except that a definite 403 hides snapshot and name faults (AUTHZ-6);
//! - `202` conforms only when every fault is one the catalog lets a server accept (INV-4,
//!   INV-11, INV-12, a privilege missing on an object no field names);
//! - `strict` narrows to the first fault in the mock's documented decision order.
//!
//! Faults that only follow from an unknown path object are not counted: with an unknown
//! cluster, the VM and snapshot are not "on another cluster"; with an unknown VM, the snapshot is
//! not "of another VM". A body that cannot be read as a `RestoreSpec` (INV-10, INV-1) cannot be
//! checked any further.

use serde_json::Value;

use super::outcome::{Expected, FaultOutcomes, Outcome, o};
use super::privilege;
use crate::clause::ClauseId;
use crate::model::privilege::CLUSTER_STORAGE;
use crate::model::world::Cluster;
use crate::model::{Auth, Body, Case};
use crate::model::{Kind, World};

/// The mock's decision order (common brief), used only to pick the strict answer and the clause
/// to blame first.
pub(super) mod step {
    pub(crate) const ACTION: u8 = 2;
    pub(crate) const CLUSTER: u8 = 3;
    pub(crate) const CLUSTER_PRIVILEGE: u8 = 4;
    pub(crate) const VM: u8 = 5;
    pub(crate) const BODY: u8 = 6;
    pub(crate) const PLACEMENT_IDS: u8 = 7;
    pub(crate) const PLACEMENT_PRIVILEGE: u8 = 8;
    pub(crate) const SNAPSHOT: u8 = 9;
    pub(crate) const NAME: u8 = 10;
    pub(crate) const PLACEMENT: u8 = 11;
    pub(crate) const COLLISION: u8 = 12;
}

#[derive(Debug)]
pub(super) struct Fault {
    pub(super) step: u8,
    pub(super) clause: ClauseId,
    /// The clause a wrong answer breaks (usually `clause`).
    pub(super) blame: ClauseId,
    pub(super) errors: &'static [Outcome],
    /// The catalog also lets a server accept the request despite this fault.
    pub(super) optional: bool,
    /// The mock's answer for this fault; `None` when the mock lets it pass.
    pub(super) strict: Option<Outcome>,
    /// A snapshot or name fault: hidden behind a definite 403 (AUTHZ-6).
    pub(super) spec: bool,
    /// False for the "privilege missing on a default object" fault, which belongs to no
    /// mutation and so is never the clause to blame.
    pub(super) blameworthy: bool,
    pub(super) reason: String,
}

impl Fault {
    pub(super) fn exact(
        step: u8,
        clause: ClauseId,
        errors: &'static [Outcome],
        reason: String,
    ) -> Self {
        Fault {
            step,
            clause,
            blame: clause,
            errors,
            optional: false,
            strict: Some(errors[0]),
            spec: false,
            blameworthy: true,
            reason,
        }
    }

    pub(super) fn spec(mut self) -> Self {
        self.spec = true;
        self
    }

    pub(super) fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
}

/// The set of conforming answers to `case` against `world`.
pub fn expected(world: &World, case: &Case, strict: bool) -> Expected {
    let principal = match &case.auth {
        Auth::Principal(p) => p.as_str(),
        Auth::NoHeader => return unauthenticated(ClauseId::AUTHN_1, "no session header"),
        Auth::Garbage(_) => {
            return unauthenticated(ClauseId::AUTHN_2, "a session id the server never issued");
        }
        Auth::LoggedOut(_) => return unauthenticated(ClauseId::AUTHN_2, "a logged-out session id"),
    };
    let mut a = Analysis {
        world,
        case,
        principal,
        faults: Vec::new(),
        side: Vec::new(),
        refusal_blame: None,
    };
    a.run();
    a.finish(strict)
}

fn unauthenticated(clause: ClauseId, why: &str) -> Expected {
    Expected {
        outcomes: vec![o::UNAUTHENTICATED],
        clauses: vec![clause, ClauseId::AUTHN_3],
        blame: clause,
        blame_refusal: None,
        reason: format!("unauthenticated: {why}"),
        faults: Vec::new(),
    }
}

pub(super) struct Analysis<'a> {
    pub(super) world: &'a World,
    pub(super) case: &'a Case,
    pub(super) principal: &'a str,
    pub(super) faults: Vec<Fault>,
    /// Clauses exercised besides the faults' own.
    pub(super) side: Vec<ClauseId>,
    pub(super) refusal_blame: Option<ClauseId>,
}

impl<'a> Analysis<'a> {
    pub(super) fn push(&mut self, f: Fault) {
        self.faults.push(f);
    }

    fn run(&mut self) {
        let case = self.case;
        if case.action != "restore" {
            self.push(Fault::exact(
                step::ACTION,
                ClauseId::FMT_2,
                &[o::OPERATION_NOT_FOUND, o::NOT_FOUND],
                format!("unknown action `{}`", case.action),
            ));
        }
        if case.vmw_task.as_deref() != Some("true") {
            self.push(Fault::exact(
                step::ACTION,
                ClauseId::FMT_4,
                &[o::INVALID, o::OPERATION_NOT_FOUND, o::NOT_FOUND],
                format!("vmw-task is {:?}, not `true`", case.vmw_task),
            ));
        }
        if !self.faults.is_empty() {
            return;
        }

        let cluster = self.world.clusters.get(&case.cluster);
        match cluster {
            None => self.push(Fault::exact(
                step::CLUSTER,
                ClauseId::NF_1,
                &[o::NOT_FOUND],
                format!("no cluster `{}`", case.cluster),
            )),
            Some(c) => self.check_privilege(
                step::CLUSTER_PRIVILEGE,
                ClauseId::AUTHZ_1,
                CLUSTER_STORAGE,
                &c.id,
                true,
            ),
        }
        // The deleted VM this restore is anchored on, when it is one of this cluster's.
        let anchor = self.check_vm(cluster);

        let parsed;
        let value = match &case.body {
            Body::Spec(v) => Some(v),
            Body::Raw(s) => {
                parsed = serde_json::from_str::<Value>(s).ok();
                parsed.as_ref()
            }
        };
        let Some(spec) = self.read_body(value) else {
            return;
        };
        self.check_spec(cluster, anchor, &spec);
    }

    /// Records a missing privilege. `named` = the object is named by the request (the cluster,
    /// or a placement field); otherwise it is a default object, which the page does not name, so
    /// a 403 there is allowed but not required.
    pub(super) fn check_privilege(
        &mut self,
        step: u8,
        clause: ClauseId,
        privilege: &str,
        object: &str,
        named: bool,
    ) {
        let g = privilege::grant(self.world, self.principal, privilege, object);
        if named && g.by_propagation {
            self.side.push(ClauseId::AUTHZ_5);
            if g.held {
                self.refusal_blame.get_or_insert(ClauseId::AUTHZ_5);
            }
        }
        if g.held {
            return;
        }
        let mut f = Fault::exact(
            step,
            clause,
            &[o::UNAUTHORIZED],
            format!("`{}` lacks {privilege} on `{object}`", self.principal),
        );
        if g.by_propagation && named {
            f.blame = ClauseId::AUTHZ_5;
        }
        if !named {
            f = f.optional();
            f.strict = None;
            f.blameworthy = false;
            f.reason
                .push_str(" (a default object: 403 allowed, not required)");
        }
        self.push(f);
    }

    fn check_vm(&mut self, cluster: Option<&Cluster>) -> Option<&'a str> {
        let world = self.world;
        let vm = self.case.vm.as_str();
        match world.kind_of(vm) {
            Some(Kind::DeletedVm) => {
                let d = &world.deleted_vms[vm];
                let c = cluster?;
                if d.cluster == c.id {
                    Some(d.id.as_str())
                } else {
                    self.push(Fault::exact(
                        step::VM,
                        ClauseId::NF_3,
                        &[o::NOT_FOUND, o::INVALID],
                        format!("`{vm}` is protected on `{}`, not `{}`", d.cluster, c.id),
                    ));
                    None
                }
            }
            Some(Kind::Vm) => {
                self.push(Fault::exact(
                    step::VM,
                    ClauseId::INV_13,
                    &[o::INVALID, o::EXISTS, o::NOT_ALLOWED],
                    format!("`{vm}` is a live VM"),
                ));
                None
            }
            _ => {
                self.push(Fault::exact(
                    step::VM,
                    ClauseId::NF_2,
                    &[o::NOT_FOUND],
                    format!("no virtual machine `{vm}`"),
                ));
                None
            }
        }
    }

    fn finish(mut self, strict: bool) -> Expected {
        let refused = self
            .faults
            .iter()
            .any(|f| !f.optional && f.errors == [o::UNAUTHORIZED]);
        if refused {
            let before = self.faults.len();
            self.faults.retain(|f| !f.spec);
            if self.faults.len() != before {
                self.side.push(ClauseId::AUTHZ_6);
            }
        }
        // Stable: faults of one step keep the order they were found in.
        self.faults.sort_by_key(|f| f.step);

        let mut outcomes: Vec<Outcome> = self
            .faults
            .iter()
            .flat_map(|f| f.errors.iter().copied())
            .collect();
        if self.faults.iter().all(|f| f.optional) {
            outcomes.push(Outcome::Accepted);
        }
        outcomes.sort();
        outcomes.dedup();
        if strict {
            let pick = self
                .faults
                .iter()
                .find_map(|f| f.strict)
                .unwrap_or(Outcome::Accepted);
            outcomes = vec![pick];
        }

        let blame = self
            .faults
            .iter()
            .find(|f| f.blameworthy && !f.optional)
            .or_else(|| self.faults.iter().find(|f| f.blameworthy))
            .map_or(ClauseId::ACC_1, |f| f.blame);
        let mut clauses: Vec<ClauseId> = self
            .faults
            .iter()
            .filter(|f| f.blameworthy)
            .map(|f| f.clause)
            .collect();
        clauses.append(&mut self.side);
        if blame == ClauseId::ACC_1 {
            clauses.push(ClauseId::ACC_1);
        }
        clauses.push(blame);
        let cluster_known = self.world.clusters.contains_key(&self.case.cluster);
        let mut blame_refusal = self.refusal_blame;
        if cluster_known
            && !outcomes.contains(&o::UNAUTHORIZED)
            && privilege::holds_exactly_documented(self.world, self.principal)
        {
            clauses.push(ClauseId::AUTHZ_4);
            // A refusal of a privilege that came through propagation says more about AUTHZ-5
            // than about the documented set; only grants held directly are AUTHZ-4's.
            blame_refusal = blame_refusal.or(Some(ClauseId::AUTHZ_4));
        }
        // Sorted by id text, as reports and replay files have always listed them.
        clauses.sort_by_key(|c| c.as_str());
        clauses.dedup();

        let reason = if self.faults.is_empty() {
            "valid request".to_owned()
        } else {
            self.faults
                .iter()
                .map(|f| f.reason.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let faults = if self.faults.len() > 1 {
            self.faults
                .iter()
                .filter(|f| f.blameworthy)
                .map(|f| {
                    let mut outcomes = f.errors.to_vec();
                    if f.optional {
                        outcomes.push(Outcome::Accepted);
                    }
                    let mut clauses = vec![f.clause, f.blame];
                    clauses.dedup();
                    FaultOutcomes { clauses, outcomes }
                })
                .collect()
        } else {
            Vec::new()
        };
        Expected {
            outcomes,
            clauses,
            blame,
            blame_refusal,
            reason,
            faults,
        }
    }
}

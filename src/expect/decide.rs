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

use serde_json::{Map, Value};

use super::outcome::{Expected, Outcome, o};
use super::privilege::{self, CLUSTER_STORAGE, FOLDER_CREATE, POOL_ASSIGN};
use crate::generate::{Body, Case};
use crate::model::world::Cluster;
use crate::model::{Kind, World};
use crate::runner::Auth;

const SPEC_FIELDS: [&str; 3] = ["snapshot", "name", "placement"];
const PLACEMENT_FIELDS: [&str; 3] = ["folder", "resource_pool", "host"];

/// The mock's decision order (common brief), used only to pick the strict answer and the clause
/// to blame first.
mod step {
    pub const ACTION: u8 = 2;
    pub const CLUSTER: u8 = 3;
    pub const CLUSTER_PRIVILEGE: u8 = 4;
    pub const VM: u8 = 5;
    pub const BODY: u8 = 6;
    pub const PLACEMENT_IDS: u8 = 7;
    pub const PLACEMENT_PRIVILEGE: u8 = 8;
    pub const SNAPSHOT: u8 = 9;
    pub const NAME: u8 = 10;
    pub const PLACEMENT: u8 = 11;
    pub const COLLISION: u8 = 12;
}

#[derive(Debug)]
struct Fault {
    step: u8,
    clause: &'static str,
    /// The clause a wrong answer breaks (usually `clause`).
    blame: &'static str,
    errors: &'static [Outcome],
    /// The catalog also lets a server accept the request despite this fault.
    optional: bool,
    /// The mock's answer for this fault; `None` when the mock lets it pass.
    strict: Option<Outcome>,
    /// A snapshot or name fault: hidden behind a definite 403 (AUTHZ-6).
    spec: bool,
    /// False for the "privilege missing on a default object" fault, which belongs to no
    /// mutation and so is never the clause to blame.
    blameworthy: bool,
    reason: String,
}

impl Fault {
    fn exact(step: u8, clause: &'static str, errors: &'static [Outcome], reason: String) -> Self {
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

    fn spec(mut self) -> Self {
        self.spec = true;
        self
    }

    fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
}

/// The set of conforming answers to `case` against `world`.
pub fn expected(world: &World, case: &Case, strict: bool) -> Expected {
    let principal = match &case.auth {
        Auth::Principal(p) => p.as_str(),
        Auth::NoHeader => return unauthenticated("AUTHN-1", "no session header"),
        Auth::Garbage(_) => {
            return unauthenticated("AUTHN-2", "a session id the server never issued");
        }
        Auth::LoggedOut(_) => return unauthenticated("AUTHN-2", "a logged-out session id"),
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

fn unauthenticated(clause: &'static str, why: &str) -> Expected {
    Expected {
        outcomes: vec![o::UNAUTHENTICATED],
        clauses: vec![clause, "AUTHN-3"],
        blame: clause,
        blame_refusal: None,
        reason: format!("unauthenticated: {why}"),
    }
}

struct Analysis<'a> {
    world: &'a World,
    case: &'a Case,
    principal: &'a str,
    faults: Vec<Fault>,
    /// Clauses exercised besides the faults' own.
    side: Vec<&'static str>,
    refusal_blame: Option<&'static str>,
}

/// A placement or name field as the body gives it.
#[derive(Clone, Copy, PartialEq)]
enum Field<'v> {
    Unset,
    Str(&'v str),
    Wrong,
}

fn field<'v>(m: &'v Map<String, Value>, key: &str) -> Field<'v> {
    match m.get(key) {
        None | Some(Value::Null) => Field::Unset,
        Some(Value::String(s)) => Field::Str(s),
        Some(_) => Field::Wrong,
    }
}

/// The body once read as a `RestoreSpec`.
struct Spec<'v> {
    snapshot: &'v str,
    name: Option<&'v str>,
    /// `None` = placement unset.
    placement: Option<Placement<'v>>,
}

#[derive(Clone, Copy)]
struct Placement<'v> {
    folder: Option<&'v str>,
    pool: Option<&'v str>,
    host: Option<&'v str>,
}

impl<'a> Analysis<'a> {
    fn push(&mut self, f: Fault) {
        self.faults.push(f);
    }

    fn run(&mut self) {
        let case = self.case;
        if case.action != "restore" {
            self.push(Fault::exact(
                step::ACTION,
                "FMT-2",
                &[o::OPERATION_NOT_FOUND, o::NOT_FOUND],
                format!("unknown action `{}`", case.action),
            ));
        }
        if case.vmw_task.as_deref() != Some("true") {
            self.push(Fault::exact(
                step::ACTION,
                "FMT-4",
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
                "NF-1",
                &[o::NOT_FOUND],
                format!("no cluster `{}`", case.cluster),
            )),
            Some(c) => self.check_privilege(
                step::CLUSTER_PRIVILEGE,
                "AUTHZ-1",
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
    fn check_privilege(
        &mut self,
        step: u8,
        clause: &'static str,
        privilege: &'static str,
        object: &str,
        named: bool,
    ) {
        let g = privilege::grant(self.world, self.principal, privilege, object);
        if named && g.by_propagation {
            self.side.push("AUTHZ-5");
            if g.held {
                self.refusal_blame.get_or_insert("AUTHZ-5");
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
            f.blame = "AUTHZ-5";
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
                        "NF-3",
                        &[o::NOT_FOUND, o::INVALID],
                        format!("`{vm}` is protected on `{}`, not `{}`", d.cluster, c.id),
                    ));
                    None
                }
            }
            Some(Kind::Vm) => {
                self.push(Fault::exact(
                    step::VM,
                    "INV-13",
                    &[o::INVALID, o::EXISTS, o::NOT_ALLOWED],
                    format!("`{vm}` is a live VM"),
                ));
                None
            }
            _ => {
                self.push(Fault::exact(
                    step::VM,
                    "NF-2",
                    &[o::NOT_FOUND],
                    format!("no virtual machine `{vm}`"),
                ));
                None
            }
        }
    }

    fn bad_body(&mut self, clause: &'static str, reason: String) {
        self.push(Fault::exact(step::BODY, clause, &[o::INVALID], reason));
    }

    /// Reads the body as a `RestoreSpec`; `None` (with the faults recorded) when it cannot be.
    fn read_body<'v>(&mut self, value: Option<&'v Value>) -> Option<Spec<'v>> {
        let Some(value) = value else {
            self.bad_body("INV-10", "the body is not JSON".into());
            return None;
        };
        let Some(m) = value.as_object() else {
            self.bad_body("INV-10", "the body is not a JSON object".into());
            return None;
        };
        let mut readable = true;
        let snapshot = match field(m, "snapshot") {
            Field::Str(s) => Some(s),
            Field::Unset => {
                self.bad_body("INV-1", "`snapshot` is absent or null".into());
                None
            }
            Field::Wrong => {
                self.bad_body("INV-10", "`snapshot` is not a string".into());
                None
            }
        };
        let name = match field(m, "name") {
            Field::Str(s) => Some(s),
            Field::Unset => None,
            Field::Wrong => {
                self.bad_body("INV-10", "`name` is not a string".into());
                readable = false;
                None
            }
        };
        let mut extra: Vec<String> = m
            .keys()
            .filter(|k| !SPEC_FIELDS.contains(&k.as_str()))
            .cloned()
            .collect();
        let placement = match m.get("placement") {
            None | Some(Value::Null) => None,
            Some(Value::Object(p)) => {
                let mut get = |key: &str| match field(p, key) {
                    Field::Str(s) => Some(s),
                    Field::Unset => None,
                    Field::Wrong => {
                        readable = false;
                        None
                    }
                };
                let placement = Placement {
                    folder: get("folder"),
                    pool: get("resource_pool"),
                    host: get("host"),
                };
                extra.extend(
                    p.keys()
                        .filter(|k| !PLACEMENT_FIELDS.contains(&k.as_str()))
                        .map(|k| format!("placement.{k}")),
                );
                Some(placement)
            }
            Some(_) => {
                self.bad_body("INV-10", "`placement` is not an object".into());
                readable = false;
                None
            }
        };
        if !readable && !self.faults.iter().any(|f| f.clause == "INV-10") {
            self.bad_body("INV-10", "a `placement` field is not a string".into());
        }
        let snapshot = snapshot?;
        if !readable {
            return None;
        }
        if !extra.is_empty() {
            let mut f = Fault::exact(
                step::BODY,
                "INV-12",
                &[o::INVALID],
                format!("unknown fields {}", extra.join(", ")),
            )
            .optional();
            f.strict = None;
            self.push(f);
        }
        Some(Spec {
            snapshot,
            name,
            placement,
        })
    }

    fn check_spec(&mut self, cluster: Option<&Cluster>, anchor: Option<&str>, spec: &Spec<'_>) {
        let world = self.world;
        let placement = spec.placement.unwrap_or(Placement {
            folder: None,
            pool: None,
            host: None,
        });

        // Step 7: every placement id must name an object of the right type.
        let folder = placement.folder.and_then(|f| {
            self.typed(f, Kind::Folder, "placement.folder", "folder")
                .then_some(f)
        });
        let pool = placement.pool.and_then(|p| {
            self.typed(
                p,
                Kind::ResourcePool,
                "placement.resource_pool",
                "resource pool",
            )
            .then_some(p)
        });
        let host = placement.host.and_then(|h| {
            self.typed(h, Kind::Host, "placement.host", "host")
                .then_some(h)
        });
        if let (Some(f), Some(c)) = (folder, cluster) {
            let dc = &world.folders[f].datacenter;
            let is_vm_folder = world.vm_folders_of(&c.datacenter).any(|x| x.id == f);
            if dc.as_deref() != Some(c.datacenter.as_str()) {
                self.push(Fault::exact(
                    step::PLACEMENT,
                    "INV-5",
                    &[o::INVALID],
                    format!("folder `{f}` is not in datacenter `{}`", c.datacenter),
                ));
            } else if !is_vm_folder {
                // A folder of the right datacenter that holds no VMs (the host folder): a wrong
                // type for a real inventory, which this fixture model cannot tell for sure.
                let mut f = Fault::exact(
                    step::PLACEMENT_IDS,
                    "INV-9",
                    &[o::INVALID, o::NOT_FOUND],
                    format!("folder `{f}` is not a VM folder"),
                )
                .optional();
                f.blameworthy = true;
                self.push(f);
            }
        }

        // Step 8: privileges on the objects the placement names (or, allowed but not
        // required, on the default ones).
        if let Some(f) = folder {
            self.check_privilege(step::PLACEMENT_PRIVILEGE, "AUTHZ-2", FOLDER_CREATE, f, true);
        } else if placement.folder.is_none()
            && let Some(c) = cluster
            && let Some(d) = world.datacenters.get(&c.datacenter)
        {
            self.check_privilege(
                step::PLACEMENT_PRIVILEGE,
                "AUTHZ-2",
                FOLDER_CREATE,
                &d.vm_folder,
                false,
            );
        }
        if let Some(p) = pool {
            self.check_privilege(step::PLACEMENT_PRIVILEGE, "AUTHZ-3", POOL_ASSIGN, p, true);
        } else if placement.pool.is_none()
            && let Some(c) = cluster
        {
            self.check_privilege(
                step::PLACEMENT_PRIVILEGE,
                "AUTHZ-3",
                POOL_ASSIGN,
                &c.root_pool,
                false,
            );
        }

        // Step 9: the snapshot.
        let snapshot = if world.kind_of(spec.snapshot) == Some(Kind::Snapshot) {
            let s = &world.snapshots[spec.snapshot];
            if let Some(c) = cluster
                && s.cluster != c.id
            {
                self.push(
                    Fault::exact(
                        step::SNAPSHOT,
                        "INV-3",
                        &[o::INVALID],
                        format!("snapshot `{}` is of a VM on `{}`", s.id, s.cluster),
                    )
                    .spec(),
                );
            } else if let Some(vm) = anchor
                && s.vm != vm
            {
                self.push(
                    Fault::exact(
                        step::SNAPSHOT,
                        "INV-4",
                        &[o::INVALID],
                        format!("snapshot `{}` is of `{}`, not `{vm}`", s.id, s.vm),
                    )
                    .spec()
                    .optional(),
                );
            }
            Some(s)
        } else {
            self.push(
                Fault::exact(
                    step::SNAPSHOT,
                    "INV-2",
                    &[o::INVALID, o::NOT_FOUND],
                    format!("no snapshot `{}`", abbreviate(spec.snapshot)),
                )
                .spec(),
            );
            None
        };

        // Step 10: the name.
        let name_valid = match spec.name {
            Some(n) => match name_problem(n) {
                None => true,
                Some(why) => {
                    self.push(
                        Fault::exact(step::NAME, "INV-11", &[o::INVALID], format!("name {why}"))
                            .spec()
                            .optional(),
                    );
                    false
                }
            },
            None => true,
        };

        // Step 11: the placement must be consistent with the cluster and itself.
        if let Some(c) = cluster {
            self.check_placement(c, spec.placement.is_some(), placement, host, pool);
        }

        // Step 12: the name must be free in the target folder.
        let target = match placement.folder {
            Some(_) => folder,
            None => cluster
                .and_then(|c| world.datacenters.get(&c.datacenter))
                .map(|d| d.vm_folder.as_str()),
        };
        let (name, clause) = match spec.name {
            Some(n) => (Some(n), "DUP-1"),
            None => (snapshot.map(|s| s.vm_name.as_str()), "DUP-2"),
        };
        if let (Some(n), Some(t), true) = (name, target, name_valid)
            && world.vms.values().any(|v| v.folder == t && v.name == n)
        {
            self.push(
                Fault::exact(
                    step::COLLISION,
                    clause,
                    &[o::EXISTS],
                    format!("a VM named {n:?} exists in `{t}`"),
                )
                .spec(),
            );
        }
    }

    /// Checks a placement id's type (step 7); records INV-9 and returns false when wrong.
    fn typed(&mut self, id: &str, kind: Kind, field: &str, what: &str) -> bool {
        if self.world.kind_of(id) == Some(kind) {
            return true;
        }
        self.push(Fault::exact(
            step::PLACEMENT_IDS,
            "INV-9",
            &[o::INVALID, o::NOT_FOUND],
            format!("{field} `{}` names no {what}", abbreviate(id)),
        ));
        false
    }

    fn check_placement(
        &mut self,
        c: &Cluster,
        placement_given: bool,
        placement: Placement<'_>,
        host: Option<&str>,
        pool: Option<&str>,
    ) {
        let world = self.world;
        let host_in = host.filter(|h| world.hosts[*h].cluster == c.id);
        let pool_in = pool.filter(|p| world.resource_pools[*p].cluster == c.id);
        if let Some(h) = host
            && host_in.is_none()
        {
            self.push(Fault::exact(
                step::PLACEMENT,
                "INV-5",
                &[o::INVALID],
                format!("host `{h}` is not in cluster `{}`", c.id),
            ));
        }
        if let Some(p) = pool
            && pool_in.is_none()
        {
            self.push(Fault::exact(
                step::PLACEMENT,
                "INV-5",
                &[o::INVALID],
                format!("resource pool `{p}` is not in cluster `{}`", c.id),
            ));
        }
        if let (Some(h), Some(p)) = (host_in, pool_in)
            && let Some(bound) = &world.resource_pools[p].host
            && bound != h
        {
            self.push(Fault::exact(
                step::PLACEMENT,
                "INV-6",
                &[o::INVALID],
                format!("resource pool `{p}` belongs to `{bound}`, not `{h}`"),
            ));
        }
        if c.drs || placement.host.is_some() {
            return;
        }
        if !placement_given {
            self.push(Fault::exact(
                step::PLACEMENT,
                "INV-8",
                &[o::INVALID, o::NOT_ALLOWED],
                format!("no placement on `{}`, which has no DRS", c.id),
            ));
        } else if placement.pool.is_some() {
            self.push(Fault::exact(
                step::PLACEMENT,
                "INV-7",
                &[o::INVALID],
                format!(
                    "a resource pool without a host on `{}`, which has no DRS",
                    c.id
                ),
            ));
        } else {
            self.push(Fault::exact(
                step::PLACEMENT,
                "INV-8",
                &[o::INVALID, o::NOT_ALLOWED],
                format!(
                    "a placement without host or pool on `{}`, which has no DRS",
                    c.id
                ),
            ));
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
                self.side.push("AUTHZ-6");
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
            .map_or("ACC-1", |f| f.blame);
        let mut clauses: Vec<&'static str> = self
            .faults
            .iter()
            .filter(|f| f.blameworthy)
            .map(|f| f.clause)
            .collect();
        clauses.append(&mut self.side);
        if blame == "ACC-1" {
            clauses.push("ACC-1");
        }
        clauses.push(blame);
        let cluster_known = self.world.clusters.contains_key(&self.case.cluster);
        let mut blame_refusal = self.refusal_blame;
        if cluster_known
            && !outcomes.contains(&o::UNAUTHORIZED)
            && privilege::holds_exactly_documented(self.world, self.principal)
        {
            clauses.push("AUTHZ-4");
            blame_refusal = Some("AUTHZ-4");
        }
        clauses.sort();
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
        Expected {
            outcomes,
            clauses,
            blame,
            blame_refusal,
            reason,
        }
    }
}

/// Why a VM name is not valid, if it is not: empty, only whitespace, longer than 80 characters,
/// or holding a control character (`model` in the catalog; the common brief).
pub fn name_problem(n: &str) -> Option<&'static str> {
    if n.is_empty() {
        Some("is empty")
    } else if n.chars().all(char::is_whitespace) {
        Some("is only whitespace")
    } else if n.chars().count() > 80 {
        Some("is longer than 80 characters")
    } else if n.chars().any(char::is_control) {
        Some("holds a control character")
    } else {
        None
    }
}

/// Keeps huge generated ids out of reasons and reports.
fn abbreviate(s: &str) -> String {
    if s.chars().count() <= 64 {
        s.to_owned()
    } else {
        let head: String = s.chars().take(32).collect();
        format!("{head}... ({} characters)", s.chars().count())
    }
}

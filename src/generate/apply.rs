//! How each `Mutation` changes a valid case, and on which (VM, snapshot) pairs it can do so
//! while leaving exactly one thing wrong.
//!
//! `fits` is checked up front, per world and principal, so generators never produce a mutation
//! that cannot apply (no rejection sampling). `apply_with` takes a `pick` so that mutations with
//! several candidate objects (another cluster's host, a principal lacking a privilege) range
//! over all of them.

use serde_json::{Value, json};

use super::candidates::{
    assignable_pools, default_folder, drs, folder_refusals, folders_taking, foreign_folders,
    foreign_pools, fresh_id, has_password, name_taken, other_cluster_snapshots, other_vm_snapshots,
    pick_from, pool_refusals, principals_lacking, root_pool, taken_names, unbound_pairs,
};
use crate::expect::privilege::holds;
use crate::model::privilege::{CLUSTER_STORAGE, FOLDER_CREATE, POOL_ASSIGN};
use crate::model::{Auth, Body, Case, Kind, Mutation, World};

/// The valid case's anchor: what a pair-restricted valid case is built on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairRef<'a> {
    pub vm: &'a str,
    pub snapshot: &'a str,
    pub cluster: &'a str,
}

const EXTRA_FIELD: &str = "x_conformance_extra";
const GARBAGE: [&str; 4] = [
    "not-a-session",
    "00000000000000000000000000000000",
    "' OR 1=1 --",
    "vmware-api-session-id",
];

impl Mutation {
    /// True when `apply_with` turns every valid case built on `pair` for `principal` into a
    /// case with exactly this one fault.
    pub(crate) fn fits(&self, world: &World, principal: &str, pair: PairRef<'_>) -> bool {
        use Mutation::*;
        let c = pair.cluster;
        match self {
            LoggedOutSession => has_password(world, principal),
            PrincipalWithoutClusterStorage => {
                principals_lacking(world, CLUSTER_STORAGE, c, c, false)
                    .next()
                    .is_some()
            }
            PrincipalWithoutFolderCreate => !folder_refusals(world, c).is_empty(),
            PrincipalWithoutPoolAssign => !pool_refusals(world, c).is_empty(),
            VmOfOtherCluster => world.deleted_vms.values().any(|d| d.cluster != c),
            LiveVm => !world.vms.is_empty(),
            SnapshotOfOtherCluster => !other_cluster_snapshots(world, c).is_empty(),
            SnapshotOfOtherVm => !other_vm_snapshots(world, c, pair.vm).is_empty(),
            NameTakenInFolder => !taken_names(world, principal, c).is_empty(),
            DefaultNameTaken => world
                .snapshots
                .get(pair.snapshot)
                .is_some_and(|s| !folders_taking(world, principal, c, &s.vm_name).is_empty()),
            HostOutsideCluster => world.hosts.values().any(|h| h.cluster != c),
            PoolOfOtherCluster => !foreign_pools(world, principal, c).is_empty(),
            FolderOutsideDatacenter => !foreign_folders(world, principal, c).is_empty(),
            PoolNotOnHost => !unbound_pairs(world, principal, c).is_empty(),
            PoolWithoutHostNoDrs => {
                drs(world, c) == Some(false) && !assignable_pools(world, principal, c).is_empty()
            }
            NoPlacementNoDrs => {
                drs(world, c) == Some(false)
                    && default_folder(world, c)
                        .is_some_and(|f| holds(world, principal, FOLDER_CREATE, f))
                    && root_pool(world, c).is_some_and(|p| holds(world, principal, POOL_ASSIGN, p))
            }
            PlacementWithoutHostNoDrs => {
                drs(world, c) == Some(false)
                    && root_pool(world, c).is_some_and(|p| holds(world, principal, POOL_ASSIGN, p))
            }
            _ => true,
        }
    }

    /// Applies the mutation with the first candidate object. Returns false (leaving the case as
    /// it was or partly changed) when the case offers nothing to mutate.
    pub fn apply(&self, case: &mut Case, world: &World) -> bool {
        self.apply_with(case, world, 0)
    }

    /// Applies the mutation, choosing among candidate objects with `pick`, and records it in
    /// `case.mutations`. Returns false when it cannot apply to this case.
    pub fn apply_with(&self, case: &mut Case, world: &World, pick: usize) -> bool {
        let done = self.change(case, world, pick).is_some();
        if done {
            case.mutations.push(*self);
        }
        done
    }

    fn change(&self, case: &mut Case, world: &World, pick: usize) -> Option<()> {
        use Mutation::*;
        let principal = case.principal().unwrap_or_default().to_owned();
        let cluster = case.cluster.clone();
        let needs_no_drs = matches!(
            self,
            PoolWithoutHostNoDrs | NoPlacementNoDrs | PlacementWithoutHostNoDrs
        );
        if needs_no_drs && drs(world, &cluster) != Some(false) {
            return None;
        }
        match self {
            NoSessionHeader => case.auth = Auth::NoHeader,
            GarbageSession => {
                let g = if pick % 5 == 4 {
                    "z".repeat(256)
                } else {
                    GARBAGE[pick % 4].to_owned()
                };
                case.auth = Auth::Garbage(g);
            }
            LoggedOutSession => {
                if !has_password(world, &principal) {
                    return None;
                }
                case.auth = Auth::LoggedOut(principal);
            }
            PrincipalWithoutClusterStorage => {
                let qs: Vec<&str> =
                    principals_lacking(world, CLUSTER_STORAGE, &cluster, &cluster, false).collect();
                let q = pick_from(&qs, pick)?;
                case.auth = Auth::Principal(q.to_owned());
            }
            PrincipalWithoutFolderCreate => {
                let (q, f) = pick_from(&folder_refusals(world, &cluster), pick)?;
                case.auth = Auth::Principal(q.to_owned());
                case.set_placement("folder", Some(f));
                if let Some(p) = case.placement_str("resource_pool")
                    && !holds(world, q, POOL_ASSIGN, p)
                {
                    case.set_placement("resource_pool", None);
                }
                fix_default_name(case, world);
            }
            PrincipalWithoutPoolAssign => {
                let (q, p) = pick_from(&pool_refusals(world, &cluster), pick)?;
                case.auth = Auth::Principal(q.to_owned());
                case.set_placement("resource_pool", Some(p));
                let bound = world.resource_pools[p].host.clone();
                match (case.placement_str("host").map(str::to_owned), bound) {
                    (Some(h), Some(b)) if h != b => case.set_placement("host", Some(&b)),
                    (None, bound) if drs(world, &cluster) == Some(false) => {
                        let h =
                            bound.or_else(|| world.hosts_of(&cluster).next().map(|h| h.id.clone()));
                        case.set_placement("host", h.as_deref());
                    }
                    _ => {}
                }
                if let Some(f) = case.placement_str("folder")
                    && !holds(world, q, FOLDER_CREATE, f)
                {
                    case.set_placement("folder", None);
                }
                fix_default_name(case, world);
            }
            UnknownAction => case.action = ["bogus", "restore-now", "undelete"][pick % 3].into(),
            MissingVmwTask => case.vmw_task = None,
            VmwTaskNotTrue => case.vmw_task = Some(["false", "yes", "0"][pick % 3].into()),
            UnknownCluster => case.cluster = fresh_id(world, "domain-c", pick),
            UnknownVm => case.vm = fresh_id(world, "vm-", pick),
            VmOfOtherCluster => {
                let vms: Vec<&str> = world
                    .deleted_vms
                    .values()
                    .filter(|d| d.cluster != cluster)
                    .map(|d| d.id.as_str())
                    .collect();
                let v = pick_from(&vms, pick)?;
                case.vm = v.to_owned();
            }
            LiveVm => {
                let vms: Vec<&str> = world.vms.keys().map(String::as_str).collect();
                let v = pick_from(&vms, pick)?;
                case.vm = v.to_owned();
            }
            MissingSnapshot => return case.spec_mut()?.remove("snapshot").map(|_| ()),
            NullSnapshot => return set_field(case, "snapshot", Value::Null),
            SnapshotNotString => {
                let s = case.spec_str("snapshot").unwrap_or("snap").to_owned();
                let v = [
                    json!(42),
                    json!([s.clone()]),
                    json!({ "id": s }),
                    json!(true),
                ][pick % 4]
                    .clone();
                return set_field(case, "snapshot", v);
            }
            UnknownSnapshot => {
                let id = fresh_id(world, "snap-unknown-", pick);
                return set_field(case, "snapshot", json!(id));
            }
            SnapshotIdOfWrongType => {
                let mut ids = vec![case.vm.clone(), cluster.clone()];
                ids.extend(world.hosts.keys().take(1).cloned());
                ids.extend(world.folders.keys().take(1).cloned());
                let id = ids[pick % ids.len()].clone();
                debug_assert_ne!(world.kind_of(&id), Some(Kind::Snapshot));
                return set_field(case, "snapshot", json!(id));
            }
            HugeString => {
                let id = format!("snap-{}", "x".repeat(64 * 1024));
                return set_field(case, "snapshot", json!(id));
            }
            SnapshotOfOtherCluster => {
                let s = pick_from(&other_cluster_snapshots(world, &cluster), pick)?;
                set_field(case, "snapshot", json!(s))?;
                fix_default_name(case, world);
            }
            SnapshotOfOtherVm => {
                let s = pick_from(&other_vm_snapshots(world, &cluster, &case.vm), pick)?;
                set_field(case, "snapshot", json!(s))?;
                fix_default_name(case, world);
            }
            NameNotString => {
                let v = [
                    json!(42),
                    json!(true),
                    json!(["x"]),
                    json!({ "first": "x" }),
                ][pick % 4]
                    .clone();
                return set_field(case, "name", v);
            }
            EmptyName => return set_field(case, "name", json!("")),
            BlankName => {
                let n = [" ", "   ", "\u{3000}", "\u{a0}\u{a0}"][pick % 4];
                return set_field(case, "name", json!(n));
            }
            NameTooLong => {
                let fill = if pick.is_multiple_of(2) { 'L' } else { 'é' };
                let mut n = case.name_prefix.clone();
                let total = 81 + (pick / 2) % 40;
                while n.chars().count() < total {
                    n.push(fill);
                }
                return set_field(case, "name", json!(n));
            }
            NameWithControlChar => {
                const CONTROL: [char; 8] = [
                    '\u{0}', '\u{7}', '\n', '\t', '\u{1b}', '\u{7f}', '\u{85}', '\u{1f}',
                ];
                let base = match case.spec_str("name") {
                    Some(n) => n.to_owned(),
                    None => format!("{}ctl", case.name_prefix),
                };
                let mut chars: Vec<char> = base.chars().collect();
                let at = (pick / 8) % (chars.len() + 1);
                chars.insert(at, CONTROL[pick % 8]);
                return set_field(case, "name", json!(chars.into_iter().collect::<String>()));
            }
            NameTakenInFolder => {
                let (name, folder) = pick_from(&taken_names(world, &principal, &cluster), pick)?;
                set_field(case, "name", json!(name))?;
                if case.target_folder(world) != Some(folder) {
                    case.set_placement("folder", Some(folder));
                }
            }
            DefaultNameTaken => {
                let vm_name = case
                    .spec_str("snapshot")
                    .and_then(|s| world.snapshots.get(s))
                    .map(|s| s.vm_name.clone())?;
                let folder =
                    pick_from(&folders_taking(world, &principal, &cluster, &vm_name), pick)?;
                let spec = case.spec_mut()?;
                if pick.is_multiple_of(2) {
                    spec.remove("name");
                } else {
                    spec.insert("name".into(), Value::Null);
                }
                if case.target_folder(world) != Some(folder) {
                    case.set_placement("folder", Some(folder));
                }
            }
            PlacementNotObject => {
                let v = [json!("group-v4"), json!(["host-12"]), json!(7)][pick % 3].clone();
                set_field(case, "placement", v)?;
            }
            PlacementFieldNotString => {
                let field = ["folder", "resource_pool", "host"][pick % 3];
                let v = [json!(7), json!(["x"]), json!({ "id": "x" }), json!(false)]
                    [(pick / 3) % 4]
                    .clone();
                let p = case.placement_mut()?;
                p.insert(field.into(), v);
            }
            UnknownFolder => set_placement(case, "folder", &fresh_id(world, "group-v", pick))?,
            UnknownPool => {
                set_placement(case, "resource_pool", &fresh_id(world, "resgroup-", pick))?
            }
            UnknownHost => set_placement(case, "host", &fresh_id(world, "host-", pick))?,
            PlacementIdOfWrongType => {
                let host = world.hosts_of(&cluster).next().map(|h| h.id.clone());
                let root = root_pool(world, &cluster).map(str::to_owned);
                let folder = default_folder(world, &cluster).map(str::to_owned);
                let (field, candidates) = match pick % 3 {
                    0 => ("folder", [Some(cluster.clone()), root, host]),
                    1 => ("resource_pool", [Some(cluster.clone()), host, folder]),
                    _ => ("host", [Some(cluster.clone()), root, folder]),
                };
                let candidates: Vec<String> = candidates.into_iter().flatten().collect();
                let id = candidates[(pick / 3) % candidates.len()].clone();
                set_placement(case, field, &id)?;
            }
            HostOutsideCluster => {
                let hosts: Vec<&str> = world
                    .hosts
                    .values()
                    .filter(|h| h.cluster != cluster)
                    .map(|h| h.id.as_str())
                    .collect();
                let h = pick_from(&hosts, pick)?;
                set_placement(case, "host", h)?;
            }
            PoolOfOtherCluster => {
                let p = pick_from(&foreign_pools(world, &principal, &cluster), pick)?;
                set_placement(case, "resource_pool", p)?;
            }
            FolderOutsideDatacenter => {
                let f = pick_from(&foreign_folders(world, &principal, &cluster), pick)?;
                set_placement(case, "folder", f)?;
                fix_default_name(case, world);
            }
            PoolNotOnHost => {
                let (p, h) = pick_from(&unbound_pairs(world, &principal, &cluster), pick)?;
                set_placement(case, "resource_pool", p)?;
                set_placement(case, "host", h)?;
            }
            PoolWithoutHostNoDrs => {
                let p = pick_from(&assignable_pools(world, &principal, &cluster), pick)?;
                set_placement(case, "resource_pool", p)?;
                case.set_placement("host", None);
            }
            NoPlacementNoDrs => {
                let spec = case.spec_mut()?;
                if pick.is_multiple_of(2) {
                    spec.remove("placement");
                } else {
                    spec.insert("placement".into(), Value::Null);
                }
                fix_default_name(case, world);
            }
            PlacementWithoutHostNoDrs => {
                case.placement_mut()?;
                case.set_placement("host", None);
                case.set_placement("resource_pool", None);
            }
            ExtraField => {
                let inside = pick % 2 == 1
                    && case
                        .spec()
                        .and_then(|s| s.get("placement"))
                        .is_some_and(Value::is_object);
                let target = if inside {
                    case.placement_mut()
                } else {
                    case.spec_mut()
                };
                let m = target?;
                m.insert(EXTRA_FIELD.into(), json!("ignored"));
            }
            BodyJsonArray => {
                let Body::Spec(v) = &case.body else {
                    return None;
                };
                let inner = if pick.is_multiple_of(2) {
                    v.clone()
                } else {
                    json!({})
                };
                case.body = Body::Spec(json!([inner]));
            }
            BodyNotJson => {
                let snap = case.spec_str("snapshot").unwrap_or("snap").to_owned();
                let raw = match pick % 4 {
                    0 => format!("snapshot={snap}"),
                    1 => format!("{{\"snapshot\": \"{snap}\""),
                    2 => "<RestoreSpec/>".to_owned(),
                    _ => String::new(),
                };
                case.body = Body::Raw(raw);
            }
        }
        Some(())
    }
}

/// Sets a top-level body field; `None` when the body is not an object.
fn set_field(case: &mut Case, field: &str, value: Value) -> Option<()> {
    case.spec_mut()?.insert(field.into(), value);
    Some(())
}

/// Sets a placement field; `None` when the body or placement is not an object.
fn set_placement(case: &mut Case, field: &str, value: &str) -> Option<()> {
    case.placement_mut()?;
    case.set_placement(field, Some(value));
    Some(())
}

/// When a mutation moves the VM (folder) or changes the snapshot while `name` is unset, the
/// snapshot-time name may now be taken: name the VM instead, with the run prefix, so the case
/// keeps exactly one fault.
fn fix_default_name(case: &mut Case, world: &World) {
    if case
        .spec()
        .is_some_and(|s| s.get("name").is_some_and(|n| !n.is_null()))
    {
        return;
    }
    let Some(folder) = case.target_folder(world).map(str::to_owned) else {
        return;
    };
    let Some(name) = case.requested_name(world) else {
        return;
    };
    if !name_taken(world, &folder, &name) {
        return;
    }
    let mut n = 0;
    let fresh = loop {
        let candidate = format!("{}restored-{n}", case.name_prefix);
        if !name_taken(world, &folder, &candidate) {
            break candidate;
        }
        n += 1;
    };
    set_field(case, "name", json!(fresh));
}

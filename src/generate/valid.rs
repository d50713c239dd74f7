//! Valid restore cases: a deleted VM, one of its own snapshots on its cluster, every
//! combination of `name` and the placement fields present, absent or null (a host always on a
//! cluster without DRS), and names across the valid VM-name space, prefixed with the run prefix
//! and free in the target folder.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};

use super::names::arb_name_text;
use super::space::Space;
use crate::model::{Auth, Body, Case, World};

/// How an optional field appears in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Given,
    Absent,
    Null,
}

fn arb_presence() -> impl Strategy<Value = Presence> {
    prop_oneof![3 => Just(Presence::Given), 2 => Just(Presence::Absent), 1 => Just(Presence::Null)]
}

/// The random choices behind one valid case; `build` turns them into a case that respects the
/// world's rules, so nothing is ever rejected.
#[derive(Debug, Clone)]
struct Draw {
    pair: Index,
    name: Presence,
    text: String,
    placement: Presence,
    folder: (Presence, Index),
    pool: (Presence, Index),
    host: (Presence, Index),
}

/// Valid cases for `principal` in `world`: the principal holds Host.Config.Storage on the
/// cluster and the privileges on every folder and pool the case names. Generated names start
/// with `name_prefix`.
///
/// # Panics
/// When the world offers this principal no valid case (see `has_valid_case`), or the prefix
/// leaves no room in 80 characters.
pub fn arb_valid_case(
    world: &World,
    principal: &str,
    name_prefix: &str,
) -> impl Strategy<Value = Case> + use<> {
    let space = Arc::new(Space::new(world, principal, name_prefix, true));
    assert!(
        !space.pairs.is_empty(),
        "no valid restore case for `{principal}`: the world needs a deleted VM with a snapshot on a cluster with hosts where the principal holds Host.Config.Storage"
    );
    let all = Arc::new((0..space.pairs.len()).collect::<Vec<_>>());
    arb_case_in(space, all)
}

/// True when `arb_valid_case(world, principal, _)` can generate anything.
pub fn has_valid_case(world: &World, principal: &str) -> bool {
    !Space::new(world, principal, "", true).pairs.is_empty()
}

/// Valid cases built on the pairs `allowed` (indices into `space.pairs`).
pub(crate) fn arb_case_in(space: Arc<Space>, allowed: Arc<Vec<usize>>) -> BoxedStrategy<Case> {
    assert!(!allowed.is_empty());
    let room = 80usize.saturating_sub(space.prefix.chars().count());
    assert!(room >= 1, "the name prefix leaves no room in 80 characters");
    (
        any::<Index>(),
        arb_presence(),
        arb_name_text(room),
        arb_presence(),
        (arb_presence(), any::<Index>()),
        (arb_presence(), any::<Index>()),
        (arb_presence(), any::<Index>()),
    )
        .prop_map(move |(pair, name, text, placement, folder, pool, host)| {
            build(
                &space,
                &allowed,
                Draw {
                    pair,
                    name,
                    text,
                    placement,
                    folder,
                    pool,
                    host,
                },
            )
        })
        .boxed()
}

fn describe(p: Presence, value: Option<&str>) -> String {
    match (p, value) {
        (Presence::Given, Some(v)) => v.to_owned(),
        (Presence::Null, _) => "null".to_owned(),
        _ => "absent".to_owned(),
    }
}

fn build(space: &Space, allowed: &[usize], d: Draw) -> Case {
    let pair = &space.pairs[allowed[d.pair.index(allowed.len())]];
    let cs = space.cluster_of(pair);
    let mut spec = Map::new();
    spec.insert("snapshot".into(), Value::String(pair.snapshot.clone()));

    let placement_mode = if !cs.drs || cs.must_name_folder || cs.must_name_pool {
        Presence::Given
    } else {
        d.placement
    };
    let mut folder: Option<&str> = None;
    let placement_desc = match placement_mode {
        Presence::Absent => "absent".to_owned(),
        Presence::Null => {
            spec.insert("placement".into(), Value::Null);
            "null".to_owned()
        }
        Presence::Given => {
            let mut p = Map::new();
            let mut put = |key: &str, mode: Presence, value: Option<&str>| match (mode, value) {
                (Presence::Given, Some(v)) => {
                    p.insert(key.into(), Value::String(v.to_owned()));
                }
                (Presence::Null, _) => {
                    p.insert(key.into(), Value::Null);
                }
                _ => {}
            };
            // A cluster without DRS cannot choose a host: one is always named there.
            let host_mode = if cs.drs { d.host.0 } else { Presence::Given };
            let host = (host_mode == Presence::Given)
                .then(|| cs.hosts[d.host.1.index(cs.hosts.len())].as_str());
            let host_mode = if host.is_none() && host_mode == Presence::Given {
                Presence::Absent
            } else {
                host_mode
            };
            // With a host named, only pools that belong to it (or to every host) fit.
            let pools: Vec<&str> = cs
                .pools
                .iter()
                .filter(|(_, bound)| host.is_none() || bound.is_none() || bound.as_deref() == host)
                .map(|(id, _)| id.as_str())
                .collect();
            let pool_mode = if cs.must_name_pool {
                Presence::Given
            } else {
                d.pool.0
            };
            let pool = (pool_mode == Presence::Given && !pools.is_empty())
                .then(|| pools[d.pool.1.index(pools.len())]);
            let pool_mode = if pool.is_none() && pool_mode == Presence::Given {
                Presence::Absent
            } else {
                pool_mode
            };
            let folder_mode = if cs.must_name_folder {
                Presence::Given
            } else {
                d.folder.0
            };
            folder = (folder_mode == Presence::Given && !cs.folders.is_empty())
                .then(|| cs.folders[d.folder.1.index(cs.folders.len())].as_str());
            let folder_mode = if folder.is_none() && folder_mode == Presence::Given {
                Presence::Absent
            } else {
                folder_mode
            };
            put("folder", folder_mode, folder);
            put("resource_pool", pool_mode, pool);
            put("host", host_mode, host);
            spec.insert("placement".into(), Value::Object(p));
            format!(
                "{{folder: {}, resource_pool: {}, host: {}}}",
                describe(folder_mode, folder),
                describe(pool_mode, pool),
                describe(host_mode, host)
            )
        }
    };

    let target = folder.unwrap_or(&cs.default_folder);
    let name_mode = if d.name != Presence::Given && space.taken(target, &pair.default_name) {
        // The snapshot-time name is taken here: a valid case must name the VM.
        Presence::Given
    } else {
        d.name
    };
    let name_desc = match name_mode {
        Presence::Given => {
            spec.insert(
                "name".into(),
                Value::String(space.free_name(target, &d.text)),
            );
            "given"
        }
        Presence::Null => {
            spec.insert("name".into(), Value::Null);
            "null"
        }
        Presence::Absent => "absent",
    };

    Case {
        auth: Auth::Principal(space.principal.clone()),
        cluster: cs.id.clone(),
        vm: pair.vm.clone(),
        action: "restore".into(),
        vmw_task: Some("true".into()),
        body: Body::Spec(Value::Object(spec)),
        mutations: Vec::new(),
        base: format!(
            "restore {} from {} on {}, name {name_desc}, placement {placement_desc}",
            pair.vm, pair.snapshot, cs.id
        ),
        name_prefix: space.prefix.clone(),
    }
}

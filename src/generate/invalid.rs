//! Invalid cases: a valid case with one `Mutation` (single-fault), or two or three compatible
//! ones (multi-fault). Which mutations can apply is decided per world and principal before any
//! case is drawn; a mutation that needs particular objects draws its valid case only from the
//! (VM, snapshot) pairs where those objects exist.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::Union;

use super::apply::PairRef;
use super::space::Space;
use super::valid::arb_case_in;
use crate::model::{Case, Mutation, World};

/// How many candidate objects a mutation's `pick` ranges over before wrapping.
const PICKS: usize = 64;

/// The mutations that can apply in `world` for `principal`, each with the pairs (indices into
/// `space.pairs`) its valid case may be built on.
fn applicable(world: &World, space: &Space) -> Vec<(Mutation, Arc<Vec<usize>>)> {
    Mutation::ALL
        .iter()
        .filter_map(|m| {
            let pairs: Vec<usize> = space
                .pairs
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    let pair = PairRef {
                        vm: &p.vm,
                        snapshot: &p.snapshot,
                        cluster: &space.cluster_of(p).id,
                    };
                    m.fits(world, &space.principal, pair)
                })
                .map(|(i, _)| i)
                .collect();
            (!pairs.is_empty()).then(|| (*m, Arc::new(pairs)))
        })
        .collect()
}

fn space_for(world: &World, principal: &str, name_prefix: &str) -> Arc<Space> {
    let space = Space::new(world, principal, name_prefix, true);
    assert!(
        !space.pairs.is_empty(),
        "no valid restore case for `{principal}` to mutate"
    );
    Arc::new(space)
}

/// The mutations `arb_invalid_case` draws from for this world and principal.
pub fn applicable_mutations(world: &World, principal: &str) -> Vec<Mutation> {
    let space = Space::new(world, principal, "", true);
    applicable(world, &space)
        .into_iter()
        .map(|(m, _)| m)
        .collect()
}

fn single(
    space: &Arc<Space>,
    world: &Arc<World>,
    m: Mutation,
    pairs: Arc<Vec<usize>>,
) -> BoxedStrategy<Case> {
    let world = Arc::clone(world);
    (arb_case_in(Arc::clone(space), pairs), 0..PICKS)
        .prop_map(move |(mut case, pick)| {
            let applied = m.apply_with(&mut case, &world, pick);
            debug_assert!(applied, "{m:?} did not apply to {}", case.describe());
            case
        })
        .boxed()
}

/// A valid case with exactly one thing wrong. Every mutation applicable in this world appears
/// with equal weight.
pub fn arb_invalid_case(
    world: &World,
    principal: &str,
    name_prefix: &str,
) -> impl Strategy<Value = Case> + use<> {
    let space = space_for(world, principal, name_prefix);
    let world = Arc::new(world.clone());
    let arms: Vec<BoxedStrategy<Case>> = applicable(&world, &space)
        .into_iter()
        .map(|(m, pairs)| single(&space, &world, m, pairs))
        .collect();
    Union::new(arms)
}

/// Valid cases with this one mutation applied (a trial aimed at one clause); `None` when the
/// mutation cannot apply in this world for this principal.
pub fn arb_mutated_case(
    world: &World,
    principal: &str,
    name_prefix: &str,
    mutation: Mutation,
) -> Option<BoxedStrategy<Case>> {
    let space = Arc::new(Space::new(world, principal, name_prefix, true));
    let (m, pairs) = applicable(world, &space)
        .into_iter()
        .find(|(m, _)| *m == mutation)?;
    Some(single(&space, &Arc::new(world.clone()), m, pairs))
}

/// A valid case with two or three things wrong, from mutations that touch different parts of
/// the request. The case lists only the mutations that applied (a later one may find nothing
/// to change on the case the first produced, e.g. no placement left).
pub fn arb_multi_fault_case(
    world: &World,
    principal: &str,
    name_prefix: &str,
) -> impl Strategy<Value = Case> + use<> {
    let space = space_for(world, principal, name_prefix);
    let world = Arc::new(world.clone());
    let table = applicable(&world, &space);
    let all: Arc<Vec<Mutation>> = Arc::new(table.iter().map(|(m, _)| *m).collect());
    let arms: Vec<BoxedStrategy<Case>> = table
        .into_iter()
        .filter(|(first, _)| all.iter().any(|m| m.compatible(*first)))
        .map(|(first, pairs)| {
            let world = Arc::clone(&world);
            let all = Arc::clone(&all);
            (
                arb_case_in(Arc::clone(&space), pairs),
                any::<Index>(),
                any::<Index>(),
                any::<bool>(),
                prop::array::uniform3(0..PICKS),
            )
                .prop_map(move |(mut case, second, third, want_third, picks)| {
                    let mut chosen = vec![first];
                    let partners: Vec<Mutation> = all
                        .iter()
                        .copied()
                        .filter(|m| m.compatible(first))
                        .collect();
                    chosen.push(partners[second.index(partners.len())]);
                    if want_third {
                        let more: Vec<Mutation> = partners
                            .iter()
                            .copied()
                            .filter(|m| chosen.iter().all(|c| c.compatible(*m)))
                            .collect();
                        if !more.is_empty() {
                            chosen.push(more[third.index(more.len())]);
                        }
                    }
                    // Declaration order: whatever replaces the whole body goes last.
                    let mut order: Vec<(Mutation, usize)> = chosen.into_iter().zip(picks).collect();
                    order.sort();
                    for (m, pick) in order {
                        m.apply_with(&mut case, &world, pick);
                    }
                    case
                })
                .boxed()
        })
        .collect();
    Union::new(arms)
}

//! FMT-5: the same cause yields the same message ids. Every generated refusal is sent twice and
//! must be answered with the same status, error_type and message ids; against the embedded mock
//! the per-mutation shapes are also an insta snapshot, so a build that changes a message id
//! shows up as a snapshot diff.

use std::collections::{BTreeMap, BTreeSet};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};

use super::conclude::{Repro, conclude};
use super::context::Context;
use super::normalize::{assert_snapshot, shape};
use super::outcome::TrialResult;
use super::paired::refusal;
use super::property_runner::seed_for;
use super::restore_send::{send_refusal, send_restore};
use super::settle::settle_answer;
use super::trial::{TrialDef, TrialError};
use crate::checks::Judgement;
use crate::clause::ClauseId;
use crate::expect;
use crate::generate;
use crate::model::Auth;
use crate::runner::RequestSpec;
use crate::runner::runtime::runtime;

pub fn message_ids_stable(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let c = ctx.trial_target()?;
    let strat = generate::arb_invalid_case(&c.world, &c.admin(), &c.config.run_prefix);
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(seed_for(c.config.seed, ClauseId::FMT_5.as_str())),
        ..Config::default()
    });
    let mut j = Judgement::default();
    let mut last = None;
    // The first pair that differed: its request is what the report reproduces.
    let mut differed = None;
    let n = c.config.cases;
    let admin = Auth::Principal(c.admin());
    for _ in 0..n {
        let Ok(tree) = strat.new_tree(&mut runner) else {
            continue;
        };
        if c.lab.stop.should_stop().is_some() {
            break;
        }
        let case = tree.current();
        if !super::wire_form::case_applies(c.wire(), &case.mutations) {
            continue;
        }
        let trial = def.name();
        // A fault the catalog leaves open (the target may accept it) may create a VM: such a
        // case is sent only with restores of the budget (none against a remote target, where
        // FMT-5 is refusal-only; any number on the embedded mock).
        let may_accept = expect::expected(&c.world, &case, c.config.strict).allows_accepted();
        let pair = runtime().block_on(async {
            if may_accept {
                let a = send_restore(&c, refusal(&trial, &c, &case, true)).await?;
                let b = send_restore(&c, refusal(&trial, &c, &case, true)).await?;
                Some((a, b))
            } else {
                Some((
                    send_refusal(&c, refusal(&trial, &c, &case, false)).await,
                    send_refusal(&c, refusal(&trial, &c, &case, false)).await,
                ))
            }
        });
        let Some((a, b)) = pair else {
            continue;
        };
        let (sa, sb) = (shape(&a.observation), shape(&b.observation));
        // Only refusals: an accepted case changes state, so its repetition is another cause.
        if a.observation.status().is_some_and(|s| s >= 400)
            && b.observation.status().is_some_and(|s| s >= 400)
        {
            if sa != sb && differed.is_none() {
                differed = Some(a.clone());
            }
            j.check(
                ClauseId::FMT_5,
                (sa != sb).then(|| (format!("{sa} again (same request, same cause)"), sb.clone())),
            );
        }
        // Whatever was accepted is cleaned up.
        runtime().block_on(async {
            for ex in [&a, &b] {
                settle_answer(&c, &ex.observation, &admin).await;
            }
        });
        last = Some(a);
    }
    if c.config.snapshots {
        assert_snapshot(
            "property__FMT-5__shapes_per_mutation",
            "FMT-5: normalized refusal shapes per mutation (status, error_type, message ids)",
            &shapes_per_mutation(&c),
        );
    }
    let shown = differed.or(last);
    let curl = shown
        .as_ref()
        .map(|e| e.request.curl(true))
        .unwrap_or_default();
    let minimal = shown.as_ref().map_or_else(
        || "the same refused request sent twice".to_owned(),
        |e| format!("{}, sent twice", super::conclude::request_text(&e.request)),
    );
    let repro = Repro::new(minimal, curl, Some(ctx.config.seed));
    Ok(conclude(ctx, &def.name(), &j, &repro, u64::from(n)))
}

/// The refusal shapes of every applicable mutation, from a fixed seed and case count so the
/// snapshot does not move with `SNAPCONF_SEED` or `SNAPCONF_CASES`.
fn shapes_per_mutation(c: &Context) -> BTreeMap<String, BTreeSet<String>> {
    let admin = c.admin();
    let reader = Auth::Principal(admin.clone());
    let mut shapes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in generate::applicable_mutations(&c.world, &admin) {
        let Some(strat) = generate::arb_mutated_case(&c.world, &admin, &c.config.run_prefix, m)
        else {
            continue;
        };
        let mut runner = TestRunner::new(Config {
            rng_seed: RngSeed::Fixed(0x5eed),
            ..Config::default()
        });
        for _ in 0..8 {
            let Ok(tree) = strat.new_tree(&mut runner) else {
                continue;
            };
            let case = tree.current();
            let ex = runtime().block_on(c.client.send(&RequestSpec::restore(&case)));
            if ex.observation.status().is_some_and(|s| s >= 400) {
                shapes
                    .entry(m.name().to_owned())
                    .or_default()
                    .insert(shape(&ex.observation));
            } else {
                runtime().block_on(settle_answer(c, &ex.observation, &reader));
            }
        }
    }
    shapes
}

//! AUTHZ-6 as a paired property: a refused principal's answer must not depend on whether the
//! snapshot or name would have been valid. One exchange cannot show that (a 400 for a bad
//! snapshot could as well mean the privilege check is missing, which AUTHZ-1..3 judge), so each
//! case is sent twice: once as a plain refusal, once with a snapshot or name fault added. Only
//! when the plain request is refused with 403 is the pair judged, and then both answers must
//! be the same.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};

use super::conclude::{Repro, conclude};
use super::context::Context;
use super::normalize::shape;
use super::outcome::TrialResult;
use super::property_runner::seed_for;
use super::reproduce::curl_lines;
use super::restore_send::{Restore, send_refusal};
use super::settle::settle_answer;
use super::trial::{TrialDef, TrialError, Unavailable};
use crate::checks::Judgement;
use crate::clause::ClauseId;
use crate::generate;
use crate::model::Auth;
use crate::model::{Case, Mutation};
use crate::runner::RequestSpec;
use crate::runner::runtime::runtime;

/// Pairs (refused case, the same case with a spec fault), or why the world cannot make them.
pub fn strategy(ctx: &Context) -> Result<BoxedStrategy<(Case, Case)>, Unavailable> {
    let w = &ctx.world;
    let admin = ctx.admin();
    let refused: Vec<BoxedStrategy<Case>> = [
        Mutation::PrincipalWithoutClusterStorage,
        Mutation::PrincipalWithoutFolderCreate,
        Mutation::PrincipalWithoutPoolAssign,
    ]
    .iter()
    .filter_map(|m| generate::arb_mutated_case(w, &admin, &ctx.config.run_prefix, *m))
    .collect();
    if refused.is_empty() {
        return Err(Unavailable(
            "the fixture has no principal lacking a documented privilege".into(),
        ));
    }
    let spec = prop_oneof![
        Just(Mutation::UnknownSnapshot),
        Just(Mutation::SnapshotOfOtherCluster),
        Just(Mutation::SnapshotOfOtherVm),
        Just(Mutation::EmptyName),
        Just(Mutation::NameTooLong),
    ];
    let world = w.clone();
    Ok((proptest::strategy::Union::new(refused), spec)
        .prop_filter_map("spec mutation not applicable", move |(base, m)| {
            let mut faulty = base.clone();
            // Only spec faults that leave the path and placement alone: the pair must differ
            // in nothing the privilege checks look at.
            let placement = |c: &Case| c.spec().map(|s| s.get("placement").cloned());
            (m.apply(&mut faulty, &world)
                && faulty.cluster == base.cluster
                && faulty.vm == base.vm
                && placement(&faulty) == placement(&base))
            .then_some((base, faulty))
        })
        .boxed())
}

/// Whether this world can make pairs (checked when the trial list is made).
pub fn probe(ctx: &Context, _: &TrialDef) -> Result<(), Unavailable> {
    strategy(ctx).map(|_| ())
}

pub fn refusal_reveals_nothing(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let trial = def.name();
    let c = ctx.trial_target()?;
    let strat = strategy(&c)?;
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(seed_for(c.config.seed, &trial)),
        ..Config::default()
    });
    let admin = Auth::Principal(c.admin());
    let mut j = Judgement::default();
    let mut repro = None;
    let n = c.config.cases;
    for _ in 0..n {
        let Ok(tree) = strat.new_tree(&mut runner) else {
            continue;
        };
        if c.lab.stop.should_stop().is_some() {
            break;
        }
        let (base, faulty) = tree.current();
        let (a, b) = runtime().block_on(async {
            let a = send_refusal(&c, refusal(&trial, &c, &base, false)).await;
            let b = send_refusal(&c, refusal(&trial, &c, &faulty, false)).await;
            for ex in [&a, &b] {
                settle_answer(&c, &ex.observation, &admin).await;
            }
            (a, b)
        });
        let plain_refusal = a.observation.status() == Some(403);
        // An answer the harness gave up waiting for is the lab's, not a differing answer.
        if !plain_refusal || super::restore_send::harness_timeout(&b.observation).is_some() {
            continue;
        }
        let (sa, sb) = (shape(&a.observation), shape(&b.observation));
        j.check(
            ClauseId::AUTHZ_6,
            (sa != sb).then(|| {
                (
                    format!("{sa} (the answer without the spec fault)"),
                    sb.clone(),
                )
            }),
        );
        if sa != sb && repro.is_none() {
            repro = Some(
                Repro::new(
                    faulty.describe(),
                    curl_lines(&c, &faulty, &b),
                    Some(ctx.config.seed),
                )
                .note(format!(
                    "without the spec fault: {}",
                    a.observation.summary()
                ))
                .note(format!("with it: {}", b.observation.summary())),
            );
        }
    }
    if j.exercised.is_empty() {
        ctx.results.inconclusive(
            ClauseId::AUTHZ_6,
            "no generated refusal was answered 403, so no pair could be judged",
        );
    }
    // Only the first differing pair is reported: one reproduction per trial.
    j.findings.truncate(1);
    Ok(conclude(
        ctx,
        &trial,
        &j,
        &repro.unwrap_or_default(),
        u64::from(n),
    ))
}

/// A case as a ledger-recorded restore (`may_accept`: whether a conforming target may accept
/// it, so that it spends a restore of the budget).
pub fn refusal<'a>(trial: &'a str, ctx: &Context, case: &'a Case, may_accept: bool) -> Restore<'a> {
    Restore {
        trial,
        spec: RequestSpec::restore(case),
        cluster: &case.cluster,
        name: case.requested_name(&ctx.world),
        may_accept,
    }
}

//! AUTHZ-6 as a paired property: a refused principal's answer must not depend on whether the
//! snapshot or name would have been valid. One exchange cannot show that (a 400 for a bad
//! snapshot could as well mean the privilege check is missing, which AUTHZ-1..3 judge), so each
//! case is sent twice: once as a plain refusal, once with a snapshot or name fault added. Only
//! when the plain request is refused with 403 is the pair judged, and then both answers must
//! be the same.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};

use super::context::Context;
use super::normalize::shape;
use super::outcome::TrialResult;
use super::pipeline::{cleanup, follow_task};
use super::property::seed_for;
use crate::checks::Judgement;
use crate::generate;
use crate::model::Auth;
use crate::model::{Case, Mutation};
use crate::runner::Exchange;
use crate::runner::RequestSpec;
use crate::runner::runtime::runtime;

const TRIAL: &str = "AUTHZ-6::refusal-reveals-nothing";

/// Pairs (refused case, the same case with a spec fault), or why the world cannot make them.
pub fn authz6_strategy(ctx: &Context) -> Result<BoxedStrategy<(Case, Case)>, String> {
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
        return Err("the fixture has no principal lacking a documented privilege".into());
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

pub fn authz6_refusal_reveals_nothing(ctx: &Context) -> TrialResult {
    let owned = match ctx.isolated() {
        Some(Ok(iso)) => Some(iso),
        Some(Err(e)) => {
            return TrialResult::failed(format!("cannot start an isolated mock: {e}"), 0);
        }
        None => None,
    };
    let c = owned.as_ref().unwrap_or(ctx);
    let strat = match authz6_strategy(c) {
        Ok(s) => s,
        Err(reason) => return TrialResult::ignored(reason),
    };
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(seed_for(c.config.seed, TRIAL)),
        ..Config::default()
    });
    let mut j = Judgement::default();
    let mut first: Option<(Case, Exchange, Exchange)> = None;
    let n = c.config.cases;
    for _ in 0..n {
        let Ok(tree) = strat.new_tree(&mut runner) else {
            continue;
        };
        let (base, faulty) = tree.current();
        let (a, b) = runtime().block_on(async {
            (
                c.client.send(&RequestSpec::restore(&base)).await,
                c.client.send(&RequestSpec::restore(&faulty)).await,
            )
        });
        for ex in [&a, &b] {
            if let (Some(202), Some(serde_json::Value::String(task))) =
                (ex.observation.status(), ex.observation.json())
            {
                let admin = Auth::Principal(c.admin());
                runtime().block_on(async {
                    let (polls, _) = follow_task(c, &task, &admin).await;
                    if let Some(vm) = crate::checks::task_result(&polls) {
                        cleanup(c, &admin, &vm).await;
                    }
                });
            }
        }
        let plain_refusal = a.observation.status() == Some(403);
        if !plain_refusal {
            continue;
        }
        let (sa, sb) = (shape(&a.observation), shape(&b.observation));
        j.check(
            crate::clause::ClauseId::AUTHZ_6,
            (sa != sb).then(|| {
                (
                    format!("{sa} (the answer without the spec fault)"),
                    sb.clone(),
                )
            }),
        );
        if sa != sb && first.is_none() {
            first = Some((faulty, a, b));
        }
    }
    ctx.results.exercised(j.exercised.iter());
    if j.exercised.is_empty() {
        ctx.results.inconclusive(
            "AUTHZ-6",
            "no generated refusal was answered 403, so no pair could be judged",
        );
        return TrialResult::passed(u64::from(n));
    }
    let Some((faulty, a, b)) = first else {
        return TrialResult::passed(u64::from(n));
    };
    let f = &j.findings[0];
    let curl = super::reproduce::curl_lines(c, &faulty, &b);
    ctx.results.failure(
        "AUTHZ-6",
        crate::report::FailureReport {
            trial: TRIAL.into(),
            expected: f.expected.clone(),
            observed: f.observed.clone(),
            minimal_case: faulty.describe(),
            curl: curl.clone(),
            seed: Some(ctx.config.seed),
        },
    );
    TrialResult::failed(
        format!(
            "AUTHZ-6 failed: a refused principal learns about the spec\n  without the spec fault: {}\n  with it ({}): {}\n  reproduce:\n{curl}\n  seed: {:#x}\n",
            a.observation.summary(),
            faulty.describe(),
            b.observation.summary(),
            ctx.config.seed
        ),
        u64::from(n),
    )
}

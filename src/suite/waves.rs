//! Valid-case properties against a remote target: a restore there takes minutes, so the
//! trial's share of the restore budget is generated up front from its seeded strategy and run
//! in waves of concurrent restores (at most `max_concurrent_restores`, and never two cases that
//! ask for the same VM name in one wave: a restore without a name takes the deleted VM's old
//! name, so two of them would collide). Each case is judged as it would be one at a time. A
//! failure is shrunk with proptest's value tree only while the budget has restores left;
//! otherwise the failing case is reported as it was generated, and the message says why.

use futures_util::future::join_all;
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};

use super::context::Context;
use super::outcome::TrialResult;
use super::pipeline::CaseRun;
use super::property_runner::{
    Prepared, conclude_run, execute, judge_case, own_findings, seed_for, unrun,
};
use crate::clause::ClauseId;
use crate::model::Auth;
use crate::runner::runtime::runtime;

/// Shrink steps at most (proptest's own default bound for the embedded path).
const MAX_SHRINK_STEPS: u32 = 256;

type Tree = Box<dyn ValueTree<Value = Prepared>>;

/// Splits case indices into waves: each at most `width` cases, no two with the same requested
/// name, in generation order otherwise.
pub fn waves(names: &[Option<String>], width: usize) -> Vec<Vec<usize>> {
    let width = width.max(1);
    let mut left: Vec<usize> = (0..names.len()).collect();
    let mut out = Vec::new();
    while !left.is_empty() {
        let mut wave: Vec<usize> = Vec::new();
        left.retain(|&i| {
            let clash = wave.iter().any(|&j| names[j] == names[i]);
            if wave.len() < width && !clash {
                wave.push(i);
                false
            } else {
                true
            }
        });
        out.push(wave);
    }
    out
}

pub fn run_waves(
    ctx: &Context,
    trial: &str,
    clauses: &[ClauseId],
    strategy: BoxedStrategy<Prepared>,
) -> TrialResult {
    let seed = seed_for(ctx.config.seed, trial);
    let budget = ctx.lab.budget();
    let count = budget.remaining_for(trial).min(ctx.config.cases.max(1));
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    });
    let mut trees: Vec<Tree> = (0..count)
        .filter_map(|_| strategy.new_tree(&mut runner).ok())
        .collect();
    let cases: Vec<Prepared> = trees.iter().map(|t| t.current()).collect();
    let names: Vec<Option<String>> = cases
        .iter()
        .map(|(c, _)| c.requested_name(&ctx.world))
        .collect();
    let width = usize::try_from(ctx.config.lab.max_concurrent_restores).unwrap_or(usize::MAX);
    let mut n = 0u64;
    let mut failure: Option<(usize, CaseRun)> = None;
    for wave in waves(&names, width) {
        if failure.is_some() || ctx.lab.stop.should_stop().is_some() {
            break;
        }
        let runs = runtime().block_on(async {
            // Sessions first, one principal at a time: concurrent first logins of one
            // principal would each open a session, and only one would be cached (and closed).
            warm_sessions(ctx, wave.iter().map(|&i| &cases[i].0.auth)).await;
            join_all(wave.iter().map(|&i| {
                let (case, _) = &cases[i];
                judge_case(ctx, trial, clauses, &ctx.world, case)
            }))
            .await
        });
        for (i, run) in wave.into_iter().zip(runs) {
            let Some(run) = run else { continue };
            n += 1;
            let fails = !own_findings(&run, clauses).is_empty();
            if fails && failure.as_ref().is_none_or(|(j, _)| i < *j) {
                failure = Some((i, run));
            }
        }
    }
    let Some((i, run)) = failure else {
        return if n == 0 {
            unrun(ctx, trial)
        } else {
            TrialResult::passed(n)
        };
    };
    let tree = trees.swap_remove(i);
    let (minimal, run, note, steps) = shrink(ctx, trial, clauses, tree, cases[i].clone(), run);
    n += u64::from(steps);
    let own = own_findings(&run, clauses);
    conclude_run(ctx, trial, &minimal.0, &run, &own, seed, n, &[note])
}

/// Logs in the administrator (who reads and removes) and every principal of `auths`, one at a
/// time, so that the concurrent requests after it find their sessions cached. A principal
/// that cannot log in is left to its case, which then shows why.
pub async fn warm_sessions(ctx: &Context, auths: impl Iterator<Item = &Auth>) {
    let mut principals = vec![ctx.admin()];
    for a in auths {
        if let Auth::Principal(p) = a
            && !principals.contains(p)
        {
            principals.push(p.clone());
        }
    }
    for p in principals {
        let _ = ctx.client.login(&p).await;
    }
}

/// Shrinks a failing case while the trial's budget lasts: proptest's simplify/complicate walk
/// over the case's value tree, each candidate sent as a case of its own. Returns the smallest
/// failing case, its run, a note on how far shrinking went, and the candidates sent.
fn shrink(
    ctx: &Context,
    trial: &str,
    clauses: &[ClauseId],
    mut tree: Tree,
    mut minimal: Prepared,
    mut minimal_run: CaseRun,
) -> (Prepared, CaseRun, String, u32) {
    let budget = ctx.lab.budget();
    if budget.remaining_for(trial) == 0 {
        let note = "(not shrunk: the restore budget (--max-restores) has no restore left for this trial, so this is the failing case as generated)";
        return (minimal, minimal_run, note.to_owned(), 0);
    }
    let mut steps = 0u32;
    let mut note = "(shrunk)".to_owned();
    let mut more = tree.simplify();
    while more {
        if steps >= MAX_SHRINK_STEPS {
            note = format!("(shrinking stopped after {MAX_SHRINK_STEPS} steps)");
            break;
        }
        if ctx.lab.stop.should_stop().is_some() {
            note = "(shrinking stopped: the run was stopped)".to_owned();
            break;
        }
        let candidate = tree.current();
        let Some(run) = execute(ctx, trial, clauses, &candidate) else {
            note = format!(
                "(shrinking stopped after {steps} steps: the restore budget (--max-restores) is spent, so the case may not be minimal)"
            );
            break;
        };
        steps += 1;
        if own_findings(&run, clauses).is_empty() {
            more = tree.complicate();
        } else {
            minimal = candidate;
            minimal_run = run;
            more = tree.simplify();
        }
    }
    (minimal, minimal_run, note, steps)
}

#[cfg(test)]
mod tests {
    use super::waves;

    fn n(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn waves_are_bounded_and_never_repeat_a_name() {
        let names = vec![n("a"), n("a"), n("b"), None, None, n("c")];
        let w = waves(&names, 2);
        assert_eq!(w, vec![vec![0, 2], vec![1, 3], vec![4, 5]]);
        for wave in &w {
            assert!(wave.len() <= 2);
            for (k, &i) in wave.iter().enumerate() {
                assert!(wave[k + 1..].iter().all(|&j| names[j] != names[i]));
            }
        }
        assert_eq!(
            waves(&names, 100).len(),
            2,
            "the two `a`s and the two defaults"
        );
        assert!(waves(&[], 3).is_empty());
    }
}

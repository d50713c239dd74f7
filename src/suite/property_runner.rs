//! Running one property: proptest generates cases, each goes through the pipeline, a failure
//! shrinks to a minimal case, and the message stands alone (clause, expected, observed, minimal
//! case, curl line, seed). Seeds are fixed per trial and failures persist under
//! the suite directory's `regressions/`, replayed first.

use std::sync::atomic::{AtomicU64, Ordering};

use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{
    Config, FileFailurePersistence, RngSeed, TestCaseError, TestError, TestRunner,
};

use super::conclude::{Repro, conclude_findings};
use super::context::Context;
use super::outcome::TrialResult;
use super::pipeline::{CaseRun, run_case};
use crate::checks::Finding;
use crate::clause::ClauseId;
use crate::model::Case;
use crate::model::World;
use crate::runner::runtime::runtime;

/// A generated case plus, optionally, a principal to provision first (generated privilege
/// setups on the mock).
pub type Prepared = (Case, Option<crate::generate::PrivilegeSetup>);

/// The seed of one trial: the run's seed mixed with the trial name, so trials differ but each
/// is reproducible from the run seed alone.
pub fn seed_for(run_seed: u64, trial: &str) -> u64 {
    // FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in trial.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^ run_seed
}

/// Where a trial's failing seeds persist: one file per property, under the suite directory's
/// `regressions/` (nowhere when the suite runs from the embedded copies).
pub fn regression_file(ctx: &Context, trial: &str) -> Option<String> {
    let safe: String = trial
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let dir = ctx.config.suite_dir.regressions()?;
    Some(dir.join(format!("{safe}.txt")).display().to_string())
}

/// Runs a property through proptest, one case at a time: the embedded mock's path (any number
/// of cases, shrinking as far as proptest goes) and, against a remote target, the path of
/// properties whose cases are refusals (they create nothing on a conforming target, so they
/// keep their case count, paced). Cases the restore budget refuses are not sent and not
/// counted; after a stop no further case starts.
pub fn run_property(
    ctx: &Context,
    trial: &str,
    clauses: &[ClauseId],
    strategy: BoxedStrategy<Prepared>,
) -> TrialResult {
    let seed = seed_for(ctx.config.seed, trial);
    let persistence: Option<Box<dyn proptest::test_runner::FailurePersistence>> = ctx
        .config
        .persist_failures
        .then(|| regression_file(ctx, trial))
        .flatten()
        .map(|f| {
            Box::new(FileFailurePersistence::Direct(Box::leak(
                f.into_boxed_str(),
            ))) as Box<dyn proptest::test_runner::FailurePersistence>
        });
    let config = Config {
        cases: ctx.config.cases,
        failure_persistence: persistence,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_iters: 256,
        // Shrinking replays cases over the network; bound it in time as well as in steps.
        max_shrink_time: 20_000,
        // Cases are network round trips; proptest's own wall-clock limits do not apply.
        timeout: 0,
        fork: false,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let cases = AtomicU64::new(0);
    let result = runner.run(&strategy, |prepared| {
        if ctx.lab.stop.should_stop().is_some() {
            return Ok(());
        }
        let Some(run) = execute(ctx, trial, clauses, &prepared) else {
            return Ok(());
        };
        cases.fetch_add(1, Ordering::Relaxed);
        let own = own_findings(&run, clauses);
        if own.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(describe_findings(&own)))
        }
    });
    let n = cases.load(Ordering::Relaxed);
    match result {
        Ok(()) if n == 0 => unrun(ctx, trial),
        Ok(()) => TrialResult::passed(n),
        Err(TestError::Abort(why)) => {
            TrialResult::failed(format!("{trial}: proptest aborted: {why}"), n)
        }
        Err(TestError::Fail(_, minimal)) => {
            conclude_minimal(ctx, trial, clauses, &minimal, seed, n)
        }
    }
}

/// A property that ran no case: the run stopped first, or the budget refused every case.
pub fn unrun(ctx: &Context, trial: &str) -> TrialResult {
    match ctx.lab.stop.should_stop() {
        Some(r) => TrialResult::not_run(r.describe()),
        None => TrialResult::not_run(format!(
            "the restore budget (--max-restores) had no restore left for {trial}"
        )),
    }
}

pub fn describe_findings(own: &[Finding]) -> String {
    own.iter()
        .map(|f| {
            format!(
                "{}: expected {}, observed {}",
                f.clause, f.expected, f.observed
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs the minimal failing case once more to get its exchange for the message and report,
/// and concludes the trial.
pub fn conclude_minimal(
    ctx: &Context,
    trial: &str,
    clauses: &[ClauseId],
    minimal: &Prepared,
    seed: u64,
    n: u64,
) -> TrialResult {
    let (case, _) = minimal;
    let Some(run) = execute(ctx, trial, clauses, minimal) else {
        // The budget is spent: the failure stands as first seen, without its exchange.
        let repro = Repro::new(case.describe(), String::new(), Some(seed))
            .note("(the minimal case was not sent again: the restore budget is spent)");
        let f = Finding::new(
            clauses[0],
            "the case to pass",
            "it failed when first sent (see the trial message)",
        );
        return conclude_findings(ctx, trial, &[f], &repro, n);
    };
    let own = own_findings(&run, clauses);
    let replay = super::replay::write(ctx, trial, clauses, case, minimal.1.as_ref())
        .map(|file| format!("replay: snapservice-conformance replay {}", file.display()));
    if own.is_empty() {
        // Flaky: the minimal case passed on its second run. Still a failure: the target
        // answered differently to the same request.
        let f = Finding::new(
            clauses[0],
            "the same answer when the minimal case is sent again",
            run.exchange.observation.summary(),
        );
        let note = "(the minimal case passed when re-run: the target is not deterministic)";
        let notes: Vec<String> = replay.into_iter().chain([note.to_owned()]).collect();
        return conclude_run(ctx, trial, case, &run, &[f], seed, n, &notes);
    }
    let notes: Vec<String> = replay.into_iter().collect();
    conclude_run(ctx, trial, case, &run, &own, seed, n, &notes)
}

/// Concludes a trial on `findings` of `case`'s `run`: the report's failure lines and the
/// message that stands alone (response, curl lines, seed, and `notes`).
#[allow(clippy::too_many_arguments)]
pub fn conclude_run(
    ctx: &Context,
    trial: &str,
    case: &Case,
    run: &CaseRun,
    findings: &[Finding],
    seed: u64,
    n: u64,
    notes: &[String],
) -> TrialResult {
    let mut repro = Repro::new(
        case.describe(),
        super::reproduce::curl_lines(ctx, case, &run.exchange),
        Some(seed),
    )
    .note(format!("response: {}", run.exchange.observation.summary()));
    for note in notes {
        repro = repro.note(note.clone());
    }
    conclude_findings(ctx, trial, findings, &repro, n)
}

/// The findings of the trial's own clauses.
pub fn own_findings(run: &CaseRun, clauses: &[ClauseId]) -> Vec<Finding> {
    run.judgement
        .findings
        .iter()
        .filter(|f| clauses.iter().any(|c| *c == f.clause.as_str()))
        .cloned()
        .collect()
}

/// Provisions the case's principal when it has one (the control plane, blocking), then runs
/// and judges the case on the shared runtime.
pub fn execute(
    ctx: &Context,
    trial: &str,
    clauses: &[ClauseId],
    prepared: &Prepared,
) -> Option<CaseRun> {
    let (case, setup) = prepared;
    let owned: World;
    let world = match setup {
        None => &ctx.world,
        Some(s) => {
            if let Err(e) = super::provision::provision(ctx, s) {
                ctx.results.inconclusive(clauses[0], &e.to_string());
            }
            owned = s.apply_to(&ctx.world);
            &owned
        }
    };
    runtime().block_on(judge_case(ctx, trial, clauses, world, case))
}

/// Runs the case and records what it exercised and any finding outside the trial's own
/// clauses (those fail their clause in the report, not this trial). A case that could not be
/// judged makes the trial's clause inconclusive. `None`: the budget refused the case and
/// nothing was sent.
pub async fn judge_case(
    ctx: &Context,
    trial: &str,
    clauses: &[ClauseId],
    world: &World,
    case: &Case,
) -> Option<CaseRun> {
    let run = run_case(ctx, trial, world, case).await?;
    if let Some(why) = &run.inconclusive {
        ctx.results
            .inconclusive(clauses[0], &format!("{}: {why}", case.describe()));
    }
    ctx.results.exercised(run.judgement.exercised.iter());
    for f in &run.judgement.findings {
        if !clauses.iter().any(|c| *c == f.clause.as_str()) {
            let repro = Repro::new(
                case.describe(),
                super::reproduce::curl_lines(ctx, case, &run.exchange),
                None,
            );
            ctx.results
                .failure(f.clause, repro.report(trial, &f.expected, &f.observed));
        }
    }
    Some(run)
}

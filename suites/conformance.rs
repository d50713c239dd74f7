//! The conformance suite under `cargo test` (libtest-mimic): one trial per property, run-level
//! trial and example scenario, named `CLAUSE::what`, against the embedded mock or the target in
//! `SNAPCONF_TARGET`. Plus the suite's own checks: the table covers the catalog, and the mutation
//! test (the suite catches every defect mode of the mock, and only what it declares).

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};
use snapservice_conformance::mock::Defect;
use snapservice_conformance::report::TrialOutcome;
use snapservice_conformance::runner::Wire;
use snapservice_conformance::suite::{self, Context, PlannedTrial, SuiteConfig, wire_form};

/// Against a remote target every trial holds this lock while it runs: trials sharing one lab
/// would collide on VM names and on the restore limit, whatever `--test-threads` says.
static REMOTE: Mutex<()> = Mutex::new(());

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let config = match SuiteConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("snapservice-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    let mut ctx = match Context::start(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("snapservice-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    // Against a remote target the preflight runs first, as certify's: credentials, logins,
    // and the fixture proven against the target (contradicted objects pruned, their clauses
    // inconclusive). A run it stops is one clearly named failing setup trial.
    let preflight = match ctx.mock {
        None => suite::preflight::check(&mut ctx).err(),
        Some(_) => None,
    };
    let ctx = Arc::new(ctx);
    if let Some(e) = preflight {
        return preflight_failed(&args, &ctx, e.to_string());
    }
    let remote = ctx.mock.is_none();
    let planned = suite::trials(&ctx);
    // The restore budget is shared among the trials this invocation will run, as certify's.
    let selected: Vec<PlannedTrial> = planned
        .iter()
        .filter(|t| selected(&args, &t.name))
        .cloned()
        .collect();
    let plan = suite::lab_plan::plan(&ctx, &selected);
    if remote {
        eprintln!(
            "snapservice-conformance: remote target {}: trials run one at a time; restore budget {} ({} planned), seed {:#x}",
            ctx.target_url(),
            plan.limit.map_or("unlimited".to_owned(), |l| l.to_string()),
            plan.planned(),
            ctx.config.seed
        );
    }
    let mut trials: Vec<Trial> = planned
        .into_iter()
        .map(|t| {
            let not_fit = suite::lab_plan::not_fit(&ctx, &t.name);
            let kind = match (&t.ignored, &not_fit) {
                (Some(_), _) => "not-exercisable",
                (None, Some(_)) => "over-budget",
                (None, None) => t.kind,
            };
            let ignored = t.ignored.is_some() || not_fit.is_some();
            let ctx = ctx.clone();
            Trial::test(t.name.clone(), move || {
                let _one_at_a_time =
                    remote.then(|| REMOTE.lock().unwrap_or_else(|e| e.into_inner()));
                match suite::run::execute_planned(&ctx, &t).outcome {
                    TrialOutcome::Passed => Ok(()),
                    TrialOutcome::Failed { message } => Err(Failed::from(message)),
                    TrialOutcome::Ignored { reason } => {
                        Err(Failed::from(format!("not run: {reason}")))
                    }
                    // Stopped, or the budget ran out mid-run: nothing was judged, nothing failed.
                    TrialOutcome::NotRun { reason } => {
                        eprintln!("{}: not run: {reason}", t.name);
                        Ok(())
                    }
                }
            })
            .with_kind(kind)
            .with_ignored_flag(ignored)
        })
        .collect();
    trials.push(Trial::test("SUITE::every-clause-has-a-trial", || {
        suite::coverage::check().map_err(|e| Failed::from(e.to_string()))
    }));
    trials.extend(mutation_trials());
    trials.push(no_false_positives());
    trials.extend(jsonrpc_mutation_trials());
    let conclusion = libtest_mimic::run(&args, trials);
    // libtest-mimic has no hook after the last trial: the end-of-run sweep runs here.
    if !selected.is_empty() {
        let _ = suite::sweep_end::sweep_run(&ctx);
    }
    snapservice_conformance::runner::runtime::runtime().block_on(ctx.client.logout_all());
    drop(ctx);
    conclusion.exit_code()
}

/// The preflight stopped the run: one failing setup trial says why, every other trial is
/// listed ignored, and nothing is sent.
fn preflight_failed(args: &Arguments, ctx: &Context, cause: String) -> ExitCode {
    let mut trials = vec![Trial::test("SUITE::preflight", move || {
        Err(Failed::from(format!(
            "the target cannot be certified: {cause}"
        )))
    })];
    for t in suite::trials(ctx) {
        trials.push(
            Trial::test(t.name, || Ok(()))
                .with_kind("preflight-failed")
                .with_ignored_flag(true),
        );
    }
    libtest_mimic::run(args, trials).exit_code()
}

/// Whether libtest-mimic will run the trial named `name` under `args` (its filter, `--exact`
/// and `--skip`), so the budget is planned for those only.
fn selected(args: &Arguments, name: &str) -> bool {
    let hit = |f: &str| {
        if args.exact {
            name == f
        } else {
            name.contains(f)
        }
    };
    args.filter.as_deref().is_none_or(hit) && !args.skip.iter().any(|s| hit(s))
}

/// One trial per defect mode: the whole suite against a mock with that defect must fail every
/// clause the defect declares and nothing else. They run against the embedded mock only.
fn mutation_trials() -> Vec<Trial> {
    let remote = std::env::var("SNAPCONF_TARGET").is_ok_and(|t| !t.is_empty());
    Defect::all()
        .iter()
        .map(|d| {
            let d = *d;
            // Under SNAPCONF_WIRE=jsonrpc a defect that breaks only a REST promise does not show.
            let applies = SuiteConfig::from_env()
                .map(|c| wire_form::defect_applies(c.wire.unwrap_or_default(), d))
                .unwrap_or(true);
            Trial::test(format!("MUTATION::{}", d.name()), move || {
                let base = SuiteConfig::from_env().map_err(Failed::from)?;
                score(&base, d)
            })
            .with_kind("mutation")
            .with_ignored_flag(remote || !applies)
        })
        .collect()
}

/// The whole suite against a mock with defect `d`: every declared clause fails, nothing else,
/// and every failure carries a minimal case and a curl line.
fn score(base: &SuiteConfig, d: Defect) -> Result<(), Failed> {
    let s = suite::score::score_defect(base, d).map_err(|e| Failed::from(e.to_string()))?;
    if s.detected && s.precise && s.reproducible {
        Ok(())
    } else {
        Err(format!(
            "defect {}: declared {:?}, failed {:?} (detected: {}, precise: {}, reproducible: {})",
            s.defect, s.declared, s.failed, s.detected, s.precise, s.reproducible
        )
        .into())
    }
}

/// Cases per property in the JSON-RPC mutation trials. Both faces share the mock's decision
/// core, which the REST trials exercise at full size; these show the JSON-RPC face and the
/// harness's JSON-RPC wire catching each defect, at a size that keeps `cargo test` short.
const JSONRPC_MUTATION_CASES: u32 = 64;

/// The mutation test over the JSON-RPC wire (`MUTATION::jsonrpc::<defect>`), for every defect
/// that shows on it, plus the conforming mock over two seeds; run beside the REST trials when
/// the suite itself runs over REST.
fn jsonrpc_mutation_trials() -> Vec<Trial> {
    let remote = std::env::var("SNAPCONF_TARGET").is_ok_and(|t| !t.is_empty());
    let already = SuiteConfig::from_env().is_ok_and(|c| c.wire == Some(Wire::JsonRpc));
    let base = || {
        SuiteConfig::from_env().map(|mut c| {
            c.wire = Some(Wire::JsonRpc);
            c.cases = c.cases.min(JSONRPC_MUTATION_CASES);
            c
        })
    };
    let mut trials: Vec<Trial> = Defect::all()
        .iter()
        .copied()
        .filter(|d| wire_form::defect_applies(Wire::JsonRpc, *d))
        .map(|d| {
            Trial::test(format!("MUTATION::jsonrpc::{}", d.name()), move || {
                score(&base().map_err(Failed::from)?, d)
            })
            .with_kind("mutation")
            .with_ignored_flag(remote || already)
        })
        .collect();
    trials.push(
        Trial::test("MUTATION::jsonrpc::conforming-mock-2-seeds", move || {
            let base = base().map_err(Failed::from)?;
            let mut bad = Vec::new();
            for i in 0..2u64 {
                let seed = base
                    .seed
                    .wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                let r = suite::score::run_with_defects(&base, &[], seed)
                    .map_err(|e| Failed::from(e.to_string()))?;
                let failed = suite::score::failed_clauses(&r);
                if !failed.is_empty() {
                    bad.push(format!("seed {seed:#x}: {failed:?}"));
                }
            }
            if bad.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "the conforming mock failed clauses over JSON-RPC: {}",
                    bad.join("; ")
                )
                .into())
            }
        })
        .with_kind("mutation")
        .with_ignored_flag(remote || already),
    );
    trials
}

/// The conforming mock passes the whole suite over ten different seeds: the suite has no false
/// positives (the other half of the mutation test).
fn no_false_positives() -> Trial {
    let remote = std::env::var("SNAPCONF_TARGET").is_ok_and(|t| !t.is_empty());
    Trial::test("MUTATION::conforming-mock-10-seeds", || {
        let base = SuiteConfig::from_env().map_err(Failed::from)?;
        let mut bad = Vec::new();
        for i in 0..10u64 {
            let seed = base
                .seed
                .wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let r = suite::score::run_with_defects(&base, &[], seed)
                .map_err(|e| Failed::from(e.to_string()))?;
            let failed = suite::score::failed_clauses(&r);
            if !failed.is_empty() {
                bad.push(format!("seed {seed:#x}: {failed:?}"));
            }
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(format!("the conforming mock failed clauses: {}", bad.join("; ")).into())
        }
    })
    .with_kind("mutation")
    .with_ignored_flag(remote)
}

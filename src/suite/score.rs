//! The mutation score: the suite against the mock with each defect mode, clause by clause —
//! detection (every declared clause fails) and precision (nothing else fails).

use std::collections::BTreeSet;
use std::time::Instant;

use super::config::SuiteConfig;
use super::context::{Context, HarnessError};
use super::outcome::TrialResult;
use super::run::{Progress, RunOptions, run_suite};
use super::trial::PlannedTrial;
use crate::mock::Defect;
use crate::report::{RunReport, TrialOutcome, Verdict};

#[derive(Debug, Clone)]
pub struct DefectScore {
    pub defect: String,
    pub declared: Vec<String>,
    pub failed: Vec<String>,
    pub detected: bool,
    pub precise: bool,
    /// Cases the first failing trial ran before its first failure (including shrinking).
    pub cases_to_failure: Option<u64>,
    /// Mutations in the shrunk counterexample of the first failure (0 = a valid case).
    pub counterexample_size: Option<usize>,
    /// Every failure carries a minimal case and a curl line.
    pub reproducible: bool,
    pub duration_s: f64,
}

struct Quiet;
impl Progress for Quiet {
    fn started(&self, _: usize) {}
    fn finished(&self, _: &PlannedTrial, _: &TrialResult) {}
}

/// Runs the whole suite on a fresh embedded mock with `defects` and returns its report.
pub fn run_with_defects(
    base: &SuiteConfig,
    defects: &[String],
    seed: u64,
) -> Result<RunReport, HarnessError> {
    let mut config = base.clone();
    config.target = None;
    config.defects = defects.to_vec();
    config.seed = seed;
    config.persist_failures = false;
    config.snapshots = false;
    config.replay_dir = None;
    let ctx = Context::start(config)?;
    let opts = RunOptions {
        filter: None,
        jobs: 2,
    };
    Ok(run_suite(&ctx, &opts, &Quiet))
}

pub fn failed_clauses(r: &RunReport) -> BTreeSet<String> {
    r.clauses
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| c.id.clone())
        .collect()
}

pub fn score_defect(base: &SuiteConfig, defect: Defect) -> Result<DefectScore, HarnessError> {
    let started = Instant::now();
    let report = run_with_defects(base, &[defect.name().to_owned()], base.seed)?;
    let failed = failed_clauses(&report);
    // On JSON-RPC the REST-only clauses are out of the run (`wire_form`).
    let wire = base.wire.unwrap_or_default();
    let declared: BTreeSet<String> = super::wire_form::declared_clauses(wire, defect)
        .iter()
        .map(|c| c.to_string())
        .collect();
    let first = report
        .trials
        .iter()
        .find(|t| matches!(t.outcome, TrialOutcome::Failed { .. }));
    let first_failure = report
        .clauses
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .flat_map(|c| c.failures.first())
        .next();
    let reproducible = report
        .clauses
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .all(|c| {
            !c.failures.is_empty()
                && c.failures
                    .iter()
                    .all(|f| !f.minimal_case.is_empty() && f.curl.contains("curl "))
        });
    Ok(DefectScore {
        defect: defect.name().to_owned(),
        detected: declared.is_subset(&failed),
        precise: failed.is_subset(&declared),
        declared: declared.into_iter().collect(),
        failed: failed.into_iter().collect(),
        cases_to_failure: first.map(|t| t.cases),
        counterexample_size: first_failure.map(|f| mutation_count(&f.minimal_case)),
        reproducible,
        duration_s: started.elapsed().as_secs_f64(),
    })
}

/// Counts the mutations named in a minimal-case description (`... + mutations [A, B]`).
fn mutation_count(desc: &str) -> usize {
    match desc.split_once("mutations [") {
        Some((_, rest)) => rest
            .split(']')
            .next()
            .map(|m| m.split(',').filter(|x| !x.trim().is_empty()).count())
            .unwrap_or(0),
        None => 0,
    }
}

pub fn table_markdown(scores: &[DefectScore]) -> String {
    let mut s = String::from(
        "| defect | declared clauses | detected | precise | clauses that failed | cases to first failure | counterexample mutations |\n|---|---|---|---|---|---|---|\n",
    );
    for d in scores {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            d.defect,
            d.declared.join(", "),
            if d.detected { "yes" } else { "**no**" },
            if d.precise { "yes" } else { "**no**" },
            d.failed.join(", "),
            d.cases_to_failure
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
            d.counterexample_size
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
        ));
    }
    let detected = scores.iter().filter(|d| d.detected).count();
    let precise = scores.iter().filter(|d| d.precise).count();
    s.push_str(&format!(
        "\n{detected}/{} defects detected, {precise}/{} with full precision.\n",
        scores.len(),
        scores.len()
    ));
    s
}

//! Findings to a trial's result, written once: each finding becomes a failure of its clause in
//! the report (with how to reproduce it), and the trial's message stands alone — clause, title,
//! expected, observed, the minimal case, the curl lines, the seed.

use super::context::Context;
use super::outcome::TrialResult;
use crate::checks::{Finding, Judgement};
use crate::report::FailureReport;
use crate::runner::SentRequest;

/// A request in words, as its curl line sends it: `POST /api/...?... with body {...}`.
pub fn request_text(r: &SentRequest) -> String {
    let target = url::Url::parse(&r.url)
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
        .unwrap_or_else(|_| r.url.clone());
    match &r.body {
        Some(b) => format!("{} {target} with body {b}", r.method),
        None => format!("{} {target}", r.method),
    }
}

/// How to reproduce a trial's failure.
#[derive(Debug, Clone, Default)]
pub struct Repro {
    /// The smallest input that shows it: a shrunk case, a scenario file, "run-level trial X".
    pub minimal_case: String,
    /// Shell lines that send it again.
    pub curl: String,
    pub seed: Option<u64>,
    /// Lines the message adds after the findings (the response, the last request, a note).
    pub notes: Vec<String>,
}

impl Repro {
    pub fn new(
        minimal_case: impl Into<String>,
        curl: impl Into<String>,
        seed: Option<u64>,
    ) -> Self {
        Repro {
            minimal_case: minimal_case.into(),
            curl: curl.into(),
            seed,
            notes: Vec::new(),
        }
    }

    pub fn note(mut self, line: impl Into<String>) -> Self {
        self.notes.push(line.into());
        self
    }

    /// The report's failure line for one finding.
    pub fn report(&self, trial: &str, expected: &str, observed: &str) -> FailureReport {
        FailureReport {
            trial: trial.to_owned(),
            expected: expected.to_owned(),
            observed: observed.to_owned(),
            minimal_case: self.minimal_case.clone(),
            curl: self.curl.clone(),
            seed: self.seed,
        }
    }
}

/// Records what the judgement exercised, then concludes on its findings.
pub fn conclude(
    ctx: &Context,
    trial: &str,
    j: &Judgement,
    repro: &Repro,
    cases: u64,
) -> TrialResult {
    ctx.results.exercised(j.exercised.iter());
    conclude_findings(ctx, trial, &j.findings, repro, cases)
}

/// Passes when there is no finding; otherwise records each as a failure of its clause and fails
/// the trial with a message that stands alone.
pub fn conclude_findings(
    ctx: &Context,
    trial: &str,
    findings: &[Finding],
    repro: &Repro,
    cases: u64,
) -> TrialResult {
    if findings.is_empty() {
        return TrialResult::passed(cases);
    }
    let mut msg = String::new();
    for f in findings {
        ctx.results
            .failure(f.clause, repro.report(trial, &f.expected, &f.observed));
        let title = Some(f.clause.row()).map(|c| c.title.as_str()).unwrap_or("");
        msg.push_str(&format!(
            "{} failed: {title}\n  expected: {}\n  observed: {}\n",
            f.clause, f.expected, f.observed
        ));
    }
    msg.push_str(&format!("  minimal case: {}\n", repro.minimal_case));
    for n in &repro.notes {
        msg.push_str(&format!("  {n}\n"));
    }
    if !repro.curl.is_empty() {
        msg.push_str(&format!("  reproduce:\n{}\n", indent(&repro.curl, 4)));
    }
    msg.push_str(&format!(
        "  seed: {} (SNAPCONF_SEED={:#x}), trial: {trial}, cases run: {cases}\n",
        repro
            .seed
            .map_or_else(|| "-".to_owned(), |s| format!("{s:#x}")),
        ctx.config.seed
    ));
    TrialResult::failed(msg, cases)
}

fn indent(s: &str, n: usize) -> String {
    s.lines()
        .map(|l| format!("{}{l}", " ".repeat(n)))
        .collect::<Vec<_>>()
        .join("\n")
}

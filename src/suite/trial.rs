//! A trial: a named unit of the suite that both drivers run (libtest-mimic in `cargo test`,
//! `certify` in the CLI). Names start with the clause id and `::`, so `cargo test -- AUTHZ-2::`
//! selects one clause exactly.

use std::sync::Arc;
use std::time::Instant;

use super::context::Context;
use super::outcome::TrialResult;
use crate::report::TrialReport;

pub type TrialFn = Arc<dyn Fn(&Context) -> TrialResult + Send + Sync>;

#[derive(Clone)]
pub struct Trial {
    pub name: String,
    pub clauses: Vec<&'static str>,
    /// `Some(reason)`: this target cannot run it (reported `not_exercisable`, shown as ignored).
    pub ignored: Option<String>,
    /// A short tag shown by libtest-mimic: `property`, `run`, `scenario`, `control`.
    pub kind: &'static str,
    pub run: TrialFn,
}

impl Trial {
    pub fn new(
        clause: &'static str,
        slug: &str,
        kind: &'static str,
        run: impl Fn(&Context) -> TrialResult + Send + Sync + 'static,
    ) -> Self {
        Trial {
            name: format!("{clause}::{slug}"),
            clauses: vec![clause],
            ignored: None,
            kind,
            run: Arc::new(run),
        }
    }

    pub fn also(mut self, clauses: &[&'static str]) -> Self {
        self.clauses.extend_from_slice(clauses);
        self
    }

    pub fn ignore_if(mut self, reason: Option<String>) -> Self {
        if self.ignored.is_none() {
            self.ignored = reason;
        }
        self
    }
}

/// Runs a trial, records its report line, and returns its result.
pub fn execute(ctx: &Context, trial: &Trial) -> TrialResult {
    let started = Instant::now();
    let result = match &trial.ignored {
        Some(reason) => {
            for c in &trial.clauses {
                ctx.results.not_exercisable(c, reason);
            }
            TrialResult::ignored(reason.clone())
        }
        None => {
            // A panicking trial is a harness bug, but it must become a failed trial, not exit 101.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (trial.run)(ctx))) {
                Ok(r) => r,
                Err(p) => {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    let message = format!("{}: the trial panicked: {msg}", trial.name);
                    for c in &trial.clauses {
                        ctx.results.failure(
                            c,
                            crate::report::FailureReport {
                                trial: trial.name.clone(),
                                expected: "the trial completes".into(),
                                observed: message.clone(),
                                minimal_case: "-".into(),
                                curl: "-".into(),
                                seed: Some(ctx.config.seed),
                            },
                        );
                    }
                    TrialResult::failed(message, 0)
                }
            }
        }
    };
    ctx.results.trial(TrialReport {
        name: trial.name.clone(),
        clauses: trial.clauses.iter().map(|c| c.to_string()).collect(),
        outcome: result.outcome.clone(),
        cases: result.cases,
        duration_s: started.elapsed().as_secs_f64(),
    });
    result
}

//! Trials: a `TrialDef` is one row of the suite's table (`table.rs`); a `PlannedTrial` is a
//! trial of this run, its definition resolved against the context (runnable, or ignored with a
//! reason). Both drivers run planned trials: libtest-mimic in `cargo test`, `certify` in the
//! CLI. Names start with the clause id and `::`, so `cargo test -- AUTHZ-2::` selects one clause
//! exactly.

use std::sync::Arc;
use std::time::Instant;

use super::context::{Context, ControlRefused, HarnessError};
use super::outcome::TrialResult;
use crate::clause::{ClauseId, Where};
use crate::report::TrialReport;

/// Why a trial is not run against a target without the embedded mock's control plane.
pub const NEEDS_CONTROL: &str =
    "needs the embedded mock's control plane (fault injection or task holds)";

/// What a trial is, as libtest-mimic shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Generated cases from the clause's strategy (`property_table`), one exchange at a time
    /// through the case pipeline.
    Generated,
    /// Generated cases judged by the trial's own function (pairs, repetitions).
    Property,
    /// Many requests judged together (races, limits, injected faults).
    RunLevel,
}

/// What a trial asks of the restore budget: how many requests that may create a VM it sends.
/// The numbers depend on the run (case count, the fixture's restore limit): `lab_plan` turns
/// this declaration into a `lab::Need`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreNeed {
    /// Refusals only: nothing is created on a conforming target, nothing is budgeted.
    Refusals,
    /// Generated cases a conforming target accepts: at least one, as many as the case count.
    Cases,
    /// DUP-3: a racer and a straggler per round at least.
    Race,
    /// BUSY-1: a round of limit 1 at least (one restore, one over the limit, one after).
    Held,
    /// BUSY-2: one restore over the restore limit at least.
    Burst,
    /// BUSY-3: the limit and one more per round.
    Rounds,
    /// Exactly this many (a scenario that expects 202, the failing-task rounds).
    Fixed(u32),
}

/// A trial function: runs the trial against the context (choosing its own target with
/// `TrialTarget`), or says why it could not.
pub type RunFn = fn(&Context, &TrialDef) -> Result<TrialResult, TrialError>;

/// Tells, before the run, why this context cannot run a trial (its world lacks the objects).
pub type ProbeFn = fn(&Context, &TrialDef) -> Result<(), Unavailable>;

/// One trial definition: a row of the suite's table.
#[derive(Clone, Copy)]
pub struct TrialDef {
    /// The clauses the trial judges; the first one names it.
    pub clauses: &'static [ClauseId],
    pub slug: &'static str,
    pub kind: Kind,
    /// What the target must offer beyond the catalog's `where` of the first clause; `None`:
    /// exactly that.
    pub needs_more: Option<Where>,
    pub run: RunFn,
    pub probe: Option<ProbeFn>,
    pub restores: RestoreNeed,
}

impl TrialDef {
    /// A trial whose target needs are its first clause's `where` in the catalog.
    pub const fn new(
        clauses: &'static [ClauseId],
        slug: &'static str,
        kind: Kind,
        run: RunFn,
    ) -> Self {
        TrialDef {
            clauses,
            slug,
            kind,
            needs_more: None,
            run,
            probe: None,
            restores: RestoreNeed::Refusals,
        }
    }

    /// Declares the trial's restore need (the default: refusals only).
    pub const fn restoring(mut self, restores: RestoreNeed) -> Self {
        self.restores = restores;
        self
    }

    /// The trial needs more than its clause's `where` says (e.g. a failing task, which only the
    /// control plane can make, for a clause any target exercises).
    pub const fn needing(mut self, needs: Where) -> Self {
        self.needs_more = Some(needs);
        self
    }

    pub const fn probed(mut self, probe: ProbeFn) -> Self {
        self.probe = Some(probe);
        self
    }

    /// The clause that names the trial.
    pub fn clause(&self) -> ClauseId {
        self.clauses[0]
    }

    /// `CLAUSE::slug`.
    pub fn name(&self) -> String {
        format!("{}::{}", self.clause(), self.slug)
    }

    /// What the target must offer: the first clause's catalog `where`, or more when declared.
    pub fn needs(&self) -> Where {
        self.needs_given(self.clause().row().where_)
    }

    /// `needs` with the first clause's `where` taken from elsewhere (a catalog text under test).
    pub fn needs_given(&self, catalog_where: Where) -> Where {
        self.needs_more
            .map_or(catalog_where, |w| w.max(catalog_where))
    }

    /// The tag libtest-mimic shows.
    pub fn label(&self) -> &'static str {
        match (self.kind, self.needs()) {
            (Kind::Generated | Kind::Property, _) => "property",
            (Kind::RunLevel, Where::Control) => "control",
            (Kind::RunLevel, _) => "run",
        }
    }

    /// This trial for this context: ignored with the reason when the context cannot run it.
    pub fn plan(&'static self, ctx: &Context) -> PlannedTrial {
        let ignored =
            if let Some(why) = super::wire_form::clause_excluded(ctx.wire(), self.clause()) {
                Some(why.to_owned())
            } else if self.needs() == Where::Control && !ctx.has_control() {
                Some(NEEDS_CONTROL.to_owned())
            } else {
                self.probe.and_then(|p| p(ctx, self).err()).map(|u| u.0)
            };
        PlannedTrial {
            name: self.name(),
            clauses: self.clauses.to_vec(),
            ignored,
            kind: self.label(),
            restores: self.restores,
            run: Arc::new(move |c| (self.run)(c, self).unwrap_or_else(TrialError::into_result)),
        }
    }
}

/// Why a context cannot exercise a trial (the fixture lacks objects, or the target lacks the
/// control plane): the trial is ignored and its clauses are `not_exercisable`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

/// A trial that could not run to its verdict.
#[derive(Debug, thiserror::Error)]
pub enum TrialError {
    #[error("cannot start an isolated mock: {0}")]
    Isolate(#[source] HarnessError),
    #[error("control plane refused: {0}")]
    Control(#[from] ControlRefused),
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
}

impl TrialError {
    /// Unavailable is an ignored trial; the rest are harness trouble, hence failed trials.
    pub fn into_result(self) -> TrialResult {
        match self {
            TrialError::Unavailable(u) => TrialResult::ignored(u.0),
            other => TrialResult::failed(other.to_string(), 0),
        }
    }
}

pub type TrialFn = Arc<dyn Fn(&Context) -> TrialResult + Send + Sync>;

/// A trial of this run.
#[derive(Clone)]
pub struct PlannedTrial {
    pub name: String,
    pub clauses: Vec<ClauseId>,
    /// `Some(reason)`: this target cannot run it (reported `not_exercisable`, shown as ignored).
    pub ignored: Option<String>,
    /// A short tag shown by libtest-mimic: `property`, `run`, `scenario`, `control`.
    pub kind: &'static str,
    pub restores: RestoreNeed,
    pub run: TrialFn,
}

/// Runs a trial, records its report line, and returns its result.
pub fn execute(ctx: &Context, trial: &PlannedTrial) -> TrialResult {
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
                    let repro = super::conclude::Repro::new("-", "-", Some(ctx.config.seed));
                    for c in &trial.clauses {
                        ctx.results.failure(
                            c,
                            repro.report(&trial.name, "the trial completes", &message),
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

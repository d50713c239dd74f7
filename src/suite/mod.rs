//! The conformance suite: its trials (properties, run-level trials, example scenarios), the
//! case pipeline, and the run that both `cargo test` and `certify` drive.

pub mod config;
pub mod context;
pub mod normalize;
pub mod outcome;
pub mod paired;
pub mod pipeline;
pub mod preflight;
pub mod properties;
pub mod property;
pub mod provision;
pub mod reproduce;
pub mod results;
pub mod run;
pub mod runlevel;
pub mod scenario;
pub mod score;
pub mod trial;

use std::collections::BTreeMap;

pub use config::SuiteConfig;
pub use context::{Context, HarnessError};
pub use outcome::TrialResult;
pub use trial::Trial;

/// Why a trial is not run against a remote target.
pub const NEEDS_CONTROL: &str =
    "needs the embedded mock's control plane (fault injection or task holds)";

/// Every trial of the suite for this context, in a stable order: properties by clause, then
/// run-level trials, then scenarios. Trials this target cannot run are present and ignored,
/// with the reason.
pub fn trials(ctx: &Context) -> Vec<Trial> {
    let mut out = properties::trials(ctx);
    let control = (!ctx.has_control()).then(|| NEEDS_CONTROL.to_owned());
    out.push(Trial::new(
        "DUP-3",
        "concurrent-same-name",
        "run",
        runlevel::dup3_race,
    ));
    out.push(
        Trial::new(
            "BUSY-1",
            "limit-reached",
            "control",
            runlevel::busy1_at_limit,
        )
        .also(&["BUSY-3"])
        .ignore_if(control.clone()),
    );
    out.push(Trial::new(
        "BUSY-2",
        "burst",
        "run",
        runlevel::busy2_never_exceeded,
    ));
    out.push(Trial::new(
        "BUSY-3",
        "accepted-after-finish",
        "run",
        runlevel::busy3_frees_up,
    ));
    out.push(
        Trial::new("ERR-1", "internal-fault", "control", |c| {
            runlevel::injected_fault(c, 500)
        })
        .ignore_if(control.clone()),
    );
    out.push(
        Trial::new("UNAV-1", "service-down", "control", |c| {
            runlevel::injected_fault(c, 503)
        })
        .ignore_if(control.clone()),
    );
    out.push(
        Trial::new("TASK-1", "failed-task", "control", runlevel::failing_task).ignore_if(control),
    );
    out.extend(scenario::trials(ctx));
    out
}

/// Trial names per clause, without a target (for `clauses` and the coverage check).
pub fn trial_names_by_clause() -> BTreeMap<&'static str, Vec<String>> {
    let mut m: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for (clause, slug) in properties::NAMES {
        m.entry(clause)
            .or_default()
            .push(format!("{clause}::{slug}"));
    }
    for (clause, slug) in [
        ("DUP-3", "concurrent-same-name"),
        ("BUSY-1", "limit-reached"),
        ("BUSY-2", "burst"),
        ("BUSY-3", "accepted-after-finish"),
        ("ERR-1", "internal-fault"),
        ("UNAV-1", "service-down"),
        ("TASK-1", "failed-task"),
    ] {
        m.entry(clause)
            .or_default()
            .push(format!("{clause}::{slug}"));
    }
    if let Ok(list) = scenario::load_all() {
        for s in list {
            for c in &s.clauses {
                if let Some(k) = crate::clause::get(c) {
                    m.entry(k.id.as_str()).or_default().push(s.trial_name());
                }
            }
        }
    }
    m
}

/// Clauses of the catalog that no trial covers (must be empty: finding nothing is a failure).
pub fn uncovered_clauses() -> Vec<&'static str> {
    let m = trial_names_by_clause();
    crate::clause::catalog()
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| !m.contains_key(id))
        .collect()
}

//! The conformance suite: its trials (the table of properties and run-level trials, and the
//! example scenarios), the case pipeline, and the run that both `cargo test` and `certify`
//! drive.

pub mod conclude;
pub mod config;
pub mod context;
pub mod coverage;
pub mod dry_run;
pub mod fmt5;
pub mod lab_plan;
pub mod lab_state;
pub mod late_refusal;
pub mod normalize;
pub mod outcome;
pub mod paired;
pub mod pipeline;
pub mod preflight;
pub mod property_runner;
pub mod property_table;
pub mod provision;
pub mod prune;
pub mod rej1;
pub mod replay;
pub mod reproduce;
pub mod restore_send;
pub mod results;
pub mod run;
pub mod runlevel;
pub mod runlevel_busy;
pub mod scenario;
pub mod score;
pub mod settle;
pub mod sources;
pub mod sweep_end;
pub mod table;
pub mod target;
pub mod trial;
pub mod vm_api;
pub mod waves;
pub mod wire_form;

pub use config::SuiteConfig;
pub use context::{Context, HarnessError};
pub use outcome::TrialResult;
pub use sources::{Fixture, SuiteDir};
pub use trial::{NEEDS_CONTROL, PlannedTrial, TrialDef};

/// Every trial of the suite for this context, in a stable order: the table's (properties by
/// clause, then run-level trials), then the scenarios. Trials this target cannot run are
/// present and ignored, with the reason.
pub fn trials(ctx: &Context) -> Vec<PlannedTrial> {
    let mut out: Vec<PlannedTrial> = table::TRIALS.iter().map(|t| t.plan(ctx)).collect();
    out.extend(scenario::trials(ctx));
    out
}

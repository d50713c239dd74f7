//! `replay`: one recorded case sent again and judged again.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::context::Context;
use crate::clause::ClauseId;
use crate::generate::PrivilegeSetup;
use crate::model::Case;

/// A failing case as a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Replay {
    pub trial: String,
    pub clauses: Vec<ClauseId>,
    pub case: Case,
    #[serde(default)]
    pub setup: Option<PrivilegeSetup>,
}

/// Writes a failing case where the run keeps replay files (`certify`: `DIR/replay/`), named
/// after its trial, so `snapservice-conformance replay FILE` sends it again. Returns the file,
/// or `None` when the run keeps none or the file cannot be written (the failure itself is still
/// reported; only the convenience is lost).
pub fn write(
    ctx: &Context,
    trial: &str,
    clauses: &[ClauseId],
    case: &Case,
    setup: Option<&PrivilegeSetup>,
) -> Option<PathBuf> {
    let dir = ctx.config.replay_dir.as_ref()?;
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
    let path = dir.join(format!("{safe}.json"));
    let r = Replay {
        trial: trial.to_owned(),
        clauses: clauses.to_vec(),
        case: case.clone(),
        setup: setup.cloned(),
    };
    let text = serde_json::to_string_pretty(&r).ok()?;
    std::fs::create_dir_all(dir).ok()?;
    std::fs::write(&path, text).ok()?;
    Some(path)
}

/// Re-runs a recorded case and judges it; returns a summary and whether it failed.
pub fn replay(ctx: &Context, r: &Replay) -> (String, bool) {
    let world = match &r.setup {
        Some(s) => {
            if let Err(e) = super::provision::provision(ctx, s) {
                return (
                    format!("cannot provision the generated principal: {e}"),
                    true,
                );
            }
            s.apply_to(&ctx.world)
        }
        None => ctx.world.clone(),
    };
    let run = crate::runner::runtime::runtime()
        .block_on(super::pipeline::run_case(ctx, &r.trial, &world, &r.case));
    // A replay has no restore budget (it is unlimited), so the case is always sent.
    let Some(mut run) = run else {
        return ("the case was not sent: no restore budget".to_owned(), true);
    };
    // REJ-1 reads back in batches: a replayed case is a batch of one.
    let rej = crate::runner::runtime::runtime().block_on(super::rej1::flush(ctx, &world));
    run.judgement.findings.extend(rej);
    let mut s = format!(
        "trial {}: {}\nresponse: {}\nexpected: {}\n",
        r.trial,
        r.case.describe(),
        run.exchange.observation.summary(),
        run.expected.describe_outcomes()
    );
    for f in &run.judgement.findings {
        s.push_str(&format!(
            "{} failed: expected {}, observed {}\n",
            f.clause, f.expected, f.observed
        ));
    }
    if run.judgement.findings.is_empty() {
        s.push_str("no clause failed\n");
    }
    (s, !run.judgement.findings.is_empty())
}

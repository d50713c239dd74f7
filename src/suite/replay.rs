//! `replay`: one recorded case sent again and judged again.

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
    let mut run =
        crate::runner::runtime::runtime().block_on(super::pipeline::run_case(ctx, &world, &r.case));
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

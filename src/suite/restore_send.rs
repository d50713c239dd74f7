//! Sending a restore, written once: a request that may create a VM takes one restore from the
//! run's budget first (or is not sent), and the ledger records it before it is sent, when its
//! task is accepted, or when it is refused. A restore whose answer never came (the harness's
//! own timeout) stays `Sent` in the ledger, so the end-of-run sweep looks for its name.

use super::context::Context;
use super::settle::task_id;
use crate::clause::ClauseId;
use crate::lab::LedgerEntry;
use crate::report::FailureReport;
use crate::runner::{Exchange, Observation, RequestSpec};

/// One restore request and what the ledger should know about it.
pub struct Restore<'a> {
    pub trial: &'a str,
    pub spec: RequestSpec,
    pub cluster: &'a str,
    /// The VM name the restore asks for (the default name when the body names none).
    pub name: Option<String>,
    /// Whether a conforming target may accept it: then it spends a restore of the budget.
    pub may_accept: bool,
}

/// Sends the restore; `None` when the budget has no restore left for the trial (nothing was
/// sent). A refusal-only request (`may_accept` false) is sent unbudgeted, always.
pub async fn send_restore(ctx: &Context, r: Restore<'_>) -> Option<Exchange> {
    if r.may_accept {
        if !ctx.lab.budget().take(r.trial) {
            return None;
        }
        ctx.lab.ledger.record(LedgerEntry::Sent {
            trial: r.trial.to_owned(),
            cluster: r.cluster.to_owned(),
            name: r.name.clone(),
        });
    }
    Some(send_recorded(ctx, r).await)
}

/// Sends a restore the target should refuse (no budget is spent); if the target accepts it
/// anyway, its task is still recorded.
pub async fn send_refusal(ctx: &Context, r: Restore<'_>) -> Exchange {
    send_recorded(
        ctx,
        Restore {
            may_accept: false,
            ..r
        },
    )
    .await
}

async fn send_recorded(ctx: &Context, r: Restore<'_>) -> Exchange {
    let ex = ctx.client.send(&r.spec).await;
    match task_id(&ex.observation) {
        Some(task) => ctx.lab.ledger.record(LedgerEntry::Accepted {
            trial: r.trial.to_owned(),
            task,
            cluster: r.cluster.to_owned(),
            name: r.name,
        }),
        None if r.may_accept && ex.observation.status().is_some() => {
            ctx.lab.ledger.record(LedgerEntry::Refused {
                trial: r.trial.to_owned(),
                name: r.name,
            })
        }
        None => {}
    }
    ex
}

/// Why no answer can be judged when the harness itself gave up waiting (`--timeout`): the
/// lab's patience ran out, which says nothing about the format of an answer never seen.
pub fn harness_timeout(o: &Observation) -> Option<String> {
    match o {
        Observation::Timeout { .. } => Some(format!(
            "{} (the harness's own request timeout, --timeout / SNAPCONF_TIMEOUT): the case could not be judged",
            o.summary()
        )),
        _ => None,
    }
}

/// Counts a harness-side timeout of `trial`; the third in one trial is reported under ERR-1
/// (a target that keeps not answering hangs), never as a format failure.
pub fn note_timeout(ctx: &Context, trial: &str, ex: &Exchange) {
    if ctx.lab.timed_out(trial) {
        ctx.results.failure(
            ClauseId::ERR_1,
            FailureReport {
                trial: trial.to_owned(),
                expected: "an answer (an internal fault is answered 500, not a hang)".into(),
                observed: format!(
                    "{} requests of this trial got no answer within the request timeout (last: {}); raise --timeout if the target is merely slow",
                    super::lab_state::TIMEOUTS_FOR_ERR1,
                    ex.observation.summary()
                ),
                minimal_case: format!("{} {}", ex.request.method, ex.request.url),
                curl: ex.request.curl(ctx.config.insecure || ctx.mock.is_some()),
                seed: Some(ctx.config.seed),
            },
        );
    }
}

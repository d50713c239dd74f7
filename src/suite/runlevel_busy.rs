//! The restore limit's run-level trials: BUSY-1 (with the control plane's task holds), BUSY-2
//! (a burst never runs more than the limit at once) and BUSY-3 (a finished restore frees its
//! slot). Each restore spends the trial's share of the budget; a round the share cannot pay
//! for in full is not started.

use futures_util::future::join_all;
use serde_json::json;

use super::context::{Context, EMBEDDED_TASK_MS};
use super::outcome::TrialResult;
use super::property_runner::unrun;
use super::runlevel::{finish, restore, simple_or_unavailable, stopping};
use super::settle::{Settled, settle, settle_answer, status_of, task_id};
use super::trial::{TrialDef, TrialError};
use crate::checks::{self, Judgement};
use crate::clause::ClauseId;
use crate::model::Auth;
use crate::runner::RequestSpec;
use crate::runner::runtime::runtime;

/// BUSY-3's rounds.
pub const BUSY3_ROUNDS: u32 = 3;

/// BUSY-2's burst for a restore limit.
pub fn busy2_burst(limit: u32) -> u32 {
    (limit * 3).max(4)
}

/// BUSY-1 (and BUSY-3 under control): hold tasks, fill the cluster to its limit, one more is
/// refused NOT_ALLOWED_IN_CURRENT_STATE; release, and a restore is accepted again. Repeated for
/// limits 1, 2 and 3 so an off-by-one shows at any limit.
pub fn busy1_at_limit(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let iso = ctx.control_target()?;
    let s = simple_or_unavailable(&iso.world)?;
    let admin = Auth::Principal(iso.admin());
    let trial = def.name();
    let (j, all, cases) = runtime().block_on(async {
        let mut j = Judgement::default();
        let mut all = Vec::new();
        let mut cases = 0;
        for limit in 1..=3u32 {
            if stopping(&iso) || iso.lab.budget().remaining_for(&trial) < limit + 2 {
                break;
            }
            iso.control(
                "PUT",
                "/__mock/settings",
                Some(json!({"restore_limit": {s.cluster.clone(): limit}})),
            )
            .await?;
            iso.control("POST", "/__mock/tasks/hold", None).await?;
            let mut tasks = Vec::new();
            let mut burst = Vec::new();
            for _ in 0..limit {
                let name = iso.unique_name("busy");
                let Some(ex) = restore(&iso, &trial, &s, &name, admin.clone()).await else {
                    break;
                };
                cases += 1;
                match task_id(&ex.observation) {
                    Some(t) => tasks.push(t),
                    None => j.fail(
                        ClauseId::ACC_1,
                        format!("202 (only {} of {limit} restores in progress)", tasks.len()),
                        ex.observation.summary(),
                    ),
                }
                burst.push(ex.observation.clone());
                all.push(ex);
            }
            let name = iso.unique_name("busy");
            if let Some(over) = restore(&iso, &trial, &s, &name, admin.clone()).await {
                cases += 1;
                burst.push(over.observation.clone());
                j.merge(checks::format::check_format(&over, None));
                if let Some(t) = task_id(&over.observation) {
                    tasks.push(t);
                }
                all.push(over);
            }
            let _ = iso.control("POST", "/__mock/tasks/release", None).await;
            let finished: Vec<Settled> =
                join_all(tasks.iter().map(|t| settle(&iso, t, &admin))).await;
            // BUSY-3 speaks of restores that finished: tasks never seen to end are ACC-2's
            // finding, and a refusal while they seem to run proves nothing about the limit.
            let all_ended = finished.iter().all(Settled::ended);
            // BUSY-3: with every restore finished, a valid restore is accepted again.
            let name = iso.unique_name("busy");
            let again = restore(&iso, &trial, &s, &name, admin.clone()).await;
            cases += 1;
            j.merge(checks::run::check_busy(
                limit,
                &burst,
                None,
                again.as_ref().map(|a| &a.observation).filter(|_| all_ended),
            ));
            if let Some(again) = again {
                settle_answer(&iso, &again.observation, &admin).await;
                all.push(again);
            }
            if !all_ended {
                // Unended tasks may hold their slots: the next limit cannot be judged.
                break;
            }
        }
        Ok::<_, TrialError>((j, all, cases))
    })?;
    if cases == 0 {
        return Ok(unrun(ctx, &trial));
    }
    Ok(finish(ctx, def, j, &all, cases))
}

/// BUSY-2: a burst of restores; the number in progress at once never exceeds the limit. On the
/// embedded mock the tasks are slowed down so the whole burst overlaps; against a real target
/// the tasks' own duration does that. The burst's tasks are polled together, at the lab
/// policy's poll plan, until they end or the task timeout is spent.
pub fn busy2_never_exceeded(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let c = ctx.trial_target_with_tasks(300)?;
    let s = simple_or_unavailable(&c.world)?;
    let admin = Auth::Principal(c.admin());
    let trial = def.name();
    let burst = busy2_burst(s.limit).min(c.lab.budget().remaining_for(&trial));
    if burst <= s.limit || stopping(&c) {
        // Without one restore over the limit the burst shows nothing.
        return Ok(unrun(ctx, &trial));
    }
    let policy = c.config.lab.clone();
    let (j, exchanges) = runtime().block_on(async {
        super::waves::warm_sessions(&c, std::iter::empty()).await;
        let names: Vec<String> = (0..burst).map(|_| c.unique_name("burst")).collect();
        let exchanges: Vec<_> = join_all(
            names
                .iter()
                .map(|n| restore(&c, &trial, &s, n, admin.clone())),
        )
        .await
        .into_iter()
        .flatten()
        .collect();
        let tasks: Vec<String> = exchanges
            .iter()
            .filter_map(|e| task_id(&e.observation))
            .collect();
        // Sweep: poll every unfinished task at once, count those in progress, until all end.
        let mut max_in_progress = 0usize;
        let mut open = tasks.clone();
        let deadline = std::time::Instant::now() + policy.task_timeout;
        let mut n = 0;
        while !open.is_empty()
            && std::time::Instant::now() < deadline
            && c.lab.stop.may_keep_polling(policy.drain_timeout)
        {
            let polls = join_all(open.iter().map(|t| {
                c.client.send_owned(RequestSpec::get(
                    format!("{}/{t}", c.client.config().task_path),
                    admin.clone(),
                ))
            }))
            .await;
            let running: Vec<bool> = polls
                .iter()
                .map(|e| {
                    e.observation
                        .json()
                        .as_ref()
                        .and_then(status_of)
                        .is_some_and(|s| !s.is_terminal())
                })
                .collect();
            max_in_progress = max_in_progress.max(running.iter().filter(|r| **r).count());
            open = open
                .into_iter()
                .zip(running)
                .filter(|(_, r)| *r)
                .map(|(t, _)| t)
                .collect();
            if !open.is_empty() {
                tokio::time::sleep(policy.poll.wait(n)).await;
                n += 1;
            }
        }
        let j = checks::run::check_burst(s.stated_limit, &exchanges, Some(max_in_progress as u32));
        for t in &tasks {
            settle(&c, t, &admin).await;
        }
        (j, exchanges)
    });
    let sent = exchanges.len() as u64;
    Ok(finish(ctx, def, j, &exchanges, sent))
}

/// BUSY-3 on any target: restores up to the limit, wait for all of them, then one more must be
/// accepted. A round needs limit + 1 restores of the budget.
pub fn busy3_frees_up(outer: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let ctx = outer.trial_target_with_tasks(EMBEDDED_TASK_MS)?;
    let s = simple_or_unavailable(&ctx.world)?;
    let admin = Auth::Principal(ctx.admin());
    let trial = def.name();
    let (j, last, cases) = runtime().block_on(async {
        let mut j = Judgement::default();
        let mut last = Vec::new();
        let mut cases = 0u64;
        // Sticky: a task that never ended may hold its slot in every later round.
        let mut all_ended = true;
        for _ in 0..BUSY3_ROUNDS {
            if stopping(&ctx) || ctx.lab.budget().remaining_for(&trial) < s.limit + 1 {
                break;
            }
            super::waves::warm_sessions(&ctx, std::iter::empty()).await;
            let names: Vec<String> = (0..s.limit).map(|_| ctx.unique_name("free")).collect();
            let exchanges: Vec<_> = join_all(
                names
                    .iter()
                    .map(|n| restore(&ctx, &trial, &s, n, admin.clone())),
            )
            .await
            .into_iter()
            .flatten()
            .collect();
            for e in &exchanges {
                if let Some(settled) = settle_answer(&ctx, &e.observation, &admin).await {
                    all_ended &= settled.ended();
                }
            }
            let name = ctx.unique_name("free");
            let Some(again) = restore(&ctx, &trial, &s, &name, admin.clone()).await else {
                break;
            };
            cases += exchanges.len() as u64 + 1;
            // As in BUSY-1: only restores seen to finish oblige the target to accept again.
            j.merge(checks::run::check_busy(
                s.limit,
                &[],
                None,
                Some(&again.observation).filter(|_| all_ended),
            ));
            settle_answer(&ctx, &again.observation, &admin).await;
            last = vec![again];
        }
        (j, last, cases)
    });
    if cases == 0 {
        return Ok(unrun(outer, &trial));
    }
    Ok(finish(outer, def, j, &last, cases))
}

//! Run-level trials: properties over many requests rather than one exchange (DUP-3, BUSY-*),
//! and the fault clauses that need the mock's control plane (ERR-1, UNAV-1, a failing task).

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::json;

use super::conclude::{Repro, conclude};
use super::context::{Context, EMBEDDED_TASK_MS};
use super::outcome::TrialResult;
use super::settle::{Settled, enc, follow, list_vms, settle, settle_answer, status_of, task_id};
use super::trial::{TrialDef, TrialError, Unavailable};
use crate::checks::{self, Judgement};
use crate::clause::ClauseId;
use crate::model::Auth;
use crate::model::{TaskStatus, World};
use crate::runner::runtime::runtime;
use crate::runner::{Exchange, RequestSpec};

/// A restore the fixture says must succeed: a deleted VM on a cluster, one of its snapshots,
/// and the datacenter's default VM folder.
#[derive(Debug, Clone)]
pub struct Simple {
    pub cluster: String,
    pub vm: String,
    pub snapshot: String,
    pub folder: String,
    pub limit: u32,
    /// The limit when the fixture states it (BUSY-1 is judged from a burst only then).
    pub stated_limit: Option<u32>,
}

/// Picks the first DRS cluster with a deleted VM that has a snapshot (no placement needed).
pub fn simple_target(world: &World) -> Option<Simple> {
    world.clusters.values().filter(|c| c.drs).find_map(|c| {
        let vm = world
            .deleted_vms
            .values()
            .find(|v| v.cluster == c.id && world.snapshots_of(&v.id).next().is_some())?;
        let snap = world.snapshots_of(&vm.id).next()?;
        Some(Simple {
            cluster: c.id.clone(),
            vm: vm.id.clone(),
            snapshot: snap.id.clone(),
            folder: world.datacenters.get(&c.datacenter)?.vm_folder.clone(),
            limit: c.restore_limit,
            stated_limit: c.restore_limit_stated.then_some(c.restore_limit),
        })
    })
}

pub fn restore_request(s: &Simple, name: &str, auth: Auth) -> RequestSpec {
    RequestSpec::post_json(
        format!(
            "/api/snapservice/clusters/{}/virtual-machines/{}?action=restore&vmw-task=true",
            s.cluster, s.vm
        ),
        auth,
        json!({"snapshot": s.snapshot, "name": name}).to_string(),
    )
}

fn simple_or_unavailable(world: &World) -> Result<Simple, Unavailable> {
    simple_target(world).ok_or_else(|| {
        Unavailable("the fixture has no DRS cluster with a deleted VM that has a snapshot".into())
    })
}

/// Concludes a run-level trial: its reproduction is the trial itself (with the run's seed) and
/// the last request it sent.
fn finish(
    ctx: &Context,
    def: &TrialDef,
    j: Judgement,
    exchanges: &[Exchange],
    cases: u64,
) -> TrialResult {
    let trial = def.name();
    let curl = exchanges
        .last()
        .map(|e| e.request.curl(ctx.config.insecure || ctx.mock.is_some()))
        .unwrap_or_default();
    // The minimal case says what the curl line sends: the trial's last request.
    let minimal = match exchanges.last() {
        Some(e) => format!(
            "{}, the last request of run-level trial {trial} (seed {:#x})",
            super::conclude::request_text(&e.request),
            ctx.config.seed
        ),
        None => format!("run-level trial {trial} (seed {:#x})", ctx.config.seed),
    };
    let mut repro = Repro::new(minimal, curl, Some(ctx.config.seed));
    if let Some(e) = exchanges.last() {
        repro = repro.note(format!(
            "last request: {} {}",
            e.request.method, e.request.url
        ));
    }
    conclude(ctx, &trial, &j, &repro, cases)
}

/// DUP-3: restores racing for one name in one folder; at most one may end with a VM.
pub fn dup3_race(outer: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let ctx = outer.trial_target_with_tasks(50)?;
    let s = simple_or_unavailable(&ctx.world)?;
    let admin = Auth::Principal(ctx.admin());
    let rounds = (ctx.config.cases / 32).clamp(4, 16);
    let racers = 4;
    let (j, last) = runtime().block_on(async {
        let mut j = Judgement::default();
        let mut last = Vec::new();
        for _ in 0..rounds {
            let name = ctx.unique_name("race");
            let sends = (0..racers).map(|_| {
                ctx.client
                    .send_owned(restore_request(&s, &name, admin.clone()))
            });
            let mut exchanges: Vec<Exchange> = join_all(sends).await;
            let tasks: Vec<String> = exchanges
                .iter()
                .filter_map(|e| task_id(&e.observation))
                .collect();
            // Followed, not settled: the VM list below must see every VM of the round.
            let mut finished: Vec<Settled> =
                join_all(tasks.iter().map(|t| follow(&ctx, t, &admin))).await;
            // A straggler: the same restore once the racers' tasks have ended. Whether racers
            // overlap depends on timing; the straggler makes "never two VMs of one name" hold
            // to account on every round.
            let late = ctx
                .client
                .send(&restore_request(&s, &name, admin.clone()))
                .await;
            if let Some(t) = task_id(&late.observation) {
                finished.push(follow(&ctx, &t, &admin).await);
            }
            exchanges.push(late);
            let ends: Vec<Option<TaskStatus>> = finished.iter().map(Settled::status).collect();
            let after = list_vms(
                &ctx,
                &admin,
                format!("names={}&folders={}", enc(&name), enc(&s.folder)),
            )
            .await;
            j.merge(checks::run::check_race(&name, &exchanges, &ends, &after));
            for f in &finished {
                f.cleanup(&ctx).await;
            }
            last = exchanges;
        }
        (j, last)
    });
    Ok(finish(outer, def, j, &last, u64::from(rounds * racers)))
}

/// BUSY-1 (and BUSY-3 under control): hold tasks, fill the cluster to its limit, one more is
/// refused NOT_ALLOWED_IN_CURRENT_STATE; release, and a restore is accepted again. Repeated for
/// limits 1, 2 and 3 so an off-by-one shows at any limit.
pub fn busy1_at_limit(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let iso = ctx.control_target()?;
    let s = simple_or_unavailable(&iso.world)?;
    let admin = Auth::Principal(iso.admin());
    let (j, all, cases) = runtime().block_on(async {
        let mut j = Judgement::default();
        let mut all = Vec::new();
        let mut cases = 0;
        for limit in 1..=3u32 {
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
                let ex = iso
                    .client
                    .send(&restore_request(
                        &s,
                        &iso.unique_name("busy"),
                        admin.clone(),
                    ))
                    .await;
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
            let over = iso
                .client
                .send(&restore_request(
                    &s,
                    &iso.unique_name("busy"),
                    admin.clone(),
                ))
                .await;
            cases += 1;
            burst.push(over.observation.clone());
            j.merge(checks::format::check_format(&over, None));
            if let Some(t) = task_id(&over.observation) {
                tasks.push(t);
            }
            all.push(over);
            let _ = iso.control("POST", "/__mock/tasks/release", None).await;
            let finished: Vec<Settled> =
                join_all(tasks.iter().map(|t| settle(&iso, t, &admin))).await;
            // BUSY-3 speaks of restores that finished: tasks never seen to end are ACC-2's
            // finding, and a refusal while they seem to run proves nothing about the limit.
            let all_ended = finished.iter().all(Settled::ended);
            // BUSY-3: with every restore finished, a valid restore is accepted again.
            let again = iso
                .client
                .send(&restore_request(
                    &s,
                    &iso.unique_name("busy"),
                    admin.clone(),
                ))
                .await;
            cases += 1;
            j.merge(checks::run::check_busy(
                limit,
                &burst,
                None,
                Some(&again.observation).filter(|_| all_ended),
            ));
            settle_answer(&iso, &again.observation, &admin).await;
            all.push(again);
            if !all_ended {
                // Unended tasks may hold their slots: the next limit cannot be judged.
                break;
            }
        }
        Ok::<_, TrialError>((j, all, cases))
    })?;
    Ok(finish(ctx, def, j, &all, cases))
}

/// BUSY-2: a burst of restores; the number in progress at once never exceeds the limit. On the
/// embedded mock the tasks are slowed down so the whole burst overlaps; against a real target
/// the tasks' own duration does that.
pub fn busy2_never_exceeded(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let c = ctx.trial_target_with_tasks(300)?;
    let s = simple_or_unavailable(&c.world)?;
    let admin = Auth::Principal(c.admin());
    let burst = (s.limit * 3).max(4);
    let (j, exchanges) = runtime().block_on(async {
        let names: Vec<String> = (0..burst).map(|_| c.unique_name("burst")).collect();
        let exchanges: Vec<Exchange> = join_all(
            names
                .iter()
                .map(|n| c.client.send_owned(restore_request(&s, n, admin.clone()))),
        )
        .await;
        let tasks: Vec<String> = exchanges
            .iter()
            .filter_map(|e| task_id(&e.observation))
            .collect();
        // Sweep: poll every unfinished task at once, count those in progress, until all end.
        let mut max_in_progress = 0usize;
        let mut open = tasks.clone();
        let deadline = std::time::Instant::now() + c.config.task_budget;
        while !open.is_empty() && std::time::Instant::now() < deadline {
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
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let j = checks::run::check_burst(s.stated_limit, &exchanges, Some(max_in_progress as u32));
        for t in &tasks {
            settle(&c, t, &admin).await;
        }
        (j, exchanges)
    });
    Ok(finish(ctx, def, j, &exchanges, u64::from(burst)))
}

/// BUSY-3 on any target: restores up to the limit, wait for all of them, then one more must be
/// accepted.
pub fn busy3_frees_up(outer: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let ctx = outer.trial_target_with_tasks(EMBEDDED_TASK_MS)?;
    let s = simple_or_unavailable(&ctx.world)?;
    let admin = Auth::Principal(ctx.admin());
    let rounds = 3;
    let (j, last) = runtime().block_on(async {
        let mut j = Judgement::default();
        let mut last = Vec::new();
        // Sticky: a task that never ended may hold its slot in every later round.
        let mut all_ended = true;
        for _ in 0..rounds {
            let names: Vec<String> = (0..s.limit).map(|_| ctx.unique_name("free")).collect();
            let exchanges = join_all(
                names
                    .iter()
                    .map(|n| ctx.client.send_owned(restore_request(&s, n, admin.clone()))),
            )
            .await;
            for e in &exchanges {
                if let Some(settled) = settle_answer(&ctx, &e.observation, &admin).await {
                    all_ended &= settled.ended();
                }
            }
            let again = ctx
                .client
                .send(&restore_request(
                    &s,
                    &ctx.unique_name("free"),
                    admin.clone(),
                ))
                .await;
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
        (j, last)
    });
    Ok(finish(
        outer,
        def,
        j,
        &last,
        u64::from(rounds * (s.limit + 1)),
    ))
}

/// ERR-1: an injected internal fault is answered 500 with a vAPI error body.
pub fn internal_fault(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    injected_fault(ctx, def, 500)
}

/// UNAV-1: an injected outage is answered 503 with a vAPI error body.
pub fn service_down(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    injected_fault(ctx, def, 503)
}

fn injected_fault(ctx: &Context, def: &TrialDef, status: u16) -> Result<TrialResult, TrialError> {
    let iso = ctx.control_target()?;
    let s = simple_or_unavailable(&iso.world)?;
    let admin = Auth::Principal(iso.admin());
    let rounds = 8;
    let (j, all) = runtime().block_on(async {
        let mut j = Judgement::default();
        let mut all = Vec::new();
        // Log in first: with scope "restore" the fault hits the restore operation only.
        let _ = iso.client.login(&iso.admin()).await;
        for _ in 0..rounds {
            iso.control(
                "POST",
                "/__mock/faults",
                Some(json!({"status": status, "count": 1, "scope": "restore"})),
            )
            .await?;
            let ex = iso
                .client
                .send(&restore_request(
                    &s,
                    &iso.unique_name("fault"),
                    admin.clone(),
                ))
                .await;
            j.merge(checks::check_outcome(
                &crate::expect::Expected::injected(status),
                &ex,
            ));
            j.merge(checks::format::check_format(&ex, Some(status)));
            all.push(ex);
        }
        Ok::<_, TrialError>((j, all))
    })?;
    Ok(finish(ctx, def, j, &all, rounds))
}

/// TASK-1 with a task that fails mid-way: it ends FAILED with an error and never moves back.
pub fn failing_task(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let iso = ctx.control_target()?;
    let s = simple_or_unavailable(&iso.world)?;
    let admin = Auth::Principal(iso.admin());
    let rounds = 8;
    let (j, all) = runtime().block_on(async {
        let mut j = Judgement::default();
        let mut all = Vec::new();
        for _ in 0..rounds {
            iso.control("POST", "/__mock/faults/task", Some(json!({"count": 1})))
                .await?;
            let ex = iso
                .client
                .send(&restore_request(
                    &s,
                    &iso.unique_name("fail"),
                    admin.clone(),
                ))
                .await;
            let settled = settle_answer(&iso, &ex.observation, &admin).await;
            all.push(ex);
            match settled {
                Some(t) => {
                    j.merge(checks::check_failed_task_history(
                        &t.polls,
                        t.exhausted,
                        super::pipeline::task_endpoint(&iso),
                    ));
                    if !t.ended() {
                        // The task may hold its restore slot for good: a refusal in a later
                        // round would say nothing about the request.
                        break;
                    }
                }
                None => j.fail(
                    ClauseId::ACC_1,
                    "202 with a task id (the fault is injected into the task, not the request)",
                    all.last()
                        .map(|e| e.observation.summary())
                        .unwrap_or_default(),
                ),
            }
        }
        Ok::<_, TrialError>((j, all))
    })?;
    Ok(finish(ctx, def, j, &all, rounds))
}

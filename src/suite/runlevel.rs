//! Run-level trials: properties over many requests rather than one exchange (DUP-3, BUSY-*),
//! and the fault clauses that need the mock's control plane (ERR-1, UNAV-1, a failing task).

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};

use super::context::Context;
use super::outcome::TrialResult;
use super::pipeline::{cleanup, enc, ended, ended_info, follow_task, list_vms};
use crate::checks::{self, Judgement};
use crate::model::Auth;
use crate::model::{TaskStatus, World};
use crate::runner::runtime::runtime;
use crate::runner::{Exchange, Observation, RequestSpec};

/// A restore the fixture says must succeed: a deleted VM on a cluster, one of its snapshots,
/// and the datacenter's default VM folder.
#[derive(Debug, Clone)]
pub struct Simple {
    pub cluster: String,
    pub vm: String,
    pub snapshot: String,
    pub folder: String,
    pub limit: u32,
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

/// The task id of an answer that carries one: any 2xx with a JSON string (a 200 is FMT-4's
/// finding, but its task still runs and its VM must be cleaned up).
fn task_id(o: &Observation) -> Option<String> {
    o.status()
        .is_some_and(|s| (200..300).contains(&s))
        .then(|| o.json())
        .flatten()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// The trial's own mock when the target is embedded (so its restores meet no other trial's
/// names or limit), with a task duration long enough for concurrent requests to overlap.
fn own_target(ctx: &Context, task_ms: u64) -> Result<Option<Context>, TrialResult> {
    match ctx.isolated() {
        None => Ok(None),
        Some(Err(e)) => Err(TrialResult::failed(
            format!("cannot start an isolated mock: {e}"),
            0,
        )),
        Some(Ok(iso)) => {
            iso.control_blocking(
                "PUT",
                "/__mock/settings",
                Some(json!({"task_duration_ms": task_ms})),
            )
            .map_err(|e| TrialResult::failed(format!("control plane refused: {e}"), 0))?;
            Ok(Some(iso))
        }
    }
}

fn no_simple() -> TrialResult {
    TrialResult::ignored("the fixture has no DRS cluster with a deleted VM that has a snapshot")
}

/// Finishes a trial: records what it exercised and turns its findings into the result.
fn conclude(
    ctx: &Context,
    trial: &str,
    j: Judgement,
    exchanges: &[Exchange],
    cases: u64,
) -> TrialResult {
    ctx.results.exercised(j.exercised.iter());
    if j.findings.is_empty() {
        return TrialResult::passed(cases);
    }
    let mut msg = String::new();
    for f in &j.findings {
        let title = crate::clause::get(f.clause.as_str())
            .map(|c| c.title.as_str())
            .unwrap_or("");
        msg.push_str(&format!(
            "{} failed: {title}\n  expected: {}\n  observed: {}\n",
            f.clause, f.expected, f.observed
        ));
        let curl = exchanges
            .last()
            .map(|e| e.request.curl(ctx.config.insecure || ctx.mock.is_some()))
            .unwrap_or_default();
        ctx.results.failure(
            f.clause.as_str(),
            crate::report::FailureReport {
                trial: trial.to_owned(),
                expected: f.expected.clone(),
                observed: f.observed.clone(),
                minimal_case: format!("run-level trial {trial} (seed {:#x})", ctx.config.seed),
                curl,
                seed: Some(ctx.config.seed),
            },
        );
    }
    if let Some(e) = exchanges.last() {
        msg.push_str(&format!(
            "  last request: {} {}\n",
            e.request.method, e.request.url
        ));
    }
    TrialResult::failed(msg, cases)
}

/// DUP-3: restores racing for one name in one folder; at most one may end with a VM.
pub fn dup3_race(outer: &Context) -> TrialResult {
    let owned = match own_target(outer, 50) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let ctx = owned.as_ref().unwrap_or(outer);
    let Some(s) = simple_target(&ctx.world) else {
        return no_simple();
    };
    let admin = Auth::Principal(ctx.admin());
    let rounds = (ctx.config.cases / 32).clamp(4, 16);
    let racers = 4;
    runtime().block_on(async {
        let mut j = Judgement::default();
        let mut last = Vec::new();
        for _ in 0..rounds {
            let name = ctx.unique_name("race");
            let sends = (0..racers).map(|_| {
                ctx.client
                    .send_owned(restore_request(&s, &name, admin.clone()))
            });
            let mut exchanges: Vec<Exchange> = join_all(sends).await;
            let mut tasks: Vec<String> = exchanges
                .iter()
                .filter_map(|e| task_id(&e.observation))
                .collect();
            let mut finished = join_all(tasks.iter().map(|t| follow_task(ctx, t, &admin))).await;
            // A straggler: the same restore once the racers' tasks have ended. Whether racers
            // overlap depends on timing; the straggler makes "never two VMs of one name" hold
            // to account on every round.
            let late = ctx
                .client
                .send(&restore_request(&s, &name, admin.clone()))
                .await;
            if let Some(t) = task_id(&late.observation) {
                finished.push(follow_task(ctx, &t, &admin).await);
                tasks.push(t);
            }
            exchanges.push(late);
            let vms: Vec<String> = finished
                .iter()
                .filter_map(|(polls, _)| checks::task_result(polls))
                .collect();
            let ends: Vec<Option<TaskStatus>> = finished
                .iter()
                .map(|(polls, _)| {
                    ended_info(polls)
                        .and_then(|v| v.get("status").cloned())
                        .and_then(|s| serde_json::from_value(s).ok())
                })
                .collect();
            let after = list_vms(
                ctx,
                &admin,
                format!("names={}&folders={}", enc(&name), enc(&s.folder)),
            )
            .await;
            let racers: Vec<Observation> =
                exchanges.iter().map(|e| e.observation.clone()).collect();
            j.merge(checks::run::check_race(&name, &racers, &ends, &after));
            for vm in &vms {
                cleanup(ctx, &admin, vm).await;
            }
            last = exchanges;
        }
        conclude(
            ctx,
            "DUP-3::concurrent-same-name",
            j,
            &last,
            u64::from(rounds * racers),
        )
    })
}

/// BUSY-1 (and BUSY-3 under control): hold tasks, fill the cluster to its limit, one more is
/// refused NOT_ALLOWED_IN_CURRENT_STATE; release, and a restore is accepted again. Repeated for
/// limits 1, 2 and 3 so an off-by-one shows at any limit.
pub fn busy1_at_limit(ctx: &Context) -> TrialResult {
    let Some(iso) = ctx.isolated() else {
        return TrialResult::ignored(super::NEEDS_CONTROL);
    };
    let iso = match iso {
        Ok(c) => c,
        Err(e) => return TrialResult::failed(format!("cannot start an isolated mock: {e}"), 0),
    };
    let Some(s) = simple_target(&iso.world) else {
        return no_simple();
    };
    let admin = Auth::Principal(iso.admin());
    runtime().block_on(async {
        let mut j = Judgement::default();
        let mut all = Vec::new();
        let mut cases = 0;
        for limit in 1..=3u32 {
            let ok = iso
                .client
                .control(
                    "PUT",
                    "/__mock/settings",
                    Some(json!({"restore_limit": {s.cluster.clone(): limit}})),
                )
                .await;
            let held = iso.client.control("POST", "/__mock/tasks/hold", None).await;
            if let Err(e) = ok.and(held) {
                return TrialResult::failed(format!("control plane refused: {e}"), cases);
            }
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
                        crate::clause::ClauseId::ACC_1,
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
            let _ = iso
                .client
                .control("POST", "/__mock/tasks/release", None)
                .await;
            let finished = join_all(tasks.iter().map(|t| follow_task(&iso, t, &admin))).await;
            for (polls, _) in &finished {
                if let Some(vm) = checks::task_result(polls) {
                    cleanup(&iso, &admin, &vm).await;
                }
            }
            // BUSY-3 speaks of restores that finished: tasks never seen to end are ACC-2's
            // finding, and a refusal while they seem to run proves nothing about the limit.
            let all_ended = finished.iter().all(|(polls, _)| ended(polls));
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
            if let Some(t) = task_id(&again.observation) {
                let (polls, _) = follow_task(&iso, &t, &admin).await;
                if let Some(vm) = checks::task_result(&polls) {
                    cleanup(&iso, &admin, &vm).await;
                }
            }
            all.push(again);
            if !all_ended {
                // Unended tasks may hold their slots: the next limit cannot be judged.
                break;
            }
        }
        conclude(ctx, "BUSY-1::limit-reached", j, &all, cases)
    })
}

/// BUSY-2: a burst of restores; the number in progress at once never exceeds the limit. On the
/// embedded mock the tasks are slowed down so the whole burst overlaps; against a real target
/// the tasks' own duration does that.
pub fn busy2_never_exceeded(ctx: &Context) -> TrialResult {
    let owned;
    let c: &Context = match ctx.isolated() {
        Some(Ok(iso)) => {
            let _ = iso.control_blocking(
                "PUT",
                "/__mock/settings",
                Some(json!({"task_duration_ms": 300})),
            );
            owned = iso;
            &owned
        }
        Some(Err(e)) => {
            return TrialResult::failed(format!("cannot start an isolated mock: {e}"), 0);
        }
        None => ctx,
    };
    let Some(s) = simple_target(&c.world) else {
        return no_simple();
    };
    let admin = Auth::Principal(c.admin());
    let burst = (s.limit * 3).max(4);
    runtime().block_on(async {
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
            let statuses: Vec<Option<String>> = polls
                .iter()
                .map(|e| {
                    e.observation
                        .json()
                        .and_then(|v| v.get("status").and_then(Value::as_str).map(str::to_owned))
                })
                .collect();
            let in_progress = statuses
                .iter()
                .filter(|s| matches!(s.as_deref(), Some("PENDING" | "RUNNING" | "BLOCKED")))
                .count();
            max_in_progress = max_in_progress.max(in_progress);
            open = open
                .into_iter()
                .zip(statuses)
                .filter(|(_, s)| matches!(s.as_deref(), Some("PENDING" | "RUNNING" | "BLOCKED")))
                .map(|(t, _)| t)
                .collect();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let j = checks::run::check_busy(s.limit, &[], Some(max_in_progress as u32), None);
        for t in &tasks {
            let (polls, _) = follow_task(c, t, &admin).await;
            if let Some(vm) = checks::task_result(&polls) {
                cleanup(c, &admin, &vm).await;
            }
        }
        conclude(ctx, "BUSY-2::burst", j, &exchanges, u64::from(burst))
    })
}

/// BUSY-3 on any target: restores up to the limit, wait for all of them, then one more must be
/// accepted.
pub fn busy3_frees_up(outer: &Context) -> TrialResult {
    let owned = match own_target(outer, super::context::EMBEDDED_TASK_MS) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let ctx = owned.as_ref().unwrap_or(outer);
    let Some(s) = simple_target(&ctx.world) else {
        return no_simple();
    };
    let admin = Auth::Principal(ctx.admin());
    runtime().block_on(async {
        let mut j = Judgement::default();
        let mut last = Vec::new();
        let rounds = 3;
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
                if let Some(t) = task_id(&e.observation) {
                    let (polls, _) = follow_task(ctx, &t, &admin).await;
                    all_ended &= ended(&polls);
                    if let Some(vm) = checks::task_result(&polls) {
                        cleanup(ctx, &admin, &vm).await;
                    }
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
            if let Some(t) = task_id(&again.observation) {
                let (polls, _) = follow_task(ctx, &t, &admin).await;
                if let Some(vm) = checks::task_result(&polls) {
                    cleanup(ctx, &admin, &vm).await;
                }
            }
            last = vec![again];
        }
        conclude(
            ctx,
            "BUSY-3::accepted-after-finish",
            j,
            &last,
            u64::from(rounds * (s.limit + 1)),
        )
    })
}

/// ERR-1 / UNAV-1: an injected fault is answered with its status and a vAPI error body.
pub fn injected_fault(ctx: &Context, status: u16) -> TrialResult {
    let trial = if status == 500 {
        "ERR-1::internal-fault"
    } else {
        "UNAV-1::service-down"
    };
    let Some(iso) = ctx.isolated() else {
        return TrialResult::ignored(super::NEEDS_CONTROL);
    };
    let iso = match iso {
        Ok(c) => c,
        Err(e) => return TrialResult::failed(format!("cannot start an isolated mock: {e}"), 0),
    };
    let Some(s) = simple_target(&iso.world) else {
        return no_simple();
    };
    let admin = Auth::Principal(iso.admin());
    runtime().block_on(async {
        let mut j = Judgement::default();
        let mut all = Vec::new();
        // Log in first: with scope "restore" the fault hits the restore operation only.
        let _ = iso.client.login(&iso.admin()).await;
        let rounds = 8;
        for _ in 0..rounds {
            if let Err(e) = iso
                .client
                .control(
                    "POST",
                    "/__mock/faults",
                    Some(json!({"status": status, "count": 1, "scope": "restore"})),
                )
                .await
            {
                return TrialResult::failed(format!("control plane refused: {e}"), 0);
            }
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
        conclude(ctx, trial, j, &all, rounds)
    })
}

/// TASK-1 with a task that fails mid-way: it ends FAILED with an error and never moves back.
pub fn failing_task(ctx: &Context) -> TrialResult {
    let Some(iso) = ctx.isolated() else {
        return TrialResult::ignored(super::NEEDS_CONTROL);
    };
    let iso = match iso {
        Ok(c) => c,
        Err(e) => return TrialResult::failed(format!("cannot start an isolated mock: {e}"), 0),
    };
    let Some(s) = simple_target(&iso.world) else {
        return no_simple();
    };
    let admin = Auth::Principal(iso.admin());
    runtime().block_on(async {
        let mut j = Judgement::default();
        let mut all = Vec::new();
        let rounds = 8;
        for _ in 0..rounds {
            if let Err(e) = iso
                .client
                .control("POST", "/__mock/faults/task", Some(json!({"count": 1})))
                .await
            {
                return TrialResult::failed(format!("control plane refused: {e}"), 0);
            }
            let ex = iso
                .client
                .send(&restore_request(
                    &s,
                    &iso.unique_name("fail"),
                    admin.clone(),
                ))
                .await;
            if let Some(t) = task_id(&ex.observation) {
                let (polls, exhausted) = follow_task(&iso, &t, &admin).await;
                j.merge(checks::check_failed_task_history(&polls, exhausted));
                if let Some(vm) = checks::task_result(&polls) {
                    cleanup(&iso, &admin, &vm).await;
                }
                if !ended(&polls) {
                    // The task may hold its restore slot for good: a refusal in a later round
                    // would say nothing about the request.
                    all.push(ex);
                    break;
                }
            } else {
                j.fail(
                    crate::clause::ClauseId::ACC_1,
                    "202 with a task id (the fault is injected into the task, not the request)",
                    ex.observation.summary(),
                );
            }
            all.push(ex);
        }
        conclude(ctx, "TASK-1::failed-task", j, &all, rounds)
    })
}

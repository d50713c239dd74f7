//! Run-level trials: properties over many requests rather than one exchange (DUP-3; the BUSY
//! trials are in `runlevel_busy`), and the fault clauses that need the mock's control plane
//! (ERR-1, UNAV-1, a failing task). Every restore they send goes through `send_restore`: it
//! spends the trial's share of the restore budget and is recorded in the ledger.

use futures_util::future::join_all;
use serde_json::json;

use super::conclude::{Repro, conclude};
use super::context::Context;
use super::outcome::TrialResult;
use super::restore_send::{Restore, send_refusal, send_restore};
use super::settle::{Settled, enc, follow, list_vms, settle_answer, task_id};
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

/// Sends a restore of `s` named `name` for `trial`, spending one restore of its budget;
/// `None` when the budget has none left (nothing was sent).
pub async fn restore(
    ctx: &Context,
    trial: &str,
    s: &Simple,
    name: &str,
    auth: Auth,
) -> Option<Exchange> {
    send_restore(
        ctx,
        Restore {
            trial,
            spec: restore_request(s, name, auth),
            cluster: &s.cluster,
            name: Some(name.to_owned()),
            may_accept: true,
        },
    )
    .await
}

/// Whether the run was stopped (Ctrl-C, `--budget`): run-level loops start no further round.
pub fn stopping(ctx: &Context) -> bool {
    ctx.lab.stop.should_stop().is_some()
}

pub fn simple_or_unavailable(world: &World) -> Result<Simple, Unavailable> {
    simple_target(world).ok_or_else(|| {
        Unavailable("the fixture has no DRS cluster with a deleted VM that has a snapshot".into())
    })
}

/// Concludes a run-level trial: its reproduction is the trial itself (with the run's seed) and
/// the last request it sent.
pub fn finish(
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

/// Racers per DUP-3 round (and one straggler after them).
pub const DUP3_RACERS: u32 = 4;

/// DUP-3's rounds for a case count.
pub fn dup3_rounds(cases: u32) -> u32 {
    (cases / 32).clamp(4, 16)
}

/// DUP-3: restores racing for one name in one folder; at most one may end with a VM. A round
/// needs two restores of the budget (a racer and the straggler); fewer racers race when the
/// trial's share is small.
pub fn dup3_race(outer: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let ctx = outer.trial_target_with_tasks(50)?;
    let s = simple_or_unavailable(&ctx.world)?;
    let admin = Auth::Principal(ctx.admin());
    let trial = def.name();
    let budget = ctx.lab.budget();
    let (j, last, cases) = runtime().block_on(async {
        let mut j = Judgement::default();
        let mut last = Vec::new();
        let mut cases = 0u64;
        for _ in 0..dup3_rounds(ctx.config.cases) {
            let room = budget.remaining_for(&trial);
            if stopping(&ctx) || room < 2 {
                break;
            }
            let racers = DUP3_RACERS.min(room - 1);
            super::waves::warm_sessions(&ctx, std::iter::empty()).await;
            let name = ctx.unique_name("race");
            let sends = (0..racers).map(|_| restore(&ctx, &trial, &s, &name, admin.clone()));
            let mut exchanges: Vec<Exchange> =
                join_all(sends).await.into_iter().flatten().collect();
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
            if let Some(late) = restore(&ctx, &trial, &s, &name, admin.clone()).await {
                if let Some(t) = task_id(&late.observation) {
                    finished.push(follow(&ctx, &t, &admin).await);
                }
                exchanges.push(late);
            }
            cases += exchanges.len() as u64;
            let ends: Vec<Option<TaskStatus>> = finished.iter().map(Settled::status).collect();
            let after = list_vms(
                &ctx,
                &admin,
                format!("names={}&folders={}", enc(&name), enc(&s.folder)),
            )
            .await;
            // A round whose tasks were abandoned by a stop proves nothing either way.
            if !finished.iter().any(|f| f.abandoned) {
                j.merge(checks::run::check_race(&name, &exchanges, &ends, &after));
            }
            for f in &finished {
                f.cleanup(&ctx).await;
            }
            last = exchanges;
        }
        (j, last, cases)
    });
    if cases == 0 {
        return Ok(super::property_runner::unrun(outer, &trial));
    }
    Ok(finish(outer, def, j, &last, cases))
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
            if stopping(&iso) {
                break;
            }
            iso.control(
                "POST",
                "/__mock/faults",
                Some(json!({"status": status, "count": 1, "scope": "restore"})),
            )
            .await?;
            // The injected fault answers before the restore is decided: nothing to budget.
            let name = iso.unique_name("fault");
            let ex = send_refusal(
                &iso,
                Restore {
                    trial: &def.name(),
                    spec: restore_request(&s, &name, admin.clone()),
                    cluster: &s.cluster,
                    name: Some(name.clone()),
                    may_accept: false,
                },
            )
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

/// Rounds of the failing-task trial (each one restore).
pub const FAILING_TASK_ROUNDS: u32 = 8;

/// TASK-1 with a task that fails mid-way: it ends FAILED with an error and never moves back.
pub fn failing_task(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let iso = ctx.control_target()?;
    let s = simple_or_unavailable(&iso.world)?;
    let admin = Auth::Principal(iso.admin());
    let rounds = FAILING_TASK_ROUNDS;
    let (j, all) = runtime().block_on(async {
        let mut j = Judgement::default();
        let mut all = Vec::new();
        for _ in 0..rounds {
            if stopping(&iso) {
                break;
            }
            iso.control("POST", "/__mock/faults/task", Some(json!({"count": 1})))
                .await?;
            let Some(ex) = restore(
                &iso,
                &def.name(),
                &s,
                &iso.unique_name("fail"),
                admin.clone(),
            )
            .await
            else {
                break;
            };
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
    Ok(finish(ctx, def, j, &all, u64::from(rounds)))
}

//! One case from request to verdict: send it, judge the answer, follow an accepted task to its
//! end, check what the restore left behind, clean up; or, for a refused case, check it left
//! nothing behind.

use super::context::Context;
use super::restore_send::{Restore, harness_timeout, note_timeout, send_restore};
use super::settle::{cleanup, enc, list_vms, settle_checked, task_id};
use crate::checks::{self, Judgement};
use crate::clause::ClauseId;
use crate::expect::{self, Expected, Outcome};
use crate::model::Auth;
use crate::model::Case;
use crate::model::{ErrorType, World};
use crate::runner::{Exchange, Observation, RequestSpec};

/// The result of one case.
pub struct CaseRun {
    pub expected: Expected,
    pub exchange: Exchange,
    pub judgement: Judgement,
    /// The restored VM, when the task succeeded.
    pub restored_vm: Option<String>,
    /// Why the case could not be judged (the harness's own timeout, a stop before its task
    /// ended): its clause is `inconclusive`, never failed, for it.
    pub inconclusive: Option<String>,
}

/// Runs `case` of `trial` against the context's target and judges everything it touched.
/// `None` when the run's restore budget has no restore left for a case that may be accepted:
/// then nothing was sent, and the case does not count.
pub async fn run_case(ctx: &Context, trial: &str, world: &World, case: &Case) -> Option<CaseRun> {
    // VMs kept by earlier cases (`--keep`) take their names; the oracle must know them, or it
    // expects 202 where the target rightly answers ALREADY_EXISTS.
    let with_kept = ctx.world_with_kept(world);
    let world = with_kept.as_ref().unwrap_or(world);
    let mut expected = expect::expected(world, case, ctx.config.strict);
    let requested = case.requested_name(world);
    let (name_held, slot_held) = ctx.unsettled_holds(&case.cluster, requested.as_deref());
    if expected.allows_accepted() {
        allow_unsettled(&mut expected, name_held, slot_held);
    }
    super::rej1::before_send(ctx, world, requested.as_deref(), expected.allows_accepted()).await;
    let exchange = send_restore(
        ctx,
        Restore {
            trial,
            spec: RequestSpec::restore(case),
            cluster: &case.cluster,
            name: requested.clone(),
            may_accept: expected.allows_accepted(),
        },
    )
    .await?;
    if let Some(cause) = harness_timeout(&exchange.observation) {
        note_timeout(ctx, trial, &exchange);
        return Some(CaseRun {
            expected,
            exchange,
            judgement: Judgement::default(),
            restored_vm: None,
            inconclusive: Some(cause),
        });
    }
    let mut inconclusive = None;
    let mut judgement = checks::status::check_outcome(&expected, &exchange);
    judgement.merge(checks::format::check_format(&exchange, None));
    let mut restored_vm = None;
    let reader = reader_of(ctx, case);
    match exchange.observation.status() {
        // Any 2xx carrying a task id is followed: a target answering 200 instead of 202
        // (FMT-4, ACC-1) still restores, and its VM must be found and removed.
        Some(200..=299) => {
            if let Some(task) = task_id(&exchange.observation) {
                super::rej1::after_answer(ctx, world, case, &exchange, Some(&task)).await;
                let exp_vm =
                    expect::expected_vm(world, case).filter(|_| expected.allows_accepted());
                let (settled, post) =
                    settle_checked(ctx, &task, &reader, async |vm| match &exp_vm {
                        Some(exp_vm) => check_post(ctx, &reader, vm, exp_vm).await,
                        None => Judgement::default(),
                    })
                    .await;
                if !settled.ended() {
                    ctx.unsettled(&case.cluster, requested.clone());
                }
                let mut task = if settled.abandoned {
                    // The run stopped before the task ended: nothing about it can be judged.
                    inconclusive = Some(
                        "the case's task could not be followed to its end (the run was stopped and its drain ran out, or no poll got an answer within the request timeout)"
                            .to_owned(),
                    );
                    Judgement::default()
                } else {
                    checks::task::check_task_history(
                        &settled.polls,
                        settled.exhausted,
                        task_endpoint(ctx),
                    )
                };
                if !expected.allows_accepted() {
                    // The request should have been refused (its own clause says so); that its
                    // wrongly accepted task then fails is no ACC-2 failure of a valid request.
                    task.findings.retain(|f| f.clause != ClauseId::ACC_2);
                    task.exercised.remove(&ClauseId::ACC_2);
                }
                let late = super::late_refusal::judge(
                    ctx,
                    world,
                    &expected,
                    &settled,
                    requested.as_deref(),
                )
                .await;
                judgement.merge(late.unwrap_or(task));
                judgement.merge(post);
                restored_vm = settled.vm;
                if let Some(vm) = &restored_vm {
                    super::rej1::restored(ctx, vm).await;
                    if let (true, Some(exp_vm)) = (ctx.config.keep, &exp_vm) {
                        ctx.kept(vm, &case.cluster, exp_vm);
                    }
                } else if let Some(name) = &requested {
                    // The task never named its VM (it did not end, or its result is not a VM
                    // id), yet the VM may exist: removing it by name keeps one broken task
                    // from refusing every later case of that name (shrinking replays names).
                    sweep_name(ctx, world, name).await;
                }
            }
        }
        // A name an unsettled restore may have taken: whether a VM of that name is new cannot
        // be told from the world, so REJ-1 is not judged.
        // REJ-1 is read back in batches (`rej1.rs`), by the administrator.
        Some(s) if s >= 400 && !name_held => {
            super::rej1::after_answer(ctx, world, case, &exchange, None).await;
        }
        _ => {}
    }
    Some(CaseRun {
        expected,
        exchange,
        judgement,
        restored_vm,
        inconclusive,
    })
}

/// The `Info` type of the task endpoint this target is polled at (TASK-2 follows it).
pub fn task_endpoint(ctx: &Context) -> checks::TaskEndpoint {
    checks::TaskEndpoint::of_path(&ctx.client.config().task_path)
}

/// Widens a valid case's expectation when earlier restores on this target never ended: a
/// request may then rightly meet ALREADY_EXISTS (their name) or NOT_ALLOWED_IN_CURRENT_STATE
/// (their slots). The unended tasks themselves failed ACC-2.
fn allow_unsettled(expected: &mut Expected, name_held: bool, slot_held: bool) {
    let mut widen = |o: Outcome, why: &str| {
        if !expected.outcomes.contains(&o) {
            expected.outcomes.push(o);
            expected.outcomes.sort();
            expected.reason.push_str(why);
        }
    };
    if name_held {
        widen(
            Outcome::Error {
                status: 400,
                error_type: ErrorType::AlreadyExists,
            },
            "; an earlier restore of this name never ended",
        );
    }
    if slot_held {
        widen(
            Outcome::Error {
                status: 400,
                error_type: ErrorType::NotAllowedInCurrentState,
            },
            "; earlier restores on this cluster never ended",
        );
    }
}

/// Who reads tasks and VMs after the case: the case's principal when it has a valid session,
/// otherwise the fixture's most privileged principal (reads need a session too).
fn reader_of(ctx: &Context, case: &Case) -> Auth {
    match &case.auth {
        Auth::Principal(p) => Auth::Principal(p.clone()),
        _ => Auth::Principal(ctx.admin()),
    }
}

/// Reads the restored VM through the vCenter VM API and checks POST-1..6.
async fn check_post(ctx: &Context, reader: &Auth, vm: &str, exp: &expect::ExpectedVm) -> Judgement {
    let get = |p: String| ctx.client.send_owned(RequestSpec::get(p, reader.clone()));
    let vm_get = get(format!("/api/vcenter/vm/{vm}")).await.observation;
    let power = get(format!("/api/vcenter/vm/{vm}/power")).await.observation;
    let listed_in = |filter: &'static str, id: Option<String>| {
        let id = id.clone();
        async move {
            match id {
                None => None,
                Some(id) => {
                    let o = get(format!("/api/vcenter/vm?{filter}={}", enc(&id)))
                        .await
                        .observation;
                    Some(list_contains(&o, vm))
                }
            }
        }
    };
    let in_folder = listed_in("folders", Some(exp.folder.clone()))
        .await
        .flatten();
    let in_pool = listed_in("resource_pools", exp.resource_pool.clone())
        .await
        .flatten();
    let on_host = listed_in("hosts", exp.host.clone()).await.flatten();
    checks::post::check_restored_vm(
        exp,
        &vm_get,
        &power,
        in_folder.unwrap_or(false),
        in_pool,
        on_host,
    )
}

/// `Some(true)` when the VM list answer contains `vm`; `None` when the list could not be read.
fn list_contains(o: &Observation, vm: &str) -> Option<bool> {
    let v = o.json()?;
    let arr = v.as_array()?;
    Some(
        arr.iter()
            .any(|row| row.get("vm").and_then(|x| x.as_str()) == Some(vm)),
    )
}

/// Removes every VM named `name` that the world did not hold before (nor an earlier case
/// kept): VMs a restore created without the harness learning their id.
async fn sweep_name(ctx: &Context, world: &World, name: &str) {
    if ctx.config.keep {
        return;
    }
    let admin = Auth::Principal(ctx.admin());
    for vm in list_vms(ctx, &admin, format!("names={}", enc(name))).await {
        if vm.name == name && !world.vms.contains_key(&vm.vm) {
            cleanup(ctx, &vm.vm).await;
        }
    }
}

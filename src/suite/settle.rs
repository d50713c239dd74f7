//! After an accepted restore, written once: follow its task to the end, check what it left
//! behind, and remove the restored VM (recording it in the report's cleanup section).

use std::time::Instant;

use serde::Deserialize as _;
use serde_json::Value;

use super::context::Context;
use crate::checks::{self, Judgement};
use crate::lab::LedgerEntry;
use crate::model::Auth;
use crate::model::{TaskStatus, VmSummary};
use crate::runner::{Observation, RequestSpec};

/// What following one task showed.
pub struct Settled {
    /// Every poll of the task, in order (one more after the end: TASK-1's re-read).
    pub polls: Vec<Observation>,
    /// The task did not end within the task timeout.
    pub exhausted: bool,
    /// Polling stopped because the run was stopped (the drain after Ctrl-C ran out): the
    /// task's end is unknown, and nothing is judged from it.
    pub abandoned: bool,
    /// The restored VM, when the task succeeded with a VM id (already cleaned up).
    pub vm: Option<String>,
}

impl Settled {
    /// Whether the task was seen to end.
    pub fn ended(&self) -> bool {
        ended(&self.polls)
    }

    /// Removes the restored VM, if any (`settle` does this itself; `follow` leaves it to the
    /// caller, for checks that must see every VM of a round first).
    pub async fn cleanup(&self, ctx: &Context) {
        if let Some(vm) = &self.vm {
            cleanup(ctx, vm).await;
        }
    }

    /// The status the task ended with (or was last seen in).
    pub fn status(&self) -> Option<TaskStatus> {
        ended_info(&self.polls).as_ref().and_then(status_of)
    }
}

/// The task id of an answer that carries one: any 2xx with a JSON string (a 200 is FMT-4's
/// finding, but its task still runs and its VM must be cleaned up).
pub fn task_id(o: &Observation) -> Option<String> {
    o.status()
        .is_some_and(|s| (200..300).contains(&s))
        .then(|| o.json())
        .flatten()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// Follows the task to its end, leaving the VM it restored in place.
pub async fn follow(ctx: &Context, task: &str, reader: &Auth) -> Settled {
    let (polls, end) = follow_task(ctx, task, reader).await;
    let vm = checks::task_result(&polls);
    if ended(&polls) {
        // A task that ended without a VM (FAILED) leaves nothing to look for later.
        ctx.lab.ledger.record(LedgerEntry::Ended {
            task: task.to_owned(),
        });
    }
    if let Some(vm) = &vm {
        // The ledger learns the VM the moment the task names it, before any check or removal.
        ctx.lab.ledger.record(LedgerEntry::Created {
            vm: vm.clone(),
            task: Some(task.to_owned()),
        });
    }
    Settled {
        vm,
        polls,
        exhausted: end == PollEnd::TimedOut,
        abandoned: end == PollEnd::Stopped,
    }
}

/// Follows the task, then removes the VM it restored.
pub async fn settle(ctx: &Context, task: &str, reader: &Auth) -> Settled {
    settle_checked(ctx, task, reader, async |_| Judgement::default())
        .await
        .0
}

/// Follows the answer's task, when it carries one, and removes the VM it restored.
pub async fn settle_answer(ctx: &Context, answer: &Observation, reader: &Auth) -> Option<Settled> {
    match task_id(answer) {
        Some(t) => Some(settle(ctx, &t, reader).await),
        None => None,
    }
}

/// Follows the task; when it restored a VM, runs `post` on it (the post-conditions) before
/// removing it, and returns what `post` judged.
pub async fn settle_checked(
    ctx: &Context,
    task: &str,
    reader: &Auth,
    post: impl AsyncFnOnce(&str) -> Judgement,
) -> (Settled, Judgement) {
    let settled = follow(ctx, task, reader).await;
    let mut judged = Judgement::default();
    if let Some(vm) = &settled.vm {
        judged = post(vm).await;
    }
    settled.cleanup(ctx).await;
    (settled, judged)
}

/// How following a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollEnd {
    /// The task ended, or its answer was not a task to poll.
    Done,
    /// It outlived the lab policy's task timeout.
    TimedOut,
    /// The run stopped and the drain ran out before the task ended, or no poll got an answer
    /// before the task timeout (the harness's own request timeout every time): nothing about
    /// the task can be judged.
    Stopped,
}

/// Polls the task until it ends, the lab policy's task timeout is spent, or the run stops.
/// The waits follow the policy's poll plan: from its floor, doubling to its ceiling (the
/// embedded mock ends tasks in milliseconds, a real restore takes minutes).
pub async fn follow_task(ctx: &Context, task: &str, reader: &Auth) -> (Vec<Observation>, PollEnd) {
    let path = format!("{}/{}", ctx.client.config().task_path, task);
    let policy = &ctx.config.lab;
    let started = Instant::now();
    let mut polls = Vec::new();
    // Only on the embedded mock: once a few tasks have outlived the timeout there, tasks are
    // evidently left running, and later ones are judged from one poll so one broken behaviour
    // does not stall the run (each still fails ACC-2). A real task may just be slow.
    let timeout = match policy.stall_shortcut {
        Some(n) if ctx.results.stalled_tasks() >= n => std::time::Duration::ZERO,
        _ => policy.task_timeout,
    };
    let mut n = 0;
    loop {
        if !ctx.lab.stop.may_keep_polling(policy.drain_timeout) {
            return (polls, PollEnd::Stopped);
        }
        let ex = ctx
            .client
            .send(&RequestSpec::get(path.clone(), reader.clone()))
            .await;
        if matches!(ex.observation, Observation::Timeout { .. }) {
            // The harness gave up waiting for this poll: the lab's patience, not the task's
            // state. Poll again, within the task timeout.
            if started.elapsed() >= timeout {
                let end = if polls.is_empty() {
                    PollEnd::Stopped
                } else {
                    ctx.results.stalled_task();
                    PollEnd::TimedOut
                };
                return (polls, end);
            }
            tokio::time::sleep(policy.poll.wait(n)).await;
            n += 1;
            continue;
        }
        let terminal = ex.observation.json().is_some_and(|v| is_terminal(&v));
        let not_json = ex.observation.status() != Some(200);
        polls.push(ex.observation);
        if terminal {
            // One more read: a terminal status must stay put (TASK-1), and a target that
            // flips a finished task back is only seen by reading it again.
            let again = ctx
                .client
                .send(&RequestSpec::get(path.clone(), reader.clone()))
                .await;
            polls.push(again.observation);
            return (polls, PollEnd::Done);
        }
        if not_json {
            return (polls, PollEnd::Done);
        }
        if started.elapsed() >= timeout {
            ctx.results.stalled_task();
            return (polls, PollEnd::TimedOut);
        }
        tokio::time::sleep(policy.poll.wait(n)).await;
        n += 1;
    }
}

/// The status of a task `Info`, when it has a known one.
pub fn status_of(info: &Value) -> Option<TaskStatus> {
    info.get("status")
        .and_then(|s| TaskStatus::deserialize(s).ok())
}

/// Whether a task `Info` has a terminal status (SUCCEEDED or FAILED).
fn is_terminal(info: &Value) -> bool {
    status_of(info).is_some_and(TaskStatus::is_terminal)
}

/// True when the task was seen to end.
pub fn ended(polls: &[Observation]) -> bool {
    ended_info(polls).is_some_and(|v| is_terminal(&v))
}

/// The Info the task ended with: the first terminal poll, else the last poll. Reads after
/// the end are TASK-1's to judge.
pub fn ended_info(polls: &[Observation]) -> Option<Value> {
    polls
        .iter()
        .filter_map(|p| p.json())
        .find(is_terminal)
        .or_else(|| polls.last().and_then(|o| o.json()))
}

/// The VMs `GET /api/vcenter/vm?{query}` lists; empty when the answer is not a VM list (the
/// callers judge or act on what is there, and an unreadable list shows nothing).
pub async fn list_vms(ctx: &Context, reader: &Auth, query: String) -> Vec<VmSummary> {
    ctx.client
        .send_owned(RequestSpec::get(
            format!("/api/vcenter/vm?{query}"),
            reader.clone(),
        ))
        .await
        .observation
        .json()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Records a VM the run restored as created, then deletes it (unless `--keep`), recording what
/// happened. Recording here, in the one function every restore goes through, keeps
/// `cleanup.created` complete: a VM can never be removed or left without being counted.
pub async fn cleanup(ctx: &Context, vm: &str) {
    ctx.results.created(vm);
    if ctx.config.keep {
        ctx.results.left(vm, "kept (--keep)");
        ctx.lab.ledger.record(LedgerEntry::Left {
            vm: vm.to_owned(),
            why: "kept (--keep)".into(),
        });
        return;
    }
    // Deletion uses the administrator: the case's principal may lack the privilege to delete.
    let admin = Auth::Principal(ctx.admin());
    match super::vm_api::remove_vm(&ctx.client, &admin, vm).await {
        Ok(()) => {
            ctx.results.removed(vm);
            ctx.lab
                .ledger
                .record(LedgerEntry::Removed { vm: vm.to_owned() });
        }
        Err(why) => {
            ctx.results.left(vm, &why);
            ctx.lab.ledger.record(LedgerEntry::Left {
                vm: vm.to_owned(),
                why,
            });
        }
    }
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

//! REJ-1 in full: "a request answered with any error status creates no VM and no task".
//!
//! The read-backs use an observer session, the fixture's administrator: a refused principal
//! usually cannot see where a side effect would land. They are batched: the refusals of a
//! trial are collected, and every `BATCH` refusals (and at the trial's end) one VM list and one
//! task list are read and compared with the lists read at the batch's start. What is new and
//! not explained by an accepted restore of the run is a REJ-1 finding, attributed to the
//! refusal it points at (its requested name), else found by replaying the batch's refusals one
//! at a time.
//!
//! What this catches, honestly:
//! - a VM created under the requested name, at once or later, if it appears before the trial's
//!   last read-back (the REJ-1 trial waits `GRACE` before its last one);
//! - a VM under another name that carries the run's prefix (every generated name does), on
//!   the same terms;
//! - a task the refusal started, where the target lists tasks (`POST /api/cis/tasks?action=list`
//!   with the restore service as filter); elsewhere the task half is skipped, with the reason
//!   recorded on the clause.
//!
//! Not caught: a VM under a name without the prefix that no refused request asked for (on a
//! shared vCenter it cannot be told from anyone else's VM), or one that appears after the last
//! read-back (the end-of-run sweep of the run's prefix is the last line for those).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::conclude::Repro;
use super::context::Context;
use super::outcome::TrialResult;
use super::settle::{cleanup, enc, list_vms};
use crate::clause::ClauseId;
use crate::model::{Auth, Case, VmSummary, World};
use crate::report::TrialOutcome;
use crate::runner::{Exchange, RequestSpec};

/// Refusals per read-back.
pub const BATCH: usize = 32;
/// How long the REJ-1 trial waits before its last read-back, for side effects that appear
/// after the refusal (a real target's are seconds late at most in every report we know of).
pub const GRACE: Duration = Duration::from_millis(2000);
/// Refusals remembered by name per target, newest kept: a side effect that shows up in a
/// later batch (late, or in the next trial) is still traced to the refusal that asked for it.
const MAX_RECENT: usize = 256;
/// The service whose tasks a restore starts (`restore-api.md` section 3).
const SERVICE: &str = "com.vmware.snapservice.clusters.virtual_machines";

/// Why the task half could not be judged on this target.
pub const NO_TASK_LIST: &str = "the target lists no tasks (POST /api/cis/tasks?action=list): \
     REJ-1's task half was not judged, only its VM half";

/// One refused request. Kept as sent; its words and curl lines are only made for a report.
#[derive(Debug)]
struct Refusal {
    trial: Arc<str>,
    case: Case,
    name: Option<String>,
    ex: Exchange,
}

impl Refusal {
    fn describe(&self) -> String {
        self.case.describe()
    }

    fn curl(&self, ctx: &Context) -> String {
        super::reproduce::curl_lines(ctx, &self.case, &self.ex)
    }

    fn answer(&self) -> String {
        self.ex.observation.summary()
    }
}

/// The lists a batch starts from.
#[derive(Debug, Clone, Default)]
struct Lists {
    /// VM id → name; `None` when the full list could not be read.
    vms: Option<BTreeMap<String, String>>,
    /// Task ids; `None` when the target lists no tasks.
    tasks: Option<BTreeSet<String>>,
}

#[derive(Debug, Default)]
struct Batch {
    baseline: Option<Lists>,
    refusals: Vec<Arc<Refusal>>,
    /// Tasks accepted answers returned since the baseline.
    accepted_tasks: BTreeSet<String>,
    /// VMs accepted restores created since the baseline (their deletes may have failed).
    restored: BTreeSet<String>,
    /// Names accepted restores asked for (and not refused since): a VM of such a name is the
    /// run's even when its task never named it (a task whose result is no VM id), so it is no
    /// refusal's side effect.
    accepted_names: BTreeSet<String>,
    /// The latest refusal of each name asked for on this target (at most `MAX_RECENT`).
    recent: BTreeMap<String, Arc<Refusal>>,
    /// Names in `recent`, oldest first.
    order: VecDeque<String>,
    trial: Arc<str>,
    /// Refusals judged and findings made per trial, for the trial's verdict.
    judged: u64,
    findings: Vec<(String, String, Repro)>,
    tasks_listable: Option<bool>,
}

/// The REJ-1 state of one target (one per context).
#[derive(Debug, Default)]
pub struct Watch {
    batch: tokio::sync::Mutex<Batch>,
}

/// Starts a trial's batch on this target.
pub async fn start_trial(ctx: &Context, trial: &str) {
    let mut b = ctx.rej1.batch.lock().await;
    b.trial = Arc::from(trial);
    b.judged = 0;
    b.findings.clear();
}

/// Before a case is sent: takes the batch's baseline when there is none, and reads back first
/// when a case the target may accept asks for a name an earlier refusal asked for (that
/// refusal's side effect would make the case fail for the wrong reason). A case that must be
/// refused anyway does not wait for it: a refusal-only stream reads back once per batch.
pub async fn before_send(ctx: &Context, world: &World, name: Option<&str>, may_accept: bool) {
    let mut b = ctx.rej1.batch.lock().await;
    if b.baseline.is_none() {
        let lists = read_lists(ctx, &mut b).await;
        b.baseline = Some(lists);
        return;
    }
    if may_accept && name.is_some_and(|n| b.recent.contains_key(n)) {
        read_back(ctx, world, &mut b).await;
    }
}

/// After a case's answer: remembers an accepted task or a refusal, and reads back once a batch
/// is full.
pub async fn after_answer(
    ctx: &Context,
    world: &World,
    case: &Case,
    ex: &Exchange,
    task: Option<&str>,
) {
    let mut b = ctx.rej1.batch.lock().await;
    if let Some(t) = task {
        b.accepted_tasks.insert(t.to_owned());
        if let Some(n) = case.requested_name(world) {
            b.accepted_names.insert(n);
        }
        return;
    }
    let name = case.requested_name(world);
    let r = Arc::new(Refusal {
        trial: b.trial.clone(),
        case: case.clone(),
        name,
        ex: ex.clone(),
    });
    if let Some(n) = &r.name {
        // The name's latest answer decides: refused now, a VM of it is this refusal's.
        b.accepted_names.remove(n);
        if b.recent.insert(n.clone(), r.clone()).is_none() {
            b.order.push_back(n.clone());
        }
        while b.order.len() > MAX_RECENT {
            if let Some(old) = b.order.pop_front() {
                b.recent.remove(&old);
            }
        }
    }
    b.refusals.push(r);
    if b.refusals.len() >= BATCH {
        read_back(ctx, world, &mut b).await;
    }
}

/// Reads back what is pending now (a replayed case, the end of a benchmark phase); the REJ-1
/// findings it made, as `Finding`s (they are recorded in the results too).
pub async fn flush(ctx: &Context, world: &World) -> Vec<crate::checks::Finding> {
    let mut b = ctx.rej1.batch.lock().await;
    let before = b.findings.len();
    read_back(ctx, world, &mut b).await;
    b.findings[before..]
        .iter()
        .map(|(e, o, _)| crate::checks::Finding::new(ClauseId::REJ_1, e.clone(), o.clone()))
        .collect()
}

/// Remembers a VM an accepted restore created: it is the run's, not a side effect.
pub async fn restored(ctx: &Context, vm: &str) {
    ctx.rej1.batch.lock().await.restored.insert(vm.to_owned());
}

/// Ends a trial: reads back what is pending (after `GRACE` when the trial is REJ-1's own and
/// saw refusals) and fails a passed REJ-1 trial that made findings.
pub fn finish_trial(
    ctx: &Context,
    world: &World,
    clauses: &[ClauseId],
    result: TrialResult,
) -> TrialResult {
    let own = clauses.contains(&ClauseId::REJ_1);
    let findings = crate::runner::runtime::runtime().block_on(async {
        let mut b = ctx.rej1.batch.lock().await;
        if own && (b.judged > 0 || !b.refusals.is_empty()) {
            tokio::time::sleep(GRACE).await;
        }
        read_back(ctx, world, &mut b).await;
        std::mem::take(&mut b.findings)
    });
    if !own || findings.is_empty() || !matches!(result.outcome, TrialOutcome::Passed) {
        return result;
    }
    let mut msg = String::new();
    for (expected, observed, repro) in &findings {
        msg.push_str(&format!(
            "{} failed: {}\n  expected: {expected}\n  observed: {observed}\n  minimal case: {}\n  reproduce:\n{}\n",
            ClauseId::REJ_1,
            ClauseId::REJ_1.row().title,
            repro.minimal_case,
            indent(&repro.curl)
        ));
    }
    TrialResult::failed(msg, result.cases)
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The administrator's session reads for the observer.
fn observer(ctx: &Context) -> Auth {
    Auth::Principal(ctx.admin())
}

async fn read_lists(ctx: &Context, b: &mut Batch) -> Lists {
    let obs = observer(ctx);
    let vms = ctx
        .client
        .send_owned(RequestSpec::get("/api/vcenter/vm", obs.clone()))
        .await
        .observation;
    let vms = (vms.status() == Some(200))
        .then(|| vms.json())
        .flatten()
        .and_then(|v| serde_json::from_value::<Vec<VmSummary>>(v).ok())
        .map(|l| l.into_iter().map(|v| (v.vm, v.name)).collect());
    let tasks = if b.tasks_listable == Some(false) {
        None
    } else {
        let t = list_tasks(ctx, &obs).await;
        b.tasks_listable = Some(t.is_some());
        if t.is_none() {
            ctx.results.partial(ClauseId::REJ_1, NO_TASK_LIST);
        }
        t
    };
    Lists { vms, tasks }
}

/// The ids of the restore tasks the target lists; `None` when it lists none.
async fn list_tasks(ctx: &Context, reader: &Auth) -> Option<BTreeSet<String>> {
    let body = json!({"filter_spec": {"services": [SERVICE]}}).to_string();
    let o = ctx
        .client
        .send_owned(RequestSpec::post_json(
            "/api/cis/tasks?action=list",
            reader.clone(),
            body,
        ))
        .await
        .observation;
    if o.status() != Some(200) {
        return None;
    }
    match o.json()? {
        Value::Object(m) => Some(m.keys().cloned().collect()),
        _ => None,
    }
}

/// What a read-back found that nothing explains.
#[derive(Debug, Default)]
struct Unexplained {
    /// (VM id, name).
    vms: Vec<(String, String)>,
    tasks: Vec<String>,
}

/// Reads both lists, judges the batch's refusals against the baseline, records findings and
/// starts the next batch from what was read.
async fn read_back(ctx: &Context, world: &World, b: &mut Batch) {
    let Some(baseline) = b.baseline.clone() else {
        return;
    };
    if b.refusals.is_empty() {
        return;
    }
    let after = read_lists(ctx, b).await;
    let refusals = std::mem::take(&mut b.refusals);
    let found = unexplained(ctx, world, b, &baseline, &after, &refusals).await;
    ctx.results
        .exercised(std::iter::repeat_n(ClauseId::REJ_1, refusals.len()));
    b.judged += refusals.len() as u64;
    b.accepted_tasks.clear();
    b.restored.clear();
    if !found.vms.is_empty() || !found.tasks.is_empty() {
        report(ctx, b, &refusals, &found).await;
        for (vm, _) in &found.vms {
            if !ctx.config.keep {
                cleanup(ctx, vm).await;
            }
        }
    }
    // The next batch starts from a fresh read (the removals above changed the inventory).
    let next = if found.vms.is_empty() {
        after
    } else {
        read_lists(ctx, b).await
    };
    b.baseline = Some(next);
}

async fn unexplained(
    ctx: &Context,
    world: &World,
    b: &Batch,
    before: &Lists,
    after: &Lists,
    refusals: &[Arc<Refusal>],
) -> Unexplained {
    // The run's own VMs: restored since the baseline, kept (`--keep`), or of an accepted
    // restore that never ended (its name).
    let kept = ctx.world_with_kept(world);
    let known = kept.as_ref().unwrap_or(world);
    let ours = |id: &String, name: &str| {
        b.restored.contains(id)
            || b.accepted_names.contains(name)
            || known.vms.contains_key(id)
            || ctx.unsettled_holds("", Some(name)).0
    };
    let prefix = &ctx.config.run_prefix;
    let judged_name =
        |n: &str| (!prefix.is_empty() && n.starts_with(prefix)) || b.recent.contains_key(n);
    let mut out = diff(before, after, &b.accepted_tasks, ours, judged_name);
    if before.vms.is_none() || after.vms.is_none() {
        // No full list: the names the batch asked for, against the fixture.
        let names: BTreeSet<&String> = refusals.iter().filter_map(|r| r.name.as_ref()).collect();
        let obs = observer(ctx);
        for n in names {
            for v in list_vms(ctx, &obs, format!("names={}", enc(n))).await {
                if v.name == *n && !ours(&v.vm, &v.name) {
                    out.vms.push((v.vm, v.name));
                }
            }
        }
    }
    out
}

/// What appeared between two reads that nothing explains: VMs that are not the run's own
/// (`ours`) and whose name REJ-1 judges (`judged`: the run's prefix or a refused name), and
/// tasks no accepted answer returned. A half whose lists could not both be read finds nothing.
fn diff(
    before: &Lists,
    after: &Lists,
    accepted_tasks: &BTreeSet<String>,
    ours: impl Fn(&String, &str) -> bool,
    judged: impl Fn(&str) -> bool,
) -> Unexplained {
    let mut out = Unexplained::default();
    if let (Some(bv), Some(av)) = (&before.vms, &after.vms) {
        for (id, name) in av {
            if !bv.contains_key(id) && !ours(id, name) && judged(name) {
                out.vms.push((id.clone(), name.clone()));
            }
        }
    }
    if let (Some(bt), Some(at)) = (&before.tasks, &after.tasks) {
        out.tasks = at
            .iter()
            .filter(|t| !bt.contains(*t) && !accepted_tasks.contains(*t))
            .cloned()
            .collect();
    }
    out
}

/// Records one finding per unexplained VM or task, each with the refusal it points at.
async fn report(ctx: &Context, b: &mut Batch, refusals: &[Arc<Refusal>], found: &Unexplained) {
    let mut items: Vec<(String, Option<&Arc<Refusal>>)> = Vec::new();
    let recent: Vec<Arc<Refusal>> = b.recent.values().cloned().collect();
    for (vm, name) in &found.vms {
        let exact = |r: &&Arc<Refusal>| r.name.as_deref() == Some(name.as_str());
        let related = |r: &&Arc<Refusal>| {
            r.name
                .as_deref()
                .is_some_and(|n| name.starts_with(n) || n.starts_with(name.as_str()))
        };
        // This batch's refusals first, then earlier ones (a side effect that came late).
        let culprit = refusals
            .iter()
            .find(exact)
            .or_else(|| recent.iter().find(exact))
            .or_else(|| refusals.iter().find(related))
            .or_else(|| recent.iter().find(related));
        items.push((format!("VM {vm} ({name:?}) appeared"), culprit));
    }
    for t in &found.tasks {
        let culprit = if refusals.len() == 1 {
            refusals.first()
        } else {
            None
        };
        items.push((format!("task {t} appeared"), culprit));
    }
    let replayed = if items.iter().any(|(_, c)| c.is_none()) {
        replay(ctx, refusals).await
    } else {
        None
    };
    for (what, culprit) in items {
        let culprit = culprit.or(replayed.map(|i| &refusals[i]));
        let (repro, trial) = match culprit {
            Some(r) => (
                Repro::new(r.describe(), r.curl(ctx), None).note(format!("answer: {}", r.answer())),
                r.trial.to_string(),
            ),
            None => (
                Repro::new(
                    format!(
                        "one of {} refused requests (none did it again when replayed alone): {}",
                        refusals.len(),
                        refusals
                            .iter()
                            .map(|r| r.describe())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    refusals
                        .iter()
                        .map(|r| r.curl(ctx))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    None,
                ),
                b.trial.to_string(),
            ),
        };
        let expected = "no VM and no task after a refusal (read back by the administrator)";
        let observed = format!(
            "{what} after {} refused request(s){}",
            refusals.len(),
            culprit.map_or(String::new(), |r| format!(
                ", the one that asked for it answered {}",
                r.answer()
            ))
        );
        ctx.results
            .failure(ClauseId::REJ_1, repro.report(&trial, expected, &observed));
        b.findings.push((expected.to_owned(), observed, repro));
    }
}

/// Sends the batch's refused requests again one at a time, reading both lists around each;
/// the index of the first that leaves something behind. What it leaves is removed.
async fn replay(ctx: &Context, refusals: &[Arc<Refusal>]) -> Option<usize> {
    let mut scratch = Batch::default();
    for (i, r) in refusals.iter().enumerate() {
        let before = read_lists(ctx, &mut scratch).await;
        let ex = ctx.client.send(&RequestSpec::restore(&r.case)).await;
        if ex.observation.status().is_none_or(|s| s < 400) {
            // Accepted this time: the target is not deterministic; leave it to the settle
            // path of whoever sends it next.
            continue;
        }
        let after = read_lists(ctx, &mut scratch).await;
        let new_vms: Vec<String> = match (&before.vms, &after.vms) {
            (Some(b), Some(a)) => a.keys().filter(|k| !b.contains_key(*k)).cloned().collect(),
            _ => Vec::new(),
        };
        let new_tasks = match (&before.tasks, &after.tasks) {
            (Some(b), Some(a)) => a.iter().any(|t| !b.contains(t)),
            _ => false,
        };
        for vm in &new_vms {
            cleanup(ctx, vm).await;
        }
        if !new_vms.is_empty() || new_tasks {
            return Some(i);
        }
    }
    None
}

#[cfg(test)]
mod tests;

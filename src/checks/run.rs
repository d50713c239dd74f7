//! Properties of a run of many requests: the restore limit (BUSY-1..BUSY-3) and racing restores
//! for one name (DUP-3). Inputs are plain data the runner collects.

use crate::checks::format::{DOCUMENTED_STATUSES, allowed_error_types, check_format};
use crate::checks::status::{Observed, observed};
use crate::checks::{Finding, Judgement};
use crate::clause::ClauseId;
use crate::model::{ErrorType, TaskStatus, VmSummary};
use crate::runner::{Exchange, Observation};

/// How an answer outside a run-level set relates to the clauses that judge it: one fault, one
/// finding. An undocumented status is FMT-4's, an error type the status never allows FMT-2's
/// (`check_format` reports both); anything else is the run-level clause's own failure.
fn outside_format(seen: Observed) -> bool {
    !DOCUMENTED_STATUSES.contains(&seen.status)
        || seen
            .error_type
            .is_some_and(|t| !allowed_error_types(seen.status).is_some_and(|a| a.contains(&t)))
}

/// Whether `seen` is 400 NOT_ALLOWED_IN_CURRENT_STATE (an unreadable type matches on status:
/// the body is FMT-1's).
fn limit_refusal(seen: Observed) -> bool {
    seen.status == 400
        && seen
            .error_type
            .is_none_or(|t| t == ErrorType::NotAllowedInCurrentState)
}

/// Judges the restore limit of one cluster.
/// - `burst`: answers to valid restores sent one after another, in order, starting with no
///   restore in progress and with tasks held (none finishes during the burst).
/// - `peak_running`: the most restore tasks seen running at once on the cluster during the run
///   (the mock's `max_running`, or counted from task polls), if known.
/// - `after_release`: the answer to one more valid restore sent once the held ones finished.
///
/// BUSY-1: once `limit` are accepted, each further one is 400 NOT_ALLOWED_IN_CURRENT_STATE.
/// BUSY-2: no more than `limit` accepted in the burst, and the peak never above `limit`.
/// BUSY-3: `after_release` is accepted.
pub fn check_busy(
    limit: u32,
    burst: &[Observation],
    peak_running: Option<u32>,
    after_release: Option<&Observation>,
) -> Judgement {
    let mut j = Judgement::default();
    let mut accepted = 0u32;
    let mut busy1 = Vec::new();
    for (i, obs) in burst.iter().enumerate() {
        let Some(seen) = observed(obs) else { continue };
        if accepted >= limit {
            j.exercise(ClauseId::BUSY_1);
            let refused = seen.status == 400
                && seen
                    .error_type
                    .is_none_or(|t| t == ErrorType::NotAllowedInCurrentState);
            if !refused {
                busy1.push(format!("request {i}: {}", obs.summary()));
            }
        }
        if (200..300).contains(&seen.status) {
            accepted += 1;
        }
    }
    if !busy1.is_empty() {
        j.fail(
            ClauseId::BUSY_1,
            format!("400 NOT_ALLOWED_IN_CURRENT_STATE once {limit} restores are in progress"),
            busy1.join("; "),
        );
    }
    // BUSY-2 is only put to the test by a burst that offered more restores than the limit
    // and had at least one accepted; a peak counted from polls is judged as it is.
    let burst_tests_limit = accepted >= 1 && burst.len() > limit as usize;
    if burst_tests_limit || peak_running.is_some() {
        let mut over = Vec::new();
        if accepted > limit {
            over.push(format!("{accepted} restores accepted while held"));
        }
        if let Some(p) = peak_running.filter(|p| *p > limit) {
            over.push(format!("{p} restore tasks running at once"));
        }
        j.check(
            ClauseId::BUSY_2,
            (!over.is_empty())
                .then(|| (format!("at most {limit} running at once"), over.join("; "))),
        );
    }
    if let Some(obs) = after_release {
        // BUSY-3 is about being refused: any 2xx is acceptance here (a 200 in place of 202
        // is ACC-1's and FMT-4's finding, judged where the answer's status is).
        j.check(
            ClauseId::BUSY_3,
            (!obs.status().is_some_and(|s| (200..300).contains(&s))).then(|| {
                (
                    "202 once the restores in progress finished".into(),
                    obs.summary(),
                )
            }),
        );
    }
    j
}

/// Judges BUSY-2's burst: valid restores of distinct names sent at once.
/// - `answers`: every exchange of the burst. Each is judged against the burst's set, 202 or
///   400 NOT_ALLOWED_IN_CURRENT_STATE (the only documented reason to refuse these requests is
///   the limit), and for its format.
/// - `limit`: the cluster's limit when the fixture states it (`None`: not stated).
/// - `peak_running`: the most restore tasks seen in progress at once.
///
/// BUSY-1, where the limit is stated: every refusal is 400 NOT_ALLOWED_IN_CURRENT_STATE (a
/// 429 fails it, with FMT-4). Without a stated limit a refusal of another kind is ACC-1's: a
/// valid restore refused. BUSY-2 counts as exercised only when at least one restore was
/// accepted and the burst offered more than the limit.
pub fn check_burst(
    limit: Option<u32>,
    answers: &[Exchange],
    peak_running: Option<u32>,
) -> Judgement {
    let mut j = Judgement::default();
    let mut accepted = 0usize;
    let mut wrong = Vec::new();
    let mut refusals = 0usize;
    for (i, ex) in answers.iter().enumerate() {
        j.merge(check_format(ex, None));
        let Some(seen) = observed(&ex.observation) else {
            continue;
        };
        if (200..300).contains(&seen.status) {
            accepted += 1;
            continue;
        }
        refusals += 1;
        let counts_here = limit.is_some() || !outside_format(seen);
        if !limit_refusal(seen) && counts_here {
            wrong.push(format!("request {i}: {}", ex.observation.summary()));
        }
    }
    let expected = "202, or 400 NOT_ALLOWED_IN_CURRENT_STATE for a restore over the limit";
    match limit {
        Some(_) if refusals > 0 => j.check(
            ClauseId::BUSY_1,
            (!wrong.is_empty()).then(|| (expected.to_owned(), wrong.join("; "))),
        ),
        None if !wrong.is_empty() => j.fail(ClauseId::ACC_1, expected, wrong.join("; ")),
        _ => {}
    }
    if let (Some(limit), Some(peak)) = (limit, peak_running)
        && accepted >= 1
        && answers.len() > limit as usize
    {
        j.check(
            ClauseId::BUSY_2,
            (peak > limit).then(|| {
                (
                    format!("at most {limit} running at once"),
                    format!("{peak} restore tasks running at once"),
                )
            }),
        );
    }
    j
}

/// Judges restores that raced for `name` in one folder.
/// - `racers`: the answers to the concurrent requests.
/// - `task_ends`: the final status of each accepted racer's task (`None` when unknown).
/// - `vms_after`: `GET /api/vcenter/vm?names={name}&folders={folder}` once every task ended.
///
/// DUP-3: every racer is answered 202, 400 ALREADY_EXISTS (the name is held) or 400
/// NOT_ALLOWED_IN_CURRENT_STATE (the limit), in the vAPI format; at most one racer ends with a
/// VM, and never two VMs of that name in the folder. DUP-3 counts as exercised only when at
/// least one racer was accepted: otherwise nothing raced.
pub fn check_race(
    name: &str,
    racers: &[Exchange],
    task_ends: &[Option<TaskStatus>],
    vms_after: &[VmSummary],
) -> Judgement {
    let mut j = Judgement::default();
    let mut problems = Vec::new();
    let mut any_accepted = false;
    for (i, ex) in racers.iter().enumerate() {
        j.merge(check_format(ex, None));
        let Some(seen) = observed(&ex.observation) else {
            continue;
        };
        any_accepted |= (200..300).contains(&seen.status);
        let allowed = seen.status == 202
            || limit_refusal(seen)
            || (seen.status == 400
                && seen
                    .error_type
                    .is_none_or(|t| t == ErrorType::AlreadyExists));
        if !allowed && !outside_format(seen) && !(200..300).contains(&seen.status) {
            problems.push(format!(
                "racer {i}: {} (expected 202, 400 ALREADY_EXISTS or 400 NOT_ALLOWED_IN_CURRENT_STATE)",
                ex.observation.summary()
            ));
        }
    }
    if !any_accepted {
        // Nothing raced; a wrong refusal is still wrong, but says nothing about DUP-3.
        j.findings.extend(problems.into_iter().map(|p| {
            Finding::new(
                ClauseId::ACC_1,
                "202, or 400 ALREADY_EXISTS / NOT_ALLOWED_IN_CURRENT_STATE",
                p,
            )
        }));
        if !j.findings.is_empty() {
            j.exercise(ClauseId::ACC_1);
        }
        return j;
    }
    let same_name = vms_after.iter().filter(|v| v.name == name).count();
    if same_name > 1 {
        problems.push(format!("{same_name} VMs named {name:?} in the folder"));
    }
    let succeeded = task_ends
        .iter()
        .filter(|t| **t == Some(TaskStatus::Succeeded))
        .count();
    if succeeded > 1 {
        let accepted = racers
            .iter()
            .filter(|r| r.observation.status() == Some(202))
            .count();
        problems.push(format!(
            "{succeeded} of {accepted} accepted restores ended SUCCEEDED"
        ));
    }
    j.check(
        ClauseId::DUP_3,
        (!problems.is_empty()).then(|| {
            (
                format!("at most one VM named {name:?} in the folder"),
                problems.join("; "),
            )
        }),
    );
    j
}

#[cfg(test)]
mod tests;

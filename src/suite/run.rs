//! A whole run for `certify` and `score`: the restore budget planned, trials on a small pool
//! of threads, the lab's stop signal (Ctrl-C, the time budget) checked before every trial, the
//! end-of-run sweep, progress callbacks, and the `RunReport` at the end.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::context::Context;
use super::outcome::TrialResult;
use super::trial::{self, PlannedTrial};
use crate::report::{Harness, RunReport, TargetInfo, TrialReport};

pub struct RunOptions {
    /// Glob over trial names (`AUTHZ-*`, `INV-1::*`); `None` runs everything.
    pub filter: Option<glob::Pattern>,
    pub jobs: usize,
}

/// Progress events for the CLI's bar or plain lines.
pub trait Progress: Sync {
    fn started(&self, total: usize);
    fn finished(&self, trial: &PlannedTrial, result: &TrialResult);
}

/// The trials `filter` selects, in suite order.
pub fn select(ctx: &Context, filter: Option<&glob::Pattern>) -> Vec<PlannedTrial> {
    super::trials(ctx)
        .into_iter()
        .filter(|t| {
            filter.is_none_or(|p| {
                p.matches(&t.name) || t.clauses.iter().any(|c| p.matches(c.as_str()))
            })
        })
        .collect()
}

/// Runs the selected trials and returns the report (not yet written anywhere).
pub fn run_suite(ctx: &Context, opts: &RunOptions, progress: &dyn Progress) -> RunReport {
    let selected = select(ctx, opts.filter.as_ref());
    super::lab_plan::plan(ctx, &selected);
    progress.started(selected.len());
    let next = AtomicUsize::new(0);
    let jobs = opts.jobs.clamp(1, 16);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(t) = selected.get(i) else { break };
                    let result = execute_planned(ctx, t);
                    progress.finished(t, &result);
                }
            });
        }
    });
    // After the last trial and before the report: what the run cannot account for.
    let _ = super::sweep_end::sweep_run(ctx);
    report_now(ctx)
}

/// Runs one trial of a planned run: not at all when the run is stopping or the restore
/// budget has no room for it (reported `not_run` with the reason), else as `trial::execute`.
pub fn execute_planned(ctx: &Context, t: &PlannedTrial) -> TrialResult {
    let reason = match ctx.lab.stop.should_stop() {
        Some(r) => Some(format!("{} before this trial started", r.describe())),
        None if t.ignored.is_none() => super::lab_plan::not_fit(ctx, &t.name),
        None => None,
    };
    match reason {
        Some(reason) => not_run(ctx, t, &reason),
        None => trial::execute(ctx, t),
    }
}

/// Records a trial that was not started.
fn not_run(ctx: &Context, t: &PlannedTrial, reason: &str) -> TrialResult {
    let result = TrialResult::not_run(reason);
    ctx.results.trial(TrialReport {
        name: t.name.clone(),
        clauses: t.clauses.iter().map(|c| c.to_string()).collect(),
        outcome: result.outcome.clone(),
        cases: 0,
        duration_s: 0.0,
    });
    for c in &t.clauses {
        ctx.results.not_exercisable(c, reason);
    }
    result
}

/// The report of what the run did so far: at its end, or (after a second Ctrl-C) a partial
/// one. Its cleanup section carries the accepted task ids from the ledger.
pub fn report_now(ctx: &Context) -> RunReport {
    let stop = &ctx.lab.stop;
    let mut cleanup = ctx.results.cleanup();
    cleanup.tasks = ctx.lab.accepted_tasks();
    let mut report = RunReport {
        harness: Harness::default(),
        target: TargetInfo {
            url: ctx.target_url(),
            kind: if ctx.mock.is_some() {
                "embedded-mock".into()
            } else {
                "remote".into()
            },
            insecure: ctx.config.insecure,
            wire: ctx.wire().as_str().into(),
        },
        seed: ctx.config.seed,
        duration_s: ctx.lab.started.elapsed().as_secs_f64(),
        strict: ctx.config.strict,
        cases_per_property: ctx.config.cases,
        summary: Default::default(),
        clauses: ctx.results.clause_reports(),
        trials: ctx.results.trials(),
        cleanup,
        started_at: ctx.lab.started_at.clone(),
        flags: Vec::new(),
        interrupted: if stop.interrupted() {
            Some("interrupted (Ctrl-C)".into())
        } else if stop.budget_spent() {
            Some("time budget spent".into())
        } else {
            None
        },
    };
    report.trials.sort_by(|a, b| a.name.cmp(&b.name));
    report.recount();
    report
}

/// The report after a second Ctrl-C: what ran so far, and in `cleanup.left` everything the
/// ledger says is still out there (VMs not removed, accepted tasks never seen to end, restores
/// sent without an answer), so a person or `cleanup --report DIR` can remove it.
pub fn partial_report(ctx: &Context) -> RunReport {
    let mut report = report_now(ctx);
    report.interrupted = Some("aborted (second Ctrl-C): partial report".into());
    let o = ctx.lab.ledger.outstanding();
    let left = &mut report.cleanup.left;
    for vm in &o.vms {
        if !left.iter().any(|l| l.starts_with(&format!("{vm}:"))) {
            left.push(format!("{vm}: left behind (the run was aborted)"));
        }
    }
    for (task, name) in &o.tasks {
        left.push(format!(
            "task {task}{}: accepted, not seen to end (the run was aborted); its VM may appear",
            name.as_deref()
                .map(|n| format!(" (name {n})"))
                .unwrap_or_default()
        ));
    }
    for name in &o.names {
        left.push(format!(
            "restore named {name}: sent, never answered (the run was aborted)"
        ));
    }
    report
}

/// The current time as RFC 3339 (UTC, seconds), without a date crate.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm, public domain).
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_785), (2026, 11, 28));
    }
}

//! A whole run for `certify` and `score`: trials on a small pool of threads, a time budget, an
//! interrupt flag, progress callbacks, and the `RunReport` at the end.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::context::Context;
use super::outcome::TrialResult;
use super::trial::{self, PlannedTrial};
use crate::report::{Harness, RunReport, TargetInfo, TrialOutcome, TrialReport};

pub struct RunOptions {
    /// Glob over trial names (`AUTHZ-*`, `INV-1::*`); `None` runs everything.
    pub filter: Option<glob::Pattern>,
    pub jobs: usize,
    pub budget: Option<Duration>,
    /// Set by a Ctrl-C handler: no new trial starts once it is set.
    pub interrupted: Arc<AtomicBool>,
}

/// Progress events for the CLI's bar or plain lines.
pub trait Progress: Sync {
    fn started(&self, total: usize);
    fn finished(&self, trial: &PlannedTrial, result: &TrialResult);
}

/// Runs the selected trials and returns the report (not yet written anywhere).
pub fn run_suite(ctx: &Context, opts: &RunOptions, progress: &dyn Progress) -> RunReport {
    let started_at = now_rfc3339();
    let started = Instant::now();
    let selected: Vec<PlannedTrial> = super::trials(ctx)
        .into_iter()
        .filter(|t| {
            opts.filter.as_ref().is_none_or(|p| {
                p.matches(&t.name) || t.clauses.iter().any(|c| p.matches(c.as_str()))
            })
        })
        .collect();
    progress.started(selected.len());
    let next = AtomicUsize::new(0);
    let budget_hit = AtomicBool::new(false);
    let jobs = opts.jobs.clamp(1, 16);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(t) = selected.get(i) else { break };
                    let stop = if opts.interrupted.load(Ordering::SeqCst) {
                        Some("the run was interrupted (Ctrl-C)")
                    } else if opts.budget.is_some_and(|b| started.elapsed() >= b) {
                        budget_hit.store(true, Ordering::SeqCst);
                        Some("the run's time budget was spent before this trial started")
                    } else {
                        None
                    };
                    let result = match stop {
                        Some(reason) => {
                            ctx.results.trial(TrialReport {
                                name: t.name.clone(),
                                clauses: t.clauses.iter().map(|c| c.to_string()).collect(),
                                outcome: TrialOutcome::NotRun {
                                    reason: reason.into(),
                                },
                                cases: 0,
                                duration_s: 0.0,
                            });
                            for c in &t.clauses {
                                ctx.results.not_exercisable(c, reason);
                            }
                            TrialResult {
                                outcome: TrialOutcome::NotRun {
                                    reason: reason.into(),
                                },
                                cases: 0,
                            }
                        }
                        None => trial::execute(ctx, t),
                    };
                    progress.finished(t, &result);
                }
            });
        }
    });
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
        duration_s: started.elapsed().as_secs_f64(),
        strict: ctx.config.strict,
        cases_per_property: ctx.config.cases,
        summary: Default::default(),
        clauses: ctx.results.clause_reports(),
        trials: ctx.results.trials(),
        cleanup: ctx.results.cleanup(),
        started_at,
        flags: Vec::new(),
        interrupted: if opts.interrupted.load(Ordering::SeqCst) {
            Some("interrupted (Ctrl-C)".into())
        } else if budget_hit.load(Ordering::SeqCst) {
            Some("time budget spent".into())
        } else {
            None
        },
    };
    report.trials.sort_by(|a, b| a.name.cmp(&b.name));
    report.recount();
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

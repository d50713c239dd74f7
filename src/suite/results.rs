//! Aggregated results of a run. Memory does not grow with the case count: per clause it keeps
//! counters, a bounded list of failures and the set of distinct response shapes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::clause;
use crate::report::{ClauseReport, Cleanup, FailureReport, TrialReport, Verdict};

/// Failures kept per clause; later ones are counted, not stored.
const MAX_FAILURES_PER_CLAUSE: usize = 10;

#[derive(Default)]
struct Inner {
    exercised: BTreeMap<String, u64>,
    failures: BTreeMap<String, Vec<FailureReport>>,
    failure_counts: BTreeMap<String, u64>,
    trials: Vec<TrialReport>,
    cleanup: Cleanup,
    /// Clauses a trial could not exercise here, with why (not_exercisable / inconclusive).
    not_exercisable: BTreeMap<String, String>,
    inconclusive: BTreeMap<String, String>,
    /// Clauses the run's wire form does not have (REST-only clauses on JSON-RPC), with why:
    /// nothing is recorded against them, and they are reported not_exercisable.
    excluded: BTreeMap<String, String>,
    /// What a passing clause's judgement left out, with why (REJ-1's task half on a target
    /// that lists no tasks).
    partial: BTreeMap<String, String>,
}

/// Whether `trial` is `clause`'s own trial (named `CLAUSE::...`).
fn own_trial(clause: &str, trial: &str) -> bool {
    trial
        .strip_prefix(clause)
        .is_some_and(|rest| rest.starts_with("::"))
}

#[derive(Default)]
pub struct Results {
    inner: Mutex<Inner>,
    /// Tasks that outlived the task budget in this run.
    stalled: std::sync::atomic::AtomicU64,
}

impl Results {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a task that did not end within the budget; returns how many did so far.
    pub fn stalled_task(&self) -> u64 {
        self.stalled
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }

    pub fn stalled_tasks(&self) -> u64 {
        self.stalled.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn exercised(&self, clauses: impl IntoIterator<Item = impl AsRef<str>>) {
        let mut g = self.lock();
        for c in clauses {
            if g.excluded.contains_key(c.as_ref()) {
                continue;
            }
            *g.exercised.entry(c.as_ref().to_owned()).or_default() += 1;
        }
    }

    /// Records a failure of `clause`. The clause's own trial's failures (trial `CLAUSE::...`)
    /// come first in the report; one of them is always kept, even when failures other trials
    /// caught filled the list first.
    pub fn failure(&self, clause: impl AsRef<str>, f: FailureReport) {
        let clause = clause.as_ref();
        let mut g = self.lock();
        if g.excluded.contains_key(clause) {
            return;
        }
        *g.failure_counts.entry(clause.to_owned()).or_default() += 1;
        let list = g.failures.entry(clause.to_owned()).or_default();
        if list
            .iter()
            .any(|x| x.trial == f.trial && x.observed == f.observed)
        {
            return;
        }
        if list.len() < MAX_FAILURES_PER_CLAUSE {
            list.push(f);
        } else if own_trial(clause, &f.trial) && !list.iter().any(|x| own_trial(clause, &x.trial)) {
            list.pop();
            list.push(f);
        }
        // Stable: own trial first, each group in the order found.
        list.sort_by_key(|x| !own_trial(clause, &x.trial));
    }

    pub fn trial(&self, t: TrialReport) {
        self.lock().trials.push(t);
    }

    pub fn not_exercisable(&self, clause: impl AsRef<str>, reason: &str) {
        self.lock()
            .not_exercisable
            .entry(clause.as_ref().to_owned())
            .or_insert_with(|| reason.to_owned());
    }

    /// Takes `clause` out of this run: the wire form does not have it (see `excluded`).
    pub fn exclude(&self, clause: impl AsRef<str>, reason: &str) {
        self.lock()
            .excluded
            .entry(clause.as_ref().to_owned())
            .or_insert_with(|| reason.to_owned());
    }

    pub fn inconclusive(&self, clause: impl AsRef<str>, reason: &str) {
        self.lock()
            .inconclusive
            .entry(clause.as_ref().to_owned())
            .or_insert_with(|| reason.to_owned());
    }

    /// Records that part of `clause` could not be judged on this target (shown as the reason of
    /// a passing clause).
    pub fn partial(&self, clause: impl AsRef<str>, reason: &str) {
        self.lock()
            .partial
            .entry(clause.as_ref().to_owned())
            .or_insert_with(|| reason.to_owned());
    }

    pub fn created(&self, vm: &str) {
        self.lock().cleanup.created.push(vm.to_owned());
    }

    pub fn removed(&self, vm: &str) {
        self.lock().cleanup.removed.push(vm.to_owned());
    }

    pub fn left(&self, vm: &str, why: &str) {
        self.lock().cleanup.left.push(format!("{vm}: {why}"));
    }

    pub fn failed_clauses(&self) -> BTreeSet<String> {
        self.lock().failures.keys().cloned().collect()
    }

    pub fn trials(&self) -> Vec<TrialReport> {
        self.lock().trials.clone()
    }

    /// Records a VM the end-of-run sweep found carrying the run's prefix that no restore of the
    /// run accounts for.
    pub fn unaccounted(&self, vm: &str) {
        self.lock().cleanup.unaccounted.push(vm.to_owned());
    }

    /// The run's name prefix, for the report (`cleanup --prefix`).
    pub fn set_prefix(&self, prefix: &str) {
        self.lock().cleanup.prefix = prefix.to_owned();
    }

    pub fn cleanup(&self) -> Cleanup {
        self.lock().cleanup.clone()
    }

    /// One report line per catalog clause. Verdicts are computed here, from what was recorded:
    /// a failure wins; then a clause with exercised cases passes; a clause nobody exercised is
    /// not_exercisable (or inconclusive) with the recorded reason — never a pass.
    pub fn clause_reports(&self) -> Vec<ClauseReport> {
        let g = self.lock();
        clause::catalog()
            .iter()
            .map(|c| {
                let cases = g.exercised.get(c.id.as_str()).copied().unwrap_or(0);
                let failures = g.failures.get(c.id.as_str()).cloned().unwrap_or_default();
                let (verdict, reason) = if let Some(r) = g.excluded.get(c.id.as_str()) {
                    (Verdict::NotExercisable, Some(r.clone()))
                } else if !failures.is_empty() {
                    let n = g.failure_counts.get(c.id.as_str()).copied().unwrap_or(0);
                    (
                        Verdict::Fail,
                        (n as usize > failures.len())
                            .then(|| format!("{n} failing cases, {} shown", failures.len())),
                    )
                } else if let Some(r) = g.inconclusive.get(c.id.as_str()) {
                    (Verdict::Inconclusive, Some(r.clone()))
                } else if cases > 0 {
                    (Verdict::Pass, g.partial.get(c.id.as_str()).cloned())
                } else {
                    let r = g
                        .not_exercisable
                        .get(c.id.as_str())
                        .cloned()
                        .unwrap_or_else(|| "no trial exercised this clause in this run".to_owned());
                    (Verdict::NotExercisable, Some(r))
                };
                ClauseReport {
                    id: c.id.to_string(),
                    title: c.title.clone(),
                    source: c.source.clone(),
                    verdict,
                    cases,
                    failures,
                    reason,
                    deviation: None,
                }
            })
            .collect()
    }
}

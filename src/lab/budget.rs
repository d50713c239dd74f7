//! The restore budget. Every request that may create a VM takes one restore from the budget
//! before it is sent. The budget is planned before the run: every trial that needs accepted
//! restores gets its minimum first (in suite order), so each such clause is exercised at least
//! once; what is left is shared out round-robin up to what each trial would like. A trial whose
//! minimum does not fit is not run, with the reason, instead of starving the trials after it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a trial asks of the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub trial: String,
    /// Restores without which the trial cannot judge its clause (a burst over the limit needs
    /// limit + 1; a race needs 2; a property needs 1).
    pub min: u32,
    /// Restores it would use given the room (a property: its case count).
    pub want: u32,
}

/// Per-trial allowances, and the trials that did not fit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BudgetPlan {
    /// `None`: unlimited.
    pub limit: Option<u32>,
    pub allowance: BTreeMap<String, u32>,
    pub not_fit: BTreeMap<String, String>,
}

impl BudgetPlan {
    pub fn plan(limit: Option<u32>, needs: &[Need]) -> BudgetPlan {
        let mut plan = BudgetPlan {
            limit,
            ..BudgetPlan::default()
        };
        let Some(limit) = limit else {
            for n in needs {
                plan.allowance.insert(n.trial.clone(), n.want.max(n.min));
            }
            return plan;
        };
        let mut left = limit;
        let mut fitted: Vec<&Need> = Vec::new();
        for n in needs {
            if n.min <= left {
                left -= n.min;
                plan.allowance.insert(n.trial.clone(), n.min);
                fitted.push(n);
            } else {
                plan.not_fit.insert(
                    n.trial.clone(),
                    format!(
                        "the restore budget ({limit}, --max-restores) has no room for the {} restores this trial needs",
                        n.min
                    ),
                );
            }
        }
        // Round-robin, one restore at a time, so the spare budget spreads over clauses rather
        // than going to the first trial that wants many.
        while left > 0 {
            let mut gave = false;
            for n in &fitted {
                let a = plan.allowance.entry(n.trial.clone()).or_default();
                if left > 0 && *a < n.want {
                    *a += 1;
                    left -= 1;
                    gave = true;
                }
            }
            if !gave {
                break;
            }
        }
        plan
    }

    /// Restores planned in all.
    pub fn planned(&self) -> u64 {
        self.allowance.values().map(|v| u64::from(*v)).sum()
    }

    pub fn allowance(&self, trial: &str) -> Option<u32> {
        match self.limit {
            None => Some(u32::MAX),
            Some(_) => self.allowance.get(trial).copied(),
        }
    }
}

/// The run's budget as it is spent: a global cap (whatever the plan says, the run never starts
/// more than `limit` restores) and per-trial counts.
#[derive(Debug, Default)]
pub struct RestoreBudget {
    limit: Option<u64>,
    used: AtomicU64,
    per_trial: Mutex<BTreeMap<String, u32>>,
    allowance: BTreeMap<String, u32>,
}

impl RestoreBudget {
    pub fn new(plan: &BudgetPlan) -> RestoreBudget {
        RestoreBudget {
            limit: plan.limit.map(u64::from),
            used: AtomicU64::new(0),
            per_trial: Mutex::new(BTreeMap::new()),
            allowance: plan.allowance.clone(),
        }
    }

    pub fn unlimited() -> RestoreBudget {
        RestoreBudget::default()
    }

    /// Takes one restore for `trial`; `false` when the trial's allowance or the run's budget is
    /// spent (the caller then does not send the request).
    pub fn take(&self, trial: &str) -> bool {
        let Some(limit) = self.limit else {
            self.used.fetch_add(1, Ordering::SeqCst);
            return true;
        };
        let mut per = self.per_trial.lock().unwrap_or_else(|e| e.into_inner());
        let mine = per.entry(trial.to_owned()).or_default();
        let allowed = self.allowance.get(trial).copied().unwrap_or(0);
        if *mine >= allowed {
            return false;
        }
        let took = self
            .used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| {
                (u < limit).then_some(u + 1)
            })
            .is_ok();
        if took {
            *mine += 1;
        }
        took
    }

    /// How many restores `trial` may still start.
    pub fn remaining_for(&self, trial: &str) -> u32 {
        let Some(limit) = self.limit else {
            return u32::MAX;
        };
        let per = self.per_trial.lock().unwrap_or_else(|e| e.into_inner());
        let mine = per.get(trial).copied().unwrap_or(0);
        let allowed = self.allowance.get(trial).copied().unwrap_or(0);
        let global = limit.saturating_sub(self.used.load(Ordering::SeqCst));
        allowed
            .saturating_sub(mine)
            .min(u32::try_from(global).unwrap_or(u32::MAX))
    }

    pub fn used(&self) -> u64 {
        self.used.load(Ordering::SeqCst)
    }

    pub fn limit(&self) -> Option<u64> {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(t: &str, min: u32, want: u32) -> Need {
        Need {
            trial: t.into(),
            min,
            want,
        }
    }

    #[test]
    fn every_trial_gets_its_minimum_before_any_gets_more() {
        let p = BudgetPlan::plan(
            Some(10),
            &[need("A", 1, 256), need("B", 1, 256), need("BURST", 3, 3)],
        );
        assert_eq!(p.allowance["BURST"], 3);
        assert_eq!(p.allowance["A"] + p.allowance["B"], 7);
        assert!(p.allowance["A"].abs_diff(p.allowance["B"]) <= 1);
        assert!(p.not_fit.is_empty());
        assert_eq!(p.planned(), 10);
    }

    #[test]
    fn what_does_not_fit_is_named_with_the_reason() {
        let p = BudgetPlan::plan(
            Some(2),
            &[need("A", 1, 5), need("BURST", 3, 3), need("C", 1, 1)],
        );
        assert_eq!(p.allowance.get("A"), Some(&1));
        assert_eq!(p.allowance.get("C"), Some(&1));
        assert!(
            p.not_fit["BURST"].contains("--max-restores"),
            "{:?}",
            p.not_fit
        );
    }

    #[test]
    fn taking_stops_at_the_allowance_and_at_the_run_limit() {
        let p = BudgetPlan::plan(Some(3), &[need("A", 1, 2), need("B", 1, 5)]);
        let b = RestoreBudget::new(&p);
        assert!(b.take("A") && b.take("A"));
        assert!(!b.take("A"), "A's allowance is 2");
        assert!(b.take("B"));
        assert!(!b.take("B"), "the run's limit of 3 is spent");
        assert!(!b.take("unplanned"));
        assert_eq!(b.used(), 3);
    }

    #[test]
    fn unlimited_never_refuses() {
        let b = RestoreBudget::unlimited();
        assert!((0..10_000).all(|_| b.take("x")));
        assert_eq!(b.remaining_for("x"), u32::MAX);
    }
}

//! The lab state a run shares between its trials (and the isolated mocks of the embedded
//! target): the stop signal, the ledger of restores, the restore budget as planned and spent,
//! the pacer of requests, and the count of the harness's own request timeouts per trial.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::lab::{BudgetPlan, Ledger, LedgerEntry, Pacer, RestoreBudget, StopSignal};

/// After this many harness-side timeouts in one trial, the target is reported under ERR-1
/// (it does not answer: a hang), once per trial.
pub const TIMEOUTS_FOR_ERR1: u32 = 3;

pub struct LabState {
    pub stop: Arc<StopSignal>,
    pub ledger: Arc<Ledger>,
    pub pacer: Arc<Pacer>,
    plan: Mutex<BudgetPlan>,
    budget: Mutex<Arc<RestoreBudget>>,
    timeouts: Mutex<BTreeMap<String, u32>>,
    /// When the run started (the context was made), for the report's duration, and as RFC 3339.
    pub started: std::time::Instant,
    pub started_at: String,
}

impl LabState {
    pub fn new(stop: StopSignal, ledger: Ledger, pacer: Pacer) -> LabState {
        LabState {
            stop: Arc::new(stop),
            ledger: Arc::new(ledger),
            pacer: Arc::new(pacer),
            plan: Mutex::new(BudgetPlan::default()),
            budget: Mutex::new(Arc::new(RestoreBudget::unlimited())),
            timeouts: Mutex::new(BTreeMap::new()),
            started: std::time::Instant::now(),
            started_at: super::run::now_rfc3339(),
        }
    }

    /// Installs the run's budget plan (before the first trial starts).
    pub fn set_plan(&self, plan: BudgetPlan) {
        *lock(&self.budget) = Arc::new(RestoreBudget::new(&plan));
        *lock(&self.plan) = plan;
    }

    pub fn plan(&self) -> BudgetPlan {
        lock(&self.plan).clone()
    }

    pub fn budget(&self) -> Arc<RestoreBudget> {
        lock(&self.budget).clone()
    }

    /// Counts a harness-side timeout in `trial`; true exactly when the count reaches
    /// `TIMEOUTS_FOR_ERR1` (so the ERR-1 finding is recorded once).
    pub fn timed_out(&self, trial: &str) -> bool {
        let mut t = lock(&self.timeouts);
        let n = t.entry(trial.to_owned()).or_default();
        *n += 1;
        *n == TIMEOUTS_FOR_ERR1
    }

    /// The accepted task ids, in the order they were accepted.
    pub fn accepted_tasks(&self) -> Vec<String> {
        self.ledger
            .entries()
            .into_iter()
            .filter_map(|e| match e {
                LedgerEntry::Accepted { task, .. } => Some(task),
                _ => None,
            })
            .collect()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

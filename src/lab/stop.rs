//! Stopping a run. The first Ctrl-C (or the time budget) stops new work: no new case, trial or
//! restore starts, started tasks are followed for up to the drain timeout, VMs are cleaned up
//! and the report is written. A second Ctrl-C gives up waiting: the run writes a partial report
//! naming what it leaves behind and exits 130. Every case loop and every task poll asks
//! `should_stop` first.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// Exit code of a run ended by a second Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_ABORTED: u8 = 130;

#[derive(Debug, Default)]
pub struct StopSignal {
    interrupts: AtomicU8,
    budget_spent: AtomicBool,
    deadline: Mutex<Option<Instant>>,
    /// When draining began (the first Ctrl-C), so polls know how long they may still wait.
    drain_started: Mutex<Option<Instant>>,
}

/// Why new work does not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Interrupted,
    BudgetSpent,
}

impl StopReason {
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::Interrupted => "the run was interrupted (Ctrl-C)",
            StopReason::BudgetSpent => "the run's time budget (--budget) was spent",
        }
    }
}

impl StopSignal {
    pub fn new(budget: Option<Duration>) -> StopSignal {
        let s = StopSignal::default();
        *s.deadline.lock().unwrap_or_else(|e| e.into_inner()) = budget.map(|b| Instant::now() + b);
        s
    }

    /// Records a Ctrl-C; returns how many there were so far.
    pub fn interrupt(&self) -> u8 {
        let n = self
            .interrupts
            .fetch_add(1, Ordering::SeqCst)
            .saturating_add(1);
        if n == 1 {
            *self.drain_started.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        }
        n
    }

    /// Whether new work (a case, a trial, a restore) must not start, and why.
    pub fn should_stop(&self) -> Option<StopReason> {
        if self.interrupts.load(Ordering::SeqCst) > 0 {
            return Some(StopReason::Interrupted);
        }
        let over = self
            .deadline
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|d| Instant::now() >= d);
        if over {
            self.budget_spent.store(true, Ordering::SeqCst);
            return Some(StopReason::BudgetSpent);
        }
        None
    }

    /// Whether a started task may still be polled: always before a stop; after the first
    /// Ctrl-C only within `drain`; never after a second.
    pub fn may_keep_polling(&self, drain: Duration) -> bool {
        match self.interrupts.load(Ordering::SeqCst) {
            0 => true,
            1 => self
                .drain_started
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_none_or(|t| t.elapsed() < drain),
            _ => false,
        }
    }

    pub fn interrupted(&self) -> bool {
        self.interrupts.load(Ordering::SeqCst) > 0
    }

    pub fn aborted(&self) -> bool {
        self.interrupts.load(Ordering::SeqCst) > 1
    }

    pub fn budget_spent(&self) -> bool {
        self.budget_spent.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_interrupt_stops_new_work_and_drains_second_aborts() {
        let s = StopSignal::new(None);
        assert_eq!(s.should_stop(), None);
        assert!(s.may_keep_polling(Duration::from_secs(60)));
        assert_eq!(s.interrupt(), 1);
        assert_eq!(s.should_stop(), Some(StopReason::Interrupted));
        assert!(s.may_keep_polling(Duration::from_secs(60)));
        assert!(!s.may_keep_polling(Duration::ZERO), "the drain is over");
        assert_eq!(s.interrupt(), 2);
        assert!(s.aborted());
        assert!(!s.may_keep_polling(Duration::from_secs(60)));
    }

    #[test]
    fn the_time_budget_stops_new_work() {
        let s = StopSignal::new(Some(Duration::ZERO));
        assert_eq!(s.should_stop(), Some(StopReason::BudgetSpent));
        assert!(s.budget_spent());
        assert!(
            s.may_keep_polling(Duration::ZERO),
            "a budget stop still lets tasks end"
        );
    }
}

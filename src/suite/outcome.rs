//! What a trial ended with, in the shape both drivers need: libtest-mimic's pass/fail/ignore
//! and the report's `TrialReport`.

use crate::report::TrialOutcome;

#[derive(Debug, Clone)]
pub struct TrialResult {
    pub outcome: TrialOutcome,
    /// Cases run (generated cases, including shrink steps, or requests of a run-level trial).
    pub cases: u64,
}

impl TrialResult {
    pub fn passed(cases: u64) -> Self {
        TrialResult {
            outcome: TrialOutcome::Passed,
            cases,
        }
    }

    pub fn failed(message: String, cases: u64) -> Self {
        TrialResult {
            outcome: TrialOutcome::Failed { message },
            cases,
        }
    }

    pub fn ignored(reason: impl Into<String>) -> Self {
        TrialResult {
            outcome: TrialOutcome::Ignored {
                reason: reason.into(),
            },
            cases: 0,
        }
    }

    /// Not started: the run stopped, or the restore budget had no room for it.
    pub fn not_run(reason: impl Into<String>) -> Self {
        TrialResult {
            outcome: TrialOutcome::NotRun {
                reason: reason.into(),
            },
            cases: 0,
        }
    }
}

//! The target a trial runs against, chosen in one place: on the embedded mock every trial gets
//! its own fresh mock (same world, defects and results), so its restores never meet another
//! trial's names, restore limit, holds or faults; against a remote target trials share it.

use std::ops::Deref;

use serde_json::json;

use super::context::Context;
use super::trial::{NEEDS_CONTROL, TrialError, Unavailable};

/// The context a trial runs in: its own (isolated mock) or the shared one (remote target).
pub enum TrialTarget<'a> {
    Shared(&'a Context),
    Own(Box<Context>),
}

impl Deref for TrialTarget<'_> {
    type Target = Context;
    fn deref(&self) -> &Context {
        match self {
            TrialTarget::Shared(c) => c,
            TrialTarget::Own(c) => c,
        }
    }
}

impl TrialTarget<'_> {
    /// Whether the trial has a mock of its own (and may change its settings).
    pub fn is_own(&self) -> bool {
        matches!(self, TrialTarget::Own(_))
    }
}

impl Context {
    /// The trial's own mock when the target is embedded, else the shared target.
    pub fn trial_target(&self) -> Result<TrialTarget<'_>, TrialError> {
        match self.isolated() {
            None => Ok(TrialTarget::Shared(self)),
            Some(Ok(own)) => Ok(TrialTarget::Own(Box::new(own))),
            Some(Err(e)) => Err(TrialError::Isolate(e)),
        }
    }

    /// As `trial_target`, with the own mock's tasks lasting `task_ms` (long enough for
    /// concurrent requests to overlap). A remote target's tasks take their own time.
    pub fn trial_target_with_tasks(&self, task_ms: u64) -> Result<TrialTarget<'_>, TrialError> {
        let t = self.trial_target()?;
        if t.is_own() {
            t.control_blocking(
                "PUT",
                "/__mock/settings",
                Some(json!({"task_duration_ms": task_ms})),
            )?;
        }
        Ok(t)
    }

    /// A mock of the trial's own whose control plane it may use (limits, holds, faults);
    /// unavailable against a remote target.
    pub fn control_target(&self) -> Result<Context, TrialError> {
        match self.isolated() {
            None => Err(Unavailable(NEEDS_CONTROL.to_owned()).into()),
            Some(Ok(own)) => Ok(own),
            Some(Err(e)) => Err(TrialError::Isolate(e)),
        }
    }
}

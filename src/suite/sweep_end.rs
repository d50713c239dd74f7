//! The end-of-run sweep (a stub: the coordinator's `cleanup` work replaces this file). Called
//! by both drivers after the last trial and before the report.

use super::context::Context;

/// What the end-of-run sweep found and did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepOutcome {}

/// Sweeps what the run cannot account for. The stub does nothing.
pub fn sweep_run(_ctx: &Context) -> SweepOutcome {
    SweepOutcome::default()
}

//! The end-of-run sweep: after the last trial, every VM carrying the run's prefix must be one
//! the run accounts for (a restore it was told about). Whatever the ledger says is still out
//! there (VMs not removed, VMs of tasks that never ended) is removed, and a prefixed VM that no
//! accepted restore explains is a REJ-1 finding: a refusal that created a VM after all, later
//! than the per-case check looked, or under another name.

use std::collections::BTreeSet;

use super::context::Context;
use super::vm_api::ClientVmApi;
use crate::clause::ClauseId;
use crate::lab::Ledger;
use crate::lab::ledger::{LedgerEntry, Outstanding};
use crate::lab::sweep::{SweepReport, sweep};
use crate::model::Auth;
use crate::report::FailureReport;
use crate::runner::runtime::runtime;

/// What the sweep found and did, as recorded in the results.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepOutcome {
    pub report: SweepReport,
    /// Prefixed VMs no restore of the run explains (REJ-1 findings).
    pub rej1: Vec<String>,
}

/// Sweeps the context's target after the last trial (both drivers call this before the report).
pub fn sweep_run(ctx: &Context) -> SweepOutcome {
    sweep_with(ctx, &ctx.lab.ledger)
}

/// Sweeps with `ledger`, the run's record of restores.
pub fn sweep_with(ctx: &Context, ledger: &Ledger) -> SweepOutcome {
    ctx.results.set_prefix(&ctx.config.run_prefix);
    // On the embedded mock most trials ran on their own mocks, stopped since: what the ledger
    // lists there is gone with them. Only the prefix sweep of the shared mock means anything.
    let outstanding = if ctx.mock.is_some() {
        Outstanding::default()
    } else {
        ledger.outstanding()
    };
    let cleanup = ctx.results.cleanup();
    let accounted: BTreeSet<String> = cleanup
        .created
        .iter()
        .chain(&cleanup.removed)
        .cloned()
        .collect();
    let api = ClientVmApi {
        client: &ctx.client,
        admin: Auth::Principal(ctx.admin()),
    };
    // `--keep` leaves the run's VMs in place on purpose: the sweep only looks.
    let report = runtime().block_on(sweep(
        &api,
        &outstanding,
        Some(&ctx.config.run_prefix),
        &accounted,
        ctx.config.keep,
    ));
    record(ctx, &explaining_names(&ledger.entries()), report)
}

/// Records the sweep in the results: removals and leftovers in the cleanup section, prefixed
/// VMs nothing explains as REJ-1 failures.
fn record(ctx: &Context, explaining: &BTreeSet<String>, report: SweepReport) -> SweepOutcome {
    let cleanup = ctx.results.cleanup();
    let known: BTreeSet<&String> = cleanup.created.iter().collect();
    for vm in &report.removed {
        if !known.contains(vm) {
            ctx.results.created(vm);
        }
        if !cleanup.removed.contains(vm) {
            ctx.results.removed(vm);
        }
    }
    for (vm, why) in &report.left {
        if !known.contains(vm) {
            ctx.results.created(vm);
        }
        ctx.results.left(vm, why);
    }
    for task in &report.running_tasks {
        ctx.results.left(
            &format!("task {task}"),
            "still running at the end of the run: its VM may appear later (cleanup --report)",
        );
    }
    for (vm, _) in &report.unaccounted {
        ctx.results.unaccounted(vm);
    }
    let rej1 = unexplained(explaining, &report.unaccounted);
    if report.listed {
        // The listing was read: the sweep judged REJ-1 over the whole run.
        ctx.results.exercised([ClauseId::REJ_1]);
    }
    for vm in &rej1 {
        ctx.results.failure(
            ClauseId::REJ_1,
            FailureReport {
                trial: "REJ-1::end-of-run-sweep".into(),
                expected: format!(
                    "every VM named {}-… comes from a restore the target accepted",
                    ctx.config.run_prefix
                ),
                observed: format!(
                    "{vm} carries the run's prefix, yet no accepted restore of the run named it: a refused request created it (later than the per-case check looked, or under another name)"
                ),
                minimal_case: "the whole run (found by the end-of-run sweep)".into(),
                curl: "-".into(),
                seed: Some(ctx.config.seed),
            },
        );
    }
    SweepOutcome { report, rej1 }
}

/// The names a VM of the run may rightly carry: every restore the target accepted (its task may
/// have created the VM without naming it, e.g. a task whose result is no VM id), and every
/// restore sent without a known answer (a timeout). A refused restore explains nothing.
fn explaining_names(entries: &[LedgerEntry]) -> BTreeSet<String> {
    let mut accepted = BTreeSet::new();
    let mut pending = BTreeSet::new();
    for e in entries {
        match e {
            LedgerEntry::Sent { name: Some(n), .. } => {
                pending.insert(n.clone());
            }
            LedgerEntry::Refused { name: Some(n), .. } => {
                pending.remove(n);
            }
            LedgerEntry::Accepted { name: Some(n), .. } => {
                pending.remove(n);
                accepted.insert(n.clone());
            }
            _ => {}
        }
    }
    accepted.extend(pending);
    accepted
}

/// The unaccounted VMs no restore of the run explains: REJ-1's.
fn unexplained(explaining: &BTreeSet<String>, unaccounted: &[(String, String)]) -> Vec<String> {
    unaccounted
        .iter()
        .filter(|(_, name)| !explaining.contains(name))
        .map(|(vm, _)| vm.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rej_1_blames_only_vms_no_request_of_the_run_explains() {
        let sent = |n: &str| LedgerEntry::Sent {
            trial: "t".into(),
            cluster: "c".into(),
            name: Some(n.into()),
        };
        let entries = vec![
            sent("p-accepted"),
            LedgerEntry::Accepted {
                trial: "t".into(),
                task: "t-1".into(),
                cluster: "c".into(),
                name: Some("p-accepted".into()),
            },
            // Its task ended without naming a VM: the VM is still the accepted restore's.
            LedgerEntry::Ended { task: "t-1".into() },
            sent("p-timed-out"),
            sent("p-refused"),
            LedgerEntry::Refused {
                trial: "t".into(),
                name: Some("p-refused".into()),
            },
        ];
        let explaining = explaining_names(&entries);
        let unaccounted = [
            ("vm-1".to_owned(), "p-accepted".to_owned()),
            ("vm-2".to_owned(), "p-timed-out".to_owned()),
            ("vm-3".to_owned(), "p-refused".to_owned()),
            ("vm-4".to_owned(), "p-never-asked".to_owned()),
        ];
        assert_eq!(unexplained(&explaining, &unaccounted), vec!["vm-3", "vm-4"]);
        assert!(unexplained(&explaining, &unaccounted[..2]).is_empty());
    }
}

//! `snapservice-conformance cleanup`: remove what a stopped run left on a target. It reads the
//! run's ledger (`DIR/ledger.jsonl`, written line by line while the run went on, so a killed run
//! has one) and its report if there is one, asks the target what the run's unended tasks
//! created, and removes those VMs and every VM carrying the run's prefix.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::harness_failure;
use crate::lab::ledger::{LEDGER_FILE, Ledger, LedgerEntry, Outstanding, outstanding};
use crate::lab::sweep::{SweepReport, sweep};
use crate::model::Auth;
use crate::report::RunReport;
use crate::runner::runtime::runtime;
use crate::suite::vm_api::ClientVmApi;
use crate::suite::{Context, SuiteConfig};

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// The report directory of the run to clean up after (its ledger.jsonl and report.json).
    #[arg(long, required_unless_present = "prefix")]
    pub report: Option<PathBuf>,
    /// Remove every VM whose name starts with this run prefix (e.g. snapconf-1a2b); taken from
    /// the report when not given.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Base URL of the target (taken from the report when it names a remote target).
    #[arg(long)]
    pub target: Option<String>,
    /// The lab fixture (its administrator principal and credentials are used).
    #[arg(long)]
    pub fixture: Option<PathBuf>,
    #[arg(long)]
    pub insecure: bool,
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Show what would be removed, and remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// What the run left, as its files tell it.
struct Leftovers {
    outstanding: Outstanding,
    accounted: BTreeSet<String>,
    prefix: Option<String>,
    target: Option<String>,
}

pub(super) fn run(a: CleanupArgs) -> ExitCode {
    let left = match leftovers(&a) {
        Ok(l) => l,
        Err(e) => return harness_failure(format!("{e:#}")),
    };
    let Some(target) = left.target.clone() else {
        return harness_failure(
            "no target: pass --target (the report names none, or names the embedded mock)",
        );
    };
    if left.prefix.as_deref().is_none_or(str::is_empty)
        && left.outstanding == Outstanding::default()
    {
        return harness_failure(
            "nothing to look for: the ledger lists nothing and no prefix is known (pass --prefix)",
        );
    }
    let mut config = SuiteConfig::new();
    config.target = Some(target);
    config.fixture = super::args::fixture(&a.fixture);
    config.insecure = a.insecure;
    config.ca_cert = a.ca_cert.clone();
    let ctx = match Context::start(config) {
        Ok(c) => c,
        Err(e) => return harness_failure(e),
    };
    let api = ClientVmApi {
        client: &ctx.client,
        admin: Auth::Principal(ctx.admin()),
    };
    let report = runtime().block_on(sweep(
        &api,
        &left.outstanding,
        left.prefix.as_deref(),
        &left.accounted,
        a.dry_run,
    ));
    runtime().block_on(ctx.client.logout_all());
    print_report(&report, a.dry_run);
    if !report.listed {
        return harness_failure("the target's VM list could not be read");
    }
    if report.left.is_empty() && report.running_tasks.is_empty() || a.dry_run {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn leftovers(a: &CleanupArgs) -> anyhow::Result<Leftovers> {
    let mut l = Leftovers {
        outstanding: Outstanding::default(),
        accounted: BTreeSet::new(),
        prefix: a.prefix.clone(),
        target: a.target.clone(),
    };
    let Some(dir) = &a.report else {
        return Ok(l);
    };
    let ledger = dir.join(LEDGER_FILE);
    let report = read_report(&dir.join("report.json"))?;
    if !ledger.exists() && report.is_none() {
        anyhow::bail!(
            "{}: neither {LEDGER_FILE} nor report.json is there: not a report directory of a run",
            dir.display()
        );
    }
    if ledger.exists() {
        let entries = Ledger::load(&ledger)?;
        l.outstanding = outstanding(&entries);
        l.accounted = entries
            .iter()
            .filter_map(|e| match e {
                LedgerEntry::Created { vm, .. } => Some(vm.clone()),
                _ => None,
            })
            .collect();
    }
    if let Some(r) = report {
        // A report written at the end of a run lists what its own cleanup could not remove.
        for line in &r.cleanup.left {
            if let Some((vm, _)) = line.split_once(": ")
                && vm.starts_with("vm-")
            {
                l.outstanding.vms.insert(vm.to_owned());
            }
        }
        if l.prefix.is_none() && !r.cleanup.prefix.is_empty() {
            l.prefix = Some(r.cleanup.prefix.clone());
        }
        if l.target.is_none() && r.target.kind == "remote" {
            l.target = Some(r.target.url.clone());
        }
    }
    Ok(l)
}

fn read_report(path: &Path) -> anyhow::Result<Option<RunReport>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let r = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a report.json", path.display()))?;
    Ok(Some(r))
}

fn print_report(r: &SweepReport, dry_run: bool) {
    if dry_run {
        println!("would remove: {}", list(r.would_remove.iter()));
    } else {
        println!("removed: {}", list(r.removed.iter()));
    }
    if !r.left.is_empty() {
        println!("left:");
        for (vm, why) in &r.left {
            println!("  {vm}: {why}");
        }
    }
    if !r.running_tasks.is_empty() {
        println!(
            "tasks still running (run cleanup again when they end): {}",
            list(r.running_tasks.iter())
        );
    }
    if !r.unresolved_names.is_empty() {
        println!(
            "restores sent without a known answer, no VM found by name (check by hand): {}",
            list(r.unresolved_names.iter())
        );
    }
}

fn list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = items.map(String::as_str).collect();
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

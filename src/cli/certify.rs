//! `snapservice-conformance certify`: the suite against a target, with reports.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use super::args::CertifyArgs;
use super::harness_failure;
use crate::report::{self, Redactor};
use crate::suite::run::{Progress, RunOptions, partial_report, run_suite};
use crate::suite::{Context, PlannedTrial, SuiteConfig, SuiteDir, TrialResult};

pub(super) fn run(a: CertifyArgs) -> ExitCode {
    let config = match config_from(&a) {
        Ok(c) => c,
        Err(e) => return harness_failure(e),
    };
    let filter = match a.clauses.as_deref().map(glob::Pattern::new).transpose() {
        Ok(f) => f,
        Err(e) => return harness_failure(format!("--clauses: {e}")),
    };
    let deviations = match a
        .deviations
        .as_deref()
        .map(report::load_deviations)
        .transpose()
    {
        Ok(d) => d.unwrap_or_default(),
        Err(e) => return harness_failure(e),
    };
    // A missing or empty scenario directory is a bad flag (exit 2); a broken scenario file is
    // the failing trial `FMT-1::scenario::load-error`, as under `cargo test`.
    use crate::suite::scenario::{ScenarioError, load_all};
    if let Err(e @ (ScenarioError::Read { .. } | ScenarioError::Empty(_))) =
        load_all(&config.suite_dir)
    {
        return harness_failure(e);
    }
    let mut ctx = match Context::start(config) {
        Ok(c) => c,
        Err(e) => return harness_failure(e),
    };
    if ctx.mock.is_none()
        && let Err(e) = crate::suite::preflight::check(&mut ctx)
    {
        return harness_failure(e);
    }
    let ctx = Arc::new(ctx);
    if a.dry_run {
        return dry_run(&ctx, filter.as_ref());
    }
    watch_ctrl_c(ctx.clone(), a.report.clone());
    let opts = RunOptions {
        filter,
        // Trials against one real lab share its restore limit and names: one at a time there.
        // On the embedded mock each trial gets its own mock, so they may run side by side.
        jobs: if ctx.mock.is_some() { a.jobs } else { 1 },
    };
    let progress = Bar::new();
    let mut report = run_suite(&ctx, &opts, &progress);
    progress.done();
    crate::runner::runtime::runtime().block_on(ctx.client.logout_all());

    report::apply_deviations(&mut report, &deviations, report::deviations::today_utc());
    let secrets = secrets_of(&ctx);
    let redactor = Redactor::new(secrets.clone());
    let files = match report::write_all(&a.report, &report, &redactor) {
        Ok(f) => f,
        Err(e) => {
            return harness_failure(format!(
                "cannot write reports to {}: {e}",
                a.report.display()
            ));
        }
    };
    if !a.no_bundle
        && let Err(e) = write_bundle(&a.report, &files, &ctx, &secrets)
    {
        return harness_failure(format!("cannot write the results bundle: {e:#}"));
    }
    println!("{}", report::matrix::render(&report, &redactor));
    // What a person acts on: each failed clause's first (shrunk) failure, standing alone.
    print!("{}", report::first_failures::render(&report, &redactor));
    println!("{}", report::matrix::summary_line(&report));
    println!("reports: {}", a.report.display());
    let budget = ctx.lab.budget();
    // Against a remote target every request goes through this one client (on the embedded
    // mock each trial has its own, so the count would say little).
    if ctx.mock.is_none() {
        println!(
            "lab: {} requests, {} restores sent (budget {}), {} accepted, {:.1} s",
            ctx.client.requests_sent(),
            budget.used(),
            budget
                .limit()
                .map_or_else(|| "unlimited".to_owned(), |l| l.to_string()),
            report.cleanup.tasks.len(),
            report.duration_s
        );
    }
    if report::exit_failures(&report) > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The bundle, with the fixture the run used (a file, or the built-in default).
fn write_bundle(
    dir: &std::path::Path,
    files: &[std::path::PathBuf],
    ctx: &Context,
    secrets: &[String],
) -> anyhow::Result<()> {
    let text = ctx.config.fixture.text()?;
    let name = match &ctx.config.fixture {
        crate::suite::Fixture::File(p) => p.clone(),
        crate::suite::Fixture::Embedded => crate::suite::sources::DEFAULT_FIXTURE.into(),
    };
    let fixture = report::FixtureFile {
        name: &name,
        text: &text,
    };
    report::write_bundle(dir, files, fixture, secrets)?;
    Ok(())
}

fn config_from(a: &CertifyArgs) -> anyhow::Result<SuiteConfig> {
    let mut c = SuiteConfig::new();
    c.target = a.target.clone();
    c.snapservice = a.snapservice.clone();
    c.vcenter = a.vcenter.clone();
    c.vcenter_ca_cert = a.vcenter_ca_cert.clone();
    c.fixture = super::args::fixture(&a.fixture);
    if let Some(d) = &a.suite_dir {
        c.suite_dir = SuiteDir::Dir(d.clone());
    }
    c.insecure = a.insecure;
    c.ca_cert = a.ca_cert.clone();
    if let Some(s) = a.seed {
        c.seed = s;
    }
    if let Some(n) = a.cases {
        c.cases = n;
    }
    c.strict = a.strict;
    a.lab.apply(&mut c);
    c.budget = a.budget;
    // The ledger goes next to the report, line by line, so a killed run still says what it
    // started; a dry run writes nothing.
    if !a.dry_run {
        c.ledger_dir = Some(a.report.clone());
    }
    c.keep = a.keep;
    c.defects = a.defects.clone();
    c.persist_failures = false;
    c.replay_dir = Some(a.report.join("replay"));
    c.wire = a.wire;
    if let Some(p) = &a.jsonrpc_path {
        if !p.starts_with('/') {
            anyhow::bail!("--jsonrpc-path must start with `/` (e.g. /api or /snapservice)");
        }
        c.jsonrpc_path = Some(p.clone());
    }
    if (c.target.is_some() || c.snapservice.is_some() || c.vcenter.is_some())
        && !a.defects.is_empty()
    {
        anyhow::bail!("--defect applies to the embedded mock only (drop --target)");
    }
    if a.jobs == 0 {
        anyhow::bail!("--jobs must be at least 1");
    }
    Ok(c)
}

/// Prints, for every selected trial, the mutating requests it would send; sends nothing but the
/// login (to resolve the target) — and not even that with the embedded mock. The preflight's
/// sessions are logged out again, so a dry run leaves nothing behind on the target.
fn dry_run(ctx: &Context, filter: Option<&glob::Pattern>) -> ExitCode {
    let selected = crate::suite::run::select(ctx, filter);
    let plan = crate::suite::lab_plan::plan(ctx, &selected);
    for line in crate::suite::lab_plan::describe(ctx, &selected, &plan) {
        println!("{line}");
    }
    for line in crate::suite::dry_run::lines(ctx, filter) {
        println!("{line}");
    }
    crate::runner::runtime::runtime().block_on(ctx.client.logout_all());
    ExitCode::SUCCESS
}

/// Secrets the reports must not carry: the fixture's passwords and every session obtained.
fn secrets_of(ctx: &Context) -> Vec<String> {
    let mut secrets = ctx.world.secrets();
    secrets.extend(ctx.client.issued_secrets());
    secrets
}

/// The first Ctrl-C stops new work: no case starts, started tasks are followed for up to the
/// drain timeout, VMs are removed and the report is written as usual. The second gives up:
/// a partial report naming what is left behind is written to `dir`, and the process exits 130.
fn watch_ctrl_c(ctx: Arc<Context>, dir: PathBuf) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        while rt.block_on(tokio::signal::ctrl_c()).is_ok() {
            if ctx.lab.stop.interrupt() == 1 {
                eprintln!(
                    "interrupted: no new case starts; following started tasks for up to {}, then cleaning up and writing the report (Ctrl-C again to stop now)",
                    humantime::format_duration(ctx.config.lab.drain_timeout)
                );
                continue;
            }
            let report = partial_report(&ctx);
            let redactor = Redactor::new(secrets_of(&ctx));
            let written = report::write_all(&dir, &report, &redactor);
            eprintln!(
                "aborted: {} left behind{}",
                report.cleanup.left.len(),
                match written {
                    Ok(_) => format!("; partial report in {}", dir.display()),
                    Err(e) => format!("; the partial report could not be written: {e}"),
                }
            );
            for l in &report.cleanup.left {
                eprintln!("  left: {}", redactor.redact(l));
            }
            std::process::exit(i32::from(crate::lab::stop::EXIT_ABORTED));
        }
    });
}

/// A progress bar on a terminal, plain lines otherwise (CI logs).
struct Bar {
    bar: Option<indicatif::ProgressBar>,
}

impl Bar {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        Bar { bar }
    }

    fn done(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn started(&self, total: usize) {
        match &self.bar {
            Some(b) => b.set_length(total as u64),
            None => eprintln!("running {total} trials"),
        }
    }

    fn finished(&self, trial: &PlannedTrial, result: &TrialResult) {
        let status = match &result.outcome {
            crate::report::TrialOutcome::Passed => "ok",
            crate::report::TrialOutcome::Failed { .. } => "FAILED",
            crate::report::TrialOutcome::Ignored { .. } => "ignored",
            crate::report::TrialOutcome::NotRun { .. } => "not run",
        };
        match &self.bar {
            Some(b) => {
                b.inc(1);
                b.set_message(format!("{} {status}", trial.name));
            }
            None => eprintln!("trial {} ... {status} ({} cases)", trial.name, result.cases),
        }
    }
}

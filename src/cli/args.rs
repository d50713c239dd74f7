//! Command-line arguments (clap derive). The flags of `certify` and `mock` are a contract
//! (`design.md`): add, never rename.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "snapservice-conformance",
    version,
    about = "Conformance harness for the vSphere Snapservice restore API"
)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance suite against a target (the embedded mock by default) and write reports.
    Certify(Box<CertifyArgs>),
    /// Serve the mock vCenter.
    Mock(MockArgs),
    /// Re-run a recorded case (a replay file written by certify) against a target.
    Replay(ReplayArgs),
    /// Print the clause catalog with each clause's trials.
    Clauses(ClausesArgs),
    /// Print an OpenAPI 3.1 document of the restore operation and the endpoints the mock serves.
    Openapi,
    /// Run the suite against the mock with each defect mode and print the mutation score.
    Score(ScoreArgs),
    /// Read a live deployment and write a fixture describing it, or prove a fixture against it.
    Discover(super::discover::DiscoverArgs),
    /// Remove what a stopped run left on a target (its ledger, its unended tasks, its prefix).
    Cleanup(super::cleanup::CleanupArgs),
}

#[derive(Debug, Args, Clone)]
pub struct CertifyArgs {
    /// Base URL of the target (https://vc.lab) serving both roles; without it (and without
    /// --snapservice, --vcenter or URLs in the fixture's [target]) the embedded mock is started.
    #[arg(long)]
    pub target: Option<String>,
    /// Base URL of the snapservice appliance, when it is not --target's.
    #[arg(long)]
    pub snapservice: Option<String>,
    /// Base URL of vCenter, when it is not --target's.
    #[arg(long)]
    pub vcenter: Option<String>,
    /// The world: the mock's state, or a description of the lab [default:
    /// fixtures/default.toml when it exists here, else the copy built into the binary].
    #[arg(long)]
    pub fixture: Option<PathBuf>,
    /// The suite directory: example scenarios in `scenarios/*.toml` [default: ./suites when
    /// ./suites/scenarios exists, else the copies built into the binary].
    #[arg(long)]
    pub suite_dir: Option<PathBuf>,
    /// Directory for report.json, junit.xml, report.md, report.html and the bundle.
    #[arg(long, default_value = "reports")]
    pub report: PathBuf,
    /// Skip TLS certificate verification (recorded in the report).
    #[arg(long)]
    pub insecure: bool,
    /// Trust the certificates of this PEM bundle (one or several) in addition to the system
    /// roots, on every endpoint.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Trust the certificates of this PEM bundle on the vCenter endpoint only.
    #[arg(long)]
    pub vcenter_ca_cert: Option<PathBuf>,
    /// Seed for case generation (decimal or 0x hex).
    #[arg(long, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Generated cases per property.
    #[arg(long)]
    pub cases: Option<u32>,
    /// Only trials whose name matches this glob (e.g. 'AUTHZ-*' or 'INV-1::*').
    #[arg(long)]
    pub clauses: Option<String>,
    /// The lab rules: restore budget, pacing, task patience, concurrency, timeouts.
    #[command(flatten)]
    pub lab: super::lab_flags::LabArgs,
    /// Time budget of the whole run; trials that do not fit are reported as not run.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub budget: Option<Duration>,
    /// Hold the target to the mock's choice wherever the documentation allows several answers.
    #[arg(long)]
    pub strict: bool,
    /// Trials run at once on the embedded mock (each has its own mock; a remote target runs
    /// one at a time). Trials mostly wait on task polls, so more than the core count pays.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    /// Known deviations file (TOML): accepted failures per clause or trial, with reasons.
    #[arg(long)]
    pub deviations: Option<PathBuf>,
    /// Print the planned restores and requests and every mutating request the run would
    /// send, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Keep the VMs the run restores instead of deleting them.
    #[arg(long)]
    pub keep: bool,
    /// Defect modes for the embedded mock (repeatable).
    #[arg(long = "defect")]
    pub defects: Vec<String>,
    /// Do not write the results bundle (.tar.gz).
    #[arg(long)]
    pub no_bundle: bool,
    /// The wire form: `rest`, or `jsonrpc` (vAPI JSON-RPC 2.0, the official bindings' form)
    /// [default: the fixture's `[target] wire`, else rest].
    #[arg(long, value_parser = parse_wire)]
    pub wire: Option<crate::runner::Wire>,
    /// Path of the JSON-RPC endpoint: `/api` (8.0U3) or `/snapservice` (9.0) [default: the
    /// fixture's `[target] jsonrpc_path`, else /api].
    #[arg(long)]
    pub jsonrpc_path: Option<String>,
}

#[derive(Debug, Args)]
pub struct MockArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// The mock's world [default: fixtures/default.toml when it exists here, else the copy
    /// built into the binary].
    #[arg(long)]
    pub fixture: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS with a self-signed certificate.
    #[arg(long)]
    pub plain_http: bool,
    /// Break one documented promise on purpose (repeatable); `--defect list` prints them.
    #[arg(long = "defect")]
    pub defects: Vec<String>,
    /// Answer the /__mock/ control plane from non-loopback addresses too.
    #[arg(long)]
    pub allow_remote_control: bool,
    /// Write the self-signed certificate (PEM) here, for clients that pin it.
    #[arg(long)]
    pub cert_out: Option<PathBuf>,
    /// Play a real deployment: the snapservice role on --listen, the vCenter role (sessions,
    /// VM API, cis tasks, the SSO STS) on --vcenter-listen. Prints both base URLs.
    #[arg(long)]
    pub split: bool,
    /// The vCenter listener with --split (default: a free port on --listen's address).
    #[arg(long, requires = "split")]
    pub vcenter_listen: Option<SocketAddr>,
    /// The longest lifetime the STS grants a SAML token (e.g. 30m, 5s).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "30m")]
    pub token_lifetime: Duration,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A replay file (JSON) from a certify report directory.
    pub file: PathBuf,
    #[arg(long)]
    pub target: Option<String>,
    /// [default: fixtures/default.toml when it exists here, else the built-in copy]
    #[arg(long)]
    pub fixture: Option<PathBuf>,
    #[arg(long)]
    pub insecure: bool,
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    #[arg(long = "defect")]
    pub defects: Vec<String>,
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct ClausesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The suite directory whose scenarios are listed [default: ./suites when it has
    /// scenarios, else the built-in copies].
    #[arg(long)]
    pub suite_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Only these defects (default: all).
    #[arg(long = "defect")]
    pub defects: Vec<String>,
    #[arg(long)]
    pub cases: Option<u32>,
    #[arg(long, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Also run the conforming mock over this many seeds (false-positive check).
    #[arg(long, default_value_t = 0)]
    pub clean_seeds: u32,
    /// Print a Markdown table (for the README).
    #[arg(long)]
    pub markdown: bool,
    /// Score the suite over this wire form (`rest` or `jsonrpc`); on jsonrpc the defects that
    /// only break REST promises are left out.
    #[arg(long, value_parser = parse_wire, default_value = "rest")]
    pub wire: crate::runner::Wire,
}

fn parse_wire(s: &str) -> anyhow::Result<crate::runner::Wire> {
    crate::runner::Wire::parse(s)
        .ok_or_else(|| anyhow::anyhow!("`{s}` is not a wire form: use `rest` or `jsonrpc`"))
}

fn parse_seed(s: &str) -> anyhow::Result<u64> {
    crate::suite::config::parse_seed(s).ok_or_else(|| anyhow::anyhow!("`{s}` is not a number"))
}

/// `--fixture FILE`, or the default for where the binary runs.
pub(super) fn fixture(flag: &Option<PathBuf>) -> crate::suite::Fixture {
    flag.clone().map_or_else(
        crate::suite::Fixture::default_here,
        crate::suite::Fixture::File,
    )
}

//! `snapservice-conformance mock`: serve the mock vCenter until Ctrl-C.

use std::io::Write as _;
use std::process::ExitCode;

use super::args::MockArgs;
use super::harness_failure;
use crate::mock::{Defect, MockOptions, MockServer};

pub(super) fn run(a: MockArgs) -> ExitCode {
    if a.defects.iter().any(|d| d == "list") {
        for d in Defect::all() {
            println!(
                "{:<32} {:<24} {}",
                d.name(),
                d.clauses()
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                d.description()
            );
        }
        return ExitCode::SUCCESS;
    }
    let fixture = super::args::fixture(&a.fixture);
    let world = match fixture.load() {
        Ok(w) => w,
        Err(e) => return harness_failure(e),
    };
    let mut opts = MockOptions::new(world);
    opts.tls = !a.plain_http;
    opts.listen = a.listen;
    opts.allow_remote_control = a.allow_remote_control;
    opts.split = a.split;
    opts.vcenter_listen = a.vcenter_listen;
    opts.token_lifetime = a.token_lifetime;
    for d in &a.defects {
        match Defect::parse(d) {
            Some(x) => opts.defects.push(x),
            None => {
                return harness_failure(format!(
                    "unknown defect `{d}` (`--defect list` prints them)"
                ));
            }
        }
    }
    let server = match MockServer::start(opts) {
        Ok(s) => s,
        Err(e) => return harness_failure(format!("cannot start the mock on {}: {e}", a.listen)),
    };
    // The base URL is the first line of stdout: scripts read it to find the mock. Split, the
    // second line is the vCenter base URL.
    println!("{}", server.base_url());
    if a.split {
        println!("{}", server.vcenter_url());
    }
    let _ = std::io::stdout().flush();
    if let (Some(path), Some(pem)) = (&a.cert_out, server.ca_pem())
        && let Err(e) = std::fs::write(path, pem)
    {
        return harness_failure(format!("cannot write {}: {e}", path.display()));
    }
    if a.split {
        eprintln!(
            "mock serving snapservice {} and vCenter {} (fixture {}); Ctrl-C stops it",
            server.base_url(),
            server.vcenter_url(),
            fixture.name()
        );
    } else {
        eprintln!(
            "mock serving {} (fixture {}); Ctrl-C stops it",
            server.base_url(),
            fixture.name()
        );
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return harness_failure(e),
    };
    let _ = rt.block_on(tokio::signal::ctrl_c());
    server.shutdown();
    ExitCode::SUCCESS
}

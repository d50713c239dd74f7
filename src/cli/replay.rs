//! `snapservice-conformance replay FILE`: one recorded case, sent again, judged again.

use std::process::ExitCode;

use super::args::ReplayArgs;
use super::harness_failure;
use crate::suite::{Context, SuiteConfig};

pub(super) fn run(a: ReplayArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&a.file) {
        Ok(t) => t,
        Err(e) => return harness_failure(format!("{}: {e}", a.file.display())),
    };
    let replay: crate::suite::replay::Replay = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => return harness_failure(format!("{}: not a replay file: {e}", a.file.display())),
    };
    let mut c = SuiteConfig::new();
    c.target = a.target.clone();
    c.fixture = super::args::fixture(&a.fixture);
    c.insecure = a.insecure;
    c.ca_cert = a.ca_cert.clone();
    c.defects = a.defects.clone();
    c.strict = a.strict;
    c.persist_failures = false;
    let ctx = match Context::start(c) {
        Ok(x) => x,
        Err(e) => return harness_failure(e),
    };
    let (summary, failed) = crate::suite::replay::replay(&ctx, &replay);
    println!("{summary}");
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

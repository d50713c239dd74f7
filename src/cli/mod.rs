//! The `snapservice-conformance` command line: `certify`, `mock`, `replay`, `clauses`,
//! `openapi`, `score`, `discover`, `cleanup`.

mod args;
mod certify;
mod cleanup;
mod discover;
mod info;
mod lab_flags;
mod mock;
mod replay;
mod score;

use std::process::ExitCode;

use clap::Parser as _;

pub use args::{Cli, Command};

/// Exit code when the harness itself could not run (bad fixture or flags, unreachable target).
pub const EXIT_HARNESS: u8 = 2;

/// The binary's entry point. Returns an `ExitCode` rather than calling `exit()`, so servers
/// stop and reports flush through their destructors.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    match cli.command {
        Command::Certify(a) => certify::run(*a),
        Command::Mock(a) => mock::run(a),
        Command::Replay(a) => replay::run(a),
        Command::Clauses(a) => info::clauses(a),
        Command::Openapi => info::openapi(),
        Command::Score(a) => score::run(a),
        Command::Discover(a) => discover::run(a),
        Command::Cleanup(a) => cleanup::run(a),
    }
}

/// Logs go to stderr; `RUST_LOG` style filters (`info,hyper=warn`) are honoured without the
/// regex engine (`Targets`).
fn init_tracing(verbose: u8) {
    use tracing_subscriber::prelude::*;
    // rustls logs every refused certificate as an error of its own; at the default level the
    // harness's one-line cause already says it, and a second line would break the exit-2
    // contract ("a one-line cause on stderr").
    let default = match verbose {
        0 => "warn,rustls=off",
        1 => "info",
        _ => "debug",
    };
    let spec = std::env::var("RUST_LOG").unwrap_or_else(|_| default.to_owned());
    let targets: tracing_subscriber::filter::Targets = spec.parse().unwrap_or_else(|_| {
        tracing_subscriber::filter::Targets::new().with_default(tracing::Level::WARN)
    });
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_target(false),
        )
        .with(targets)
        .try_init();
}

/// Prints the one-line cause of a harness failure and returns exit code 2.
fn harness_failure(cause: impl std::fmt::Display) -> ExitCode {
    eprintln!("snapservice-conformance: {cause}");
    ExitCode::from(EXIT_HARNESS)
}

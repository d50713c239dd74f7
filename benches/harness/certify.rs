//! Wall time of the default certification: the release binary's `certify` against the embedded
//! mock it starts itself, reports in a temporary directory.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct CertifyResult {
    pub wall: Duration,
    pub exit: Option<i32>,
    /// Cases run, summed over the report's trials (generated cases plus one per scenario).
    pub trial_cases: u64,
    /// Case-clause pairs: `clauses[].cases` summed (a case exercises several clauses).
    pub clause_cases: u64,
    pub summary: String,
    pub duration_s: f64,
}

pub fn run() -> CertifyResult {
    let dir = tempfile::tempdir().expect("a temporary report directory");
    let manifest = env!("CARGO_MANIFEST_DIR");
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_snapservice-conformance"))
        .current_dir(manifest)
        .arg("certify")
        .arg("--fixture")
        .arg(format!("{manifest}/fixtures/default.toml"))
        .arg("--report")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("certify runs");
    let wall = started.elapsed();
    let text = std::fs::read_to_string(dir.path().join("report.json")).expect("report.json");
    let report: serde_json::Value = serde_json::from_str(&text).expect("report.json is JSON");
    let sum = |key: &str| -> u64 {
        report[key]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["cases"].as_u64()).sum())
            .unwrap_or(0)
    };
    CertifyResult {
        wall,
        exit: status.code(),
        trial_cases: sum("trials"),
        clause_cases: sum("clauses"),
        summary: report["summary"].to_string(),
        duration_s: report["duration_s"].as_f64().unwrap_or(f64::NAN),
    }
}

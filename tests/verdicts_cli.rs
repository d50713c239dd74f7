//! Issue 13's verdicts from the command line: the defects that need no control plane are caught,
//! with exactly their declared clauses, by `certify --target` against `mock --plain-http
//! --defect X`; and a failing certify shows each failed clause's first shrunk failure on the
//! terminal, not only the matrix.
//!
//! Every child is owned by a guard that kills it when dropped. Runs are small (`--cases 8`).

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_snapservice-conformance");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Far above what a run here needs on a busy machine; reaching it means a hang.
const RUN_LIMIT: Duration = Duration::from_secs(240);

struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn show(&self) -> String {
        let tail = |s: &str| {
            let cut = (s.len().saturating_sub(6000)..=s.len())
                .find(|i| s.is_char_boundary(*i))
                .unwrap_or(0);
            s[cut..].to_owned()
        };
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

fn run(args: &[&str]) -> Run {
    let started = Instant::now();
    let child = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut guard = ChildGuard(child);
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(guard.0.stdout.take().map(|s| Box::new(s) as _));
    let err = drain(guard.0.stderr.take().map(|s| Box::new(s) as _));
    let status = loop {
        if let Some(s) = guard.0.try_wait().expect("try_wait works") {
            break s;
        }
        assert!(
            started.elapsed() < RUN_LIMIT,
            "`snapservice-conformance {}` did not end within {RUN_LIMIT:?}",
            args.join(" ")
        );
        std::thread::sleep(Duration::from_millis(25));
    };
    Run {
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("verdicts_cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// `mock --plain-http --listen 127.0.0.1:0 --defect X`, and its base URL.
struct RemoteMock {
    _child: ChildGuard,
    url: String,
}

impl RemoteMock {
    fn start(defect: &str) -> RemoteMock {
        let child = Command::new(BIN)
            .args([
                "mock",
                "--plain-http",
                "--listen",
                "127.0.0.1:0",
                "--fixture",
                "fixtures/default.toml",
                "--defect",
                defect,
            ])
            .current_dir(ROOT)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the mock starts");
        let mut guard = ChildGuard(child);
        let stdout = guard.0.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the mock prints its base URL");
        let url = line.trim().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        RemoteMock { _child: guard, url }
    }
}

fn failed_clauses(report: &Value) -> BTreeSet<String> {
    report["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .filter(|c| c["verdict"] == "fail")
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Runs certify against a remote mock with `defect`; the report and the run.
fn certify_remote(defect: &str) -> (Value, Run) {
    let mock = RemoteMock::start(defect);
    let dir = scratch(defect).join("report");
    let r = run(&[
        "certify",
        "--target",
        &mock.url,
        "--fixture",
        "fixtures/default.toml",
        "--cases",
        "8",
        // The mock ends tasks in milliseconds: lift the lab budget and pacing that protect
        // real labs (tests/lab.rs measures those), so every clause is judged quickly.
        "--max-restores",
        "unlimited",
        "--rate",
        "unlimited",
        "--poll-interval",
        "20ms..500ms",
        "--task-timeout",
        "30s",
        "--report",
        dir.to_str().expect("UTF-8 path"),
    ]);
    let text = std::fs::read_to_string(dir.join("report.json"))
        .unwrap_or_else(|e| panic!("no report.json ({e}): {}", r.show()));
    (serde_json::from_str(&text).expect("report.json is JSON"), r)
}

/// The defect is caught remotely with exactly its declared clauses.
fn caught_remotely(defect: &str, declared: &[&str]) {
    let (report, r) = certify_remote(defect);
    assert_eq!(r.code, Some(1), "{defect}: {}", r.show());
    let want: BTreeSet<String> = declared.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(failed_clauses(&report), want, "{defect}: {}", r.show());
}

#[test]
fn error_messages_empty_is_caught_remotely() {
    caught_remotely("error-messages-empty", &["FMT-1"]);
}

#[test]
fn task_time_not_rfc3339_is_caught_remotely() {
    caught_remotely("task-time-not-rfc3339", &["TASK-2"]);
}

#[test]
fn a_429_at_the_limit_is_caught_remotely() {
    // BUSY-1 from BUSY-2's burst: the default fixture states domain-c8's limit.
    caught_remotely("limit-429", &["BUSY-1", "FMT-4"]);
}

#[test]
fn a_limit_refused_as_invalid_is_caught_remotely() {
    caught_remotely("limit-refused-as-invalid", &["BUSY-1"]);
}

#[test]
fn a_race_loser_refused_as_invalid_is_caught_remotely() {
    caught_remotely("race-loser-as-invalid", &["DUP-3"]);
}

#[test]
fn refusal_side_effects_are_caught_remotely() {
    for defect in [
        "side-effect-later",
        "side-effect-renamed",
        "refusal-starts-task",
    ] {
        caught_remotely(defect, &["REJ-1"]);
    }
}

#[test]
fn a_failing_certify_prints_each_failed_clauses_first_shrunk_failure() {
    let (report, r) = certify_remote("error-messages-empty");
    assert_eq!(r.code, Some(1), "{}", r.show());
    let out = &r.stdout;
    let at = out
        .find("FAILED FMT-1: ")
        .unwrap_or_else(|| panic!("no FAILED line: {}", r.show()));
    let block: String = out[at..].lines().take(12).collect::<Vec<_>>().join("\n");
    for part in [
        "  trial:        FMT-1::",
        "  expected:     ",
        "  observed:     ",
        "messages is empty",
        "  minimal case: valid case ",
        "  reproduce:",
        "curl ",
    ] {
        assert!(block.contains(part), "{part:?} missing in:\n{block}");
    }
    // The one shown is the report's first failure of the clause: its own trial's, shrunk.
    let first = report["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .find(|c| c["id"] == "FMT-1")
        .expect("FMT-1")["failures"][0]
        .clone();
    assert!(
        first["trial"]
            .as_str()
            .is_some_and(|t| t.starts_with("FMT-1::")),
        "{first}"
    );
    let minimal = first["minimal_case"].as_str().expect("minimal case");
    assert!(block.contains(minimal), "{minimal}\n{block}");
    // The matrix is still there, before the failures.
    assert!(out.find("CLAUSE ").is_some_and(|m| m < at), "{}", r.show());
}

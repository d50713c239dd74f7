//! Lab safety end to end (issues 12 and 15), against `mock --plain-http` as a remote target
//! whose tasks take seconds: the restore budget counted by the mock itself, cleanup, Ctrl-C
//! once and twice, the harness's own timeout, and `cargo test`'s conformance target against a
//! remote target. The runs use small budgets, a fast rate and short poll floors so they stay
//! well under a minute each.

mod lab_support;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use lab_support::*;
use serde_json::{Value, json};

/// Flags that keep a remote run quick on the test machine: no pacing, polls from 200 ms.
const FAST: &[&str] = &["--rate", "unlimited", "--poll-interval", "200ms..1s"];

fn no_clause_failed(report: &Value) {
    for (id, verdict) in verdicts(report) {
        assert_ne!(verdict, "fail", "{id}: {}", clause(report, &id));
    }
}

/// Every VM the mock says a task created is in the report's `cleanup.created`.
fn report_lists_every_created_vm(report: &Value, state: &Value) {
    let created: BTreeSet<String> = strings(&report["cleanup"]["created"]).into_iter().collect();
    for t in state["tasks"].as_array().expect("tasks") {
        if let Some(vm) = t["result"].as_str() {
            assert!(
                created.contains(vm),
                "task {} created {vm}, which the report does not list: {}",
                t["task"],
                report["cleanup"]
            );
        }
    }
}

#[test]
fn certify_stays_within_max_restores_and_removes_what_it_made() {
    let mock = RemoteMock::start(&[]);
    mock.settings(json!({"task_duration_ms": 3000}));
    let dir = scratch("max-restores");
    let report = dir.join("report");
    let mut args = vec!["--max-restores", "8", "--cases", "4"];
    args.extend_from_slice(FAST);
    let run = spawn(certify_cmd(&mock, &report, &args)).wait();
    eprintln!(
        "certify --max-restores 8 with 3 s tasks: {:?} wall time",
        run.elapsed
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    let state = mock.state();
    let r = read_json(&report.join("report.json"));
    assert!(
        restores(&state) <= 8,
        "{} restores: {state}",
        restores(&state)
    );
    assert!(restores(&state) >= 1, "{state}");
    assert_eq!(restored_vms(&state), Vec::<String>::new(), "{state}");
    no_clause_failed(&r);
    report_lists_every_created_vm(&r, &state);
    let cleanup = &r["cleanup"];
    assert_eq!(
        strings(&cleanup["created"]),
        strings(&cleanup["removed"]),
        "{cleanup}"
    );
    assert_eq!(strings(&cleanup["left"]), Vec::<String>::new(), "{cleanup}");
    // Every accepted task was recorded, and the ledger next to the report says the same.
    assert_eq!(
        cleanup["tasks"].as_array().map(Vec::len),
        Some(restores(&state)),
        "{cleanup}"
    );
    let ledger = std::fs::read_to_string(report.join("ledger.jsonl")).expect("the ledger");
    assert_eq!(
        ledger.matches("\"event\":\"accepted\"").count(),
        restores(&state)
    );
    // Trials the budget has no room for are not run, never failed.
    let not_run: Vec<&Value> = r["trials"]
        .as_array()
        .expect("trials")
        .iter()
        .filter(|t| t["outcome"].to_string().contains("budget"))
        .collect();
    assert!(!not_run.is_empty(), "8 restores cannot pay for every trial");
}

#[test]
fn a_default_remote_run_spends_at_most_the_default_budget() {
    let mock = RemoteMock::start(&[]);
    mock.settings(json!({"task_duration_ms": 200}));
    let dir = scratch("default-budget");
    let report = dir.join("report");
    // The default budget; fewer cases and no pacing only to keep the refusals quick.
    let mut args = vec!["--cases", "16"];
    args.extend_from_slice(FAST);
    let run = spawn(certify_cmd(&mock, &report, &args)).wait();
    let state = mock.state();
    eprintln!(
        "default budget: {} restores, {:?} wall time",
        restores(&state),
        run.elapsed
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(restores(&state) <= 40, "{} restores", restores(&state));
    // The budget is used, not hoarded: every restoring clause got its share.
    assert!(restores(&state) >= 10, "{} restores", restores(&state));
    assert_eq!(restored_vms(&state), Vec::<String>::new(), "{state}");
    no_clause_failed(&read_json(&report.join("report.json")));
}

/// Starts a certify run with 3 s tasks and waits until the mock has accepted a restore.
fn certify_until_a_task_runs(mock: &RemoteMock, report: &std::path::Path) -> Running {
    mock.settings(json!({"task_duration_ms": 3000}));
    let mut args = vec!["--max-restores", "12", "--cases", "4"];
    args.extend_from_slice(FAST);
    let running = spawn(certify_cmd(mock, report, &args));
    let started = Instant::now();
    while restores(&mock.state()) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no restore within a minute"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    running
}

#[test]
fn one_ctrl_c_drains_cleans_up_and_reports() {
    let mock = RemoteMock::start(&[]);
    let dir = scratch("sigint-once");
    let report = dir.join("report");
    let running = certify_until_a_task_runs(&mock, &report);
    interrupt(running.pid());
    let run = running.wait();
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.show());
    assert!(run.stderr.contains("interrupted"), "{}", run.show());
    let r = read_json(&report.join("report.json"));
    assert!(
        r["interrupted"]
            .as_str()
            .is_some_and(|s| s.contains("Ctrl-C")),
        "{}",
        r["interrupted"]
    );
    no_clause_failed(&r);
    let state = mock.state();
    report_lists_every_created_vm(&r, &state);
    assert_eq!(restored_vms(&state), Vec::<String>::new(), "{state}");
    assert_eq!(strings(&r["cleanup"]["left"]), Vec::<String>::new());
}

#[test]
fn a_second_ctrl_c_exits_130_with_a_partial_report() {
    let mock = RemoteMock::start(&[]);
    let dir = scratch("sigint-twice");
    let report = dir.join("report");
    let running = certify_until_a_task_runs(&mock, &report);
    let pid = running.pid();
    interrupt(pid);
    std::thread::sleep(Duration::from_millis(300));
    interrupt(pid);
    let run = running.wait();
    assert_eq!(run.code, Some(130), "{}", run.show());
    let r = read_json(&report.join("report.json"));
    assert!(
        r["interrupted"]
            .as_str()
            .is_some_and(|s| s.contains("aborted")),
        "{}",
        r["interrupted"]
    );
    // What the mock still holds is named in the partial report: a VM, or the task making it.
    let left = r["cleanup"]["left"].to_string();
    let state = mock.state();
    for t in state["tasks"].as_array().expect("tasks") {
        let vm = t["result"].as_str();
        let still_there = vm.is_none_or(|vm| restored_vms(&state).iter().any(|v| v == vm));
        if still_there {
            let named = left.contains(t["task"].as_str().unwrap_or("?"))
                || vm.is_some_and(|vm| left.contains(vm));
            assert!(named, "task {} is not in {left}", t["task"]);
        }
    }
}

#[test]
fn a_request_timeout_is_inconclusive_and_repeated_ones_are_err1_not_fmt4() {
    let mock = RemoteMock::start(&[]);
    let dir = scratch("timeout");
    // One held answer: the case that met it is inconclusive, nothing fails.
    mock.settings(json!({"task_duration_ms": 100, "restore_delay_ms": 3000}));
    let report = dir.join("one");
    let mut args = vec![
        "--clauses",
        "ACC-1::valid*",
        "--timeout",
        "1s",
        "--cases",
        "4",
        "--max-restores",
        "4",
    ];
    args.extend_from_slice(FAST);
    let run = spawn(certify_cmd(&mock, &report, &args)).wait();
    assert_eq!(run.code, Some(0), "{}", run.show());
    let r = read_json(&report.join("report.json"));
    let acc1 = clause(&r, "ACC-1");
    assert_eq!(acc1["verdict"], "inconclusive", "{acc1}");
    assert!(acc1["reason"].to_string().contains("timeout"), "{acc1}");
    assert_ne!(clause(&r, "FMT-4")["verdict"], "fail");
    // Three held answers in one trial: the target hangs, which is ERR-1's, never FMT-4's.
    mock.settings(json!({"restore_delay_ms": 3000, "restore_delay_count": 3}));
    let report = dir.join("three");
    let run = spawn(certify_cmd(&mock, &report, &args)).wait();
    assert_eq!(run.code, Some(1), "{}", run.show());
    let r = read_json(&report.join("report.json"));
    assert_eq!(
        clause(&r, "ERR-1")["verdict"],
        "fail",
        "{}",
        clause(&r, "ERR-1")
    );
    assert_ne!(clause(&r, "FMT-4")["verdict"], "fail");
}

// ------------------------------------------------------------------ issue 15: cargo test

/// The conformance test target's binary, built next to this one by `cargo test`.
fn conformance_binary() -> std::path::PathBuf {
    let me = std::env::current_exe().expect("the test binary");
    let deps = me.parent().expect("deps directory");
    std::fs::read_dir(deps)
        .expect("deps directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("conformance-") && p.extension().is_none()
        })
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .expect("the conformance target is built (cargo test builds every test target)")
}

/// Runs the conformance target against `mock` as a remote target with the default thread
/// count, with the suite directory in a scratch copy, and returns the run and that copy.
fn cargo_test_against(mock: &RemoteMock, name: &str) -> (Run, std::path::PathBuf) {
    mock.settings(json!({"task_duration_ms": 300}));
    let suite = scratch(name).join("suites");
    std::fs::create_dir_all(suite.join("scenarios")).unwrap();
    std::fs::copy(
        format!("{ROOT}/suites/clauses.toml"),
        suite.join("clauses.toml"),
    )
    .unwrap();
    for e in std::fs::read_dir(format!("{ROOT}/suites/scenarios")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, suite.join("scenarios").join(p.file_name().unwrap())).unwrap();
    }
    let mut cmd = Command::new(conformance_binary());
    cmd.env("SNAPCONF_TARGET", &mock.url)
        .env("SNAPCONF_FIXTURE", format!("{ROOT}/fixtures/default.toml"))
        .env("SNAPCONF_SUITE_DIR", &suite)
        .env("SNAPCONF_CASES", "4")
        .env("SNAPCONF_MAX_RESTORES", "12")
        .env("SNAPCONF_RATE", "unlimited")
        .env("SNAPCONF_POLL_INTERVAL", "100ms..500ms")
        .env_remove("RUST_TEST_THREADS");
    let run = spawn(cmd).wait();
    eprintln!(
        "{name}: cargo test against a remote mock in {:?}",
        run.elapsed
    );
    (run, suite)
}

#[test]
fn cargo_test_against_a_remote_target_keeps_the_lab_rules() {
    let mock = RemoteMock::start(&[]);
    let (run, suite) = cargo_test_against(&mock, "cargo-test-clean");
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(run.stdout.contains("test result: ok"), "{}", run.show());
    let state = mock.state();
    assert!(restores(&state) <= 12, "{} restores", restores(&state));
    assert!(restores(&state) >= 1, "{state}");
    assert_eq!(restored_vms(&state), Vec::<String>::new(), "{state}");
    assert!(!suite.join("regressions").exists(), "seeds were persisted");
}

#[test]
fn cargo_test_against_a_remote_defect_fails_its_declared_clauses() {
    // task-goes-back declares TASK-1: a task read SUCCEEDED is RUNNING on the next read.
    let mock = RemoteMock::start(&["--defect", "task-goes-back"]);
    let (run, suite) = cargo_test_against(&mock, "cargo-test-defect");
    assert_eq!(run.code, Some(101), "{}", run.show());
    let failed: BTreeSet<String> = run
        .stdout
        .lines()
        .filter(|l| l.ends_with("FAILED"))
        .filter_map(|l| l.split_whitespace().find(|w| w.contains("::")))
        .map(|n| n.split("::").next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        failed,
        BTreeSet::from(["TASK-1".to_owned()]),
        "{}",
        run.show()
    );
    assert!(!suite.join("regressions").exists(), "seeds were persisted");
    // The failure message carries the seed and the reproduction instead.
    assert!(run.stdout.contains("SNAPCONF_SEED="), "{}", run.show());
    assert_eq!(restored_vms(&mock.state()), Vec::<String>::new());
}

#[test]
fn cargo_test_with_an_unset_credential_fails_one_setup_trial_and_sends_nothing() {
    let mock = RemoteMock::start(&[]);
    let dir = scratch("cargo-test-preflight");
    let fixture = dir.join("lab.toml");
    let text = std::fs::read_to_string(format!("{ROOT}/fixtures/default.toml")).unwrap();
    let text = text.replacen(
        "password = \"Adm1n!mock-only\"",
        "password_env = \"SNAPCONF_TEST_NEVER_SET\"",
        1,
    );
    assert!(
        text.contains("SNAPCONF_TEST_NEVER_SET"),
        "the admin's password line moved"
    );
    std::fs::write(&fixture, text).unwrap();
    let mut cmd = Command::new(conformance_binary());
    cmd.env("SNAPCONF_TARGET", &mock.url)
        .env("SNAPCONF_FIXTURE", &fixture)
        .env("SNAPCONF_SUITE_DIR", format!("{ROOT}/suites"))
        .env_remove("SNAPCONF_TEST_NEVER_SET")
        .env_remove("RUST_TEST_THREADS");
    let run = spawn(cmd).wait();
    assert_eq!(run.code, Some(101), "{}", run.show());
    let failed: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.ends_with("FAILED"))
        .collect();
    assert_eq!(failed.len(), 1, "{}", run.show());
    assert!(failed[0].contains("SUITE::preflight"), "{}", run.show());
    assert!(
        run.stdout.contains("SNAPCONF_TEST_NEVER_SET"),
        "{}",
        run.show()
    );
    assert_eq!(restores(&mock.state()), 0, "nothing was sent");
}

//! `certify` against a deployment played by `mock --split` (two HTTPS listeners: the
//! snapservice appliance and vCenter, with the vCenter STS): SSO tokens and snapservice
//! sessions pass every clause a one-URL run passes, short-lived tokens are renewed, a wrong
//! password or an unset password variable is exit 2 with a one-line cause.
//!
//! Every child process is owned by a guard that kills it when dropped. Runs are small
//! (`--cases 8`) because the machine is shared.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use snapservice_conformance::model::World;
use snapservice_conformance::report::scan_dir_for_secrets;

const BIN: &str = env!("CARGO_BIN_EXE_snapservice-conformance");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Far above what any run here needs on a busy 2-core machine; reaching it means a hang.
const RUN_LIMIT: Duration = Duration::from_secs(240);
const ADMIN: &str = "administrator@vsphere.local";
const ADMIN_PASSWORD: &str = "Adm1n!mock-only";
const PASSWORD_ENV: &str = "SNAPCONF_DEPLOYMENT_TEST_ADMIN_PASSWORD";
const SEED: &str = "0x5eed";
const CASES: &str = "8";

/// Kills (and reaps) the child when dropped, whether the test passed or panicked.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("deployment_cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// A `mock` child over HTTPS and what it printed: one base URL, or two with `--split`.
struct Mock {
    _child: ChildGuard,
    snapservice: String,
    vcenter: String,
    pem: PathBuf,
}

impl Mock {
    fn start(name: &str, extra: &[&str]) -> Mock {
        let pem = scratch(&format!("mock-{name}")).join("mock.pem");
        let child = Command::new(BIN)
            .args(["mock", "--listen", "127.0.0.1:0", "--cert-out"])
            .arg(&pem)
            .args(["--fixture", "fixtures/default.toml"])
            .args(extra)
            .current_dir(ROOT)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the mock starts");
        let mut guard = ChildGuard(child);
        let mut out = BufReader::new(guard.0.stdout.take().expect("piped stdout"));
        let mut line = || {
            let mut l = String::new();
            out.read_line(&mut l).expect("the mock prints its URLs");
            let l = l.trim().to_owned();
            assert!(l.starts_with("https://127.0.0.1:"), "{l:?}");
            l
        };
        let snapservice = line();
        let vcenter = if extra.contains(&"--split") {
            line()
        } else {
            snapservice.clone()
        };
        // The certificate is written once the listeners are up.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !pem.is_file() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(pem.is_file(), "--cert-out wrote {}", pem.display());
        Mock {
            _child: guard,
            snapservice,
            vcenter,
            pem,
        }
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    report: PathBuf,
}

impl Run {
    fn show(&self) -> String {
        let tail = |s: &str| s[s.len().saturating_sub(3000)..].to_owned();
        format!(
            "exit {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.elapsed,
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }

    fn json(&self) -> Value {
        let text = std::fs::read_to_string(self.report.join("report.json"))
            .unwrap_or_else(|e| panic!("no report.json: {e}\n{}", self.show()));
        serde_json::from_str(&text).expect("report.json is JSON")
    }

    fn verdicts(&self) -> BTreeMap<String, String> {
        self.json()["clauses"]
            .as_array()
            .expect("clauses")
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_owned(),
                    c["verdict"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// Exit 2 with exactly one line on stderr holding every `part`.
    fn assert_harness_failure(&self, parts: &[&str]) {
        assert_eq!(self.code, Some(2), "{}", self.show());
        assert_eq!(self.stderr.trim().lines().count(), 1, "{}", self.show());
        for p in parts {
            assert!(self.stderr.contains(p), "{p}: {}", self.show());
        }
    }
}

/// `certify` with `args`, the admin's password in `PASSWORD_ENV` when `password` is given.
fn certify(name: &str, args: &[&str], password: Option<&str>) -> Run {
    let report = scratch(name).join("report");
    let started = Instant::now();
    let mut cmd = Command::new(BIN);
    cmd.arg("certify")
        .arg("--report")
        .arg(&report)
        .args(["--seed", SEED, "--no-bundle"])
        // The mock ends tasks in milliseconds: lift the lab's restore budget and pacing, which
        // protect real labs (tests/cli.rs measures them), so these runs judge every clause.
        .args(["--max-restores", "unlimited", "--rate", "unlimited"])
        .args(["--poll-interval", "5ms..200ms", "--task-timeout", "20s"])
        .args(args)
        .current_dir(ROOT)
        .env_remove(PASSWORD_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = password {
        cmd.env(PASSWORD_ENV, p);
    }
    let mut guard = ChildGuard(cmd.spawn().expect("certify starts"));
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
        if let Some(s) = guard.0.try_wait().expect("try_wait") {
            break s;
        }
        assert!(
            started.elapsed() < RUN_LIMIT,
            "certify {args:?} did not end within {RUN_LIMIT:?}"
        );
        std::thread::sleep(Duration::from_millis(25));
    };
    Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        elapsed: started.elapsed(),
        report,
    }
}

/// The default fixture with `[target.snapservice]` set to `snapservice`, the task path left to
/// follow the endpoints, and the administrator's password taken from `PASSWORD_ENV` when
/// `password_env`.
fn fixture(name: &str, snapservice: &str, password_env: bool) -> PathBuf {
    let text = std::fs::read_to_string(Path::new(ROOT).join("fixtures/default.toml")).unwrap();
    let mut text = text.replace("task_path = \"/api/cis/tasks\"\n", "");
    if password_env {
        let inline = format!("password = \"{ADMIN_PASSWORD}\"");
        assert!(text.contains(&inline));
        text = text.replacen(&inline, &format!("password_env = \"{PASSWORD_ENV}\""), 1);
    }
    text.push_str(&format!("\n[target.snapservice]\n{snapservice}\n"));
    let path = scratch(&format!("fixture-{name}")).join("lab.toml");
    std::fs::write(&path, text).unwrap();
    World::load(&path).expect("the test fixture loads");
    path
}

fn split_args<'a>(mock: &'a Mock, fixture: &'a Path) -> Vec<&'a str> {
    vec![
        "--snapservice",
        &mock.snapservice,
        "--vcenter",
        &mock.vcenter,
        "--ca-cert",
        mock.pem.to_str().unwrap(),
        "--fixture",
        fixture.to_str().unwrap(),
        "--cases",
        CASES,
    ]
}

/// The verdicts of a one-URL run of the same seed and cases (today's setup), computed once.
fn one_url_verdicts() -> &'static BTreeMap<String, String> {
    static V: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let mock = Mock::start("one-url", &[]);
        let run = certify(
            "one-url",
            &[
                "--target",
                &mock.snapservice,
                "--ca-cert",
                mock.pem.to_str().unwrap(),
                "--fixture",
                "fixtures/default.toml",
                "--cases",
                CASES,
            ],
            None,
        );
        assert_eq!(run.code, Some(0), "{}", run.show());
        let v = run.verdicts();
        assert!(v.values().filter(|x| *x == "pass").count() > 30, "{v:?}");
        v
    })
}

/// Every clause the one-URL run passes passes here too, and nothing fails.
fn assert_passes_what_one_url_passes(run: &Run) {
    assert_eq!(run.code, Some(0), "{}", run.show());
    let here = run.verdicts();
    for (id, verdict) in one_url_verdicts() {
        if verdict == "pass" {
            assert_eq!(
                here.get(id).map(String::as_str),
                Some("pass"),
                "{id}\n{}",
                run.show()
            );
        }
    }
    assert!(here.values().all(|v| v != "fail"), "{here:?}");
    let r = run.json();
    assert_eq!(r["target"]["kind"], "remote");
    // No token or session id in what the run wrote or printed.
    for marker in ["SIGN token", "H4sI"] {
        assert_eq!(
            scan_dir_for_secrets(&run.report, &[marker.to_owned()]),
            Vec::<(PathBuf, String)>::new(),
            "{marker}"
        );
        assert!(
            !run.stdout.contains(marker) && !run.stderr.contains(marker),
            "{marker}"
        );
    }
}

#[test]
fn sso_tokens_pass_every_clause_one_url_passes() {
    let mock = Mock::start("sso", &["--split"]);
    let fx = fixture("sso", "auth = \"sso\"", false);
    let run = certify("sso", &split_args(&mock, &fx), None);
    assert_passes_what_one_url_passes(&run);
}

#[test]
fn snapservice_sessions_pass_every_clause_one_url_passes() {
    let mock = Mock::start("session", &["--split"]);
    let fx = fixture("session", "auth = \"snapservice-session\"", false);
    let run = certify("session", &split_args(&mock, &fx), None);
    assert_passes_what_one_url_passes(&run);
}

/// Tokens that live 5 s, a run that lasts longer: renewed on time, no 401 turns into a
/// failure.
#[test]
fn short_lived_tokens_are_renewed_through_a_longer_run() {
    let mock = Mock::start("short", &["--split", "--token-lifetime", "5s"]);
    let fx = fixture("short", "auth = \"sso\"\ntoken_lifetime = \"5s\"", false);
    let mut args = split_args(&mock, &fx);
    // Enough cases to outlast a few tokens.
    *args.last_mut().unwrap() = "24";
    let run = certify("short", &args, None);
    assert!(
        run.elapsed > Duration::from_secs(7),
        "the run must outlast a token: {:?}",
        run.elapsed
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(
        run.verdicts()
            .values()
            .all(|v| v != "fail" && v != "inconclusive")
    );
}

#[test]
fn a_wrong_password_is_exit_2_naming_the_principal_and_the_flow() {
    let mock = Mock::start("wrong", &["--split"]);
    let fx = fixture("wrong", "auth = \"sso\"", true);
    let run = certify("wrong", &split_args(&mock, &fx), Some("not-the-password"));
    run.assert_harness_failure(&[ADMIN, "sso", "snapservice endpoint"]);
    assert!(!run.stderr.contains("not-the-password"), "{}", run.show());
    assert!(
        !run.report.exists(),
        "no report for a run that could not start"
    );
}

/// The variable is checked before anything is sent: the "endpoints" are a listener of this
/// test that records every connection.
#[test]
fn an_unset_password_variable_is_exit_2_before_any_request() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let fx = fixture("unset", "auth = \"sso\"", true);
    let run = certify(
        "unset",
        &[
            "--target",
            &url,
            "--fixture",
            fx.to_str().unwrap(),
            "--cases",
            CASES,
        ],
        None,
    );
    run.assert_harness_failure(&[ADMIN, PASSWORD_ENV, "not set"]);
    assert!(
        listener.accept().is_err(),
        "a connection reached the target"
    );
}

/// The fixture's `url` alone names the target (no flag), and the split roles get their own
/// endpoints; a half-named deployment is exit 2 saying which endpoint is missing.
#[test]
fn the_fixture_names_the_endpoints() {
    let fx = fixture(
        "half",
        "url = \"https://127.0.0.1:9\"\nauth = \"sso\"",
        false,
    );
    let run = certify("half", &["--fixture", fx.to_str().unwrap()], None);
    run.assert_harness_failure(&["no vCenter endpoint", "--vcenter"]);
}

/// A fixture the target contradicts (a live VM's power state): the object leaves the run, the
/// clauses that relied on it are `inconclusive` with the mismatch as the cause, and nothing is
/// judged a server failure.
#[test]
fn a_fixture_the_target_contradicts_makes_its_clauses_inconclusive() {
    let mock = Mock::start("mismatch", &["--split"]);
    let text = std::fs::read_to_string(fixture("mismatch", "auth = \"sso\"", false)).unwrap();
    let legacy = "name = \"app-legacy\"\nfolder = \"group-v12\"\nhost = \"host-21\"\nresource_pool = \"resgroup-20\"\npower_state = \"POWERED_ON\"";
    assert!(text.contains(legacy), "the default fixture changed");
    let fx = scratch("fixture-mismatch-off").join("lab.toml");
    std::fs::write(
        &fx,
        text.replace(legacy, &legacy.replace("POWERED_ON", "POWERED_OFF")),
    )
    .unwrap();
    let run = certify("mismatch", &split_args(&mock, &fx), None);
    assert_eq!(run.code, Some(0), "{}", run.show());
    let r = run.json();
    for id in ["INV-13", "DUP-1", "AUTHZ-1"] {
        let c = r["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap();
        assert_eq!(c["verdict"], "inconclusive", "{c}");
        let why = c["reason"].as_str().unwrap_or_default();
        assert!(why.contains("vm-102") && why.contains("power_state"), "{c}");
    }
    let v = run.verdicts();
    assert_eq!(
        v["ACC-1"], "pass",
        "restores that need no contradicted object still run"
    );
    assert!(v.values().all(|x| x != "fail"), "{v:?}");
}

/// A lab fixture that leaves `restore_limit` out: the limit is unknown, so the limit clauses
/// are not judged against a default.
#[test]
fn an_unstated_restore_limit_makes_the_limit_clauses_not_exercisable() {
    let mock = Mock::start("limit", &["--split"]);
    let text = std::fs::read_to_string(fixture("limit", "auth = \"sso\"", false)).unwrap();
    let mock_table = "[mock]\ntask_duration_ms = 20        # PENDING -> RUNNING -> SUCCEEDED within this\nsession_idle_timeout_s = 1800\nmax_finished_tasks = 10000\nrestore_limit = 4            # clusters below set their own\n";
    assert!(text.contains(mock_table), "the default fixture changed");
    let lab = text
        .replace(mock_table, "")
        .replace("restore_limit = 2\n", "");
    let fx = scratch("fixture-limit-lab").join("lab.toml");
    std::fs::write(&fx, lab).unwrap();
    let mut args = split_args(&mock, &fx);
    args.extend(["--clauses", "BUSY-*"]);
    let run = certify("limit", &args, None);
    assert_eq!(run.code, Some(0), "{}", run.show());
    let r = run.json();
    let clause = |id: &str| {
        r["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    let busy2 = clause("BUSY-2");
    assert_eq!(busy2["verdict"], "not_exercisable", "{busy2}");
    assert!(
        busy2["reason"].to_string().contains("restore_limit"),
        "{busy2}"
    );
    assert_eq!(clause("BUSY-3")["verdict"], "not_exercisable");
    let trial = r["trials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "BUSY-3::accepted-after-finish")
        .unwrap()
        .to_string();
    assert!(trial.contains("restore_limit"), "{trial}");
    // The same run with the limits stated judges them.
    let stated = fixture("limit-stated", "auth = \"sso\"", false);
    let mut args = split_args(&mock, &stated);
    args.extend(["--clauses", "BUSY-*"]);
    let run = certify("limit-stated", &args, None);
    assert_eq!(run.code, Some(0), "{}", run.show());
    let v = run.verdicts();
    assert_eq!(v["BUSY-2"], "pass", "{v:?}");
    assert_eq!(v["BUSY-3"], "pass", "{v:?}");
}

/// Trust is per endpoint: a bundle given for vCenter only does not make the appliance's
/// certificate trusted.
#[test]
fn a_vcenter_only_ca_bundle_does_not_cover_the_appliance() {
    let mock = Mock::start("ca", &["--split"]);
    let fx = fixture("ca", "auth = \"sso\"", false);
    let args: Vec<&str> = split_args(&mock, &fx)
        .into_iter()
        .map(|a| {
            if a == "--ca-cert" {
                "--vcenter-ca-cert"
            } else {
                a
            }
        })
        .collect();
    let run = certify("ca", &args, None);
    run.assert_harness_failure(&["snapservice endpoint", "Tls"]);
}

//! Helpers of the lab-safety tests: a `mock --plain-http` child with its control plane read and
//! set over a plain TCP socket, and command runs that are killed if they hang.

#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_snapservice-conformance");
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Far above what any run here needs on a busy 2-core machine; reaching it means a hang.
pub const RUN_LIMIT: Duration = Duration::from_secs(240);

/// Kills (and reaps) the child when dropped, whether the test passed or panicked.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a finished command left behind.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn show(&self) -> String {
        let tail = |s: &str| {
            let cut = s.len().saturating_sub(6000);
            let cut = (cut..=s.len())
                .find(|i| s.is_char_boundary(*i))
                .unwrap_or(0);
            s[cut..].to_owned()
        };
        format!(
            "exit {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.elapsed,
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

/// Starts `cmd` with piped output, drained on their own threads.
pub struct Running {
    pub guard: ChildGuard,
    started: Instant,
    out: std::thread::JoinHandle<String>,
    err: std::thread::JoinHandle<String>,
}

pub fn spawn(mut cmd: Command) -> Running {
    let child = cmd
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
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
    Running {
        guard,
        started: Instant::now(),
        out,
        err,
    }
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.guard.0.id()
    }

    /// Waits for the end, at most `RUN_LIMIT` (then the child is killed and the test fails).
    pub fn wait(mut self) -> Run {
        let status = loop {
            if let Some(s) = self.guard.0.try_wait().expect("try_wait works") {
                break s;
            }
            if self.started.elapsed() > RUN_LIMIT {
                drop(self.guard);
                panic!("the command did not end within {RUN_LIMIT:?}; killed");
            }
            std::thread::sleep(Duration::from_millis(25));
        };
        Run {
            code: status.code(),
            stdout: self.out.join().expect("stdout reader"),
            stderr: self.err.join().expect("stderr reader"),
            elapsed: self.started.elapsed(),
        }
    }
}

/// Sends SIGINT to `pid` (as Ctrl-C does) with the system's `kill`.
pub fn interrupt(pid: u32) {
    let ok = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(ok.success(), "kill -INT {pid}");
}

/// A fresh, empty directory under the test target's scratch space.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("lab")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A `mock --plain-http --listen 127.0.0.1:0` child and the base URL from its first line.
pub struct RemoteMock {
    pub url: String,
    _child: ChildGuard,
}

impl RemoteMock {
    pub fn start(extra: &[&str]) -> RemoteMock {
        let child = Command::new(BIN)
            .args([
                "mock",
                "--plain-http",
                "--listen",
                "127.0.0.1:0",
                "--fixture",
                "fixtures/default.toml",
            ])
            .args(extra)
            .current_dir(ROOT)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the mock starts");
        let mut guard = ChildGuard(child);
        let mut line = String::new();
        BufReader::new(guard.0.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the mock prints its base URL");
        RemoteMock {
            url: line.trim().to_owned(),
            _child: guard,
        }
    }

    /// A request to the control plane over a plain TCP socket; returns the status and body.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
        let addr = self.url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).expect("connect to the mock");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).expect("read the answer");
        let (head, rest) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("a status");
        let chunked = head.to_ascii_lowercase().contains("chunked");
        (
            status,
            if chunked {
                dechunk(rest)
            } else {
                rest.to_owned()
            },
        )
    }

    pub fn state(&self) -> Value {
        let (status, body) = self.call("GET", "/__mock/state", None);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("the state is JSON")
    }

    pub fn settings(&self, v: Value) {
        let (status, body) = self.call("PUT", "/__mock/settings", Some(&v));
        assert_eq!(status, 204, "PUT /__mock/settings {v}: {body}");
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// Restores the mock accepted (every accepted restore makes a task).
pub fn restores(state: &Value) -> usize {
    state["tasks"].as_array().map_or(0, Vec::len)
}

/// VMs the mock restored that still exist.
pub fn restored_vms(state: &Value) -> Vec<String> {
    state["vms"]
        .as_array()
        .expect("a VM list")
        .iter()
        .filter(|v| v["restored"] == true)
        .map(|v| v["vm"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Clause verdicts of a report as (id, verdict).
pub fn verdicts(report: &Value) -> Vec<(String, String)> {
    report["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                c["verdict"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

pub fn clause<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no clause {id}"))
}

pub fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .expect("an array")
        .iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect();
    out.sort();
    out
}

/// `certify` against `mock` with the fast lab settings these tests use, plus `extra`.
pub fn certify_cmd(mock: &RemoteMock, report: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "certify",
        "--target",
        &mock.url,
        "--fixture",
        "fixtures/default.toml",
        "--report",
        report.to_str().expect("UTF-8 path"),
        "--no-bundle",
    ])
    .args(extra);
    cmd
}

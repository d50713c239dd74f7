//! `cleanup --report DIR`: what a killed run left on a target is removed, and nothing else.
//! The test plays a run killed in the middle: it restores VMs on a `mock --plain-http` the way a
//! run would, writes the ledger such a run leaves (one VM known, one task whose VM was never
//! learned), adds a prefixed VM the ledger never heard of and an unrelated VM, then cleans up.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_snapservice-conformance");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const ADMIN: (&str, &str) = ("administrator@vsphere.local", "Adm1n!mock-only");
const PREFIX: &str = "snapconf-dead";

struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_mock() -> (ChildGuard, String) {
    let mut child = Command::new(BIN)
        .args(["mock", "--plain-http", "--listen", "127.0.0.1:0"])
        .args(["--fixture", "fixtures/default.toml"])
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the mock starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the base URL");
    (ChildGuard(child), line.trim().to_owned())
}

struct Api {
    http: reqwest::Client,
    base: String,
    session: String,
}

impl Api {
    async fn login(base: &str) -> Api {
        snapservice_conformance::mock::install_crypto_provider();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", ADMIN.0, ADMIN.1));
        let r = http
            .post(format!("{base}/api/session"))
            .header("Authorization", format!("Basic {basic}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let session: String = r.json().await.unwrap();
        Api {
            http,
            base: base.to_owned(),
            session,
        }
    }

    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .header("vmware-api-session-id", &self.session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Restores vm-42 under `name`; returns the task id.
    async fn restore(&self, name: &str) -> String {
        let r = self
            .http
            .post(format!(
                "{}/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true",
                self.base
            ))
            .header("vmware-api-session-id", &self.session)
            .json(&json!({"snapshot": "snap-42-b", "name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        r.json().await.unwrap()
    }

    async fn wait_vm(&self, task: &str) -> String {
        for _ in 0..500 {
            let info = self.get(&format!("/api/cis/tasks/{task}")).await;
            if info["status"] == "SUCCEEDED" {
                return info["result"].as_str().unwrap().to_owned();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("task {task} never ended");
    }

    async fn names(&self) -> Vec<String> {
        let list = self.get("/api/vcenter/vm").await;
        let mut v: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    }
}

fn cleanup(url: &str, dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .args([
            "cleanup",
            "--report",
            dir.to_str().unwrap(),
            "--target",
            url,
        ])
        .args(["--prefix", PREFIX, "--fixture", "fixtures/default.toml"])
        .args(extra)
        .current_dir(ROOT)
        .output()
        .expect("cleanup runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cleanup_removes_what_a_killed_run_left_and_nothing_else() {
    let (_mock, url) = start_mock();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let api = rt.block_on(Api::login(&url));
    let (known_task, known_vm, lost_task) = rt.block_on(async {
        let t1 = api.restore(&format!("{PREFIX}-known")).await;
        let vm1 = api.wait_vm(&t1).await;
        // The run was killed before it learned this task's VM.
        let t2 = api.restore(&format!("{PREFIX}-lost-task")).await;
        api.wait_vm(&t2).await;
        // A VM with the run's prefix the ledger never heard of, and one that is not the run's.
        let t3 = api.restore(&format!("{PREFIX}-unrecorded")).await;
        api.wait_vm(&t3).await;
        (t1, vm1, t2)
    });
    let dir = tempfile::tempdir().unwrap();
    let ledger = [
        json!({"event":"accepted","trial":"ACC-1::valid-restore-accepted","task":known_task,"cluster":"domain-c8","name":format!("{PREFIX}-known")}),
        json!({"event":"created","vm":known_vm,"task":known_task}),
        json!({"event":"accepted","trial":"POST-2::given-name","task":lost_task,"cluster":"domain-c8","name":format!("{PREFIX}-lost-task")}),
    ]
    .iter()
    .map(|v| v.to_string() + "\n")
    .collect::<String>();
    std::fs::write(dir.path().join("ledger.jsonl"), ledger).unwrap();
    let before = rt.block_on(api.names());
    let ours: Vec<&String> = before.iter().filter(|n| n.starts_with(PREFIX)).collect();
    assert_eq!(ours.len(), 3, "{before:?}");

    let (code, out, err) = cleanup(&url, dir.path(), &["--dry-run"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("would remove: "))
        .unwrap_or_default();
    assert_eq!(line.matches("vm-").count(), 3, "{out}");
    assert_eq!(
        rt.block_on(api.names()),
        before,
        "a dry run removes nothing"
    );

    let (code, out, err) = cleanup(&url, dir.path(), &[]);
    assert_eq!(code, Some(0), "{out}{err}");
    let after = rt.block_on(api.names());
    assert!(
        after.iter().all(|n| !n.starts_with(PREFIX)),
        "left: {after:?}\n{out}"
    );
    assert_eq!(
        after.len(),
        before.len() - 3,
        "only the run's VMs went: {after:?}"
    );
    assert!(!err.contains(ADMIN.1), "no password on stderr");
}

#[test]
fn cleanup_without_a_ledger_or_report_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = cleanup("http://127.0.0.1:9", dir.path(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a report directory"), "{err}");
}

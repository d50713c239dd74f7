//! `snapservice-conformance discover` end to end, against an in-process mock over HTTPS: the
//! fixture it writes, `--check`, and the exit-2 contract (one line on stderr) for each way it
//! cannot run. Secrets never reach its output.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use snapservice_conformance::mock::{MockOptions, MockServer};
use snapservice_conformance::model::World;

const BIN: &str = env!("CARGO_BIN_EXE_snapservice-conformance");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const USER: &str = "administrator@vsphere.local";
const PASSWORD: &str = "Adm1n!mock-only";
const PASSWORD_ENV: &str = "SNAPCONF_DISCOVER_TEST_PASSWORD";

/// One HTTPS mock of the default fixture for every test, and its certificate as a file.
fn mock() -> &'static (MockServer, PathBuf) {
    static MOCK: OnceLock<(MockServer, PathBuf)> = OnceLock::new();
    MOCK.get_or_init(|| {
        let world = World::load(&Path::new(ROOT).join("fixtures/default.toml")).unwrap();
        let server = MockServer::start(MockOptions::new(world)).unwrap();
        let pem = scratch("ca").join("mock.pem");
        std::fs::write(&pem, server.ca_pem().expect("an HTTPS mock")).unwrap();
        (server, pem)
    })
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("discover_cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn show(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Exit 2 with exactly one line on stderr that contains `cause`.
    fn assert_harness_failure(&self, cause: &str) {
        assert_eq!(self.code, Some(2), "{}", self.show());
        assert_eq!(self.stderr.lines().count(), 1, "{}", self.show());
        assert!(self.stderr.contains(cause), "{}", self.show());
    }
}

/// Runs `discover` with the password variable set (unless `password` is `None`). The mock
/// answers within milliseconds; the per-request timeout bounds a hang.
fn discover(args: &[&str], password: Option<&str>) -> Run {
    let mut c = Command::new(BIN);
    c.arg("discover")
        .args([
            "--user",
            USER,
            "--password-env",
            PASSWORD_ENV,
            "--timeout",
            "20s",
        ])
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .env_remove(PASSWORD_ENV);
    if let Some(p) = password {
        c.env(PASSWORD_ENV, p);
    }
    let out = c.output().expect("the binary runs");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD),
        "{}",
        run.show()
    );
    run
}

fn ca() -> String {
    mock().1.display().to_string()
}

#[test]
fn discover_writes_a_fixture_of_the_mocks_world() {
    let (server, _) = mock();
    let out = scratch("write").join("lab.toml");
    let out_s = out.display().to_string();
    let r = discover(
        &[
            "--target",
            server.base_url(),
            "--ca-cert",
            &ca(),
            "--fixture-out",
            &out_s,
        ],
        Some(PASSWORD),
    );
    assert_eq!(r.code, Some(0), "{}", r.show());
    assert!(
        r.stdout
            .contains("2 clusters, 4 hosts, 7 resource pools, 4 VMs, 5 deleted VMs, 10 snapshots"),
        "{}",
        r.show()
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains(PASSWORD));
    let w = World::parse(&text, &out).unwrap();
    let default = World::load(&Path::new(ROOT).join("fixtures/default.toml")).unwrap();
    assert_eq!(
        w.parents, default.parents,
        "same objects in the same places"
    );
    // A second run does not overwrite the file unless told to.
    let r = discover(
        &[
            "--target",
            server.base_url(),
            "--ca-cert",
            &ca(),
            "--fixture-out",
            &out_s,
        ],
        Some(PASSWORD),
    );
    r.assert_harness_failure("--force");
    let r = discover(
        &[
            "--snapservice",
            server.base_url(),
            "--vcenter",
            server.base_url(),
            "--ca-cert",
            &ca(),
            "--fixture-out",
            &out_s,
            "--force",
        ],
        Some(PASSWORD),
    );
    assert_eq!(r.code, Some(0), "{}", r.show());
}

#[test]
fn check_proves_a_fixture_or_names_each_mismatch() {
    let (server, _) = mock();
    let r = discover(
        &[
            "--target",
            server.base_url(),
            "--ca-cert",
            &ca(),
            "--check",
            "fixtures/default.toml",
        ],
        Some(PASSWORD),
    );
    assert_eq!(r.code, Some(0), "{}", r.show());
    assert!(
        r.stdout.contains("every object matches the target"),
        "{}",
        r.show()
    );
    let text = std::fs::read_to_string(Path::new(ROOT).join("fixtures/default.toml"))
        .unwrap()
        .replace("drs = true", "drs = false");
    let altered = scratch("check").join("altered.toml");
    std::fs::write(&altered, text).unwrap();
    let r = discover(
        &[
            "--target",
            server.base_url(),
            "--ca-cert",
            &ca(),
            "--check",
            &altered.display().to_string(),
        ],
        Some(PASSWORD),
    );
    assert_eq!(r.code, Some(1), "{}", r.show());
    assert_eq!(
        r.stdout.trim(),
        "ClusterComputeResource domain-c8: drs: the fixture says false, the target has true"
    );
}

#[test]
fn each_way_discover_cannot_run_is_exit_2_with_one_line() {
    let (server, _) = mock();
    let url = server.base_url();
    let out = scratch("fail").join("x.toml");
    let out_s = out.display().to_string();
    discover(
        &["--target", url, "--ca-cert", &ca(), "--fixture-out", &out_s],
        None,
    )
    .assert_harness_failure(&format!(
        "--password-env {PASSWORD_ENV}: the variable is not set"
    ));
    discover(
        &["--target", url, "--ca-cert", &ca(), "--fixture-out", &out_s],
        Some("wrong"),
    )
    .assert_harness_failure("HTTP 401 UNAUTHENTICATED");
    discover(
        &["--snapservice", url, "--fixture-out", &out_s],
        Some(PASSWORD),
    )
    .assert_harness_failure("no vCenter endpoint");
    discover(
        &["--target", "ftp://x", "--fixture-out", &out_s],
        Some(PASSWORD),
    )
    .assert_harness_failure("is not an http(s) URL");
    discover(&["--target", url], Some(PASSWORD)).assert_harness_failure("--fixture-out");
    // The mock's self-signed certificate is not trusted without --ca-cert.
    discover(&["--target", url, "--fixture-out", &out_s], Some(PASSWORD))
        .assert_harness_failure("login of");
    assert!(!out.exists(), "nothing is written when discovery fails");
}

/// A split mock (`mock --split`): snapservice and vCenter on two listeners, SSO tokens on the
/// snapservice side.
fn split_mock() -> &'static (MockServer, PathBuf) {
    static MOCK: OnceLock<(MockServer, PathBuf)> = OnceLock::new();
    MOCK.get_or_init(|| {
        let world = World::load(&Path::new(ROOT).join("fixtures/default.toml")).unwrap();
        let server = MockServer::start(MockOptions::split(world)).unwrap();
        let pem = scratch("ca-split").join("mock.pem");
        std::fs::write(&pem, server.ca_pem().expect("an HTTPS mock")).unwrap();
        (server, pem)
    })
}

#[test]
fn discover_reads_a_split_deployment_with_sso_tokens() {
    let (server, pem) = split_mock();
    let pem = pem.display().to_string();
    let (snap, vc) = (server.base_url(), server.vcenter_url());
    assert_ne!(snap, vc);
    let common = [
        "--snapservice",
        snap,
        "--vcenter",
        vc,
        "--ca-cert",
        &pem,
        "--check",
        "fixtures/default.toml",
    ];
    let r = discover(
        &[&common[..], &["--snapservice-auth", "sso"]].concat(),
        Some(PASSWORD),
    );
    assert_eq!(r.code, Some(0), "{}", r.show());
    assert!(
        r.stdout.contains("every object matches the target"),
        "{}",
        r.show()
    );
    // The appliance does not take a vCenter session: a clear exit 2, not a wrong fixture.
    discover(&common, Some(PASSWORD)).assert_harness_failure("snapservice");
    // A wrong password is refused by the vCenter login before any token is asked for.
    discover(
        &[&common[..], &["--snapservice-auth", "sso"]].concat(),
        Some("wrong"),
    )
    .assert_harness_failure("login of");
}

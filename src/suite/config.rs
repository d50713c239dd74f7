//! How a suite run is configured: by `cargo test` from `SNAPCONF_*` variables, or by `certify`
//! from its flags. Both drivers build the same `SuiteConfig`.

use std::path::PathBuf;
use std::time::Duration;

use super::sources::{Fixture, SuiteDir};
use crate::lab::{LabPolicy, PolicyError};

/// Default generated cases per property (issue: at least 256).
pub const DEFAULT_CASES: u32 = 256;
/// Default seed: fixed, so a plain `cargo test` is reproducible run to run.
pub const DEFAULT_SEED: u64 = 0x5eed_2026;

/// A `SNAPCONF_*` variable the suite cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "SNAPCONF_TARGET (or SNAPCONF_SNAPSERVICE / SNAPCONF_VCENTER) is set but SNAPCONF_FIXTURE is not: a real target needs a lab fixture"
    )]
    TargetWithoutFixture,
    #[error("{var}={value:?} is not a number")]
    NotANumber { var: &'static str, value: String },
    #[error("SNAPCONF_WIRE={0:?} is not a wire form: use `rest` or `jsonrpc`")]
    NotAWire(String),
    #[error(transparent)]
    Lab(#[from] PolicyError),
}

#[derive(Debug, Clone)]
pub struct SuiteConfig {
    /// `None` = the embedded mock, started from `fixture`.
    pub target: Option<String>,
    pub fixture: Fixture,
    /// The example scenarios (and where failing seeds persist).
    pub suite_dir: SuiteDir,
    /// The snapservice endpoint when it differs from `target` (`--snapservice`).
    pub snapservice: Option<String>,
    /// The vCenter endpoint when it differs from `target` (`--vcenter`).
    pub vcenter: Option<String>,
    pub insecure: bool,
    /// A PEM bundle trusted for every endpoint (`--ca-cert`).
    pub ca_cert: Option<PathBuf>,
    /// A PEM bundle trusted for vCenter only (`--vcenter-ca-cert`).
    pub vcenter_ca_cert: Option<PathBuf>,
    pub seed: u64,
    pub cases: u32,
    pub strict: bool,
    /// The lab rules: restore budget, pacing, task patience, concurrency, drain time and the
    /// per-request timeout. `LabPolicy::embedded()` for the embedded mock, `remote()` otherwise.
    pub lab: LabPolicy,
    /// Whether `lab.max_concurrent_restores` was set by a flag or variable; if not, a remote
    /// run takes it from the fixture's restore limit when the world is loaded.
    pub concurrency_explicit: bool,
    /// Time budget of the whole run (`--budget`): no case starts after it is spent.
    pub budget: Option<Duration>,
    /// Defect modes for the embedded mock (the mutation test).
    pub defects: Vec<String>,
    /// Write failing seeds to the suite directory's `regressions/` (off for defect runs: those failures are
    /// intended and must not become regressions of the conforming mock).
    pub persist_failures: bool,
    /// Leave restored VMs in place instead of deleting them.
    pub keep: bool,
    /// Compare normalized responses with the insta snapshots in `snapshots/` (cargo test against
    /// the embedded mock; a vendor's server has its own message ids).
    pub snapshots: bool,
    /// Where failing cases are written as replay files (`certify`); `None` writes none.
    pub replay_dir: Option<PathBuf>,
    /// Where the ledger of restores is appended (`DIR/ledger.jsonl` for `certify`); `None`
    /// keeps it in memory (`cargo test`).
    pub ledger_dir: Option<PathBuf>,
    /// A prefix every VM this run creates carries, so a lab can see and clean what a run made.
    pub run_prefix: String,
    /// The wire form (`--wire`, `SNAPCONF_WIRE`); `None`: the fixture's `[target] wire`, else
    /// REST.
    pub wire: Option<crate::runner::Wire>,
    /// The JSON-RPC endpoint's path (`--jsonrpc-path`, `SNAPCONF_JSONRPC_PATH`); `None`: the
    /// fixture's `[target] jsonrpc_path`, else `/api`.
    pub jsonrpc_path: Option<String>,
}

impl SuiteConfig {
    /// Whether flags or variables name a remote target (the fixture may name one as well:
    /// `Context::start` looks at both).
    pub fn remote_flags(&self) -> bool {
        self.target.is_some() || self.snapservice.is_some() || self.vcenter.is_some()
    }

    /// The repository's default fixture, for the crate's own tests.
    pub fn default_fixture() -> PathBuf {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/default.toml"
        ))
    }

    pub fn new() -> Self {
        SuiteConfig {
            target: None,
            fixture: Fixture::default_here(),
            suite_dir: SuiteDir::default_here(),
            snapservice: None,
            vcenter: None,
            insecure: false,
            ca_cert: None,
            vcenter_ca_cert: None,
            seed: DEFAULT_SEED,
            cases: DEFAULT_CASES,
            strict: false,
            lab: LabPolicy::embedded(),
            concurrency_explicit: false,
            budget: None,
            defects: Vec::new(),
            persist_failures: true,
            keep: false,
            snapshots: false,
            replay_dir: None,
            ledger_dir: None,
            run_prefix: format!("snapconf-{:04x}", rand_u16()),
            wire: None,
            jsonrpc_path: None,
        }
    }

    /// `cargo test`'s configuration: the defaults, overridden by `SNAPCONF_TARGET`,
    /// `SNAPCONF_FIXTURE`, `SNAPCONF_SUITE_DIR`, `SNAPCONF_INSECURE`, `SNAPCONF_SEED`,
    /// `SNAPCONF_CASES`, `SNAPCONF_STRICT`, and the deployment's endpoints and trust:
    /// `SNAPCONF_SNAPSERVICE`, `SNAPCONF_VCENTER`, `SNAPCONF_CA_CERT`, `SNAPCONF_VCENTER_CA_CERT`; the wire form: `SNAPCONF_WIRE`, `SNAPCONF_JSONRPC_PATH`.
    /// And the lab variables that mirror `certify`'s flags
    /// (`SNAPCONF_MAX_RESTORES`, `SNAPCONF_RATE`, ... see `LabPolicy::apply_vars`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// `from_env` over any source of variables (a map in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut c = SuiteConfig::new();
        if let Some(t) = var("SNAPCONF_TARGET")
            && !t.trim().is_empty()
        {
            c.target = Some(t);
        }
        let url = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
        c.snapservice = url("SNAPCONF_SNAPSERVICE");
        c.vcenter = url("SNAPCONF_VCENTER");
        c.ca_cert = url("SNAPCONF_CA_CERT").map(PathBuf::from);
        c.vcenter_ca_cert = url("SNAPCONF_VCENTER_CA_CERT").map(PathBuf::from);
        if let Some(d) = var("SNAPCONF_SUITE_DIR") {
            c.suite_dir = SuiteDir::Dir(PathBuf::from(d));
        }
        if let Some(f) = var("SNAPCONF_FIXTURE") {
            c.fixture = Fixture::File(PathBuf::from(f));
        } else if c.target.is_some() || c.snapservice.is_some() || c.vcenter.is_some() {
            return Err(ConfigError::TargetWithoutFixture);
        }
        if let Some(v) = var("SNAPCONF_INSECURE") {
            c.insecure = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = var("SNAPCONF_SEED") {
            c.seed = parse_seed(&v).ok_or(ConfigError::NotANumber {
                var: "SNAPCONF_SEED",
                value: v,
            })?;
        }
        if let Some(v) = var("SNAPCONF_CASES") {
            c.cases = v.parse().map_err(|_| ConfigError::NotANumber {
                var: "SNAPCONF_CASES",
                value: v,
            })?;
        }
        c.snapshots = !c.remote_flags();
        // Regression seeds belong to the code, not to a lab: a failure against a remote
        // target prints its seed and reproduction instead of writing into the repository.
        c.persist_failures = !c.remote_flags();
        c.lab = if c.remote_flags() {
            LabPolicy::remote(None)
        } else {
            LabPolicy::embedded()
        };
        c.lab.apply_vars(&var)?;
        c.concurrency_explicit = var("SNAPCONF_MAX_CONCURRENT_RESTORES").is_some();
        if let Some(v) = var("SNAPCONF_STRICT") {
            c.strict = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Ok(v) = std::env::var("SNAPCONF_WIRE")
            && !v.trim().is_empty()
        {
            c.wire = Some(crate::runner::Wire::parse(&v).ok_or(ConfigError::NotAWire(v))?);
        }
        if let Ok(v) = std::env::var("SNAPCONF_JSONRPC_PATH")
            && !v.trim().is_empty()
        {
            c.jsonrpc_path = Some(v);
        }
        Ok(c)
    }
}

impl Default for SuiteConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// Accepts decimal or `0x` hex.
pub fn parse_seed(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

fn rand_u16() -> u16 {
    (uuid::Uuid::new_v4().as_u128() & 0xffff) as u16
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<SuiteConfig, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        SuiteConfig::from_vars(|k| m.get(k).cloned())
    }

    #[test]
    fn a_remote_target_gets_the_remote_lab_rules_and_persists_no_seeds() {
        let c = from(&[
            ("SNAPCONF_TARGET", "https://vc.lab"),
            ("SNAPCONF_FIXTURE", "lab.toml"),
            ("SNAPCONF_MAX_RESTORES", "12"),
            ("SNAPCONF_MAX_CONCURRENT_RESTORES", "3"),
        ])
        .unwrap();
        assert_eq!(c.lab.max_restores, Some(12));
        assert_eq!(c.lab.max_concurrent_restores, 3);
        assert!(c.concurrency_explicit);
        assert_eq!(c.lab.rate, LabPolicy::remote(None).rate);
        assert!(
            !c.persist_failures,
            "a lab's failures are not the code's regressions"
        );
        assert!(!c.snapshots);
    }

    #[test]
    fn the_embedded_mock_keeps_its_defaults() {
        let c = from(&[]).unwrap();
        assert_eq!(c.lab, LabPolicy::embedded());
        assert!(c.persist_failures && c.snapshots);
        assert!(!c.concurrency_explicit);
    }

    #[test]
    fn a_bad_lab_variable_is_a_config_error_naming_it() {
        let e = from(&[("SNAPCONF_RATE", "fast")]).unwrap_err().to_string();
        assert!(e.contains("SNAPCONF_RATE"), "{e}");
    }
}

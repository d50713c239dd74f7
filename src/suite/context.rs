//! Everything a trial needs: the world, a client for the target, the embedded mock when there
//! is one, and the shared results.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::config::SuiteConfig;
use super::results::Results;
use crate::expect::ExpectedVm;
use crate::mock::{Defect, MockOptions, MockServer};
use crate::model::world::Vm;
use crate::model::{PowerState, World};
use crate::runner::{Client, TargetConfig};

/// The harness could not run (exit code 2): bad fixture, bad flags, unusable target.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("{0}")]
    Fixture(#[from] crate::model::FixtureError),
    #[error("{0}")]
    Client(#[from] crate::runner::ClientError),
    #[error("cannot start the embedded mock: {0}")]
    MockStart(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot set up the embedded mock: {0}")]
    MockSettings(#[source] ControlRefused),
    #[error("unknown defect mode `{0}` (see `snapservice-conformance mock --help`)")]
    UnknownDefect(String),
    #[error(
        "{0}: no administrator principal: set [target] admin, or grant a \"*\" role with propagation on the root object"
    )]
    NoAdmin(String),
    #[error("{}: {source}", path.display())]
    CaCert {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] super::config::ConfigError),
}

/// The mock's control plane did not do what it was asked (its answer, summarized).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ControlRefused(#[from] pub crate::runner::ControlError);

pub struct Context {
    pub config: SuiteConfig,
    pub world: World,
    pub client: Arc<Client>,
    /// The embedded mock, when the target is not remote. Dropped last: it stops the server.
    pub mock: Option<MockServer>,
    pub results: Arc<Results>,
    names: AtomicU64,
    /// VMs restored and kept (`--keep`) on this context's target: live VMs the fixture does
    /// not know, whose names later cases must not expect to be free.
    kept: Mutex<Vec<Vm>>,
    /// Restores accepted on this target whose tasks were never seen to end, as (cluster,
    /// requested name). By its own account the target is still running them, so it may rightly
    /// hold their names and restore slots: later cases may be refused for either.
    unsettled: Mutex<Vec<(String, Option<String>)>>,
    /// REJ-1's batched read-backs on this target (`rej1.rs`).
    pub rej1: super::rej1::Watch,
}

fn mock_is_embedded(c: &SuiteConfig) -> bool {
    c.target.is_none()
}

/// Task duration on the embedded mock during trials: long enough to observe RUNNING, short
/// enough for hundreds of accepted cases per second of wall time.
pub const EMBEDDED_TASK_MS: u64 = 2;

impl Context {
    pub fn start(config: SuiteConfig) -> Result<Context, HarnessError> {
        let world = config.fixture.load()?;
        if world.admin.is_none() {
            return Err(HarnessError::NoAdmin(config.fixture.name()));
        }
        let results = Arc::new(Results::default());
        Self::with_world(config, world, results)
    }

    fn with_world(
        config: SuiteConfig,
        world: World,
        results: Arc<Results>,
    ) -> Result<Context, HarnessError> {
        let (mock, mut target) = match &config.target {
            Some(url) => (None, TargetConfig::new(url)),
            None => {
                let mut opts = MockOptions::new(world.clone());
                for d in &config.defects {
                    opts.defects.push(
                        Defect::parse(d).ok_or_else(|| HarnessError::UnknownDefect(d.clone()))?,
                    );
                }
                let server =
                    MockServer::start(opts).map_err(|e| HarnessError::MockStart(e.into()))?;
                let mut t = TargetConfig::new(server.base_url());
                t.ca_pem = server.ca_pem().map(str::to_owned);
                (Some(server), t)
            }
        };
        target.insecure = config.insecure;
        target.timeout = config.timeout;
        target.set_session_path(&world.target.session_path);
        target.task_path = world.target.task_path.clone();
        if let Some(ca) = &config.ca_cert {
            let pem = std::fs::read_to_string(ca).map_err(|source| HarnessError::CaCert {
                path: ca.clone(),
                source,
            })?;
            target.ca_pem = Some(pem);
        }
        let client = Client::new(target, &world)?;
        let mut config = config;
        if mock_is_embedded(&config) && config.task_budget > std::time::Duration::from_secs(2) {
            // The embedded mock ends tasks in milliseconds: a task still running after two
            // seconds will never end, and waiting a minute per case would stall the run.
            config.task_budget = std::time::Duration::from_secs(2);
        }
        let ctx = Context {
            config,
            world,
            client,
            mock,
            results,
            names: AtomicU64::new(0),
            kept: Mutex::new(Vec::new()),
            unsettled: Mutex::new(Vec::new()),
            rej1: Default::default(),
        };
        if ctx.mock.is_some() {
            ctx.control_blocking(
                "PUT",
                "/__mock/settings",
                Some(json!({"task_duration_ms": EMBEDDED_TASK_MS})),
            )
            .map_err(HarnessError::MockSettings)?;
        }
        Ok(ctx)
    }

    /// A context with its own fresh embedded mock (same world, defects and results), for trials
    /// that change the mock's global settings (limits, holds, faults) and must not disturb
    /// trials running beside them. `None` against a remote target.
    pub fn isolated(&self) -> Option<Result<Context, HarnessError>> {
        self.mock.as_ref()?;
        Some(Self::with_world(
            self.config.clone(),
            self.world.clone(),
            self.results.clone(),
        ))
    }

    /// Whether the mock's control plane is available (only on the embedded mock: a remote
    /// target's `/__mock/` is never assumed, even when it is our mock, because certification
    /// against a remote must mean what it says).
    pub fn has_control(&self) -> bool {
        self.mock.is_some()
    }

    /// A VM name unique to this run, carrying the run prefix.
    pub fn unique_name(&self, tag: &str) -> String {
        let n = self.names.fetch_add(1, Ordering::Relaxed);
        format!("{}-{tag}-{n}", self.config.run_prefix)
    }

    /// A request to the embedded mock's control plane (`/__mock/...`).
    pub async fn control(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, ControlRefused> {
        self.client
            .control(method, path, body)
            .await
            .map_err(ControlRefused)
    }

    pub fn control_blocking(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, ControlRefused> {
        crate::runner::runtime::runtime().block_on(self.control(method, path, body))
    }

    /// The principal for valid cases, reads and cleanup. `Context::start` refuses a fixture
    /// without one, so this never fails afterwards.
    pub fn admin(&self) -> String {
        self.world.admin.clone().unwrap_or_default()
    }

    /// Remembers a VM the run restored and kept on this target (`--keep`).
    pub fn kept(&self, vm: &str, cluster: &str, exp: &ExpectedVm) {
        let v = Vm {
            id: vm.to_owned(),
            name: exp.name.clone(),
            folder: exp.folder.clone(),
            host: exp.host.clone().unwrap_or_default(),
            resource_pool: exp.resource_pool.clone().unwrap_or_default(),
            cluster: cluster.to_owned(),
            power_state: PowerState::PoweredOff,
        };
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).push(v);
    }

    /// `world` plus the VMs kept so far, or `None` when nothing was kept.
    pub fn world_with_kept(&self, world: &World) -> Option<World> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.is_empty() {
            return None;
        }
        let mut w = world.clone();
        for v in kept.iter() {
            w.vms.insert(v.id.clone(), v.clone());
        }
        Some(w)
    }

    /// Remembers an accepted restore whose task was not seen to end.
    pub fn unsettled(&self, cluster: &str, name: Option<String>) {
        self.unsettled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((cluster.to_owned(), name));
    }

    /// Whether an unsettled restore may hold `name`, and whether one may hold a restore slot
    /// of `cluster`.
    pub fn unsettled_holds(&self, cluster: &str, name: Option<&str>) -> (bool, bool) {
        let u = self.unsettled.lock().unwrap_or_else(|e| e.into_inner());
        let name_held = name.is_some_and(|n| u.iter().any(|(_, m)| m.as_deref() == Some(n)));
        let slot_held = u.iter().any(|(c, _)| c == cluster);
        (name_held, slot_held)
    }

    pub fn target_url(&self) -> String {
        self.client.config().base_url().to_owned()
    }
}

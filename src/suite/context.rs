//! Everything a trial needs: the world, a client for the target, the embedded mock when there
//! is one, and the shared results.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::config::SuiteConfig;
use super::lab_state::LabState;
use super::results::Results;
use crate::expect::ExpectedVm;
use crate::lab::{LabPolicy, Ledger, Pacer, StopSignal};
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
    #[error(transparent)]
    Config(#[from] super::config::ConfigError),
    #[error(transparent)]
    Setup(#[from] crate::runner::SetupError),
    #[error("cannot open the ledger: {0}")]
    Ledger(#[from] crate::lab::ledger::LedgerError),
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
    /// Shared by every context of the run (isolated mocks included): stop signal, ledger,
    /// restore budget, pacer.
    pub lab: Arc<LabState>,
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

/// The target flags of a run: `--target`, `--snapservice`, `--vcenter` and the CA bundles.
fn target_flags(c: &SuiteConfig) -> crate::runner::TargetFlags {
    crate::runner::TargetFlags {
        target: c.target.clone(),
        snapservice: c.snapservice.clone(),
        vcenter: c.vcenter.clone(),
        ca_cert: c.ca_cert.clone(),
        vcenter_ca_cert: c.vcenter_ca_cert.clone(),
    }
}

/// Task duration on the embedded mock during trials: long enough to observe RUNNING, short
/// enough for hundreds of accepted cases per second of wall time.
pub const EMBEDDED_TASK_MS: u64 = 2;

impl Context {
    pub fn start(mut config: SuiteConfig) -> Result<Context, HarnessError> {
        let world = config.fixture.load()?;
        if world.admin.is_none() {
            return Err(HarnessError::NoAdmin(config.fixture.name()));
        }
        let remote =
            crate::runner::setup::remote_urls(&target_flags(&config), &world.deployment)?.is_some();
        if remote && !config.remote_flags() {
            // Only the fixture names the deployment's URLs: still a lab, with the lab's rules
            // (the variables of `cargo test` still apply; certify's flags were read already).
            config.lab = LabPolicy::remote(None);
            config
                .lab
                .apply_vars(|k| std::env::var(k).ok())
                .map_err(super::config::ConfigError::from)?;
            config.snapshots = false;
            config.persist_failures = false;
        }
        if remote && !config.concurrency_explicit {
            // The fixture states how many restores a cluster runs at once: a remote run may
            // keep that many in flight (the smallest limit, so no cluster is overfilled).
            if let Some(limit) = world.clusters.values().map(|c| c.restore_limit).min()
                && limit > 0
            {
                config.lab.max_concurrent_restores = limit;
            }
        }
        let ledger = match &config.ledger_dir {
            Some(dir) => Ledger::in_dir(dir)?,
            None => Ledger::in_memory(),
        };
        let pacer = Pacer::new(config.lab.rate.filter(|_| remote));
        let lab = Arc::new(LabState::new(StopSignal::new(config.budget), ledger, pacer));
        let results = Arc::new(Results::default());
        Self::with_world(config, world, results, lab)
    }

    fn with_world(
        mut config: SuiteConfig,
        world: World,
        results: Arc<Results>,
        lab: Arc<LabState>,
    ) -> Result<Context, HarnessError> {
        let flags = target_flags(&config);
        let remote = crate::runner::setup::remote_urls(&flags, &world.deployment)?;
        let (mock, mut target) = match remote {
            Some(urls) => (
                None,
                crate::runner::setup::remote_config(
                    &flags,
                    &world.deployment,
                    urls,
                    config.lab.request_timeout,
                )?,
            ),
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
                // The embedded mock serves both roles at one URL and takes every flow.
                t.snapservice.auth = crate::runner::setup::flow(&world.deployment.snapservice);
                t.vcenter.auth = crate::runner::setup::flow(&world.deployment.vcenter);
                t.task_path = world.deployment.task_path(false);
                if let Some(ca) = &config.ca_cert {
                    t.ca_pem = Some(crate::runner::setup::read_ca_bundle(ca)?);
                }
                (Some(server), t)
            }
        };
        target.insecure = config.insecure;
        target.timeout = config.lab.request_timeout;
        target.wire = config.wire.or(world.target.wire).unwrap_or_default();
        if let Some(p) = config
            .jsonrpc_path
            .as_ref()
            .or(world.target.jsonrpc_path.as_ref())
        {
            target.jsonrpc_path = p.clone();
        }
        let wire = target.wire;
        let client = Client::new(target, &world)?;
        if mock.is_none() {
            // Every request to a remote target waits for its slot: trials, task polls, reads.
            client.pace_with(lab.pacer.clone());
        }
        if wire == crate::runner::Wire::JsonRpc {
            // The response snapshots are REST answers; the JSON-RPC face has its own message
            // ids for input it cannot type. The REST-only clauses are out of this run.
            config.snapshots = false;
            for (clause, why) in crate::checks::envelope::REST_ONLY {
                results.exclude(clause, why);
            }
        }
        let ctx = Context {
            config,
            world,
            client,
            mock,
            results,
            lab,
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
            self.lab.clone(),
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

    /// The wire form requests take in this run.
    pub fn wire(&self) -> crate::runner::Wire {
        self.client.config().wire
    }

    pub fn target_url(&self) -> String {
        self.client.config().base_url().to_owned()
    }
}

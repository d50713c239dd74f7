//! The world state behind one mutex: inventory, principals, sessions, tasks, settings, faults.
//!
//! One lock keeps every decision atomic (a restore's checks and its name reservation happen
//! under the same guard, DUP-3). The lock is never left poisoned in effect: a panic while
//! holding it is recovered with `into_inner`, since every mutation leaves the state consistent
//! at each step. Every access goes through `Shared::lock`, which first settles the tasks that
//! are due, so time-driven changes never wait for a poll.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

use crate::model::{PowerState, World};

use super::authz::Principals;
use super::clock::Clock;
use super::defect::{Defect, Defects};
use super::error::ApiError;
use super::index::Index;
use super::inventory::{Inventory, VmRec};
use super::sessions::{Realm, Sessions, session_id};
use super::tasks::{Outcome, Phase, Tasks};
use super::tokens::{DEFAULT_TOKEN_LIFETIME, TokenAuthority};

pub type AppState = Arc<Shared>;

/// Where an injected fault applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultScope {
    /// The restore operation only.
    Restore,
    /// Every `/api` request.
    Api,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub status: u16,
    /// `None` = until cleared.
    pub remaining: Option<u32>,
    pub scope: FaultScope,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub restore_limits: BTreeMap<String, u32>,
    pub task_duration: Duration,
    pub held: bool,
    /// The next `.1` restore requests are answered only after `.0` (a slow or hung server, for
    /// the harness's own request timeout).
    pub restore_delay: Option<(Duration, u32)>,
}

pub struct Inner {
    pub inventory: Inventory,
    pub principals: Principals,
    pub sessions: Sessions,
    pub tasks: Tasks,
    pub settings: Settings,
    pub fault: Option<Fault>,
    /// The next this many accepted tasks end FAILED.
    pub task_failures: u32,
    /// Restores in progress (PENDING or RUNNING) per cluster.
    pub in_progress: HashMap<String, u32>,
    /// The most restores ever in progress at once per cluster since the last reset (BUSY-2).
    pub max_running: HashMap<String, u32>,
    /// Restores accepted per cluster since the last reset.
    pub accepted: HashMap<String, u32>,
    /// Issues and checks SSO tokens; its key outlives resets (tokens stay valid across them).
    pub tokens: Arc<TokenAuthority>,
    /// VMs that appear at a later time, oldest first (the side-effect-later defect).
    pub pending_vms: Vec<(Instant, VmRec)>,
}

impl Inner {
    pub fn from_world(world: &World) -> Inner {
        Inner {
            inventory: Inventory::from_world(world),
            principals: Principals::from_world(world),
            sessions: Sessions::new(Duration::from_secs(world.mock.session_idle_timeout_s)),
            tasks: Tasks::new(world.mock.max_finished_tasks),
            settings: Settings {
                restore_limits: world
                    .clusters
                    .values()
                    .map(|c| (c.id.clone(), c.restore_limit))
                    .collect(),
                task_duration: Duration::from_millis(world.mock.task_duration_ms),
                held: false,
                restore_delay: None,
            },
            fault: None,
            task_failures: 0,
            in_progress: HashMap::new(),
            max_running: HashMap::new(),
            accepted: HashMap::new(),
            tokens: Arc::new(TokenAuthority::new(DEFAULT_TOKEN_LIFETIME)),
            pending_vms: Vec::new(),
        }
    }

    /// The user of the session the request presents, or of its `Authorization: SIGN` token;
    /// or 401.
    pub fn authenticate(&mut self, headers: &HeaderMap, now: Instant) -> Result<String, ApiError> {
        if let Some(s) = session_id(headers).and_then(|id| self.sessions.touch(id, now)) {
            return Ok(s.user.clone());
        }
        match headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            Some(v) if crate::sso::is_sign(v) => self.authenticate_sign(v),
            _ => Err(ApiError::unauthenticated()),
        }
    }

    /// The user of session `id` (as a JSON-RPC `session_id` security context carries it), or
    /// 401. With `realm`, only sessions of that realm count (split, the snapservice listener
    /// knows only the sessions it issued).
    pub fn authenticate_session(
        &mut self,
        id: &str,
        realm: Option<Realm>,
        now: Instant,
    ) -> Result<String, ApiError> {
        if realm.is_some_and(|r| self.sessions.realm_of(id) != Some(r)) {
            return Err(ApiError::unauthenticated());
        }
        self.sessions
            .touch(id, now)
            .map(|s| s.user.clone())
            .ok_or_else(ApiError::unauthenticated)
    }

    pub fn in_progress(&self, cluster: &str) -> u32 {
        self.in_progress.get(cluster).copied().unwrap_or(0)
    }

    /// Ends every task whose time is up: a successful restore's VM appears, its name
    /// reservation is released and its restore slot is freed.
    fn advance(&mut self, index: &Index, now: Instant) {
        while self.pending_vms.first().is_some_and(|(due, _)| *due <= now) {
            let (_, mut vm) = self.pending_vms.remove(0);
            vm.id = self.inventory.next_vm_id(&index.world);
            self.inventory.insert(vm);
        }
        if self.settings.held || !self.tasks.has_active() {
            return;
        }
        for id in self.tasks.take_due(now) {
            let Some(task) = self.tasks.get(&id) else {
                continue;
            };
            let (cluster, ended, reservation, outcome, counted) = (
                task.cluster.clone(),
                task.done_at,
                task.reservation.clone(),
                task.outcome.clone(),
                task.counted,
            );
            if let Some((folder, name)) = &reservation {
                self.inventory.release(folder, name);
            }
            let phase = match outcome {
                Outcome::Restore(plan) => {
                    let vm = self.inventory.next_vm_id(&index.world);
                    self.inventory.insert(VmRec {
                        id: vm.clone(),
                        name: plan.name,
                        folder: plan.folder,
                        host: plan.host,
                        resource_pool: plan.resource_pool,
                        cluster: cluster.clone(),
                        power_state: if plan.powered_on {
                            PowerState::PoweredOn
                        } else {
                            PowerState::PoweredOff
                        },
                        restored: true,
                    });
                    Phase::Succeeded { vm, ended }
                }
                Outcome::Fail(error) => Phase::Failed { error, ended },
            };
            if let Some(t) = self.tasks.get_mut(&id) {
                t.phase = phase;
            }
            if let Some(n) = self.in_progress.get_mut(&cluster).filter(|_| counted) {
                *n = n.saturating_sub(1);
            }
            self.tasks.finished(id);
        }
    }

    /// Counts a newly accepted restore on `cluster`.
    pub fn count_accepted(&mut self, cluster: &str) {
        let n = self.in_progress.entry(cluster.to_owned()).or_insert(0);
        *n += 1;
        let now_running = *n;
        let max = self.max_running.entry(cluster.to_owned()).or_insert(0);
        *max = (*max).max(now_running);
        *self.accepted.entry(cluster.to_owned()).or_insert(0) += 1;
    }

    /// Restores counting against the limit of `cluster`.
    pub fn counted_against_limit(&self, cluster: &str, defects: Defects) -> u32 {
        if defects.has(Defect::LimitNeverFrees) {
            self.accepted.get(cluster).copied().unwrap_or(0)
        } else {
            self.in_progress(cluster)
        }
    }
}

/// How the mock plays the deployment's single sign-on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SsoSettings {
    /// The longest lifetime the STS grants (`--token-lifetime`).
    pub token_lifetime: Duration,
    /// Two listeners, one per role (`--split`).
    pub split: bool,
}

impl Default for SsoSettings {
    fn default() -> Self {
        SsoSettings {
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            split: false,
        }
    }
}

/// Shared by every request handler.
pub struct Shared {
    pub index: Index,
    pub defects: Defects,
    pub allow_remote_control: bool,
    /// Serving the two roles on two listeners (`mock --split`): each listener then only
    /// knows the credentials its role issues.
    pub split: bool,
    pub clock: Clock,
    /// Set while a fault is injected, so the request path checks faults without the lock.
    fault_armed: AtomicBool,
    inner: Mutex<Inner>,
}

impl Shared {
    pub fn new(world: World, defects: &[Defect], allow_remote_control: bool) -> Shared {
        Shared::with_sso(world, defects, allow_remote_control, SsoSettings::default())
    }

    pub fn with_sso(
        world: World,
        defects: &[Defect],
        allow_remote_control: bool,
        sso: SsoSettings,
    ) -> Shared {
        let mut inner = Inner::from_world(&world);
        inner.tokens = Arc::new(TokenAuthority::new(sso.token_lifetime));
        Shared {
            index: Index::new(world),
            defects: Defects::of(defects),
            allow_remote_control,
            split: sso.split,
            clock: Clock::new(),
            fault_armed: AtomicBool::new(false),
            inner: Mutex::new(inner),
        }
    }

    /// The state, with tasks settled up to `now`.
    pub fn lock(&self, now: Instant) -> MutexGuard<'_, Inner> {
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.advance(&self.index, now);
        g
    }

    /// Back to the fixture: inventory, principals, sessions, tasks, settings and faults.
    pub fn reset(&self) {
        let mut g = self.lock(Instant::now());
        let tokens = g.tokens.clone();
        *g = Inner::from_world(&self.index.world);
        g.tokens = tokens;
        self.fault_armed.store(false, Ordering::SeqCst);
    }

    pub fn set_fault(&self, inner: &mut Inner, fault: Option<Fault>) {
        self.fault_armed.store(fault.is_some(), Ordering::SeqCst);
        inner.fault = fault;
    }

    /// Takes one delayed answer for a restore request, if one is armed: how long to wait.
    pub fn take_restore_delay(&self) -> Option<Duration> {
        let mut g = self.lock(Instant::now());
        let (delay, left) = g.settings.restore_delay?;
        g.settings.restore_delay = (left > 1).then(|| (delay, left - 1));
        Some(delay)
    }

    /// Takes one injected fault for a request of `scope`, if one applies: its status.
    pub fn take_fault(&self, scope: FaultScope) -> Option<u16> {
        if !self.fault_armed.load(Ordering::SeqCst) {
            return None;
        }
        let mut g = self.lock(Instant::now());
        let f = g.fault?;
        if f.scope == FaultScope::Restore && scope == FaultScope::Api {
            return None;
        }
        match f.remaining {
            Some(n) if n <= 1 => self.set_fault(&mut g, None),
            Some(n) => {
                g.fault = Some(Fault {
                    remaining: Some(n - 1),
                    ..f
                })
            }
            None => {}
        }
        Some(f.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tasks::{Plan, Task};
    use crate::mock::testutil::default_world;

    fn shared() -> Shared {
        Shared::new(default_world(), &[], false)
    }

    fn restore_task(now: Instant, ms: u64) -> Task {
        Task::new(
            "domain-c8",
            "vm-42",
            "u",
            now,
            Duration::from_millis(ms),
            Outcome::Restore(Plan {
                name: "r".into(),
                folder: "group-v4".into(),
                resource_pool: "resgroup-8".into(),
                host: "host-12".into(),
                powered_on: false,
            }),
            Some(("group-v4".into(), "r".into())),
        )
    }

    #[test]
    fn a_due_task_frees_its_slot_and_creates_its_vm_without_a_poll() {
        let s = shared();
        let t0 = Instant::now();
        {
            let mut g = s.lock(t0);
            g.inventory.reserve("group-v4", "r");
            g.count_accepted("domain-c8");
            g.tasks.add(restore_task(t0, 10));
            assert_eq!(g.in_progress("domain-c8"), 1);
        }
        let g = s.lock(t0 + Duration::from_millis(11));
        assert_eq!(g.in_progress("domain-c8"), 0);
        assert_eq!(g.max_running["domain-c8"], 1);
        assert!(g.inventory.name_taken("group-v4", "r", false));
        assert!(!g.inventory.name_reserved("group-v4", "r", false));
        let vm = g.inventory.vm("vm-1000").unwrap();
        assert!(vm.restored && vm.power_state == PowerState::PoweredOff);
    }

    #[test]
    fn held_tasks_do_not_finish() {
        let s = shared();
        let t0 = Instant::now();
        {
            let mut g = s.lock(t0);
            g.settings.held = true;
            g.count_accepted("domain-c8");
            g.tasks.add(restore_task(t0, 1));
        }
        assert_eq!(
            s.lock(t0 + Duration::from_secs(5)).in_progress("domain-c8"),
            1
        );
    }

    #[test]
    fn counted_faults_run_out() {
        let s = shared();
        {
            let mut g = s.lock(Instant::now());
            s.set_fault(
                &mut g,
                Some(Fault {
                    status: 503,
                    remaining: Some(2),
                    scope: FaultScope::Restore,
                }),
            );
        }
        assert_eq!(s.take_fault(FaultScope::Api), None);
        assert_eq!(s.take_fault(FaultScope::Restore), Some(503));
        assert_eq!(s.take_fault(FaultScope::Restore), Some(503));
        assert_eq!(s.take_fault(FaultScope::Restore), None);
    }

    #[test]
    fn a_session_authenticates_only_in_the_realm_asked_for() {
        let s = shared();
        let now = Instant::now();
        let mut g = s.lock(now);
        let vc = g.sessions.create("u", now);
        let snap = g.sessions.create_in("v", Realm::Snapservice, now);
        assert_eq!(g.authenticate_session(&vc, None, now).unwrap(), "u");
        assert_eq!(g.authenticate_session(&snap, None, now).unwrap(), "v");
        assert_eq!(
            g.authenticate_session(&snap, Some(Realm::Snapservice), now)
                .unwrap(),
            "v"
        );
        assert!(
            g.authenticate_session(&vc, Some(Realm::Snapservice), now)
                .is_err()
        );
        assert!(
            g.authenticate_session(&snap, Some(Realm::Vcenter), now)
                .is_err()
        );
        assert!(g.authenticate_session("nope", None, now).is_err());
    }

    #[test]
    fn reset_restores_the_fixture() {
        let s = shared();
        {
            let mut g = s.lock(Instant::now());
            g.inventory.remove("vm-101", false);
            g.sessions.create("x", Instant::now());
        }
        s.reset();
        let g = s.lock(Instant::now());
        assert!(g.inventory.vm("vm-101").is_some());
        assert!(g.sessions.is_empty());
    }
}

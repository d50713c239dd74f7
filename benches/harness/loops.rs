//! Bare request loops with no generator and no oracle: the ceiling (one shared client, as the
//! harness has) and the mock's own latency (one keep-alive connection per worker).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use snapservice_conformance::mock::{MockOptions, MockServer};
use snapservice_conformance::runner::runtime::runtime;

use crate::common::{Latencies, admin_credentials, default_world, http_client, login};

/// A restore the default fixture refuses with 404: the VM is not protected on the cluster.
pub const REFUSED_PATH: &str = "/api/snapservice/clusters/domain-c8/virtual-machines/vm-bench-none?action=restore&vmw-task=true";
const REFUSED_BODY: &str = r#"{"snapshot":"snap-42-a"}"#;
/// A restore the default fixture accepts (DRS cluster, the VM's own snapshot); the name varies.
const ACCEPTED_PATH: &str =
    "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true";

pub struct LoopResult {
    pub requests: u64,
    pub elapsed: Duration,
    pub latencies: Latencies,
    pub statuses: BTreeMap<u16, u64>,
}

impl LoopResult {
    /// `404×1234 202×5` for the notes: a loop that measured the wrong answers is visible.
    pub fn status_summary(&self) -> String {
        self.statuses
            .iter()
            .map(|(s, n)| format!("{s}×{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Every request is the fixed refused restore.
    Refused,
    /// Every request is an accepted restore with a name of its own (task duration 0).
    Accepted,
}

/// Starts a fresh HTTPS mock on the default world, as `Context::start` does.
fn fresh_mock() -> MockServer {
    MockServer::start(MockOptions::new(default_world())).expect("the embedded mock starts")
}

/// `workers` tasks send `kind` restores for `phase`; with `shared` they use one client (the
/// harness's shape: one pool, up to `workers` connections), otherwise one client each with a
/// single keep-alive connection.
pub fn run(kind: Kind, workers: usize, phase: Duration, shared: bool) -> LoopResult {
    let mock = fresh_mock();
    let base = mock.base_url().to_owned();
    let world = default_world();
    let (user, password) = admin_credentials(&world);
    let rt = runtime();
    let one = http_client(mock.ca_pem(), workers);
    let clients: Vec<reqwest::Client> = (0..workers)
        .map(|_| {
            if shared {
                one.clone()
            } else {
                http_client(mock.ca_pem(), 1)
            }
        })
        .collect();
    let session: Arc<str> = rt.block_on(login(&one, &base, &user, &password)).into();
    if kind == Kind::Accepted {
        // Built inside the runtime: reqwest arms its timeout when the request is created.
        let settings = async {
            one.put(format!("{base}/__mock/settings"))
                .header("Content-Type", "application/json")
                .body(r#"{"task_duration_ms":0}"#)
                .send()
                .await
        };
        let status = rt.block_on(settings).expect("settings request").status();
        assert!(status.is_success(), "PUT /__mock/settings: {status}");
    }
    let started = Instant::now();
    let deadline = started + phase;
    let handles: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(w, http)| {
            let base = base.clone();
            let session = session.clone();
            rt.spawn(async move {
                let mut lat = Latencies::default();
                let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let (path, body) = match kind {
                        Kind::Refused => (REFUSED_PATH, REFUSED_BODY.to_owned()),
                        Kind::Accepted => (
                            ACCEPTED_PATH,
                            format!(r#"{{"snapshot":"snap-42-a","name":"bench-{w}-{i}"}}"#),
                        ),
                    };
                    i += 1;
                    let t0 = Instant::now();
                    let resp = http
                        .post(format!("{base}{path}"))
                        .header("vmware-api-session-id", &*session)
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json")
                        .body(body)
                        .send()
                        .await;
                    let status = match resp {
                        Ok(r) => {
                            let s = r.status().as_u16();
                            // The whole body is read, as the runner does.
                            let _ = r.bytes().await;
                            s
                        }
                        Err(_) => 0,
                    };
                    lat.push(t0.elapsed());
                    *statuses.entry(status).or_default() += 1;
                }
                (lat, statuses)
            })
        })
        .collect();
    let mut out = LoopResult {
        requests: 0,
        elapsed: Duration::ZERO,
        latencies: Latencies::default(),
        statuses: BTreeMap::new(),
    };
    for h in handles {
        let (lat, statuses) = rt.block_on(h).expect("a loop worker");
        for (s, n) in statuses {
            *out.statuses.entry(s).or_default() += n;
            out.requests += n;
        }
        out.latencies.extend(lat);
    }
    out.elapsed = started.elapsed();
    drop(mock);
    out
}

//! Sizing from the environment, /proc readings, latency percentiles and the shared HTTP setup
//! of the bare loops (the same client options as the runner's `Client`, so the ceiling is
//! measured over the same transport the harness uses).

use std::str::FromStr;
use std::time::Duration;

/// How big a run is. Every knob is an environment variable so one command serves a quick look
/// (`SNAPCONF_BENCH_SECS=1 SNAPCONF_BENCH_MEM_CASES=10000`) and the recorded figures (defaults).
#[derive(Debug, Clone)]
pub struct Sizing {
    /// Length of each throughput phase.
    pub phase: Duration,
    /// Requests or cases in flight in the ceiling, the refused-case run and the mock latency run.
    pub concurrency: usize,
    /// Cases of the memory run.
    pub mem_cases: u64,
    /// Sequential lanes of accepted cases, each on its own mock (as `certify --jobs`).
    pub accepted_lanes: usize,
    /// Threads drawing cases from the proptest strategies.
    pub generators: usize,
    /// Skip the certify phase (e.g. when only the loops are of interest).
    pub skip_certify: bool,
}

impl Sizing {
    pub fn from_env() -> Sizing {
        Sizing {
            phase: Duration::from_secs_f64(env_or("SNAPCONF_BENCH_SECS", 5.0)),
            concurrency: env_or("SNAPCONF_BENCH_CONCURRENCY", 32usize).max(1),
            mem_cases: env_or("SNAPCONF_BENCH_MEM_CASES", 100_000u64),
            accepted_lanes: env_or("SNAPCONF_BENCH_ACCEPTED_LANES", 2usize).max(1),
            generators: env_or("SNAPCONF_BENCH_GENERATORS", 1usize).max(1),
            skip_certify: env_or("SNAPCONF_BENCH_SKIP_CERTIFY", 0u8) != 0,
        }
    }
}

/// An environment variable parsed as `T`, or `default` when unset. A value that does not parse
/// stops the run: a benchmark silently sized differently from what was asked is worse than none.
pub fn env_or<T: FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a valid value")),
        Err(_) => default,
    }
}

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in KiB.
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// Request latencies in microseconds, kept whole so percentiles are exact.
#[derive(Default)]
pub struct Latencies(pub Vec<u32>);

impl Latencies {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d.as_micros().min(u128::from(u32::MAX)) as u32);
    }

    pub fn extend(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    /// The `p`-th percentile (0..=100) in milliseconds (nearest rank).
    pub fn percentile_ms(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0.sort_unstable();
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        f64::from(self.0[rank.clamp(1, self.0.len()) - 1]) / 1000.0
    }
}

pub fn per_second(n: u64, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

/// A reqwest client built like the runner's: no proxy, HTTP/1.1 only, the mock's certificate
/// pinned, keep-alive with up to `idle` pooled connections.
pub fn http_client(ca_pem: Option<&str>, idle: usize) -> reqwest::Client {
    snapservice_conformance::mock::install_crypto_provider();
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .pool_max_idle_per_host(idle)
        .timeout(Duration::from_secs(10));
    if let Some(pem) = ca_pem {
        let cert = reqwest::Certificate::from_pem(pem.as_bytes()).expect("the mock's certificate");
        b = b.tls_certs_merge([cert]);
    }
    b.build().expect("a reqwest client")
}

/// Logs in over the REST session endpoint and returns the session id.
pub async fn login(http: &reqwest::Client, base: &str, user: &str, password: &str) -> String {
    let resp = http
        .post(format!("{base}/api/session"))
        .basic_auth(user, Some(password))
        .send()
        .await
        .expect("login request");
    assert!(
        resp.status().is_success(),
        "login of {user}: {}",
        resp.status()
    );
    resp.json::<String>().await.expect("a session id")
}

/// The default fixture's administrator and password (mock-only credentials).
pub fn admin_credentials(world: &snapservice_conformance::model::World) -> (String, String) {
    let admin = world
        .admin
        .clone()
        .expect("the default fixture has an administrator");
    let password = world.principals[&admin]
        .password()
        .expect("the default fixture gives the administrator a password");
    (admin, password)
}

pub fn default_world() -> snapservice_conformance::model::World {
    let path = snapservice_conformance::suite::SuiteConfig::default_fixture();
    snapservice_conformance::model::World::load(&path).expect("fixtures/default.toml loads")
}

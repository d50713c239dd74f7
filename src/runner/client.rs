//! The HTTP client: one keep-alive reqwest client per target, sessions per principal, bounded
//! bodies and per-request timeouts. A misbehaving target becomes an `Observation`, never an
//! error or a panic of the harness.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::auth::Held;
use super::exchange::{Exchange, Observation, RequestSpec, TransportKind};
use super::target::{Endpoint, Role, TargetConfig};
use super::wire::Token;
use crate::model::Auth;
use crate::model::world::{Credential, World};

mod jsonrpc_calls;

/// Why the harness cannot talk to a target at all (exit code 2 material).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot build the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
    #[error("principal `{0}` is not in the fixture")]
    UnknownPrincipal(String),
    #[error("principal `{principal}`: environment variable `{var}` is not set")]
    MissingEnv { principal: String, var: String },
    /// A principal could not obtain a credential at an endpoint, or the endpoint refused it.
    #[error("login of `{principal}` at {endpoint} ({flow}, {path}) failed: {observed}")]
    Login {
        principal: String,
        /// Which endpoint, e.g. `the snapservice endpoint https://snap.lab`.
        endpoint: String,
        /// The fixture's name of the flow (`basic-session`, `sso`, `snapservice-session`).
        flow: &'static str,
        /// Where the credential was asked for (a session path, or the STS).
        path: String,
        observed: String,
    },
}

/// Why a call to the mock's control plane did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("control plane {path}: `{method}` is not an HTTP method")]
    Method {
        method: String,
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("control plane {path}: {observed}")]
    Refused { path: String, observed: String },
}

/// The endpoints a client talks to. Roles served by the same endpoint (same URL, same
/// authentication) share one slot, and so one session per principal.
pub(super) struct Slots {
    pub(super) endpoints: Vec<Endpoint>,
    snapservice: usize,
    vcenter: usize,
}

impl Slots {
    fn new(cfg: &TargetConfig) -> Slots {
        let mut endpoints = vec![cfg.snapservice.clone()];
        let vcenter = if cfg.vcenter == cfg.snapservice {
            0
        } else {
            endpoints.push(cfg.vcenter.clone());
            1
        };
        Slots {
            endpoints,
            snapservice: 0,
            vcenter,
        }
    }

    pub(super) fn of(&self, role: Role) -> usize {
        match role {
            Role::Snapservice => self.snapservice,
            Role::Vcenter => self.vcenter,
        }
    }
}

/// One async lock per endpoint slot and principal.
pub(super) type Gates = HashMap<(usize, String), Arc<tokio::sync::Mutex<()>>>;

pub struct Client {
    /// One HTTP client per endpoint slot: each trusts its own certificates.
    pub(super) http: Vec<reqwest::Client>,
    cfg: TargetConfig,
    pub(super) slots: Slots,
    pub(super) credentials: Mutex<HashMap<String, Credential>>,
    /// Cached sessions by endpoint slot and principal.
    pub(super) sessions: Mutex<HashMap<(usize, String), String>>,
    /// Cached SSO tokens by endpoint slot and principal.
    pub(super) tokens: Mutex<HashMap<(usize, String), Held>>,
    /// One login at a time per slot and principal: requests sent at once share one session or
    /// token instead of each asking for its own.
    pub(super) gates: Mutex<Gates>,
    /// Every session id this client obtained, for leak checks.
    pub(super) issued: Mutex<Vec<String>>,
    /// Every token this client obtained, as the header and the bare token (secrets to redact).
    pub(super) issued_tokens: Mutex<Vec<String>>,
    /// HTTP requests sent so far (logins, reads and control calls included), so a benchmark
    /// can report how many round trips a case really costs.
    requests: AtomicU64,
    /// Spreads requests to a remote target at the lab's rate; unset (unpaced) for the
    /// embedded mock.
    pacer: OnceLock<Arc<crate::lab::Pacer>>,
}

/// A reqwest client trusting the system roots, `shared` and `own` (PEM bundles).
fn http_client(
    cfg: &TargetConfig,
    shared: Option<&str>,
    own: Option<&str>,
) -> Result<reqwest::Client, ClientError> {
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(64)
        .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .http1_only();
    if cfg.insecure {
        b = b.tls_danger_accept_invalid_certs(true);
    }
    for pem in [shared, own].into_iter().flatten() {
        let certs =
            reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(ClientError::Build)?;
        b = b.tls_certs_merge(certs);
    }
    b.build().map_err(ClientError::Build)
}

impl Client {
    pub fn new(cfg: TargetConfig, world: &World) -> Result<Arc<Client>, ClientError> {
        // reqwest is built without a default crypto provider (ring only, see rust-notes.md).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let slots = Slots::new(&cfg);
        let http = slots
            .endpoints
            .iter()
            .map(|e| http_client(&cfg, cfg.ca_pem.as_deref(), e.ca_pem.as_deref()))
            .collect::<Result<Vec<_>, _>>()?;
        let credentials = world
            .principals
            .values()
            .map(|p| (p.name.clone(), p.credential.clone()))
            .collect();
        Ok(Arc::new(Client {
            http,
            slots,
            cfg,
            credentials: Mutex::new(credentials),
            sessions: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            gates: Mutex::new(HashMap::new()),
            issued: Mutex::new(Vec::new()),
            issued_tokens: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            pacer: OnceLock::new(),
        }))
    }

    /// Paces every later request of this client (logins, polls and reads included) with
    /// `pacer`. Set once; a second call is ignored.
    pub fn pace_with(&self, pacer: Arc<crate::lab::Pacer>) {
        let _ = self.pacer.set(pacer);
    }

    pub fn config(&self) -> &TargetConfig {
        &self.cfg
    }

    /// Adds a principal that is not in the fixture (a generated privilege setup).
    pub fn add_principal(&self, name: &str, password: &str) {
        lock(&self.credentials).insert(name.to_owned(), Credential::Password(password.to_owned()));
        lock(&self.sessions).retain(|(_, p), _| p != name);
        lock(&self.tokens).retain(|(_, p), _| p != name);
    }

    /// Session ids this client obtained so far (for the secret-leak checks).
    pub fn issued_sessions(&self) -> Vec<String> {
        lock(&self.issued).clone()
    }

    /// Every secret this client obtained: session ids, SSO tokens and their headers (for the
    /// report redactor).
    pub fn issued_secrets(&self) -> Vec<String> {
        let mut out = self.issued_sessions();
        out.extend(lock(&self.issued_tokens).iter().cloned());
        out
    }

    /// Counts a request sent outside `execute` (the STS's).
    pub(super) fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// How many HTTP requests this client has sent, of every kind.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends a request to the endpoint of the role that owns its path, resolving its
    /// authentication there; on a 401 renews the principal's session or token once (a cached
    /// one may have expired on the server), never in a loop.
    pub async fn send(&self, spec: &RequestSpec) -> Exchange {
        let slot = self.slot_for(spec);
        let token = match self.token_for(slot, &spec.auth).await {
            Ok(t) => t,
            Err(obs) => {
                return Exchange {
                    request: self.describe(slot, spec, &Token::None),
                    observation: obs,
                    rpc: None,
                };
            }
        };
        let ex = self.send_with(slot, spec, &token).await;
        if let (Auth::Principal(p), Some(401)) = (&spec.auth, ex.observation.status())
            && !matches!(token, Token::None)
            && self.renewable(p)
        {
            self.forget(slot, p);
            if let Ok(t) = self.token_for(slot, &spec.auth).await {
                return self.send_with(slot, spec, &t).await;
            }
        }
        ex
    }

    /// `send` for a request built in place (futures collected from closures cannot borrow it).
    pub async fn send_owned(&self, spec: RequestSpec) -> Exchange {
        self.send(&spec).await
    }

    pub(super) async fn send_with(
        &self,
        slot: usize,
        spec: &RequestSpec,
        token: &Token,
    ) -> Exchange {
        if let Some(call) = self.jsonrpc_call(spec) {
            return self.send_call(slot, spec, &call, token).await;
        }
        let base_url = &self.slots.endpoints[slot].base_url;
        let req = self
            .cfg
            .wire
            .request(&self.http[slot], base_url, spec, token);
        let observation = self.execute(req).await;
        Exchange {
            request: self.describe(slot, spec, token),
            observation,
            rpc: None,
        }
    }

    /// The request as sent, secrets replaced by placeholders.
    fn describe(
        &self,
        slot: usize,
        spec: &RequestSpec,
        token: &Token,
    ) -> crate::runner::SentRequest {
        self.cfg
            .wire
            .describe(&self.slots.endpoints[slot].base_url, spec, token)
    }

    /// Sends and reads the response within the timeout and the body limit.
    pub(super) async fn execute(&self, req: reqwest::RequestBuilder) -> Observation {
        // The wait for the request's slot is not part of its timeout.
        if let Some(p) = self.pacer.get() {
            p.acquire().await;
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let limit = self.cfg.max_body;
        let work = async move {
            let mut resp = req.send().await.map_err(classify)?;
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(classify)? {
                if body.len() + chunk.len() > limit {
                    return Err(Observation::Transport {
                        transport: TransportKind::BodyTooLarge,
                        detail: format!("response body exceeds {limit} bytes"),
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Observation::Response {
                status,
                content_type,
                body: String::from_utf8_lossy(&body).into_owned(),
                elapsed: started.elapsed(),
            })
        };
        match tokio::time::timeout(self.cfg.timeout, work).await {
            Ok(Ok(o)) | Ok(Err(o)) => o,
            Err(_) => Observation::Timeout {
                after: self.cfg.timeout,
            },
        }
    }

    /// A JSON request without authentication to the mock's control plane, which is served on
    /// the Snapservice endpoint.
    pub async fn control(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ControlError> {
        let url = format!("{}{}", self.cfg.snapservice.base_url, path);
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|source| {
            ControlError::Method {
                method: method.to_owned(),
                path: path.to_owned(),
                source: Box::new(source),
            }
        })?;
        let slot = self.slots.of(Role::Snapservice);
        let mut req = self.http[slot].request(method, &url);
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        match self.execute(req).await {
            Observation::Response { status, body, .. } if (200..300).contains(&status) => {
                Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
            }
            other => Err(ControlError::Refused {
                path: path.to_owned(),
                observed: other.summary(),
            }),
        }
    }
}

/// Maps a reqwest error to the transport reason a report can show.
pub(super) fn classify(e: reqwest::Error) -> Observation {
    let chain = error_chain(&e);
    // The words below are looked for in the error alone: the URL (in reqwest's message) may
    // contain any of them, e.g. a host `tls-vc.lab` or a VM named `reset`.
    let e = e.without_url();
    let lower = error_chain(&e).to_lowercase();
    let transport = if lower.contains("certificate")
        || lower.contains("tls")
        || lower.contains("handshake")
    {
        TransportKind::Tls
    } else if e.is_timeout() {
        return Observation::Timeout {
            after: Duration::ZERO,
        };
    } else if e.is_connect() || lower.contains("connection refused") {
        TransportKind::Refused
    } else if lower.contains("reset")
        || lower.contains("closed")
        || lower.contains("incomplete")
        || lower.contains("unexpected eof")
    {
        TransportKind::Reset
    } else if e.is_body() || e.is_decode() || lower.contains("parse") || lower.contains("invalid") {
        TransportKind::Protocol
    } else {
        TransportKind::Other
    };
    Observation::Transport {
        transport,
        detail: chain,
    }
}

/// An error and its sources, joined by `: `.
fn error_chain(e: &reqwest::Error) -> String {
    let mut chain = e.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        src = s.source();
    }
    chain
}

/// Locks a mutex, recovering the data if another thread panicked while holding it: the maps
/// here stay consistent after any single insert or remove.
pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

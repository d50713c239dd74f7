//! The HTTP client: one keep-alive reqwest client per target, sessions per principal, bounded
//! bodies and per-request timeouts. A misbehaving target becomes an `Observation`, never an
//! error or a panic of the harness.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use super::exchange::{Exchange, Observation, RequestSpec, TransportKind};
use super::target::{AuthFlow, Endpoint, Role, TargetConfig};
use super::wire::Token;
use crate::model::Auth;
use crate::model::world::{Credential, World};

/// Why the harness cannot talk to a target at all (exit code 2 material).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot build the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
    #[error("principal `{0}` is not in the fixture")]
    UnknownPrincipal(String),
    #[error("principal `{principal}`: environment variable `{var}` is not set")]
    MissingEnv { principal: String, var: String },
    #[error("login of `{principal}` at {path} failed: {observed}")]
    Login {
        principal: String,
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
struct Slots {
    endpoints: Vec<Endpoint>,
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

    fn of(&self, role: Role) -> usize {
        match role {
            Role::Snapservice => self.snapservice,
            Role::Vcenter => self.vcenter,
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    cfg: TargetConfig,
    slots: Slots,
    credentials: Mutex<HashMap<String, Credential>>,
    /// Cached sessions by endpoint slot and principal.
    sessions: Mutex<HashMap<(usize, String), String>>,
    /// Every session id this client obtained, for leak checks.
    issued: Mutex<Vec<String>>,
    /// HTTP requests sent so far (logins, reads and control calls included), so a benchmark
    /// can report how many round trips a case really costs.
    requests: AtomicU64,
    /// Spreads requests to a remote target at the lab's rate; unset (unpaced) for the
    /// embedded mock.
    pacer: OnceLock<Arc<crate::lab::Pacer>>,
}

impl Client {
    pub fn new(cfg: TargetConfig, world: &World) -> Result<Arc<Client>, ClientError> {
        // reqwest is built without a default crypto provider (ring only, see rust-notes.md).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut b = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(64)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .http1_only();
        if cfg.insecure {
            b = b.tls_danger_accept_invalid_certs(true);
        }
        if let Some(pem) = &cfg.ca_pem {
            let cert =
                reqwest::Certificate::from_pem(pem.as_bytes()).map_err(ClientError::Build)?;
            b = b.tls_certs_merge([cert]);
        }
        let http = b.build().map_err(ClientError::Build)?;
        let credentials = world
            .principals
            .values()
            .map(|p| (p.name.clone(), p.credential.clone()))
            .collect();
        Ok(Arc::new(Client {
            http,
            slots: Slots::new(&cfg),
            cfg,
            credentials: Mutex::new(credentials),
            sessions: Mutex::new(HashMap::new()),
            issued: Mutex::new(Vec::new()),
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
    }

    /// Session ids this client obtained so far (for the secret-leak checks).
    pub fn issued_sessions(&self) -> Vec<String> {
        lock(&self.issued).clone()
    }

    /// How many HTTP requests this client has sent, of every kind.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends a request to the endpoint of the role that owns its path, resolving its
    /// authentication there; renews a cached session once on 401.
    pub async fn send(&self, spec: &RequestSpec) -> Exchange {
        let slot = self.slots.of(Role::owning(&spec.path));
        let token = match self.token_for(slot, &spec.auth).await {
            Ok(t) => t,
            Err(obs) => {
                return Exchange {
                    request: self.describe(slot, spec, &Token::None),
                    observation: obs,
                };
            }
        };
        let ex = self.send_with(slot, spec, &token).await;
        if let (Auth::Principal(p), Token::Session(_), Some(401)) =
            (&spec.auth, &token, ex.observation.status())
        {
            // A cached session may have expired on the server; renew it once, never in a loop.
            lock(&self.sessions).remove(&(slot, p.clone()));
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

    /// Logs a principal in at the endpoint in `slot` (or reuses its session) and returns the
    /// token, or the observation that explains why not.
    async fn token_for(&self, slot: usize, auth: &Auth) -> Result<Token, Observation> {
        match auth {
            Auth::NoHeader => Ok(Token::None),
            Auth::Garbage(v) => Ok(Token::Session(v.clone())),
            Auth::Principal(p) => self.principal_token(slot, p).await,
            Auth::LoggedOut(p) => {
                let t = self.login_fresh(slot, p).await?;
                if let Token::Session(s) = &t {
                    let _ = self.logout_session(slot, s).await;
                }
                Ok(t)
            }
        }
    }

    async fn principal_token(&self, slot: usize, principal: &str) -> Result<Token, Observation> {
        let key = (slot, principal.to_owned());
        if let Some(s) = lock(&self.sessions).get(&key) {
            return Ok(Token::Session(s.clone()));
        }
        let t = self.login_fresh(slot, principal).await?;
        if let Token::Session(s) = &t {
            lock(&self.sessions).insert(key, s.clone());
        }
        Ok(t)
    }

    /// A new credential for `principal` at the endpoint in `slot`, not cached.
    async fn login_fresh(&self, slot: usize, principal: &str) -> Result<Token, Observation> {
        let cred = lock(&self.credentials).get(principal).cloned();
        let transport = |detail: String| Observation::Transport {
            transport: TransportKind::Other,
            detail,
        };
        let Some(cred) = cred else {
            return Err(transport(format!(
                "principal `{principal}` is not in the fixture"
            )));
        };
        let env = |var: &str| {
            std::env::var(var).map_err(|_| {
                transport(format!(
                    "environment variable `{var}` for `{principal}` is not set"
                ))
            })
        };
        let password = match &cred {
            Credential::Password(p) => p.clone(),
            Credential::PasswordEnv(v) => env(v)?,
            Credential::SessionEnv(v) => return Ok(Token::Session(env(v)?)),
            Credential::AuthorizationEnv(v) => return Ok(Token::Authorization(env(v)?)),
        };
        let endpoint = &self.slots.endpoints[slot];
        match &endpoint.auth {
            AuthFlow::BasicSession { session_path } => {
                self.basic_session(endpoint, session_path, principal, &password)
                    .await
            }
        }
    }

    /// The CIS session login: HTTP Basic credentials for a session id.
    async fn basic_session(
        &self,
        endpoint: &Endpoint,
        session_path: &str,
        principal: &str,
        password: &str,
    ) -> Result<Token, Observation> {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{principal}:{password}"));
        let url = format!("{}{session_path}", endpoint.base_url);
        let req = self
            .http
            .post(&url)
            .header("Authorization", format!("Basic {basic}"));
        let obs = self.execute(req).await;
        match (&obs, obs.json()) {
            (
                Observation::Response {
                    status: 200 | 201, ..
                },
                Some(Value::String(id)),
            ) => {
                lock(&self.issued).push(id.clone());
                Ok(Token::Session(id))
            }
            _ => Err(obs),
        }
    }

    /// Obtains a session for `principal` at every endpoint or says why not (used to check a
    /// fixture against a target).
    pub async fn login(&self, principal: &str) -> Result<(), ClientError> {
        if !lock(&self.credentials).contains_key(principal) {
            return Err(ClientError::UnknownPrincipal(principal.to_owned()));
        }
        for role in [Role::Snapservice, Role::Vcenter] {
            let slot = self.slots.of(role);
            self.principal_token(slot, principal)
                .await
                .map_err(|o| ClientError::Login {
                    principal: principal.to_owned(),
                    path: self.slots.endpoints[slot].auth.session_path().to_owned(),
                    observed: o.summary(),
                })?;
        }
        Ok(())
    }

    async fn logout_session(&self, slot: usize, session: &str) -> Observation {
        let endpoint = &self.slots.endpoints[slot];
        let url = format!("{}{}", endpoint.base_url, endpoint.auth.session_path());
        self.execute(
            self.http
                .delete(&url)
                .header("vmware-api-session-id", session),
        )
        .await
    }

    /// Ends every cached session (at the end of a run).
    pub async fn logout_all(&self) {
        let sessions: Vec<(usize, String)> = lock(&self.sessions)
            .drain()
            .map(|((slot, _), s)| (slot, s))
            .collect();
        for (slot, s) in sessions {
            let _ = self.logout_session(slot, &s).await;
        }
    }

    async fn send_with(&self, slot: usize, spec: &RequestSpec, token: &Token) -> Exchange {
        let base_url = &self.slots.endpoints[slot].base_url;
        let req = self.cfg.wire.request(&self.http, base_url, spec, token);
        let observation = self.execute(req).await;
        Exchange {
            request: self.describe(slot, spec, token),
            observation,
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
    async fn execute(&self, req: reqwest::RequestBuilder) -> Observation {
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
        let mut req = self.http.request(method, &url);
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
fn classify(e: reqwest::Error) -> Observation {
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
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

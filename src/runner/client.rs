//! The HTTP client: one keep-alive reqwest client per target, sessions per principal, bounded
//! bodies and per-request timeouts. A misbehaving target becomes an `Observation`, never an
//! error or a panic of the harness.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use super::exchange::{Exchange, Observation, RequestSpec, SentRequest, TransportKind};
use crate::model::Auth;
use crate::model::world::{Credential, World};

/// The placeholder printed instead of a session id (see `SentRequest::curl`).
pub const SESSION_PLACEHOLDER: &str = "$SESSION";
/// The placeholder printed instead of an `Authorization` value.
pub const AUTHORIZATION_PLACEHOLDER: &str = "$AUTHORIZATION";

/// How to reach a target.
#[derive(Debug, Clone)]
pub struct TargetConfig {
    /// e.g. `https://vc.lab` or `http://127.0.0.1:8080`, without a trailing slash.
    pub base_url: String,
    /// Skip TLS verification (recorded in the report).
    pub insecure: bool,
    /// Extra trust anchor (PEM), e.g. the embedded mock's self-signed certificate or a lab CA.
    pub ca_pem: Option<String>,
    /// Per-request timeout, from sending to the last body byte.
    pub timeout: Duration,
    /// Bodies larger than this are not read further (transport verdict `body_too_large`).
    pub max_body: usize,
    pub session_path: String,
    pub task_path: String,
}

impl TargetConfig {
    pub fn new(base_url: &str) -> Self {
        TargetConfig {
            base_url: base_url.trim_end_matches('/').to_owned(),
            insecure: false,
            ca_pem: None,
            timeout: Duration::from_secs(10),
            max_body: 4 * 1024 * 1024,
            session_path: "/api/session".into(),
            task_path: "/api/cis/tasks".into(),
        }
    }
}

/// Why the harness cannot talk to a target at all (exit code 2 material).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
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

/// What a request carries to authenticate.
#[derive(Clone)]
enum Token {
    Session(String),
    Authorization(String),
    None,
}

pub struct Client {
    http: reqwest::Client,
    cfg: TargetConfig,
    credentials: Mutex<HashMap<String, Credential>>,
    sessions: Mutex<HashMap<String, String>>,
    /// Every session id this client obtained, for leak checks.
    issued: Mutex<Vec<String>>,
    /// HTTP requests sent so far (logins, reads and control calls included), so a benchmark
    /// can report how many round trips a case really costs.
    requests: AtomicU64,
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
            let cert = reqwest::Certificate::from_pem(pem.as_bytes())
                .map_err(|e| ClientError::Build(e.to_string()))?;
            b = b.tls_certs_merge([cert]);
        }
        let http = b.build().map_err(|e| ClientError::Build(e.to_string()))?;
        let credentials = world
            .principals
            .values()
            .map(|p| (p.name.clone(), p.credential.clone()))
            .collect();
        Ok(Arc::new(Client {
            http,
            cfg,
            credentials: Mutex::new(credentials),
            sessions: Mutex::new(HashMap::new()),
            issued: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
        }))
    }

    pub fn config(&self) -> &TargetConfig {
        &self.cfg
    }

    /// Adds a principal that is not in the fixture (a generated privilege setup).
    pub fn add_principal(&self, name: &str, password: &str) {
        lock(&self.credentials).insert(name.to_owned(), Credential::Password(password.to_owned()));
        lock(&self.sessions).remove(name);
    }

    /// Session ids this client obtained so far (for the secret-leak checks).
    pub fn issued_sessions(&self) -> Vec<String> {
        lock(&self.issued).clone()
    }

    /// How many HTTP requests this client has sent, of every kind.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends a request, resolving its authentication; renews a cached session once on 401.
    pub async fn send(&self, spec: &RequestSpec) -> Exchange {
        let token = match self.token_for(&spec.auth).await {
            Ok(t) => t,
            Err(obs) => {
                return Exchange {
                    request: self.describe(spec, &Token::None),
                    observation: obs,
                };
            }
        };
        let ex = self.send_with(spec, &token).await;
        if let (Auth::Principal(p), Token::Session(_), Some(401)) =
            (&spec.auth, &token, ex.observation.status())
        {
            // A cached session may have expired on the server; renew it once, never in a loop.
            lock(&self.sessions).remove(p);
            if let Ok(t) = self.token_for(&spec.auth).await {
                return self.send_with(spec, &t).await;
            }
        }
        ex
    }

    /// `send` for a request built in place (futures collected from closures cannot borrow it).
    pub async fn send_owned(&self, spec: RequestSpec) -> Exchange {
        self.send(&spec).await
    }

    /// Logs a principal in (or reuses its session) and returns the token, or the observation
    /// that explains why not.
    async fn token_for(&self, auth: &Auth) -> Result<Token, Observation> {
        match auth {
            Auth::NoHeader => Ok(Token::None),
            Auth::Garbage(v) => Ok(Token::Session(v.clone())),
            Auth::Principal(p) => self.principal_token(p).await,
            Auth::LoggedOut(p) => {
                let t = self.login_fresh(p).await?;
                if let Token::Session(s) = &t {
                    let _ = self.logout_session(s).await;
                }
                Ok(t)
            }
        }
    }

    async fn principal_token(&self, principal: &str) -> Result<Token, Observation> {
        if let Some(s) = lock(&self.sessions).get(principal) {
            return Ok(Token::Session(s.clone()));
        }
        let t = self.login_fresh(principal).await?;
        if let Token::Session(s) = &t {
            lock(&self.sessions).insert(principal.to_owned(), s.clone());
        }
        Ok(t)
    }

    /// A new session for `principal`, not cached.
    async fn login_fresh(&self, principal: &str) -> Result<Token, Observation> {
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
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{principal}:{password}"));
        let url = format!("{}{}", self.cfg.base_url, self.cfg.session_path);
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

    /// Obtains a session for `principal` or says why not (used to check a fixture against a target).
    pub async fn login(&self, principal: &str) -> Result<(), ClientError> {
        if !lock(&self.credentials).contains_key(principal) {
            return Err(ClientError::UnknownPrincipal(principal.to_owned()));
        }
        self.principal_token(principal)
            .await
            .map(|_| ())
            .map_err(|o| ClientError::Login {
                principal: principal.to_owned(),
                path: self.cfg.session_path.clone(),
                observed: o.summary(),
            })
    }

    async fn logout_session(&self, session: &str) -> Observation {
        let url = format!("{}{}", self.cfg.base_url, self.cfg.session_path);
        self.execute(
            self.http
                .delete(&url)
                .header("vmware-api-session-id", session),
        )
        .await
    }

    /// Ends every cached session (at the end of a run).
    pub async fn logout_all(&self) {
        let sessions: Vec<String> = lock(&self.sessions).drain().map(|(_, s)| s).collect();
        for s in sessions {
            let _ = self.logout_session(&s).await;
        }
    }

    async fn send_with(&self, spec: &RequestSpec, token: &Token) -> Exchange {
        let url = format!("{}{}", self.cfg.base_url, spec.path);
        let method =
            reqwest::Method::from_bytes(spec.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut req = self
            .http
            .request(method, &url)
            .header("Accept", "application/json");
        match token {
            Token::Session(s) => req = req.header("vmware-api-session-id", s),
            Token::Authorization(a) => req = req.header("Authorization", a),
            Token::None => {}
        }
        if let Some(ct) = &spec.content_type {
            req = req.header("Content-Type", ct);
        }
        if let Some(b) = &spec.body {
            req = req.body(b.clone());
        }
        let observation = self.execute(req).await;
        Exchange {
            request: self.describe(spec, token),
            observation,
        }
    }

    /// The request as sent, with the session id and Authorization value replaced by placeholders.
    fn describe(&self, spec: &RequestSpec, token: &Token) -> SentRequest {
        let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
        match (token, &spec.auth) {
            (Token::Session(v), Auth::Garbage(_)) => {
                headers.push(("vmware-api-session-id".into(), v.clone()))
            }
            (Token::Session(_), _) => {
                headers.push(("vmware-api-session-id".into(), SESSION_PLACEHOLDER.into()))
            }
            (Token::Authorization(_), _) => {
                headers.push(("Authorization".into(), AUTHORIZATION_PLACEHOLDER.into()))
            }
            (Token::None, _) => {}
        }
        if let Some(ct) = &spec.content_type {
            headers.push(("Content-Type".into(), ct.clone()));
        }
        SentRequest {
            method: spec.method.clone(),
            url: format!("{}{}", self.cfg.base_url, spec.path),
            headers,
            body: spec.body.clone(),
        }
    }

    /// Sends and reads the response within the timeout and the body limit.
    async fn execute(&self, req: reqwest::RequestBuilder) -> Observation {
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

    /// A JSON request without authentication (the mock's control plane).
    pub async fn control(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = format!("{}{}", self.cfg.base_url, path);
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
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
            other => Err(format!("control plane {path}: {}", other.summary())),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::{MockOptions, MockServer};

    fn default_world() -> World {
        crate::model::test_world().clone()
    }

    /// The counter is what the benchmark divides by: a login must count as a request of its own.
    #[test]
    fn requests_sent_counts_logins_too() {
        let world = default_world();
        let mut opts = MockOptions::new(world.clone());
        opts.tls = false;
        let mock = MockServer::start(opts).unwrap();
        let client = Client::new(TargetConfig::new(mock.base_url()), &world).unwrap();
        let admin = world.admin.clone().unwrap();
        let rt = crate::runner::runtime::runtime();
        let ex = rt.block_on(client.send(&RequestSpec::get("/api/vcenter/vm", Auth::NoHeader)));
        assert_eq!(ex.observation.status(), Some(401));
        assert_eq!(client.requests_sent(), 1);
        let ex = rt.block_on(client.send(&RequestSpec::get(
            "/api/vcenter/vm",
            Auth::Principal(admin.clone()),
        )));
        assert_eq!(ex.observation.status(), Some(200));
        // The login, then the read.
        assert_eq!(client.requests_sent(), 3);
        rt.block_on(client.send(&RequestSpec::get("/api/vcenter/vm", Auth::Principal(admin))));
        // The cached session: no second login.
        assert_eq!(client.requests_sent(), 4);
    }
}

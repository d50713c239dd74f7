//! Authenticated JSON reads from the two endpoints of a deployment: the snapservice appliance
//! and vCenter (`real-deployment.md` section 1). Deliberately independent of the harness's
//! runner: discovery and the fixture proof only read, and need a typed error rather than an
//! `Observation` to judge.
//!
//! Credentials are per endpoint (`Credentials`), so a snapservice side that takes SAML bearer
//! tokens (`Authorization: SIGN token=...`) or snapservice sessions plugs in without touching
//! the reads. Secrets never appear in errors or `Debug` output.

use std::time::Duration;

use base64::Engine as _;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::VapiError;

/// The session header of vCenter and snapservice sessions.
pub const SESSION_HEADER: &str = "vmware-api-session-id";

/// Bodies larger than this are refused rather than read further: inventory lists of a large
/// vCenter stay far below it, and a misbehaving peer cannot exhaust memory.
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// Which endpoint of the deployment serves a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Restore, discovery (`/api/snapservice/...`), snapservice tasks and sessions.
    Snapservice,
    /// Sessions, the VM and inventory APIs (`/api/vcenter/...`), cis tasks, the STS.
    Vcenter,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Snapservice => "snapservice",
            Role::Vcenter => "vCenter",
        })
    }
}

/// What every request to one endpoint carries to authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `vmware-api-session-id: <id>` (a vCenter session, or a snapservice session on 9.0+).
    Session(String),
    /// A raw `Authorization` header value, e.g. `SIGN token="<base64 gzipped SAML assertion>"`.
    Authorization(String),
    /// Nothing (the endpoint answers 401; useful only in tests).
    None,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credentials::Session(_) => "Session(<redacted>)",
            Credentials::Authorization(_) => "Authorization(<redacted>)",
            Credentials::None => "None",
        })
    }
}

/// One endpoint: its base URL (`https://vc.lab`, no trailing slash) and its credentials.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub base_url: String,
    pub credentials: Credentials,
}

impl Endpoint {
    pub fn new(base_url: &str, credentials: Credentials) -> Endpoint {
        Endpoint {
            base_url: base_url.trim_end_matches('/').to_owned(),
            credentials,
        }
    }
}

/// Why a read failed. Each names the endpoint and the URL (never a credential).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
    #[error("{role} {url}: {message}")]
    Transport {
        role: Role,
        url: String,
        message: String,
    },
    #[error("{role} {url}: HTTP {status}{}", describe(.error))]
    Status {
        role: Role,
        url: String,
        status: u16,
        /// The vAPI error body, when the answer carried one.
        error: Option<Box<VapiError>>,
    },
    #[error("{role} {url}: the answer is not JSON: {message}")]
    NotJson {
        role: Role,
        url: String,
        message: String,
    },
    #[error("{role} {url}: unexpected JSON: {message}")]
    Shape {
        role: Role,
        url: String,
        message: String,
    },
}

fn describe(e: &Option<Box<VapiError>>) -> String {
    match e {
        None => String::new(),
        Some(e) => match e.messages.first() {
            Some(m) => format!(" {} ({}: {})", e.error_type, m.id, m.default_message),
            None => format!(" {}", e.error_type),
        },
    }
}

impl ReadError {
    /// The HTTP status of a `Status` error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ReadError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// TLS and timeout settings of the client `http_client` builds.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub insecure: bool,
    /// A PEM bundle of extra trust anchors (one or several certificates).
    pub ca_pem: Option<String>,
    pub timeout: Duration,
}

/// A client for `Reader`: no proxy, no redirects (a redirect from an API is a misconfiguration
/// to report, not to follow), the given trust and timeout.
pub fn http_client(cfg: &ClientConfig) -> Result<reqwest::Client, ReadError> {
    // reqwest is built without a default crypto provider (ring only, see rust-notes.md).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
        .timeout(cfg.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .http1_only();
    if cfg.insecure {
        b = b.tls_danger_accept_invalid_certs(true);
    }
    if let Some(pem) = &cfg.ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| ReadError::Build(format!("the CA bundle is not PEM: {e}")))?;
        if certs.is_empty() {
            return Err(ReadError::Build(
                "the CA bundle holds no certificate".into(),
            ));
        }
        b = b.tls_certs_merge(certs);
    }
    b.build().map_err(|e| ReadError::Build(e.to_string()))
}

/// Characters a path segment cannot hold as they are (ids are opaque: snapshot ids may hold
/// anything). `:` stays, as task ids use it.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// An id as a path segment.
pub fn seg(id: &str) -> String {
    utf8_percent_encode(id, SEGMENT).to_string()
}

/// A query string from pairs (`?a=1&b=2`), values encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    format!("?{}", s.finish())
}

/// How a reader sends: its own HTTP client with fixed credentials (`discover`), or the
/// harness's client as one principal (the preflight), which brings each endpoint's flow, token
/// renewal and trust anchors.
#[derive(Clone)]
enum Via {
    Http(reqwest::Client),
    Harness(std::sync::Arc<crate::runner::Client>, String),
}

impl std::fmt::Debug for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Via::Http(_) => f.write_str("Http"),
            Via::Harness(_, p) => write!(f, "Harness({p})"),
        }
    }
}

/// Reads from a deployment's two endpoints (which may be one URL).
#[derive(Debug, Clone)]
pub struct Reader {
    via: Via,
    snapservice: Endpoint,
    vcenter: Endpoint,
}

impl Reader {
    pub fn new(http: reqwest::Client, snapservice: Endpoint, vcenter: Endpoint) -> Reader {
        Reader {
            via: Via::Http(http),
            snapservice,
            vcenter,
        }
    }

    /// A reader that sends through the harness's client as `principal` (the preflight's
    /// proof of a fixture, on the endpoints and with the authentication of the run).
    pub fn through(client: std::sync::Arc<crate::runner::Client>, principal: &str) -> Reader {
        let cfg = client.config();
        let snapservice = Endpoint::new(&cfg.snapservice.base_url, Credentials::None);
        let vcenter = Endpoint::new(&cfg.vcenter.base_url, Credentials::None);
        Reader {
            via: Via::Harness(client, principal.to_owned()),
            snapservice,
            vcenter,
        }
    }

    pub fn endpoint(&self, role: Role) -> &Endpoint {
        match role {
            Role::Snapservice => &self.snapservice,
            Role::Vcenter => &self.vcenter,
        }
    }

    /// `GET <endpoint><path>` with the endpoint's credentials; the JSON body of a 200.
    pub async fn get_json(&self, role: Role, path: &str) -> Result<Value, ReadError> {
        let ep = self.endpoint(role);
        let url = format!("{}{path}", ep.base_url);
        let (status, body) = match &self.via {
            Via::Http(http) => {
                let mut req = http.get(&url).header("accept", "application/json");
                req = match &ep.credentials {
                    Credentials::Session(id) => req.header(SESSION_HEADER, id),
                    Credentials::Authorization(v) => req.header("authorization", v),
                    Credentials::None => req,
                };
                send(req, role, &url).await?
            }
            Via::Harness(client, principal) => {
                let auth = crate::model::Auth::Principal(principal.clone());
                let spec = crate::runner::RequestSpec::get(path.to_owned(), auth);
                match client.send(&spec).await.observation {
                    crate::runner::Observation::Response { status, body, .. } => {
                        (status, body.into_bytes())
                    }
                    other => {
                        return Err(ReadError::Transport {
                            role,
                            url,
                            message: other.summary(),
                        });
                    }
                }
            }
        };
        if status != 200 {
            let error = serde_json::from_slice::<VapiError>(&body)
                .ok()
                .map(Box::new);
            return Err(ReadError::Status {
                role,
                url,
                status,
                error,
            });
        }
        serde_json::from_slice(&body).map_err(|e| ReadError::NotJson {
            role,
            url,
            message: e.to_string(),
        })
    }

    /// `get_json`, decoded into `T`.
    pub async fn get<T: DeserializeOwned>(&self, role: Role, path: &str) -> Result<T, ReadError> {
        let v = self.get_json(role, path).await?;
        serde_json::from_value(v).map_err(|e| ReadError::Shape {
            role,
            url: format!("{}{path}", self.endpoint(role).base_url),
            message: e.to_string(),
        })
    }
}

/// Sends a request and reads its body (bounded): status and bytes.
async fn send(
    req: reqwest::RequestBuilder,
    role: Role,
    url: &str,
) -> Result<(u16, Vec<u8>), ReadError> {
    let transport = |e: reqwest::Error| ReadError::Transport {
        role,
        url: url.to_owned(),
        message: error_chain(&e),
    };
    let mut resp = req.send().await.map_err(transport)?;
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ReadError::Transport {
                role,
                url: url.to_owned(),
                message: format!("the answer is larger than {MAX_BODY} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, body))
}

/// An error with its sources (reqwest's top-level message alone hides the cause, e.g. the
/// certificate problem).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let s_text = s.to_string();
        if !out.contains(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        cur = s.source();
    }
    out
}

/// `POST <vcenter>/api/session` with HTTP Basic: the session id (`restore-api.md` section 5).
pub async fn login_basic(
    http: &reqwest::Client,
    vcenter_base: &str,
    user: &str,
    password: &str,
) -> Result<String, ReadError> {
    let role = Role::Vcenter;
    let url = format!("{}/api/session", vcenter_base.trim_end_matches('/'));
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let req = http
        .post(&url)
        .header("authorization", format!("Basic {basic}"));
    let (status, body) = send(req, role, &url).await?;
    if status != 201 && status != 200 {
        let error = serde_json::from_slice::<VapiError>(&body)
            .ok()
            .map(Box::new);
        return Err(ReadError::Status {
            role,
            url,
            status,
            error,
        });
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::String(id)) if !id.is_empty() => Ok(id),
        Ok(_) => Err(ReadError::Shape {
            role,
            url,
            message: "the session answer is not a non-empty JSON string".into(),
        }),
        Err(e) => Err(ReadError::NotJson {
            role,
            url,
            message: e.to_string(),
        }),
    }
}

/// `DELETE <vcenter>/api/session`: ends a session. Best effort: a failure only leaves the
/// session to expire on its own.
pub async fn logout(http: &reqwest::Client, vcenter_base: &str, session: &str) {
    let url = format!("{}/api/session", vcenter_base.trim_end_matches('/'));
    let _ = http
        .delete(url)
        .header(SESSION_HEADER, session)
        .send()
        .await;
}

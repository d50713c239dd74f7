//! How to reach a target: its endpoints by role, each with its base URL and the way a principal
//! authenticates there, and the wire form requests take.
//!
//! A vSphere deployment answers the restore API on the Snapservice appliance and the session,
//! SSO, VM and task APIs on vCenter. The two may be one URL (the embedded mock, a lab proxy) or
//! two; every request goes to the endpoint of the role that owns its path (`Role::owning`), so
//! code that builds requests never names a URL.

use std::time::Duration;

/// Which part of a deployment serves a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The restore operation, discovery, and Snapservice's own tasks and sessions
    /// (`/api/snapservice/...`), the JSON-RPC face and the mock's control plane.
    Snapservice,
    /// The CIS session, the SSO STS, the VM API and CIS tasks.
    Vcenter,
}

/// Path prefixes (whole segments) that vCenter owns; everything else is Snapservice's.
const VCENTER_PATHS: [&str; 4] = ["/api/session", "/api/vcenter", "/api/cis", "/sts"];

impl Role {
    /// The role that serves `path` (path and query, e.g. `/api/cis/tasks/t-1`).
    pub fn owning(path: &str) -> Role {
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        let vcenter = VCENTER_PATHS.iter().any(|prefix| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        });
        if vcenter {
            Role::Vcenter
        } else {
            Role::Snapservice
        }
    }
}

/// How a principal obtains the credential an endpoint accepts. A principal whose fixture entry
/// carries a ready session or `Authorization` value (`session_env`, `authorization_env`) uses it
/// on every endpoint without logging in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFlow {
    /// `POST {session_path}` with HTTP Basic credentials answers a session id, sent as
    /// `vmware-api-session-id`; `DELETE {session_path}` ends it (the CIS session API).
    BasicSession { session_path: String },
    /// A bearer SAML token from the vCenter STS (`sso`), sent on every request as
    /// `Authorization: SIGN token="..."`; renewed before it expires and once after a 401.
    Sso(TokenSpec),
    /// A session created at `session_path` with that token (`snapservice-session`, API 9.0+),
    /// then sent as `vmware-api-session-id`.
    SnapserviceSession {
        session_path: String,
        token: TokenSpec,
    },
}

/// What to ask the vCenter STS for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpec {
    /// The SSO domain (`vsphere.local`).
    pub domain: String,
    /// The lifetime asked for; the STS may grant less.
    pub lifetime: Duration,
}

impl AuthFlow {
    /// The path where a session is created and deleted; `None` for a flow without sessions.
    pub fn session_path(&self) -> Option<&str> {
        match self {
            AuthFlow::BasicSession { session_path }
            | AuthFlow::SnapserviceSession { session_path, .. } => Some(session_path),
            AuthFlow::Sso(_) => None,
        }
    }

    /// The fixture's name of the flow (`basic-session`, `sso`, `snapservice-session`).
    pub fn name(&self) -> &'static str {
        match self {
            AuthFlow::BasicSession { .. } => "basic-session",
            AuthFlow::Sso(_) => "sso",
            AuthFlow::SnapserviceSession { .. } => "snapservice-session",
        }
    }

    /// The token this flow asks the STS for, if it asks for one.
    pub fn token(&self) -> Option<&TokenSpec> {
        match self {
            AuthFlow::Sso(t) | AuthFlow::SnapserviceSession { token: t, .. } => Some(t),
            AuthFlow::BasicSession { .. } => None,
        }
    }
}

/// One endpoint of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// e.g. `https://vc.lab` or `http://127.0.0.1:8080`, without a trailing slash.
    pub base_url: String,
    pub auth: AuthFlow,
    /// Trust anchors (a PEM bundle) for this endpoint only, besides `TargetConfig::ca_pem`.
    pub ca_pem: Option<String>,
}

impl Endpoint {
    /// An endpoint at `base_url` with the CIS session login at `/api/session`.
    pub fn new(base_url: &str) -> Self {
        Endpoint {
            base_url: base_url.trim_end_matches('/').to_owned(),
            auth: AuthFlow::BasicSession {
                session_path: "/api/session".into(),
            },
            ca_pem: None,
        }
    }

    /// Which role it plays, for messages (`snapservice`, `vCenter`).
    pub fn describe(&self, role: Role) -> String {
        let name = match role {
            Role::Snapservice => "snapservice",
            Role::Vcenter => "vCenter",
        };
        format!("the {name} endpoint {}", self.base_url)
    }
}

/// The form requests take on the wire (see `runner::wire`). Spelled `rest` and `jsonrpc` on
/// the command line, in `SNAPCONF_WIRE` and in a fixture's `[target] wire`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Wire {
    /// The vAPI REST binding: `RequestSpec`'s method, path and JSON body as they are.
    #[default]
    Rest,
    /// vAPI JSON-RPC 2.0, the official bindings' form (`runner::jsonrpc`): every request the
    /// JSON-RPC API has an operation for becomes an `invoke` at `TargetConfig::jsonrpc_path`;
    /// the rest (vCenter's VM API) stays REST.
    JsonRpc,
}

impl Wire {
    /// `rest` or `jsonrpc`.
    pub fn parse(s: &str) -> Option<Wire> {
        match s.trim() {
            "rest" => Some(Wire::Rest),
            "jsonrpc" => Some(Wire::JsonRpc),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Wire::Rest => "rest",
            Wire::JsonRpc => "jsonrpc",
        }
    }
}

/// Where the JSON-RPC endpoint is by default: `/api` (8.0U3); 9.0 serves `/snapservice`.
pub const DEFAULT_JSONRPC_PATH: &str = "/api";

/// How to reach a target.
#[derive(Debug, Clone)]
pub struct TargetConfig {
    pub snapservice: Endpoint,
    pub vcenter: Endpoint,
    pub wire: Wire,
    /// The path of the JSON-RPC endpoint on the Snapservice endpoint (with `Wire::JsonRpc`).
    pub jsonrpc_path: String,
    /// Skip TLS verification (recorded in the report).
    pub insecure: bool,
    /// Extra trust anchors (a PEM bundle of one or more certificates) for every endpoint, e.g.
    /// the embedded mock's self-signed certificate or a lab CA.
    pub ca_pem: Option<String>,
    /// Per-request timeout, from sending to the last body byte.
    pub timeout: Duration,
    /// Bodies larger than this are not read further (transport verdict `body_too_large`).
    pub max_body: usize,
    /// Where a restore task is read: `{task_path}/{task id}`.
    pub task_path: String,
}

impl TargetConfig {
    /// A target whose two roles are served at one URL with one CIS session login.
    pub fn new(base_url: &str) -> Self {
        TargetConfig {
            snapservice: Endpoint::new(base_url),
            vcenter: Endpoint::new(base_url),
            wire: Wire::Rest,
            jsonrpc_path: DEFAULT_JSONRPC_PATH.into(),
            insecure: false,
            ca_pem: None,
            timeout: Duration::from_secs(10),
            max_body: 4 * 1024 * 1024,
            task_path: "/api/cis/tasks".into(),
        }
    }

    pub fn endpoint(&self, role: Role) -> &Endpoint {
        match role {
            Role::Snapservice => &self.snapservice,
            Role::Vcenter => &self.vcenter,
        }
    }

    /// The target's URL as reports name it: the restore API's endpoint.
    pub fn base_url(&self) -> &str {
        &self.snapservice.base_url
    }

    /// Where a password login goes (for reproduction scripts): the restore API's session
    /// path, or vCenter's when the restore API takes tokens.
    pub fn session_path(&self) -> &str {
        self.snapservice
            .auth
            .session_path()
            .or(self.vcenter.auth.session_path())
            .unwrap_or("/api/session")
    }

    /// Sets the CIS session path of every endpoint that logs in with Basic (a fixture's
    /// `[target] session_path`).
    pub fn set_session_path(&mut self, path: &str) {
        for e in [&mut self.snapservice, &mut self.vcenter] {
            if let AuthFlow::BasicSession { session_path } = &mut e.auth {
                *session_path = path.to_owned();
            }
        }
    }

    /// Whether the two roles are served by different endpoints (URL or authentication).
    pub fn split(&self) -> bool {
        self.snapservice != self.vcenter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_go_to_the_role_that_owns_them() {
        use Role::*;
        for (path, role) in [
            (
                "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore",
                Snapservice,
            ),
            ("/api/snapservice/tasks/t-1", Snapservice),
            ("/api", Snapservice),
            ("/__mock/faults", Snapservice),
            ("/api/session", Vcenter),
            ("/api/session?~action=get", Vcenter),
            ("/api/cis/tasks/t-1", Vcenter),
            ("/api/vcenter/vm?names=x", Vcenter),
            ("/sts/STSService/vsphere.local", Vcenter),
            ("/api/sessions", Snapservice),
            ("/api/vcenterx", Snapservice),
        ] {
            assert_eq!(Role::owning(path), role, "{path}");
        }
    }

    #[test]
    fn one_url_serves_both_roles_by_default() {
        let mut t = TargetConfig::new("http://127.0.0.1:8080/");
        assert_eq!(t.endpoint(Role::Snapservice), t.endpoint(Role::Vcenter));
        assert_eq!(t.base_url(), "http://127.0.0.1:8080");
        t.set_session_path("/rest/com/vmware/cis/session");
        assert_eq!(
            t.vcenter.auth.session_path(),
            Some("/rest/com/vmware/cis/session")
        );
        assert_eq!(t.session_path(), "/rest/com/vmware/cis/session");
    }
}

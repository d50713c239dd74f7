//! The deployment a fixture describes: its two endpoints (the snapservice appliance and
//! vCenter, `real-deployment.md` section 1) and how each one authenticates, validated from the
//! fixture's `[target]`, `[target.snapservice]` and `[target.vcenter]` tables.
//!
//! Data only: the runner turns it into requests (`runner::setup`).

use std::path::PathBuf;
use std::time::Duration;

/// The SSO domain of a default vCenter installation.
pub const DEFAULT_SSO_DOMAIN: &str = "vsphere.local";
/// The lifetime asked of the STS when the fixture does not say (Broadcom's samples ask for
/// about 30 minutes).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// Where the CIS session is created (vCenter, and both roles on one URL).
pub const CIS_SESSION_PATH: &str = "/api/session";
/// Where a snapservice session is created (API 9.0+).
pub const SNAPSERVICE_SESSION_PATH: &str = "/api/snapservice/sessions";
/// Where tasks are read on vCenter.
pub const CIS_TASK_PATH: &str = "/api/cis/tasks";
/// Where tasks are read on the appliance.
pub const SNAPSERVICE_TASK_PATH: &str = "/api/snapservice/tasks";

/// How a principal authenticates at one endpoint (`auth = "..."` in the fixture).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// `basic-session`: HTTP Basic at the session path for a `vmware-api-session-id`.
    BasicSession,
    /// `sso`: a bearer SAML token from the vCenter STS on every request
    /// (`Authorization: SIGN token=...`).
    Sso,
    /// `snapservice-session` (API 9.0+): that token once, at the snapservice session path, for
    /// a `vmware-api-session-id`.
    SnapserviceSession,
}

impl AuthKind {
    /// The fixture's spelling.
    pub fn name(self) -> &'static str {
        match self {
            AuthKind::BasicSession => "basic-session",
            AuthKind::Sso => "sso",
            AuthKind::SnapserviceSession => "snapservice-session",
        }
    }

    pub fn parse(s: &str) -> Option<AuthKind> {
        [
            AuthKind::BasicSession,
            AuthKind::Sso,
            AuthKind::SnapserviceSession,
        ]
        .into_iter()
        .find(|k| k.name() == s)
    }

    /// Whether the flow asks the vCenter STS for a token.
    pub fn uses_sts(self) -> bool {
        matches!(self, AuthKind::Sso | AuthKind::SnapserviceSession)
    }
}

impl std::fmt::Display for AuthKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One endpoint as the fixture describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSpec {
    /// Its base URL, when the fixture names it (flags override it).
    pub url: Option<String>,
    pub auth: AuthKind,
    /// Where sessions are created and deleted (session flows only).
    pub session_path: String,
    /// The STS's SSO domain (token flows).
    pub sso_domain: String,
    /// The token lifetime asked of the STS (token flows); the STS may grant less.
    pub token_lifetime: Duration,
    /// A PEM bundle of trust anchors for this endpoint, resolved against the fixture's
    /// directory.
    pub ca_cert: Option<PathBuf>,
}

impl EndpointSpec {
    /// Today's flow: Basic at `/api/session`.
    pub fn basic() -> EndpointSpec {
        EndpointSpec {
            url: None,
            auth: AuthKind::BasicSession,
            session_path: CIS_SESSION_PATH.to_owned(),
            sso_domain: DEFAULT_SSO_DOMAIN.to_owned(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            ca_cert: None,
        }
    }
}

/// Both endpoints and where tasks are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub snapservice: EndpointSpec,
    pub vcenter: EndpointSpec,
    /// `[target] task_path` when given; otherwise it follows the endpoints (`task_path`).
    pub task_path: Option<String>,
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment {
            snapservice: EndpointSpec::basic(),
            vcenter: EndpointSpec::basic(),
            task_path: None,
        }
    }
}

impl Deployment {
    /// Where tasks are read: the fixture's path, else the appliance's own when the two
    /// endpoints differ (that is where a restore's task lives, `real-deployment.md` section 3),
    /// else vCenter's.
    pub fn task_path(&self, endpoints_differ: bool) -> String {
        match &self.task_path {
            Some(p) => p.clone(),
            None if endpoints_differ => SNAPSERVICE_TASK_PATH.to_owned(),
            None => CIS_TASK_PATH.to_owned(),
        }
    }
}

//! `snapservice-conformance discover`: read a live deployment and write a fixture describing
//! it (`--fixture-out`), or prove an existing fixture against it (`--check`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::Args;

use super::harness_failure;
use crate::discover::{
    ClientConfig, Credentials, DiscoveredWorld, Endpoint, Origin, Reader, discover, fixture_text,
    http_client, login_basic, logout, prove,
};
use crate::model::World;

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Write the discovered fixture here.
    #[arg(long)]
    pub fixture_out: Option<PathBuf>,
    /// Overwrite `--fixture-out` if it exists.
    #[arg(long)]
    pub force: bool,
    /// Prove this fixture against the target instead: print each mismatch, exit 1 if any.
    #[arg(long)]
    pub check: Option<PathBuf>,
    /// Base URL of a deployment serving both roles (the mock, or a test setup).
    #[arg(long)]
    pub target: Option<String>,
    /// Base URL of the snapservice appliance (overrides --target for that role).
    #[arg(long)]
    pub snapservice: Option<String>,
    /// Base URL of vCenter (overrides --target for that role).
    #[arg(long)]
    pub vcenter: Option<String>,
    /// The user to log in as (`POST /api/session` on vCenter with Basic).
    #[arg(long)]
    pub user: String,
    /// The environment variable holding the user's password.
    #[arg(long)]
    pub password_env: String,
    /// How to authenticate to the snapservice endpoint: `session` (the vCenter session id; the
    /// mock on one URL, and deployments that accept it) or `sso` (a SAML bearer token from the
    /// vCenter STS, sent as `Authorization: SIGN token=...`, as an 8.0U3 appliance expects).
    #[arg(long, value_enum, default_value_t = SnapserviceAuth::Session)]
    pub snapservice_auth: SnapserviceAuth,
    /// The SSO domain of the STS (`--snapservice-auth sso`).
    #[arg(long, default_value = crate::sso::DEFAULT_DOMAIN)]
    pub sso_domain: String,
    /// Skip TLS certificate verification.
    #[arg(long)]
    pub insecure: bool,
    /// Trust the certificates of this PEM bundle in addition to the system roots.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Per-request timeout (e.g. 30s).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "30s")]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SnapserviceAuth {
    Session,
    Sso,
}

/// A token asked for lasts this long: discovery reads a few requests per inventory object, far
/// less than this on any lab, so the token is not renewed.
const TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// The two endpoints' base URLs, checked.
fn endpoints(a: &DiscoverArgs) -> Result<(String, String), String> {
    let pick = |own: &Option<String>, role: &str| -> Result<String, String> {
        let url = own.clone().or_else(|| a.target.clone()).ok_or_else(|| {
            format!("no {role} endpoint: give --target URL, or --snapservice URL and --vcenter URL")
        })?;
        match url::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                Ok(url.trim_end_matches('/').to_owned())
            }
            _ => Err(format!("{role} endpoint `{url}` is not an http(s) URL")),
        }
    };
    Ok((
        pick(&a.snapservice, "snapservice")?,
        pick(&a.vcenter, "vCenter")?,
    ))
}

/// Credentials for the snapservice endpoint: the vCenter session id, or a bearer token from
/// the vCenter STS (issue 11, item 2). A 9.0 snapservice session would plug in here too.
async fn snapservice_credentials(
    a: &DiscoverArgs,
    http: &reqwest::Client,
    vc_url: &str,
    password: &str,
    vcenter_session: &str,
) -> Result<Credentials, String> {
    match a.snapservice_auth {
        SnapserviceAuth::Session => Ok(Credentials::Session(vcenter_session.to_owned())),
        SnapserviceAuth::Sso => {
            let mut req = crate::sso::TokenRequest::new(&a.user, password, TOKEN_LIFETIME);
            req.domain = a.sso_domain.clone();
            let token = crate::sso::request_token(http, vc_url, &req)
                .await
                .map_err(|e| format!("sso token for `{}`: {e}", a.user))?;
            Ok(Credentials::Authorization(token.authorization_header()))
        }
    }
}

pub(super) fn run(a: DiscoverArgs) -> ExitCode {
    if a.fixture_out.is_none() && a.check.is_none() {
        return harness_failure("discover needs --fixture-out FILE or --check FIXTURE");
    }
    let (snap_url, vc_url) = match endpoints(&a) {
        Ok(x) => x,
        Err(e) => return harness_failure(e),
    };
    let password = match std::env::var(&a.password_env) {
        Ok(p) if !p.is_empty() => p,
        _ => {
            return harness_failure(format!(
                "--password-env {}: the variable is not set",
                a.password_env
            ));
        }
    };
    if let Some(out) = &a.fixture_out
        && out.exists()
        && !a.force
    {
        return harness_failure(format!("{} exists (--force overwrites it)", out.display()));
    }
    let checked = match a.check.as_deref().map(World::load).transpose() {
        Ok(w) => w,
        Err(e) => return harness_failure(e),
    };
    let ca_pem = match &a.ca_cert {
        None => None,
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => Some(t),
            Err(e) => return harness_failure(format!("--ca-cert {}: {e}", p.display())),
        },
    };
    let cfg = ClientConfig {
        insecure: a.insecure,
        ca_pem,
        timeout: a.timeout,
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return harness_failure(e),
    };
    let found = rt.block_on(async {
        let http = http_client(&cfg).map_err(|e| e.to_string())?;
        let session = login_basic(&http, &vc_url, &a.user, &password)
            .await
            .map_err(|e| format!("login of `{}` failed: {e}", a.user))?;
        let found = match snapservice_credentials(&a, &http, &vc_url, &password, &session).await {
            Ok(snap) => {
                let reader = Reader::new(
                    http.clone(),
                    Endpoint::new(&snap_url, snap),
                    Endpoint::new(&vc_url, Credentials::Session(session.clone())),
                );
                discover(&reader).await.map_err(|e| e.to_string())
            }
            Err(e) => Err(e),
        };
        logout(&http, &vc_url, &session).await;
        found
    });
    let found = match found {
        Ok(f) => f,
        Err(e) => return harness_failure(e),
    };
    if let Some(out) = &a.fixture_out {
        let origin = Origin {
            snapservice_url: snap_url,
            vcenter_url: vc_url,
            when: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            user: Some(a.user.clone()),
            password_env: Some(a.password_env.clone()),
            snapservice_auth: (a.snapservice_auth == SnapserviceAuth::Sso).then(|| "sso".into()),
        };
        if let Err(e) = write_fixture(out, &found, &origin) {
            return harness_failure(e);
        }
    }
    match checked {
        None => ExitCode::SUCCESS,
        Some(world) => {
            let mismatches = prove(&world, &found);
            for m in &mismatches {
                println!("{m}");
            }
            if mismatches.is_empty() {
                println!(
                    "{}: every object matches the target",
                    world.source.display()
                );
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// Writes the fixture, then loads it back: a text the harness cannot load is a discovery bug,
/// reported as such (the file stays for inspection).
fn write_fixture(out: &Path, found: &DiscoveredWorld, origin: &Origin) -> Result<(), String> {
    let text = fixture_text(found, origin);
    std::fs::write(out, &text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let w = World::parse(&text, out)
        .map_err(|e| format!("the written fixture does not load (a discovery bug): {e}"))?;
    println!(
        "wrote {}: {} datacenters, {} folders, {} clusters, {} hosts, {} resource pools, {} VMs, {} deleted VMs, {} snapshots ({} notes)",
        out.display(),
        w.datacenters.len(),
        w.folders.len(),
        w.clusters.len(),
        w.hosts.len(),
        w.resource_pools.len(),
        w.vms.len(),
        w.deleted_vms.len(),
        w.snapshots.len(),
        found.notes.len()
    );
    Ok(())
}

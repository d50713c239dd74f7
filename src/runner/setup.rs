//! From what the user said (flags, `SNAPCONF_*` variables) and what the fixture says
//! (`[target]`, `World::deployment`) to a `TargetConfig`: which URL serves each role, how each
//! endpoint authenticates, which certificates each one's TLS chains to, where tasks are read.
//!
//! Precedence per role: `--snapservice` / `--vcenter`, then `--target` (both roles at one URL),
//! then the fixture's `url`. No URL anywhere means the embedded mock.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::target::{AuthFlow, Endpoint, TargetConfig, TokenSpec};
use crate::model::deployment::{AuthKind, Deployment, EndpointSpec};

/// The user's choices about the target.
#[derive(Debug, Clone, Default)]
pub struct TargetFlags {
    /// `--target`: both roles at one URL.
    pub target: Option<String>,
    /// `--snapservice`: the appliance.
    pub snapservice: Option<String>,
    /// `--vcenter`.
    pub vcenter: Option<String>,
    /// `--ca-cert`: a PEM bundle trusted for every endpoint.
    pub ca_cert: Option<PathBuf>,
    /// `--vcenter-ca-cert`: a PEM bundle trusted for vCenter only.
    pub vcenter_ca_cert: Option<PathBuf>,
}

impl TargetFlags {
    /// Whether any flag names a URL (a remote target regardless of the fixture).
    pub fn names_a_url(&self) -> bool {
        self.target.is_some() || self.snapservice.is_some() || self.vcenter.is_some()
    }
}

/// Why the target cannot be set up (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "no {role} endpoint: give --target URL, --{flag} URL, or `url` in the fixture's [target.{flag}]"
    )]
    NoEndpoint {
        role: &'static str,
        flag: &'static str,
    },
    #[error("{what} `{url}` is not an http(s) base URL")]
    BadUrl { what: &'static str, url: String },
    #[error("{}: {reason}", path.display())]
    CaBundle { path: PathBuf, reason: String },
}

/// The two base URLs, snapservice first, or `None` when nothing names a target (the embedded
/// mock).
pub fn remote_urls(
    flags: &TargetFlags,
    d: &Deployment,
) -> Result<Option<(String, String)>, SetupError> {
    let pick = |own: &Option<String>, fixture: &Option<String>, what: &'static str| match own
        .as_ref()
        .or(flags.target.as_ref())
    {
        Some(u) => check_url(u, what).map(Some),
        None => Ok(fixture.clone()),
    };
    let snap = pick(&flags.snapservice, &d.snapservice.url, "--snapservice")?;
    let vc = pick(&flags.vcenter, &d.vcenter.url, "--vcenter")?;
    match (snap, vc) {
        (None, None) => Ok(None),
        (Some(s), Some(v)) => Ok(Some((s, v))),
        (None, Some(_)) => Err(SetupError::NoEndpoint {
            role: "snapservice",
            flag: "snapservice",
        }),
        (Some(_), None) => Err(SetupError::NoEndpoint {
            role: "vCenter",
            flag: "vcenter",
        }),
    }
}

fn check_url(url: &str, what: &'static str) -> Result<String, SetupError> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(url.trim_end_matches('/').to_owned())
        }
        _ => Err(SetupError::BadUrl {
            what,
            url: url.to_owned(),
        }),
    }
}

/// The runner's flow for a fixture's endpoint.
pub fn flow(spec: &EndpointSpec) -> AuthFlow {
    let token = TokenSpec {
        domain: spec.sso_domain.clone(),
        lifetime: spec.token_lifetime,
    };
    match spec.auth {
        AuthKind::BasicSession => AuthFlow::BasicSession {
            session_path: spec.session_path.clone(),
        },
        AuthKind::Sso => AuthFlow::Sso(token),
        AuthKind::SnapserviceSession => AuthFlow::SnapserviceSession {
            session_path: spec.session_path.clone(),
            token,
        },
    }
}

/// Reads a PEM bundle and checks it holds at least one certificate, all of them parseable.
pub fn read_ca_bundle(path: &Path) -> Result<String, SetupError> {
    let bad = |reason: String| SetupError::CaBundle {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let certs = reqwest::Certificate::from_pem_bundle(text.as_bytes())
        .map_err(|e| bad(format!("not a PEM bundle: {e}")))?;
    if certs.is_empty() {
        return Err(bad("holds no PEM certificate".into()));
    }
    Ok(text)
}

/// Both PEM bundles, one after the other (either may be absent).
fn join(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{}\n{b}", a.trim_end())),
        (a, b) => a.or(b),
    }
}

/// The remote target: endpoints at `urls`, each with the fixture's flow and trust anchors,
/// tasks read where the fixture (or the split) says.
pub fn remote_config(
    flags: &TargetFlags,
    d: &Deployment,
    (snap_url, vc_url): (String, String),
    timeout: Duration,
) -> Result<TargetConfig, SetupError> {
    let mut cfg = TargetConfig::new(&snap_url);
    cfg.timeout = timeout;
    cfg.snapservice = Endpoint {
        auth: flow(&d.snapservice),
        ca_pem: d
            .snapservice
            .ca_cert
            .as_deref()
            .map(read_ca_bundle)
            .transpose()?,
        ..Endpoint::new(&snap_url)
    };
    let vc_fixture = d
        .vcenter
        .ca_cert
        .as_deref()
        .map(read_ca_bundle)
        .transpose()?;
    let vc_flag = flags
        .vcenter_ca_cert
        .as_deref()
        .map(read_ca_bundle)
        .transpose()?;
    cfg.vcenter = Endpoint {
        auth: flow(&d.vcenter),
        ca_pem: join(vc_fixture, vc_flag),
        ..Endpoint::new(&vc_url)
    };
    cfg.ca_pem = flags.ca_cert.as_deref().map(read_ca_bundle).transpose()?;
    cfg.task_path = d.task_path(snap_url != vc_url);
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::deployment::EndpointSpec;

    fn lab() -> Deployment {
        Deployment {
            snapservice: EndpointSpec {
                url: Some("https://snap.lab".into()),
                auth: AuthKind::Sso,
                ..EndpointSpec::basic()
            },
            vcenter: EndpointSpec {
                url: Some("https://vc.lab".into()),
                ..EndpointSpec::basic()
            },
            task_path: None,
        }
    }

    #[test]
    fn flags_override_the_fixture_per_role() {
        let d = lab();
        let none = TargetFlags::default();
        assert_eq!(
            remote_urls(&none, &d).unwrap(),
            Some(("https://snap.lab".into(), "https://vc.lab".into()))
        );
        let one = TargetFlags {
            target: Some("http://127.0.0.1:9/".into()),
            ..TargetFlags::default()
        };
        assert_eq!(
            remote_urls(&one, &d).unwrap(),
            Some(("http://127.0.0.1:9".into(), "http://127.0.0.1:9".into())),
            "--target alone means both roles at one URL"
        );
        let vc_only = TargetFlags {
            vcenter: Some("https://vc2.lab".into()),
            ..TargetFlags::default()
        };
        assert_eq!(
            remote_urls(&vc_only, &d).unwrap(),
            Some(("https://snap.lab".into(), "https://vc2.lab".into()))
        );
        assert_eq!(
            remote_urls(&none, &Deployment::default()).unwrap(),
            None,
            "the embedded mock"
        );
        let half = TargetFlags {
            snapservice: Some("https://snap.lab".into()),
            ..TargetFlags::default()
        };
        let e = remote_urls(&half, &Deployment::default()).unwrap_err();
        assert!(e.to_string().contains("--vcenter"), "{e}");
        let bad = TargetFlags {
            snapservice: Some("snap.lab".into()),
            ..TargetFlags::default()
        };
        let e = remote_urls(&bad, &d).unwrap_err();
        assert!(e.to_string().contains("--snapservice `snap.lab`"), "{e}");
    }

    #[test]
    fn the_config_carries_each_endpoints_flow_and_the_task_path_follows_the_split() {
        let d = lab();
        let urls = remote_urls(&TargetFlags::default(), &d).unwrap().unwrap();
        let cfg = remote_config(&TargetFlags::default(), &d, urls, Duration::from_secs(3)).unwrap();
        assert_eq!(cfg.snapservice.auth.name(), "sso");
        assert_eq!(cfg.vcenter.auth.name(), "basic-session");
        assert_eq!(cfg.task_path, "/api/snapservice/tasks");
        assert_eq!(cfg.timeout, Duration::from_secs(3));
        let same = ("http://a".to_owned(), "http://a".to_owned());
        let cfg = remote_config(&TargetFlags::default(), &d, same, Duration::from_secs(3)).unwrap();
        assert_eq!(cfg.task_path, "/api/cis/tasks");
    }

    #[test]
    fn ca_bundles_hold_certificates() {
        let dir = std::env::temp_dir().join(format!("snapconf-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pem = |name: &str| {
            rcgen::generate_simple_self_signed(vec![name.to_owned()])
                .unwrap()
                .cert
                .pem()
        };
        let one = pem("vc.lab");
        let two = format!("{one}\n{}", pem("snap.lab"));
        for (name, text, ok) in [
            ("one.pem", one.clone(), true),
            ("two.pem", two, true),
            ("empty.pem", String::new(), false),
            ("text.pem", "not a certificate".into(), false),
        ] {
            let p = dir.join(name);
            std::fs::write(&p, &text).unwrap();
            let r = read_ca_bundle(&p);
            assert_eq!(r.is_ok(), ok, "{name}: {r:?}");
            if let Err(e) = r {
                assert!(e.to_string().contains(name), "{e}");
            }
        }
        let e = read_ca_bundle(&dir.join("missing.pem")).unwrap_err();
        assert!(e.to_string().contains("missing.pem"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! Validation of `[target]` into a `Deployment`: each endpoint's URL, authentication flow,
//! session path, SSO domain, token lifetime and CA bundle, with file, line and field for each
//! mistake.

use std::path::Path;
use std::time::Duration;

use super::line_of;
use crate::model::deployment::{
    AuthKind, CIS_SESSION_PATH, Deployment, EndpointSpec, SNAPSERVICE_SESSION_PATH,
};
use crate::model::fixture::{EndpointDef, Sp, TargetSettings};
use crate::model::world::FixtureError;

/// A token shorter than this would be renewed before nearly every request.
const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(2);

struct Check<'a> {
    text: &'a str,
    file: &'a str,
}

impl Check<'_> {
    fn err(&self, at: &Sp, field: String, message: impl Into<String>) -> FixtureError {
        FixtureError {
            file: self.file.to_owned(),
            line: line_of(self.text, at.span().start),
            field,
            message: message.into(),
        }
    }

    /// An absolute API path (`/api/...`), without query or fragment.
    fn path(&self, p: &Sp, field: String) -> Result<String, FixtureError> {
        let v = p.get_ref();
        if !v.starts_with('/') || v.contains(['?', '#', ' ']) || v.len() < 2 {
            return Err(self.err(
                p,
                field,
                format!("`{v}` is not an absolute path such as /api/session"),
            ));
        }
        Ok(v.trim_end_matches('/').to_owned())
    }

    fn endpoint(
        &self,
        role: &str,
        def: &EndpointDef,
        legacy_session_path: Option<&str>,
    ) -> Result<EndpointSpec, FixtureError> {
        let field = |name: &str| format!("target.{role}.{name}");
        let mut spec = EndpointSpec::basic();
        if let Some(u) = &def.url {
            let ok = url::Url::parse(u.get_ref()).is_ok_and(|x| {
                matches!(x.scheme(), "http" | "https")
                    && x.host().is_some()
                    && x.query().is_none()
                    && x.path().trim_end_matches('/').is_empty()
            });
            if !ok {
                return Err(self.err(
                    u,
                    field("url"),
                    format!(
                        "`{}` is not a base URL such as https://vc.lab (http or https, a host, no path)",
                        u.get_ref()
                    ),
                ));
            }
            spec.url = Some(u.get_ref().trim_end_matches('/').to_owned());
        }
        if let Some(a) = &def.auth {
            spec.auth = AuthKind::parse(a.get_ref()).ok_or_else(|| {
                self.err(
                    a,
                    field("auth"),
                    format!(
                        "`{}` is not an authentication flow: basic-session, sso or snapservice-session",
                        a.get_ref()
                    ),
                )
            })?;
            if role == "vcenter" && spec.auth != AuthKind::BasicSession {
                return Err(self.err(
                    a,
                    field("auth"),
                    format!(
                        "vCenter logs in with basic-session (it issues the tokens `{}` uses on the snapservice endpoint)",
                        spec.auth
                    ),
                ));
            }
        }
        spec.session_path = match (&def.session_path, spec.auth) {
            (Some(p), AuthKind::Sso) => {
                return Err(self.err(
                    p,
                    field("session_path"),
                    "auth = \"sso\" sends a token on every request and creates no session",
                ));
            }
            (Some(p), _) => self.path(p, field("session_path"))?,
            (None, AuthKind::SnapserviceSession) => SNAPSERVICE_SESSION_PATH.to_owned(),
            (None, _) => legacy_session_path.unwrap_or(CIS_SESSION_PATH).to_owned(),
        };
        let token_field = |sp: &Option<Sp>, name: &str| -> Result<(), FixtureError> {
            match sp {
                Some(v) if !spec.auth.uses_sts() => Err(self.err(
                    v,
                    field(name),
                    format!(
                        "only the sso and snapservice-session flows ask for tokens (auth is {})",
                        spec.auth
                    ),
                )),
                _ => Ok(()),
            }
        };
        token_field(&def.sso_domain, "sso_domain")?;
        token_field(&def.token_lifetime, "token_lifetime")?;
        if let Some(d) = &def.sso_domain {
            let v = d.get_ref().trim();
            if v.is_empty() || v.contains(['/', '?', '#']) {
                return Err(self.err(
                    d,
                    field("sso_domain"),
                    "an SSO domain such as vsphere.local",
                ));
            }
            spec.sso_domain = v.to_owned();
        }
        if let Some(l) = &def.token_lifetime {
            let d = humantime::parse_duration(l.get_ref()).map_err(|e| {
                self.err(
                    l,
                    field("token_lifetime"),
                    format!("`{}`: {e} (e.g. 30m)", l.get_ref()),
                )
            })?;
            if d < MIN_TOKEN_LIFETIME {
                return Err(self.err(
                    l,
                    field("token_lifetime"),
                    format!(
                        "at least {}",
                        humantime::format_duration(MIN_TOKEN_LIFETIME)
                    ),
                ));
            }
            spec.token_lifetime = d;
        }
        if let Some(c) = &def.ca_cert {
            if c.get_ref().trim().is_empty() {
                return Err(self.err(c, field("ca_cert"), "a path to a PEM file"));
            }
            let base = Path::new(self.file).parent().unwrap_or(Path::new(""));
            spec.ca_cert = Some(base.join(c.get_ref()));
        }
        Ok(spec)
    }
}

/// The deployment `[target]` describes.
pub(super) fn deployment(
    text: &str,
    file: &str,
    t: &TargetSettings,
) -> Result<Deployment, FixtureError> {
    let check = Check { text, file };
    let legacy = t
        .session_path
        .as_ref()
        .map(|p| check.path(p, "target.session_path".into()))
        .transpose()?;
    let empty = EndpointDef::default();
    let snapservice = check.endpoint(
        "snapservice",
        t.snapservice.as_ref().unwrap_or(&empty),
        legacy.as_deref(),
    )?;
    let vcenter = check.endpoint(
        "vcenter",
        t.vcenter.as_ref().unwrap_or(&empty),
        legacy.as_deref(),
    )?;
    let task_path = t
        .task_path
        .as_ref()
        .map(|p| check.path(p, "target.task_path".into()))
        .transpose()?;
    Ok(Deployment {
        snapservice,
        vcenter,
        task_path,
    })
}

#[cfg(test)]
#[path = "target_tests.rs"]
mod tests;

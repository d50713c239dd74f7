//! How the client obtains what a request carries to authenticate, per endpoint and principal
//! (`AuthFlow`): a CIS session from Basic credentials, a bearer SAML token from the vCenter
//! STS (renewed before it expires), or a snapservice session bought with that token. Every
//! credential is cached per endpoint slot and principal, and obtained once even when many
//! requests ask at the same moment.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use serde_json::Value;

use super::client::{Client, ClientError, lock};
use super::exchange::{Observation, TransportKind};
use super::target::{AuthFlow, Role, TokenSpec};
use super::wire::Token;
use crate::model::Auth;
use crate::model::world::Credential;
use crate::sso::{SamlToken, SsoError, TokenRequest};

/// The longest a token is renewed ahead of its expiry.
const MAX_RENEWAL_MARGIN: Duration = Duration::from_secs(60);

/// How long before its `NotOnOrAfter` a token is renewed: a fifth of the lifetime it was
/// granted, at most a minute. A request is then never sent with a token about to expire,
/// and a short-lived token (a lab STS set to minutes, a test's seconds) is not renewed on
/// every request.
pub fn renewal_margin(granted: Duration) -> Duration {
    (granted / 5).min(MAX_RENEWAL_MARGIN)
}

/// A token held with the margin it is renewed at.
#[derive(Clone)]
pub(super) struct Held {
    pub(super) token: SamlToken,
    margin: Duration,
}

impl Held {
    fn new(token: SamlToken, now: SystemTime) -> Held {
        let granted = token
            .not_on_or_after()
            .duration_since(now)
            .unwrap_or(Duration::ZERO);
        Held {
            token,
            margin: renewal_margin(granted),
        }
    }

    /// Whether the token is still good to send at `now`.
    pub(super) fn fresh_at(&self, now: SystemTime) -> bool {
        !self.token.expires_within(now, self.margin)
    }
}

fn transport(detail: String) -> Observation {
    Observation::Transport {
        transport: TransportKind::Other,
        detail,
    }
}

/// An STS failure as the observation a request (or the preflight) reports.
fn sts_observation(e: &SsoError) -> Observation {
    let transport = match e {
        SsoError::Transport { source, .. } if source.is_connect() => TransportKind::Refused,
        SsoError::Transport { source, .. } if source.is_timeout() => TransportKind::Reset,
        _ => TransportKind::Other,
    };
    Observation::Transport {
        transport,
        detail: e.to_string(),
    }
}

impl Client {
    /// What a request with `auth` carries at the endpoint in `slot`, or the observation that
    /// explains why there is nothing to send.
    pub(super) async fn token_for(&self, slot: usize, auth: &Auth) -> Result<Token, Observation> {
        match auth {
            Auth::NoHeader => Ok(Token::None),
            Auth::Garbage(v) => Ok(Token::Session(v.clone())),
            Auth::Principal(p) => self.principal_token(slot, p).await,
            Auth::LoggedOut(p) => {
                // A flow without sessions (sso) has nothing to log out; the nearest credential
                // is a session of the deployment that was ended: vCenter's.
                let at = if self.slots.endpoints[slot].auth.session_path().is_some() {
                    slot
                } else {
                    self.slots.of(Role::Vcenter)
                };
                let t = self.login_fresh(at, p).await?;
                if let Token::Session(s) = &t {
                    let _ = self.logout_session(at, s).await;
                }
                Ok(t)
            }
        }
    }

    /// The principal's secret: a password, or a ready credential from the environment.
    fn secret(&self, principal: &str) -> Result<Result<String, Token>, Observation> {
        let cred = lock(&self.credentials).get(principal).cloned();
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
        Ok(match &cred {
            Credential::Password(p) => Ok(p.clone()),
            Credential::PasswordEnv(v) => Ok(env(v)?),
            Credential::SessionEnv(v) => Err(Token::Session(env(v)?)),
            Credential::AuthorizationEnv(v) => Err(Token::Authorization(env(v)?)),
        })
    }

    /// Whether a 401 is worth a second credential: only flows the harness logs in with can
    /// renew; a value from the environment would come back the same.
    pub(super) fn renewable(&self, principal: &str) -> bool {
        matches!(
            lock(&self.credentials).get(principal),
            Some(Credential::Password(_) | Credential::PasswordEnv(_))
        )
    }

    /// Drops the principal's cached session and token at `slot`.
    pub(super) fn forget(&self, slot: usize, principal: &str) {
        let key = (slot, principal.to_owned());
        lock(&self.sessions).remove(&key);
        lock(&self.tokens).remove(&key);
    }

    fn gate(&self, slot: usize, principal: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.gates)
            .entry((slot, principal.to_owned()))
            .or_default()
            .clone()
    }

    /// The principal's credential at `slot`: cached while good, obtained otherwise.
    async fn principal_token(&self, slot: usize, principal: &str) -> Result<Token, Observation> {
        let password = match self.secret(principal)? {
            Ok(p) => p,
            Err(ready) => return Ok(ready),
        };
        let key = (slot, principal.to_owned());
        if let Some(s) = lock(&self.sessions).get(&key) {
            return Ok(Token::Session(s.clone()));
        }
        let gate = self.gate(slot, principal);
        let _one_at_a_time = gate.lock().await;
        if let Some(s) = lock(&self.sessions).get(&key) {
            return Ok(Token::Session(s.clone()));
        }
        match self.slots.endpoints[slot].auth.clone() {
            AuthFlow::Sso(spec) => {
                let held = self.sso_token(slot, principal, &password, &spec).await?;
                Ok(Token::Authorization(held.authorization_header()))
            }
            _ => {
                let t = self.login_with(slot, principal, &password).await?;
                if let Token::Session(s) = &t {
                    lock(&self.sessions).insert(key, s.clone());
                }
                Ok(t)
            }
        }
    }

    /// A new credential for `principal` at the endpoint in `slot`, not cached (an SSO token
    /// is reused while good).
    pub(super) async fn login_fresh(
        &self,
        slot: usize,
        principal: &str,
    ) -> Result<Token, Observation> {
        match self.secret(principal)? {
            Ok(password) => self.login_with(slot, principal, &password).await,
            Err(ready) => Ok(ready),
        }
    }

    async fn login_with(
        &self,
        slot: usize,
        principal: &str,
        password: &str,
    ) -> Result<Token, Observation> {
        if self.jsonrpc_logs_in(slot) {
            return self.jsonrpc_login(slot, principal, password).await;
        }
        match self.slots.endpoints[slot].auth.clone() {
            AuthFlow::BasicSession { session_path } => {
                self.basic_session(slot, &session_path, principal, password)
                    .await
            }
            AuthFlow::Sso(spec) => {
                let t = self.sso_token(slot, principal, password, &spec).await?;
                Ok(Token::Authorization(t.authorization_header()))
            }
            AuthFlow::SnapserviceSession {
                session_path,
                token,
            } => {
                let t = self.sso_token(slot, principal, password, &token).await?;
                match self.token_session(slot, &session_path, &t).await {
                    // The STS's token may be refused here (expired meanwhile, or revoked): a
                    // new one, once.
                    Err(o) if o.status() == Some(401) => {
                        lock(&self.tokens).remove(&(slot, principal.to_owned()));
                        let t = self.sso_token(slot, principal, password, &token).await?;
                        self.token_session(slot, &session_path, &t).await
                    }
                    other => other,
                }
            }
        }
    }

    /// The principal's SSO token for `slot`: the cached one while it is good, else a new one
    /// from the vCenter STS.
    async fn sso_token(
        &self,
        slot: usize,
        principal: &str,
        password: &str,
        spec: &TokenSpec,
    ) -> Result<SamlToken, Observation> {
        let key = (slot, principal.to_owned());
        let now = SystemTime::now();
        if let Some(h) = lock(&self.tokens).get(&key)
            && h.fresh_at(now)
        {
            return Ok(h.token.clone());
        }
        let vc = self.slots.of(Role::Vcenter);
        let mut req = TokenRequest::new(principal, password, spec.lifetime);
        req.domain = spec.domain.clone();
        self.count_request();
        let token =
            crate::sso::request_token(&self.http[vc], &self.slots.endpoints[vc].base_url, &req)
                .await
                .map_err(|e| sts_observation(&e))?;
        let header = token.authorization_header();
        {
            let mut issued = lock(&self.issued_tokens);
            if let Ok(bare) = crate::sso::token_param(&header) {
                issued.push(bare.to_owned());
            }
            issued.push(header);
        }
        lock(&self.tokens).insert(key, Held::new(token.clone(), SystemTime::now()));
        Ok(token)
    }

    /// `POST {session_path}` with `Authorization: SIGN ...` (a snapservice session, 9.0+).
    async fn token_session(
        &self,
        slot: usize,
        session_path: &str,
        token: &SamlToken,
    ) -> Result<Token, Observation> {
        let url = format!("{}{session_path}", self.slots.endpoints[slot].base_url);
        let req = self.http[slot]
            .post(&url)
            .header("Authorization", token.authorization_header());
        self.session_answer(self.execute(req).await)
    }

    /// The CIS session login: HTTP Basic credentials for a session id.
    async fn basic_session(
        &self,
        slot: usize,
        session_path: &str,
        principal: &str,
        password: &str,
    ) -> Result<Token, Observation> {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{principal}:{password}"));
        let url = format!("{}{session_path}", self.slots.endpoints[slot].base_url);
        let req = self.http[slot]
            .post(&url)
            .header("Authorization", format!("Basic {basic}"));
        self.session_answer(self.execute(req).await)
    }

    /// A session id from a session service's answer (201 or 200 with a JSON string).
    fn session_answer(&self, obs: Observation) -> Result<Token, Observation> {
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

    /// Obtains a credential for `principal` at every endpoint or says why not (used to check a
    /// fixture against a target).
    pub async fn login(&self, principal: &str) -> Result<(), ClientError> {
        for role in [Role::Snapservice, Role::Vcenter] {
            self.login_at(role, principal).await?;
        }
        Ok(())
    }

    /// Obtains a credential for `principal` at the endpoint of `role` (cached), or says why
    /// not.
    pub async fn login_at(&self, role: Role, principal: &str) -> Result<(), ClientError> {
        if !lock(&self.credentials).contains_key(principal) {
            return Err(ClientError::UnknownPrincipal(principal.to_owned()));
        }
        self.principal_token(self.slots.of(role), principal)
            .await
            .map(|_| ())
            .map_err(|o| self.login_error(role, principal, o.summary()))
    }

    /// A login failure of `principal` at the endpoint of `role`, naming the flow and where
    /// the credential was asked for.
    pub fn login_error(&self, role: Role, principal: &str, observed: String) -> ClientError {
        let endpoint = &self.slots.endpoints[self.slots.of(role)];
        let path = match &endpoint.auth {
            AuthFlow::Sso(t) => format!("/sts/STSService/{}", t.domain),
            flow => flow.session_path().unwrap_or_default().to_owned(),
        };
        ClientError::Login {
            principal: principal.to_owned(),
            endpoint: endpoint.describe(role),
            flow: endpoint.auth.name(),
            path,
            observed,
        }
    }

    async fn logout_session(&self, slot: usize, session: &str) -> Observation {
        if self.jsonrpc_logs_in(slot) {
            return self.jsonrpc_logout(slot, session).await;
        }
        let endpoint = &self.slots.endpoints[slot];
        let Some(path) = endpoint.auth.session_path() else {
            return transport("this endpoint has no sessions".into());
        };
        let url = format!("{}{path}", endpoint.base_url);
        self.execute(
            self.http[slot]
                .delete(&url)
                .header("vmware-api-session-id", session),
        )
        .await
    }

    /// Ends every cached session (at the end of a run); tokens simply expire.
    pub async fn logout_all(&self) {
        let sessions: Vec<(usize, String)> = lock(&self.sessions)
            .drain()
            .map(|((slot, _), s)| (slot, s))
            .collect();
        lock(&self.tokens).clear();
        for (slot, s) in sessions {
            let _ = self.logout_session(slot, &s).await;
        }
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;

//! Sessions (`restore-api.md` section 5): `POST|GET|DELETE /api/session`, the same under
//! `/api/snapservice/sessions`. A session id is 128 random bits in hex; sessions idle for longer
//! than `session_idle_timeout_s` are forgotten.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;

use crate::model::SessionInfo;

use super::defect::Defect;
use super::error::{ApiError, json_response};
use super::state::AppState;

pub(super) const SESSION_HEADER: &str = "vmware-api-session-id";

/// Sessions kept at most.
const MAX_SESSIONS: usize = 100_000;

/// Which service issued a session: vCenter (`/api/session`) or the snapservice appliance
/// (`/api/snapservice/sessions`, API 9.0+). Split, each listener only knows its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Vcenter,
    Snapservice,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub created: Instant,
    pub last: Instant,
    pub realm: Realm,
}

#[derive(Debug)]
pub struct Sessions {
    map: HashMap<String, Session>,
    idle: Duration,
    created: u64,
}

impl Sessions {
    pub fn new(idle: Duration) -> Sessions {
        Sessions {
            map: HashMap::new(),
            idle,
            created: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// A vCenter session.
    pub fn create(&mut self, user: &str, now: Instant) -> String {
        self.create_in(user, Realm::Vcenter, now)
    }

    pub fn create_in(&mut self, user: &str, realm: Realm, now: Instant) -> String {
        self.created += 1;
        // Expired sessions are otherwise only dropped when presented; sweep now and then so
        // that clients that never log out cannot grow the map without bound.
        if self.created.is_multiple_of(1024) || self.map.len() >= MAX_SESSIONS {
            let idle = self.idle;
            self.map
                .retain(|_, s| now.saturating_duration_since(s.last) <= idle);
        }
        // Like a real vCenter, the mock has a session limit; past it the least recently used
        // tenth is dropped (a linear pass, at most once per tenth of the limit).
        if self.map.len() >= MAX_SESSIONS {
            let mut by_use: Vec<(Instant, String)> = self
                .map
                .iter()
                .map(|(id, s)| (s.last, id.clone()))
                .collect();
            by_use.sort();
            for (_, id) in by_use.into_iter().take(MAX_SESSIONS / 10) {
                self.map.remove(&id);
            }
        }
        let id = new_session_id();
        self.map.insert(
            id.clone(),
            Session {
                user: user.to_owned(),
                created: now,
                last: now,
                realm,
            },
        );
        id
    }

    /// The realm of a known session (live or not), without marking it used.
    pub fn realm_of(&self, id: &str) -> Option<Realm> {
        self.map.get(id).map(|s| s.realm)
    }

    /// The live session with this id, marked as used now; expired ones are removed.
    pub fn touch(&mut self, id: &str, now: Instant) -> Option<&Session> {
        let expired = now.saturating_duration_since(self.map.get(id)?.last) > self.idle;
        if expired {
            self.map.remove(id);
            return None;
        }
        let s = self.map.get_mut(id)?;
        s.last = now;
        Some(s)
    }

    pub fn remove(&mut self, id: &str) -> bool {
        self.map.remove(id).is_some()
    }
}

/// 128 bits from the operating system's secure random source (through ring), in hex.
fn new_session_id() -> String {
    static RANDOM: OnceLock<&'static dyn rustls::crypto::SecureRandom> = OnceLock::new();
    let random = RANDOM.get_or_init(|| rustls::crypto::ring::default_provider().secure_random);
    let mut buf = [0u8; 16];
    if random.fill(&mut buf).is_err() {
        // The OS random source failing is not recoverable in any meaningful way; a v4 UUID
        // (which has its own source) keeps ids unguessable enough for a mock.
        buf = *uuid::Uuid::new_v4().as_bytes();
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// The session id a request presents, if any.
pub(super) fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok())
}

/// `user:password` from `Authorization: Basic ...`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

pub(super) async fn create(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((user, password)) = basic_credentials(&headers) else {
        return ApiError::unauthenticated().into_response();
    };
    let now = Instant::now();
    let mut inner = state.lock(now);
    if !inner.principals.verify(&user, &password) {
        return ApiError::unauthenticated().into_response();
    }
    let id = inner.sessions.create(&user, now);
    json_response(
        StatusCode::CREATED,
        serde_json::to_vec(&id).unwrap_or_default(),
    )
}

/// `POST /api/snapservice/sessions` (API 9.0+): a session for the bearer of an
/// `Authorization: SIGN` token, the way the appliance authenticates; Basic too when the mock
/// serves both roles on one listener (split, the snapservice listener never sees Basic).
pub(super) async fn create_snapservice(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    let sign = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .filter(|v| crate::sso::is_sign(v));
    let user = match (sign, basic_credentials(&headers)) {
        (Some(v), _) => match inner.authenticate_sign(v) {
            Ok(user) => user,
            Err(e) => return e.into_response(),
        },
        (None, Some((user, password))) if inner.principals.verify(&user, &password) => user,
        _ => return ApiError::unauthenticated().into_response(),
    };
    let id = inner.sessions.create_in(&user, Realm::Snapservice, now);
    json_response(
        StatusCode::CREATED,
        serde_json::to_vec(&id).unwrap_or_default(),
    )
}

pub(super) async fn get(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    let Some(s) = session_id(&headers).and_then(|id| inner.sessions.touch(id, now)) else {
        return ApiError::unauthenticated().into_response();
    };
    let info = SessionInfo {
        user: s.user.clone(),
        created_time: state.clock.rfc3339(s.created),
        last_accessed_time: state.clock.rfc3339(s.last),
    };
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&info).unwrap_or_default(),
    )
}

pub(super) async fn delete(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let now = Instant::now();
    let mut inner = state.lock(now);
    let Some(id) = session_id(&headers) else {
        return ApiError::unauthenticated().into_response();
    };
    if inner.sessions.touch(id, now).is_none() {
        return ApiError::unauthenticated().into_response();
    }
    if !state.defects.has(Defect::LogoutKeepsSession) {
        inner.sessions.remove(id);
    }
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_128_bit_hex_and_distinct() {
        let a = new_session_id();
        let b = new_session_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn idle_sessions_expire() {
        let mut s = Sessions::new(Duration::from_secs(10));
        let t0 = Instant::now();
        let id = s.create("u", t0);
        assert!(s.touch(&id, t0 + Duration::from_secs(9)).is_some());
        // Touching renewed it: 9 s after the touch it is still live.
        assert!(s.touch(&id, t0 + Duration::from_secs(18)).is_some());
        assert!(s.touch(&id, t0 + Duration::from_secs(29)).is_none());
        assert!(s.is_empty());
    }

    #[test]
    fn the_session_limit_drops_the_least_recently_used() {
        let mut s = Sessions::new(Duration::from_secs(3600));
        let t0 = Instant::now();
        let oldest = s.create("u", t0);
        for i in 0..MAX_SESSIONS {
            s.create("u", t0 + Duration::from_millis(1 + i as u64));
        }
        assert!(s.len() < MAX_SESSIONS);
        assert!(s.touch(&oldest, t0 + Duration::from_secs(1)).is_none());
    }

    #[test]
    fn basic_header_parses() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Basic dTpwOnE=".parse().unwrap()); // u:p:q
        assert_eq!(basic_credentials(&h), Some(("u".into(), "p:q".into())));
        h.insert(header::AUTHORIZATION, "Bearer x".parse().unwrap());
        assert_eq!(basic_credentials(&h), None);
        h.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(basic_credentials(&h), None);
    }
}

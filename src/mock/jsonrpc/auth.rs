//! Who a JSON-RPC call comes from: its security context, read the way the REST face reads its
//! headers. A password (`user_pass`) is taken by session create only, as the REST face takes
//! Basic credentials only at `POST /api/session`; every other operation needs a session id (or,
//! once the mock's STS is in, a SAML bearer token).

use std::time::Instant;

use crate::vapi::{ExecutionContext, SecurityContext};

use super::super::error::ApiError;
use super::super::state::Inner;

/// The caller of an operation, as the restore core wants it.
pub struct Caller {
    pub user: Result<String, ApiError>,
    /// Whether a session id was presented (live or not).
    pub presented_session: bool,
}

/// The user of the session (or token) the call presents, or Unauthenticated.
pub fn caller(inner: &mut Inner, ctx: &ExecutionContext, now: Instant) -> Caller {
    match &ctx.security_ctx {
        Some(Ok(SecurityContext::SessionId(id))) => Caller {
            user: inner
                .sessions
                .touch(id.expose(), now)
                .map(|s| s.user.clone())
                .ok_or_else(ApiError::unauthenticated),
            presented_session: true,
        },
        // TODO(coordinator): once the STS work (src/sso) is merged, verify the token with the
        // mock's token authentication and answer as its user; until then a bearer token is
        // refused like any credential the mock cannot check.
        Some(Ok(SecurityContext::SamlBearerToken(_))) => unauthenticated(),
        _ => unauthenticated(),
    }
}

fn unauthenticated() -> Caller {
    Caller {
        user: Err(ApiError::unauthenticated()),
        presented_session: false,
    }
}

/// Session create: the user whose password the call carries, or Unauthenticated.
pub fn login(inner: &Inner, ctx: &ExecutionContext) -> Result<String, ApiError> {
    match &ctx.security_ctx {
        Some(Ok(SecurityContext::UserPass { user, password }))
            if inner.principals.verify(user, password.expose()) =>
        {
            Ok(user.clone())
        }
        // TODO(coordinator): a SAML bearer token from the mock's STS logs in as its subject
        // once src/sso is merged.
        _ => Err(ApiError::unauthenticated()),
    }
}

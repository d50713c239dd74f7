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
        // TODO(coordinator): when branch `sts` is merged, answer as the token's principal:
        // `user: inner.authenticate_assertion(token.expose())` (src/mock/tokens.rs there; the
        // bindings send the assertion XML itself, not the SIGN header's gzip+base64 form),
        // `presented_session: false`. Until then a bearer token is refused like any credential
        // the mock cannot check.
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
        // TODO(coordinator): when branch `sts` is merged, a SAML bearer token logs in as its
        // principal (`inner.authenticate_assertion(token.expose())`), as vCenter's session
        // create accepts one.
        _ => Err(ApiError::unauthenticated()),
    }
}

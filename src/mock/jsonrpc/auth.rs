//! Who a JSON-RPC call comes from: its security context, read the way the REST face reads its
//! headers. A password (`user_pass`) is taken by session create only, as the REST face takes
//! Basic credentials only at `POST /api/session`; every other operation needs a session id or a
//! SAML bearer token from the mock's STS (the bindings send the assertion XML itself, not the
//! REST header's gzip+base64 form).

use std::time::Instant;

use crate::vapi::{ExecutionContext, SecurityContext};

use super::super::error::ApiError;
use super::super::sessions::Realm;
use super::super::state::Inner;

/// The caller of an operation, as the restore core wants it.
pub(super) struct Caller {
    pub user: Result<String, ApiError>,
    /// Whether a session id was presented (live or not).
    pub presented_session: bool,
}

/// The user of the session (or token) the call presents, or Unauthenticated. `realm` is the
/// realm whose sessions count here (the snapservice one when the mock is split: the JSON-RPC
/// face is the appliance's).
pub(super) fn caller(
    inner: &mut Inner,
    ctx: &ExecutionContext,
    realm: Option<Realm>,
    now: Instant,
) -> Caller {
    match &ctx.security_ctx {
        Some(Ok(SecurityContext::SessionId(id))) => Caller {
            user: inner.authenticate_session(id.expose(), realm, now),
            presented_session: true,
        },
        Some(Ok(SecurityContext::SamlBearerToken(token))) => Caller {
            user: inner.authenticate_assertion(token.expose()),
            presented_session: false,
        },
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
pub(super) fn login(inner: &Inner, ctx: &ExecutionContext) -> Result<String, ApiError> {
    match &ctx.security_ctx {
        Some(Ok(SecurityContext::UserPass { user, password }))
            if inner.principals.verify(user, password.expose()) =>
        {
            Ok(user.clone())
        }
        // A bearer token logs in as its principal, as the session services accept one.
        Some(Ok(SecurityContext::SamlBearerToken(token))) => {
            inner.authenticate_assertion(token.expose())
        }
        _ => Err(ApiError::unauthenticated()),
    }
}

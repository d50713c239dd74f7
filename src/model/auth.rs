//! How a request authenticates, as the generators choose it and the runner resolves it. It is a
//! data type of the case (the reference oracle reads it, the runner turns it into a header), so
//! it lives with the other shared types rather than in either of them.

use serde::{Deserialize, Serialize};

/// How a request authenticates. The runner turns `Principal` into a real session (or the
/// user-supplied header); the other variants are the AUTHN-* probes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Auth {
    /// A valid session of this fixture principal.
    Principal(String),
    /// No `vmware-api-session-id` header at all (AUTHN-1).
    NoHeader,
    /// A header value that is not a session id this server issued (AUTHN-2).
    Garbage(String),
    /// A session of this principal that was logged out before the request (AUTHN-2).
    LoggedOut(String),
}

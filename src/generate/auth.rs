//! Ways a request authenticates: a real session of a principal, or one of the AUTHN-* probes.

use proptest::prelude::*;

use crate::model::Auth;

/// A valid session of `principal`, no header, a garbage header value (printable ASCII, the
/// empty string included) or a logged-out session of `principal`.
pub fn arb_auth_variant(principal: &str) -> impl Strategy<Value = Auth> + use<> {
    let p = principal.to_owned();
    prop_oneof![
        Just(Auth::Principal(p.clone())),
        Just(Auth::NoHeader),
        "[!-~]{0,64}".prop_map(Auth::Garbage),
        Just(Auth::LoggedOut(p)),
    ]
}

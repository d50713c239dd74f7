//! The vCenter Security Token Service: `POST /sts/STSService/vsphere.local`, SOAP 1.1
//! WS-Trust 1.3 Issue requests for bearer SAML 2.0 tokens (`real-deployment.md` section 2).
//!
//! `issue` decides in numbered steps. Every refusal is a SOAP fault with HTTP 500, as SOAP 1.1
//! prescribes and STS clients (pyvmomi) expect; the codes are WS-Trust's and WS-Security's.

use std::time::{Duration, SystemTime};

use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::sso::{self, IssueRequest, SoapFault, WsTrustError, ns};

use super::state::AppState;

/// The STS of the default SSO domain.
pub const PATH: &str = "/sts/STSService/vsphere.local";

/// Issue requests above this are refused (a real one is under 4 KiB).
pub(super) const BODY_LIMIT: usize = 256 * 1024;

const XML: &str = "text/xml; charset=utf-8";

fn soap(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, XML)], body).into_response()
}

fn fault(f: SoapFault) -> Response {
    soap(StatusCode::INTERNAL_SERVER_ERROR, f.to_xml())
}

fn invalid(why: &str) -> Response {
    fault(SoapFault::wst("InvalidRequest", why))
}

/// The token lifetime a request asks for: `Expires - Created` of its `wst:Lifetime` (from now
/// when it states no Created); `Err` when that window is empty or reversed.
fn requested_lifetime(r: &IssueRequest, now: SystemTime) -> Result<Option<Duration>, ()> {
    let Some(l) = r.lifetime else {
        return Ok(None);
    };
    let Some(expires) = l.expires else {
        return Ok(None);
    };
    match expires.duration_since(l.created.unwrap_or(now)) {
        Ok(d) if !d.is_zero() => Ok(Some(d)),
        _ => Err(()),
    }
}

pub(super) async fn issue(State(state): State<AppState>, body: Body) -> Response {
    // Step 1: a readable request of bounded size.
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return invalid("The request is unreadable or larger than the STS accepts.");
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return invalid("The request is not UTF-8.");
    };
    // Step 2: a WS-Trust RequestSecurityToken in a SOAP 1.1 envelope.
    let request = match IssueRequest::parse(text) {
        Ok(r) => r,
        Err(WsTrustError::Xml(e)) => return invalid(&format!("The request is not XML: {e}.")),
        Err(e) => {
            return invalid(&format!(
                "The request is not a WS-Trust Issue request: {e}."
            ));
        }
    };
    // Step 3: only what this STS issues: Issue, SAML 2.0, bearer.
    if request.request_type != ns::REQUEST_TYPE_ISSUE {
        return invalid("Only Issue requests are served.");
    }
    if request
        .token_type
        .as_deref()
        .is_some_and(|t| t != ns::TOKEN_TYPE_SAML2)
    {
        return invalid("Only SAML 2.0 tokens are issued.");
    }
    if request.key_type.as_deref() != Some(ns::KEY_TYPE_BEARER) {
        return invalid("Only bearer tokens (KeyType Bearer) are issued.");
    }
    let now = SystemTime::now();
    // Step 4: the request's own validity (its wsu:Timestamp).
    if request
        .timestamp
        .and_then(|t| t.expires)
        .is_some_and(|e| e <= now)
    {
        return fault(SoapFault::wsse(
            "MessageExpired",
            "The request has expired.",
        ));
    }
    // Step 5: the lifetime asked for.
    let Ok(requested) = requested_lifetime(&request, now) else {
        return fault(SoapFault::wst(
            "InvalidTimeRange",
            "The requested lifetime is empty.",
        ));
    };
    // Step 6: the credentials, checked as Basic login on /api/session checks them.
    let Some(credentials) = request.credentials.as_ref() else {
        return fault(SoapFault::wst(
            "FailedAuthentication",
            "The request carries no UsernameToken.",
        ));
    };
    let inner = state.lock(std::time::Instant::now());
    if !inner
        .principals
        .verify(&credentials.username, &credentials.password)
    {
        return fault(SoapFault::wst(
            "FailedAuthentication",
            "Invalid credentials",
        ));
    }
    // Step 7: a signed assertion for the shorter of the asked and the allowed lifetime.
    let assertion = inner.tokens.issue(&credentials.username, now, requested);
    drop(inner);
    soap(StatusCode::OK, sso::issue_response_xml(&assertion))
}

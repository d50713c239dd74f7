//! The one place a REST `RequestSpec` becomes bytes on the wire, and the printable record of it.
//! The JSON-RPC wire sends the requests it has an operation for as `invoke` calls
//! (`runner::jsonrpc`, through `Client::send`); the others go out here, as REST, on either wire.

use super::exchange::{RequestSpec, SentRequest};
use super::target::Wire;
use crate::model::Auth;

/// The placeholder printed instead of a session id (see `SentRequest::curl`).
pub const SESSION_PLACEHOLDER: &str = "$SESSION";
/// The placeholder printed instead of an `Authorization` value.
pub const AUTHORIZATION_PLACEHOLDER: &str = "$AUTHORIZATION";

/// What a request carries to authenticate, once the runner has resolved its `Auth`.
#[derive(Clone)]
pub(crate) enum Token {
    /// A session id (`vmware-api-session-id`).
    Session(String),
    /// A whole `Authorization` header value (e.g. a token from the environment).
    Authorization(String),
    None,
}

impl Wire {
    /// The HTTP request for `spec` at `base_url`, carrying `token`.
    pub(crate) fn request(
        self,
        http: &reqwest::Client,
        base_url: &str,
        spec: &RequestSpec,
        token: &Token,
    ) -> reqwest::RequestBuilder {
        match self {
            // On the JSON-RPC wire, a request this function sees has no JSON-RPC operation
            // (vCenter's VM API): it stays REST.
            Wire::Rest | Wire::JsonRpc => {
                let url = format!("{base_url}{}", spec.path);
                let method = reqwest::Method::from_bytes(spec.method.as_bytes())
                    .unwrap_or(reqwest::Method::GET);
                let mut req = http
                    .request(method, &url)
                    .header("Accept", "application/json");
                match token {
                    Token::Session(s) => req = req.header("vmware-api-session-id", s),
                    Token::Authorization(a) => req = req.header("Authorization", a),
                    Token::None => {}
                }
                if let Some(ct) = &spec.content_type {
                    req = req.header("Content-Type", ct);
                }
                if let Some(b) = &spec.body {
                    req = req.body(b.clone());
                }
                req
            }
        }
    }

    /// The request as sent, with the session id and `Authorization` value replaced by
    /// placeholders. A garbage session id is the probe itself and is shown as sent.
    pub(crate) fn describe(self, base_url: &str, spec: &RequestSpec, token: &Token) -> SentRequest {
        match self {
            Wire::Rest | Wire::JsonRpc => {
                let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
                match (token, &spec.auth) {
                    (Token::Session(v), Auth::Garbage(_)) => {
                        headers.push(("vmware-api-session-id".into(), v.clone()))
                    }
                    (Token::Session(_), _) => {
                        headers.push(("vmware-api-session-id".into(), SESSION_PLACEHOLDER.into()))
                    }
                    (Token::Authorization(_), _) => {
                        headers.push(("Authorization".into(), AUTHORIZATION_PLACEHOLDER.into()))
                    }
                    (Token::None, _) => {}
                }
                if let Some(ct) = &spec.content_type {
                    headers.push(("Content-Type".into(), ct.clone()));
                }
                SentRequest {
                    method: spec.method.clone(),
                    url: format!("{base_url}{}", spec.path),
                    headers,
                    body: spec.body.clone(),
                }
            }
        }
    }
}

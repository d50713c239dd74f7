//! The JSON-RPC wire (`Wire::JsonRpc`): the REST-form `RequestSpec`s the suite builds, sent as
//! vAPI JSON-RPC 2.0 `invoke` calls the way the official bindings send them
//! (`real-deployment.md` § 4), and the answers read back in REST form so the same checks judge
//! them. `route` says which operation a request is, `encode` types its input, `decode` reads the
//! answer; this file writes the HTTP request and its printable record.
//!
//! Credentials travel in the body's `ctx.securityCtx`: a session id as `session_id`, a password
//! (session create only) as `user_pass`, a SAML bearer token as `saml_bearer_token`.

pub mod decode;
pub mod encode;
pub mod route;

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value as Json, json};

use super::exchange::SentRequest;
use super::wire::{AUTHORIZATION_PLACEHOLDER, SESSION_PLACEHOLDER, Token};
use crate::model::Auth;
use crate::vapi::envelope::{OPERATION_HEADER, SERVICE_HEADER};
use crate::vapi::{ExecutionContext, Request, Secret, SecurityContext};

pub use decode::{RpcRecord, decode};
pub use route::{Answer, Call, route};

/// Printed instead of a password in a session create.
pub const PASSWORD_PLACEHOLDER: &str = "$PASSWORD";

/// Request ids: strings, as the bindings send them, unique within the process.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub fn next_id() -> String {
    NEXT_ID.fetch_add(1, Ordering::Relaxed).to_string()
}

/// The security context a resolved token stands for. A SAML bearer token arrives as the REST
/// header `SIGN token="<gzip+base64>"` (the SSO flow's output, `sso::header`) and travels as the
/// assertion itself, as the bindings send it. Any other `Authorization` value has no
/// JSON-RPC form: that is the caller's error, said in words.
pub(crate) fn security_context(token: &Token) -> Result<Option<SecurityContext>, String> {
    match token {
        Token::None => Ok(None),
        Token::Session(s) => Ok(Some(SecurityContext::SessionId(Secret::new(s.clone())))),
        Token::Authorization(a) if crate::sso::is_sign(a) => {
            let xml = crate::sso::decode_sign_header(a).map_err(|e| {
                format!("the SIGN token cannot be sent as a SAML bearer token: {e}")
            })?;
            Ok(Some(SecurityContext::SamlBearerToken(Secret::new(xml))))
        }
        Token::Authorization(_) => Err(
            "an Authorization value other than a SIGN token has no JSON-RPC security context"
                .into(),
        ),
    }
}

/// The request body of `call`.
fn body(call: &Call, id: &str, ctx: Option<SecurityContext>) -> Json {
    let mut app_ctx = Map::new();
    app_ctx.insert("opId".into(), json!(format!("snapconf-{id}")));
    Request {
        id: json!(id),
        service_id: call.service.to_owned(),
        operation_id: call.operation.clone(),
        input: call.input.clone(),
        ctx: ExecutionContext {
            app_ctx,
            security_ctx: ctx.map(Ok),
        },
    }
    .to_json()
}

/// The HTTP request for `call` at `url`: a POST with the bindings' headers.
pub(crate) fn request(
    http: &reqwest::Client,
    url: &str,
    call: &Call,
    id: &str,
    ctx: Option<SecurityContext>,
) -> reqwest::RequestBuilder {
    http.post(url)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header(SERVICE_HEADER, call.service)
        .header(OPERATION_HEADER, &call.operation)
        .body(body(call, id, ctx).to_string())
}

/// The request as sent, its secrets replaced by placeholders: `$SESSION` for a session id,
/// `$AUTHORIZATION` for a SAML token, `$PASSWORD` for a password. A garbage session id is the
/// probe itself and is shown as sent.
pub(crate) fn describe(
    url: &str,
    call: &Call,
    id: &str,
    ctx: Option<&SecurityContext>,
    auth: &Auth,
) -> SentRequest {
    let shown = ctx.map(|c| match (c, auth) {
        (SecurityContext::SessionId(_), Auth::Garbage(_)) => c.clone(),
        (SecurityContext::SessionId(_), _) => {
            SecurityContext::SessionId(Secret::new(SESSION_PLACEHOLDER))
        }
        (SecurityContext::SamlBearerToken(_), _) => {
            SecurityContext::SamlBearerToken(Secret::new(AUTHORIZATION_PLACEHOLDER))
        }
        (SecurityContext::UserPass { user, .. }, _) => SecurityContext::UserPass {
            user: user.clone(),
            password: Secret::new(PASSWORD_PLACEHOLDER),
        },
        (other, _) => other.clone(),
    });
    SentRequest {
        method: "POST".into(),
        url: url.to_owned(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Accept".into(), "application/json".into()),
            (SERVICE_HEADER.into(), call.service.into()),
            (OPERATION_HEADER.into(), call.operation.clone()),
        ],
        body: Some(body(call, id, shown).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::RequestSpec;

    fn restore_call() -> Call {
        route(&RequestSpec::post_json(
            "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true",
            Auth::NoHeader,
            r#"{"snapshot":"snap-1"}"#,
        ))
        .unwrap()
    }

    #[test]
    fn the_request_is_a_vapi_invoke_the_mock_reads() {
        let ctx = security_context(&Token::Session("secret-session".into())).unwrap();
        let b = body(&restore_call(), "7", ctx);
        let parsed = Request::parse(b.to_string().as_bytes()).unwrap();
        assert_eq!(parsed.id, json!("7"));
        assert_eq!(parsed.operation_id, "restore$task");
        assert_eq!(
            parsed.ctx.security_ctx,
            Some(Ok(SecurityContext::SessionId(Secret::new(
                "secret-session"
            ))))
        );
        assert_eq!(b["jsonrpc"], json!("2.0"));
        assert_eq!(b["method"], json!("invoke"));
    }

    #[test]
    fn the_record_hides_secrets_but_shows_a_garbage_probe() {
        let call = restore_call();
        let ctx = SecurityContext::SessionId(Secret::new("secret-session"));
        let shown = describe(
            "http://x/api",
            &call,
            "1",
            Some(&ctx),
            &Auth::Principal("p".into()),
        );
        let text = shown.body.clone().unwrap();
        assert!(
            !text.contains("secret-session") && text.contains("$SESSION"),
            "{text}"
        );
        assert!(
            shown
                .headers
                .contains(&("vapi-operation".into(), "restore$task".into()))
        );
        let probe = describe(
            "http://x/api",
            &call,
            "1",
            Some(&ctx),
            &Auth::Garbage("g".into()),
        );
        assert!(probe.body.unwrap().contains("secret-session"));
        let login = SecurityContext::UserPass {
            user: "u".into(),
            password: Secret::new("pw-123"),
        };
        let shown = describe("http://x/api", &call, "1", Some(&login), &Auth::NoHeader);
        assert!(!shown.body.unwrap().contains("pw-123"));
    }

    #[test]
    fn tokens_become_security_contexts() {
        assert_eq!(security_context(&Token::None), Ok(None));
        let sign = crate::sso::sign_header("<Assertion/>");
        assert_eq!(
            security_context(&Token::Authorization(sign)),
            Ok(Some(SecurityContext::SamlBearerToken(Secret::new(
                "<Assertion/>"
            ))))
        );
        assert!(security_context(&Token::Authorization("Bearer x".into())).is_err());
    }
}

//! What the runner sent and what the target did: data only. An `Observation` is never a
//! judgement (that is the oracle's `Finding`), and a misbehaving target is an observation, not
//! an error of the harness (`design.md`, principle 7).

use std::time::Duration;

use serde::Serialize;

use crate::model::{Auth, Case};

/// A request to send, before authentication is resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestSpec {
    pub method: String,
    /// Path and query, e.g. `/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true`.
    pub path: String,
    pub auth: Auth,
    /// Raw body bytes (as UTF-8 text where possible), with its content type.
    pub body: Option<String>,
    pub content_type: Option<String>,
}

impl RequestSpec {
    pub fn get(path: impl Into<String>, auth: Auth) -> Self {
        RequestSpec {
            method: "GET".into(),
            path: path.into(),
            auth,
            body: None,
            content_type: None,
        }
    }

    pub fn delete(path: impl Into<String>, auth: Auth) -> Self {
        RequestSpec {
            method: "DELETE".into(),
            path: path.into(),
            auth,
            body: None,
            content_type: None,
        }
    }

    /// The restore request a generated case describes.
    pub fn restore(case: &Case) -> Self {
        RequestSpec::post_json(case.path(), case.auth.clone(), case.body.text())
    }

    pub fn post_json(path: impl Into<String>, auth: Auth, body: impl Into<String>) -> Self {
        RequestSpec {
            method: "POST".into(),
            path: path.into(),
            auth,
            body: Some(body.into()),
            content_type: Some("application/json".into()),
        }
    }
}

/// The request as it went on the wire, secrets replaced by placeholders, ready to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    /// Header names and values; the session id and `Authorization` are redacted.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl SentRequest {
    /// A curl line reproducing the request. The session id is a shell variable placeholder so
    /// the line works after `SESSION=$(curl ... /api/session)` and never carries a real secret.
    pub fn curl(&self, insecure: bool) -> String {
        let mut s = String::from("curl -sS");
        if insecure
            || self.url.starts_with("https://127.")
            || self.url.starts_with("https://localhost")
        {
            s.push_str(" -k");
        }
        s.push_str(&format!(" -X {}", self.method));
        for (k, v) in &self.headers {
            s.push_str(&format!(" -H {}", shell_quote(&format!("{k}: {v}"))));
        }
        if let Some(b) = &self.body {
            s.push_str(&format!(" --data-raw {}", shell_quote(b)));
        }
        s.push_str(&format!(" {}", shell_quote(&self.url)));
        s
    }
}

/// Single-quotes for a POSIX shell, except `$SESSION`/`$AUTH` placeholders which must expand:
/// header values that are exactly a placeholder are double-quoted instead.
/// Inside a single-quoted JSON-RPC body, the session placeholder (`"sessionId":"$SESSION"`)
/// is closed out of the quotes so it expands too.
fn shell_quote(s: &str) -> String {
    if s.ends_with(": $SESSION") || s.ends_with(": $AUTHORIZATION") {
        return format!("\"{s}\"");
    }
    let quoted = s
        .replace('\'', r"'\''")
        .replace("\"$SESSION\"", "\"'\"$SESSION\"'\"");
    format!("'{quoted}'")
}

/// Why no HTTP response was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// Connection refused or host unreachable.
    Refused,
    /// Reset or closed before a complete response.
    Reset,
    /// TLS handshake or certificate failure.
    Tls,
    /// Not HTTP, a bad header or a body that does not match its framing.
    Protocol,
    /// The body exceeded the harness's size limit.
    BodyTooLarge,
    Other,
}

/// What the target did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observation {
    Response {
        status: u16,
        content_type: Option<String>,
        /// The body as text (lossy UTF-8), capped by the runner's body limit.
        body: String,
        #[serde(with = "millis")]
        elapsed: Duration,
    },
    Timeout {
        #[serde(with = "millis")]
        after: Duration,
    },
    Transport {
        transport: TransportKind,
        detail: String,
    },
}

impl Observation {
    pub fn status(&self) -> Option<u16> {
        match self {
            Observation::Response { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn body(&self) -> Option<&str> {
        match self {
            Observation::Response { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        self.body().and_then(|b| serde_json::from_str(b).ok())
    }

    /// A one-line description for failure messages: status, error_type and message ids, or the
    /// transport failure.
    pub fn summary(&self) -> String {
        match self {
            Observation::Response { status, body, .. } => {
                let mut s = format!("{status}");
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
                    if let Some(t) = v.get("error_type").and_then(|t| t.as_str()) {
                        s.push_str(&format!(" {t}"));
                    }
                    if let Some(ids) = v.get("messages").and_then(|m| m.as_array()) {
                        let ids: Vec<&str> = ids
                            .iter()
                            .filter_map(|m| m.get("id").and_then(|i| i.as_str()))
                            .collect();
                        if !ids.is_empty() {
                            s.push_str(&format!(" [{}]", ids.join(", ")));
                        }
                    }
                    if v.is_string() {
                        s.push_str(&format!(" {v}"));
                    }
                } else if !body.is_empty() {
                    let cut: String = body.chars().take(120).collect();
                    s.push_str(&format!(" (non-JSON body: {cut:?})"));
                }
                s
            }
            Observation::Timeout { after } => format!("no answer within {} ms", after.as_millis()),
            Observation::Transport { transport, detail } => {
                format!("transport failure ({transport:?}): {detail}")
            }
        }
    }
}

/// One request and what came back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exchange {
    pub request: SentRequest,
    /// On the JSON-RPC wire, the answer in REST form (`runner::jsonrpc::decode`); otherwise
    /// the answer as it came.
    pub observation: Observation,
    /// On the JSON-RPC wire, the call and its answer as they came (judged by
    /// `checks::envelope`); `None` for a REST exchange.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpc: Option<super::jsonrpc::RpcRecord>,
}

mod millis {
    use std::time::Duration;

    pub(super) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_quotes_body_and_keeps_session_placeholder() {
        let r = SentRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:8080/api/x?action=restore&vmw-task=true".into(),
            headers: vec![
                ("vmware-api-session-id".into(), "$SESSION".into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: Some(r#"{"name":"it's"}"#.into()),
        };
        let c = r.curl(false);
        assert!(c.contains(r#"-H "vmware-api-session-id: $SESSION""#), "{c}");
        assert!(c.contains(r#"--data-raw '{"name":"it'\''s"}'"#), "{c}");
        assert!(
            c.ends_with("'http://127.0.0.1:8080/api/x?action=restore&vmw-task=true'"),
            "{c}"
        );
    }

    #[test]
    fn curl_expands_the_session_placeholder_inside_a_json_rpc_body() {
        let r = SentRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:8080/api".into(),
            headers: vec![],
            body: Some(r#"{"securityCtx":{"sessionId":"$SESSION"}}"#.into()),
        };
        let c = r.curl(false);
        assert!(
            c.contains(r#"--data-raw '{"securityCtx":{"sessionId":"'"$SESSION"'"}}'"#),
            "{c}"
        );
    }

    #[test]
    fn summary_names_error_type_and_message_ids() {
        let o = Observation::Response {
            status: 400,
            content_type: Some("application/json".into()),
            body: r#"{"error_type":"INVALID_ARGUMENT","messages":[{"id":"a.b","default_message":"x","args":[]}]}"#.into(),
            elapsed: Duration::ZERO,
        };
        assert_eq!(o.summary(), "400 INVALID_ARGUMENT [a.b]");
    }
}

//! Normalized responses for snapshots (FMT-5): what must stay stable across server builds
//! (status, error_type, message ids, body shape), with ids, times and tokens redacted.

use serde_json::{Value, json};

use crate::runner::Observation;

/// A one-line shape: `400 INVALID_ARGUMENT [com.vmware...snapshot.other_cluster]`, `202 <task id>`.
pub fn shape(o: &Observation) -> String {
    match o {
        Observation::Response { status, body, .. } => match serde_json::from_str::<Value>(body) {
            Ok(Value::String(_)) => format!("{status} <string>"),
            Ok(v) => {
                let et = v.get("error_type").and_then(Value::as_str).unwrap_or("-");
                let ids: Vec<&str> = v
                    .get("messages")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|m| m.get("id").and_then(Value::as_str))
                            .collect()
                    })
                    .unwrap_or_default();
                format!("{status} {et} [{}]", ids.join(", "))
            }
            Err(_) => format!("{status} <non-JSON body>"),
        },
        Observation::Timeout { .. } => "timeout".to_owned(),
        Observation::Transport { transport, .. } => format!("transport {transport:?}"),
    }
}

/// The normalized response of one exchange, for a per-scenario snapshot: the body's shape with
/// every string that is an id, a time or free text replaced by a placeholder, and message ids,
/// error types and argument counts kept.
pub fn normalized(o: &Observation) -> Value {
    match o {
        Observation::Response {
            status,
            content_type,
            body,
            ..
        } => {
            let body = match serde_json::from_str::<Value>(body) {
                Ok(v) => redact(&v, None),
                Err(_) => Value::String("<non-JSON body>".into()),
            };
            json!({"status": status, "content_type": content_type, "body": body})
        }
        other => json!({"observation": shape(other)}),
    }
}

/// Compares `value` with the insta snapshot `name` under the top-level `snapshots/` folder.
/// Settings are bound here, inside the trial's thread (insta's settings are per thread). Only
/// the crate's own test run asserts snapshots (`SuiteConfig::snapshots`), so the path is the
/// source tree's, fixed when the crate is built.
pub fn assert_snapshot(name: &str, description: &str, value: &impl serde::Serialize) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(description);
    settings.bind(|| insta::assert_json_snapshot!(name, value));
}

/// Keeps structure and the fields that carry meaning (`error_type`, message `id`, `status`);
/// replaces other strings by their role.
fn redact(v: &Value, key: Option<&str>) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), redact(x, Some(k))))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| redact(x, key)).collect()),
        Value::String(s) => match key {
            Some("error_type") | Some("id") | Some("status") => Value::String(s.clone()),
            Some("default_message") => Value::String("<message>".into()),
            Some("args") => Value::String("<arg>".into()),
            None => Value::String("<string>".into()),
            Some(_) => Value::String("<redacted>".into()),
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn resp(status: u16, body: &str) -> Observation {
        Observation::Response {
            status,
            content_type: Some("application/json".into()),
            body: body.into(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn shape_keeps_error_type_and_message_ids_only() {
        let o = resp(
            400,
            r#"{"error_type":"INVALID_ARGUMENT","messages":[{"id":"a.b","default_message":"Snapshot snap-1 ...","args":["snap-1"]}],"data":null}"#,
        );
        assert_eq!(shape(&o), "400 INVALID_ARGUMENT [a.b]");
        assert_eq!(shape(&resp(202, r#""7c9e:com.vmware""#)), "202 <string>");
    }

    #[test]
    fn normalized_redacts_ids_and_text_but_not_message_ids() {
        let o = resp(
            400,
            r#"{"error_type":"INVALID_ARGUMENT","messages":[{"id":"a.b","default_message":"Snapshot snap-1","args":["snap-1"]}]}"#,
        );
        let n = normalized(&o).to_string();
        assert!(n.contains("a.b") && n.contains("INVALID_ARGUMENT"));
        assert!(!n.contains("snap-1"), "{n}");
    }
}

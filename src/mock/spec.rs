//! Reading a `RestoreSpec` body by hand, so that every way a body can be wrong is told apart
//! (not JSON, not an object, a field of the wrong type) and none of them reaches axum's
//! plain-text rejections. `null` and absent mean the same (unset); unknown fields are ignored
//! (INV-12, the mock's choice).

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Placement {
    pub folder: Option<String>,
    pub resource_pool: Option<String>,
    pub host: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Spec {
    pub snapshot: Option<String>,
    pub name: Option<String>,
    pub placement: Option<Placement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SpecError {
    /// The body is larger than the mock reads (`restore::BODY_LIMIT`).
    TooLarge,
    NotJson,
    NotObject,
    WrongType(&'static str),
    /// A typed (JSON-RPC) spec that does not fit its definition: where and why.
    Typed(String),
}

impl SpecError {
    pub(super) fn detail(&self) -> String {
        match self {
            SpecError::TooLarge => "the body is larger than 1 MiB".into(),
            SpecError::NotJson => "the body is not JSON".into(),
            SpecError::NotObject => "the body is not a JSON object".into(),
            SpecError::WrongType(f) => format!("field {f} has the wrong type"),
            SpecError::Typed(why) => why.clone(),
        }
    }
}

fn opt_string(
    obj: &Map<String, Value>,
    key: &str,
    path: &'static str,
) -> Result<Option<String>, SpecError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(SpecError::WrongType(path)),
    }
}

pub(super) fn parse(body: &[u8]) -> Result<Spec, SpecError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| SpecError::NotJson)?;
    from_value(&v)
}

/// A spec from a JSON value (the JSON-RPC face reads its typed spec into this form first).
pub(super) fn from_value(v: &Value) -> Result<Spec, SpecError> {
    let Value::Object(obj) = v else {
        return Err(SpecError::NotObject);
    };
    let placement = match obj.get("placement") {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => Some(Placement {
            folder: opt_string(p, "folder", "placement.folder")?,
            resource_pool: opt_string(p, "resource_pool", "placement.resource_pool")?,
            host: opt_string(p, "host", "placement.host")?,
        }),
        Some(_) => return Err(SpecError::WrongType("placement")),
    };
    Ok(Spec {
        snapshot: opt_string(obj, "snapshot", "snapshot")?,
        name: opt_string(obj, "name", "name")?,
        placement,
    })
}

/// Why a VM name is not valid (INV-11), or `None` when it is. Valid names are 1 to 80
/// characters (not bytes), not only whitespace, without control characters; Unicode, spaces
/// and punctuation are fine.
pub(super) fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.trim().is_empty() {
        Some("is only whitespace")
    } else if name.chars().count() > 80 {
        Some("is longer than 80 characters")
    } else if name.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inv_10_bodies_that_are_not_specs() {
        assert_eq!(parse(b""), Err(SpecError::NotJson));
        assert_eq!(parse(b"{"), Err(SpecError::NotJson));
        assert_eq!(parse(b"[{}]"), Err(SpecError::NotObject));
        assert_eq!(parse(b"\"s\""), Err(SpecError::NotObject));
        assert_eq!(
            parse(br#"{"snapshot":1}"#),
            Err(SpecError::WrongType("snapshot"))
        );
        assert_eq!(
            parse(br#"{"snapshot":"s","name":["x"]}"#),
            Err(SpecError::WrongType("name"))
        );
        assert_eq!(
            parse(br#"{"snapshot":"s","placement":"p"}"#),
            Err(SpecError::WrongType("placement"))
        );
        assert_eq!(
            parse(br#"{"snapshot":"s","placement":{"host":true}}"#),
            Err(SpecError::WrongType("placement.host"))
        );
    }

    #[test]
    fn null_and_absent_are_unset_and_extras_ignored() {
        let a = parse(br#"{"snapshot":"s","name":null,"placement":null,"x":1}"#).unwrap();
        assert_eq!(
            a,
            Spec {
                snapshot: Some("s".into()),
                ..Spec::default()
            }
        );
        let b = parse(br#"{"placement":{"folder":"f","host":null}}"#).unwrap();
        assert_eq!(b.snapshot, None);
        assert_eq!(b.placement.unwrap().folder.as_deref(), Some("f"));
    }

    #[test]
    fn inv_11_name_rules() {
        assert!(name_problem("").is_some());
        assert!(name_problem("   ").is_some());
        assert!(name_problem("a\tb").is_some());
        assert!(name_problem(&"x".repeat(81)).is_some());
        assert!(name_problem(&"é".repeat(80)).is_none());
        assert!(name_problem("web 01 (copy) ünï ☃").is_none());
    }
}

//! vAPI data values as JSON-RPC carries them (`real-deployment.md` § 4).
//!
//! Strings, integers, doubles, booleans, lists and void are plain JSON; every other kind is a
//! one-key JSON object naming it: `{"STRUCTURE":{"<name>":{fields}}}`, `{"ERROR":{"<name>":
//! {fields}}}`, `{"OPTIONAL":<value or null>}`, `{"SECRET":"..."}`, `{"BINARY":"<base64>"}`.
//! This module is the untyped layer: it reads and writes that encoding faithfully, and knows
//! nothing of any particular structure (`types.rs` checks values against definitions).

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use serde_json::{Map, Value as Json};

use super::types::TypeError;

/// The JSON tags of the typed kinds.
pub const STRUCTURE: &str = "STRUCTURE";
pub const ERROR: &str = "ERROR";
pub const OPTIONAL: &str = "OPTIONAL";
pub const SECRET: &str = "SECRET";
pub const BINARY: &str = "BINARY";

/// A secret string (password, session id, token). Its `Debug` never shows the text, so a secret
/// inside any value can be logged or asserted on without leaking; `expose` is the one way out.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A structure or an error: its canonical name and its fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StructValue {
    pub name: String,
    pub fields: BTreeMap<String, Value>,
}

impl StructValue {
    pub fn new(name: &str) -> StructValue {
        StructValue {
            name: name.to_owned(),
            fields: BTreeMap::new(),
        }
    }

    /// Adds a field (builder style).
    pub fn with(mut self, field: &str, value: Value) -> StructValue {
        self.fields.insert(field.to_owned(), value);
        self
    }

    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }
}

/// One vAPI data value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Void,
    Boolean(bool),
    Integer(i64),
    Double(f64),
    String(String),
    Binary(Vec<u8>),
    Secret(Secret),
    List(Vec<Value>),
    Optional(Option<Box<Value>>),
    Structure(StructValue),
    Error(StructValue),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// `{"OPTIONAL": v}` (set).
    pub fn some(v: Value) -> Value {
        Value::Optional(Some(Box::new(v)))
    }

    /// `{"OPTIONAL": null}` (unset).
    pub fn none() -> Value {
        Value::Optional(None)
    }

    /// The kind's name, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Void => "void",
            Value::Boolean(_) => "boolean",
            Value::Integer(_) => "integer",
            Value::Double(_) => "double",
            Value::String(_) => "string",
            Value::Binary(_) => "BINARY",
            Value::Secret(_) => "SECRET",
            Value::List(_) => "list",
            Value::Optional(_) => "OPTIONAL",
            Value::Structure(_) => "STRUCTURE",
            Value::Error(_) => "ERROR",
        }
    }

    /// The structure inside a `STRUCTURE` value.
    pub fn as_struct(&self) -> Option<&StructValue> {
        match self {
            Value::Structure(s) => Some(s),
            _ => None,
        }
    }

    /// The wire encoding of this value.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Void => Json::Null,
            Value::Boolean(b) => Json::Bool(*b),
            Value::Integer(i) => Json::from(*i),
            // A non-finite double has no JSON form; null is what serde_json writes for it.
            Value::Double(d) => serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.clone()),
            Value::Binary(b) => tagged(
                BINARY,
                Json::String(base64::engine::general_purpose::STANDARD.encode(b)),
            ),
            Value::Secret(s) => tagged(SECRET, Json::String(s.expose().to_owned())),
            Value::List(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Optional(v) => tagged(OPTIONAL, v.as_ref().map_or(Json::Null, |v| v.to_json())),
            Value::Structure(s) => tagged(STRUCTURE, struct_json(s)),
            Value::Error(s) => tagged(ERROR, struct_json(s)),
        }
    }

    /// Reads the wire encoding. Every object must be one of the typed kinds with exactly one
    /// key, as the runtime's own decoder requires.
    pub fn from_json(j: &Json) -> Result<Value, TypeError> {
        Ok(match j {
            Json::Null => Value::Void,
            Json::Bool(b) => Value::Boolean(*b),
            Json::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Value::Integer(i),
                // Above i64 but integral: outside the vAPI 64-bit integer range.
                (None, _) if n.is_u64() => {
                    return Err(TypeError::new("an integer outside the 64-bit range"));
                }
                (None, Some(d)) => Value::Double(d),
                (None, None) => return Err(TypeError::new("a number with no double value")),
            },
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Value::from_json(v).map_err(|e| e.within(&format!("[{i}]"))))
                    .collect::<Result<_, _>>()?,
            ),
            Json::Object(obj) => {
                let mut entries = obj.iter();
                let (Some((tag, inner)), None) = (entries.next(), entries.next()) else {
                    return Err(TypeError::new(
                        "a typed value object must have exactly one key (STRUCTURE, ERROR, OPTIONAL, SECRET or BINARY)",
                    ));
                };
                match tag.as_str() {
                    STRUCTURE => Value::Structure(read_struct(inner)?),
                    ERROR => Value::Error(read_struct(inner)?),
                    OPTIONAL => match inner {
                        Json::Null => Value::Optional(None),
                        v => Value::some(Value::from_json(v)?),
                    },
                    SECRET => match inner {
                        Json::String(s) => Value::Secret(Secret::new(s.clone())),
                        _ => return Err(TypeError::new("a SECRET must be a string")),
                    },
                    BINARY => match inner {
                        Json::String(s) => Value::Binary(
                            base64::engine::general_purpose::STANDARD
                                .decode(s)
                                .map_err(|_| TypeError::new("a BINARY must be base64"))?,
                        ),
                        _ => return Err(TypeError::new("a BINARY must be a base64 string")),
                    },
                    other => {
                        return Err(TypeError::new(&format!(
                            "unknown typed value tag {other:?}"
                        )));
                    }
                }
            }
        })
    }
}

fn tagged(tag: &str, inner: Json) -> Json {
    let mut m = Map::new();
    m.insert(tag.to_owned(), inner);
    Json::Object(m)
}

fn struct_json(s: &StructValue) -> Json {
    let fields: Map<String, Json> = s
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    tagged(&s.name, Json::Object(fields))
}

/// `{"<name>":{fields}}`, the inside of a STRUCTURE or ERROR.
fn read_struct(j: &Json) -> Result<StructValue, TypeError> {
    let Json::Object(obj) = j else {
        return Err(TypeError::new(
            "a STRUCTURE or ERROR must hold {\"<name>\":{fields}}",
        ));
    };
    let mut entries = obj.iter();
    let (Some((name, fields)), None) = (entries.next(), entries.next()) else {
        return Err(TypeError::new(
            "a STRUCTURE or ERROR must hold exactly one name",
        ));
    };
    let Json::Object(fields) = fields else {
        return Err(TypeError::new("the fields of a STRUCTURE must be an object").within(name));
    };
    let mut out = StructValue::new(name);
    for (k, v) in fields {
        out.fields
            .insert(k.clone(), Value::from_json(v).map_err(|e| e.within(k))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_captured_restore_input_round_trips() {
        // The spec of the captured request in real-deployment.md § 4.
        let wire = json!({"STRUCTURE":{"com.vmware.snapservice.clusters.virtual_machines.restore_spec":{
            "snapshot":"snap-1","name":{"OPTIONAL":"restored"},
            "placement":{"OPTIONAL":{"STRUCTURE":{"com.vmware.snapservice.clusters.virtual_machines.restore_placement_spec":{
                "folder":{"OPTIONAL":"group-v4"},"resource_pool":{"OPTIONAL":null},"host":{"OPTIONAL":null}}}}}}}});
        let v = Value::from_json(&wire).unwrap();
        let s = v.as_struct().unwrap();
        assert_eq!(
            s.name,
            "com.vmware.snapservice.clusters.virtual_machines.restore_spec"
        );
        assert_eq!(s.field("snapshot"), Some(&Value::string("snap-1")));
        assert_eq!(
            s.field("name"),
            Some(&Value::some(Value::string("restored")))
        );
        assert_eq!(v.to_json(), wire);
    }

    #[test]
    fn scalars_lists_secrets_and_binary() {
        for (j, v) in [
            (json!(null), Value::Void),
            (json!(true), Value::Boolean(true)),
            (json!(-7), Value::Integer(-7)),
            (json!(1.5), Value::Double(1.5)),
            (json!("x"), Value::string("x")),
            (
                json!(["a", 1]),
                Value::List(vec![Value::string("a"), Value::Integer(1)]),
            ),
            (json!({"SECRET":"pw"}), Value::Secret(Secret::new("pw"))),
            (json!({"BINARY":"AAE="}), Value::Binary(vec![0, 1])),
            (json!({"OPTIONAL":null}), Value::none()),
            (
                json!({"ERROR":{"com.vmware.vapi.std.errors.not_found":{}}}),
                Value::Error(StructValue::new("com.vmware.vapi.std.errors.not_found")),
            ),
        ] {
            assert_eq!(Value::from_json(&j).unwrap(), v, "{j}");
            assert_eq!(v.to_json(), j);
        }
    }

    #[test]
    fn malformed_typed_objects_are_refused_with_a_path() {
        for bad in [
            json!({}),
            json!({"STRUCTURE":{"a":{}},"OPTIONAL":null}),
            json!({"STRUCTURE":{"a":{},"b":{}}}),
            json!({"STRUCTURE":"a"}),
            json!({"SECRET":1}),
            json!({"BINARY":"***"}),
            json!({"NOPE":1}),
            json!(18446744073709551615u64),
        ] {
            assert!(Value::from_json(&bad).is_err(), "{bad}");
        }
        let e = Value::from_json(&json!({"STRUCTURE":{"s":{"f":[1,{"X":1}]}}})).unwrap_err();
        assert_eq!(e.path, "f[1]");
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let v = Value::Secret(Secret::new("hunter2"));
        assert!(!format!("{v:?}").contains("hunter2"));
        assert_eq!(Secret::new("hunter2").expose(), "hunter2");
    }
}

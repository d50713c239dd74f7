//! vAPI types and the conversion between typed values and "clean" JSON.
//!
//! Clean JSON is the REST form of the same data: a structure is a plain object, an unset
//! optional is an absent field, a secret is a plain string. Converting through a type definition
//! both ways is how the runtime's bindings work (`TypeConverter` with binding types), and it lets
//! the JSON-RPC face reuse everything written for the REST form: the mock reads a typed restore
//! spec by checking it against `RESTORE_SPEC` and reading the clean object like a REST body.

use std::fmt;

use base64::Engine;
use serde_json::{Map, Value as Json};

use super::errors;
use super::value::{Secret, StructValue, Value};

/// The name of a map entry structure (maps travel as lists of `{key, value}` structures).
pub const MAP_ENTRY: &str = "map-entry";

/// A vAPI type, as the bindings declare it.
#[derive(Debug, Clone, Copy)]
pub enum Type {
    Void,
    Boolean,
    Integer,
    Double,
    String,
    /// An identifier: a string on the wire.
    Id,
    /// RFC 3339 text on the wire.
    DateTime,
    /// An enumeration (named): its value is a string. Unknown values are accepted, as the
    /// runtime treats enumerations as open.
    Enum(&'static str),
    Secret,
    Binary,
    Optional(&'static Type),
    List(&'static Type),
    Map(&'static Type, &'static Type),
    Struct(&'static StructDef),
    /// Any structure (e.g. an error's `data`).
    DynamicStruct,
    /// Any value (e.g. a task's `result`).
    Opaque,
    /// Any standard error (e.g. a task's `error`).
    AnyError,
}

/// A structure type: its canonical name and its fields.
#[derive(Debug)]
pub struct StructDef {
    pub name: &'static str,
    pub fields: &'static [(&'static str, Type)],
}

/// A value that does not fit its type, or wire JSON that is not a typed value; `path` says
/// where (`spec.placement.folder`, `items[2].vm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    pub path: String,
    pub problem: String,
}

impl TypeError {
    pub fn new(problem: &str) -> TypeError {
        TypeError {
            path: String::new(),
            problem: problem.to_owned(),
        }
    }

    /// The same error, one level further out: `segment` is a field name or `[i]`.
    pub fn within(mut self, segment: &str) -> TypeError {
        self.path = if self.path.is_empty() {
            segment.to_owned()
        } else if self.path.starts_with('[') {
            format!("{segment}{}", self.path)
        } else {
            format!("{segment}.{}", self.path)
        };
        self
    }

    fn expected(what: &str, got: &str) -> TypeError {
        TypeError::new(&format!("expected {what}, got {got}"))
    }
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "{}: {}", self.path, self.problem)
        }
    }
}

impl std::error::Error for TypeError {}

fn json_kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Checks `v` against `ty` and gives its clean JSON form.
pub fn to_clean(v: &Value, ty: Type) -> Result<Json, TypeError> {
    match (ty, v) {
        (Type::Void, Value::Void) => Ok(Json::Null),
        (Type::Boolean, Value::Boolean(b)) => Ok(Json::Bool(*b)),
        (Type::Integer, Value::Integer(i)) => Ok(Json::from(*i)),
        (Type::Double, Value::Double(_) | Value::Integer(_)) => Ok(untyped_clean(v)),
        (Type::String | Type::Id | Type::DateTime | Type::Enum(_), Value::String(s)) => {
            Ok(Json::String(s.clone()))
        }
        (Type::Secret, Value::Secret(s)) => Ok(Json::String(s.expose().to_owned())),
        (Type::Binary, Value::Binary(_)) => Ok(untyped_clean(v)),
        (Type::Optional(_), Value::Optional(None)) => Ok(Json::Null),
        (Type::Optional(inner), Value::Optional(Some(x))) => to_clean(x, *inner),
        (Type::List(inner), Value::List(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| to_clean(x, *inner).map_err(|e| e.within(&format!("[{i}]"))))
            .collect::<Result<_, _>>()
            .map(Json::Array),
        (Type::Map(k, val), Value::List(entries)) => {
            let mut out = Map::new();
            for (i, entry) in entries.iter().enumerate() {
                let at = |e: TypeError| e.within(&format!("[{i}]"));
                let s = match entry {
                    Value::Structure(s) if s.name == MAP_ENTRY => s,
                    other => return Err(at(TypeError::expected("a map-entry", other.kind()))),
                };
                let key = match s.field("key").map(|x| to_clean(x, *k)) {
                    Some(Ok(Json::String(key))) => key,
                    Some(Err(e)) => return Err(at(e.within("key"))),
                    _ => return Err(at(TypeError::new("a map key must be a string"))),
                };
                let value = s
                    .field("value")
                    .ok_or_else(|| at(TypeError::new("a map-entry has no value")))?;
                out.insert(
                    key,
                    to_clean(value, *val).map_err(|e| at(e.within("value")))?,
                );
            }
            Ok(Json::Object(out))
        }
        (Type::Struct(def), Value::Structure(s)) => struct_to_clean(def, s),
        (Type::DynamicStruct, Value::Structure(_)) => Ok(untyped_clean(v)),
        (Type::AnyError, Value::Error(_)) => Ok(untyped_clean(v)),
        (Type::Opaque, _) => Ok(untyped_clean(v)),
        (ty, v) => Err(TypeError::expected(&type_name(ty), v.kind())),
    }
}

fn type_name(ty: Type) -> String {
    match ty {
        Type::Void => "void".into(),
        Type::Boolean => "a boolean".into(),
        Type::Integer => "an integer".into(),
        Type::Double => "a double".into(),
        Type::String | Type::Id | Type::DateTime => "a string".into(),
        Type::Enum(name) => format!("a string ({name})"),
        Type::Secret => "a SECRET".into(),
        Type::Binary => "a BINARY".into(),
        Type::Optional(_) => "an OPTIONAL".into(),
        Type::List(_) => "a list".into(),
        Type::Map(..) => "a list of map-entry".into(),
        Type::Struct(def) => format!("a STRUCTURE {}", def.name),
        Type::DynamicStruct => "a STRUCTURE".into(),
        Type::Opaque => "a value".into(),
        Type::AnyError => "an ERROR".into(),
    }
}

fn struct_to_clean(def: &StructDef, s: &StructValue) -> Result<Json, TypeError> {
    if s.name != def.name {
        return Err(TypeError::new(&format!(
            "expected a STRUCTURE {}, got {}",
            def.name, s.name
        )));
    }
    let mut out = Map::new();
    // Fields the definition does not know are left out: a newer peer may send more.
    for (field, ty) in def.fields {
        match (s.field(field), ty) {
            (None, Type::Optional(_)) => {}
            (None, _) => return Err(TypeError::new("a required field is missing").within(field)),
            (Some(v), _) => {
                let clean = to_clean(v, *ty).map_err(|e| e.within(field))?;
                // Unset optionals are absent in the clean form, as in REST bodies.
                if !(matches!(ty, Type::Optional(_)) && clean.is_null()) {
                    out.insert((*field).to_owned(), clean);
                }
            }
        }
    }
    Ok(Json::Object(out))
}

/// The clean form of any value, without a type: structures and errors become objects, set
/// optionals their value, unset ones null, secrets their text.
pub fn untyped_clean(v: &Value) -> Json {
    match v {
        Value::Void | Value::Optional(None) => Json::Null,
        Value::Optional(Some(x)) => untyped_clean(x),
        Value::Boolean(b) => Json::Bool(*b),
        Value::Integer(i) => Json::from(*i),
        Value::Double(d) => serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.clone()),
        Value::Binary(b) => Json::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Value::Secret(s) => Json::String(s.expose().to_owned()),
        Value::List(items) => Json::Array(items.iter().map(untyped_clean).collect()),
        Value::Structure(s) | Value::Error(s) => Json::Object(
            s.fields
                .iter()
                .filter(|(_, v)| !matches!(v, Value::Optional(None)))
                .map(|(k, v)| (k.clone(), untyped_clean(v)))
                .collect(),
        ),
    }
}

/// The typed value of clean JSON `j` under `ty`. Strict: a field the definition does not have
/// is refused, so a definition that misses a field the mock serves fails its tests.
pub fn from_clean(j: &Json, ty: Type) -> Result<Value, TypeError> {
    let wrong = || Err(TypeError::expected(&type_name(ty), json_kind(j)));
    match (ty, j) {
        (Type::Void, Json::Null) => Ok(Value::Void),
        (Type::Boolean, Json::Bool(b)) => Ok(Value::Boolean(*b)),
        (Type::Integer, Json::Number(n)) => n.as_i64().map(Value::Integer).map_or_else(wrong, Ok),
        (Type::Double, Json::Number(n)) => n.as_f64().map(Value::Double).map_or_else(wrong, Ok),
        (Type::String | Type::Id | Type::DateTime | Type::Enum(_), Json::String(s)) => {
            Ok(Value::String(s.clone()))
        }
        (Type::Secret, Json::String(s)) => Ok(Value::Secret(Secret::new(s.clone()))),
        (Type::Binary, Json::String(s)) => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map(Value::Binary)
            .map_err(|_| TypeError::new("not base64")),
        (Type::Optional(_), Json::Null) => Ok(Value::none()),
        (Type::Optional(inner), _) => Ok(Value::some(from_clean(j, *inner)?)),
        (Type::List(inner), Json::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| from_clean(x, *inner).map_err(|e| e.within(&format!("[{i}]"))))
            .collect::<Result<_, _>>()
            .map(Value::List),
        (Type::Map(k, val), Json::Object(obj)) => obj
            .iter()
            .map(|(key, x)| {
                Ok(Value::Structure(
                    StructValue::new(MAP_ENTRY)
                        .with("key", from_clean(&Json::String(key.clone()), *k)?)
                        .with("value", from_clean(x, *val).map_err(|e| e.within(key))?),
                ))
            })
            .collect::<Result<_, _>>()
            .map(Value::List),
        (Type::Struct(def), Json::Object(obj)) => struct_from_clean(def, obj),
        (Type::DynamicStruct, Json::Object(_)) => Ok(untyped_from_clean(j)),
        (Type::Opaque, _) => Ok(untyped_from_clean(j)),
        (Type::AnyError, Json::Object(_)) => errors::error_from_clean(j),
        _ => wrong(),
    }
}

fn struct_from_clean(def: &StructDef, obj: &Map<String, Json>) -> Result<Value, TypeError> {
    if let Some(extra) = obj.keys().find(|k| !def.fields.iter().any(|(f, _)| f == k)) {
        return Err(TypeError::new(&format!(
            "{} has no field {extra}",
            def.name
        )));
    }
    let mut s = StructValue::new(def.name);
    for (field, ty) in def.fields {
        let v = match (obj.get(*field), ty) {
            (None, Type::Optional(_)) => Value::none(),
            (None, _) => {
                return Err(TypeError::new("a required field is missing").within(field));
            }
            (Some(j), _) => from_clean(j, *ty).map_err(|e| e.within(field))?,
        };
        s.fields.insert((*field).to_owned(), v);
    }
    Ok(Value::Structure(s))
}

/// The name of structures made from clean objects without a type (an error's `data`).
pub const DYNAMIC_STRUCT: &str = "vmware.vapi.dynamic_struct";

/// Clean JSON without a type: the natural value of each JSON kind.
fn untyped_from_clean(j: &Json) -> Value {
    match j {
        Json::Null => Value::Void,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Integer)
            .unwrap_or_else(|| Value::Double(n.as_f64().unwrap_or(0.0))),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::List(items.iter().map(untyped_from_clean).collect()),
        Json::Object(obj) => {
            let mut s = StructValue::new(DYNAMIC_STRUCT);
            for (k, v) in obj {
                let v = match v {
                    Json::Null => Value::none(),
                    v => untyped_from_clean(v),
                };
                s.fields.insert(k.clone(), v);
            }
            Value::Structure(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vapi::defs::{LOCALIZABLE_MESSAGE, RESTORE_PLACEMENT_SPEC, RESTORE_SPEC};
    use serde_json::json;

    #[test]
    fn a_typed_restore_spec_reads_as_the_rest_body() {
        let typed = Value::from_json(&json!({"STRUCTURE":{"com.vmware.snapservice.clusters.virtual_machines.restore_spec":{
            "snapshot":"snap-1","name":{"OPTIONAL":null},
            "placement":{"OPTIONAL":{"STRUCTURE":{"com.vmware.snapservice.clusters.virtual_machines.restore_placement_spec":{
                "folder":{"OPTIONAL":"group-v4"},"host":{"OPTIONAL":null}}}}}}}}))
        .unwrap();
        let clean = to_clean(&typed, Type::Struct(&RESTORE_SPEC)).unwrap();
        assert_eq!(
            clean,
            json!({"snapshot":"snap-1","placement":{"folder":"group-v4"}})
        );
        // And back: the clean body gives the typed spec, unset optionals spelled out.
        let back = from_clean(&clean, Type::Struct(&RESTORE_SPEC)).unwrap();
        let placement = back.as_struct().unwrap().field("placement").unwrap();
        let Value::Optional(Some(p)) = placement else {
            panic!("{placement:?}")
        };
        assert_eq!(p.as_struct().unwrap().name, RESTORE_PLACEMENT_SPEC.name);
        assert_eq!(
            p.as_struct().unwrap().field("resource_pool"),
            Some(&Value::none())
        );
    }

    #[test]
    fn type_mismatches_name_the_path() {
        let spec = |fields: Json| {
            Value::from_json(&json!({"STRUCTURE":{(RESTORE_SPEC.name): fields}})).unwrap()
        };
        let cases = [
            (json!({}), "snapshot"),
            (json!({"snapshot": 1}), "snapshot"),
            (json!({"snapshot": "s", "name": "bare"}), "name"),
            (
                json!({"snapshot": "s", "placement": {"OPTIONAL": {"STRUCTURE": {"other": {}}}}}),
                "placement",
            ),
            (
                json!({"snapshot": "s", "placement": {"OPTIONAL": {"STRUCTURE": {(RESTORE_PLACEMENT_SPEC.name): {"host": {"OPTIONAL": true}}}}}}),
                "placement.host",
            ),
        ];
        for (fields, path) in cases {
            let e = to_clean(&spec(fields.clone()), Type::Struct(&RESTORE_SPEC)).unwrap_err();
            assert_eq!(e.path, path, "{fields}: {e}");
        }
        let other = Value::Structure(StructValue::new("x"));
        assert!(to_clean(&other, Type::Struct(&RESTORE_SPEC)).is_err());
    }

    #[test]
    fn maps_are_lists_of_entries() {
        let ty = Type::Map(&Type::String, &Type::Integer);
        let v = from_clean(&json!({"a": 1}), ty).unwrap();
        assert_eq!(
            v.to_json(),
            json!([{"STRUCTURE":{"map-entry":{"key":"a","value":1}}}])
        );
        assert_eq!(to_clean(&v, ty).unwrap(), json!({"a": 1}));
    }

    #[test]
    fn from_clean_refuses_fields_the_definition_lacks() {
        let e = from_clean(
            &json!({"id":"i","default_message":"m","args":[],"extra":1}),
            Type::Struct(&LOCALIZABLE_MESSAGE),
        )
        .unwrap_err();
        assert!(e.problem.contains("extra"), "{e}");
        assert!(from_clean(&json!({"id":"i"}), Type::Struct(&LOCALIZABLE_MESSAGE)).is_err());
    }

    #[test]
    fn opaque_and_dynamic_values() {
        assert_eq!(
            from_clean(&json!("vm-1"), Type::Opaque).unwrap(),
            Value::string("vm-1")
        );
        assert_eq!(
            from_clean(&json!(7), Type::Opaque).unwrap(),
            Value::Integer(7)
        );
        let d = from_clean(&json!({"k": null, "n": [1]}), Type::DynamicStruct).unwrap();
        assert_eq!(untyped_clean(&d), json!({"n": [1]}));
    }
}

//! REST bodies and queries as typed JSON-RPC input.
//!
//! A well-formed restore body becomes exactly the `RestoreSpec` structure the bindings send.
//! The generated malformed bodies (INV-10) must reach the server malformed too, so encoding is
//! lenient: a field whose JSON does not fit its declared type keeps its own kind (a number where
//! a string is declared is sent as a number, a list where the spec structure is declared as a
//! list), an unknown field stays in the structure, and a missing one stays missing. That is
//! what a client of the vAPI runtime can put on the wire, and what the server must refuse with
//! `invalid_argument`. How each body mutation maps:
//! - `SnapshotNotString`, `NameNotString`, `PlacementFieldNotString`: the field with a value of
//!   the wrong kind; `PlacementNotObject`: `placement` set to a non-structure; `BodyJsonArray`:
//!   `spec` a list instead of a structure; `NullSnapshot`: `snapshot` a JSON null (void);
//!   `ExtraField`: an unknown field in the spec structure.
//! - `BodyNotJson` has no JSON-RPC form: the envelope is JSON, so a body that is not JSON would
//!   be a parse error of the whole request, not an input the operation refuses. The suite does
//!   not generate it on this wire (`suite::wire_form`); a request that still carries one (a
//!   scenario file) sends its text as a `spec` string, the nearest wrong kind.

use serde_json::{Map, Value as Json};

use crate::vapi::defs::{self, OPERATION_INPUT};
use crate::vapi::types::{StructDef, Type, from_clean};
use crate::vapi::value::{StructValue, Value};

/// The `operation-input` of `restore$task` for a REST restore body.
pub fn restore_input(cluster: &str, vm: &str, body: &str) -> Value {
    let spec = match serde_json::from_str::<Json>(body) {
        Ok(j) => lenient(&j, Type::Struct(&defs::RESTORE_SPEC)),
        Err(_) => Value::string(body),
    };
    Value::Structure(
        StructValue::new(OPERATION_INPUT)
            .with("cluster", Value::string(cluster))
            .with("vm", Value::string(vm))
            .with("spec", spec),
    )
}

/// `j` as a value of type `ty` when it fits; otherwise the closest value that keeps what is
/// wrong with it.
pub fn lenient(j: &Json, ty: Type) -> Value {
    if let Ok(v) = from_clean(j, ty) {
        return v;
    }
    match (ty, j) {
        (Type::Optional(_), Json::Null) => Value::none(),
        (Type::Optional(inner), _) => Value::some(lenient(j, *inner)),
        (Type::Struct(def), Json::Object(obj)) => lenient_struct(def, obj),
        _ => untyped(j),
    }
}

fn lenient_struct(def: &StructDef, obj: &Map<String, Json>) -> Value {
    let mut s = StructValue::new(def.name);
    for (field, ty) in def.fields {
        match obj.get(*field) {
            Some(j) => {
                s.fields.insert((*field).to_owned(), lenient(j, *ty));
            }
            None if matches!(ty, Type::Optional(_)) => {
                s.fields.insert((*field).to_owned(), Value::none());
            }
            // A missing required field stays missing: the server decides what that means.
            None => {}
        }
    }
    for (k, j) in obj {
        if !def.fields.iter().any(|(f, _)| f == k) {
            s.fields.insert(k.clone(), untyped(j));
        }
    }
    Value::Structure(s)
}

/// The natural value of a JSON kind (a null is void).
fn untyped(j: &Json) -> Value {
    // `Opaque` accepts every JSON value.
    from_clean(j, Type::Opaque).unwrap_or(Value::Void)
}

/// An optional filter structure from a REST query: `{"OPTIONAL": null}` for no query; `None`
/// when a parameter is not a field of the filter (the request then stays REST, unchanged).
/// Repeated parameters make a list; `true`/`false` are booleans where the field is one.
pub fn typed_filter(query: &[(String, String)], def: &'static StructDef) -> Option<Value> {
    if query.is_empty() {
        return Some(Value::none());
    }
    let mut clean = Map::new();
    for (k, v) in query {
        let (_, ty) = def.fields.iter().find(|(f, _)| f == k)?;
        let inner = match ty {
            Type::Optional(inner) => *inner,
            other => other,
        };
        match inner {
            Type::List(_) => {
                let list = clean
                    .entry(k.clone())
                    .or_insert_with(|| Json::Array(Vec::new()));
                list.as_array_mut()?.push(Json::String(v.clone()));
            }
            Type::Boolean => {
                clean.insert(k.clone(), Json::Bool(v.parse().ok()?));
            }
            _ => {
                clean.insert(k.clone(), Json::String(v.clone()));
            }
        }
    }
    from_clean(&Json::Object(clean), Type::Struct(def))
        .ok()
        .map(Value::some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPEC: &str = "com.vmware.snapservice.clusters.virtual_machines.restore_spec";
    const PLACEMENT: &str =
        "com.vmware.snapservice.clusters.virtual_machines.restore_placement_spec";

    fn spec(body: &str) -> Json {
        restore_input("c", "v", body).to_json()["STRUCTURE"]["operation-input"]["spec"].clone()
    }

    #[test]
    fn a_valid_body_is_the_typed_spec() {
        assert_eq!(
            spec(r#"{"snapshot":"s"}"#),
            json!({"STRUCTURE":{SPEC:{"snapshot":"s","name":{"OPTIONAL":null},"placement":{"OPTIONAL":null}}}})
        );
    }

    #[test]
    fn wrong_kinds_keep_their_kind() {
        assert_eq!(
            spec(r#"{"snapshot":7}"#)["STRUCTURE"][SPEC]["snapshot"],
            json!(7)
        );
        assert_eq!(
            spec(r#"{"snapshot":null}"#)["STRUCTURE"][SPEC]["snapshot"],
            json!(null)
        );
        assert_eq!(
            spec(r#"{"snapshot":"s","name":true}"#)["STRUCTURE"][SPEC]["name"],
            json!({"OPTIONAL": true})
        );
        assert_eq!(
            spec(r#"{"snapshot":"s","placement":"group-v4"}"#)["STRUCTURE"][SPEC]["placement"],
            json!({"OPTIONAL": "group-v4"})
        );
        assert_eq!(
            spec(r#"{"snapshot":"s","placement":{"folder":[1]}}"#)["STRUCTURE"][SPEC]["placement"]
                ["OPTIONAL"]["STRUCTURE"][PLACEMENT]["folder"],
            json!({"OPTIONAL": [1]})
        );
        assert_eq!(
            spec(r#"[{"snapshot":"s"}]"#).as_array().map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn missing_and_unknown_fields() {
        let s = spec(r#"{"name":"n","x_extra":{"a":1}}"#);
        let fields = &s["STRUCTURE"][SPEC];
        assert!(fields.get("snapshot").is_none(), "{s}");
        assert_eq!(fields["name"], json!({"OPTIONAL":"n"}));
        assert_eq!(
            fields["x_extra"],
            json!({"STRUCTURE":{"vmware.vapi.dynamic_struct":{"a":1}}})
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_a_spec_string() {
        assert_eq!(spec("{nope"), json!("{nope"));
    }

    #[test]
    fn filters_from_queries() {
        let q = |pairs: &[(&str, &str)]| {
            let v: Vec<(String, String)> = pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect();
            typed_filter(&v, &defs::VM_FILTER_SPEC).map(|v| v.to_json())
        };
        assert_eq!(q(&[]), Some(json!({"OPTIONAL": null})));
        let f = q(&[
            ("vms", "vm-1"),
            ("vms", "vm-2"),
            ("local_protection_enabled", "true"),
        ])
        .unwrap();
        let fields = &f["OPTIONAL"]["STRUCTURE"][defs::VM_FILTER_SPEC.name];
        assert_eq!(fields["vms"], json!({"OPTIONAL":["vm-1","vm-2"]}));
        assert_eq!(
            fields["local_protection_enabled"],
            json!({"OPTIONAL": true})
        );
        assert_eq!(q(&[("bogus", "1")]), None);
        assert_eq!(q(&[("local_protection_enabled", "maybe")]), None);
    }
}

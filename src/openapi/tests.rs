//! The OpenAPI document: it parses, its examples are the wire types, its lists are the model's.

use super::*;
use crate::model::wire::{PowerInfo, RestoreSpec, SessionInfo, TaskInfo, VmSummary};

/// Every `$ref` in `v`, with where it was found.
fn refs(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, item) in m {
                if k == "$ref" {
                    out.push((
                        at.clone(),
                        item.as_str().unwrap_or("<not a string>").to_owned(),
                    ));
                } else {
                    refs(item, format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                refs(item, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn unresolved(doc: &Value) -> Vec<(String, String)> {
    let mut all = Vec::new();
    refs(doc, String::new(), &mut all);
    assert!(all.len() > 50, "the document uses references");
    all.into_iter()
        .filter(|(_, target)| {
            target
                .strip_prefix('#')
                .and_then(|p| doc.pointer(p))
                .is_none()
        })
        .collect()
}

#[test]
fn is_openapi_3_1_json_with_every_reference_resolving() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back, doc);
    assert_eq!(unresolved(&doc), []);
}

#[test]
fn the_reference_check_catches_a_dangling_reference() {
    let mut doc = document();
    doc["components"]["schemas"]
        .as_object_mut()
        .unwrap()
        .remove("RestorePlacementSpec");
    let bad = unresolved(&doc);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].1, "#/components/schemas/RestorePlacementSpec");
}

#[test]
fn restore_documents_every_status_of_the_page_with_examples() {
    let doc = document();
    let op = &doc["paths"]["/api/snapservice/clusters/{cluster}/virtual-machines/{vm}"]["post"];
    let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
    assert_eq!(statuses, ["202", "400", "401", "403", "404", "500", "503"]);
    let resolve = |v: &Value| -> Value {
        match v["$ref"].as_str() {
            Some(p) => doc.pointer(&p[1..]).unwrap().clone(),
            None => v.clone(),
        }
    };
    for (status, response) in op["responses"].as_object().unwrap() {
        let media = &resolve(response)["content"]["application/json"];
        let mut examples: Vec<Value> = media["examples"]
            .as_object()
            .map(|m| m.values().map(|e| e["value"].clone()).collect())
            .unwrap_or_default();
        examples.extend(media.get("example").cloned());
        assert!(!examples.is_empty(), "{status} has no example");
        for e in examples {
            if status == "202" {
                assert_eq!(e, TASK_ID);
                continue;
            }
            let err: VapiError = serde_json::from_value(e).unwrap();
            assert_eq!(err.error_type.vapi_status().to_string(), *status);
        }
    }
    let spec = &op["requestBody"]["content"]["application/json"]["example"];
    let spec: RestoreSpec = serde_json::from_value(spec.clone()).unwrap();
    assert_eq!(spec.snapshot, "snap-42-a");
    assert_eq!(
        doc["components"]["securitySchemes"]["sessionId"]["name"],
        "vmware-api-session-id"
    );
    assert_eq!(
        doc["paths"]["/api/session"]["post"]["security"][0]["basicAuth"],
        json!([])
    );
}

#[test]
fn examples_parse_as_the_wire_types() {
    let doc = document();
    let ex = |path: &str, method: &str, status: &str| {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"]["example"]
            .clone()
    };
    let task: TaskInfo = serde_json::from_value(ex("/api/cis/tasks/{task}", "get", "200")).unwrap();
    assert_eq!(task.result, Some(json!("vm-1000")));
    let _: SessionInfo = serde_json::from_value(ex("/api/session", "get", "200")).unwrap();
    let _: Vec<VmSummary> = serde_json::from_value(ex("/api/vcenter/vm", "get", "200")).unwrap();
    let _: PowerInfo =
        serde_json::from_value(ex("/api/vcenter/vm/{vm}/power", "get", "200")).unwrap();
}

#[test]
fn error_types_parse_back_and_are_unique() {
    let mut seen = std::collections::BTreeSet::new();
    for t in ErrorType::ALL {
        assert_eq!(ErrorType::parse(t.as_str()), Some(*t));
        assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        assert!(seen.insert(t.as_str()), "{t} listed twice");
    }
    assert_eq!(ErrorType::ALL.len(), 25);
    assert_eq!(ErrorType::parse("NOPE"), None);
}

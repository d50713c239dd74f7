//! One restore request as the generators build it: who sends it, to which path, with which body,
//! and which named `Mutation`s turned a valid case into this one.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::auth::Auth;
use super::mutation::Mutation;
use super::world::World;

/// The request body: a JSON value (so mutations can produce wrong types, nulls and extra
/// fields), or raw text for bodies that are not JSON at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Body {
    Spec(Value),
    Raw(String),
}

impl Body {
    /// The body as sent on the wire.
    pub fn text(&self) -> String {
        match self {
            Body::Spec(v) => v.to_string(),
            Body::Raw(s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub auth: Auth,
    pub cluster: String,
    pub vm: String,
    /// The `action` query parameter: `restore` unless a mutation changed it.
    pub action: String,
    /// The `vmw-task` query parameter: `Some("true")` unless a mutation changed it.
    pub vmw_task: Option<String>,
    pub body: Body,
    /// The mutations applied to the valid case, in order.
    pub mutations: Vec<Mutation>,
    /// A short description of the valid case this one was made from.
    pub base: String,
    /// The run prefix every generated VM name starts with, kept so a mutation that has to name
    /// the VM (because the default name would collide) can still mark it as the harness's.
    #[serde(default)]
    pub name_prefix: String,
}

impl Case {
    /// The path and query this case addresses, each component percent-encoded, e.g.
    /// `/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true`.
    /// The runner sends it with `body` (see `RequestSpec::restore`).
    pub fn path(&self) -> String {
        let mut path = format!(
            "/api/snapservice/clusters/{}/virtual-machines/{}?action={}",
            encode(&self.cluster),
            encode(&self.vm),
            encode(&self.action)
        );
        if let Some(t) = &self.vmw_task {
            path.push_str("&vmw-task=");
            path.push_str(&encode(t));
        }
        path
    }

    /// `valid case {base} + mutations [A, B]`, the shrunk input of a failure message.
    pub fn describe(&self) -> String {
        if self.mutations.is_empty() {
            format!("valid case {}", self.base)
        } else {
            let names: Vec<&str> = self.mutations.iter().map(|m| m.name()).collect();
            format!(
                "valid case {} + mutations [{}]",
                self.base,
                names.join(", ")
            )
        }
    }

    /// The name the restored VM would get: `name` when it is a string, else the snapshot's
    /// VM name at snapshot time; `None` when neither can be read from the body.
    pub fn requested_name(&self, world: &World) -> Option<String> {
        let spec = self.spec()?;
        match spec.get("name") {
            Some(Value::String(n)) => Some(n.clone()),
            None | Some(Value::Null) => {
                let snap = spec.get("snapshot")?.as_str()?;
                world.snapshots.get(snap).map(|s| s.vm_name.clone())
            }
            Some(_) => None,
        }
    }

    /// The principal whose session the case uses, if it authenticates as one.
    pub fn principal(&self) -> Option<&str> {
        match &self.auth {
            Auth::Principal(p) => Some(p),
            _ => None,
        }
    }

    /// The body as a JSON object, when it is one.
    pub fn spec(&self) -> Option<&Map<String, Value>> {
        match &self.body {
            Body::Spec(Value::Object(m)) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn spec_mut(&mut self) -> Option<&mut Map<String, Value>> {
        match &mut self.body {
            Body::Spec(Value::Object(m)) => Some(m),
            _ => None,
        }
    }

    /// A string field of the body (`None` when absent, null or not a string).
    pub fn spec_str(&self, field: &str) -> Option<&str> {
        self.spec()?.get(field)?.as_str()
    }

    /// A string field of `placement` (`None` when absent, null or not a string).
    pub fn placement_str(&self, field: &str) -> Option<&str> {
        self.spec()?.get("placement")?.get(field)?.as_str()
    }

    /// The `placement` object, created when absent or null. `None` when the body is not an
    /// object or `placement` holds something else.
    pub(crate) fn placement_mut(&mut self) -> Option<&mut Map<String, Value>> {
        let spec = self.spec_mut()?;
        let p = spec
            .entry("placement")
            .or_insert_with(|| Value::Object(Map::new()));
        if p.is_null() {
            *p = Value::Object(Map::new());
        }
        p.as_object_mut()
    }

    /// Sets or (with `None`) removes a placement field.
    pub(crate) fn set_placement(&mut self, field: &str, value: Option<&str>) {
        match value {
            Some(v) => {
                if let Some(p) = self.placement_mut() {
                    p.insert(field.to_owned(), Value::String(v.to_owned()));
                }
            }
            None => {
                if let Some(p) = self
                    .spec_mut()
                    .and_then(|s| s.get_mut("placement"))
                    .and_then(Value::as_object_mut)
                {
                    p.remove(field);
                }
            }
        }
    }

    /// The folder the VM would land in: `placement.folder`, else the default VM folder of the
    /// cluster's datacenter.
    pub fn target_folder<'w>(&'w self, world: &'w World) -> Option<&'w str> {
        match self.placement_str("folder") {
            Some(f) => Some(f),
            None => {
                let c = world.clusters.get(&self.cluster)?;
                world
                    .datacenters
                    .get(&c.datacenter)
                    .map(|d| d.vm_folder.as_str())
            }
        }
    }
}

/// Everything but RFC 3986's unreserved bytes: safe for a path segment and a query value alike
/// (unlike form encoding, which writes a space as `+`).
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path segment or query value.
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_world;
    use serde_json::json;

    fn case() -> Case {
        Case {
            auth: Auth::Principal("administrator@vsphere.local".into()),
            cluster: "domain-c8".into(),
            vm: "vm-42".into(),
            action: "restore".into(),
            vmw_task: Some("true".into()),
            body: Body::Spec(json!({"snapshot": "snap-42-a"})),
            mutations: vec![],
            base: "vm-42 from snap-42-a".into(),
            name_prefix: "t-".into(),
        }
    }

    #[test]
    fn path_and_body_text() {
        assert_eq!(
            case().path(),
            "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true"
        );
        assert_eq!(case().body.text(), r#"{"snapshot":"snap-42-a"}"#);
        let mut c = case();
        c.vmw_task = None;
        c.action = "a b".into();
        assert!(c.path().ends_with("?action=a%20b"));
    }

    #[test]
    fn requested_name_defaults_to_snapshot_vm_name() {
        let w = test_world();
        let mut c = case();
        assert_eq!(c.requested_name(w).as_deref(), Some("web-old"));
        c.spec_mut().unwrap().insert("name".into(), json!("t-x"));
        assert_eq!(c.requested_name(w).as_deref(), Some("t-x"));
        assert_eq!(c.target_folder(w), Some("group-v4"));
        c.set_placement("folder", Some("group-v10"));
        assert_eq!(c.target_folder(w), Some("group-v10"));
    }

    #[test]
    fn describe_and_round_trip() {
        let mut c = case();
        assert_eq!(c.describe(), "valid case vm-42 from snap-42-a");
        c.mutations = vec![Mutation::UnknownVm, Mutation::EmptyName];
        assert_eq!(
            c.describe(),
            "valid case vm-42 from snap-42-a + mutations [UnknownVm, EmptyName]"
        );
        let s = serde_json::to_string(&c).unwrap();
        let back: Case = serde_json::from_str(&s).unwrap();
        assert_eq!(back, c);
    }
}

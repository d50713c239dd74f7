//! Shared pieces of the fuzz targets: JSON values built from fuzz input, steered towards the
//! field names and ids the mock and the oracles look at, so the fuzzer gets past "not JSON".

use arbitrary::Arbitrary;
use serde_json::{Map, Value};

/// Field names the mock's request bodies and the oracles' response parsing read.
pub const KEYS: &[&str] = &[
    // restore spec
    "snapshot",
    "name",
    "placement",
    "folder",
    "resource_pool",
    "host",
    // control plane
    "status",
    "count",
    "scope",
    "restore_limit",
    "task_duration_ms",
    "principal",
    "password",
    "permissions",
    "privileges",
    "role",
    "object",
    "propagate",
    // vAPI error
    "error_type",
    "messages",
    "id",
    "default_message",
    "args",
    "params",
    "localized",
    "data",
    "challenge",
    // task Info
    "result",
    "error",
    "progress",
    "total",
    "completed",
    "message",
    "start_time",
    "end_time",
    "description",
    "service",
    "operation",
    "cancelable",
    // VMs, power, sessions, discovery
    "vm",
    "power_state",
    "state",
    "cluster",
    "user",
    "created_time",
    "last_accessed_time",
    "in_cluster",
    "snapshots",
    "items",
    "value",
];

/// Strings worth trying as values: statuses, error types, power states, scopes.
pub const WORDS: &[&str] = &[
    "PENDING",
    "RUNNING",
    "BLOCKED",
    "SUCCEEDED",
    "FAILED",
    "ERROR",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "OPERATION_NOT_FOUND",
    "UNAUTHENTICATED",
    "UNAUTHORIZED",
    "ALREADY_EXISTS",
    "NOT_ALLOWED_IN_CURRENT_STATE",
    "SERVICE_UNAVAILABLE",
    "POWERED_OFF",
    "POWERED_ON",
    "SUSPENDED",
    "restore",
    "api",
    "vm-1",
    "vm-",
    "",
    "2024-01-01T00:00:00.000Z",
    "Admin",
    "ReadOnly",
    "VirtualMachine.Inventory.Create",
];

#[derive(Arbitrary, Debug, Clone)]
pub enum Key {
    Known(u8),
    Raw(String),
}

impl Key {
    pub fn text(&self) -> String {
        match self {
            Key::Known(i) => KEYS[*i as usize % KEYS.len()].to_owned(),
            Key::Raw(s) => s.clone(),
        }
    }
}

/// A JSON value. `Id` picks from a caller-supplied pool (ids of the world, ids seen earlier).
#[derive(Arbitrary, Debug, Clone)]
pub enum JVal {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Word(u8),
    Id(u8),
    Arr(Vec<JVal>),
    Obj(Vec<(Key, JVal)>),
}

impl JVal {
    /// The value, with `Id(i)` taken from `ids` (or a fixed id when it is empty).
    pub fn to_value(&self, ids: &[String]) -> Value {
        self.build(ids, 0)
    }

    fn build(&self, ids: &[String], depth: usize) -> Value {
        if depth > 32 {
            return Value::Null;
        }
        match self {
            JVal::Null => Value::Null,
            JVal::Bool(b) => Value::Bool(*b),
            JVal::Int(i) => Value::from(*i),
            JVal::UInt(u) => Value::from(*u),
            JVal::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            JVal::Str(s) => Value::String(s.clone()),
            JVal::Word(i) => Value::String(WORDS[*i as usize % WORDS.len()].to_owned()),
            JVal::Id(i) => Value::String(pick(ids, *i).to_owned()),
            JVal::Arr(a) => Value::Array(a.iter().map(|v| v.build(ids, depth + 1)).collect()),
            JVal::Obj(fields) => {
                let mut m = Map::new();
                for (k, v) in fields {
                    m.insert(k.text(), v.build(ids, depth + 1));
                }
                Value::Object(m)
            }
        }
    }
}

/// `ids[i % len]`, or `vm-1` when there are none.
pub fn pick(ids: &[String], i: u8) -> &str {
    if ids.is_empty() {
        "vm-1"
    } else {
        &ids[i as usize % ids.len()]
    }
}

/// Percent-encodes every byte outside RFC 3986's unreserved set, so any text can be a path
/// segment or a query value (the harness's own encoder).
pub fn pct(s: &str) -> String {
    snapservice_conformance::generate::encode(s)
}

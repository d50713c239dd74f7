//! Reading the body as a `RestoreSpec`, the way a server would: INV-10 (not JSON, not an
//! object, wrong JSON types), INV-1 (no snapshot), INV-12 (unknown fields); and what makes a VM
//! name invalid (INV-11).

use serde_json::{Map, Value};

use super::decide::{Analysis, Fault, step};
use super::outcome::o;
use crate::clause::ClauseId;

pub(super) const SPEC_FIELDS: [&str; 3] = ["snapshot", "name", "placement"];
pub(super) const PLACEMENT_FIELDS: [&str; 3] = ["folder", "resource_pool", "host"];

/// A placement or name field as the body gives it.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Field<'v> {
    Unset,
    Str(&'v str),
    Wrong,
}

fn field<'v>(m: &'v Map<String, Value>, key: &str) -> Field<'v> {
    match m.get(key) {
        None | Some(Value::Null) => Field::Unset,
        Some(Value::String(s)) => Field::Str(s),
        Some(_) => Field::Wrong,
    }
}

/// The body once read as a `RestoreSpec`.
pub(super) struct Spec<'v> {
    pub(super) snapshot: &'v str,
    pub(super) name: Option<&'v str>,
    /// `None` = placement unset.
    pub(super) placement: Option<Placement<'v>>,
}

#[derive(Clone, Copy)]
pub(super) struct Placement<'v> {
    pub(super) folder: Option<&'v str>,
    pub(super) pool: Option<&'v str>,
    pub(super) host: Option<&'v str>,
}

impl Analysis<'_> {
    fn bad_body(&mut self, clause: ClauseId, reason: String) {
        self.push(Fault::exact(step::BODY, clause, &[o::INVALID], reason));
    }

    /// Reads the body as a `RestoreSpec`; `None` (with the faults recorded) when it cannot be.
    pub(super) fn read_body<'v>(&mut self, value: Option<&'v Value>) -> Option<Spec<'v>> {
        let Some(value) = value else {
            self.bad_body(ClauseId::INV_10, "the body is not JSON".into());
            return None;
        };
        let Some(m) = value.as_object() else {
            self.bad_body(ClauseId::INV_10, "the body is not a JSON object".into());
            return None;
        };
        let mut readable = true;
        let snapshot = match field(m, "snapshot") {
            Field::Str(s) => Some(s),
            Field::Unset => {
                self.bad_body(ClauseId::INV_1, "`snapshot` is absent or null".into());
                None
            }
            Field::Wrong => {
                self.bad_body(ClauseId::INV_10, "`snapshot` is not a string".into());
                None
            }
        };
        let name = match field(m, "name") {
            Field::Str(s) => Some(s),
            Field::Unset => None,
            Field::Wrong => {
                self.bad_body(ClauseId::INV_10, "`name` is not a string".into());
                readable = false;
                None
            }
        };
        let mut extra: Vec<String> = m
            .keys()
            .filter(|k| !SPEC_FIELDS.contains(&k.as_str()))
            .cloned()
            .collect();
        let placement = match m.get("placement") {
            None | Some(Value::Null) => None,
            Some(Value::Object(p)) => {
                let mut get = |key: &str| match field(p, key) {
                    Field::Str(s) => Some(s),
                    Field::Unset => None,
                    Field::Wrong => {
                        readable = false;
                        None
                    }
                };
                let placement = Placement {
                    folder: get("folder"),
                    pool: get("resource_pool"),
                    host: get("host"),
                };
                extra.extend(
                    p.keys()
                        .filter(|k| !PLACEMENT_FIELDS.contains(&k.as_str()))
                        .map(|k| format!("placement.{k}")),
                );
                Some(placement)
            }
            Some(_) => {
                self.bad_body(ClauseId::INV_10, "`placement` is not an object".into());
                readable = false;
                None
            }
        };
        if !readable && !self.faults.iter().any(|f| f.clause == ClauseId::INV_10) {
            self.bad_body(
                ClauseId::INV_10,
                "a `placement` field is not a string".into(),
            );
        }
        let snapshot = snapshot?;
        if !readable {
            return None;
        }
        if !extra.is_empty() {
            let mut f = Fault::exact(
                step::BODY,
                ClauseId::INV_12,
                &[o::INVALID],
                format!("unknown fields {}", extra.join(", ")),
            )
            .optional();
            f.strict = None;
            self.push(f);
        }
        Some(Spec {
            snapshot,
            name,
            placement,
        })
    }
}

/// Why a VM name is not valid, if it is not: empty, only whitespace, longer than 80 characters,
/// or holding a control character (`model` in the catalog; the common brief).
pub fn name_problem(n: &str) -> Option<&'static str> {
    if n.is_empty() {
        Some("is empty")
    } else if n.chars().all(char::is_whitespace) {
        Some("is only whitespace")
    } else if n.chars().count() > 80 {
        Some("is longer than 80 characters")
    } else if n.chars().any(char::is_control) {
        Some("holds a control character")
    } else {
        None
    }
}

/// Keeps huge generated ids out of reasons and reports.
pub(super) fn abbreviate(s: &str) -> String {
    if s.chars().count() <= 64 {
        s.to_owned()
    } else {
        let head: String = s.chars().take(32).collect();
        format!("{head}... ({} characters)", s.chars().count())
    }
}

//! The clause catalog (`suites/clauses.toml`, from `clauses.md`): every checkable promise with
//! a stable id. Everything that checks, reports or breaks something names these ids; an id that
//! is not in the catalog is an error wherever it appears.

mod id;

use std::sync::OnceLock;

use serde::Deserialize;

pub use id::{ClauseId, UnknownClauseId};

/// The catalog text, compiled in so the binary needs no data files to name its clauses.
const CATALOG: &str = include_str!("../../suites/clauses.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OracleKind {
    Exact,
    Set,
    Safety,
    Liveness,
    Snapshot,
}

/// Where a clause can be exercised: against any target, only with fixture objects, or only with
/// the mock's control plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Where {
    Any,
    Fixture,
    Control,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    pub id: ClauseId,
    pub group: String,
    pub title: String,
    pub source: String,
    pub oracle: OracleKind,
    /// For `set` clauses: the documented set of answers, in words.
    #[serde(default)]
    pub allowed: Option<String>,
    /// For `set` clauses: which member the mock picks (what `--strict` holds a target to).
    #[serde(default)]
    pub mock_choice: Option<String>,
    #[serde(rename = "where")]
    pub where_: Where,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    clause: Vec<Clause>,
}

/// The whole catalog, in file order.
pub fn catalog() -> &'static [Clause] {
    static CELL: OnceLock<Vec<Clause>> = OnceLock::new();
    CELL.get_or_init(|| {
        let file: CatalogFile =
            toml::from_str(CATALOG).expect("suites/clauses.toml is valid (checked by a unit test)");
        file.clause
    })
}

/// Looks a clause up by id.
pub fn get(id: &str) -> Option<&'static Clause> {
    ClauseId::parse(id).map(ClauseId::row)
}

/// Checks that `id` names a clause; the error says which id and where it came from.
pub fn require(id: &str, context: &str) -> Result<&'static Clause, UnknownClause> {
    get(id).ok_or_else(|| UnknownClause {
        id: id.to_owned(),
        context: context.to_owned(),
    })
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown clause id `{id}` in {context} (not in suites/clauses.toml)")]
pub struct UnknownClause {
    pub id: String,
    pub context: String,
}

/// The group prefix of an id: `AUTHZ` for `AUTHZ-2`.
pub fn group_of(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_parses_and_ids_are_unique() {
        let c = catalog();
        assert_eq!(c.len(), ClauseId::ALL.len());
        let mut ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), c.len());
    }

    #[test]
    fn set_clauses_state_the_mock_choice() {
        for c in catalog().iter().filter(|c| c.oracle == OracleKind::Set) {
            assert!(c.allowed.is_some() && c.mock_choice.is_some(), "{}", c.id);
        }
    }

    #[test]
    fn unknown_id_is_an_error() {
        assert!(require("AUTHZ-2", "test").is_ok());
        let e = require("AUTHZ-99", "scenario x.toml").unwrap_err();
        assert!(e.to_string().contains("AUTHZ-99") && e.to_string().contains("x.toml"));
    }
}

//! The clause catalog (`suites/clauses.toml`, from `clauses.md`): every checkable promise with
//! a stable id. Everything that checks, reports or breaks something names these ids; an id that
//! is not in the catalog is an error wherever it appears.

mod id;

use std::sync::OnceLock;

use serde::Deserialize;

pub use id::{ClauseId, UnknownClauseId};

/// The catalog text, compiled in so the binary needs no data files to name its clauses.
pub const CATALOG_TEXT: &str = include_str!("../../suites/clauses.toml");

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
/// the mock's control plane. Ordered from the least to the most a target must offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
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

impl Where {
    pub fn as_str(self) -> &'static str {
        match self {
            Where::Any => "any",
            Where::Fixture => "fixture",
            Where::Control => "control",
        }
    }
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
        let file: CatalogFile = toml::from_str(CATALOG_TEXT)
            .expect("suites/clauses.toml is valid (checked by a unit test)");
        file.clause
    })
}

/// A catalog row as text says it, before its id is known to be a `ClauseId`: what the suite's
/// table is checked against, so a test can hand it a catalog with a row the code lacks.
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogRow {
    pub id: String,
    #[serde(rename = "where")]
    pub where_: Where,
}

#[derive(Deserialize)]
struct RowsFile {
    clause: Vec<CatalogRow>,
}

/// The rows of a catalog text (ids and where each clause can be exercised).
pub fn parse_rows(text: &str) -> Result<Vec<CatalogRow>, toml::de::Error> {
    toml::from_str::<RowsFile>(text).map(|f| f.clause)
}

/// The compiled-in catalog's rows.
pub fn rows() -> Vec<CatalogRow> {
    catalog()
        .iter()
        .map(|c| CatalogRow {
            id: c.id.as_str().to_owned(),
            where_: c.where_,
        })
        .collect()
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

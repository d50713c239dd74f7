//! The table against the catalog: every catalog row has a trial, every trial names catalog
//! clauses, and what the trials need of a target agrees with the catalog's `where` column.
//! Also the clause → trials index that `clauses` prints.

use std::collections::BTreeMap;

use super::scenario;
use super::sources::SuiteDir;
use super::table::TRIALS;
use super::trial::TrialDef;
use crate::clause::{CatalogRow, ClauseId, Where};

/// One way the table and the catalog disagree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error("clause {0} has no trial: add a row to the suite's table (src/suite/table.rs)")]
    NoTrial(String),
    #[error("trial {trial} names clause {clause}, which is not in the catalog")]
    UnknownClause { trial: String, clause: String },
    #[error(
        "clause {clause}: the catalog says `where = \"{}\"`, but the least its trials need is `{}`",
        catalog.as_str(),
        trials.as_str()
    )]
    Where {
        clause: String,
        catalog: Where,
        trials: Where,
    },
}

/// Every disagreement between a catalog and a trial table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the suite's table does not match the clause catalog:\n{}", list(.0))]
pub struct TableMismatch(pub Vec<Mismatch>);

fn list(m: &[Mismatch]) -> String {
    m.iter()
        .map(|m| format!("  - {m}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Holds `table` to the catalog `rows`: each row has a trial, each trial's clauses are rows,
/// and a clause's `where` is the least any of its trials needs (a clause exercised on any
/// target by one trial is `any`, even when another trial of it needs the control plane).
pub fn check_table(rows: &[CatalogRow], table: &[TrialDef]) -> Result<(), TableMismatch> {
    let row_of = |id: ClauseId| rows.iter().find(|r| r.id == id.as_str());
    let mut problems = Vec::new();
    let mut least: BTreeMap<&str, Where> = BTreeMap::new();
    for t in table {
        for c in t.clauses {
            if row_of(*c).is_none() {
                problems.push(Mismatch::UnknownClause {
                    trial: t.name(),
                    clause: c.to_string(),
                });
            }
        }
        let Some(first) = row_of(t.clause()) else {
            continue;
        };
        let needs = t.needs_given(first.where_);
        for c in t.clauses {
            let e = least.entry(c.as_str()).or_insert(needs);
            *e = (*e).min(needs);
        }
    }
    for r in rows {
        match least.get(r.id.as_str()) {
            None => problems.push(Mismatch::NoTrial(r.id.clone())),
            Some(w) if *w != r.where_ => problems.push(Mismatch::Where {
                clause: r.id.clone(),
                catalog: r.where_,
                trials: *w,
            }),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(TableMismatch(problems))
    }
}

/// The suite's own table against the compiled-in catalog.
pub fn check() -> Result<(), TableMismatch> {
    check_table(&crate::clause::rows(), TRIALS)
}

/// Trial names per clause, without a target (for `clauses`): the table's trials, then the
/// scenarios of `dir` that load.
pub fn trial_names_by_clause(dir: &SuiteDir) -> BTreeMap<ClauseId, Vec<String>> {
    let mut m: BTreeMap<ClauseId, Vec<String>> = BTreeMap::new();
    for t in TRIALS {
        for c in t.clauses {
            m.entry(*c).or_default().push(t.name());
        }
    }
    if let Ok(list) = scenario::load_all(dir) {
        for s in list {
            for c in &s.clauses {
                m.entry(*c).or_default().push(s.trial_name());
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clause::{CATALOG_TEXT, parse_rows};

    #[test]
    fn the_table_covers_the_catalog() {
        check().unwrap();
    }

    #[test]
    fn a_catalog_row_without_a_trial_is_named() {
        let text = format!(
            "{CATALOG_TEXT}\n[[clause]]\nid = \"NEW-1\"\ngroup = \"g\"\ntitle = \"t\"\nsource = \"page\"\noracle = \"exact\"\nwhere = \"any\"\n"
        );
        let err = check_table(&parse_rows(&text).unwrap(), TRIALS).unwrap_err();
        assert_eq!(err.0, vec![Mismatch::NoTrial("NEW-1".into())]);
        assert!(
            err.to_string().contains("clause NEW-1 has no trial"),
            "{err}"
        );
    }

    #[test]
    fn a_trial_of_a_clause_the_catalog_lacks_is_named() {
        let rows: Vec<CatalogRow> = parse_rows(CATALOG_TEXT)
            .unwrap()
            .into_iter()
            .filter(|r| r.id != "ERR-1")
            .collect();
        let err = check_table(&rows, TRIALS).unwrap_err();
        assert!(
            err.to_string()
                .contains("trial ERR-1::internal-fault names clause ERR-1"),
            "{err}"
        );
    }

    #[test]
    fn a_where_that_disagrees_with_the_trials_is_named() {
        // Without its own trial, BUSY-3 would only be judged by BUSY-1's control-plane trial,
        // while the catalog says any target exercises it.
        let table: Vec<TrialDef> = TRIALS
            .iter()
            .filter(|t| t.name() != "BUSY-3::accepted-after-finish")
            .copied()
            .collect();
        let err = check_table(&parse_rows(CATALOG_TEXT).unwrap(), &table).unwrap_err();
        assert_eq!(
            err.0,
            vec![Mismatch::Where {
                clause: "BUSY-3".into(),
                catalog: Where::Any,
                trials: Where::Control,
            }]
        );
        assert!(err.to_string().contains("BUSY-3"), "{err}");
    }

    #[test]
    fn control_needs_come_from_the_catalog() {
        let control: Vec<String> = TRIALS
            .iter()
            .filter(|t| t.needs() == Where::Control)
            .map(TrialDef::name)
            .collect();
        assert_eq!(
            control,
            [
                "BUSY-1::limit-reached",
                "ERR-1::internal-fault",
                "UNAV-1::service-down",
                "TASK-1::failed-task"
            ]
        );
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<String> = TRIALS.iter().map(TrialDef::name).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}

//! The oracle's judgement of one exchange (or one run): which clauses it exercised, and which of
//! them it found broken. Every finding names exactly one clause of the catalog (a `ClauseId`).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::clause::ClauseId;

/// One broken promise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub clause: ClauseId,
    /// What the catalog allows here, in words (e.g. `403 UNAUTHORIZED`).
    pub expected: String,
    /// What the target did, in words.
    pub observed: String,
}

impl Finding {
    pub fn new(clause: ClauseId, expected: impl Into<String>, observed: impl Into<String>) -> Self {
        Finding {
            clause,
            expected: expected.into(),
            observed: observed.into(),
        }
    }
}

/// What a check exercised and what it found. A clause is "exercised" when the check actually
/// judged it on this exchange; only exercised clauses can pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub exercised: BTreeSet<ClauseId>,
    pub findings: Vec<Finding>,
}

impl Judgement {
    pub fn exercise(&mut self, clause: ClauseId) {
        self.exercised.insert(clause);
    }

    /// Records that `clause` was judged and, when `violation` is `Some`, that it failed.
    pub fn check(&mut self, clause: ClauseId, violation: Option<(String, String)>) {
        self.exercise(clause);
        if let Some((expected, observed)) = violation {
            self.findings.push(Finding::new(clause, expected, observed));
        }
    }

    pub fn fail(
        &mut self,
        clause: ClauseId,
        expected: impl Into<String>,
        observed: impl Into<String>,
    ) {
        self.exercise(clause);
        self.findings.push(Finding::new(clause, expected, observed));
    }

    pub fn merge(&mut self, other: Judgement) {
        self.exercised.extend(other.exercised);
        self.findings.extend(other.findings);
    }

    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    pub fn failed_clauses(&self) -> BTreeSet<ClauseId> {
        self.findings.iter().map(|f| f.clause).collect()
    }
}

//! The result of a run, as every report format renders it. `report.json` is this structure
//! serialized; its field names are a contract (`design.md`, "Contracts other tools rely on").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    NotExercisable,
    Inconclusive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotExercisable => "not_exercisable",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Harness {
    pub name: String,
    pub version: String,
}

impl Default for Harness {
    fn default() -> Self {
        Harness {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    pub url: String,
    /// `embedded-mock` or `remote`.
    pub kind: String,
    pub insecure: bool,
    /// The wire form the requests took: `rest` or `jsonrpc`.
    #[serde(default = "rest_wire")]
    pub wire: String,
}

fn rest_wire() -> String {
    "rest".into()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub not_exercisable: usize,
    pub inconclusive: usize,
    /// Failing clauses excused by a live known deviation (counted in `fail` too; the exit code
    /// ignores them).
    #[serde(default)]
    pub accepted: usize,
}

/// One failing case, standing alone: enough to understand and reproduce it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureReport {
    pub trial: String,
    pub expected: String,
    pub observed: String,
    /// The shrunk input, as "valid case + mutations".
    pub minimal_case: String,
    /// A curl line reproducing it (session id as `$SESSION`).
    pub curl: String,
    #[serde(default)]
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseReport {
    pub id: String,
    pub title: String,
    pub source: String,
    pub verdict: Verdict,
    /// Cases that exercised this clause.
    pub cases: u64,
    pub failures: Vec<FailureReport>,
    /// Why a clause is `not_exercisable` or `inconclusive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The reason of the live known deviation that excuses this failing clause; the verdict stays
    /// `fail` so the report never hides it, but the exit code does not count it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum TrialOutcome {
    Passed,
    Failed {
        message: String,
    },
    Ignored {
        reason: String,
    },
    /// Not started because the run budget was spent or the run was interrupted.
    NotRun {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialReport {
    pub name: String,
    pub clauses: Vec<String>,
    pub outcome: TrialOutcome,
    pub cases: u64,
    pub duration_s: f64,
}

/// Objects a run created on the target, and whether it removed them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cleanup {
    pub created: Vec<String>,
    pub removed: Vec<String>,
    /// Created and not removed (kept on purpose with `--keep`, or a failed delete), with why.
    pub left: Vec<String>,
    /// Every task the target accepted a restore with, recorded the moment it was accepted
    /// (before its VM is known), from the run's ledger.
    #[serde(default)]
    pub tasks: Vec<String>,
    /// The name prefix every VM of the run carries (`cleanup --prefix` takes it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
    /// VMs carrying the run's prefix that no restore of the run accounts for, found by the
    /// end-of-run sweep (REJ-1 findings unless a request without an answer explains them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unaccounted: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub harness: Harness,
    pub target: TargetInfo,
    pub seed: u64,
    pub duration_s: f64,
    pub strict: bool,
    /// Generated cases per property.
    pub cases_per_property: u32,
    pub summary: Summary,
    pub clauses: Vec<ClauseReport>,
    pub trials: Vec<TrialReport>,
    pub cleanup: Cleanup,
    /// When the run started, RFC 3339.
    pub started_at: String,
    /// Set when the run was cut short (Ctrl-C or budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// Things a reader must look at that are not verdicts: a known deviation that is no longer
    /// needed, or one that expired (design.md, style 4).
    #[serde(default)]
    pub flags: Vec<String>,
}

impl RunReport {
    /// Recomputes `summary` from the clause verdicts (coverage is computed, never written).
    pub fn recount(&mut self) {
        let mut s = Summary::default();
        for c in &self.clauses {
            match c.verdict {
                Verdict::Pass => s.pass += 1,
                Verdict::Fail => {
                    s.fail += 1;
                    if c.deviation.is_some() {
                        s.accepted += 1;
                    }
                }
                Verdict::NotExercisable => s.not_exercisable += 1,
                Verdict::Inconclusive => s.inconclusive += 1,
            }
        }
        self.summary = s;
    }
}

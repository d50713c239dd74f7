//! What the reference oracle says a target may answer: a set of `Outcome`s, the clauses the case
//! exercises, and the clause a non-conforming answer breaks.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clause::ClauseId;
use crate::model::ErrorType;

/// One conforming answer to a restore request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// `202 Accepted` with a task id.
    Accepted,
    /// An error status with its `error_type`.
    Error { status: u16, error_type: ErrorType },
}

/// The outcomes the catalog names, as constants so fault tables can be static.
pub(crate) mod o {
    use super::Outcome;
    use crate::model::ErrorType;

    pub(crate) const INVALID: Outcome = Outcome::Error {
        status: 400,
        error_type: ErrorType::InvalidArgument,
    };
    pub(crate) const EXISTS: Outcome = Outcome::Error {
        status: 400,
        error_type: ErrorType::AlreadyExists,
    };
    pub(crate) const NOT_ALLOWED: Outcome = Outcome::Error {
        status: 400,
        error_type: ErrorType::NotAllowedInCurrentState,
    };
    pub(crate) const UNAUTHENTICATED: Outcome = Outcome::Error {
        status: 401,
        error_type: ErrorType::Unauthenticated,
    };
    pub(crate) const UNAUTHORIZED: Outcome = Outcome::Error {
        status: 403,
        error_type: ErrorType::Unauthorized,
    };
    pub(crate) const NOT_FOUND: Outcome = Outcome::Error {
        status: 404,
        error_type: ErrorType::NotFound,
    };
    pub(crate) const OPERATION_NOT_FOUND: Outcome = Outcome::Error {
        status: 404,
        error_type: ErrorType::OperationNotFound,
    };
    pub(crate) const ERROR: Outcome = Outcome::Error {
        status: 500,
        error_type: ErrorType::Error,
    };
    pub(crate) const UNAVAILABLE: Outcome = Outcome::Error {
        status: 503,
        error_type: ErrorType::ServiceUnavailable,
    };
}

impl Outcome {
    pub fn status(self) -> u16 {
        match self {
            Outcome::Accepted => 202,
            Outcome::Error { status, .. } => status,
        }
    }

    /// An error outcome with the status vAPI maps `error_type` to.
    pub fn error(error_type: ErrorType) -> Outcome {
        Outcome::Error {
            status: error_type.vapi_status(),
            error_type,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Accepted => f.write_str("202 Accepted"),
            Outcome::Error { status, error_type } => write!(f, "{status} {error_type}"),
        }
    }
}

/// The reference oracle's verdict on one case, before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expected {
    /// Every conforming answer, sorted; never empty.
    pub outcomes: Vec<Outcome>,
    /// The clauses this case exercises (judged whenever its answer is judged), sorted.
    pub clauses: Vec<ClauseId>,
    /// The clause an answer outside `outcomes` breaks.
    pub blame: ClauseId,
    /// The clause a `403` outside `outcomes` breaks, when that is more precise than `blame`:
    /// AUTHZ-5 when a held privilege came through propagation, AUTHZ-4 for a principal holding
    /// exactly the documented privileges.
    pub blame_refusal: Option<ClauseId>,
    /// Why, in words: the faults found, or "valid request".
    pub reason: String,
    /// Each fault of the case with the outcomes that answer it, so a multi-fault case
    /// exercises only the clauses of the fault its answer matched (empty: no fault, or one
    /// fixed answer, as for unauthenticated or injected cases).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultOutcomes>,
}

/// One fault of a case: the clauses it exercises and the answers it allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultOutcomes {
    pub clauses: Vec<ClauseId>,
    pub outcomes: Vec<Outcome>,
}

impl Expected {
    /// What a target must answer while the mock's control plane injects a `status` fault
    /// (500 for ERR-1, 503 for UNAV-1) into restore requests.
    pub fn injected(status: u16) -> Expected {
        let (outcome, clause) = if status == 503 {
            (o::UNAVAILABLE, ClauseId::UNAV_1)
        } else {
            (o::ERROR, ClauseId::ERR_1)
        };
        Expected {
            outcomes: vec![outcome],
            clauses: vec![clause],
            blame: clause,
            blame_refusal: None,
            reason: format!("a {status} fault is injected"),
            faults: Vec::new(),
        }
    }

    pub fn allows(&self, outcome: Outcome) -> bool {
        self.outcomes.contains(&outcome)
    }

    pub fn allows_accepted(&self) -> bool {
        self.allows(Outcome::Accepted)
    }

    /// The error outcomes allowed besides acceptance: for a case the catalog lets a server
    /// accept or refuse (INV-4, INV-11, INV-12), the refusals a late refusal (a FAILED task)
    /// must match.
    pub fn refusals(&self) -> impl Iterator<Item = Outcome> + '_ {
        self.outcomes
            .iter()
            .copied()
            .filter(|o| *o != Outcome::Accepted)
    }

    /// The allowed outcomes in words, e.g. `404 NOT_FOUND | 400 INVALID_ARGUMENT`.
    pub fn describe_outcomes(&self) -> String {
        self.outcomes
            .iter()
            .map(Outcome::to_string)
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

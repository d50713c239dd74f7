//! What the suite does differently on the JSON-RPC wire: the same generated cases and the same
//! oracle, minus what that wire cannot say. Clauses that exist only in REST are reported
//! `not_exercisable` with the reason (`checks::envelope::REST_ONLY`); mutations that only a
//! REST request can carry are not generated; a defect's declared clauses lose the REST-only
//! ones, and defects whose broken promise is REST-only (`mock::JSONRPC_REST_ONLY_DEFECTS`) do
//! not apply.

use crate::checks::envelope;
use crate::clause::ClauseId;
use crate::mock::{Defect, JSONRPC_REST_ONLY_DEFECTS};
use crate::model::Mutation;
use crate::runner::Wire;

/// Why `clause` is not judged on `wire`, if it is not.
pub fn clause_excluded(wire: Wire, clause: ClauseId) -> Option<&'static str> {
    match wire {
        Wire::Rest => None,
        Wire::JsonRpc => envelope::rest_only(clause),
    }
}

/// Why mutation `m` has no form on `wire`, if it has none. The JSON-RPC mapping of the others
/// is `runner::jsonrpc::encode`'s (body mutations) and `route`'s (the action names the
/// operation, `UnknownAction` an operation the service does not have).
pub fn mutation_excluded(wire: Wire, m: Mutation) -> Option<&'static str> {
    if wire == Wire::Rest {
        return None;
    }
    match m {
        Mutation::MissingVmwTask | Mutation::VmwTaskNotTrue => Some(
            "REST only: the vmw-task query parameter; on JSON-RPC the task form is the operation restore$task itself",
        ),
        Mutation::BodyNotJson => Some(
            "REST only: a body that is not JSON; the JSON-RPC envelope is JSON, so the spec can only be of a wrong kind (BodyJsonArray, the *NotString mutations)",
        ),
        _ => None,
    }
}

/// Whether every mutation of the case has a form on `wire`.
pub fn case_applies(wire: Wire, mutations: &[Mutation]) -> bool {
    mutations
        .iter()
        .all(|m| mutation_excluded(wire, *m).is_none())
}

/// Whether defect `d` shows on `wire`.
pub fn defect_applies(wire: Wire, d: Defect) -> bool {
    wire == Wire::Rest || !JSONRPC_REST_ONLY_DEFECTS.contains(&d)
}

/// The clauses a correct harness sees `d` fail on `wire`.
pub fn declared_clauses(wire: Wire, d: Defect) -> Vec<ClauseId> {
    let mut out: Vec<ClauseId> = d
        .clauses()
        .iter()
        .copied()
        .filter(|c| clause_excluded(wire, *c).is_none())
        .collect();
    // A 429 is no vAPI error: the JSON-RPC face can only name the error its status stands
    // for, whose `error_type` then disagrees with the name. On REST the status set (FMT-4)
    // catches it; on JSON-RPC the name/type agreement (FMT-2) does.
    if wire == Wire::JsonRpc && d == Defect::Limit429 && !out.contains(&ClauseId::FMT_2) {
        out.push(ClauseId::FMT_2);
        out.sort();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_keeps_everything() {
        assert!(
            Mutation::ALL
                .iter()
                .all(|m| mutation_excluded(Wire::Rest, *m).is_none())
        );
        assert!(Defect::all().iter().all(|d| defect_applies(Wire::Rest, *d)));
        assert!(clause_excluded(Wire::Rest, ClauseId::FMT_4).is_none());
    }

    #[test]
    fn a_fixture_names_its_wire_form() {
        let text = std::fs::read_to_string(crate::suite::SuiteConfig::default_fixture()).unwrap();
        let path = std::path::Path::new("t.toml");
        let with = |line: &str| {
            crate::model::World::parse(
                &text.replacen("[target]\n", &format!("[target]\n{line}\n"), 1),
                path,
            )
        };
        let w = with("wire = \"jsonrpc\"\njsonrpc_path = \"/snapservice\"").unwrap();
        assert_eq!(w.target.wire, Some(Wire::JsonRpc));
        assert_eq!(w.target.jsonrpc_path.as_deref(), Some("/snapservice"));
        assert_eq!(with("").unwrap().target.wire, None);
        let e = with("wire = \"soap\"").unwrap_err().to_string();
        assert!(e.contains("soap") && e.contains("jsonrpc"), "{e}");
    }

    #[test]
    fn jsonrpc_drops_the_rest_only_parts() {
        let w = Wire::JsonRpc;
        assert!(clause_excluded(w, ClauseId::FMT_3).is_some());
        assert!(clause_excluded(w, ClauseId::FMT_4).is_some());
        assert!(clause_excluded(w, ClauseId::FMT_1).is_none());
        assert!(!case_applies(
            w,
            &[Mutation::UnknownVm, Mutation::BodyNotJson]
        ));
        assert!(case_applies(
            w,
            &[Mutation::UnknownVm, Mutation::SnapshotNotString]
        ));
        assert!(!defect_applies(w, Defect::Accepts200));
        assert!(defect_applies(w, Defect::ErrorTypeMismatch));
        assert_eq!(
            declared_clauses(w, Defect::Conflict409ForNameClash),
            vec![ClauseId::DUP_1]
        );
        assert_eq!(
            declared_clauses(w, Defect::Fault500AsHtml),
            vec![ClauseId::ERR_1, ClauseId::FMT_1]
        );
        // Every defect that applies still declares a clause to fail.
        for d in Defect::all().iter().filter(|d| defect_applies(w, **d)) {
            assert!(!declared_clauses(w, *d).is_empty(), "{d}");
        }
    }
}

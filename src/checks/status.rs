//! Is the answer one the catalog allows? Compares an exchange with `expect::expected()` and,
//! when it is not, names the clause the answer breaks.

use crate::checks::Judgement;
use crate::checks::format::allowed_error_types;
use crate::clause::ClauseId;
use crate::expect::{Expected, Outcome};
use crate::model::ErrorType;
use crate::runner::{Exchange, Observation};

/// The parts of a response an outcome is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    pub status: u16,
    /// `None` when the body carries no standard `error_type` (FMT-1 judges the body).
    pub error_type: Option<ErrorType>,
}

/// Status and error type of a response; `None` for a timeout or transport failure.
pub fn observed(obs: &Observation) -> Option<Observed> {
    let status = obs.status()?;
    let error_type = obs
        .json()
        .and_then(|v| v.get("error_type")?.as_str().and_then(ErrorType::parse));
    Some(Observed { status, error_type })
}

/// True when `seen` is one of the outcomes. A response without a readable error type matches
/// on status alone: its body is FMT-1's to judge, and one fault should make one finding. So
/// does an error type the status never allows (401 with UNAUTHORIZED): that is FMT-2's
/// finding, and the status itself answered the clause. An allowed but different type (400
/// INVALID_ARGUMENT where ALREADY_EXISTS is due) is the outcome clause's failure.
pub fn matches(outcome: Outcome, seen: Observed) -> bool {
    match outcome {
        Outcome::Accepted => seen.status == 202,
        Outcome::Error { status, error_type } => {
            seen.status == status
                && seen.error_type.is_none_or(|t| {
                    t == error_type || !allowed_error_types(status).is_some_and(|a| a.contains(&t))
                })
        }
    }
}

/// Judges the answer to a restore request against the oracle's expectation. Every clause of
/// `expected.clauses` is exercised; a non-conforming answer fails the clause it breaks:
/// AUTHN-3 when an unauthenticated request got 202, 400, 403 or 404; AUTHZ-4/AUTHZ-5 when a
/// principal holding the privileges got 403; otherwise `expected.blame` (the fault the case
/// targets, ACC-1 for a valid case). A timeout or transport failure is not judged here
/// (`check_format` reports it).
pub fn check_outcome(expected: &Expected, ex: &Exchange) -> crate::checks::Judgement {
    let mut j = Judgement::default();
    let Some(seen) = observed(&ex.observation) else {
        return j;
    };
    // A multi-fault case exercises the clauses of the faults its answer matched (a 404 for
    // an unknown VM says nothing about the snapshot fault next to it), plus every clause no
    // fault owns (AUTHZ-4, AUTHZ-6, ...). Otherwise every clause of the case.
    let owned: Vec<ClauseId> = expected
        .faults
        .iter()
        .flat_map(|f| f.clauses.iter().copied())
        .collect();
    let matched: Vec<ClauseId> = expected
        .faults
        .iter()
        .filter(|f| f.outcomes.iter().any(|o| matches(*o, seen)))
        .flat_map(|f| f.clauses.iter().copied())
        .collect();
    let any_match = expected.outcomes.iter().any(|o| matches(*o, seen));
    for c in &expected.clauses {
        let exercised =
            !owned.contains(c) || matched.contains(c) || (!any_match && *c == expected.blame);
        if exercised {
            j.exercise(*c);
        }
    }
    if any_match {
        return j;
    }
    // An unauthenticated request answered 400/403/404 was judged on something other than its
    // credentials first (AUTHN-3); answered 202, its credentials were not checked at all: the
    // specific AUTHN clause in `blame`.
    let clause = if expected.clauses.contains(&ClauseId::AUTHN_3)
        && matches!(seen.status, 400 | 403 | 404)
    {
        ClauseId::AUTHN_3
    } else if (200..300).contains(&seen.status) && expected.allows_accepted() {
        // Accepted with the wrong success status (200 for 202): the acceptance itself was
        // allowed; the status is ACC-1's (and FMT-4's) fault, not the case's own clause.
        ClauseId::ACC_1
    } else if seen.status == 400
        && seen.error_type == Some(ErrorType::NotAllowedInCurrentState)
        && expected.allows_accepted()
    {
        // An acceptable request refused for the restore limit: a valid restore was
        // refused (the BUSY trials judge the limit itself).
        ClauseId::ACC_1
    } else if seen.status == 403 && expected.allows_accepted() {
        // A refusal is a privilege-model failure only where the request was otherwise
        // acceptable; a 403 instead of a 404 or 400 breaks the fault's own clause.
        expected.blame_refusal.unwrap_or(expected.blame)
    } else {
        expected.blame
    };
    j.fail(
        clause,
        format!("{} ({})", expected.describe_outcomes(), expected.reason),
        ex.observation.summary(),
    );
    j
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::checks::format::check_format;
    use crate::checks::test_support::*;
    use crate::expect::expected;
    use crate::model::Auth;
    use crate::model::test_world;
    use crate::model::{Body, Case};

    fn case(principal: &str, vm: &str, body: serde_json::Value) -> Case {
        Case {
            auth: Auth::Principal(principal.into()),
            cluster: "domain-c8".into(),
            vm: vm.into(),
            action: "restore".into(),
            vmw_task: Some("true".into()),
            body: Body::Spec(body),
            mutations: vec![],
            base: "t".into(),
            name_prefix: "t-".into(),
        }
    }

    const ADMIN: &str = "administrator@vsphere.local";

    fn judge(c: &Case, obs: Observation) -> Judgement {
        check_outcome(&expected(test_world(), c, false), &exchange(obs))
    }

    #[test]
    fn valid_case_needs_202() {
        let c = case(
            ADMIN,
            "vm-42",
            json!({"snapshot": "snap-42-a", "name": "t-1"}),
        );
        let ok = judge(
            &c,
            json(
                202,
                r#""t:com.vmware.snapservice.clusters.virtual_machines""#,
            ),
        );
        assert!(ok.passed() && ok.exercised.contains(&ClauseId::ACC_1));
        let bad = judge(&c, error(400, "INVALID_ARGUMENT"));
        assert_eq!(failed(&bad), vec![ClauseId::ACC_1]);
    }

    #[test]
    fn fault_clause_is_blamed() {
        let c = case(ADMIN, "vm-999", json!({"snapshot": "snap-42-a"}));
        assert!(judge(&c, error(404, "NOT_FOUND")).passed());
        assert_eq!(
            failed(&judge(&c, error(400, "INVALID_ARGUMENT"))),
            vec![ClauseId::NF_2]
        );
        assert_eq!(
            failed(&judge(&c, json(202, r#""t""#))),
            vec![ClauseId::NF_2]
        );
        // Right status, wrong error type.
        assert_eq!(
            failed(&judge(&c, error(404, "OPERATION_NOT_FOUND"))),
            vec![ClauseId::NF_2]
        );
        let c = case(
            ADMIN,
            "vm-42",
            json!({"snapshot": "snap-42-a", "name": "db-01"}),
        );
        assert_eq!(
            failed(&judge(&c, error(400, "INVALID_ARGUMENT"))),
            vec![ClauseId::DUP_1]
        );
        assert!(judge(&c, error(400, "ALREADY_EXISTS")).passed());
    }

    #[test]
    fn unauthenticated_answers_are_blamed_on_authn() {
        let mut c = case(ADMIN, "vm-999", json!({"snapshot": "snap-42-a"}));
        c.auth = Auth::NoHeader;
        assert!(judge(&c, error(401, "UNAUTHENTICATED")).passed());
        assert_eq!(
            failed(&judge(&c, error(404, "NOT_FOUND"))),
            vec![ClauseId::AUTHN_3]
        );
        assert_eq!(
            failed(&judge(&c, error(500, "ERROR"))),
            vec![ClauseId::AUTHN_1]
        );
        c.auth = Auth::Garbage("x".into());
        assert_eq!(
            failed(&judge(&c, error(403, "UNAUTHORIZED"))),
            vec![ClauseId::AUTHN_3]
        );
        assert_eq!(
            failed(&judge(&c, json(202, r#""t""#))),
            vec![ClauseId::AUTHN_2]
        );
        c.auth = Auth::NoHeader;
        assert_eq!(
            failed(&judge(&c, json(202, r#""t""#))),
            vec![ClauseId::AUTHN_1]
        );
    }

    #[test]
    fn a_200_where_202_is_allowed_is_blamed_on_acc_1() {
        let c = case(
            ADMIN,
            "vm-42",
            json!({"snapshot": "snap-42-a", "x_extra": 1}),
        );
        assert_eq!(
            failed(&judge(&c, json(200, r#""t""#))),
            vec![ClauseId::ACC_1]
        );
        // Where acceptance itself is wrong, the case's own clause is broken.
        let c = case(ADMIN, "vm-999", json!({"snapshot": "snap-42-a"}));
        assert_eq!(
            failed(&judge(&c, json(200, r#""t""#))),
            vec![ClauseId::NF_2]
        );
    }

    #[test]
    fn an_error_type_the_status_never_allows_is_left_to_fmt_2() {
        let mut c = case(ADMIN, "vm-42", json!({"snapshot": "snap-42-a"}));
        c.auth = Auth::Garbage("x".into());
        // 401 with UNAUTHORIZED: the status is right; FMT-2 (check_format) reports the type.
        assert!(judge(&c, error(401, "UNAUTHORIZED")).passed());
        assert_eq!(
            failed(&check_format(&exchange(error(401, "UNAUTHORIZED")), None)),
            vec![ClauseId::FMT_2]
        );
    }

    #[test]
    fn refusals_of_held_privileges_are_blamed_precisely() {
        let c = case(
            "direct-operator@vsphere.local",
            "vm-42",
            json!({"snapshot": "snap-42-a", "name": "t-1", "placement": {"folder": "group-v4", "resource_pool": "resgroup-8"}}),
        );
        assert_eq!(
            failed(&judge(&c, error(403, "UNAUTHORIZED"))),
            vec![ClauseId::AUTHZ_4]
        );
        let c = case(
            "operator@vsphere.local",
            "vm-42",
            json!({"snapshot": "snap-42-a", "name": "t-1"}),
        );
        assert_eq!(
            failed(&judge(&c, error(403, "UNAUTHORIZED"))),
            vec![ClauseId::AUTHZ_5]
        );
        let c = case(
            ADMIN,
            "vm-42",
            json!({"snapshot": "snap-42-a", "name": "t-1"}),
        );
        assert_eq!(
            failed(&judge(&c, error(403, "UNAUTHORIZED"))),
            vec![ClauseId::AUTHZ_5]
        );
        let c = case(
            "readonly@vsphere.local",
            "vm-42",
            json!({"snapshot": "nope"}),
        );
        assert!(judge(&c, error(403, "UNAUTHORIZED")).passed());
        let j = judge(&c, error(400, "INVALID_ARGUMENT"));
        assert_eq!(failed(&j), vec![ClauseId::AUTHZ_1]);
        assert!(j.exercised.contains(&ClauseId::AUTHZ_6));
    }

    #[test]
    fn a_403_instead_of_a_404_breaks_the_404_clause() {
        let mut c = case(
            ADMIN,
            "vm-42",
            json!({"snapshot": "snap-42-a", "name": "t-1"}),
        );
        c.cluster = "domain-c999".into();
        assert_eq!(
            failed(&judge(&c, error(403, "UNAUTHORIZED"))),
            vec![ClauseId::NF_1]
        );
    }

    #[test]
    fn injected_faults_and_transport() {
        let e = Expected::injected(503);
        assert!(check_outcome(&e, &exchange(error(503, "SERVICE_UNAVAILABLE"))).passed());
        let j = check_outcome(&e, &exchange(error(500, "ERROR")));
        assert_eq!(failed(&j), vec![ClauseId::UNAV_1]);
        let j = check_outcome(&Expected::injected(500), &exchange(timeout()));
        assert!(j.exercised.is_empty() && j.passed());
    }

    #[test]
    fn a_multi_fault_case_exercises_only_the_fault_its_answer_matched() {
        // An unknown VM (NF-2: 404) and an empty name (INV-11: 400 INVALID_ARGUMENT or 202).
        let c = case(
            ADMIN,
            "vm-999",
            json!({"snapshot": "snap-42-a", "name": ""}),
        );
        let e = expected(test_world(), &c, false);
        assert_eq!(e.faults.len(), 2, "{e:?}");
        let j = judge(&c, error(404, "NOT_FOUND"));
        assert!(j.passed(), "{j:?}");
        assert!(j.exercised.contains(&ClauseId::NF_2));
        assert!(!j.exercised.contains(&ClauseId::INV_11), "{j:?}");
        let j = judge(&c, error(400, "INVALID_ARGUMENT"));
        assert!(j.passed(), "{j:?}");
        assert!(j.exercised.contains(&ClauseId::INV_11));
        assert!(!j.exercised.contains(&ClauseId::NF_2), "{j:?}");
        // An answer no fault allows fails (and so exercises) the blamed clause only.
        let j = judge(&c, error(403, "UNAUTHORIZED"));
        assert_eq!(failed(&j), vec![ClauseId::NF_2]);
        assert!(!j.exercised.contains(&ClauseId::INV_11), "{j:?}");
        // A single-fault case still exercises its clauses whatever the answer.
        let c = case(ADMIN, "vm-999", json!({"snapshot": "snap-42-a"}));
        assert!(expected(test_world(), &c, false).faults.is_empty());
        assert!(
            judge(&c, error(404, "NOT_FOUND"))
                .exercised
                .contains(&ClauseId::NF_2)
        );
    }

    #[test]
    fn unreadable_error_type_matches_on_status() {
        let c = case(ADMIN, "vm-999", json!({"snapshot": "snap-42-a"}));
        assert!(judge(&c, response(404, Some("text/html"), "<h1>404</h1>")).passed());
        assert_eq!(
            observed(&error(400, "ALREADY_EXISTS")),
            Some(Observed {
                status: 400,
                error_type: Some(ErrorType::AlreadyExists)
            })
        );
    }
}

//! The generators produce what they claim, as the reference oracle classifies it: valid cases
//! are accepted, a single mutation yields its clause's outcomes, multi-fault cases stay within
//! the union of their mutations' outcomes.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

use super::*;
use crate::clause::ClauseId;
use crate::expect::privilege::holds;
use crate::expect::{Outcome, expected, expected_vm, name_problem};
use crate::model::ErrorType;
use crate::model::privilege::{CLUSTER_STORAGE, FOLDER_CREATE, POOL_ASSIGN};
use crate::model::test_world;
use crate::model::{Auth, Case, Mutation};
use crate::runner::RequestSpec;

const ADMIN: &str = "administrator@vsphere.local";
const OPERATOR: &str = "operator@vsphere.local";
const PREFIX: &str = "sc-test-";

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    })
}

fn err(error_type: ErrorType) -> Outcome {
    Outcome::error(error_type)
}

/// What the catalog allows for one fault of `clause` alone, and the mock's choice.
fn single_fault(clause: ClauseId) -> (Vec<Outcome>, Outcome) {
    use ErrorType::*;
    let ia = err(InvalidArgument);
    let (mut set, strict) = match clause {
        ClauseId::AUTHN_1 | ClauseId::AUTHN_2 => (vec![err(Unauthenticated)], err(Unauthenticated)),
        ClauseId::AUTHZ_1 | ClauseId::AUTHZ_2 | ClauseId::AUTHZ_3 => {
            (vec![err(Unauthorized)], err(Unauthorized))
        }
        ClauseId::FMT_2 => (
            vec![err(NotFound), err(OperationNotFound)],
            err(OperationNotFound),
        ),
        ClauseId::FMT_4 => (vec![ia, err(NotFound), err(OperationNotFound)], ia),
        ClauseId::NF_1 | ClauseId::NF_2 => (vec![err(NotFound)], err(NotFound)),
        ClauseId::NF_3 => (vec![ia, err(NotFound)], err(NotFound)),
        ClauseId::INV_13 => (
            vec![ia, err(AlreadyExists), err(NotAllowedInCurrentState)],
            ia,
        ),
        ClauseId::INV_2 | ClauseId::INV_9 => (vec![ia, err(NotFound)], ia),
        ClauseId::INV_4 | ClauseId::INV_11 => (vec![Outcome::Accepted, ia], ia),
        ClauseId::INV_12 => (vec![Outcome::Accepted, ia], Outcome::Accepted),
        ClauseId::INV_8 => (vec![ia, err(NotAllowedInCurrentState)], ia),
        ClauseId::DUP_1 | ClauseId::DUP_2 => (vec![err(AlreadyExists)], err(AlreadyExists)),
        _ => (vec![ia], ia),
    };
    set.sort();
    (set, strict)
}

#[test]
fn valid_cases_are_accepted() {
    let w = test_world();
    for principal in [ADMIN, OPERATOR] {
        runner()
            .run(&arb_valid_case(w, principal, PREFIX), |case| {
                let e = expected(w, &case, false);
                prop_assert_eq!(
                    &e.outcomes,
                    &vec![Outcome::Accepted],
                    "{}: {}",
                    case.describe(),
                    e.reason
                );
                prop_assert_eq!(expected(w, &case, true).outcomes, vec![Outcome::Accepted]);
                prop_assert!(case.mutations.is_empty());
                let vm = expected_vm(w, &case).expect("an accepted case has a VM");
                prop_assert_eq!(Some(vm.name.clone()), case.requested_name(w));
                if vm.name_given {
                    prop_assert!(vm.name.starts_with(PREFIX));
                    prop_assert_eq!(name_problem(&vm.name), None);
                }
                Ok(())
            })
            .unwrap();
    }
}

#[test]
fn valid_cases_for_a_narrow_principal_name_what_it_may_use() {
    // apps-folder may create only below group-v10: valid cases name such a folder, so no
    // answer but 202 conforms, and strict mode expects 202.
    let w = test_world();
    let p = "apps-folder@vsphere.local";
    assert!(has_valid_case(w, p));
    assert!(!has_valid_case(w, "readonly@vsphere.local"));
    runner()
        .run(&arb_valid_case(w, p, PREFIX), |case| {
            prop_assert_eq!(expected(w, &case, false).outcomes, vec![Outcome::Accepted]);
            let f = case.placement_str("folder");
            prop_assert!(
                matches!(f, Some("group-v10") | Some("group-v11")),
                "{:?}",
                f
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn valid_cases_cover_the_field_combinations() {
    let w = test_world();
    let mut seen = std::collections::BTreeSet::new();
    let mut r = runner();
    let s = arb_valid_case(w, ADMIN, PREFIX);
    for _ in 0..400 {
        let case = s.new_tree(&mut r).unwrap().current();
        let spec = case.spec().unwrap();
        let shape = |v: Option<&serde_json::Value>| match v {
            None => "absent",
            Some(serde_json::Value::Null) => "null",
            Some(_) => "given",
        };
        seen.insert(("name", shape(spec.get("name"))));
        seen.insert(("placement", shape(spec.get("placement"))));
        let p = spec.get("placement").and_then(|p| p.as_object());
        for f in ["folder", "resource_pool", "host"] {
            if let Some(p) = p {
                seen.insert((f, shape(p.get(f))));
            }
        }
        if case.cluster == "domain-c20" {
            assert!(case.placement_str("host").is_some(), "{}", case.describe());
        }
    }
    for f in ["name", "placement", "folder", "resource_pool", "host"] {
        for s in ["absent", "null", "given"] {
            assert!(seen.contains(&(f, s)), "never saw {f} {s}");
        }
    }
}

#[test]
fn every_mutation_applies_in_the_default_world() {
    let w = test_world();
    assert_eq!(applicable_mutations(w, ADMIN), Mutation::ALL.to_vec());
    let op = applicable_mutations(w, OPERATOR);
    assert!(!op.contains(&Mutation::FolderOutsideDatacenter), "{op:?}");
    assert!(op.contains(&Mutation::PoolNotOnHost));
}

#[test]
fn a_single_mutation_yields_its_clause_outcomes() {
    let w = test_world();
    for principal in [ADMIN, OPERATOR] {
        for m in applicable_mutations(w, principal) {
            let s = arb_mutated_case(w, principal, PREFIX, m).unwrap();
            let (set, strict) = single_fault(m.clauses()[0]);
            runner()
                .run(&s, |case| {
                    prop_assert_eq!(&case.mutations, &vec![m]);
                    let e = expected(w, &case, false);
                    let why = format!("{}: {} ({:?})", case.describe(), e.reason, e.clauses);
                    prop_assert_eq!(&e.outcomes, &set, "{}", why);
                    for c in m.clauses() {
                        prop_assert!(e.clauses.contains(c), "{} lacks {}", why, c);
                    }
                    prop_assert!(e.clauses.contains(&e.blame), "{}", why);
                    prop_assert_eq!(expected(w, &case, true).outcomes, vec![strict], "{}", why);
                    Ok(())
                })
                .unwrap_or_else(|e| panic!("{m:?} as {principal}: {e}"));
        }
    }
}

#[test]
fn the_mixed_invalid_strategy_is_single_fault() {
    let w = test_world();
    runner()
        .run(&arb_invalid_case(w, ADMIN, PREFIX), |case| {
            prop_assert_eq!(case.mutations.len(), 1);
            let (set, _) = single_fault(case.mutations[0].clauses()[0]);
            prop_assert_eq!(expected(w, &case, false).outcomes, set);
            Ok(())
        })
        .unwrap();
}

#[test]
fn multi_fault_cases_stay_within_the_union() {
    let w = test_world();
    let optional = [ClauseId::INV_4, ClauseId::INV_11, ClauseId::INV_12];
    for principal in [ADMIN, OPERATOR] {
        runner()
            .run(&arb_multi_fault_case(w, principal, PREFIX), |case| {
                let e = expected(w, &case, false);
                let s = expected(w, &case, true);
                let why = format!("{}: {}", case.describe(), e.reason);
                prop_assert!(!case.mutations.is_empty(), "{}", why);
                prop_assert!(s.outcomes.len() == 1 && e.allows(s.outcomes[0]), "{}", why);
                if matches!(
                    case.auth,
                    Auth::NoHeader | Auth::Garbage(_) | Auth::LoggedOut(_)
                ) {
                    prop_assert_eq!(&e.outcomes, &vec![err(ErrorType::Unauthenticated)]);
                    return Ok(());
                }
                let mut union: Vec<Outcome> = case
                    .mutations
                    .iter()
                    .flat_map(|m| single_fault(m.clauses()[0]).0)
                    .collect();
                union.push(Outcome::Accepted);
                for o in &e.outcomes {
                    prop_assert!(union.contains(o), "{} allows {} outside the union", why, o);
                }
                let all_optional = case
                    .mutations
                    .iter()
                    .all(|m| optional.contains(&m.clauses()[0]));
                prop_assert_eq!(e.allows_accepted(), all_optional, "{}", why);
                Ok(())
            })
            .unwrap();
    }
}

#[test]
fn multi_fault_cases_usually_combine_several() {
    let w = test_world();
    let mut r = runner();
    let s = arb_multi_fault_case(w, ADMIN, PREFIX);
    let several = (0..200)
        .filter(|_| s.new_tree(&mut r).unwrap().current().mutations.len() >= 2)
        .count();
    assert!(
        several > 150,
        "only {several} of 200 cases had two or more mutations"
    );
}

#[test]
fn privilege_cases_are_accepted_exactly_when_the_privileges_are_held() {
    let w = test_world();
    runner()
        .run(&arb_privilege_case(w, PREFIX), |(setup, case)| {
            let world = setup.apply_to(w);
            let p = setup.principal.as_str();
            prop_assert_eq!(case.principal(), Some(p));
            let named_ok = holds(&world, p, CLUSTER_STORAGE, &case.cluster)
                && case
                    .placement_str("folder")
                    .is_none_or(|f| holds(&world, p, FOLDER_CREATE, f))
                && case
                    .placement_str("resource_pool")
                    .is_none_or(|r| holds(&world, p, POOL_ASSIGN, r));
            let e = expected(&world, &case, false);
            let s = expected(&world, &case, true);
            let why = format!("{:?} {}: {}", setup, case.describe(), e.reason);
            let refused = err(ErrorType::Unauthorized);
            if named_ok {
                prop_assert!(e.allows_accepted(), "{}", why);
                prop_assert_eq!(s.outcomes, vec![Outcome::Accepted], "{}", why);
            } else {
                prop_assert_eq!(&e.outcomes, &vec![refused], "{}", why);
            }
            prop_assert!(
                e.outcomes
                    .iter()
                    .all(|o| *o == Outcome::Accepted || *o == refused),
                "{}",
                why
            );
            let body = setup.control_body();
            prop_assert_eq!(
                body["permissions"].as_array().map(Vec::len),
                Some(setup.permissions.len())
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn auth_variants_are_401_unless_a_live_session() {
    let w = test_world();
    let s = (arb_valid_case(w, ADMIN, PREFIX), arb_auth_variant(ADMIN));
    runner()
        .run(&s, |(mut case, auth)| {
            case.auth = auth.clone();
            let e = expected(w, &case, false);
            match auth {
                Auth::Principal(_) => prop_assert_eq!(e.outcomes, vec![Outcome::Accepted]),
                _ => {
                    prop_assert_eq!(e.outcomes, vec![err(ErrorType::Unauthenticated)]);
                    prop_assert!(e.clauses.contains(&ClauseId::AUTHN_3));
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn cases_round_trip_through_json_for_replay() {
    let w = test_world();
    runner()
        .run(&arb_multi_fault_case(w, ADMIN, PREFIX), |case| {
            let text = serde_json::to_string(&case).unwrap();
            let back: Case = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&back, &case);
            prop_assert_eq!(RequestSpec::restore(&back), RequestSpec::restore(&case));
            Ok(())
        })
        .unwrap();
}

#[test]
fn mutations_needing_absent_objects_are_never_generated() {
    // One DRS cluster with one host, one deleted VM, no live VM, no second cluster.
    let text = r#"
[[datacenter]]
id = "datacenter-1"
name = "dc"
vm_folder = "group-v1"

[[folder]]
id = "group-v1"
name = "vm"
parent = "datacenter-1"

[[cluster]]
id = "domain-c1"
name = "c1"
parent = "datacenter-1"
drs = true

[[host]]
id = "host-1"
name = "h1"
cluster = "domain-c1"

[[resource_pool]]
id = "resgroup-1"
name = "Resources"
parent = "domain-c1"

[[deleted_vm]]
id = "vm-1"
name = "gone"
cluster = "domain-c1"

[[snapshot]]
id = "snap-1"
vm = "vm-1"
name = "s"
vm_name = "gone"
created_at = "2026-11-27T10:00:00.000Z"

[[role]]
name = "Admin"
privileges = ["*"]

[[principal]]
name = "admin"
password = "x"

[[permission]]
principal = "admin"
role = "Admin"
object = "datacenter-1"
"#;
    let w = crate::model::World::parse(text, std::path::Path::new("mini.toml")).unwrap();
    let ms = applicable_mutations(&w, "admin");
    for absent in [
        Mutation::VmOfOtherCluster,
        Mutation::LiveVm,
        Mutation::SnapshotOfOtherCluster,
        Mutation::SnapshotOfOtherVm,
        Mutation::HostOutsideCluster,
        Mutation::PoolOfOtherCluster,
        Mutation::PoolNotOnHost,
        Mutation::NoPlacementNoDrs,
        Mutation::NameTakenInFolder,
        Mutation::DefaultNameTaken,
        Mutation::PrincipalWithoutClusterStorage,
    ] {
        assert!(
            !ms.contains(&absent),
            "{absent:?} offered in a world without its objects"
        );
    }
    assert!(ms.contains(&Mutation::UnknownSnapshot) && ms.contains(&Mutation::ExtraField));
    runner()
        .run(&arb_invalid_case(&w, "admin", PREFIX), |case| {
            prop_assert!(ms.contains(&case.mutations[0]));
            let (set, _) = single_fault(case.mutations[0].clauses()[0]);
            prop_assert_eq!(expected(&w, &case, false).outcomes, set);
            Ok(())
        })
        .unwrap();
}

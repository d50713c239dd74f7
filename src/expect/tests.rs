//! Hand-built cases against the default fixture, one per rule of `expected()`.

use serde_json::{Value, json};

use super::outcome::o;
use super::*;
use crate::clause::ClauseId;
use crate::model::{Auth, Body, Case, test_world};

const ADMIN: &str = "administrator@vsphere.local";

fn case_as(principal: &str, cluster: &str, vm: &str, body: Value) -> Case {
    Case {
        auth: Auth::Principal(principal.into()),
        cluster: cluster.into(),
        vm: vm.into(),
        action: "restore".into(),
        vmw_task: Some("true".into()),
        body: Body::Spec(body),
        mutations: vec![],
        base: "hand-built".into(),
        name_prefix: "t-".into(),
    }
}

fn case(body: Value) -> Case {
    case_as(ADMIN, "domain-c8", "vm-42", body)
}

fn both(c: &Case) -> (Expected, Expected) {
    let w = test_world();
    (expected(w, c, false), expected(w, c, true))
}

#[test]
fn valid_request_is_accepted_only() {
    let (e, s) = both(&case(json!({"snapshot": "snap-42-a", "name": "t-x"})));
    assert_eq!(e.outcomes, vec![Outcome::Accepted]);
    assert_eq!(s.outcomes, vec![Outcome::Accepted]);
    assert_eq!(e.blame, ClauseId::ACC_1);
    assert!(e.clauses.contains(&ClauseId::ACC_1), "{:?}", e.clauses);
    assert_eq!(e.reason, "valid request");
}

#[test]
fn null_and_absent_optionals_mean_unset() {
    let (e, _) = both(&case(
        json!({"snapshot": "snap-42-b", "name": null, "placement": null}),
    ));
    assert_eq!(e.outcomes, vec![Outcome::Accepted]);
    let (e, _) = both(&case(json!({"snapshot": "snap-42-b",
        "placement": {"folder": null, "resource_pool": "resgroup-9", "host": "host-12"}})));
    assert_eq!(e.outcomes, vec![Outcome::Accepted]);
}

#[test]
fn unauthenticated_is_401_whatever_else_is_wrong() {
    let mut c = case_as(ADMIN, "domain-c999", "vm-1", json!([]));
    c.auth = Auth::NoHeader;
    let (e, s) = both(&c);
    assert_eq!(e.outcomes, vec![o::UNAUTHENTICATED]);
    assert_eq!(s.outcomes, vec![o::UNAUTHENTICATED]);
    assert_eq!(e.blame, ClauseId::AUTHN_1);
    assert_eq!(e.clauses, vec![ClauseId::AUTHN_1, ClauseId::AUTHN_3]);
    c.auth = Auth::LoggedOut(ADMIN.into());
    assert_eq!(both(&c).0.blame, ClauseId::AUTHN_2);
}

#[test]
fn request_line_faults_stand_alone() {
    let mut c = case(json!({"snapshot": "nope"}));
    c.action = "bogus".into();
    let (e, s) = both(&c);
    assert_eq!(e.outcomes, vec![o::NOT_FOUND, o::OPERATION_NOT_FOUND]);
    assert_eq!(s.outcomes, vec![o::OPERATION_NOT_FOUND]);
    assert_eq!(e.blame, ClauseId::FMT_2);
    let mut c = case(json!({"snapshot": "snap-42-a"}));
    c.vmw_task = None;
    let (e, s) = both(&c);
    assert_eq!(s.outcomes, vec![o::INVALID]);
    assert!(e.allows(o::OPERATION_NOT_FOUND) && !e.allows_accepted());
    assert_eq!(e.blame, ClauseId::FMT_4);
}

#[test]
fn path_faults() {
    let (e, _) = both(&case_as(
        ADMIN,
        "domain-c999",
        "vm-42",
        json!({"snapshot": "snap-42-a"}),
    ));
    assert_eq!(
        (e.outcomes.clone(), e.blame),
        (vec![o::NOT_FOUND], ClauseId::NF_1)
    );
    let (e, _) = both(&case_as(
        ADMIN,
        "domain-c8",
        "vm-999",
        json!({"snapshot": "snap-42-a"}),
    ));
    assert_eq!(
        (e.outcomes.clone(), e.blame),
        (vec![o::NOT_FOUND], ClauseId::NF_2)
    );
    let (e, s) = both(&case_as(
        ADMIN,
        "domain-c8",
        "vm-50",
        json!({"snapshot": "snap-42-a"}),
    ));
    assert_eq!(e.outcomes, vec![o::INVALID, o::NOT_FOUND]);
    assert_eq!((s.outcomes, e.blame), (vec![o::NOT_FOUND], ClauseId::NF_3));
    let (e, s) = both(&case_as(
        ADMIN,
        "domain-c8",
        "vm-100",
        json!({"snapshot": "snap-42-a"}),
    ));
    assert_eq!(e.outcomes, vec![o::EXISTS, o::INVALID, o::NOT_ALLOWED]);
    assert_eq!((s.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_13));
}

#[test]
fn unreadable_bodies() {
    let w = test_world();
    let mut c = case(json!({}));
    for (body, clause) in [
        (Body::Raw("snapshot=snap-42-a".into()), ClauseId::INV_10),
        (Body::Raw(String::new()), ClauseId::INV_10),
        (
            Body::Spec(json!([{"snapshot": "snap-42-a"}])),
            ClauseId::INV_10,
        ),
        (Body::Spec(json!({"snapshot": 42})), ClauseId::INV_10),
        (
            Body::Spec(json!({"snapshot": "snap-42-a", "name": 7})),
            ClauseId::INV_10,
        ),
        (
            Body::Spec(json!({"snapshot": "snap-42-a", "placement": "group-v4"})),
            ClauseId::INV_10,
        ),
        (
            Body::Spec(json!({"snapshot": "snap-42-a", "placement": {"host": ["host-12"]}})),
            ClauseId::INV_10,
        ),
        (Body::Spec(json!({"name": "t-x"})), ClauseId::INV_1),
        (Body::Spec(json!({"snapshot": null})), ClauseId::INV_1),
    ] {
        c.body = body;
        let e = expected(w, &c, false);
        assert_eq!(e.outcomes, vec![o::INVALID], "{c:?}");
        assert_eq!(e.blame, clause, "{c:?}");
    }
    // A raw body that is JSON is read like any other.
    c.body = Body::Raw(r#"{"snapshot":"snap-42-a"}"#.into());
    assert_eq!(expected(w, &c, false).outcomes, vec![Outcome::Accepted]);
}

#[test]
fn snapshot_faults() {
    let (e, s) = both(&case(json!({"snapshot": "snap-nope"})));
    assert_eq!(e.outcomes, vec![o::INVALID, o::NOT_FOUND]);
    assert_eq!((s.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_2));
    let (e, _) = both(&case(json!({"snapshot": "snap-50-a", "name": "t-x"})));
    assert_eq!((e.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_3));
    let (e, s) = both(&case(json!({"snapshot": "snap-44-a", "name": "t-x"})));
    assert_eq!(e.outcomes, vec![Outcome::Accepted, o::INVALID]);
    assert_eq!((s.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_4));
}

#[test]
fn name_faults_and_collisions() {
    for bad in ["", "   ", "\u{3000}", "a\u{7}b", &"x".repeat(81)] {
        let (e, s) = both(&case(json!({"snapshot": "snap-42-a", "name": bad})));
        assert_eq!(e.outcomes, vec![Outcome::Accepted, o::INVALID], "{bad:?}");
        assert_eq!((s.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_11));
    }
    // 80 characters, counted as characters not bytes, is fine.
    let (e, _) = both(&case(
        json!({"snapshot": "snap-42-a", "name": "é".repeat(80)}),
    ));
    assert_eq!(e.outcomes, vec![Outcome::Accepted]);
    let (e, _) = both(&case(json!({"snapshot": "snap-42-a", "name": "db-01"})));
    assert_eq!((e.outcomes, e.blame), (vec![o::EXISTS], ClauseId::DUP_1));
    // The same name in another folder is free; names compare case-sensitively.
    let (e, _) = both(&case(json!({"snapshot": "snap-42-a", "name": "db-01",
        "placement": {"folder": "group-v10"}})));
    assert_eq!(e.outcomes, vec![Outcome::Accepted]);
    let (e, _) = both(&case(json!({"snapshot": "snap-42-a", "name": "DB-01"})));
    assert_eq!(e.outcomes, vec![Outcome::Accepted]);
    let (e, _) = both(&case_as(
        ADMIN,
        "domain-c8",
        "vm-43",
        json!({"snapshot": "snap-43-a"}),
    ));
    assert_eq!((e.outcomes, e.blame), (vec![o::EXISTS], ClauseId::DUP_2));
}

#[test]
fn placement_faults() {
    let w = test_world();
    let on = |p: Value| {
        expected(
            w,
            &case(json!({"snapshot": "snap-42-a", "placement": p})),
            false,
        )
    };
    let e = on(json!({"host": "host-21"}));
    assert_eq!((e.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_5));
    let e = on(json!({"resource_pool": "resgroup-20"}));
    assert_eq!((e.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_5));
    let e = on(json!({"folder": "group-d1"}));
    assert_eq!((e.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_5));
    let e = on(json!({"host": "host-13", "resource_pool": "resgroup-9"}));
    assert_eq!((e.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_6));
    let e = on(json!({"host": "host-13", "resource_pool": "resgroup-14"}));
    assert_eq!(e.outcomes, vec![Outcome::Accepted]);
    let e = on(json!({"folder": "group-v99"}));
    assert_eq!(
        (e.outcomes, e.blame),
        (vec![o::INVALID, o::NOT_FOUND], ClauseId::INV_9)
    );
    let e = on(json!({"host": "resgroup-9"}));
    assert_eq!(e.blame, ClauseId::INV_9);
    let e = on(json!({"folder": "group-h5"}));
    assert_eq!(
        e.outcomes,
        vec![Outcome::Accepted, o::INVALID, o::NOT_FOUND]
    );
}

#[test]
fn clusters_without_drs_need_a_host() {
    let w = test_world();
    let on = |body: Value| {
        let c = case_as(ADMIN, "domain-c20", "vm-50", body);
        (expected(w, &c, false), expected(w, &c, true))
    };
    let (e, s) = on(json!({"snapshot": "snap-50-a"}));
    assert_eq!(e.outcomes, vec![o::INVALID, o::NOT_ALLOWED]);
    assert_eq!((s.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_8));
    let (e, _) = on(json!({"snapshot": "snap-50-a", "placement": {"folder": "group-v10"}}));
    assert_eq!(e.blame, ClauseId::INV_8);
    let (e, _) =
        on(json!({"snapshot": "snap-50-a", "placement": {"resource_pool": "resgroup-23"}}));
    assert_eq!((e.outcomes, e.blame), (vec![o::INVALID], ClauseId::INV_7));
    let (e, _) = on(json!({"snapshot": "snap-50-a",
        "placement": {"host": "host-21", "resource_pool": "resgroup-23"}}));
    assert_eq!(e.outcomes, vec![Outcome::Accepted]);
}

#[test]
fn extra_fields_may_be_ignored() {
    let (e, s) = both(&case(json!({"snapshot": "snap-42-a", "colour": "red"})));
    assert_eq!(e.outcomes, vec![Outcome::Accepted, o::INVALID]);
    assert_eq!(
        (s.outcomes, e.blame),
        (vec![Outcome::Accepted], ClauseId::INV_12)
    );
    let (e, _) = both(&case(
        json!({"snapshot": "snap-42-a", "placement": {"datastore": "x"}}),
    ));
    assert_eq!(e.blame, ClauseId::INV_12);
}

#[test]
fn missing_privileges_on_named_objects_are_403() {
    let body = json!({"snapshot": "snap-42-a", "name": "t-x"});
    let (e, _) = both(&case_as(
        "readonly@vsphere.local",
        "domain-c8",
        "vm-42",
        body.clone(),
    ));
    assert_eq!(
        (e.outcomes, e.blame),
        (vec![o::UNAUTHORIZED], ClauseId::AUTHZ_1)
    );
    let (e, _) = both(&case_as(
        "no-propagate@vsphere.local",
        "domain-c8",
        "vm-42",
        body,
    ));
    assert_eq!(e.outcomes, vec![o::UNAUTHORIZED]);
    assert_eq!(e.blame, ClauseId::AUTHZ_5);
    assert!(e.clauses.contains(&ClauseId::AUTHZ_1));
    let (e, _) = both(&case_as(
        "no-folder@vsphere.local",
        "domain-c8",
        "vm-42",
        json!({"snapshot": "snap-42-a", "placement": {"folder": "group-v10"}}),
    ));
    assert_eq!(
        (e.outcomes, e.blame),
        (vec![o::UNAUTHORIZED], ClauseId::AUTHZ_2)
    );
    let (e, _) = both(&case_as(
        "shared-pool@vsphere.local",
        "domain-c8",
        "vm-42",
        json!({"snapshot": "snap-42-a", "placement": {"resource_pool": "resgroup-9"}}),
    ));
    assert_eq!(
        (e.outcomes, e.blame),
        (vec![o::UNAUTHORIZED], ClauseId::AUTHZ_3)
    );
}

#[test]
fn missing_privilege_on_a_default_object_allows_403_or_the_rest() {
    let c = case_as(
        "apps-folder@vsphere.local",
        "domain-c8",
        "vm-42",
        json!({"snapshot": "snap-42-a", "name": "t-x"}),
    );
    let (e, s) = both(&c);
    assert_eq!(e.outcomes, vec![Outcome::Accepted, o::UNAUTHORIZED]);
    assert_eq!(s.outcomes, vec![Outcome::Accepted]);
    assert_eq!(e.blame, ClauseId::ACC_1);
    // Named folder where the grant propagates from the parent: held (AUTHZ-5), and the
    // principal holds exactly the documented privileges (AUTHZ-4). A refusal there is blamed
    // on the propagation (AUTHZ-5), the more specific promise.
    let c = case_as(
        "apps-folder@vsphere.local",
        "domain-c8",
        "vm-42",
        json!({"snapshot": "snap-42-a", "name": "t-x", "placement": {"folder": "group-v11"}}),
    );
    let (e, _) = both(&c);
    assert_eq!(e.outcomes, vec![Outcome::Accepted]);
    assert!(e.clauses.contains(&ClauseId::AUTHZ_5) && e.clauses.contains(&ClauseId::AUTHZ_4));
    assert_eq!(e.blame_refusal, Some(ClauseId::AUTHZ_5));
    let (e, _) = both(&case(json!({"snapshot": "snap-42-a"})));
    assert_eq!(e.blame_refusal, Some(ClauseId::AUTHZ_5));
}

#[test]
fn refusal_hides_snapshot_and_name_faults() {
    let c = case_as(
        "readonly@vsphere.local",
        "domain-c8",
        "vm-42",
        json!({"snapshot": "snap-nope", "name": ""}),
    );
    let (e, s) = both(&c);
    assert_eq!(e.outcomes, vec![o::UNAUTHORIZED]);
    assert_eq!(s.outcomes, vec![o::UNAUTHORIZED]);
    assert!(e.clauses.contains(&ClauseId::AUTHZ_6));
    // Placement and path faults stay in the set: the order of those checks is open.
    let c = case_as(
        "readonly@vsphere.local",
        "domain-c8",
        "vm-999",
        json!({"snapshot": "snap-42-a", "placement": {"host": "host-21"}}),
    );
    let (e, s) = both(&c);
    assert_eq!(e.outcomes, vec![o::INVALID, o::UNAUTHORIZED, o::NOT_FOUND]);
    assert_eq!(s.outcomes, vec![o::UNAUTHORIZED]);
}

#[test]
fn multi_fault_is_the_union_and_strict_takes_the_first() {
    let (e, s) = both(&case_as(
        ADMIN,
        "domain-c8",
        "vm-999",
        json!({"snapshot": "snap-42-a", "name": "db-01"}),
    ));
    assert_eq!(e.outcomes, vec![o::EXISTS, o::NOT_FOUND]);
    assert_eq!((s.outcomes, e.blame), (vec![o::NOT_FOUND], ClauseId::NF_2));
    assert!(e.clauses.contains(&ClauseId::NF_2) && e.clauses.contains(&ClauseId::DUP_1));
    // Optional faults together still allow 202; with a definite one they do not.
    let (e, _) = both(&case(json!({"snapshot": "snap-44-a", "name": "", "x": 1})));
    assert!(e.allows_accepted());
    let (e, _) = both(&case(
        json!({"snapshot": "snap-44-a", "name": "db-01", "x": 1}),
    ));
    assert_eq!(e.outcomes, vec![o::EXISTS, o::INVALID]);
}

#[test]
fn consequences_of_an_unknown_path_object_are_not_faults() {
    // Unknown cluster: the VM and snapshot are not "on another cluster".
    let (e, _) = both(&case_as(
        ADMIN,
        "domain-c999",
        "vm-50",
        json!({"snapshot": "snap-50-a"}),
    ));
    assert_eq!(e.outcomes, vec![o::NOT_FOUND]);
    // Unknown VM: the snapshot is not "of another VM".
    let (e, _) = both(&case_as(
        ADMIN,
        "domain-c8",
        "vm-999",
        json!({"snapshot": "snap-44-a"}),
    ));
    assert_eq!(e.outcomes, vec![o::NOT_FOUND]);
}

#[test]
fn injected_faults() {
    let e = Expected::injected(500);
    assert_eq!((e.outcomes, e.blame), (vec![o::ERROR], ClauseId::ERR_1));
    let e = Expected::injected(503);
    assert_eq!(
        (e.outcomes, e.blame),
        (vec![o::UNAVAILABLE], ClauseId::UNAV_1)
    );
}

#[test]
fn expected_vm_follows_the_request() {
    let w = test_world();
    let c = case(json!({"snapshot": "snap-42-a"}));
    assert_eq!(
        expected_vm(w, &c),
        Some(ExpectedVm {
            name: "web-old".into(),
            name_given: false,
            folder: "group-v4".into(),
            resource_pool: None,
            host: None
        })
    );
    let c = case(json!({"snapshot": "snap-42-b", "name": "t-y",
        "placement": {"folder": "group-v11", "resource_pool": "resgroup-9", "host": "host-12"}}));
    let vm = expected_vm(w, &c).unwrap();
    assert_eq!(
        (vm.name.as_str(), vm.name_given, vm.folder.as_str()),
        ("t-y", true, "group-v11")
    );
    assert_eq!(vm.resource_pool.as_deref(), Some("resgroup-9"));
    assert_eq!(vm.host.as_deref(), Some("host-12"));
    assert_eq!(expected_vm(w, &case(json!({"snapshot": "nope"}))), None);
}

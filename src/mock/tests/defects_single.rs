//! Defects shown by one restore request: the same request against the correct mock and the
//! defective one gives different answers, as each defect claims.

use crate::mock::Defect;
use crate::mock::Defect::*;
use crate::mock::testutil::*;

const OK: &str = r#"{"snapshot":"snap-42-b","name":"fresh"}"#;

pub(super) struct Case {
    pub defect: Defect,
    pub who: (&'static str, &'static str),
    pub cluster: &'static str,
    pub vm: &'static str,
    pub body: &'static str,
    pub correct: u16,
    pub defective: u16,
}

const fn case(
    defect: Defect,
    who: (&'static str, &'static str),
    cluster: &'static str,
    vm: &'static str,
    body: &'static str,
    correct: u16,
    defective: u16,
) -> Case {
    Case {
        defect,
        who,
        cluster,
        vm,
        body,
        correct,
        defective,
    }
}

const C8: &str = "domain-c8";
const C20: &str = "domain-c20";

pub(super) const CASES: &[Case] = &[
    case(AuthzClusterUnchecked, NO_STORAGE, C8, "vm-42", OK, 403, 202),
    case(
        AuthzClusterUnchecked,
        NO_PROPAGATE,
        C8,
        "vm-42",
        OK,
        403,
        202,
    ),
    case(
        AuthzFolderUnchecked,
        NO_FOLDER,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"folder":"group-v11"}}"#,
        403,
        202,
    ),
    case(
        AuthzPoolUnchecked,
        NO_POOL,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"resource_pool":"resgroup-11"}}"#,
        403,
        202,
    ),
    case(
        AuthzAfterSpecChecks,
        NO_FOLDER,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-nope","placement":{"folder":"group-v11"}}"#,
        403,
        400,
    ),
    case(
        FolderGrantNotPropagated,
        APPS_FOLDER,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"folder":"group-v11"}}"#,
        202,
        403,
    ),
    case(
        PoolGrantNotPropagated,
        SHARED_POOL,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"resource_pool":"resgroup-14"}}"#,
        202,
        403,
    ),
    case(PropagateAlways, NO_PROPAGATE, C8, "vm-42", OK, 403, 202),
    case(ExtraPrivilegeRequired, OPERATOR, C8, "vm-42", OK, 202, 403),
    case(
        ExtraPrivilegeRequired,
        APPS_FOLDER,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"folder":"group-v11"}}"#,
        202,
        403,
    ),
    case(
        ClusterExistenceUnchecked,
        ADMIN,
        "domain-c999",
        "vm-42",
        OK,
        404,
        403,
    ),
    case(VmExistenceUnchecked, ADMIN, C8, "vm-999", OK, 404, 400),
    case(LiveVmRestorable, ADMIN, C8, "vm-100", OK, 400, 202),
    case(
        MissingSnapshotAccepted,
        ADMIN,
        C8,
        "vm-42",
        r#"{"name":"fresh"}"#,
        400,
        202,
    ),
    case(
        SnapshotExistenceUnchecked,
        ADMIN,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-nope"}"#,
        400,
        202,
    ),
    case(
        SnapshotClusterUnchecked,
        ADMIN,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-50-a"}"#,
        400,
        202,
    ),
    case(
        HostMembershipUnchecked,
        ADMIN,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"host":"host-21"}}"#,
        400,
        202,
    ),
    case(
        PoolHostUnchecked,
        ADMIN,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"host":"host-12","resource_pool":"resgroup-10"}}"#,
        400,
        202,
    ),
    case(
        PoolWithoutHostAccepted,
        ADMIN,
        C20,
        "vm-50",
        r#"{"snapshot":"snap-50-a","placement":{"resource_pool":"resgroup-23"}}"#,
        400,
        202,
    ),
    case(
        NoPlacementAcceptedWithoutDrs,
        ADMIN,
        C20,
        "vm-50",
        r#"{"snapshot":"snap-50-a"}"#,
        400,
        202,
    ),
    case(
        PlacementTypeUnchecked,
        ADMIN,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"folder":"nope"}}"#,
        400,
        202,
    ),
    case(MalformedBodyAs500, ADMIN, C8, "vm-42", "junk", 400, 500),
    case(
        NameTakenByLiveVmIgnored,
        ADMIN,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"db-01"}"#,
        400,
        202,
    ),
    case(
        NameTakenByLiveVmIgnored,
        ADMIN,
        C8,
        "vm-43",
        r#"{"snapshot":"snap-43-a"}"#,
        400,
        202,
    ),
    case(
        Conflict409ForNameClash,
        ADMIN,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"db-01"}"#,
        400,
        409,
    ),
    case(Accepts200, ADMIN, C8, "vm-42", OK, 202, 200),
];

async fn run(defects: &[Defect], c: &Case) -> Reply {
    let m = Mock::with(defects);
    let s = m.login(c.who).await;
    m.restore(&s, c.cluster, c.vm, c.body).await
}

#[tokio::test]
async fn each_single_request_defect_changes_the_answer_it_claims() {
    for c in CASES {
        let good = run(&[], c).await;
        let bad = run(&[c.defect], c).await;
        assert_eq!(
            (good.status, bad.status),
            (c.correct, c.defective),
            "{}: correct {} / defective {}",
            c.defect,
            String::from_utf8_lossy(&good.body),
            String::from_utf8_lossy(&bad.body)
        );
    }
}

#[tokio::test]
async fn defects_do_not_leak_into_unrelated_valid_requests() {
    // Every defect but the ones that refuse valid requests still accepts the admin's plain
    // restore, so a defect breaks its own promise and not everything at once.
    for d in Defect::all() {
        if matches!(d, Accepts200) {
            continue;
        }
        let m = Mock::with(&[*d]);
        let s = m.login(ADMIN).await;
        let r = m.restore(&s, C8, "vm-42", OK).await;
        assert_eq!(r.status, 202, "{d}: {}", String::from_utf8_lossy(&r.body));
    }
}

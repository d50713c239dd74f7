//! Refusals about the request itself: the body, the snapshot, the name, the placement,
//! duplicates and limits, each leaving the inventory unchanged (REJ-1).

use serde_json::Value;

use crate::mock::testutil::*;

pub(super) const C8: &str = "domain-c8";
pub(super) const C20: &str = "domain-c20";
pub(super) const OK: &str = r#"{"snapshot":"snap-42-b","name":"fresh"}"#;

/// What REJ-1 says a refusal must leave alone.
pub(super) async fn inventory(m: &Mock) -> (Value, Value) {
    let s = m.state().await;
    (s["vms"].clone(), s["tasks"].clone())
}

/// Sends a restore that must be refused with this status, type and message id, and checks
/// that it changed nothing.
pub(super) async fn refused(
    m: &Mock,
    who: (&str, &str),
    cluster: &str,
    vm: &str,
    body: &str,
    want: (u16, &str, &str),
) {
    let s = m.login(who).await;
    let before = inventory(m).await;
    let r = m.restore(&s, cluster, vm, body).await;
    r.assert_error(want.0, want.1);
    assert_eq!(
        r.message_id(),
        want.2,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(
        inventory(m).await,
        before,
        "a refused request changed the inventory"
    );
}

pub(super) const NOT_FOUND: (u16, &str) = (404, "NOT_FOUND");

pub(super) fn inv(id: &str) -> (u16, &'static str, String) {
    (
        400,
        "INVALID_ARGUMENT",
        format!("com.vmware.snapservice.restore.{id}"),
    )
}

pub(super) async fn refused_inv(m: &Mock, cluster: &str, vm: &str, body: &str, id: &str) {
    let (s, t, i) = inv(id);
    refused(m, ADMIN, cluster, vm, body, (s, t, &i)).await;
}

#[tokio::test]
async fn inv_13_live_vm_is_400_invalid_argument() {
    let m = Mock::new();
    refused_inv(&m, C8, "vm-100", OK, "vm.not_deleted").await;
}

#[tokio::test]
async fn inv_10_bodies_that_are_not_spec_objects() {
    let m = Mock::new();
    for body in [
        "",
        "not json",
        "[{}]",
        "\"snap-42-b\"",
        "null",
        "42",
        r#"{"snapshot":42}"#,
        r#"{"snapshot":"snap-42-b","name":7}"#,
        r#"{"snapshot":"snap-42-b","placement":[]}"#,
        r#"{"snapshot":"snap-42-b","placement":{"folder":1}}"#,
        "{\"snapshot\":\"snap-42-b\"",
    ] {
        let s = m.login(ADMIN).await;
        let r = m.restore(&s, C8, "vm-42", body).await;
        r.assert_error(400, "INVALID_ARGUMENT");
        assert_eq!(r.message_id(), "vapi.method.input.invalid", "{body}");
    }
}

#[tokio::test]
async fn inv_1_missing_or_null_snapshot() {
    let m = Mock::new();
    for body in ["{}", r#"{"snapshot":null}"#, r#"{"name":"x"}"#] {
        refused_inv(&m, C8, "vm-42", body, "snapshot.required").await;
    }
}

#[tokio::test]
async fn inv_9_placement_ids_of_the_wrong_type() {
    let m = Mock::new();
    for (field, id) in [
        ("folder", "group-v999"),
        ("folder", "resgroup-9"),
        ("resource_pool", "host-12"),
        ("resource_pool", "rp-x"),
        ("host", "domain-c8"),
        ("host", ""),
    ] {
        let body = serde_json::json!({"snapshot":"snap-42-b","placement":{field:id}}).to_string();
        refused_inv(
            &m,
            C8,
            "vm-42",
            &body,
            &format!("placement.{field}.invalid"),
        )
        .await;
    }
}

#[tokio::test]
async fn inv_2_unknown_snapshot() {
    let m = Mock::new();
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-nope"}"#,
        "snapshot.not_found",
    )
    .await;
    refused_inv(&m, C8, "vm-42", r#"{"snapshot":""}"#, "snapshot.not_found").await;
}

#[tokio::test]
async fn inv_3_snapshot_of_a_vm_on_another_cluster() {
    let m = Mock::new();
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-50-a"}"#,
        "snapshot.other_cluster",
    )
    .await;
}

#[tokio::test]
async fn inv_4_snapshot_of_another_vm_on_the_same_cluster() {
    let m = Mock::new();
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-44-a","name":"q"}"#,
        "snapshot.other_vm",
    )
    .await;
}

#[tokio::test]
async fn inv_11_invalid_names() {
    let m = Mock::new();
    for name in ["", "   ", "tab\there", "new\nline", &"x".repeat(81)] {
        let body = serde_json::json!({"snapshot":"snap-42-b","name":name}).to_string();
        refused_inv(&m, C8, "vm-42", &body, "name.invalid").await;
    }
}

#[tokio::test]
async fn inv_5_host_outside_the_cluster() {
    let m = Mock::new();
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"host":"host-21"}}"#,
        "placement.host.other_cluster",
    )
    .await;
}

#[tokio::test]
async fn pool_outside_the_cluster_and_folder_outside_the_datacenter_conflict() {
    let m = Mock::new();
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"resource_pool":"resgroup-23"}}"#,
        "placement.resource_pool.other_cluster",
    )
    .await;
    // A host folder and the root folder are folders, but hold no VMs.
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"folder":"group-h5"}}"#,
        "placement.folder.other_datacenter",
    )
    .await;
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"folder":"group-d1"}}"#,
        "placement.folder.other_datacenter",
    )
    .await;
}

#[tokio::test]
async fn inv_6_pool_not_of_the_host() {
    let m = Mock::new();
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","placement":{"host":"host-12","resource_pool":"resgroup-10"}}"#,
        "placement.resource_pool.other_host",
    )
    .await;
}

#[tokio::test]
async fn inv_7_pool_without_host_on_a_cluster_without_drs() {
    let m = Mock::new();
    refused_inv(
        &m,
        C20,
        "vm-50",
        r#"{"snapshot":"snap-50-a","placement":{"resource_pool":"resgroup-23"}}"#,
        "placement.host.required",
    )
    .await;
    refused_inv(
        &m,
        C20,
        "vm-50",
        r#"{"snapshot":"snap-50-a","placement":{"folder":"group-v4"}}"#,
        "placement.host.required",
    )
    .await;
}

#[tokio::test]
async fn inv_8_no_placement_on_a_cluster_without_drs() {
    let m = Mock::new();
    refused_inv(
        &m,
        C20,
        "vm-50",
        r#"{"snapshot":"snap-50-a"}"#,
        "placement.required",
    )
    .await;
    refused_inv(
        &m,
        C20,
        "vm-50",
        r#"{"snapshot":"snap-50-a","placement":null}"#,
        "placement.required",
    )
    .await;
}

#[tokio::test]
async fn dup_1_name_taken_in_the_target_folder() {
    let m = Mock::new();
    let id = "com.vmware.snapservice.restore.name.already_exists";
    refused(
        &m,
        ADMIN,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"db-01"}"#,
        (400, "ALREADY_EXISTS", id),
    )
    .await;
    refused(
        &m,
        ADMIN,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"web-01","placement":{"folder":"group-v11"}}"#,
        (400, "ALREADY_EXISTS", id),
    )
    .await;
    // Names are compared exactly, and per folder.
    let s = m.login(ADMIN).await;
    assert_eq!(
        m.restore(
            &s,
            C8,
            "vm-42",
            r#"{"snapshot":"snap-42-b","name":"DB-01"}"#
        )
        .await
        .status,
        202
    );
    assert_eq!(
        m.restore(
            &s,
            C8,
            "vm-42",
            r#"{"snapshot":"snap-42-b","name":"db-01","placement":{"folder":"group-v11"}}"#
        )
        .await
        .status,
        202
    );
}

#[tokio::test]
async fn dup_2_snapshot_time_name_taken() {
    let m = Mock::new();
    refused(
        &m,
        ADMIN,
        C8,
        "vm-43",
        r#"{"snapshot":"snap-43-a"}"#,
        (
            400,
            "ALREADY_EXISTS",
            "com.vmware.snapservice.restore.name.already_exists",
        ),
    )
    .await;
}

#[tokio::test]
async fn dup_1_a_restore_in_progress_holds_its_name() {
    let m = Mock::new();
    m.control("POST", "/__mock/tasks/hold", None).await;
    let s = m.login(ADMIN).await;
    assert_eq!(m.restore(&s, C8, "vm-42", OK).await.status, 202);
    m.restore(
        &s,
        C8,
        "vm-44",
        r#"{"snapshot":"snap-44-a","name":"fresh"}"#,
    )
    .await
    .assert_error(400, "ALREADY_EXISTS");
}

#[tokio::test]
async fn body_over_1_mib_is_400_never_413() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let big = format!(
        r#"{{"snapshot":"snap-42-b","name":"x","pad":"{}"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    let r = m.restore(&s, C8, "vm-42", &big).await;
    r.assert_error(400, "INVALID_ARGUMENT");
}

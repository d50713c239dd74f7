use serde_json::Value;

use crate::mock::testutil::*;

const C8: &str = "domain-c8";
const C20: &str = "domain-c20";
const OK: &str = r#"{"snapshot":"snap-42-b","name":"fresh"}"#;

/// What REJ-1 says a refusal must leave alone.
async fn inventory(m: &Mock) -> (Value, Value) {
    let s = m.state().await;
    (s["vms"].clone(), s["tasks"].clone())
}

/// Sends a restore that must be refused with this status, type and message id, and checks
/// that it changed nothing.
async fn refused(
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

const NOT_FOUND: (u16, &str) = (404, "NOT_FOUND");

fn inv(id: &str) -> (u16, &'static str, String) {
    (
        400,
        "INVALID_ARGUMENT",
        format!("com.vmware.snapservice.restore.{id}"),
    )
}

async fn refused_inv(m: &Mock, cluster: &str, vm: &str, body: &str, id: &str) {
    let (s, t, i) = inv(id);
    refused(m, ADMIN, cluster, vm, body, (s, t, &i)).await;
}

#[tokio::test]
async fn authn_3_unauthenticated_is_401_whatever_else_is_wrong() {
    let m = Mock::new();
    for (cluster, vm, body) in [
        ("domain-c999", "vm-42", OK),
        (C8, "vm-999", OK),
        (C8, "vm-100", OK),
        (C8, "vm-42", "not json"),
        (C8, "vm-42", r#"{"snapshot":"snap-50-a"}"#),
        (C8, "vm-42", r#"{"snapshot":"snap-42-b","name":"db-01"}"#),
    ] {
        for session in [None, Some("bogus")] {
            let r = m
                .call("POST", &format!("/api/snapservice/clusters/{cluster}/virtual-machines/{vm}?action=restore&vmw-task=true"), session, Some(body))
                .await;
            r.assert_error(401, "UNAUTHENTICATED");
        }
    }
    // Even a wrong action or missing vmw-task: authentication comes first.
    let r = m
        .call(
            "POST",
            "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=nope",
            None,
            Some(OK),
        )
        .await;
    r.assert_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn unknown_action_is_operation_not_found_and_vmw_task_is_required() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    for q in ["action=revert&vmw-task=true", "vmw-task=true", ""] {
        let r = m
            .call(
                "POST",
                &format!("/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?{q}"),
                Some(&s),
                Some(OK),
            )
            .await;
        r.assert_error(404, "OPERATION_NOT_FOUND");
    }
    for q in [
        "action=restore",
        "action=restore&vmw-task=false",
        "action=restore&vmw-task=TRUE",
    ] {
        let r = m
            .call(
                "POST",
                &format!("/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?{q}"),
                Some(&s),
                Some(OK),
            )
            .await;
        r.assert_error(400, "INVALID_ARGUMENT");
        assert_eq!(r.message_id(), "vapi.method.input.vmw_task");
    }
}

#[tokio::test]
async fn nf_1_unknown_cluster_is_404_before_privileges() {
    let m = Mock::new();
    let id = "com.vmware.snapservice.restore.cluster.not_found";
    refused(
        &m,
        ADMIN,
        "domain-c999",
        "vm-42",
        OK,
        (404, "NOT_FOUND", id),
    )
    .await;
    // Decision order: the cluster is checked before the principal's privileges on it.
    refused(
        &m,
        READONLY,
        "domain-c999",
        "vm-42",
        OK,
        (404, "NOT_FOUND", id),
    )
    .await;
    // A host id is not a cluster.
    refused(&m, ADMIN, "host-12", "vm-42", OK, (404, "NOT_FOUND", id)).await;
}

#[tokio::test]
async fn authz_1_no_storage_privilege_on_the_cluster_is_403() {
    let m = Mock::new();
    let id = "vapi.security.authorization.invalid";
    for who in [READONLY, NO_STORAGE] {
        refused(&m, who, C8, "vm-42", OK, (403, "UNAUTHORIZED", id)).await;
        // Before the VM check: the unknown VM is not revealed.
        refused(&m, who, C8, "vm-999", OK, (403, "UNAUTHORIZED", id)).await;
    }
}

#[tokio::test]
async fn authz_2_no_create_privilege_on_the_folder_is_403() {
    let m = Mock::new();
    let id = "vapi.security.authorization.invalid";
    let body = r#"{"snapshot":"snap-42-b","name":"z","placement":{"folder":"group-v11"}}"#;
    refused(&m, NO_FOLDER, C8, "vm-42", body, (403, "UNAUTHORIZED", id)).await;
    // Held on apps (and web below it) but not on the restricted folder.
    let body = r#"{"snapshot":"snap-42-b","name":"z","placement":{"folder":"group-v12"}}"#;
    refused(
        &m,
        APPS_FOLDER,
        C8,
        "vm-42",
        body,
        (403, "UNAUTHORIZED", id),
    )
    .await;
    // Without placement.folder nothing is checked on folders.
    let s = m.login(NO_FOLDER).await;
    assert_eq!(m.restore(&s, C8, "vm-42", OK).await.status, 202);
}

#[tokio::test]
async fn authz_3_no_assign_privilege_on_the_pool_is_403() {
    let m = Mock::new();
    let id = "vapi.security.authorization.invalid";
    let body = r#"{"snapshot":"snap-42-b","name":"z","placement":{"resource_pool":"resgroup-11"}}"#;
    refused(&m, NO_POOL, C8, "vm-42", body, (403, "UNAUTHORIZED", id)).await;
    let body = r#"{"snapshot":"snap-42-b","name":"z","placement":{"resource_pool":"resgroup-9"}}"#;
    refused(
        &m,
        SHARED_POOL,
        C8,
        "vm-42",
        body,
        (403, "UNAUTHORIZED", id),
    )
    .await;
}

#[tokio::test]
async fn authz_5_grants_without_propagation_do_not_reach_descendants() {
    let m = Mock::new();
    refused(
        &m,
        NO_PROPAGATE,
        C8,
        "vm-42",
        OK,
        (403, "UNAUTHORIZED", "vapi.security.authorization.invalid"),
    )
    .await;
}

#[tokio::test]
async fn authz_6_refusal_does_not_depend_on_snapshot_or_name() {
    let m = Mock::new();
    let s = m.login(NO_FOLDER).await;
    let mut bodies = Vec::new();
    for (snap, name) in [
        ("snap-42-b", "free"),
        ("snap-nope", "free"),
        ("snap-50-a", "free"),
        ("snap-44-a", "free"),
        ("snap-42-b", "db-01"),
        ("snap-42-b", ""),
    ] {
        let body =
            serde_json::json!({"snapshot":snap,"name":name,"placement":{"folder":"group-v11"}})
                .to_string();
        let r = m.restore(&s, C8, "vm-42", &body).await;
        r.assert_error(403, "UNAUTHORIZED");
        bodies.push(r.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "403 bodies differ");
}

#[tokio::test]
async fn nf_2_unknown_vm_is_404() {
    let m = Mock::new();
    refused(
        &m,
        ADMIN,
        C8,
        "vm-999",
        OK,
        (
            NOT_FOUND.0,
            NOT_FOUND.1,
            "com.vmware.snapservice.restore.vm.not_found",
        ),
    )
    .await;
    // A snapshot id is not a VM.
    refused(
        &m,
        ADMIN,
        C8,
        "snap-42-a",
        OK,
        (
            NOT_FOUND.0,
            NOT_FOUND.1,
            "com.vmware.snapservice.restore.vm.not_found",
        ),
    )
    .await;
}

#[tokio::test]
async fn nf_3_vm_protected_on_another_cluster_is_404() {
    let m = Mock::new();
    refused(
        &m,
        ADMIN,
        C8,
        "vm-50",
        r#"{"snapshot":"snap-50-a"}"#,
        (
            404,
            "NOT_FOUND",
            "com.vmware.snapservice.restore.vm.other_cluster",
        ),
    )
    .await;
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
async fn decision_order_follows_the_brief() {
    let m = Mock::new();
    // A request wrong in every way: unknown cluster wins over everything after authentication.
    refused(
        &m,
        READONLY,
        "domain-c999",
        "vm-999",
        "junk",
        (
            404,
            "NOT_FOUND",
            "com.vmware.snapservice.restore.cluster.not_found",
        ),
    )
    .await;
    // Privilege on the cluster before the VM.
    refused(
        &m,
        READONLY,
        C8,
        "vm-999",
        "junk",
        (403, "UNAUTHORIZED", "vapi.security.authorization.invalid"),
    )
    .await;
    // VM before the body.
    refused(
        &m,
        ADMIN,
        C8,
        "vm-100",
        "junk",
        (
            400,
            "INVALID_ARGUMENT",
            "com.vmware.snapservice.restore.vm.not_deleted",
        ),
    )
    .await;
    // Placement type before folder privilege before snapshot.
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-nope","placement":{"folder":"nope"}}"#,
        "placement.folder.invalid",
    )
    .await;
    refused(
        &m,
        NO_FOLDER,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-nope","placement":{"folder":"group-v4"}}"#,
        (403, "UNAUTHORIZED", "vapi.security.authorization.invalid"),
    )
    .await;
    // Snapshot before name, name before placement, placement before duplicates.
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-nope","name":""}"#,
        "snapshot.not_found",
    )
    .await;
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"","placement":{"host":"host-21"}}"#,
        "name.invalid",
    )
    .await;
    refused_inv(
        &m,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"db-01","placement":{"host":"host-21"}}"#,
        "placement.host.other_cluster",
    )
    .await;
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

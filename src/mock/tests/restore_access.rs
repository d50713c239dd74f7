//! Refusals about who may restore what: authentication, privileges, existence, and the
//! decision order between them.

use super::restore_refuse::{C8, NOT_FOUND, OK, refused, refused_inv};
use crate::mock::testutil::*;

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

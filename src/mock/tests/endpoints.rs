use serde_json::Value;

use crate::mock::testutil::*;

fn ids(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .or_else(|| v["items"].as_array())
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn unknown_task_is_404_not_found() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    for p in [
        "/api/cis/tasks/nope",
        "/api/snapservice/tasks/1234:com.vmware.x",
    ] {
        let r = m.call("GET", p, Some(&s), None).await;
        r.assert_error(404, "NOT_FOUND");
        assert_eq!(r.message_id(), "com.vmware.cis.tasks.not_found");
    }
}

#[tokio::test]
async fn discovery_lists_deleted_vms_with_in_cluster_false() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let r = m
        .call(
            "GET",
            "/api/snapservice/clusters/domain-c8/virtual-machines",
            Some(&s),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(ids(&v, "vm"), ["vm-42", "vm-43", "vm-44"]);
    let info = &v["items"][0]["info"];
    assert_eq!(info["name"], "web-old-v2");
    assert_eq!(info["in_cluster"], false);
    assert_eq!(info["snapshot_count"], 2);
    assert_eq!(info["protection_groups"], serde_json::json!(["pg-web"]));
    assert_eq!(info["oldest_snapshot_time"], "2026-11-27T10:00:00.000Z");
    assert_eq!(info["last_snapshot_time"], "2026-11-27T11:00:00.000Z");
    let r = m
        .call(
            "GET",
            "/api/snapservice/clusters/domain-c20/virtual-machines",
            Some(&s),
            None,
        )
        .await;
    assert_eq!(ids(&r.json(), "vm"), ["vm-50", "vm-51"]);
}

#[tokio::test]
async fn discovery_filters_vms_and_name_patterns() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let base = "/api/snapservice/clusters/domain-c8/virtual-machines";
    let r = m
        .call(
            "GET",
            &format!("{base}?vms=vm-42,vm-44&vms=vm-50"),
            Some(&s),
            None,
        )
        .await;
    assert_eq!(ids(&r.json(), "vm"), ["vm-42", "vm-44"]);
    let r = m
        .call(
            "GET",
            &format!("{base}?name_patterns=web-*"),
            Some(&s),
            None,
        )
        .await;
    assert_eq!(ids(&r.json(), "vm"), ["vm-42"]);
    let r = m
        .call(
            "GET",
            &format!("{base}?name_patterns=web-*&vms=vm-43"),
            Some(&s),
            None,
        )
        .await;
    assert!(ids(&r.json(), "vm").is_empty());
    let r = m
        .call(
            "GET",
            &format!("{base}?local_protection_enabled=maybe"),
            Some(&s),
            None,
        )
        .await;
    r.assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn discovery_of_an_unknown_cluster_or_vm_is_404() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    m.call(
        "GET",
        "/api/snapservice/clusters/domain-c9/virtual-machines",
        Some(&s),
        None,
    )
    .await
    .assert_error(404, "NOT_FOUND");
    m.call(
        "GET",
        "/api/snapservice/clusters/domain-c8/virtual-machines/vm-50/snapshots",
        Some(&s),
        None,
    )
    .await
    .assert_error(404, "NOT_FOUND");
    m.call(
        "GET",
        "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42/snapshots/snap-44-a",
        Some(&s),
        None,
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn discovery_one_vm_and_its_snapshots() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let base = "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42";
    let r = m.call("GET", base, Some(&s), None).await;
    assert_eq!(r.json()["in_cluster"], false);
    let r = m
        .call("GET", &format!("{base}/snapshots"), Some(&s), None)
        .await;
    let v = r.json();
    assert_eq!(ids(&v, "snapshot"), ["snap-42-a", "snap-42-b"]);
    assert_eq!(v["items"][0]["info"]["vm"], "vm-42");
    assert_eq!(v["items"][0]["info"]["snapshot_type"], "SCHEDULED");
    assert_eq!(v["items"][0]["info"]["pg"], "pg-web");
    let r = m
        .call(
            "GET",
            &format!("{base}/snapshots?created_after=2026-11-27T10:30:00Z"),
            Some(&s),
            None,
        )
        .await;
    assert_eq!(ids(&r.json(), "snapshot"), ["snap-42-b"]);
    let r = m
        .call(
            "GET",
            &format!("{base}/snapshots?names=hourly-2026-11-27T10"),
            Some(&s),
            None,
        )
        .await;
    assert_eq!(ids(&r.json(), "snapshot"), ["snap-42-a"]);
    let r = m
        .call(
            "GET",
            &format!("{base}/snapshots?expires_before=2026-12-27T10:30:00Z"),
            Some(&s),
            None,
        )
        .await;
    assert_eq!(ids(&r.json(), "snapshot"), ["snap-42-a"]);
    m.call(
        "GET",
        &format!("{base}/snapshots?created_after=soon"),
        Some(&s),
        None,
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    let r = m
        .call(
            "GET",
            &format!("{base}/snapshots/snap-42-a"),
            Some(&s),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["vm_name"], Value::Null);
    assert_eq!(r.json()["name"], "hourly-2026-11-27T10");
}

#[tokio::test]
async fn vcenter_vm_list_filters_and_or() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let list = |q: &'static str| {
        let m = &m;
        let s = s.clone();
        async move {
            ids(
                &m.call("GET", &format!("/api/vcenter/vm{q}"), Some(&s), None)
                    .await
                    .json(),
                "vm",
            )
        }
    };
    assert_eq!(list("").await, ["vm-100", "vm-101", "vm-102", "vm-103"]);
    assert_eq!(list("?names=db-01,payroll").await, ["vm-101", "vm-103"]);
    assert_eq!(
        list("?names=db-01&names=payroll&folders=group-v4").await,
        ["vm-101", "vm-103"]
    );
    assert_eq!(list("?names=db-01,payroll&hosts=host-12").await, ["vm-103"]);
    assert_eq!(list("?clusters=domain-c20").await, ["vm-102"]);
    assert_eq!(list("?resource_pools=resgroup-9").await, ["vm-100"]);
    assert_eq!(list("?folders=group-v10").await, Vec::<String>::new());
    let v = m
        .call("GET", "/api/vcenter/vm?names=web-01", Some(&s), None)
        .await
        .json();
    assert_eq!(v[0]["power_state"], "POWERED_ON");
    assert_eq!(v[0]["memory_size_MiB"], 4096);
}

#[tokio::test]
async fn vcenter_vm_get_and_power() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let v = m
        .call("GET", "/api/vcenter/vm/vm-103", Some(&s), None)
        .await
        .json();
    assert_eq!(
        (v["name"].as_str(), v["power_state"].as_str()),
        (Some("payroll"), Some("POWERED_OFF"))
    );
    assert_eq!(v["identity"]["name"], "payroll");
    let v = m
        .call("GET", "/api/vcenter/vm/vm-100/power", Some(&s), None)
        .await
        .json();
    assert_eq!(v["state"], "POWERED_ON");
    // A deleted VM is not in the vCenter inventory.
    m.call("GET", "/api/vcenter/vm/vm-42", Some(&s), None)
        .await
        .assert_error(404, "NOT_FOUND");
    m.call("GET", "/api/vcenter/vm/vm-42/power", Some(&s), None)
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn vcenter_vm_delete() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let r = m
        .call("DELETE", "/api/vcenter/vm/vm-100", Some(&s), None)
        .await;
    r.assert_error(400, "NOT_ALLOWED_IN_CURRENT_STATE");
    m.call("DELETE", "/api/vcenter/vm/vm-999", Some(&s), None)
        .await
        .assert_error(404, "NOT_FOUND");
    let r = m
        .call("DELETE", "/api/vcenter/vm/vm-103", Some(&s), None)
        .await;
    assert_eq!(r.status, 204);
    m.call("GET", "/api/vcenter/vm/vm-103", Some(&s), None)
        .await
        .assert_error(404, "NOT_FOUND");
    // Its name is free again.
    assert!(m.vms_named(&s, "payroll", "group-v4").await.is_empty());
    assert_eq!(
        m.restore(&s, "domain-c8", "vm-43", r#"{"snapshot":"snap-43-a"}"#)
            .await
            .status,
        202
    );
}

#[tokio::test]
async fn restored_vm_can_be_deleted_for_cleanup() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let r = m
        .restore(
            &s,
            "domain-c8",
            "vm-42",
            r#"{"snapshot":"snap-42-b","name":"tmp"}"#,
        )
        .await;
    let task = r.json().as_str().unwrap().to_owned();
    let vm = m.wait_task(&s, &task).await["result"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        m.call("DELETE", &format!("/api/vcenter/vm/{vm}"), Some(&s), None)
            .await
            .status,
        204
    );
    assert!(m.vms_named(&s, "tmp", "group-v4").await.is_empty());
    // The finished task still resolves.
    assert_eq!(m.wait_task(&s, &task).await["status"], "SUCCEEDED");
}

#[tokio::test]
async fn unknown_paths_are_vapi_404_not_found() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    for (method, p) in [
        ("GET", "/"),
        ("GET", "/api"),
        ("GET", "/api/nope"),
        ("POST", "/api/vcenter/vm/vm-1/extra/deep"),
        ("GET", "/__mock/nope"),
        ("GET", "/favicon.ico"),
    ] {
        let r = m.call(method, p, Some(&s), None).await;
        r.assert_error(404, "NOT_FOUND");
        assert_eq!(r.message_id(), "vapi.resource.not_found");
    }
}

#[tokio::test]
async fn wrong_methods_on_known_paths_are_operation_not_found() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    for (method, p) in [
        ("PUT", "/api/session"),
        ("POST", "/api/vcenter/vm"),
        ("PATCH", "/api/vcenter/vm/vm-100"),
        ("DELETE", "/api/cis/tasks/x"),
        (
            "DELETE",
            "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42",
        ),
        ("GET", "/__mock/reset"),
    ] {
        let r = m.call(method, p, Some(&s), None).await;
        r.assert_error(404, "OPERATION_NOT_FOUND");
    }
}

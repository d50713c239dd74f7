use std::time::Duration;

use serde_json::Value;

use crate::mock::testutil::*;

const C8: &str = "domain-c8";

async fn accept(m: &Mock, s: &str, cluster: &str, vm: &str, body: &str) -> String {
    let r = m.restore(s, cluster, vm, body).await;
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    r.json().as_str().expect("a JSON string").to_owned()
}

/// The restored VM of a SUCCEEDED task, as `/__mock/state` shows it.
async fn restored_vm(m: &Mock, s: &str, task: &str) -> Value {
    let info = m.wait_task(s, task).await;
    assert_eq!(info["status"], "SUCCEEDED", "{info}");
    let id = info["result"].as_str().unwrap().to_owned();
    m.state().await["vms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["vm"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{id} not in state"))
}

#[tokio::test]
async fn acc_1_valid_restore_is_202_with_a_task_id_string() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let task = accept(
        &m,
        &s,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"acc1"}"#,
    )
    .await;
    let (uuid, service) = task.split_once(':').unwrap();
    assert!(uuid::Uuid::parse_str(uuid).is_ok());
    assert_eq!(service, "com.vmware.snapservice.clusters.virtual_machines");
}

#[tokio::test]
async fn acc_2_task_succeeds_with_a_new_vm_id_at_both_task_paths() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let task = accept(
        &m,
        &s,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"acc2"}"#,
    )
    .await;
    let info = m.wait_task(&s, &task).await;
    assert_eq!(info["status"], "SUCCEEDED");
    assert_eq!(info["result"], "vm-1000");
    let r = m
        .call(
            "GET",
            &format!("/api/snapservice/tasks/{task}"),
            Some(&s),
            None,
        )
        .await;
    assert_eq!(r.json()["result"], "vm-1000");
    // The id also works percent-encoded.
    let r = m
        .call(
            "GET",
            &format!("/api/cis/tasks/{}", task.replace(':', "%3A")),
            Some(&s),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn task_1_and_task_2_status_moves_forward_with_the_allowed_fields() {
    let m = Mock::new();
    m.control(
        "PUT",
        "/__mock/settings",
        Some(r#"{"task_duration_ms":400}"#),
    )
    .await;
    let s = m.login(ADMIN).await;
    let task = accept(
        &m,
        &s,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"t"}"#,
    )
    .await;
    let mut seen = Vec::new();
    loop {
        let v = m
            .call("GET", &format!("/api/cis/tasks/{task}"), Some(&s), None)
            .await
            .json();
        let status = v["status"].as_str().unwrap().to_owned();
        let has = |f: &str| v.get(f).is_some_and(|x| !x.is_null());
        match status.as_str() {
            "PENDING" => assert!(
                !has("progress")
                    && !has("start_time")
                    && !has("end_time")
                    && !has("result")
                    && !has("error")
            ),
            "RUNNING" => {
                assert!(has("progress") && has("start_time") && !has("end_time") && !has("error"))
            }
            "SUCCEEDED" => assert!(
                has("progress")
                    && has("start_time")
                    && has("end_time")
                    && has("result")
                    && !has("error")
            ),
            other => panic!("unexpected status {other}"),
        }
        assert_eq!(
            v["service"],
            "com.vmware.snapservice.clusters.virtual_machines"
        );
        assert_eq!(v["operation"], "restore");
        assert_eq!(v["cancelable"], false);
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "SUCCEEDED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(seen, ["PENDING", "RUNNING", "SUCCEEDED"]);
    // Terminal stays terminal.
    for _ in 0..3 {
        let v = m
            .call("GET", &format!("/api/cis/tasks/{task}"), Some(&s), None)
            .await
            .json();
        assert_eq!(v["status"], "SUCCEEDED");
    }
}

#[tokio::test]
async fn post_1_and_post_2_restored_vm_is_powered_off_with_the_given_name() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let task = accept(
        &m,
        &s,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"web restored ☃"}"#,
    )
    .await;
    let vm = restored_vm(&m, &s, &task).await;
    assert_eq!(vm["name"], "web restored ☃");
    assert_eq!(vm["power_state"], "POWERED_OFF");
    assert_eq!(vm["restored"], true);
    let id = vm["vm"].as_str().unwrap();
    let r = m
        .call(
            "GET",
            &format!("/api/vcenter/vm/{id}/power"),
            Some(&s),
            None,
        )
        .await;
    assert_eq!(r.json()["state"], "POWERED_OFF");
    let r = m
        .call("GET", &format!("/api/vcenter/vm/{id}"), Some(&s), None)
        .await;
    assert_eq!(r.json()["name"], "web restored ☃");
}

#[tokio::test]
async fn post_3_absent_or_null_name_is_the_snapshot_time_name() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let task = accept(&m, &s, C8, "vm-42", r#"{"snapshot":"snap-42-a"}"#).await;
    assert_eq!(restored_vm(&m, &s, &task).await["name"], "web-old");
    let task = accept(
        &m,
        &s,
        C8,
        "vm-44",
        r#"{"snapshot":"snap-44-a","name":null}"#,
    )
    .await;
    assert_eq!(restored_vm(&m, &s, &task).await["name"], "cache-01");
}

#[tokio::test]
async fn post_4_folder_given_or_default() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let task = accept(
        &m,
        &s,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"f1","placement":{"folder":"group-v11"}}"#,
    )
    .await;
    assert_eq!(restored_vm(&m, &s, &task).await["folder"], "group-v11");
    let task = accept(
        &m,
        &s,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"f2"}"#,
    )
    .await;
    assert_eq!(restored_vm(&m, &s, &task).await["folder"], "group-v4");
    assert_eq!(m.vms_named(&s, "f2", "group-v4").await.len(), 1);
}

#[tokio::test]
async fn post_5_and_post_6_pool_and_host_as_given() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let task = accept(&m, &s, C8, "vm-42", r#"{"snapshot":"snap-42-b","name":"p1","placement":{"resource_pool":"resgroup-10","host":"host-13"}}"#).await;
    let vm = restored_vm(&m, &s, &task).await;
    assert_eq!(
        (vm["resource_pool"].as_str(), vm["host"].as_str()),
        (Some("resgroup-10"), Some("host-13"))
    );
    // DRS: a host-bound pool without host lands on the pool's host.
    let task = accept(
        &m,
        &s,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"p2","placement":{"resource_pool":"resgroup-9"}}"#,
    )
    .await;
    let vm = restored_vm(&m, &s, &task).await;
    assert_eq!(
        (vm["resource_pool"].as_str(), vm["host"].as_str()),
        (Some("resgroup-9"), Some("host-12"))
    );
    // Without placement: the root pool and the first host.
    let task = accept(
        &m,
        &s,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"p3"}"#,
    )
    .await;
    let vm = restored_vm(&m, &s, &task).await;
    assert_eq!(
        (vm["resource_pool"].as_str(), vm["host"].as_str()),
        (Some("resgroup-8"), Some("host-12"))
    );
    // Non-DRS cluster with a host.
    let task = accept(
        &m,
        &s,
        "domain-c20",
        "vm-50",
        r#"{"snapshot":"snap-50-a","placement":{"host":"host-22"}}"#,
    )
    .await;
    let vm = restored_vm(&m, &s, &task).await;
    assert_eq!(
        (
            vm["resource_pool"].as_str(),
            vm["host"].as_str(),
            vm["cluster"].as_str()
        ),
        (Some("resgroup-20"), Some("host-22"), Some("domain-c20"))
    );
    // The vCenter list filters see it.
    let r = m
        .call(
            "GET",
            "/api/vcenter/vm?hosts=host-22&clusters=domain-c20&resource_pools=resgroup-20",
            Some(&s),
            None,
        )
        .await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn authz_4_exactly_the_documented_privileges_suffice() {
    let m = Mock::new();
    let s = m.login(OPERATOR).await;
    accept(&m, &s, C8, "vm-42", r#"{"snapshot":"snap-42-b","name":"op","placement":{"folder":"group-v11","resource_pool":"resgroup-14","host":"host-13"}}"#).await;
}

#[tokio::test]
async fn authz_5_propagated_grants_on_ancestors_count() {
    let m = Mock::new();
    let s = m.login(APPS_FOLDER).await;
    accept(
        &m,
        &s,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"a5","placement":{"folder":"group-v11"}}"#,
    )
    .await;
    let s = m.login(SHARED_POOL).await;
    accept(
        &m,
        &s,
        C8,
        "vm-44",
        r#"{"snapshot":"snap-44-b","name":"a6","placement":{"resource_pool":"resgroup-14"}}"#,
    )
    .await;
}

#[tokio::test]
async fn inv_12_unknown_fields_are_ignored() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    accept(&m, &s, C8, "vm-42", r#"{"snapshot":"snap-42-b","name":"x12","colour":"red","placement":{"folder":"group-v4","shelf":3}}"#).await;
}

#[tokio::test]
async fn inv_11_valid_unusual_names_are_accepted() {
    let m = Mock::new();
    m.control("PUT", "/__mock/settings", Some(r#"{"restore_limit":100}"#))
        .await;
    let s = m.login(ADMIN).await;
    for name in [
        "a",
        " padded ",
        "ünïcödé-名前",
        "semi;colon/slash\\back",
        &"é".repeat(80),
    ] {
        let body = serde_json::json!({"snapshot":"snap-42-b","name":name}).to_string();
        accept(&m, &s, C8, "vm-42", &body).await;
    }
}

#[tokio::test]
async fn dup_3_racing_restores_of_one_name_one_wins() {
    let m = Mock::new();
    m.control("PUT", "/__mock/settings", Some(r#"{"restore_limit":10}"#))
        .await;
    let s = m.login(ADMIN).await;
    let body = r#"{"snapshot":"snap-42-b","name":"race"}"#;
    let replies = futures_join(&m, &s, body, 6).await;
    let accepted = replies.iter().filter(|r| r.status == 202).count();
    assert_eq!(accepted, 1);
    for r in replies.iter().filter(|r| r.status != 202) {
        r.assert_error(400, "ALREADY_EXISTS");
        assert_eq!(
            r.message_id(),
            "com.vmware.snapservice.restore.name.already_exists"
        );
    }
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(m.vms_named(&s, "race", "group-v4").await.len(), 1);
}

async fn futures_join(m: &Mock, s: &str, body: &str, n: usize) -> Vec<Reply> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let app = Mock { app: m.app.clone() };
        let (s, body) = (s.to_owned(), body.to_owned());
        handles.push(tokio::spawn(async move {
            app.restore(&s, C8, "vm-42", &body).await
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn busy_1_busy_2_busy_3_limit_refuses_then_frees_without_polling() {
    let m = Mock::new();
    m.control(
        "PUT",
        "/__mock/settings",
        Some(r#"{"task_duration_ms":100}"#),
    )
    .await;
    let s = m.login(ADMIN).await;
    for i in 0..2 {
        accept(
            &m,
            &s,
            C8,
            "vm-42",
            &format!(r#"{{"snapshot":"snap-42-b","name":"b{i}"}}"#),
        )
        .await;
    }
    let r = m
        .restore(&s, C8, "vm-42", r#"{"snapshot":"snap-42-b","name":"b2"}"#)
        .await;
    r.assert_error(400, "NOT_ALLOWED_IN_CURRENT_STATE");
    assert_eq!(
        r.message_id(),
        "com.vmware.snapservice.restore.limit.reached"
    );
    // The other cluster has its own limit.
    accept(
        &m,
        &s,
        "domain-c20",
        "vm-50",
        r#"{"snapshot":"snap-50-a","placement":{"host":"host-21"}}"#,
    )
    .await;
    let st = m.state().await;
    assert_eq!(st["running"]["domain-c8"], 2);
    assert_eq!(st["max_running"]["domain-c8"], 2);
    // Nobody polls the tasks; once their time is up a new restore is accepted.
    tokio::time::sleep(Duration::from_millis(120)).await;
    accept(
        &m,
        &s,
        C8,
        "vm-42",
        r#"{"snapshot":"snap-42-b","name":"b3"}"#,
    )
    .await;
    assert_eq!(m.state().await["max_running"]["domain-c8"], 2);
}

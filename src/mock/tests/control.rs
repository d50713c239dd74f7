use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;

use crate::mock::testutil::*;

const OK: &str = r#"{"snapshot":"snap-42-b","name":"ctl"}"#;

#[tokio::test]
async fn state_has_the_documented_shape() {
    let m = Mock::new();
    m.login(ADMIN).await;
    let v = m.state().await;
    let vm = &v["vms"][0];
    for f in [
        "vm",
        "name",
        "folder",
        "host",
        "resource_pool",
        "cluster",
        "power_state",
        "restored",
    ] {
        assert!(vm.get(f).is_some(), "vm lacks {f}: {vm}");
    }
    assert_eq!(v["vms"].as_array().unwrap().len(), 4);
    assert!(v["tasks"].as_array().unwrap().is_empty());
    assert_eq!(v["running"]["domain-c8"], 0);
    assert_eq!(v["max_running"]["domain-c20"], 0);
    assert_eq!(v["sessions"], 1);
    assert_eq!(v["principals"].as_array().unwrap().len(), 10);
    assert_eq!(v["restore_limits"]["domain-c8"], 2);
    assert_eq!(v["task_duration_ms"], 20);
    assert_eq!(v["held"], false);
}

#[tokio::test]
async fn reset_returns_to_the_fixture() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let task = m.restore(&s, "domain-c8", "vm-42", OK).await.json();
    m.wait_task(&s, task.as_str().unwrap()).await;
    m.control(
        "PUT",
        "/__mock/settings",
        Some(r#"{"restore_limit":9,"task_duration_ms":5}"#),
    )
    .await;
    m.control("POST", "/__mock/tasks/hold", None).await;
    let r = m.control("POST", "/__mock/reset", None).await;
    assert_eq!(r.status, 204);
    let v = m.state().await;
    assert_eq!(v["vms"].as_array().unwrap().len(), 4);
    assert!(v["tasks"].as_array().unwrap().is_empty());
    assert_eq!(v["sessions"], 0);
    assert_eq!(v["restore_limits"]["domain-c8"], 2);
    assert_eq!(v["held"], false);
    m.call("GET", "/api/session", Some(&s), None)
        .await
        .assert_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn principals_and_permissions_can_be_added() {
    let m = Mock::new();
    let r = m
        .control("POST", "/__mock/principals", Some(r#"{"name":"tmp@x","password":"pw","permissions":[{"privileges":["Host.Config.Storage"],"object":"domain-c8","propagate":false}]}"#))
        .await;
    assert_eq!(r.status, 201);
    let s = m.login(("tmp@x", "pw")).await;
    assert_eq!(m.restore(&s, "domain-c8", "vm-42", OK).await.status, 202);
    let body = r#"{"snapshot":"snap-42-b","name":"ctl2","placement":{"folder":"group-v11"}}"#;
    m.restore(&s, "domain-c8", "vm-42", body)
        .await
        .assert_error(403, "UNAUTHORIZED");
    let r = m
        .control("POST", "/__mock/permissions", Some(r#"{"principal":"tmp@x","role":"FolderCreate","object":"group-v10","propagate":true}"#))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(m.restore(&s, "domain-c8", "vm-42", body).await.status, 202);
    assert!(
        m.state().await["principals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "tmp@x")
    );
}

#[tokio::test]
async fn bad_control_requests_are_vapi_400() {
    let m = Mock::new();
    for (method, path, body) in [
        ("POST", "/__mock/principals", "{"),
        ("POST", "/__mock/principals", r#"{"name":"a"}"#),
        (
            "POST",
            "/__mock/principals",
            r#"{"name":"a","password":"p","permissions":[{"role":"Nope","object":"domain-c8"}]}"#,
        ),
        (
            "POST",
            "/__mock/principals",
            r#"{"name":"a","password":"p","permissions":[{"role":"Admin","privileges":["x"],"object":"domain-c8"}]}"#,
        ),
        (
            "POST",
            "/__mock/principals",
            r#"{"name":"a","password":"p","permissions":[{"role":"Admin","object":"snap-42-a"}]}"#,
        ),
        (
            "POST",
            "/__mock/permissions",
            r#"{"principal":"ghost","role":"Admin","object":"domain-c8"}"#,
        ),
        (
            "PUT",
            "/__mock/settings",
            r#"{"restore_limit":{"domain-c99":1}}"#,
        ),
        ("PUT", "/__mock/settings", r#"{"restore_limit":-1}"#),
        ("PUT", "/__mock/settings", r#"{"colour":1}"#),
        ("POST", "/__mock/faults", r#"{"status":404}"#),
        (
            "POST",
            "/__mock/faults",
            r#"{"status":500,"scope":"everything"}"#,
        ),
        ("POST", "/__mock/faults", r#"{"status":500,"count":0}"#),
        ("POST", "/__mock/faults/task", r#"{"count":"two"}"#),
    ] {
        let r = m.control(method, path, Some(body)).await;
        r.assert_error(400, "INVALID_ARGUMENT");
        assert_eq!(
            r.message_id(),
            "com.vmware.mock.control.invalid",
            "{path} {body}"
        );
    }
}

#[tokio::test]
async fn per_cluster_limits_and_task_duration_settings() {
    let m = Mock::new();
    let r = m
        .control(
            "PUT",
            "/__mock/settings",
            Some(r#"{"restore_limit":{"domain-c8":1},"task_duration_ms":1000}"#),
        )
        .await;
    assert_eq!(r.status, 204);
    let v = m.state().await;
    assert_eq!(
        (
            v["restore_limits"]["domain-c8"].as_u64(),
            v["restore_limits"]["domain-c20"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(v["task_duration_ms"], 1000);
    let s = m.login(ADMIN).await;
    assert_eq!(m.restore(&s, "domain-c8", "vm-42", OK).await.status, 202);
    m.restore(&s, "domain-c8", "vm-44", r#"{"snapshot":"snap-44-a"}"#)
        .await
        .assert_error(400, "NOT_ALLOWED_IN_CURRENT_STATE");
}

#[tokio::test]
async fn held_tasks_stay_running_until_released() {
    let m = Mock::new();
    assert_eq!(
        m.control("POST", "/__mock/tasks/hold", None).await.status,
        204
    );
    let s = m.login(ADMIN).await;
    let task = m
        .restore(&s, "domain-c8", "vm-42", OK)
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(60)).await;
    let v = m
        .call("GET", &format!("/api/cis/tasks/{task}"), Some(&s), None)
        .await
        .json();
    assert_eq!(v["status"], "RUNNING");
    let st = m.state().await;
    assert_eq!(
        (st["held"].as_bool(), st["running"]["domain-c8"].as_u64()),
        (Some(true), Some(1))
    );
    assert_eq!(
        m.control("POST", "/__mock/tasks/release", None)
            .await
            .status,
        204
    );
    let v = m.wait_task(&s, &task).await;
    assert_eq!(v["status"], "SUCCEEDED");
    assert!(v["end_time"].as_str().unwrap() >= v["start_time"].as_str().unwrap());
}

#[tokio::test]
async fn err_1_and_unav_1_injected_faults_answer_first_and_run_out() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    m.control(
        "POST",
        "/__mock/faults",
        Some(r#"{"status":500,"count":1}"#),
    )
    .await;
    // Before authentication: even an unauthenticated restore gets the fault.
    m.restore("bogus", "domain-c8", "vm-42", OK)
        .await
        .assert_error(500, "ERROR");
    assert_eq!(m.restore(&s, "domain-c8", "vm-42", OK).await.status, 202);
    m.control("POST", "/__mock/faults", Some(r#"{"status":503}"#))
        .await;
    for _ in 0..3 {
        m.restore(&s, "domain-c8", "vm-42", OK)
            .await
            .assert_error(503, "SERVICE_UNAVAILABLE");
    }
    // Restore scope leaves the rest of /api alone.
    assert_eq!(
        m.call("GET", "/api/session", Some(&s), None).await.status,
        200
    );
    assert_eq!(
        m.control("DELETE", "/__mock/faults", None).await.status,
        204
    );
    m.restore(&s, "domain-c8", "vm-42", OK)
        .await
        .assert_error(400, "ALREADY_EXISTS");
}

#[tokio::test]
async fn api_scope_faults_hit_every_api_path_but_not_the_control_plane() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    m.control(
        "POST",
        "/__mock/faults",
        Some(r#"{"status":503,"scope":"api"}"#),
    )
    .await;
    m.call("GET", "/api/session", Some(&s), None)
        .await
        .assert_error(503, "SERVICE_UNAVAILABLE");
    m.call("GET", "/api/vcenter/vm", Some(&s), None)
        .await
        .assert_error(503, "SERVICE_UNAVAILABLE");
    m.restore(&s, "domain-c8", "vm-42", OK)
        .await
        .assert_error(503, "SERVICE_UNAVAILABLE");
    assert_eq!(m.control("GET", "/__mock/state", None).await.status, 200);
    m.control("DELETE", "/__mock/faults", None).await;
    assert_eq!(
        m.call("GET", "/api/session", Some(&s), None).await.status,
        200
    );
}

#[tokio::test]
async fn task_faults_end_the_next_tasks_failed_with_error() {
    let m = Mock::new();
    m.control("POST", "/__mock/faults/task", Some(r#"{"count":1}"#))
        .await;
    let s = m.login(ADMIN).await;
    let t1 = m
        .restore(&s, "domain-c8", "vm-42", OK)
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    let v = m.wait_task(&s, &t1).await;
    assert_eq!(v["status"], "FAILED");
    assert_eq!(v["error"]["error_type"], "ERROR");
    assert!(v["start_time"].is_string() && v["end_time"].is_string() && v["progress"].is_object());
    // The failed restore created nothing and freed its name.
    assert!(m.vms_named(&s, "ctl", "group-v4").await.is_empty());
    let t2 = m
        .restore(&s, "domain-c8", "vm-42", OK)
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(m.wait_task(&s, &t2).await["status"], "SUCCEEDED");
}

async fn from_peer(m: &Mock, peer: &str) -> Reply {
    let mut req = Request::get("/__mock/state").body(Body::empty()).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    m.send(req).await
}

#[tokio::test]
async fn control_plane_refuses_remote_peers_unless_allowed() {
    let m = Mock::new();
    assert_eq!(from_peer(&m, "127.0.0.1:5000").await.status, 200);
    assert_eq!(from_peer(&m, "[::1]:5000").await.status, 200);
    from_peer(&m, "10.1.2.3:5000")
        .await
        .assert_error(403, "UNAUTHORIZED");
    let open = Mock {
        app: crate::mock::app(crate::mock::state(default_world(), &[], true)),
    };
    assert_eq!(from_peer(&open, "10.1.2.3:5000").await.status, 200);
}

#[tokio::test(start_paused = true)]
async fn a_restore_delay_holds_the_next_answers_then_lapses() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let r = m
        .control(
            "PUT",
            "/__mock/settings",
            Some(r#"{"restore_delay_ms":5000,"restore_delay_count":1}"#),
        )
        .await;
    assert_eq!(r.status, 204);
    let t0 = tokio::time::Instant::now();
    assert_eq!(m.restore(&s, "domain-c8", "vm-42", OK).await.status, 202);
    assert!(t0.elapsed() >= Duration::from_secs(5), "{:?}", t0.elapsed());
    let t1 = tokio::time::Instant::now();
    let body = r#"{"snapshot":"snap-42-b","name":"ctl-2"}"#;
    m.restore(&s, "domain-c8", "vm-42", body).await;
    assert!(
        t1.elapsed() < Duration::from_secs(1),
        "only one answer was held"
    );
}

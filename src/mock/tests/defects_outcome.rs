//! Defects in what an accepted restore leaves behind and in how its task reads.

use serde_json::Value;

use crate::mock::Defect;
use crate::mock::Defect::*;
use crate::mock::testutil::*;

const C8: &str = "domain-c8";

/// Restores with `body` under `defects`, waits for the task; (final task Info, restored VM).
async fn restored(defects: &[Defect], body: &str) -> (Value, Option<Value>) {
    let m = Mock::with(defects);
    let s = m.login(ADMIN).await;
    let r = m.restore(&s, C8, "vm-42", body).await;
    assert!(
        r.status == 202 || r.status == 200,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let task = r.json().as_str().unwrap().to_owned();
    let info = m.wait_task(&s, &task).await;
    let vm = m.state().await["vms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["restored"] == true)
        .cloned();
    (info, vm)
}

const PLACED: &str = r#"{"snapshot":"snap-42-a","name":"placed","placement":{"folder":"group-v11","resource_pool":"resgroup-10","host":"host-13"}}"#;

#[tokio::test]
async fn placement_and_power_defects_change_the_restored_vm() {
    let (_, good) = restored(&[], PLACED).await;
    let good = good.unwrap();
    for (d, field, correct, defective) in [
        (VmLeftPoweredOn, "power_state", "POWERED_OFF", "POWERED_ON"),
        (IgnoresName, "name", "placed", "web-old"),
        (IgnoresFolder, "folder", "group-v11", "group-v4"),
        (IgnoresPool, "resource_pool", "resgroup-10", "resgroup-8"),
        (IgnoresHost, "host", "host-13", "host-12"),
    ] {
        assert_eq!(good[field], correct, "{d}");
        let (_, vm) = restored(&[d], PLACED).await;
        assert_eq!(vm.unwrap()[field], defective, "{d}");
    }
}

#[tokio::test]
async fn default_name_from_current_vm_changes_the_default_name() {
    let body = r#"{"snapshot":"snap-42-a"}"#;
    assert_eq!(restored(&[], body).await.1.unwrap()["name"], "web-old");
    assert_eq!(
        restored(&[DefaultNameFromCurrentVm], body).await.1.unwrap()["name"],
        "web-old-v2"
    );
    // With a name given the defect changes nothing.
    assert_eq!(
        restored(&[DefaultNameFromCurrentVm], PLACED)
            .await
            .1
            .unwrap()["name"],
        "placed"
    );
}

#[tokio::test]
async fn snapshot_existence_unchecked_accepts_then_fails_the_task() {
    let (info, vm) = restored(
        &[SnapshotExistenceUnchecked],
        r#"{"snapshot":"snap-nope","name":"n"}"#,
    )
    .await;
    assert_eq!(info["status"], "FAILED");
    assert_eq!(info["error"]["error_type"], "INVALID_ARGUMENT");
    assert!(vm.is_none());
}

#[tokio::test]
async fn task_display_defects() {
    let (good, _) = restored(&[], PLACED).await;
    assert_eq!(good["status"], "SUCCEEDED");
    assert!(good["start_time"].is_string());
    assert!(good["result"].is_string());

    // task-never-finishes: still RUNNING well after the task's time, though the VM exists.
    let m = Mock::with(&[TaskNeverFinishes]);
    let s = m.login(ADMIN).await;
    let task = m
        .restore(&s, C8, "vm-42", PLACED)
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(80)).await;
    let v = m
        .call("GET", &format!("/api/cis/tasks/{task}"), Some(&s), None)
        .await
        .json();
    assert_eq!(v["status"], "RUNNING");
    assert!(v.get("end_time").is_none() && v.get("result").is_none());

    // task-goes-back: SUCCEEDED, then RUNNING on the next read.
    let m = Mock::with(&[TaskGoesBack]);
    let s = m.login(ADMIN).await;
    let task = m
        .restore(&s, C8, "vm-42", PLACED)
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(m.wait_task(&s, &task).await["status"], "SUCCEEDED");
    let v = m
        .call("GET", &format!("/api/cis/tasks/{task}"), Some(&s), None)
        .await
        .json();
    assert_eq!(v["status"], "RUNNING");

    let (v, _) = restored(&[TaskMissingStartTime], PLACED).await;
    assert_eq!(v["status"], "SUCCEEDED");
    assert!(v.get("start_time").is_none());

    let (v, _) = restored(&[TaskResultNotVmId], PLACED).await;
    assert!(v["result"].is_number(), "{v}");
}

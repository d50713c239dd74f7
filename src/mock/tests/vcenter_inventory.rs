//! The vCenter inventory API over the default fixture: each endpoint, each filter, the
//! authentication they share, and their errors.

use serde_json::Value;

use crate::mock::testutil::*;

/// The ids under `key` of a list answer, in order.
fn ids(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|x| x[key].as_str().unwrap().to_owned())
        .collect()
}

async fn list(m: &Mock, s: &str, uri: &str, key: &str) -> Vec<String> {
    let r = m.call("GET", uri, Some(s), None).await;
    assert_eq!(r.status, 200, "{uri}: {}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    ids(&r.json(), key)
}

#[tokio::test]
async fn every_inventory_endpoint_needs_a_session() {
    let m = Mock::new();
    for p in [
        "/api/vcenter/datacenter",
        "/api/vcenter/datacenter/datacenter-1",
        "/api/vcenter/folder",
        "/api/vcenter/cluster",
        "/api/vcenter/cluster/domain-c8",
        "/api/vcenter/host",
        "/api/vcenter/resource-pool",
        "/api/vcenter/resource-pool/resgroup-8",
    ] {
        m.call("GET", p, None, None)
            .await
            .assert_error(401, "UNAUTHENTICATED");
        m.call("GET", p, Some("not-a-session"), None)
            .await
            .assert_error(401, "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn datacenters_list_and_filter() {
    let m = Mock::new();
    let s = m.login(READONLY).await;
    let r = m
        .call("GET", "/api/vcenter/datacenter", Some(&s), None)
        .await;
    assert_eq!(
        r.json(),
        serde_json::json!([{"datacenter": "datacenter-1", "name": "dc-lab"}])
    );
    let dc = |q: &str| format!("/api/vcenter/datacenter?{q}");
    assert_eq!(
        list(&m, &s, &dc("folders=group-d1"), "datacenter").await,
        ["datacenter-1"]
    );
    assert!(
        list(&m, &s, &dc("folders=group-v4"), "datacenter")
            .await
            .is_empty()
    );
    assert!(
        list(&m, &s, &dc("names=other"), "datacenter")
            .await
            .is_empty()
    );
    assert!(
        list(&m, &s, &dc("datacenters=datacenter-9"), "datacenter")
            .await
            .is_empty()
    );
    // An empty filter matches everything, as the FilterSpec says.
    assert_eq!(
        list(&m, &s, &dc("names="), "datacenter").await,
        ["datacenter-1"]
    );
}

#[tokio::test]
async fn datacenter_info_names_its_vm_and_host_folders() {
    let m = Mock::new();
    let s = m.login(READONLY).await;
    let r = m
        .call(
            "GET",
            "/api/vcenter/datacenter/datacenter-1",
            Some(&s),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["name"], "dc-lab");
    assert_eq!(v["vm_folder"], "group-v4");
    assert_eq!(v["host_folder"], "group-h5");
    m.call(
        "GET",
        "/api/vcenter/datacenter/datacenter-9",
        Some(&s),
        None,
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn folders_have_types_and_filters() {
    let m = Mock::new();
    let s = m.login(READONLY).await;
    let r = m.call("GET", "/api/vcenter/folder", Some(&s), None).await;
    let all = r.json();
    let typed: Vec<(String, String)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["folder"].as_str().unwrap().into(),
                f["type"].as_str().unwrap().into(),
            )
        })
        .collect();
    let t = |id: &str| typed.iter().find(|(f, _)| f == id).unwrap().1.clone();
    assert_eq!(typed.len(), 6);
    assert_eq!(t("group-d1"), "DATACENTER");
    assert_eq!(t("group-h5"), "HOST");
    for f in ["group-v4", "group-v10", "group-v11", "group-v12"] {
        assert_eq!(t(f), "VIRTUAL_MACHINE", "{f}");
    }
    let f = |q: &str| format!("/api/vcenter/folder?{q}");
    assert_eq!(list(&m, &s, &f("type=HOST"), "folder").await, ["group-h5"]);
    assert_eq!(
        list(
            &m,
            &s,
            &f("type=VIRTUAL_MACHINE&parent_folders=group-v4"),
            "folder"
        )
        .await,
        ["group-v10", "group-v12"],
        "direct children only"
    );
    assert_eq!(
        list(&m, &s, &f("parent_folders=group-v10"), "folder").await,
        ["group-v11"]
    );
    assert_eq!(
        list(&m, &s, &f("datacenters=datacenter-1&names=vm"), "folder").await,
        ["group-v4"]
    );
    assert_eq!(
        list(&m, &s, &f("folders=group-v11,group-d1"), "folder").await,
        ["group-d1", "group-v11"]
    );
    assert_eq!(
        list(&m, &s, &f("datacenters=datacenter-1"), "folder")
            .await
            .len(),
        5
    );
    m.call("GET", &f("type=vm"), Some(&s), None)
        .await
        .assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn clusters_list_filter_and_get() {
    let m = Mock::new();
    let s = m.login(READONLY).await;
    let r = m.call("GET", "/api/vcenter/cluster", Some(&s), None).await;
    let v = r.json();
    assert_eq!(ids(&v, "cluster"), ["domain-c20", "domain-c8"]);
    assert_eq!(v[1]["name"], "cl-drs");
    assert_eq!(v[1]["drs_enabled"], true);
    assert_eq!(v[0]["drs_enabled"], false);
    assert!(v[0]["ha_enabled"].is_boolean());
    let c = |q: &str| format!("/api/vcenter/cluster?{q}");
    assert_eq!(
        list(&m, &s, &c("names=cl-drs"), "cluster").await,
        ["domain-c8"]
    );
    assert_eq!(
        list(&m, &s, &c("clusters=domain-c20"), "cluster").await,
        ["domain-c20"]
    );
    assert_eq!(
        list(&m, &s, &c("folders=group-h5"), "cluster").await.len(),
        2
    );
    assert!(
        list(&m, &s, &c("folders=group-d1"), "cluster")
            .await
            .is_empty()
    );
    assert_eq!(
        list(&m, &s, &c("datacenters=datacenter-1"), "cluster")
            .await
            .len(),
        2
    );
    assert!(
        list(&m, &s, &c("datacenters=datacenter-2"), "cluster")
            .await
            .is_empty()
    );
    let r = m
        .call("GET", "/api/vcenter/cluster/domain-c8", Some(&s), None)
        .await;
    assert_eq!(
        r.json(),
        serde_json::json!({"name": "cl-drs", "resource_pool": "resgroup-8"})
    );
    m.call("GET", "/api/vcenter/cluster/domain-c99", Some(&s), None)
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn hosts_list_and_filter() {
    let m = Mock::new();
    let s = m.login(READONLY).await;
    let r = m.call("GET", "/api/vcenter/host", Some(&s), None).await;
    let v = r.json();
    assert_eq!(
        ids(&v, "host"),
        ["host-12", "host-13", "host-21", "host-22"]
    );
    assert_eq!(v[0]["name"], "esx-12.lab");
    assert_eq!(v[0]["connection_state"], "CONNECTED");
    assert_eq!(v[0]["power_state"], "POWERED_ON");
    let h = |q: &str| format!("/api/vcenter/host?{q}");
    assert_eq!(
        list(&m, &s, &h("clusters=domain-c20"), "host").await,
        ["host-21", "host-22"]
    );
    assert_eq!(
        list(&m, &s, &h("hosts=host-13&hosts=host-22"), "host").await,
        ["host-13", "host-22"]
    );
    assert_eq!(
        list(&m, &s, &h("names=esx-21.lab"), "host").await,
        ["host-21"]
    );
    assert_eq!(
        list(&m, &s, &h("datacenters=datacenter-1"), "host")
            .await
            .len(),
        4
    );
    assert!(
        list(&m, &s, &h("folders=group-h5"), "host")
            .await
            .is_empty(),
        "clustered hosts are in no folder"
    );
    assert!(
        list(&m, &s, &h("connection_states=DISCONNECTED"), "host")
            .await
            .is_empty()
    );
    assert!(
        list(&m, &s, &h("clusters=domain-c8&names=esx-21.lab"), "host")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn resource_pools_list_filter_and_get() {
    let m = Mock::new();
    let s = m.login(READONLY).await;
    let p = |q: &str| format!("/api/vcenter/resource-pool?{q}");
    let all = list(&m, &s, "/api/vcenter/resource-pool", "resource_pool").await;
    assert_eq!(all.len(), 7);
    assert_eq!(
        list(&m, &s, &p("clusters=domain-c20"), "resource_pool").await,
        ["resgroup-20", "resgroup-23"]
    );
    assert_eq!(
        list(
            &m,
            &s,
            &p("parent_resource_pools=resgroup-8"),
            "resource_pool"
        )
        .await,
        ["resgroup-10", "resgroup-11", "resgroup-9"]
    );
    assert_eq!(
        list(
            &m,
            &s,
            &p("resource_pools=resgroup-14&names=shared-child"),
            "resource_pool"
        )
        .await,
        ["resgroup-14"]
    );
    assert!(
        list(
            &m,
            &s,
            &p("names=Resources&clusters=domain-c8&parent_resource_pools=resgroup-8"),
            "resource_pool"
        )
        .await
        .is_empty()
    );
    // A host-bound pool is listed for its host only; unbound pools for every host of their
    // cluster.
    assert_eq!(
        list(&m, &s, &p("hosts=host-12"), "resource_pool").await,
        ["resgroup-11", "resgroup-14", "resgroup-8", "resgroup-9"]
    );
    assert_eq!(
        list(&m, &s, &p("hosts=host-22"), "resource_pool").await,
        ["resgroup-20"]
    );
    assert_eq!(
        list(&m, &s, &p("datacenters=datacenter-1"), "resource_pool")
            .await
            .len(),
        7
    );
    let r = m
        .call(
            "GET",
            "/api/vcenter/resource-pool/resgroup-8",
            Some(&s),
            None,
        )
        .await;
    assert_eq!(
        r.json(),
        serde_json::json!({"name": "Resources", "resource_pools": ["resgroup-10", "resgroup-11", "resgroup-9"]})
    );
    let r = m
        .call(
            "GET",
            "/api/vcenter/resource-pool/resgroup-14",
            Some(&s),
            None,
        )
        .await;
    assert_eq!(r.json()["resource_pools"], serde_json::json!([]));
    m.call(
        "GET",
        "/api/vcenter/resource-pool/resgroup-99",
        Some(&s),
        None,
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn vm_list_filters_give_placement() {
    let m = Mock::new();
    let s = m.login(READONLY).await;
    let v = |q: &str| format!("/api/vcenter/vm?{q}");
    assert_eq!(
        list(&m, &s, &v("folders=group-v4"), "vm").await,
        ["vm-101", "vm-103"]
    );
    assert_eq!(
        list(&m, &s, &v("hosts=host-12"), "vm").await,
        ["vm-100", "vm-103"]
    );
    assert_eq!(
        list(&m, &s, &v("resource_pools=resgroup-20"), "vm").await,
        ["vm-102"]
    );
    assert_eq!(
        list(&m, &s, &v("clusters=domain-c20"), "vm").await,
        ["vm-102"]
    );
    assert_eq!(
        list(&m, &s, &v("power_states=POWERED_OFF"), "vm").await,
        ["vm-103"]
    );
    assert_eq!(
        list(
            &m,
            &s,
            &v("clusters=domain-c8&power_states=POWERED_ON"),
            "vm"
        )
        .await,
        ["vm-100", "vm-101"]
    );
}

#[tokio::test]
async fn wrong_methods_get_vapi_errors() {
    let m = Mock::new();
    let s = m.login(ADMIN).await;
    let r = m
        .call("POST", "/api/vcenter/cluster", Some(&s), Some("{}"))
        .await;
    assert_eq!(r.status, 404, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
}

//! The reader's typed errors against misbehaving peers, and the writer on inventories the
//! fixture format cannot hold whole.

use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::mock::{MockOptions, MockServer};
use crate::model::vcenter_inventory::{ClusterSummary, FolderType};
use crate::model::{ErrorType, PowerState, World};

use super::found::{Cluster, Datacenter, Folder, Host, ProtectedVm, ResourcePool, Snapshot, Vm};
use super::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn http() -> reqwest::Client {
    http_client(&ClientConfig {
        insecure: false,
        ca_pem: None,
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

fn reader(base: &str, credentials: Credentials) -> Reader {
    Reader::new(
        http(),
        Endpoint::new(base, credentials.clone()),
        Endpoint::new(base, credentials),
    )
}

fn default_mock() -> MockServer {
    let w = World::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/default.toml"
    )))
    .unwrap();
    let mut o = MockOptions::new(w);
    o.tls = false;
    MockServer::start(o).unwrap()
}

/// A peer that answers every connection with `response` (raw HTTP), on a free port.
async fn raw_peer(response: &'static str) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(response.as_bytes()).await;
            let _ = s.shutdown().await;
        }
    });
    format!("http://{addr}")
}

#[test]
fn an_error_status_carries_its_vapi_body() {
    let m = default_mock();
    runtime().block_on(async {
        let r = reader(m.base_url(), Credentials::None);
        let e = r
            .get_json(Role::Vcenter, "/api/vcenter/cluster")
            .await
            .unwrap_err();
        match &e {
            ReadError::Status {
                status,
                error,
                role,
                ..
            } => {
                assert_eq!((*status, *role), (401, Role::Vcenter));
                assert_eq!(
                    error.as_ref().unwrap().error_type,
                    ErrorType::Unauthenticated
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("HTTP 401 UNAUTHENTICATED"), "{e}");
        let e = login_basic(
            &http(),
            m.base_url(),
            "administrator@vsphere.local",
            "wrong",
        )
        .await
        .unwrap_err();
        assert_eq!(e.status(), Some(401));
        assert!(!e.to_string().contains("wrong"));
    });
}

#[test]
fn a_body_of_the_wrong_shape_is_a_shape_error() {
    let m = default_mock();
    runtime().block_on(async {
        let id = login_basic(
            &http(),
            m.base_url(),
            "administrator@vsphere.local",
            "Adm1n!mock-only",
        )
        .await
        .unwrap();
        let r = reader(m.base_url(), Credentials::Session(id));
        let e = r
            .get::<Vec<ClusterSummary>>(Role::Vcenter, "/api/vcenter/cluster/domain-c8")
            .await
            .unwrap_err();
        assert!(matches!(e, ReadError::Shape { .. }), "{e:?}");
        let e = r
            .get_json(Role::Snapservice, "/api/nothing/here")
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(404));
    });
}

#[test]
fn a_body_that_is_not_json_is_a_not_json_error() {
    runtime().block_on(async {
        let base = raw_peer(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 13\r\nconnection: close\r\n\r\n<html></html>",
        )
        .await;
        let e = reader(&base, Credentials::Session("s".into()))
            .get_json(Role::Snapservice, "/api/vcenter/folder")
            .await
            .unwrap_err();
        assert!(matches!(e, ReadError::NotJson { role: Role::Snapservice, .. }), "{e:?}");
        let e = login_basic(&http(), &base, "u", "p").await.unwrap_err();
        assert!(matches!(e, ReadError::NotJson { .. }), "{e:?}");
    });
}

#[test]
fn a_refused_connection_is_a_transport_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    runtime().block_on(async {
        let e = reader(&format!("http://127.0.0.1:{port}"), Credentials::None)
            .get_json(Role::Vcenter, "/api/vcenter/datacenter")
            .await
            .unwrap_err();
        assert!(matches!(e, ReadError::Transport { .. }), "{e:?}");
    });
}

#[test]
fn credentials_never_show_in_debug_output() {
    let r = reader(
        "http://x",
        Credentials::Authorization("SIGN token=secret-token".into()),
    );
    let s = format!("{r:?} {:?}", Credentials::Session("secret-session".into()));
    assert!(!s.contains("secret"), "{s}");
    assert!(s.contains("<redacted>"));
}

#[test]
fn ids_are_encoded_as_path_segments() {
    assert_eq!(reader::seg("snap/1?x#y z"), "snap%2F1%3Fx%23y%20z");
    assert_eq!(reader::seg("7c9e:com.vmware.x"), "7c9e:com.vmware.x");
    assert_eq!(reader::query(&[("names", "a b&c")]), "?names=a+b%26c");
}

#[test]
fn a_bad_ca_bundle_is_refused() {
    let e = http_client(&ClientConfig {
        insecure: false,
        ca_pem: Some("not a certificate".into()),
        timeout: Duration::from_secs(1),
    })
    .unwrap_err();
    assert!(matches!(e, ReadError::Build(_)), "{e:?}");
}

/// A small discovered inventory: one datacenter, one cluster with a root pool and a host.
fn small() -> DiscoveredWorld {
    let mut d = DiscoveredWorld::default();
    let folder = |name: &str, t, parent: Option<&str>, dc: Option<&str>| Folder {
        name: name.into(),
        folder_type: t,
        parent: parent.map(Into::into),
        datacenter: dc.map(Into::into),
    };
    d.folders.insert(
        "group-d1".into(),
        folder("Datacenters", FolderType::Datacenter, None, None),
    );
    d.folders.insert(
        "group-v1".into(),
        folder("vm", FolderType::VirtualMachine, Some("dc-1"), Some("dc-1")),
    );
    d.folders.insert(
        "group-h1".into(),
        folder("host", FolderType::Host, Some("dc-1"), Some("dc-1")),
    );
    d.datacenters.insert(
        "dc-1".into(),
        Datacenter {
            name: "dc \"quoted\" \\ back".into(),
            parent: Some("group-d1".into()),
            vm_folder: "group-v1".into(),
            host_folder: Some("group-h1".into()),
        },
    );
    d.clusters.insert(
        "c-1".into(),
        Cluster {
            name: "c\nnewline".into(),
            parent: Some("group-h1".into()),
            datacenter: Some("dc-1".into()),
            drs: true,
            ha: false,
            root_pool: Some("rp-1".into()),
        },
    );
    d.resource_pools.insert(
        "rp-1".into(),
        ResourcePool {
            name: "Resources".into(),
            parent: Some("c-1".into()),
            cluster: Some("c-1".into()),
            host: None,
        },
    );
    d.hosts.insert(
        "h-1".into(),
        Host {
            name: "esx".into(),
            cluster: Some("c-1".into()),
            connection_state: "CONNECTED".into(),
            power_state: None,
        },
    );
    d
}

fn load(text: &str) -> World {
    World::parse(text, Path::new("w.toml")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn names_with_quotes_and_newlines_round_trip() {
    let w = load(&fixture_text(&small(), &Origin::default()));
    assert_eq!(w.datacenters["dc-1"].name, "dc \"quoted\" \\ back");
    assert_eq!(w.clusters["c-1"].name, "c\nnewline");
    assert_eq!(w.hosts["h-1"].cluster, "c-1");
}

#[test]
fn objects_the_fixture_cannot_place_are_left_out_with_a_note() {
    let mut d = small();
    let vm = |pool: Option<&str>| Vm {
        name: "v".into(),
        power_state: PowerState::PoweredOn,
        folder: Some("group-v1".into()),
        host: Some("h-1".into()),
        resource_pool: pool.map(Into::into),
        cluster: Some("c-1".into()),
    };
    d.vms.insert("vm-1".into(), vm(Some("rp-1")));
    d.vms.insert("vm-2".into(), vm(None));
    d.hosts.insert(
        "h-9".into(),
        Host {
            name: "standalone".into(),
            cluster: None,
            connection_state: "CONNECTED".into(),
            power_state: None,
        },
    );
    d.clusters.insert(
        "c-2".into(),
        Cluster {
            name: "no root".into(),
            parent: Some("group-h1".into()),
            datacenter: Some("dc-1".into()),
            drs: false,
            ha: false,
            root_pool: None,
        },
    );
    let listing = |cluster: &str| ProtectedVm {
        vm: "vm-7".into(),
        cluster: cluster.into(),
        name: "gone".into(),
        in_cluster: false,
        protection_groups: vec![],
    };
    d.protected
        .insert(("c-1".into(), "vm-7".into()), listing("c-1"));
    d.protected
        .insert(("c-2".into(), "vm-7".into()), listing("c-2"));
    d.snapshots.insert(
        "s-1".into(),
        Snapshot {
            vm: "vm-7".into(),
            cluster: "c-1".into(),
            name: "s".into(),
            snapshot_type: "SCHEDULED".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            expires_at: None,
            info_vm: "vm-7".into(),
        },
    );
    d.snapshots.insert(
        "s-2".into(),
        Snapshot {
            vm: "vm-8".into(),
            cluster: "c-1".into(),
            name: "s".into(),
            snapshot_type: "SCHEDULED".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            expires_at: None,
            info_vm: "vm-8".into(),
        },
    );
    let text = fixture_text(&d, &Origin::default());
    let w = load(&text);
    assert_eq!(w.vms.keys().collect::<Vec<_>>(), ["vm-1"]);
    assert!(!w.hosts.contains_key("h-9") && !w.clusters.contains_key("c-2"));
    assert_eq!(w.deleted_vms["vm-7"].cluster, "c-1");
    assert_eq!(w.snapshots.keys().collect::<Vec<_>>(), ["s-1"]);
    for note in [
        "1 VMs left out",
        "vm-2",
        "host h-9 left out",
        "cluster c-2 left out",
        "deleted VM vm-7 left out: its cluster c-2 is not written",
        "snapshot s-2 of vm-8 left out",
    ] {
        assert!(text.contains(note), "no note `{note}`:\n{text}");
    }
}

#[test]
fn proving_reads_times_as_instants() {
    let mut d = small();
    d.protected.insert(
        ("c-1".into(), "vm-7".into()),
        ProtectedVm {
            vm: "vm-7".into(),
            cluster: "c-1".into(),
            name: "gone".into(),
            in_cluster: false,
            protection_groups: vec!["pg".into()],
        },
    );
    d.snapshots.insert(
        "s-1".into(),
        Snapshot {
            vm: "vm-7".into(),
            cluster: "c-1".into(),
            name: "s".into(),
            snapshot_type: "SCHEDULED".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            expires_at: Some("2026-02-01T00:00:00Z".into()),
            info_vm: "vm-7".into(),
        },
    );
    let w = load(&fixture_text(&d, &Origin::default()));
    assert!(prove(&w, &d).is_empty());
    // The same instants written another way still match; a different instant does not.
    d.snapshots.get_mut("s-1").unwrap().created_at = "2026-01-01T00:00:00.000Z".into();
    assert!(prove(&w, &d).is_empty());
    d.snapshots.get_mut("s-1").unwrap().expires_at = Some("2026-01-15T00:00:00Z".into());
    let m = prove(&w, &d);
    assert_eq!(m.len(), 1);
    assert_eq!((m[0].object.as_str(), m[0].field), ("s-1", "expires_at"));
    // A deleted VM listed on another cluster only.
    let pv = d
        .protected
        .remove(&("c-1".to_string(), "vm-7".to_string()))
        .unwrap();
    d.protected.insert(
        ("c-9".into(), "vm-7".into()),
        ProtectedVm {
            cluster: "c-9".into(),
            ..pv
        },
    );
    let m = prove(&w, &d);
    assert!(
        m.iter()
            .any(|x| x.object == "vm-7" && x.field == "exists" && x.found == "listed on c-9 only"),
        "{m:?}"
    );
}

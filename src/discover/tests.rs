//! Discovery against the embedded mock (over a real socket): it yields the default fixture's
//! world, the fixture it writes loads and round-trips, and a fixture altered in one way is
//! proven wrong in exactly that way.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use crate::mock::{MockOptions, MockServer};
use crate::model::{Kind, World};

use super::*;

const ADMIN: (&str, &str) = ("administrator@vsphere.local", "Adm1n!mock-only");

fn default_text() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/default.toml"
    ))
    .unwrap()
}

fn parse(text: &str) -> World {
    World::parse(text, Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn client() -> reqwest::Client {
    http_client(&ClientConfig {
        insecure: false,
        ca_pem: None,
        timeout: Duration::from_secs(10),
    })
    .unwrap()
}

/// A plain-HTTP mock of `world`.
fn mock(world: World) -> MockServer {
    let mut o = MockOptions::new(world);
    o.tls = false;
    MockServer::start(o).unwrap()
}

/// Logs in as the admin and discovers everything the mock serves.
fn discover_on(m: &MockServer) -> DiscoveredWorld {
    runtime().block_on(async {
        let http = client();
        let id = login_basic(&http, m.base_url(), ADMIN.0, ADMIN.1)
            .await
            .unwrap();
        let r = Reader::new(
            http,
            Endpoint::new(m.base_url(), Credentials::Session(id.clone())),
            Endpoint::new(m.base_url(), Credentials::Session(id)),
        );
        discover(&r).await.unwrap()
    })
}

/// The default world as the mock serves it, discovered once for all tests.
fn found() -> &'static DiscoveredWorld {
    static FOUND: OnceLock<DiscoveredWorld> = OnceLock::new();
    FOUND.get_or_init(|| discover_on(&mock(parse(&default_text()))))
}

/// Asserts two worlds hold the same objects with the same relations. Restore limits and a
/// snapshot's `vm_name` are not compared: discovery cannot read them.
fn assert_same_world(a: &World, b: &World) {
    assert_eq!(a.datacenters, b.datacenters);
    assert_eq!(a.folders, b.folders);
    let strip = |w: &World| -> Vec<_> {
        w.clusters
            .values()
            .map(|c| {
                (
                    c.id.clone(),
                    c.name.clone(),
                    c.datacenter.clone(),
                    c.drs,
                    c.root_pool.clone(),
                )
            })
            .collect()
    };
    assert_eq!(strip(a), strip(b));
    assert_eq!(a.hosts, b.hosts);
    assert_eq!(a.resource_pools, b.resource_pools);
    assert_eq!(a.vms, b.vms);
    assert_eq!(a.deleted_vms, b.deleted_vms);
    let snaps = |w: &World| -> Vec<_> {
        w.snapshots
            .values()
            .map(|s| {
                (
                    s.id.clone(),
                    s.vm.clone(),
                    s.cluster.clone(),
                    s.name.clone(),
                    s.created_at.clone(),
                    s.expires_at.clone(),
                    s.snapshot_type.clone(),
                )
            })
            .collect()
    };
    assert_eq!(snaps(a), snaps(b));
    assert_eq!(a.parents, b.parents);
    assert_eq!(a.kinds, b.kinds);
}

fn origin() -> Origin {
    Origin {
        snapservice_url: "http://snap.test".into(),
        vcenter_url: "http://vc.test".into(),
        when: "2026-11-28T00:00:00Z".into(),
        user: Some(ADMIN.0.into()),
        password_env: Some("SNAPCONF_ADMIN_PASSWORD".into()),
        snapservice_auth: Some("sso".into()),
    }
}

#[test]
fn discovery_of_the_mock_yields_the_default_world() {
    let d = found();
    let default = parse(&default_text());
    let written = fixture_text(d, &origin());
    let back = parse(&written);
    assert_same_world(&default, &back);
    // The endpoints it read and how it authenticated there.
    let d2 = &back.deployment;
    assert_eq!(d2.snapservice.url.as_deref(), Some("http://snap.test"));
    assert_eq!(d2.vcenter.url.as_deref(), Some("http://vc.test"));
    assert_eq!(d2.snapservice.auth.name(), "sso");
    assert_eq!(d2.task_path(true), "/api/snapservice/tasks");
    // Nothing was left out, and the default VM folders and host binding came through.
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    assert_eq!(
        d.datacenters["datacenter-1"].host_folder.as_deref(),
        Some("group-h5")
    );
    assert_eq!(
        d.resource_pools["resgroup-23"].host.as_deref(),
        Some("host-21")
    );
    assert_eq!(d.resource_pools["resgroup-20"].host, None);
    // What discovery cannot know is left out or marked, never invented.
    assert!(!written.contains("restore_limit ="), "{written}");
    assert!(!written.contains("\n[[principal]]") && written.contains("# [[principal]]"));
    assert_eq!(
        back.snapshots["snap-42-a"].vm_name, "web-old-v2",
        "the current name, marked TODO"
    );
    assert!(written.contains("TODO check"));
}

#[test]
fn the_default_fixture_is_proven_on_the_mock() {
    let default = parse(&default_text());
    let m = prove(&default, found());
    assert!(m.is_empty(), "{m:#?}");
}

#[test]
fn a_written_fixture_is_proven_by_a_second_discovery() {
    // Round trip through a mock that serves the written fixture: what it serves is what was
    // discovered the first time.
    // The written fixture has its principals as TODO comments; the mock needs one to log in.
    let admin = "\n[[role]]\nname = \"Admin\"\nprivileges = [\"*\"]\n\n[[principal]]\nname = \"administrator@vsphere.local\"\npassword = \"Adm1n!mock-only\"\n\n[[permission]]\nprincipal = \"administrator@vsphere.local\"\nrole = \"Admin\"\nobject = \"group-d1\"\n";
    let written = parse(&(fixture_text(found(), &origin()) + admin));
    let again = discover_on(&mock(written.clone()));
    assert!(prove(&written, &again).is_empty());
    assert_eq!(&again.vms, &found().vms);
}

/// The mismatches of the default fixture altered by `edit`, as (object, field, expected,
/// found).
fn mismatches_after(
    edit: impl Fn(String) -> String,
) -> Vec<(String, &'static str, String, String)> {
    let text = edit(default_text());
    assert_ne!(text, default_text(), "the edit changed nothing");
    prove(&parse(&text), found())
        .into_iter()
        .map(|m| (m.object, m.field, m.expected, m.found))
        .collect()
}

fn replace_once(text: String, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replace(from, to)
}

fn m(o: &str, f: &'static str, e: &str, x: &str) -> (String, &'static str, String, String) {
    (o.into(), f, e.into(), x.into())
}

#[test]
fn a_missing_cluster_is_found_with_its_pool() {
    let got = mismatches_after(|t| {
        t + "\n[[cluster]]\nid = \"domain-c99\"\nname = \"gone\"\nparent = \"group-h5\"\ndrs = true\n\n[[resource_pool]]\nid = \"resgroup-99\"\nname = \"Resources\"\nparent = \"domain-c99\"\n"
    });
    assert_eq!(
        got,
        [
            m("domain-c99", "exists", "present", "absent"),
            m("resgroup-99", "exists", "present", "absent")
        ]
    );
}

#[test]
fn a_wrong_folder_parent_is_found() {
    let got = mismatches_after(|t| {
        replace_once(
            t,
            "name = \"web\"\nparent = \"group-v10\"",
            "name = \"web\"\nparent = \"group-v12\"",
        )
    });
    assert_eq!(got, [m("group-v11", "parent", "group-v12", "group-v10")]);
}

#[test]
fn a_flipped_drs_is_found() {
    let got = mismatches_after(|t| replace_once(t, "drs = true", "drs = false"));
    assert_eq!(got, [m("domain-c8", "drs", "false", "true")]);
}

#[test]
fn a_moved_host_is_found() {
    let got = mismatches_after(|t| {
        replace_once(
            t,
            "name = \"esx-22.lab\"\ncluster = \"domain-c20\"",
            "name = \"esx-22.lab\"\ncluster = \"domain-c8\"",
        )
    });
    assert_eq!(got, [m("host-22", "cluster", "domain-c8", "domain-c20")]);
}

#[test]
fn a_vm_powered_on_in_the_fixture_only_is_found() {
    let got = mismatches_after(|t| {
        replace_once(
            t,
            "power_state = \"POWERED_OFF\"",
            "power_state = \"POWERED_ON\"",
        )
    });
    assert_eq!(
        got,
        [m("vm-103", "power_state", "POWERED_ON", "POWERED_OFF")]
    );
}

#[test]
fn a_missing_snapshot_is_found() {
    let got = mismatches_after(|t| {
        t + "\n[[snapshot]]\nid = \"snap-42-z\"\nvm = \"vm-42\"\nname = \"expired\"\nvm_name = \"web-old-v2\"\ncreated_at = \"2026-11-01T00:00:00.000Z\"\n"
    });
    assert_eq!(
        got,
        [m(
            "snap-42-z",
            "exists",
            "listed for vm-42 on domain-c8",
            "absent"
        )]
    );
}

#[test]
fn a_snapshot_of_another_vm_is_found() {
    let got = mismatches_after(|t| {
        replace_once(
            t,
            "id = \"snap-50-a\"\nvm = \"vm-50\"",
            "id = \"snap-50-a\"\nvm = \"vm-51\"",
        )
    });
    assert_eq!(got, [m("snap-50-a", "vm", "vm-51", "vm-50")]);
}

#[test]
fn a_live_vm_described_as_deleted_is_found() {
    let live = "[[vm]]\nid = \"vm-103\"\nname = \"payroll\"             # DUP-2: vm-43's snapshot-time name, taken now\nfolder = \"group-v4\"\nhost = \"host-12\"\nresource_pool = \"resgroup-8\"\npower_state = \"POWERED_OFF\"\n";
    let deleted = "[[deleted_vm]]\nid = \"vm-103\"\nname = \"payroll\"\ncluster = \"domain-c8\"\n";
    let got = mismatches_after(|t| replace_once(t, live, deleted));
    assert_eq!(
        got,
        [m(
            "vm-103",
            "deleted",
            "deleted (in_cluster: false) on domain-c8",
            "a live VM in vCenter"
        )]
    );
}

#[test]
fn a_wrong_pool_binding_and_a_renamed_vm_are_found() {
    let got = mismatches_after(|t| {
        let t = replace_once(
            t,
            "name = \"gold\"\nparent = \"resgroup-8\"\nhost = \"host-12\"",
            "name = \"gold\"\nparent = \"resgroup-8\"\nhost = \"host-13\"",
        );
        replace_once(t, "name = \"db-01\"", "name = \"db-02\"")
    });
    assert_eq!(
        got,
        [
            m("resgroup-9", "host", "host-13", "host-12"),
            m("vm-101", "name", "db-02", "db-01")
        ]
    );
}

#[test]
fn a_wrong_kind_is_a_type_mismatch() {
    // The fixture calls vm-102 a folder; the target has it as a VM.
    let got = mismatches_after(|t| {
        replace_once(
            t,
            "[[vm]]\nid = \"vm-102\"\nname = \"app-legacy\"\nfolder = \"group-v12\"\nhost = \"host-21\"\nresource_pool = \"resgroup-20\"\npower_state = \"POWERED_ON\"",
            "[[folder]]\nid = \"vm-102\"\nname = \"app-legacy\"\nparent = \"group-v12\"",
        )
    });
    assert_eq!(got, [m("vm-102", "type", "Folder", "VirtualMachine")]);
}

#[test]
fn a_default_vm_folder_that_holds_hosts_is_found() {
    let got = mismatches_after(|t| {
        replace_once(
            t,
            "vm_folder = \"group-v4\"       # default VM folder (POST-4)",
            "vm_folder = \"group-h5\"",
        )
    });
    assert_eq!(
        got,
        [
            m("datacenter-1", "vm_folder", "group-h5", "group-v4"),
            m("group-h5", "folder_type", "VIRTUAL_MACHINE", "HOST"),
        ]
    );
}

#[test]
fn mismatches_read_as_sentences() {
    let x = Mismatch {
        object: "domain-c8".into(),
        kind: Kind::Cluster,
        field: "drs",
        expected: "true".into(),
        found: "false".into(),
    };
    assert_eq!(
        x.to_string(),
        "ClusterComputeResource domain-c8: drs: the fixture says true, the target has false"
    );
}

#[test]
fn the_todo_entries_load_once_uncommented() {
    let written = fixture_text(found(), &origin());
    let (head, todo) = written.split_at(written.find("roles, principals, permissions").unwrap());
    let uncommented: String = todo
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest.starts_with("[[") || rest.contains(" = ") => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let w = parse(&format!("{head}{uncommented}\n"));
    assert_eq!(w.admin.as_deref(), Some(ADMIN.0));
    assert_eq!(
        w.principals[ADMIN.0].credential,
        crate::model::world::Credential::PasswordEnv("SNAPCONF_ADMIN_PASSWORD".into())
    );
}

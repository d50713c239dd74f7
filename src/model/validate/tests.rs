//! Fixture validation: every rule refuses a bad fixture with the file, line and field.

use super::*;
use std::path::Path;

const MINI: &str = r#"
[[datacenter]]
id = "datacenter-1"
name = "dc"
vm_folder = "group-v1"

[[folder]]
id = "group-v1"
name = "vm"
parent = "datacenter-1"

[[cluster]]
id = "domain-c1"
name = "c1"
parent = "datacenter-1"
drs = true

[[resource_pool]]
id = "resgroup-1"
name = "Resources"
parent = "domain-c1"
"#;

fn parse(extra: &str) -> Result<World, FixtureError> {
    World::parse(&format!("{MINI}{extra}"), Path::new("t.toml"))
}

#[test]
fn minimal_world_loads() {
    let w = parse("").unwrap();
    assert_eq!(w.clusters["domain-c1"].root_pool, "resgroup-1");
    assert_eq!(w.clusters["domain-c1"].restore_limit, 4);
    assert_eq!(
        w.folders["group-v1"].datacenter.as_deref(),
        Some("datacenter-1")
    );
}

#[test]
fn unknown_field_names_file_line_and_field() {
    let e = parse(
        "\n[[host]]\nid = \"host-1\"\nname = \"h\"\ncluster = \"domain-c1\"\ncolour = \"red\"\n",
    )
    .unwrap_err();
    assert_eq!(e.file, "t.toml");
    assert_eq!(e.line, MINI.lines().count() + 6, "{e}");
    assert!(e.message.contains("colour"), "{e}");
}

#[test]
fn dangling_reference_names_line_and_field() {
    let e =
        parse("\n[[host]]\nid = \"host-1\"\nname = \"h\"\ncluster = \"domain-c9\"\n").unwrap_err();
    assert_eq!(e.field, "host.cluster");
    assert_eq!(e.line, MINI.lines().count() + 5, "{e}");
    assert!(e.message.contains("domain-c9"));
}

#[test]
fn duplicate_id_is_refused() {
    let e = parse("\n[[host]]\nid = \"domain-c1\"\nname = \"h\"\ncluster = \"domain-c1\"\n")
        .unwrap_err();
    assert_eq!(e.field, "host.id");
    assert!(e.message.contains("duplicate"), "{e}");
}

#[test]
fn wrong_kind_reference_is_refused() {
    let e =
        parse("\n[[host]]\nid = \"host-1\"\nname = \"h\"\ncluster = \"group-v1\"\n").unwrap_err();
    assert!(e.message.contains("expected ClusterComputeResource"), "{e}");
}

#[test]
fn principal_needs_exactly_one_credential() {
    let e = parse("\n[[principal]]\nname = \"a\"\npassword = \"x\"\npassword_env = \"Y\"\n")
        .unwrap_err();
    assert_eq!(e.field, "principal.password");
    let e = parse("\n[[principal]]\nname = \"a\"\n").unwrap_err();
    assert!(e.message.contains("has 0"), "{e}");
}

#[test]
fn credential_debug_hides_password() {
    let c = Credential::Password("hunter2".into());
    assert!(!format!("{c:?}").contains("hunter2"));
}

mod default_fixture_tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn default_fixture_loads() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/default.toml"
        ));
        let w = World::load(path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(w.clusters.len(), 2);
        assert!(w.clusters.values().any(|c| c.drs) && w.clusters.values().any(|c| !c.drs));
        assert!(w.deleted_vms.keys().all(|v| w.snapshots_of(v).count() >= 2));
        assert_eq!(w.vm_folders_of("datacenter-1").count(), 4);
        assert_eq!(w.admin.as_deref(), Some("administrator@vsphere.local"));
    }
}

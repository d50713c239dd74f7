//! `[target]` validation: the good shapes load into the deployment they describe; every bad
//! field is refused with file, line and field.

use std::path::Path;
use std::time::Duration;

use crate::model::World;
use crate::model::deployment::{AuthKind, CIS_SESSION_PATH, SNAPSERVICE_SESSION_PATH};
use crate::model::world::FixtureError;

fn parse(target: &str) -> Result<World, FixtureError> {
    World::parse(target, Path::new("labs/lab.toml"))
}

#[test]
fn no_target_table_is_todays_one_url_basic_session() {
    let w = parse("").unwrap();
    let d = &w.deployment;
    assert_eq!(d.snapservice, d.vcenter);
    assert_eq!(d.snapservice.auth, AuthKind::BasicSession);
    assert_eq!(d.snapservice.session_path, CIS_SESSION_PATH);
    assert_eq!(d.snapservice.url, None);
    assert_eq!(d.task_path(false), "/api/cis/tasks");
    assert_eq!(d.task_path(true), "/api/snapservice/tasks");
}

#[test]
fn the_legacy_session_and_task_paths_still_apply() {
    let w = parse(
        "[target]\nsession_path = \"/rest/com/vmware/cis/session\"\ntask_path = \"/api/cis/tasks\"\n",
    )
    .unwrap();
    let d = &w.deployment;
    assert_eq!(d.snapservice.session_path, "/rest/com/vmware/cis/session");
    assert_eq!(d.vcenter.session_path, "/rest/com/vmware/cis/session");
    assert_eq!(d.task_path(true), "/api/cis/tasks", "an explicit path wins");
}

#[test]
fn an_8_0u3_deployment_with_sso_tokens() {
    let w = parse(
        r#"
[target]
admin = "administrator@vsphere.local"

[target.snapservice]
url = "https://snap.lab/"
auth = "sso"
sso_domain = "lab.local"
token_lifetime = "20m"
ca_cert = "certs/appliance.pem"

[target.vcenter]
url = "https://vc.lab"
auth = "basic-session"

[[principal]]
name = "administrator@vsphere.local"
password_env = "LAB_ADMIN_PASSWORD"
"#,
    )
    .unwrap();
    let d = &w.deployment;
    assert_eq!(d.snapservice.url.as_deref(), Some("https://snap.lab"));
    assert_eq!(d.snapservice.auth, AuthKind::Sso);
    assert_eq!(d.snapservice.sso_domain, "lab.local");
    assert_eq!(d.snapservice.token_lifetime, Duration::from_secs(20 * 60));
    assert_eq!(
        d.snapservice.ca_cert.as_deref(),
        Some(Path::new("labs/certs/appliance.pem")),
        "relative to the fixture's directory"
    );
    assert_eq!(d.vcenter.url.as_deref(), Some("https://vc.lab"));
    assert_eq!(d.vcenter.auth, AuthKind::BasicSession);
    assert_eq!(d.task_path(true), "/api/snapservice/tasks");
}

#[test]
fn a_9_0_deployment_with_snapservice_sessions() {
    let w = parse("[target.snapservice]\nauth = \"snapservice-session\"\n").unwrap();
    let s = &w.deployment.snapservice;
    assert_eq!(s.auth, AuthKind::SnapserviceSession);
    assert_eq!(s.session_path, SNAPSERVICE_SESSION_PATH);
    assert_eq!(s.sso_domain, "vsphere.local");
    assert_eq!(s.token_lifetime, Duration::from_secs(30 * 60));
}

/// Each bad field: the error names the file, the line of the value and the field.
#[test]
fn bad_fields_name_file_line_and_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[target.snapservice]\nauth = \"kerberos\"\n",
            "target.snapservice.auth",
            "kerberos",
        ),
        (
            "[target.vcenter]\nauth = \"sso\"\n",
            "target.vcenter.auth",
            "basic-session",
        ),
        (
            "[target.snapservice]\nurl = \"ftp://snap.lab\"\n",
            "target.snapservice.url",
            "ftp://snap.lab",
        ),
        (
            "[target.vcenter]\nurl = \"https://vc.lab/api\"\n",
            "target.vcenter.url",
            "no path",
        ),
        (
            "[target.snapservice]\nauth = \"sso\"\ntoken_lifetime = \"soon\"\n",
            "target.snapservice.token_lifetime",
            "soon",
        ),
        (
            "[target.snapservice]\nauth = \"sso\"\ntoken_lifetime = \"1s\"\n",
            "target.snapservice.token_lifetime",
            "at least",
        ),
        (
            "[target.snapservice]\nauth = \"sso\"\nsession_path = \"/api/session\"\n",
            "target.snapservice.session_path",
            "no session",
        ),
        (
            "[target.vcenter]\ntoken_lifetime = \"10m\"\n",
            "target.vcenter.token_lifetime",
            "basic-session",
        ),
        (
            "[target.snapservice]\nauth = \"sso\"\nsso_domain = \"a/b\"\n",
            "target.snapservice.sso_domain",
            "SSO domain",
        ),
        (
            "[target]\ntask_path = \"api/cis/tasks\"\n",
            "target.task_path",
            "absolute path",
        ),
        (
            "[target.snapservice]\nauth = \"snapservice-session\"\nsession_path = \"/x?y\"\n",
            "target.snapservice.session_path",
            "absolute path",
        ),
    ];
    for (text, field, says) in cases {
        let e = parse(text).unwrap_err();
        assert_eq!(e.file, "labs/lab.toml", "{text}: {e}");
        assert_eq!(e.field, *field, "{text}: {e}");
        assert_eq!(e.line, text.lines().count(), "{text}: {e}");
        assert!(e.message.contains(says), "{text}: {e}");
    }
}

#[test]
fn unknown_fields_of_an_endpoint_are_refused_with_their_line() {
    let text = "[target.snapservice]\nauth = \"sso\"\ntoken_lifetme = \"10m\"\n";
    let e = parse(text).unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    assert!(e.field.contains("token_lifetme"), "{e}");
    assert!(e.message.contains("token_lifetme"), "{e}");
}

#[test]
fn restore_limits_are_known_only_when_stated() {
    let cluster = |head: &str, own: &str| {
        format!(
            "{head}\n[[datacenter]]\nid = \"dc\"\nname = \"dc\"\nvm_folder = \"f\"\n[[folder]]\nid = \"f\"\nname = \"vm\"\nparent = \"dc\"\n[[cluster]]\nid = \"c\"\nname = \"c\"\nparent = \"dc\"\ndrs = true\n{own}\n[[resource_pool]]\nid = \"p\"\nname = \"Resources\"\nparent = \"c\"\n"
        )
    };
    let lab = parse(&cluster("", "")).unwrap();
    assert_eq!(
        lab.stated_restore_limit("c"),
        None,
        "a lab fixture without it"
    );
    assert_eq!(
        lab.clusters["c"].restore_limit, 4,
        "the mock keeps its default"
    );
    let mock = parse(&cluster("[mock]", "")).unwrap();
    assert_eq!(mock.stated_restore_limit("c"), Some(4), "a mock fixture");
    let own = parse(&cluster("", "restore_limit = 2")).unwrap();
    assert_eq!(own.stated_restore_limit("c"), Some(2));
}

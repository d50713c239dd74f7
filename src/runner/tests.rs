//! The client against the embedded mock: request counting and routing by role.

use crate::mock::{MockOptions, MockServer};
use crate::model::{Auth, World};
use crate::runner::{Client, Endpoint, RequestSpec, TargetConfig};

fn default_world() -> World {
    crate::model::test_world().clone()
}

/// The counter is what the benchmark divides by: a login must count as a request of its own.
#[test]
fn requests_sent_counts_logins_too() {
    let world = default_world();
    let mut opts = MockOptions::new(world.clone());
    opts.tls = false;
    let mock = MockServer::start(opts).unwrap();
    let client = Client::new(TargetConfig::new(mock.base_url()), &world).unwrap();
    let admin = world.admin.clone().unwrap();
    let rt = crate::runner::runtime::runtime();
    let ex = rt.block_on(client.send(&RequestSpec::get("/api/vcenter/vm", Auth::NoHeader)));
    assert_eq!(ex.observation.status(), Some(401));
    assert_eq!(client.requests_sent(), 1);
    let ex = rt.block_on(client.send(&RequestSpec::get(
        "/api/vcenter/vm",
        Auth::Principal(admin.clone()),
    )));
    assert_eq!(ex.observation.status(), Some(200));
    // The login, then the read.
    assert_eq!(client.requests_sent(), 3);
    rt.block_on(client.send(&RequestSpec::get("/api/vcenter/vm", Auth::Principal(admin))));
    // The cached session: no second login.
    assert_eq!(client.requests_sent(), 4);
}

/// With two endpoints, each request goes to the one whose role owns its path, and each
/// endpoint gets its own login (two mocks share no sessions, so a mix-up would be a 401).
#[test]
fn split_roles_send_each_path_to_its_endpoint() {
    let world = default_world();
    let start = || {
        let mut opts = MockOptions::new(world.clone());
        opts.tls = false;
        MockServer::start(opts).unwrap()
    };
    let (snap, vc) = (start(), start());
    let mut cfg = TargetConfig::new(snap.base_url());
    cfg.vcenter = Endpoint::new(vc.base_url());
    let client = Client::new(cfg, &world).unwrap();
    let admin = Auth::Principal(world.admin.clone().unwrap());
    let rt = crate::runner::runtime::runtime();
    let ex = rt.block_on(client.send(&RequestSpec::get("/api/vcenter/vm", admin.clone())));
    assert_eq!(ex.observation.status(), Some(200), "{ex:?}");
    assert!(
        ex.request.url.starts_with(vc.base_url()),
        "{}",
        ex.request.url
    );
    let ex = rt.block_on(client.send(&RequestSpec::get(
        "/api/snapservice/clusters/domain-c8/virtual-machines",
        admin,
    )));
    assert!(
        ex.request.url.starts_with(snap.base_url()),
        "{}",
        ex.request.url
    );
    assert_eq!(ex.observation.status(), Some(200), "{ex:?}");
    assert_eq!(client.issued_sessions().len(), 2);
}

/// On the JSON-RPC wire the restore, its task and the session are `invoke` calls answered in
/// REST form, the VM API stays REST, and no secret is in the printable request.
#[test]
fn jsonrpc_wire_invokes_operations_and_keeps_the_vm_api_rest() {
    let world = default_world();
    let mut opts = MockOptions::new(world.clone());
    opts.tls = false;
    let mock = MockServer::start(opts).unwrap();
    let mut cfg = TargetConfig::new(mock.base_url());
    cfg.wire = crate::runner::Wire::JsonRpc;
    let client = Client::new(cfg, &world).unwrap();
    let admin = Auth::Principal(world.admin.clone().unwrap());
    let rt = crate::runner::runtime::runtime();
    let restore = RequestSpec::post_json(
        "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true",
        admin.clone(),
        r#"{"snapshot":"snap-42-a","name":"rpc-restored"}"#,
    );
    let ex = rt.block_on(client.send(&restore));
    assert_eq!(ex.observation.status(), Some(202), "{ex:?}");
    let rpc = ex.rpc.as_ref().expect("a JSON-RPC record");
    assert_eq!(rpc.operation, "restore$task");
    assert_eq!(ex.request.url, format!("{}/api", mock.base_url()));
    let session = client.issued_sessions().pop().expect("a JSON-RPC login");
    assert!(
        !ex.request
            .body
            .as_deref()
            .unwrap_or_default()
            .contains(&session)
    );
    assert!(ex.request.curl(false).contains("$SESSION"));
    let task = ex
        .observation
        .json()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap();
    let mut info = serde_json::Value::Null;
    for _ in 0..200 {
        let t = rt.block_on(client.send(&RequestSpec::get(
            format!("/api/cis/tasks/{task}"),
            admin.clone(),
        )));
        assert_eq!(
            t.rpc.as_ref().map(|r| r.service.as_str()),
            Some("com.vmware.cis.tasks")
        );
        info = t.observation.json().unwrap_or_default();
        if info["status"] == "SUCCEEDED" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(info["status"], "SUCCEEDED", "{info}");
    let vm = info["result"].as_str().unwrap().to_owned();
    let read = rt.block_on(client.send(&RequestSpec::get(
        format!("/api/vcenter/vm/{vm}"),
        admin.clone(),
    )));
    assert_eq!(read.observation.status(), Some(200), "{read:?}");
    assert!(read.rpc.is_none() && read.request.url.contains("/api/vcenter/vm/"));
    // A refusal: the error's name stands for the REST status.
    let mut bad = restore.clone();
    bad.auth = Auth::Garbage("not-a-session".into());
    let ex = rt.block_on(client.send(&bad));
    assert_eq!(ex.observation.status(), Some(401), "{ex:?}");
    assert!(
        ex.request
            .body
            .unwrap_or_default()
            .contains("not-a-session")
    );
}

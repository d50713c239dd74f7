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

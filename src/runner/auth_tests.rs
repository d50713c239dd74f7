//! Token renewal: the margin, the moment a held token is renewed, and the client against a
//! split mock: short-lived tokens renewed before they expire, a refused token renewed once
//! after a 401, snapservice sessions bought with a token, and a wrong password.

use std::time::{Duration, SystemTime};

use super::*;
use crate::mock::{MockOptions, MockServer};
use crate::model::{Auth, World};
use crate::runner::{Client, Endpoint, RequestSpec, TargetConfig};

#[test]
fn the_margin_is_a_fifth_of_the_lifetime_at_most_a_minute() {
    assert_eq!(
        renewal_margin(Duration::from_secs(5)),
        Duration::from_secs(1)
    );
    assert_eq!(
        renewal_margin(Duration::from_secs(100)),
        Duration::from_secs(20)
    );
    assert_eq!(
        renewal_margin(Duration::from_secs(30 * 60)),
        Duration::from_secs(60)
    );
    assert_eq!(renewal_margin(Duration::ZERO), Duration::ZERO);
}

/// A held token is fresh until its margin before `NotOnOrAfter`, on a clock of our choosing.
#[test]
fn a_held_token_is_renewed_at_its_margin() {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
    let a = crate::sso::Assertion {
        id: "_t".into(),
        issue_instant: t0,
        issuer: "sts".into(),
        name_id: "u@vsphere.local".into(),
        not_before: t0,
        not_on_or_after: t0 + Duration::from_secs(300),
        signature_value: None,
    };
    let token = SamlToken::from_assertion_xml(&a.to_xml()).unwrap();
    let held = Held::new(token, t0);
    // 300 s granted: renewed 60 s ahead.
    assert!(held.fresh_at(t0));
    assert!(held.fresh_at(t0 + Duration::from_secs(239)));
    assert!(!held.fresh_at(t0 + Duration::from_secs(241)));
    assert!(!held.fresh_at(t0 + Duration::from_secs(400)));
}

fn world() -> World {
    crate::model::test_world().clone()
}

/// A split mock over plain HTTP, and a client whose snapservice endpoint uses `flow`.
fn split(lifetime: Duration, flow: AuthFlow) -> (MockServer, std::sync::Arc<Client>) {
    let mut opts = MockOptions::split(world());
    opts.tls = false;
    opts.token_lifetime = lifetime;
    let mock = MockServer::start(opts).unwrap();
    let mut cfg = TargetConfig::new(mock.base_url());
    cfg.snapservice.auth = flow;
    cfg.vcenter = Endpoint::new(mock.vcenter_url());
    let client = Client::new(cfg, &world()).unwrap();
    (mock, client)
}

fn sso(lifetime: Duration) -> AuthFlow {
    AuthFlow::Sso(TokenSpec {
        domain: "vsphere.local".into(),
        lifetime,
    })
}

fn read(admin: &str) -> RequestSpec {
    RequestSpec::get(
        "/api/snapservice/clusters/domain-c8/virtual-machines",
        Auth::Principal(admin.to_owned()),
    )
}

fn tokens_obtained(c: &Client) -> usize {
    // Each token is recorded twice: the header and the bare token.
    lock(&c.issued_tokens).len() / 2
}

#[test]
fn short_lived_tokens_are_renewed_before_they_expire() {
    let (_mock, client) = split(Duration::from_secs(3), sso(Duration::from_secs(600)));
    let admin = world().admin.unwrap();
    let rt = crate::runner::runtime::runtime();
    for _ in 0..3 {
        let ex = rt.block_on(client.send(&read(&admin)));
        assert_eq!(ex.observation.status(), Some(200), "{ex:?}");
    }
    assert_eq!(tokens_obtained(&client), 1, "one token while it is good");
    // Past the margin (3 s granted: renewed 0.6 s ahead), well before the expiry.
    std::thread::sleep(Duration::from_millis(2_600));
    let ex = rt.block_on(client.send(&read(&admin)));
    assert_eq!(ex.observation.status(), Some(200), "{ex:?}");
    assert_eq!(tokens_obtained(&client), 2, "renewed ahead of NotOnOrAfter");
    // Long past the first token's expiry: still no 401.
    std::thread::sleep(Duration::from_millis(3_500));
    let ex = rt.block_on(client.send(&read(&admin)));
    assert_eq!(ex.observation.status(), Some(200), "{ex:?}");
    assert_eq!(tokens_obtained(&client), 3);
}

/// A token the endpoint refuses (here: one from another deployment's STS) is answered 401;
/// the client asks for a new one once and resends.
#[test]
fn a_refused_token_is_renewed_once_after_a_401() {
    let (_mock, client) = split(Duration::from_secs(600), sso(Duration::from_secs(600)));
    let (_other, foreign) = split(Duration::from_secs(600), sso(Duration::from_secs(600)));
    let admin = world().admin.unwrap();
    let rt = crate::runner::runtime::runtime();
    assert_eq!(
        rt.block_on(foreign.send(&read(&admin)))
            .observation
            .status(),
        Some(200)
    );
    let stolen = lock(&foreign.tokens).values().next().unwrap().clone();
    lock(&client.tokens).insert((0, admin.clone()), stolen);
    let before = client.requests_sent();
    let ex = rt.block_on(client.send(&read(&admin)));
    assert_eq!(ex.observation.status(), Some(200), "{ex:?}");
    assert_eq!(tokens_obtained(&client), 1, "one renewal");
    // The refused request, the STS, the resent request.
    assert_eq!(client.requests_sent() - before, 3);
}

/// A principal whose every token is refused is not retried in a loop: one renewal, then the
/// 401 stands.
#[test]
fn a_401_is_renewed_once_never_in_a_loop() {
    // The snapservice listener of one deployment with the STS of another: every token is
    // foreign there.
    let start = || {
        let mut opts = MockOptions::split(world());
        opts.tls = false;
        MockServer::start(opts).unwrap()
    };
    let (here, elsewhere) = (start(), start());
    let mut cfg = TargetConfig::new(here.base_url());
    cfg.snapservice.auth = sso(Duration::from_secs(600));
    cfg.vcenter = Endpoint::new(elsewhere.vcenter_url());
    let client = Client::new(cfg, &world()).unwrap();
    let admin = world().admin.unwrap();
    let rt = crate::runner::runtime::runtime();
    let ex = rt.block_on(client.send(&read(&admin)));
    assert_eq!(ex.observation.status(), Some(401), "{ex:?}");
    assert_eq!(
        tokens_obtained(&client),
        2,
        "the first token and one renewal"
    );
    // STS, request, STS, request.
    assert_eq!(client.requests_sent(), 4);
}

#[test]
fn snapservice_sessions_are_bought_with_a_token() {
    let flow = AuthFlow::SnapserviceSession {
        session_path: "/api/snapservice/sessions".into(),
        token: TokenSpec {
            domain: "vsphere.local".into(),
            lifetime: Duration::from_secs(600),
        },
    };
    let (_mock, client) = split(Duration::from_secs(600), flow);
    let admin = world().admin.unwrap();
    let rt = crate::runner::runtime::runtime();
    for _ in 0..2 {
        let ex = rt.block_on(client.send(&read(&admin)));
        assert_eq!(ex.observation.status(), Some(200), "{ex:?}");
        assert!(
            ex.request
                .headers
                .iter()
                .any(|(n, _)| n == "vmware-api-session-id"),
            "{:?}",
            ex.request.headers
        );
    }
    assert_eq!(tokens_obtained(&client), 1);
    // The snapservice session, then vCenter's (a read there).
    rt.block_on(client.send(&RequestSpec::get(
        "/api/vcenter/vm",
        Auth::Principal(admin.clone()),
    )));
    assert_eq!(client.issued_sessions().len(), 2);
    // A dead session is replaced once after its 401.
    let dead = "0123456789abcdef0123456789abcdef".to_owned();
    lock(&client.sessions).insert((0, admin.clone()), dead);
    let ex = rt.block_on(client.send(&read(&admin)));
    assert_eq!(ex.observation.status(), Some(200), "{ex:?}");
    assert_eq!(client.issued_sessions().len(), 3);
}

#[test]
fn a_wrong_password_names_the_principal_the_endpoint_and_the_flow() {
    let (_mock, client) = split(Duration::from_secs(600), sso(Duration::from_secs(600)));
    client.add_principal("administrator@vsphere.local", "wrong");
    let rt = crate::runner::runtime::runtime();
    let e = rt
        .block_on(client.login("administrator@vsphere.local"))
        .unwrap_err()
        .to_string();
    for part in [
        "administrator@vsphere.local",
        "snapservice endpoint",
        "sso",
        "/sts/STSService/vsphere.local",
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    assert!(!e.contains("wrong"), "{e}");
}

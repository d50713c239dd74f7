//! Shared pieces of the hostile-target tests.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::hostile::HostileServer;
use crate::model::Auth;
use crate::model::world::World;
use crate::runner::{Client, Observation, RequestSpec, TargetConfig};

/// The per-request timeout every test uses.
pub(super) const TIMEOUT: Duration = Duration::from_secs(2);
/// Far above `TIMEOUT` plus scheduling noise on a busy 2-core machine, far below "hangs".
pub(super) const BOUND: Duration = Duration::from_secs(10);
pub(super) const ADMIN: &str = "administrator@vsphere.local";
pub(super) const RESTORE_PATH: &str =
    "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true";

pub(super) fn world() -> World {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/default.toml"
    ));
    World::load(path).expect("the default fixture loads")
}

pub(super) fn config(server: &HostileServer) -> TargetConfig {
    TargetConfig {
        timeout: TIMEOUT,
        max_body: 4 * 1024 * 1024,
        ..TargetConfig::new(&server.base_url())
    }
}

pub(super) fn client(cfg: TargetConfig) -> Arc<Client> {
    Client::new(cfg, &world()).expect("the client builds")
}

/// A restore request that needs no login, so the hostile answer is the restore's own.
pub(super) fn restore(auth: Auth) -> RequestSpec {
    RequestSpec::post_json(RESTORE_PATH, auth, r#"{"snapshot":"snap-1"}"#)
}

/// Sends `spec` and returns what was observed and how long it took.
pub(super) async fn observe(client: &Client, spec: &RequestSpec) -> (Observation, Duration) {
    let started = Instant::now();
    let ex = client.send(spec).await;
    (ex.observation, started.elapsed())
}

/// Asserts a transport failure of this kind, with the whole observation in the message.
#[track_caller]
pub(super) fn assert_transport(o: &Observation, kind: crate::runner::TransportKind) {
    match o {
        Observation::Transport { transport, .. } => assert_eq!(*transport, kind, "{o:?}"),
        other => panic!("expected a {kind:?} transport failure, observed {other:?}"),
    }
}

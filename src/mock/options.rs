//! How to start a mock.

use std::net::SocketAddr;
use std::time::Duration;

use crate::model::World;

use super::defect::Defect;
use super::tokens::DEFAULT_TOKEN_LIFETIME;

pub struct MockOptions {
    pub world: World,
    /// HTTPS with a self-signed certificate (default), or plain HTTP.
    pub tls: bool,
    /// Where to listen; port 0 picks a free port. Split, this is the snapservice listener.
    pub listen: SocketAddr,
    pub defects: Vec<Defect>,
    /// Serve `/__mock/` to non-loopback peers too.
    pub allow_remote_control: bool,
    /// Serve the snapservice role on `listen` and the vCenter role on `vcenter_listen`, as a
    /// real deployment does (`mock --split`).
    pub split: bool,
    /// The vCenter listener when split; `None` = a free port on `listen`'s address.
    pub vcenter_listen: Option<SocketAddr>,
    /// The longest lifetime the STS grants a token (`--token-lifetime`).
    pub token_lifetime: Duration,
}

impl MockOptions {
    /// HTTPS on `127.0.0.1:0`, no defects, control plane for loopback peers only, one
    /// listener for both roles, tokens of at most 30 minutes.
    pub fn new(world: World) -> Self {
        MockOptions {
            world,
            tls: true,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            defects: Vec::new(),
            allow_remote_control: false,
            split: false,
            vcenter_listen: None,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
        }
    }

    /// The same, split into the snapservice and vCenter roles.
    pub fn split(world: World) -> Self {
        MockOptions {
            split: true,
            ..MockOptions::new(world)
        }
    }
}

//! How to start a mock.

use std::net::SocketAddr;

use crate::model::World;

use super::defect::Defect;

pub struct MockOptions {
    pub world: World,
    /// HTTPS with a self-signed certificate (default), or plain HTTP.
    pub tls: bool,
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    pub defects: Vec<Defect>,
    /// Serve `/__mock/` to non-loopback peers too.
    pub allow_remote_control: bool,
}

impl MockOptions {
    /// HTTPS on `127.0.0.1:0`, no defects, control plane for loopback peers only.
    pub fn new(world: World) -> Self {
        MockOptions {
            world,
            tls: true,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            defects: Vec::new(),
            allow_remote_control: false,
        }
    }
}

//! Sending requests to a target: its endpoints by role and their authentication (`target`), the
//! wire form (`wire`), the reqwest client with its sessions (`client`), and the `Exchange`
//! record of what was sent and observed.

mod auth;
pub mod client;
pub mod exchange;
pub mod jsonrpc;
pub mod runtime;
pub mod setup;
pub mod target;
#[cfg(test)]
mod tests;
pub mod wire;

pub use auth::renewal_margin;
pub use client::{Client, ClientError, ControlError};
pub use exchange::{Exchange, Observation, RequestSpec, SentRequest, TransportKind};
pub use setup::{SetupError, TargetFlags};
pub use target::{AuthFlow, Endpoint, Role, TargetConfig, TokenSpec, Wire};

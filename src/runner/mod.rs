//! Sending requests to a target: the reqwest client, sessions, and the `Exchange` record.

pub mod client;
pub mod exchange;
pub mod runtime;

pub use client::{Client, ClientError, TargetConfig};
pub use exchange::{Exchange, Observation, RequestSpec, SentRequest, TransportKind};

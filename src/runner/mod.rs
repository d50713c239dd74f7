//! Sending requests to a target: the reqwest client, sessions, and the `Exchange` record.

pub mod exchange;

pub use exchange::{Auth, Exchange, Observation, RequestSpec, SentRequest, TransportKind};

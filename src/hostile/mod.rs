//! Hostile targets: servers that misbehave on purpose (garbage, resets, silence, endless or
//! mis-framed bodies, HTML errors, bad certificates, tasks that cannot be found), to prove the
//! runner turns every one of them into a clear `Observation` instead of a panic, a hang or
//! unbounded memory.
//!
//! Test-only: compiled for the crate's unit tests and behind the `test-support` feature (which
//! the crate's dev-dependency on itself turns on for `tests/`), so the library does not ship it.

pub(crate) mod behave;
mod mode;
mod server;
mod tls;
mod wire;

#[cfg(test)]
mod tests;

pub use behave::HUGE_BODY_BYTES;
pub use mode::{HostileMode, UnknownHostileMode};
pub use server::HostileServer;
pub use tls::WRONG_NAME;

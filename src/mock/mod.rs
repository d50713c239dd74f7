//! The embedded mock vCenter: a stateful axum server for the restore operation.

mod app;
mod authz;
mod clock;
mod control;
mod defect;
mod discovery;
mod error;
mod index;
mod inventory;
mod jsonrpc;
mod options;
mod query;
mod restore;
mod server;
mod sessions;
mod spec;
mod state;
mod tasks;
mod tls;
mod vcenter;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use app::{app, state};
pub use defect::Defect;
pub use jsonrpc::REST_ONLY as JSONRPC_REST_ONLY_DEFECTS;
pub use options::MockOptions;
pub use server::{MockServer, serve_blocking};
pub use state::AppState;
pub use tls::install_crypto_provider;

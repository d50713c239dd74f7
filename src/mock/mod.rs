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
mod placement;
mod query;
mod restore;
mod roles;
mod server;
mod sessions;
mod side_effect;
mod spec;
mod state;
mod sts;
mod task_list;
mod tasks;
mod tls;
mod tokens;
mod vcenter;
mod vcenter_inventory;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use app::{app, state, state_with_sso};
pub use defect::Defect;
pub use jsonrpc::REST_ONLY as JSONRPC_REST_ONLY_DEFECTS;
pub use options::MockOptions;
pub use roles::{Role, role_app, role_of};
pub use server::{MockServer, serve_blocking};
pub use sessions::Realm;
pub use state::{AppState, SsoSettings};
pub use sts::PATH as STS_PATH;
pub use tls::install_crypto_provider;
pub use tokens::{DEFAULT_TOKEN_LIFETIME, Refusal, TokenAuthority};

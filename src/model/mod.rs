//! Data types shared by the mock and the harness: wire types, the fixture's world, and the
//! restore case the generators build, the reference oracle judges and the runner sends.

pub mod auth;
pub mod case;
pub mod deployment;
pub mod fixture;
pub mod mutation;
pub mod privilege;
#[cfg(test)]
mod test_support;
mod validate;
pub mod vcenter_inventory;
pub mod wire;
pub mod world;

pub use auth::Auth;
pub use case::{Body, Case, encode};
pub use mutation::Mutation;
#[cfg(test)]
pub(crate) use test_support::test_world;
pub use wire::*;
pub use world::{FixtureError, Kind, World};

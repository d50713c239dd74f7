//! Data types shared by the mock and the harness: wire types and the fixture's world.

pub mod fixture;
mod validate;
pub mod wire;
pub mod world;

pub use wire::*;
pub use world::{FixtureError, Kind, World};

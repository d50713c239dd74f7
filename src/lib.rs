//! snapservice-conformance: a property-based conformance harness for the vSphere Snapservice
//! restore operation, with an embedded mock target.

#![warn(unreachable_pub)]

pub mod checks;
pub mod clause;
pub mod cli;
pub mod discover;
pub mod expect;
pub mod generate;
#[cfg(any(test, feature = "test-support"))]
pub mod hostile;
pub mod lab;
pub mod mock;
pub mod model;
pub mod openapi;
pub mod report;
pub mod runner;
pub mod sso;
pub mod suite;
pub mod vapi;

//! snapservice-conformance: a property-based conformance harness for the vSphere Snapservice
//! restore operation, with an embedded mock target.

pub mod clause;
pub mod cli;
pub mod expect;
pub mod generate;
pub mod hostile;
pub mod mock;
pub mod model;
pub mod openapi;
pub mod oracle;
pub mod report;
pub mod runner;
pub mod suite;
pub mod vapi;

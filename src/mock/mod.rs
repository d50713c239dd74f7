//! The embedded mock vCenter: a stateful axum server for the restore operation.

//! Checks that turn exchanges into findings, clause by clause. They are written from the clause
//! catalog and never call the mock's decision code.

pub mod finding;

pub use finding::{Finding, Judgement};

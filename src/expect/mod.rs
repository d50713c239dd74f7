//! The reference oracle: from the world and a case alone, the set of answers the clause catalog
//! allows (`expected`) and the VM a successful restore must leave (`expected_vm`). Written from
//! `clauses.md` and `restore-api.md`; it shares only data types with the mock.

mod body;
mod checks;
mod decide;
mod outcome;
pub mod privilege;
#[cfg(test)]
mod tests;
mod vm;

pub use body::name_problem;
pub use decide::expected;
pub use outcome::{Expected, FaultOutcomes, Outcome};
pub use vm::{ExpectedVm, expected_vm};

//! Proptest strategies (`arb_*`) for restore cases, and how each `Mutation` makes a valid case
//! invalid. The case and mutation types themselves are data and live in `model`.

mod apply;
mod auth;
mod candidates;
mod invalid;
mod names;
mod privilege;
mod space;
#[cfg(test)]
mod tests;
mod valid;

pub use auth::arb_auth_variant;
pub use invalid::{applicable_mutations, arb_invalid_case, arb_multi_fault_case, arb_mutated_case};
pub use privilege::{
    NOISE_PRIVILEGES, PermissionGrant, PrivilegeSetup, arb_privilege_case, arb_privilege_setup,
};
pub use valid::{arb_valid_case, has_valid_case};

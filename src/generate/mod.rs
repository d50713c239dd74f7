//! Proptest strategies (`arb_*`) for restore cases, and `Mutation`s that make a valid case invalid.

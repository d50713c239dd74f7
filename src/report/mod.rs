//! Run results and their renderings: JSON, JUnit, Markdown, HTML, the terminal matrix and the
//! submission bundle; known deviations; redaction of secrets from everything written.

pub mod bundle;
pub mod deviations;
pub mod first_failures;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod matrix;
pub mod model;
pub mod redact;
mod text;
mod write;

#[cfg(test)]
pub(crate) mod sample;

pub use bundle::{BundleError, FixtureFile, write_bundle};
pub use deviations::{
    Deviation, DeviationError, Selector, apply_deviations, exit_failures, load_deviations,
    parse_deviations, today_utc,
};
pub use model::*;
pub use redact::{Redactor, scan_dir_for_secrets};
pub use write::{REPORT_FILES, WriteError, write_all};

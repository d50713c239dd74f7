//! Run results and their renderings: JSON, JUnit, Markdown, HTML and the submission bundle.

pub mod bundle;
pub mod deviations;
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

pub use bundle::write_bundle;
pub use deviations::{Deviation, DeviationError, apply_deviations, exit_failures, load_deviations};
pub use model::*;
pub use redact::{Redactor, scan_dir_for_secrets};
pub use write::write_all;

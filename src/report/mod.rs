//! Run results and their renderings: JSON, JUnit, Markdown, HTML and the submission bundle.

pub mod model;

pub use model::*;

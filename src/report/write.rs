//! Writes every report format into the report directory.

use std::path::{Path, PathBuf};

use super::model::RunReport;
use super::redact::Redactor;
use super::{html, json, junit, markdown};

/// The file names of the report directory (`design.md`, "Contracts other tools rely on").
pub const REPORT_FILES: [&str; 4] = ["report.json", "junit.xml", "report.md", "report.html"];

/// A report file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Writes `report.json`, `junit.xml`, `report.md` and `report.html` into `dir` (created when
/// missing), every string redacted; returns the paths written, in that order.
pub fn write_all(
    dir: &Path,
    report: &RunReport,
    redactor: &Redactor,
) -> Result<Vec<PathBuf>, WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError {
        path: dir.to_owned(),
        source,
    })?;
    let renderers: [fn(&RunReport, &Redactor) -> String; 4] =
        [json::render, junit::render, markdown::render, html::render];
    let mut written = Vec::new();
    for (name, render) in REPORT_FILES.iter().zip(renderers) {
        let path = dir.join(name);
        if let Err(source) = std::fs::write(&path, render(report, redactor)) {
            return Err(WriteError { path, source });
        }
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{sample, scan_dir_for_secrets};

    #[test]
    fn writes_four_files_without_leaking_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("nested/report");
        let secrets = vec![sample::SECRET.to_owned()];
        let files = write_all(&out, &sample::report(), &Redactor::new(secrets.clone())).unwrap();
        assert_eq!(files.len(), 4);
        for (f, name) in files.iter().zip(REPORT_FILES) {
            assert!(f.ends_with(name) && f.is_file(), "{}", f.display());
        }
        assert_eq!(scan_dir_for_secrets(&out, &secrets), []);
    }

    #[test]
    fn without_the_redactor_the_scan_finds_the_leak() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = vec![sample::SECRET.to_owned()];
        write_all(dir.path(), &sample::report(), &Redactor::none()).unwrap();
        let leaks = scan_dir_for_secrets(dir.path(), &secrets);
        assert_eq!(leaks.len(), 4, "{leaks:?}");
    }
}

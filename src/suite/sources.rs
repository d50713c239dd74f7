//! Where the suite's data comes from at run time: the fixture (the world) and the suite
//! directory (the example scenarios, and the persisted proptest seeds). Flags and `SNAPCONF_*`
//! variables name files; by default the repository's files are used when the working directory
//! is a checkout, and the copies embedded in the binary otherwise, so an installed or copied
//! binary runs from any directory.

use std::path::{Path, PathBuf};

use crate::model::{FixtureError, World};

/// The default fixture, relative to a checkout.
pub const DEFAULT_FIXTURE: &str = "fixtures/default.toml";
/// The suite directory, relative to a checkout.
pub const DEFAULT_SUITE_DIR: &str = "suites";

const EMBEDDED_FIXTURE: &str = include_str!("../../fixtures/default.toml");

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));
}

/// The world the run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fixture {
    File(PathBuf),
    /// The default fixture as the binary was built with it.
    Embedded,
}

impl Fixture {
    /// `fixtures/default.toml` when the working directory has it, else the embedded copy.
    pub fn default_here() -> Fixture {
        if Path::new(DEFAULT_FIXTURE).is_file() {
            Fixture::File(PathBuf::from(DEFAULT_FIXTURE))
        } else {
            Fixture::Embedded
        }
    }

    pub fn load(&self) -> Result<World, FixtureError> {
        match self {
            Fixture::File(p) => World::load(p),
            Fixture::Embedded => World::parse(EMBEDDED_FIXTURE, Path::new(&self.name())),
        }
    }

    /// The fixture's text (for the results bundle).
    pub fn text(&self) -> std::io::Result<String> {
        match self {
            Fixture::File(p) => std::fs::read_to_string(p),
            Fixture::Embedded => Ok(EMBEDDED_FIXTURE.to_owned()),
        }
    }

    /// How messages name it.
    pub fn name(&self) -> String {
        match self {
            Fixture::File(p) => p.display().to_string(),
            Fixture::Embedded => format!("{DEFAULT_FIXTURE} (embedded)"),
        }
    }

    /// The `--fixture FILE` words that select it again (none for the embedded default).
    pub fn flag(&self) -> String {
        match self {
            Fixture::File(p) => format!(" --fixture {}", p.display()),
            Fixture::Embedded => String::new(),
        }
    }
}

/// The suite directory: `scenarios/*.toml` (one example scenario each) and `regressions/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuiteDir {
    Dir(PathBuf),
    /// The scenarios as the binary was built with them; failing seeds are not persisted.
    Embedded,
}

impl SuiteDir {
    /// `suites/` when the working directory has `suites/scenarios`, else the embedded copies.
    pub fn default_here() -> SuiteDir {
        if Path::new(DEFAULT_SUITE_DIR).join("scenarios").is_dir() {
            SuiteDir::Dir(PathBuf::from(DEFAULT_SUITE_DIR))
        } else {
            SuiteDir::Embedded
        }
    }

    /// Where the scenario files are (for messages), e.g. `suites/scenarios`.
    pub fn scenarios_name(&self) -> String {
        match self {
            SuiteDir::Dir(d) => d.join("scenarios").display().to_string(),
            SuiteDir::Embedded => "suites/scenarios (embedded)".to_owned(),
        }
    }

    /// Every scenario file as `(path for messages, text)`, sorted by name; reading errors are
    /// reported by path.
    pub fn scenario_files(&self) -> std::io::Result<Vec<(PathBuf, String)>> {
        match self {
            SuiteDir::Embedded => Ok(embedded::EMBEDDED_SCENARIOS
                .iter()
                .map(|(name, text)| (Path::new("suites/scenarios").join(name), (*text).to_owned()))
                .collect()),
            SuiteDir::Dir(d) => {
                let dir = d.join("scenarios");
                let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect();
                paths.sort();
                paths
                    .into_iter()
                    .map(|p| std::fs::read_to_string(&p).map(|t| (p, t)))
                    .collect()
            }
        }
    }

    /// Where a property's failing seeds persist (one file per property), if anywhere.
    pub fn regressions(&self) -> Option<PathBuf> {
        match self {
            SuiteDir::Dir(d) => Some(d.join("regressions")),
            SuiteDir::Embedded => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_copies_match_the_repository() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let here = SuiteDir::Dir(root.join(DEFAULT_SUITE_DIR))
            .scenario_files()
            .unwrap();
        let embedded = SuiteDir::Embedded.scenario_files().unwrap();
        assert!(!embedded.is_empty());
        let names = |v: &[(PathBuf, String)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(p, t)| (p.file_name().unwrap().to_string_lossy().into(), t.clone()))
                .collect()
        };
        assert_eq!(names(&here), names(&embedded));
        let file = std::fs::read_to_string(root.join(DEFAULT_FIXTURE)).unwrap();
        assert_eq!(Fixture::Embedded.text().unwrap(), file);
        assert!(Fixture::Embedded.load().is_ok());
    }
}

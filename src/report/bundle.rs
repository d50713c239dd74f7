//! `results-bundle.tar.gz`: what a vendor submits. It holds the reports, the fixture with its
//! passwords removed, and `manifest.json` with each file's size and SHA-256, so a reviewer can
//! tell the files were not changed after the run.
//!
//! The bundle leaves the machine, so it is checked for every known secret before it is written:
//! a leak is an error, never a warning, and no partial bundle is left behind.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::model::Harness;
use super::redact::{REDACTED, leaked};

pub const BUNDLE_NAME: &str = "results-bundle.tar.gz";

/// Why the bundle was not written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot redact fixture {name}: {source}")]
    Redact {
        name: String,
        #[source]
        source: RedactError,
    },
    #[error("{} has no usable file name", .0.display())]
    NoFileName(PathBuf),
    #[error("two files named `{0}` would go into the bundle")]
    Duplicate(String),
    #[error("`{name}` contains a secret ({}); the bundle was not written", leaks.join(", "))]
    Leak { name: String, leaks: Vec<String> },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A fixture that cannot be re-written without its passwords.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    #[error("the fixture is not valid TOML: {0}")]
    Parse(#[from] toml::de::Error),
    #[error(transparent)]
    Serialize(#[from] toml::ser::Error),
}

#[derive(Debug, Serialize)]
struct Manifest {
    harness: Harness,
    files: Vec<ManifestEntry>,
}

#[derive(Debug, Serialize)]
struct ManifestEntry {
    path: String,
    sha256: String,
    size: u64,
}

/// The fixture as the bundle takes it: its file name (`default.toml`) and its text.
pub struct FixtureFile<'a> {
    pub name: &'a Path,
    pub text: &'a str,
}

/// Writes `dir/results-bundle.tar.gz` and returns its path. Report files go in under their file
/// names, the fixture under `fixture/<its name>` with every `password` value replaced.
pub fn write_bundle(
    dir: &Path,
    report_files: &[PathBuf],
    fixture: FixtureFile<'_>,
    world_secrets: &[String],
) -> Result<PathBuf, BundleError> {
    let mut members: Vec<(String, Vec<u8>)> = Vec::new();
    for f in report_files {
        let name = file_name(f)?;
        let bytes = std::fs::read(f).map_err(|source| BundleError::Read {
            path: f.clone(),
            source,
        })?;
        members.push((name, bytes));
    }
    let fixture_name = file_name(fixture.name)?;
    let text = redact_fixture(fixture.text).map_err(|source| BundleError::Redact {
        name: fixture_name.clone(),
        source,
    })?;
    members.push((format!("fixture/{fixture_name}"), text.into_bytes()));

    // The manifest is added last; a report of that name would be silently shadowed.
    let mut seen = std::collections::BTreeSet::from(["manifest.json"]);
    for (name, bytes) in &members {
        if !seen.insert(name.as_str()) {
            return Err(BundleError::Duplicate(name.clone()));
        }
        let leaks = leaked(bytes, world_secrets.iter().map(String::as_str));
        if !leaks.is_empty() {
            return Err(BundleError::Leak {
                name: name.clone(),
                leaks,
            });
        }
    }

    let manifest = Manifest {
        harness: Harness::default(),
        files: members
            .iter()
            .map(|(path, bytes)| ManifestEntry {
                path: path.clone(),
                sha256: hex(&Sha256::digest(bytes)),
                size: bytes.len() as u64,
            })
            .collect(),
    };
    let mut manifest = serde_json::to_vec_pretty(&manifest).expect("the manifest serializes");
    manifest.push(b'\n');
    members.push(("manifest.json".into(), manifest));

    std::fs::create_dir_all(dir).map_err(|source| BundleError::Write {
        path: dir.to_owned(),
        source,
    })?;
    let out = dir.join(BUNDLE_NAME);
    let partial = dir.join(format!(".{BUNDLE_NAME}.partial"));
    if let Err(source) = write_archive(&partial, &members) {
        let _ = std::fs::remove_file(&partial);
        return Err(BundleError::Write {
            path: partial,
            source,
        });
    }
    std::fs::rename(&partial, &out).map_err(|source| BundleError::Write {
        path: out.clone(),
        source,
    })?;
    Ok(out)
}

/// Replaces the value of every `password` key, at any depth, by `<redacted>`. Comments and
/// layout are not kept: the bundle's copy is for reading, the original stays with its owner.
pub fn redact_fixture(text: &str) -> Result<String, RedactError> {
    let mut table: toml::Table = toml::from_str(text)?;
    redact_table(&mut table);
    Ok(toml::to_string(&table)?)
}

fn redact_table(t: &mut toml::Table) {
    for (k, v) in t.iter_mut() {
        if k == "password" && v.is_str() {
            *v = toml::Value::String(REDACTED.into());
        } else {
            redact_value(v);
        }
    }
}

fn redact_value(v: &mut toml::Value) {
    match v {
        toml::Value::Table(t) => redact_table(t),
        toml::Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// Entries carry fixed owner, mode and time, so the same files always make the same archive.
fn write_archive(path: &Path, members: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (name, bytes) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, name, bytes.as_slice())?;
    }
    tar.into_inner()?.finish()?.sync_all()?;
    Ok(())
}

fn file_name(p: &Path) -> Result<String, BundleError> {
    p.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| BundleError::NoFileName(p.to_owned()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::model::world::{Credential, World};
    use crate::report::{Redactor, sample, scan_dir_for_secrets, write_all};

    fn default_fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/default.toml")
    }

    fn unpack(path: &Path) -> Vec<(String, Vec<u8>)> {
        let bytes = std::fs::read(path).unwrap();
        let mut a = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
        a.entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let name = e.path().unwrap().display().to_string();
                let mut v = Vec::new();
                e.read_to_end(&mut v).unwrap();
                (name, v)
            })
            .collect()
    }

    #[test]
    fn bundle_holds_reports_redacted_fixture_and_a_matching_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let world = World::load(&default_fixture()).unwrap();
        let secrets = world.secrets();
        assert!(
            secrets.len() >= 8,
            "the default world has passwords to hide"
        );
        let reports = write_all(
            dir.path(),
            &sample::report(),
            &Redactor::new(secrets.clone()),
        )
        .unwrap();
        let text = std::fs::read_to_string(default_fixture()).unwrap();
        let fixture = FixtureFile {
            name: Path::new("default.toml"),
            text: &text,
        };
        let out = write_bundle(dir.path(), &reports, fixture, &secrets).unwrap();
        assert_eq!(out, dir.path().join(BUNDLE_NAME));

        let members = unpack(&out);
        let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "report.json",
                "junit.xml",
                "report.md",
                "report.html",
                "fixture/default.toml",
                "manifest.json"
            ]
        );
        let manifest: serde_json::Value = serde_json::from_slice(&members[5].1).unwrap();
        let files = manifest["files"].as_array().unwrap();
        assert_eq!(files.len(), 5);
        for (entry, (name, bytes)) in files.iter().zip(&members) {
            assert_eq!(entry["path"], name.as_str());
            assert_eq!(entry["size"], bytes.len());
            assert_eq!(entry["sha256"], hex(&Sha256::digest(bytes)));
        }
        assert_eq!(
            files[0]["sha256"],
            hex(&Sha256::digest(std::fs::read(&reports[0]).unwrap()))
        );

        let fixture = std::str::from_utf8(&members[4].1).unwrap();
        assert!(fixture.contains("password = \"<redacted>\""));
        assert!(fixture.contains("administrator@vsphere.local"));
        assert_eq!(scan_dir_for_secrets(dir.path(), &secrets), []);
    }

    #[test]
    fn a_secret_outside_a_password_key_stops_the_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let fixture = FixtureFile {
            name: Path::new("lab.toml"),
            text: "[[principal]]\nname = \"a\"\npassword = \"Sup3r-secret\"\ndescription = \"password is Sup3r-secret\"\n",
        };
        let e = write_bundle(dir.path(), &[], fixture, &["Sup3r-secret".into()]).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("fixture/lab.toml") && msg.contains("Su… (12 chars)"),
            "{msg}"
        );
        assert!(!msg.contains("Sup3r-secret"));
        assert!(!dir.path().join(BUNDLE_NAME).exists());
        assert!(!dir.path().join(format!(".{BUNDLE_NAME}.partial")).exists());
    }

    #[test]
    fn a_leaking_report_stops_the_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let reports = write_all(dir.path(), &sample::report(), &Redactor::none()).unwrap();
        let text = std::fs::read_to_string(default_fixture()).unwrap();
        let fixture = FixtureFile {
            name: Path::new("default.toml"),
            text: &text,
        };
        let e = write_bundle(dir.path(), &reports, fixture, &[sample::SECRET.into()]).unwrap_err();
        assert!(
            e.to_string().contains("`report.json` contains a secret"),
            "{e}"
        );
    }

    #[test]
    fn redact_fixture_replaces_nested_passwords_only() {
        let out = redact_fixture(
            "a = 1\n[x]\npassword = \"p1\"\npassword_env = \"PW\"\n[[y]]\npassword = \"p2\"\n",
        )
        .unwrap();
        assert!(!out.contains("p1") && !out.contains("p2"), "{out}");
        assert!(out.contains("password_env = \"PW\""), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 2, "{out}");
    }

    /// The lab template is the starting point of every real certification: it must load as it
    /// ships, use environment variables for every secret, and show the SAML header variant.
    #[test]
    fn lab_template_loads_and_keeps_secrets_out_of_the_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lab-template.toml");
        let world = World::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let creds: Vec<&Credential> = world.principals.values().map(|p| &p.credential).collect();
        assert!(
            creds.iter().all(|c| !matches!(c, Credential::Password(_))),
            "{creds:?}"
        );
        assert!(
            creds
                .iter()
                .any(|c| matches!(c, Credential::PasswordEnv(_)))
        );
        assert!(
            creds
                .iter()
                .any(|c| matches!(c, Credential::AuthorizationEnv(_)))
        );
        assert!(!world.deleted_vms.is_empty() && !world.snapshots.is_empty());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(redact_fixture(&text).unwrap().matches(REDACTED).count(), 0);
    }
}

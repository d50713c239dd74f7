//! Secret redaction for everything the harness writes, and a leak scanner for the tests.
//!
//! Writers redact the report model before rendering it, so a secret is replaced before any
//! escaping (HTML, JSON, XML) could change its spelling. The scanner looks for the raw secret
//! and for its escaped spellings, because an escaped secret is still a leaked secret.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::model::RunReport;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not redacted: replacing every `ab` in a report would destroy
/// it, and a secret that short is not protected by redaction anyway.
pub const MIN_SECRET_LEN: usize = 4;

/// Replaces every occurrence of the known secrets.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secret spellings)", self.secrets.len())
    }
}

impl Redactor {
    pub fn new(secrets: Vec<String>) -> Self {
        // A server that echoes a secret inside JSON, or a page that shows it, spells it
        // escaped; each spelling is replaced, as the scanner counts each as a leak.
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .filter(|s| s.chars().count() >= MIN_SECRET_LEN)
            .flat_map(|s| spellings(&s))
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Redactor { secrets }
    }

    /// A redactor that knows no secrets (for worlds without any).
    pub fn none() -> Self {
        Redactor::default()
    }

    pub fn redact(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// A copy of the report with every string in it (keys included) redacted. Going through
    /// `serde_json::Value` covers fields added to the model later without touching this code.
    pub fn report(&self, report: &RunReport) -> RunReport {
        // JSON has no NaN or infinity: such a duration (a clock oddity) would come back as
        // `null` and fail to deserialize, so it is shown as zero instead.
        let mut report = report.clone();
        let finite = |s: &mut f64| {
            if !s.is_finite() {
                *s = 0.0;
            }
        };
        finite(&mut report.duration_s);
        report
            .trials
            .iter_mut()
            .for_each(|t| finite(&mut t.duration_s));
        let mut v = serde_json::to_value(&report).expect("a RunReport always serializes");
        self.value(&mut v);
        serde_json::from_value(v).expect("redaction keeps the report's shape")
    }

    fn value(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.redact(s),
            Value::Array(items) => items.iter_mut().for_each(|i| self.value(i)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut item) in old {
                    self.value(&mut item);
                    map.insert(self.redact(&k), item);
                }
            }
            _ => {}
        }
    }
}

/// A secret shown safely in a leak report: its first two characters and its length.
pub fn mask(secret: &str) -> String {
    let head: String = secret.chars().take(2).collect();
    format!("{head}… ({} chars)", secret.chars().count())
}

/// The spellings of a secret that count as a leak: raw, JSON-escaped and HTML/XML-escaped.
fn spellings(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).expect("strings serialize");
    let mut out = vec![
        secret.to_owned(),
        json[1..json.len() - 1].to_owned(),
        super::html::escape(secret),
    ];
    out.sort();
    out.dedup();
    out
}

/// Every leak of a secret under `dir`: `(file, masked secret)`. Files inside `.tar.gz` archives
/// are opened too and named `archive.tar.gz!/member`. Unreadable files are reported as leaks
/// with the reason, so that a scan never passes by not looking.
pub fn scan_dir_for_secrets(dir: &Path, secrets: &[String]) -> Vec<(PathBuf, String)> {
    let secrets: Vec<&String> = secrets
        .iter()
        .filter(|s| s.chars().count() >= MIN_SECRET_LEN)
        .collect();
    let mut leaks = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            match std::fs::read_dir(&p) {
                Ok(entries) => stack.extend(entries.flatten().map(|e| e.path())),
                Err(e) => leaks.push((p, format!("unreadable directory: {e}"))),
            }
            continue;
        }
        let bytes = match std::fs::read(&p) {
            Ok(b) => b,
            Err(e) => {
                leaks.push((p, format!("unreadable file: {e}")));
                continue;
            }
        };
        if p.to_string_lossy().ends_with(".tar.gz") {
            scan_archive(&p, &bytes, &secrets, &mut leaks);
        } else {
            scan_bytes(&p, &bytes, &secrets, &mut leaks);
        }
    }
    leaks.sort();
    leaks
}

fn scan_archive(
    path: &Path,
    bytes: &[u8],
    secrets: &[&String],
    leaks: &mut Vec<(PathBuf, String)>,
) {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            leaks.push((path.to_owned(), format!("unreadable archive: {e}")));
            return;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                leaks.push((path.to_owned(), format!("unreadable archive entry: {e}")));
                return;
            }
        };
        let name = entry
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "?".into());
        let member = PathBuf::from(format!("{}!/{name}", path.display()));
        let mut content = Vec::new();
        match entry.read_to_end(&mut content) {
            Ok(_) => scan_bytes(&member, &content, secrets, leaks),
            Err(e) => leaks.push((member, format!("unreadable archive entry: {e}"))),
        }
    }
}

fn scan_bytes(path: &Path, bytes: &[u8], secrets: &[&String], leaks: &mut Vec<(PathBuf, String)>) {
    for masked in leaked(bytes, secrets.iter().map(|s| s.as_str())) {
        leaks.push((path.to_owned(), masked));
    }
}

/// The secrets (masked) found in `bytes` in any of their spellings; secrets too short to
/// redact are not looked for.
pub(crate) fn leaked<'a>(bytes: &[u8], secrets: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    secrets
        .into_iter()
        .filter(|s| s.chars().count() >= MIN_SECRET_LEN)
        .filter(|s| spellings(s).iter().any(|sp| text.contains(sp.as_str())))
        .map(mask)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn replaces_every_occurrence_and_ignores_short_secrets() {
        let r = Redactor::new(vec!["hunter22".into(), "ab".into(), String::new()]);
        assert_eq!(
            r.redact("pw=hunter22 again hunter22 ab"),
            "pw=<redacted> again <redacted> ab"
        );
    }

    #[test]
    fn escaped_spellings_are_replaced_too() {
        let r = Redactor::new(vec!["pa\"ss<1>".into()]);
        assert_eq!(
            r.redact(r#"{"password":"pa\"ss<1>"} pa&quot;ss&lt;1&gt; pa"ss<1>"#),
            r#"{"password":"<redacted>"} <redacted> <redacted>"#
        );
    }

    #[test]
    fn a_secret_containing_another_is_replaced_whole() {
        let r = Redactor::new(vec!["pass".into(), "password1".into()]);
        assert_eq!(r.redact("x password1 y pass"), "x <redacted> y <redacted>");
    }

    #[test]
    fn report_redaction_reaches_every_field() {
        let report = sample::report();
        let raw = serde_json::to_string(&report).unwrap();
        assert!(raw.contains(sample::SECRET));
        let red = Redactor::new(vec![sample::SECRET.into()]).report(&report);
        let text = serde_json::to_string(&red).unwrap();
        assert!(!text.contains(sample::SECRET), "{text}");
        assert!(text.contains(REDACTED));
    }

    #[test]
    fn non_finite_durations_do_not_break_redaction() {
        let mut report = sample::report();
        report.duration_s = f64::NAN;
        report.trials[0].duration_s = f64::INFINITY;
        let red = Redactor::none().report(&report);
        assert_eq!((red.duration_s, red.trials[0].duration_s), (0.0, 0.0));
    }

    #[test]
    fn scanner_finds_raw_escaped_and_archived_leaks() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "s3cr\"t<x>".to_owned();
        std::fs::write(dir.path().join("clean.txt"), "nothing here").unwrap();
        assert!(scan_dir_for_secrets(dir.path(), std::slice::from_ref(&secret)).is_empty());

        std::fs::write(dir.path().join("a.json"), r#"{"x":"s3cr\"t<x>"}"#).unwrap();
        std::fs::write(dir.path().join("b.html"), "<p>s3cr&quot;t&lt;x&gt;</p>").unwrap();
        let tgz = dir.path().join("c.tar.gz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&tgz).unwrap(),
            flate2::Compression::default(),
        );
        let mut tar = tar::Builder::new(gz);
        let data = format!("pw = {secret}");
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, "inner.txt", data.as_bytes())
            .unwrap();
        tar.into_inner().unwrap().finish().unwrap();

        let leaks = scan_dir_for_secrets(dir.path(), &[secret]);
        let names: Vec<String> = leaks
            .iter()
            .map(|(p, _)| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.json", "b.html", "c.tar.gz!/inner.txt"]);
        assert!(leaks.iter().all(|(_, m)| m == "s3… (9 chars)"), "{leaks:?}");
    }
}

//! For a terminal: each failed clause's first failure (its own trial's shrunk failure when
//! there is one; the report orders them so), standing alone: expected, observed, the minimal
//! case and the lines that reproduce it. Returns text; the binary decides where it goes.

use std::fmt::Write;

use super::model::{RunReport, Verdict};
use super::redact::Redactor;
use super::text;

pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let r = redactor.report(report);
    let mut o = String::new();
    for c in text::with_verdict(&r, Verdict::Fail) {
        let title: String = c.title.split_whitespace().collect::<Vec<_>>().join(" ");
        let excused = c
            .deviation
            .as_ref()
            .map(|d| format!(" (known deviation: {d})"))
            .unwrap_or_default();
        let _ = writeln!(o, "FAILED {}{excused}: {title}", c.id);
        let Some(f) = c.failures.first() else {
            let _ = writeln!(o, "  no failing case was recorded\n");
            continue;
        };
        let more = c.failures.len().saturating_sub(1);
        let _ = writeln!(o, "  trial:        {}", f.trial);
        let _ = writeln!(o, "  expected:     {}", one_line(&f.expected));
        let _ = writeln!(o, "  observed:     {}", one_line(&f.observed));
        let _ = writeln!(o, "  minimal case: {}", one_line(&f.minimal_case));
        if let Some(seed) = f.seed {
            let _ = writeln!(o, "  seed:         {seed:#x}");
        }
        if !f.curl.trim().is_empty() && f.curl.trim() != "-" {
            let _ = writeln!(o, "  reproduce:");
            for line in f.curl.lines() {
                let _ = writeln!(o, "    {line}");
            }
        }
        if more > 0 {
            let _ = writeln!(o, "  ({more} more failure(s) of {} in the report)", c.id);
        }
        o.push('\n');
    }
    o
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn each_failed_clause_shows_its_first_failure_redacted() {
        let t = render(
            &sample::report(),
            &Redactor::new(vec![sample::SECRET.into()]),
        );
        assert!(t.starts_with("FAILED AUTHZ-2: "), "{t}");
        for part in [
            "  expected:     403 UNAUTHORIZED",
            "  observed:     202 \"task-1\"",
            "  minimal case: valid case + FolderWithoutCreatePrivilege(group-v12)",
            "  seed:         0x2a",
            "  reproduce:\n    curl -sS -X POST",
        ] {
            assert!(t.contains(part), "{part}\n{t}");
        }
        assert!(!t.contains(sample::SECRET));
        // Passing and not exercised clauses are not listed.
        assert!(!t.contains("ACC-1") && !t.contains("BUSY-1"), "{t}");
    }
}

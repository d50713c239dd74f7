//! `report.md`: the report for people reading it in a merge request or a ticket.
//!
//! Text from the target (failure messages, curl lines) goes into fenced code blocks whose fence
//! is longer than any backtick run inside, so nothing a server answers can end the block or be
//! read as Markdown or HTML; other free text is escaped for tables and inline HTML.

use std::fmt::Write;

use super::model::{RunReport, Verdict};
use super::redact::Redactor;
use super::text;

pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let r = redactor.report(report);
    let mut o = String::new();
    header(&mut o, &r);
    matrix(&mut o, &r);
    failures(&mut o, &r);
    reasons(&mut o, &r, Verdict::NotExercisable, "Not exercisable");
    reasons(&mut o, &r, Verdict::Inconclusive, "Inconclusive");
    cleanup(&mut o, &r);
    o
}

fn header(o: &mut String, r: &RunReport) {
    o.push_str("# Snapservice restore conformance report\n\n");
    o.push_str("| | |\n|---|---|\n");
    let rows = [
        (
            "Target",
            format!("{} ({})", inline(&r.target.url), inline(&r.target.kind)),
        ),
        (
            "TLS verification",
            if r.target.insecure {
                "off (`--insecure`)".into()
            } else {
                "on".into()
            },
        ),
        ("Wire form", inline(&r.target.wire)),
        (
            "Harness",
            format!("{} {}", inline(&r.harness.name), inline(&r.harness.version)),
        ),
        ("Started", inline(&r.started_at)),
        ("Seed", r.seed.to_string()),
        ("Duration", text::duration(r.duration_s)),
        ("Strict", text::yes_no(r.strict).into()),
        ("Cases per property", r.cases_per_property.to_string()),
    ];
    for (k, v) in rows {
        let _ = writeln!(o, "| {k} | {v} |");
    }
    let _ = writeln!(o, "\n**Summary:** {}.\n", text::summary_counts(r));
    if let Some(why) = &r.interrupted {
        let _ = writeln!(
            o,
            "> **Interrupted:** {}. Clauses not reached are not passes.\n",
            inline(why)
        );
    }
    if !r.flags.is_empty() {
        o.push_str("## Flags\n\n");
        for f in &r.flags {
            let _ = writeln!(o, "- {}", inline(f));
        }
        o.push('\n');
    }
}

fn matrix(o: &mut String, r: &RunReport) {
    o.push_str("## Clause matrix\n\n| Clause | Title | Source | Verdict | Cases |\n|---|---|---|---|---:|\n");
    for c in &r.clauses {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            inline(&c.id),
            inline(&c.title),
            inline(&c.source),
            text::verdict_label(c),
            c.cases
        );
    }
    o.push('\n');
}

fn failures(o: &mut String, r: &RunReport) {
    let failing: Vec<_> = text::with_verdict(r, Verdict::Fail).collect();
    if failing.is_empty() {
        return;
    }
    o.push_str("## Failures\n\n");
    for c in failing {
        let _ = writeln!(o, "### {} — {}\n", inline(&c.id), inline(&c.title));
        if let Some(why) = &c.deviation {
            let _ = writeln!(
                o,
                "Known deviation (not counted in the exit code): {}\n",
                inline(why)
            );
        }
        if c.failures.is_empty() {
            o.push_str("No failing case was recorded for this clause.\n\n");
        }
        for (i, f) in c.failures.iter().enumerate() {
            let seed = f.seed.map(|s| format!(", seed {s}")).unwrap_or_default();
            let _ = writeln!(o, "#### Case {}: trial {}{seed}\n", i + 1, inline(&f.trial));
            block(o, "Expected", "text", &f.expected);
            block(o, "Observed", "text", &f.observed);
            block(o, "Minimal case", "text", &f.minimal_case);
            block(o, "Reproduce", "sh", &f.curl);
        }
    }
}

fn reasons(o: &mut String, r: &RunReport, verdict: Verdict, heading: &str) {
    let clauses: Vec<_> = text::with_verdict(r, verdict).collect();
    if clauses.is_empty() {
        return;
    }
    let _ = writeln!(o, "## {heading}\n");
    for c in clauses {
        let why = c.reason.as_deref().unwrap_or("no reason recorded");
        let _ = writeln!(o, "- **{}**: {}", inline(&c.id), inline(why));
    }
    o.push('\n');
}

fn cleanup(o: &mut String, r: &RunReport) {
    let c = &r.cleanup;
    o.push_str("## Cleanup\n\n");
    for (label, items) in [
        ("Created", &c.created),
        ("Removed", &c.removed),
        ("Left behind", &c.left),
    ] {
        let _ = writeln!(o, "- {label} ({})", items.len());
        for i in items {
            let _ = writeln!(o, "  - {}", inline(i));
        }
    }
}

/// A labelled fenced code block that `content` cannot close.
fn block(o: &mut String, label: &str, lang: &str, content: &str) {
    let longest = content
        .split(|ch| ch != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(
        o,
        "{label}:\n\n{fence}{lang}\n{}\n{fence}\n",
        content.trim_end()
    );
}

/// Free text for a table cell or list item: one line, no cell breaks, no live HTML.
fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '|' => out.push_str("\\|"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    fn md() -> String {
        render(
            &sample::report(),
            &Redactor::new(vec![sample::SECRET.into()]),
        )
    }

    #[test]
    fn has_header_matrix_and_every_section() {
        let m = md();
        assert!(m.contains("| Target | https://vc.lab.example:443 (remote) |"));
        assert!(m.contains("| Seed | 42 |"));
        assert!(m.contains("| Strict | no |"));
        assert!(m.contains("| Duration | 12.5 s |"));
        assert!(m.contains("**Summary:** 1 pass, 1 fail, 1 not exercisable, 1 inconclusive."));
        assert!(m.contains("| ACC-1 | A valid request"));
        assert!(m.contains("| page | pass | 64 |"));
        assert!(m.contains("| AUTHZ-2 |") && m.contains("| fail | 17 |"));
        let order = [
            "## Clause matrix",
            "## Failures",
            "## Not exercisable",
            "## Inconclusive",
            "## Cleanup",
        ];
        let pos: Vec<usize> = order
            .iter()
            .map(|h| m.find(h).unwrap_or_else(|| panic!("{h}")))
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
        assert!(m.contains("- **BUSY-1**: needs the mock's control plane"));
        assert!(m.contains("- Left behind (1)\n  - vm-1001: delete answered 500"));
    }

    #[test]
    fn failure_text_is_fenced_and_redacted() {
        let m = md();
        assert!(!m.contains(sample::SECRET));
        assert!(m.contains("Observed:\n\n```text\n202 \"task-1\" after login with password <redacted>; body echoed <script>"));
        assert!(m.contains("Reproduce:\n\n```sh\ncurl -sS -X POST"));
        assert!(m.contains("#### Case 1: trial property::authz_folder, seed 42"));
    }

    #[test]
    fn a_backtick_fence_in_content_cannot_close_the_block() {
        let mut o = String::new();
        block(&mut o, "Observed", "text", "before\n```\n# not a heading");
        assert!(o.starts_with("Observed:\n\n````text\n"), "{o}");
        assert!(o.ends_with("\n````\n\n"), "{o}");
    }

    #[test]
    fn inline_text_cannot_break_a_table_or_inject_html() {
        assert_eq!(inline("a|b\n<script>&"), "a\\|b &lt;script&gt;&amp;");
        let mut r = sample::report();
        r.clauses[2].reason = Some("<img src=x onerror=alert(1)>".into());
        let m = render(&r, &Redactor::none());
        assert!(!m.contains("<img"));
    }
}

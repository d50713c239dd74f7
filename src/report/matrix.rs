//! The clause matrix for a terminal: fixed-width columns that line up in any monospace font,
//! and a one-line summary. These return text; the binary decides where it goes.

use std::fmt::Write;

use super::model::RunReport;
use super::redact::Redactor;
use super::text;

/// Widest title shown; longer titles are cut with an ellipsis.
pub const TITLE_WIDTH: usize = 72;

/// `ID  VERDICT  CASES  TITLE`, one row per clause.
pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let r = redactor.report(report);
    let labels: Vec<String> = r.clauses.iter().map(text::verdict_label).collect();
    let id_w = r
        .clauses
        .iter()
        .map(|c| c.id.chars().count())
        .chain([6])
        .max()
        .unwrap_or(6);
    let v_w = labels
        .iter()
        .map(|l| l.chars().count())
        .chain([7])
        .max()
        .unwrap_or(7);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<id_w$}  {:<v_w$}  {:>5}  TITLE",
        "CLAUSE", "VERDICT", "CASES"
    );
    for (c, label) in r.clauses.iter().zip(&labels) {
        let title: String = c.title.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = writeln!(
            o,
            "{:<id_w$}  {:<v_w$}  {:>5}  {}",
            c.id,
            label,
            c.cases,
            truncate(&title, TITLE_WIDTH)
        );
    }
    o
}

/// `49 clauses: 40 pass, 1 fail, 5 not exercisable, 3 inconclusive (seed 42, 12.5 s)`.
pub fn summary_line(report: &RunReport) -> String {
    let mut s = format!(
        "{} clauses: {} (seed {}, {})",
        report.clauses.len(),
        text::summary_counts(report),
        report.seed,
        text::duration(report.duration_s)
    );
    if report.interrupted.is_some() {
        s.push_str(", interrupted");
    }
    if !report.flags.is_empty() {
        let _ = write!(s, ", {} flag(s): see the report", report.flags.len());
    }
    s
}

/// At most `width` characters, the last one an ellipsis when cut.
fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn columns_line_up_and_titles_are_cut() {
        let m = render(&sample::report(), &Redactor::none());
        let lines: Vec<&str> = m.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(
            lines[0].starts_with("CLAUSE   VERDICT          CASES  TITLE"),
            "{m}"
        );
        assert!(
            lines[1].starts_with("ACC-1    pass                64  A valid request"),
            "{m}"
        );
        assert!(
            lines[3].starts_with("BUSY-1   not_exercisable      0  "),
            "{m}"
        );
        let title_col = lines[0].find("TITLE").unwrap();
        for l in &lines[1..] {
            let title: String = l.chars().skip(title_col).collect();
            assert!(title.chars().count() <= TITLE_WIDTH, "{l}");
        }
        assert!(
            lines[1].ends_with('…'),
            "the long ACC-1 title is cut: {}",
            lines[1]
        );
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("äöü", 3), "äöü");
        assert_eq!(truncate("äöüß", 3), "äö…");
    }

    #[test]
    fn summary_line_has_counts_seed_and_duration() {
        let mut r = sample::report();
        assert_eq!(
            summary_line(&r),
            "4 clauses: 1 pass, 1 fail, 1 not exercisable, 1 inconclusive (seed 42, 12.5 s)"
        );
        r.interrupted = Some("Ctrl-C".into());
        r.flags.push("x".into());
        assert!(summary_line(&r).ends_with(", interrupted, 1 flag(s): see the report"));
    }
}

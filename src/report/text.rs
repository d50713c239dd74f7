//! Wording shared by the human-readable renderers, so the Markdown, HTML and terminal reports
//! say the same thing the same way.

use super::model::{ClauseReport, RunReport, Verdict};

/// The verdict as shown to people: an excused failure says so next to the verdict.
pub(super) fn verdict_label(c: &ClauseReport) -> String {
    match (c.verdict, &c.deviation) {
        (Verdict::Fail, Some(_)) => "fail (known deviation)".into(),
        (v, _) => v.as_str().into(),
    }
}

/// `1 pass, 1 fail (1 known deviation), 1 not exercisable, 1 inconclusive`.
pub(super) fn summary_counts(report: &RunReport) -> String {
    let s = &report.summary;
    let accepted = if s.accepted > 0 {
        format!(
            " ({} known deviation{})",
            s.accepted,
            if s.accepted == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    format!(
        "{} pass, {} fail{accepted}, {} not exercisable, {} inconclusive",
        s.pass, s.fail, s.not_exercisable, s.inconclusive
    )
}

/// The run's overall verdict, as its exit code has it: `fail` when a clause fails (a known
/// deviation does not count), else `inconclusive` when a clause is inconclusive, the run was
/// interrupted or nothing passed, else `pass`.
pub(super) fn overall(report: &RunReport) -> Verdict {
    if super::deviations::exit_failures(report) > 0 {
        Verdict::Fail
    } else if report.summary.inconclusive > 0
        || report.interrupted.is_some()
        || report.summary.pass == 0
    {
        Verdict::Inconclusive
    } else {
        Verdict::Pass
    }
}

/// Seconds with a precision that suits them: `0.25 s`, `12.5 s`, `3 min 20 s`.
pub(super) fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        let s = format!("{seconds:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        format!("{s} s")
    } else {
        let total = seconds.round() as u64;
        format!("{} min {} s", total / 60, total % 60)
    }
}

pub(super) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Clauses with `verdict`, in report order.
pub(super) fn with_verdict(
    report: &RunReport,
    verdict: Verdict,
) -> impl Iterator<Item = &ClauseReport> {
    report.clauses.iter().filter(move |c| c.verdict == verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0.25), "0.25 s");
        assert_eq!(duration(12.5), "12.5 s");
        assert_eq!(duration(3.0), "3 s");
        assert_eq!(duration(200.4), "3 min 20 s");
    }

    #[test]
    fn summary_mentions_known_deviations_only_when_there_are_some() {
        let mut r = crate::report::sample::report();
        assert_eq!(
            summary_counts(&r),
            "1 pass, 1 fail, 1 not exercisable, 1 inconclusive"
        );
        r.clauses[1].deviation = Some("vendor ticket 123".into());
        r.recount();
        assert_eq!(
            summary_counts(&r),
            "1 pass, 1 fail (1 known deviation), 1 not exercisable, 1 inconclusive"
        );
        assert_eq!(verdict_label(&r.clauses[1]), "fail (known deviation)");
    }
}

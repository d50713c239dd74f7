//! `junit.xml`: one test suite, one test case per trial, for CI systems that gate on JUnit.
//! A failure carries the trial's standalone message; ignored and not-run trials are skipped
//! with their reason, so a reader of the CI page sees why.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::model::{RunReport, TrialOutcome};
use super::redact::Redactor;

pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let r = redactor.report(report);
    let mut suite = TestSuite::new(r.harness.name.as_str());
    suite.set_time(secs(r.duration_s));
    for (k, v) in [
        ("target", r.target.url.clone()),
        ("target_kind", r.target.kind.clone()),
        ("harness_version", r.harness.version.clone()),
        ("seed", r.seed.to_string()),
        ("strict", r.strict.to_string()),
        ("started_at", r.started_at.clone()),
    ] {
        suite.add_property((k, v.as_str()));
    }
    for t in &r.trials {
        let status = match &t.outcome {
            TrialOutcome::Passed => TestCaseStatus::success(),
            TrialOutcome::Failed { message } => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(message.lines().next().unwrap_or_default())
                    .set_type("conformance failure")
                    .set_description(message.as_str());
                s
            }
            TrialOutcome::Ignored { reason } => skipped("ignored", reason),
            TrialOutcome::NotRun { reason } => skipped("not run", reason),
        };
        let mut case = TestCase::new(t.name.as_str(), status);
        case.set_classname(t.clauses.join(","))
            .set_time(secs(t.duration_s))
            .set_assertions(usize::try_from(t.cases).unwrap_or(usize::MAX));
        suite.add_test_case(case);
    }
    let mut report = Report::new(r.harness.name.as_str());
    report.set_time(secs(r.duration_s)).add_test_suite(suite);
    report
        .to_string()
        .expect("serializing to a String cannot fail on I/O")
}

fn skipped(kind: &str, reason: &str) -> TestCaseStatus {
    let mut s = TestCaseStatus::skipped();
    s.set_message(reason).set_type(kind);
    s
}

/// Durations from the report; a negative or non-finite value (a clock oddity) becomes zero
/// rather than a panic.
fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn one_case_per_trial_with_failures_and_skips() {
        let xml = render(
            &sample::report(),
            &Redactor::new(vec![sample::SECRET.into()]),
        );
        assert!(!xml.contains(sample::SECRET));
        assert!(!xml.contains("<script"), "markup must be escaped in XML");
        assert!(
            xml.contains("tests=\"4\"") && xml.contains("failures=\"1\""),
            "{xml}"
        );
        assert!(xml.contains("skipped=\"2\""), "{xml}");
        assert!(xml.contains("classname=\"AUTHZ-2,AUTHZ-5\""));

        let parsed = Report::deserialize_from_str(&xml).expect("junit.xml parses back");
        let suite = &parsed.test_suites[0];
        assert_eq!(parsed.test_suites.len(), 1);
        let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "property::accept",
                "property::authz_folder",
                "scenario::busy_limit",
                "scenario::post_default_name"
            ]
        );
        match &suite.test_cases[1].status {
            TestCaseStatus::NonSuccess {
                kind, description, ..
            } => {
                assert_eq!(*kind, NonSuccessKind::Failure);
                let d = description.as_ref().unwrap().as_str();
                assert!(
                    d.contains("<redacted>") && d.contains(sample::SCRIPT),
                    "{d}"
                );
            }
            other => panic!("expected a failure, got {other:?}"),
        }
        match &suite.test_cases[3].status {
            TestCaseStatus::Skipped { message, .. } => {
                assert_eq!(message.as_ref().unwrap().as_str(), "run budget spent");
            }
            other => panic!("expected a skip, got {other:?}"),
        }
    }
}

//! A hand-built report for the writers' tests: one clause of each verdict, a failure that
//! carries a secret and markup, a trial of each outcome, and a cleanup with a leftover.

use super::model::*;

/// A fixture password (from `fixtures/default.toml`) that leaks into a failure message.
pub(crate) const SECRET: &str = "Adm1n!mock-only";

/// Markup in a server's answer, which every renderer must show as text.
pub(crate) const SCRIPT: &str = "<script>alert('x')</script>";

pub(crate) fn report() -> RunReport {
    let failure = FailureReport {
        trial: "property::authz_folder".into(),
        expected: "403 UNAUTHORIZED".into(),
        observed: format!(
            "202 \"task-1\" after login with password {SECRET}; body echoed {SCRIPT} | pipe"
        ),
        minimal_case: "valid case + FolderWithoutCreatePrivilege(group-v12)".into(),
        curl: "curl -sS -X POST -H \"vmware-api-session-id: $SESSION\" --data-raw '{\"snapshot\":\"snap-42-a\"}' 'http://127.0.0.1:8443/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true'".into(),
        seed: Some(42),
    };
    let clause = |id: &str, verdict: Verdict, cases: u64| ClauseReport {
        id: id.into(),
        title: crate::clause::get(id)
            .expect("sample ids exist")
            .title
            .clone(),
        source: crate::clause::get(id)
            .expect("sample ids exist")
            .source
            .clone(),
        verdict,
        cases,
        failures: Vec::new(),
        reason: None,
        deviation: None,
    };
    let mut authz = clause("AUTHZ-2", Verdict::Fail, 17);
    authz.failures.push(failure);
    let mut busy = clause("BUSY-1", Verdict::NotExercisable, 0);
    busy.reason = Some("needs the mock's control plane (restore limits)".into());
    let mut post3 = clause("POST-3", Verdict::Inconclusive, 3);
    post3.reason =
        Some("fixture says snap-42-a was taken of `web-old`; target lists no such snapshot".into());

    let trial = |name: &str, clauses: &[&str], outcome: TrialOutcome| TrialReport {
        name: name.into(),
        clauses: clauses.iter().map(|c| (*c).to_owned()).collect(),
        outcome,
        cases: 5,
        duration_s: 0.25,
    };
    let mut r = RunReport {
        harness: Harness::default(),
        target: TargetInfo {
            url: "https://vc.lab.example:443".into(),
            kind: "remote".into(),
            insecure: false,
            wire: "rest".into(),
        },
        seed: 42,
        duration_s: 12.5,
        strict: false,
        cases_per_property: 64,
        summary: Summary::default(),
        clauses: vec![clause("ACC-1", Verdict::Pass, 64), authz, busy, post3],
        trials: vec![
            trial("property::accept", &["ACC-1"], TrialOutcome::Passed),
            trial(
                "property::authz_folder",
                &["AUTHZ-2", "AUTHZ-5"],
                TrialOutcome::Failed {
                    message: format!(
                        "AUTHZ-2: expected 403, observed 202 (password {SECRET}) {SCRIPT}"
                    ),
                },
            ),
            trial(
                "scenario::busy_limit",
                &["BUSY-1"],
                TrialOutcome::Ignored {
                    reason: "needs the mock's control plane".into(),
                },
            ),
            trial(
                "scenario::post_default_name",
                &["POST-3"],
                TrialOutcome::NotRun {
                    reason: "run budget spent".into(),
                },
            ),
        ],
        cleanup: Cleanup {
            created: vec!["vm-1000".into(), "vm-1001".into()],
            removed: vec!["vm-1000".into()],
            left: vec!["vm-1001: delete answered 500".into()],
            ..Cleanup::default()
        },
        started_at: "2026-11-28T01:56:33Z".into(),
        interrupted: None,
        flags: Vec::new(),
    };
    r.recount();
    r
}

use std::path::Path;

use super::*;
use crate::report::model::FailureReport;
use crate::report::sample;

fn parse(text: &str) -> Result<Vec<Deviation>, DeviationError> {
    parse_deviations(text, Path::new("deviations.toml"))
}

fn dev(text: &str) -> Deviation {
    parse(text).unwrap_or_else(|e| panic!("{e}")).remove(0)
}

const TODAY: Date = (2026, 11, 28);

#[test]
fn parses_clause_and_trial_entries_with_both_date_spellings() {
    let devs = parse(
        "[[deviation]]\nclause = \"INV-4\"\nreason = \"by design\"\nexpires = \"2027-03-01\"\ntarget = \"vc01\"\n\n\
         [[deviation]]\ntrial = \"property::authz_*\"\nreason = \"ticket 7\"\nexpires = 2028-02-29\n",
    )
    .unwrap();
    assert_eq!(devs.len(), 2);
    assert_eq!(devs[0].selector, Selector::Clause("INV-4".into()));
    assert_eq!(devs[0].expires, Some((2027, 3, 1)));
    assert_eq!(devs[0].target.as_deref(), Some("vc01"));
    assert_eq!(devs[0].origin, "deviations.toml:1");
    assert!(matches!(&devs[1].selector, Selector::Trial(p) if p.matches("property::authz_folder")));
    assert_eq!(devs[1].expires, Some((2028, 2, 29)));
    assert_eq!(devs[1].origin, "deviations.toml:7");
    assert!(parse("").unwrap().is_empty());
}

#[test]
fn mistakes_name_file_line_and_field() {
    let cases = [
        (
            "[[deviation]]\nclause = \"INV-4\"\nreason = \"r\"\nexpire = \"2027-01-01\"\n",
            4,
            "expire",
            "unknown field",
        ),
        (
            "[[deviation]]\nclause = \"INV-99\"\nreason = \"r\"\n",
            2,
            "deviation.clause",
            "INV-99",
        ),
        (
            "[[deviation]]\nclause = \"INV-4\"\ntrial = \"x\"\nreason = \"r\"\n",
            1,
            "deviation",
            "exactly one",
        ),
        (
            "\n[[deviation]]\nreason = \"r\"\n",
            2,
            "deviation",
            "exactly one",
        ),
        (
            "[[deviation]]\ntrial = \"a[\"\nreason = \"r\"\n",
            2,
            "deviation.trial",
            "bad glob",
        ),
        (
            "[[deviation]]\nclause = \"INV-4\"\nreason = \"  \"\n",
            3,
            "deviation.reason",
            "needs a reason",
        ),
        (
            "[[deviation]]\nclause = \"INV-4\"\nreason = \"r\"\nexpires = \"2027-02-29\"\n",
            4,
            "deviation.expires",
            "no day 29",
        ),
        (
            "[[deviation]]\nclause = \"INV-4\"\nreason = \"r\"\nexpires = \"2027-13-01\"\n",
            4,
            "deviation.expires",
            "no month 13",
        ),
        (
            "[[deviation]]\nclause = \"INV-4\"\nreason = \"r\"\nexpires = \"27-3-1\"\n",
            4,
            "deviation.expires",
            "YYYY-MM-DD",
        ),
        (
            "[[deviation]]\nclause = \"INV-4\"\nreason = \"r\"\ntarget = \"\"\n",
            4,
            "deviation.target",
            "empty target",
        ),
        (
            "[[deviation]]\nclause = \"INV-4\"\n",
            1,
            "deviation",
            "missing field `reason`",
        ),
    ];
    for (text, line, field, msg) in cases {
        let e = parse(text).expect_err(text);
        assert_eq!(e.file, "deviations.toml", "{text}");
        assert_eq!(e.line, line, "{text}: {e}");
        assert!(e.field.contains(field), "{text}: {e}");
        assert!(e.message.contains(msg), "{text}: {e}");
    }
}

#[test]
fn dates_are_validated_by_hand() {
    assert_eq!(parse_date("2024-02-29"), Ok((2024, 2, 29)));
    assert_eq!(parse_date("2000-02-29"), Ok((2000, 2, 29)));
    assert!(parse_date("1900-02-29").is_err());
    assert!(parse_date("2027-04-31").is_err());
    assert!(parse_date("2027-00-10").is_err());
    assert!(parse_date("2027-1-010").is_err());
    assert!(parse_date("+027-01-01").is_err());
    assert!(parse_date("2027-01-01T00:00:00Z").is_err());
}

#[test]
fn civil_dates_from_epoch_days() {
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
    assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    assert!(today_utc().0 >= 2025);
}

#[test]
fn a_live_clause_deviation_excuses_the_failure_but_keeps_the_verdict() {
    let mut r = sample::report();
    assert_eq!(exit_failures(&r), 1);
    apply_deviations(
        &mut r,
        &[dev(
            "[[deviation]]\nclause = \"AUTHZ-2\"\nreason = \"ticket 9\"\nexpires = \"2026-11-29\"\n",
        )],
        TODAY,
    );
    assert_eq!(r.clauses[1].verdict, Verdict::Fail);
    assert_eq!(r.clauses[1].deviation.as_deref(), Some("ticket 9"));
    assert_eq!((r.summary.fail, r.summary.accepted), (1, 1));
    assert_eq!(exit_failures(&r), 0);
    assert!(r.flags.is_empty(), "{:?}", r.flags);
}

#[test]
fn an_expired_deviation_has_no_effect_and_is_flagged() {
    let mut r = sample::report();
    // Expiry day itself: no longer live.
    apply_deviations(
        &mut r,
        &[dev(
            "[[deviation]]\nclause = \"AUTHZ-2\"\nreason = \"ticket 9\"\nexpires = \"2026-11-28\"\n",
        )],
        TODAY,
    );
    assert_eq!(r.clauses[1].deviation, None);
    assert_eq!(exit_failures(&r), 1);
    assert_eq!(r.summary.accepted, 0);
    assert_eq!(r.flags.len(), 1);
    assert!(
        r.flags[0].contains("AUTHZ-2") && r.flags[0].contains("expired on 2026-11-28"),
        "{:?}",
        r.flags
    );
}

#[test]
fn a_deviation_for_a_passing_clause_is_flagged() {
    let mut r = sample::report();
    apply_deviations(
        &mut r,
        &[dev(
            "[[deviation]]\nclause = \"ACC-1\"\nreason = \"old bug\"\n",
        )],
        TODAY,
    );
    assert_eq!(
        r.flags,
        ["deviation for ACC-1 (deviations.toml:1) is no longer needed: the clause passes"]
    );
    assert_eq!(r.clauses[0].deviation, None);
    // Not exercised says nothing either way, and an unreported clause is pointed out.
    let mut r = sample::report();
    apply_deviations(
        &mut r,
        &[
            dev("[[deviation]]\nclause = \"BUSY-1\"\nreason = \"r\"\n"),
            dev("[[deviation]]\nclause = \"INV-4\"\nreason = \"r\"\n"),
        ],
        TODAY,
    );
    assert_eq!(r.flags.len(), 1);
    assert!(r.flags[0].contains("INV-4") && r.flags[0].contains("did not report"));
}

#[test]
fn a_deviation_for_another_target_is_ignored() {
    let mut r = sample::report();
    apply_deviations(
        &mut r,
        &[dev(
            "[[deviation]]\nclause = \"AUTHZ-2\"\nreason = \"r\"\ntarget = \"vc02\"\n",
        )],
        TODAY,
    );
    assert_eq!(exit_failures(&r), 1);
    assert!(r.flags.is_empty());
    apply_deviations(
        &mut r,
        &[dev(
            "[[deviation]]\nclause = \"AUTHZ-2\"\nreason = \"r\"\ntarget = \"vc.lab\"\n",
        )],
        TODAY,
    );
    assert_eq!(exit_failures(&r), 0);
}

#[test]
fn trial_deviations_excuse_a_clause_only_when_they_cover_every_failure() {
    let authz = dev("[[deviation]]\ntrial = \"property::authz_*\"\nreason = \"ticket 7\"\n");
    let mut r = sample::report();
    apply_deviations(&mut r, std::slice::from_ref(&authz), TODAY);
    assert_eq!(r.clauses[1].deviation.as_deref(), Some("ticket 7"));
    assert_eq!(exit_failures(&r), 0);

    let mut r = sample::report();
    let mut other = r.clauses[1].failures[0].clone();
    other.trial = "scenario::folder_denied".into();
    r.clauses[1].failures.push(FailureReport { ..other });
    apply_deviations(&mut r, &[authz], TODAY);
    assert_eq!(r.clauses[1].deviation, None);
    assert_eq!(exit_failures(&r), 1);
}

#[test]
fn trial_deviations_that_excuse_nothing_are_flagged() {
    let mut r = sample::report();
    apply_deviations(
        &mut r,
        &[
            dev("[[deviation]]\ntrial = \"property::accept\"\nreason = \"r\"\n"),
            dev("[[deviation]]\ntrial = \"nothing::*\"\nreason = \"r\"\n"),
        ],
        TODAY,
    );
    assert_eq!(r.flags.len(), 2, "{:?}", r.flags);
    assert!(r.flags[0].contains("every matching trial passes"));
    assert!(r.flags[1].contains("matches no trial"));
    assert_eq!(exit_failures(&r), 1);
}

#[test]
fn applying_twice_does_not_duplicate_reasons_or_flags() {
    let devs = [
        dev("[[deviation]]\nclause = \"AUTHZ-2\"\nreason = \"ticket 9\"\n"),
        dev("[[deviation]]\nclause = \"ACC-1\"\nreason = \"old\"\n"),
    ];
    let mut r = sample::report();
    apply_deviations(&mut r, &devs, TODAY);
    apply_deviations(&mut r, &devs, TODAY);
    assert_eq!(r.clauses[1].deviation.as_deref(), Some("ticket 9"));
    assert_eq!(r.flags.len(), 1);
}

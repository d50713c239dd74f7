//! Known deviations: failures a vendor has declared and explained, so that a known, accepted
//! difference does not fail every CI run, while the report still shows it as a failure.
//!
//! ```toml
//! [[deviation]]
//! clause = "INV-4"                 # or: trial = "property::authz_*" (a glob over trial names)
//! reason = "accepted by design: restores of a sibling VM's snapshot are allowed (ticket 123)"
//! expires = "2027-03-01"           # optional; from this day on the entry has no effect
//! target = "vc01.lab"              # optional; only for targets whose URL contains this
//! ```
//!
//! An entry that excuses nothing any more is flagged (its clause passes, or its trials pass),
//! and so is an expired one: a deviation list only shrinks if someone is told it can
//! (`design.md`, style 4).

use std::path::Path;

use serde::Deserialize;
use serde_spanned::Spanned;

use super::model::{RunReport, TrialOutcome, Verdict};

/// A calendar date as `(year, month, day)`.
pub type Date = (i32, u32, u32);

/// A mistake in the deviations file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct DeviationError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// What a deviation covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// Every failure of this clause.
    Clause(String),
    /// Failures found by trials whose names match this pattern.
    Trial(glob::Pattern),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    pub selector: Selector,
    pub reason: String,
    /// The first day the entry no longer applies.
    pub expires: Option<Date>,
    /// Applies only to targets whose URL contains this.
    pub target: Option<String>,
    /// `file:line` of the entry, for flags that point the reader at it.
    pub origin: String,
}

impl Deviation {
    fn describe(&self) -> String {
        match &self.selector {
            Selector::Clause(c) => format!("deviation for {c} ({})", self.origin),
            Selector::Trial(p) => {
                format!("deviation for trials `{}` ({})", p.as_str(), self.origin)
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviationsFile {
    #[serde(default)]
    deviation: Vec<Spanned<DeviationDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviationDef {
    #[serde(default)]
    clause: Option<Spanned<String>>,
    #[serde(default)]
    trial: Option<Spanned<String>>,
    reason: Spanned<String>,
    #[serde(default)]
    expires: Option<Spanned<DateValue>>,
    #[serde(default)]
    target: Option<Spanned<String>>,
}

/// `expires = "2027-03-01"` and the bare TOML date `expires = 2027-03-01` mean the same.
#[derive(Deserialize)]
#[serde(untagged)]
enum DateValue {
    Text(String),
    Date(toml::value::Datetime),
}

pub fn load_deviations(path: &Path) -> Result<Vec<Deviation>, DeviationError> {
    let text = std::fs::read_to_string(path).map_err(|e| DeviationError {
        file: path.display().to_string(),
        line: 0,
        field: "-".into(),
        message: format!("cannot read deviations file: {e}"),
    })?;
    parse_deviations(&text, path)
}

/// Parses deviations text; `path` only names the file in errors.
pub fn parse_deviations(text: &str, path: &Path) -> Result<Vec<Deviation>, DeviationError> {
    let file = path.display().to_string();
    let err = |span: std::ops::Range<usize>, field: &str, message: String| DeviationError {
        file: file.clone(),
        line: line_of(text, span.start),
        field: field.to_owned(),
        message,
    };
    let raw: DeviationsFile = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let field = text
            .get(span.clone())
            .and_then(|s| s.lines().next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("-");
        err(span.clone(), field, e.message().trim().to_owned())
    })?;
    let mut out = Vec::new();
    for entry in raw.deviation {
        let at = entry.span();
        let d = entry.into_inner();
        let selector = match (d.clause, d.trial) {
            (Some(c), None) => {
                crate::clause::require(c.get_ref(), "a deviations file")
                    .map_err(|e| err(c.span(), "deviation.clause", e.to_string()))?;
                Selector::Clause(c.into_inner())
            }
            (None, Some(t)) => Selector::Trial(glob::Pattern::new(t.get_ref()).map_err(|e| {
                err(
                    t.span(),
                    "deviation.trial",
                    format!("bad glob pattern: {e}"),
                )
            })?),
            _ => {
                return Err(err(
                    at,
                    "deviation",
                    "needs exactly one of `clause` or `trial`".into(),
                ));
            }
        };
        if d.reason.get_ref().trim().is_empty() {
            return Err(err(
                d.reason.span(),
                "deviation.reason",
                "a deviation needs a reason".into(),
            ));
        }
        let expires = match d.expires {
            None => None,
            Some(e) => {
                let text = match e.get_ref() {
                    DateValue::Text(s) => s.clone(),
                    DateValue::Date(dt) => dt.to_string(),
                };
                Some(
                    parse_date(&text)
                        .map_err(|m| err(e.span(), "deviation.expires", m.to_string()))?,
                )
            }
        };
        if let Some(t) = &d.target
            && t.get_ref().is_empty()
        {
            return Err(err(
                t.span(),
                "deviation.target",
                "an empty target matches every URL; leave it out instead".into(),
            ));
        }
        out.push(Deviation {
            selector,
            reason: d.reason.into_inner(),
            expires,
            target: d.target.map(Spanned::into_inner),
            origin: format!("{file}:{}", line_of(text, at.start)),
        });
    }
    Ok(out)
}

/// A date that is not a real `YYYY-MM-DD` day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadDate {
    #[error("`{0}` is not a date of the form YYYY-MM-DD")]
    Form(String),
    #[error("`{text}`: there is no month {month}")]
    Month { text: String, month: u32 },
    #[error("`{text}`: month {month} of {year} has no day {day}")]
    Day {
        text: String,
        year: i32,
        month: u32,
        day: u32,
    },
}

/// Parses `YYYY-MM-DD`, checking that the day exists.
pub fn parse_date(s: &str) -> Result<Date, BadDate> {
    let bad = || BadDate::Form(s.to_owned());
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return Err(bad());
    }
    let year: i32 = s[0..4].parse().map_err(|_| bad())?;
    let month: u32 = s[5..7].parse().map_err(|_| bad())?;
    let day: u32 = s[8..10].parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) {
        return Err(BadDate::Month {
            text: s.to_owned(),
            month,
        });
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(BadDate::Day {
            text: s.to_owned(),
            year,
            month,
            day,
        });
    }
    Ok((year, month, day))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Today's date in UTC from the system clock (for `apply_deviations`).
pub fn today_utc() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_from_days((secs / 86_400) as i64)
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's published
/// `civil_from_days` algorithm).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

fn fmt_date((y, m, d): Date) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// Marks failing clauses that a live deviation covers (`ClauseReport::deviation`), flags
/// deviations that expired or are no longer needed, and recounts the summary. Verdicts are not
/// changed. Entries whose `target` does not match this run's URL are skipped silently: they
/// belong to another lab.
pub fn apply_deviations(report: &mut RunReport, devs: &[Deviation], today: Date) {
    let mut flags = Vec::new();
    let mut live_trials: Vec<&Deviation> = Vec::new();
    for d in devs {
        if d.target
            .as_ref()
            .is_some_and(|t| !report.target.url.contains(t.as_str()))
        {
            continue;
        }
        if let Some(exp) = d.expires
            && today >= exp
        {
            flags.push(format!(
                "{} expired on {}; it no longer excuses anything (reason was: {})",
                d.describe(),
                fmt_date(exp),
                d.reason
            ));
            continue;
        }
        match &d.selector {
            Selector::Clause(id) => {
                let Some(c) = report.clauses.iter_mut().find(|c| &c.id == id) else {
                    flags.push(format!(
                        "{} names a clause this run did not report",
                        d.describe()
                    ));
                    continue;
                };
                match c.verdict {
                    Verdict::Fail => add_reason(&mut c.deviation, &d.reason),
                    Verdict::Pass => flags.push(format!(
                        "{} is no longer needed: the clause passes",
                        d.describe()
                    )),
                    Verdict::NotExercisable | Verdict::Inconclusive => {}
                }
            }
            Selector::Trial(p) => {
                let matching: Vec<_> = report
                    .trials
                    .iter()
                    .filter(|t| p.matches(&t.name))
                    .collect();
                if matching.is_empty() {
                    flags.push(format!("{} matches no trial of this run", d.describe()));
                } else if matching.iter().all(|t| t.outcome == TrialOutcome::Passed) {
                    flags.push(format!(
                        "{} is no longer needed: every matching trial passes",
                        d.describe()
                    ));
                }
                live_trials.push(d);
            }
        }
    }
    // A clause is excused by trial deviations only when every one of its failures came from a
    // covered trial: one uncovered failure is a real failure.
    for c in report
        .clauses
        .iter_mut()
        .filter(|c| c.verdict == Verdict::Fail)
    {
        if c.failures.is_empty() {
            continue;
        }
        let mut reasons = Vec::new();
        let all_covered = c.failures.iter().all(|f| {
            let hit = live_trials.iter().find(|d| match &d.selector {
                Selector::Trial(p) => p.matches(&f.trial),
                Selector::Clause(_) => false,
            });
            if let Some(d) = hit {
                reasons.push(d.reason.as_str());
            }
            hit.is_some()
        });
        if all_covered {
            reasons.dedup();
            for r in reasons {
                add_reason(&mut c.deviation, r);
            }
        }
    }
    for f in flags {
        if !report.flags.contains(&f) {
            report.flags.push(f);
        }
    }
    report.recount();
}

fn add_reason(slot: &mut Option<String>, reason: &str) {
    match slot {
        Some(s) if s.split("; ").any(|r| r == reason) => {}
        Some(s) => {
            s.push_str("; ");
            s.push_str(reason);
        }
        None => *slot = Some(reason.to_owned()),
    }
}

/// Failing clauses not covered by a live deviation: what decides exit code 1.
pub fn exit_failures(report: &RunReport) -> usize {
    report
        .clauses
        .iter()
        .filter(|c| c.verdict == Verdict::Fail && c.deviation.is_none())
        .count()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests;

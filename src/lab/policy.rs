//! The lab policy of a run: restore budget, pacing, task patience, concurrency, drain time.
//! Two sets of defaults (the embedded mock, a remote target), then `SNAPCONF_*` variables
//! (`cargo test`) or flags (`certify`) override single values. Both drivers build one
//! `LabPolicy`, so `cargo test` and `certify` follow the same lab rules.

use std::time::Duration;

use super::poll::PollPlan;

/// Restores a remote run may start by default: enough for every clause that needs an accepted
/// restore to get a few, small enough for an afternoon in a lab whose restores take minutes.
pub const REMOTE_MAX_RESTORES: u32 = 40;
/// Requests per second against a remote target by default: gentle on a shared appliance.
pub const REMOTE_RATE: f64 = 5.0;
/// How long a remote task may run before it counts as never ending (real restores copy disks).
pub const REMOTE_TASK_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Per-request timeout against a remote target (an appliance under load answers slowly).
pub const REMOTE_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the first Ctrl-C waits for started tasks before cleaning up.
pub const REMOTE_DRAIN_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Concurrent restores when the fixture does not state the restore limit.
pub const DEFAULT_CONCURRENT_RESTORES: u32 = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct LabPolicy {
    /// Restores the run may start; `None` is unlimited (the embedded mock).
    pub max_restores: Option<u32>,
    /// Requests per second; `None` is unpaced.
    pub rate: Option<f64>,
    /// How long a task is followed before it counts as never ending (ACC-2).
    pub task_timeout: Duration,
    pub poll: PollPlan,
    /// Accepted restores in flight at once.
    pub max_concurrent_restores: u32,
    /// After the first Ctrl-C, how long started tasks are followed before cleanup.
    pub drain_timeout: Duration,
    /// Per request.
    pub request_timeout: Duration,
    /// After this many tasks outlived `task_timeout`, later tasks are judged from one poll.
    /// Only the embedded mock has it: there a task that outlives seconds never ends, while a
    /// real task may just be slow.
    pub stall_shortcut: Option<u64>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("{name}={value:?}: {why}")]
    BadValue {
        name: String,
        value: String,
        why: String,
    },
}

impl LabPolicy {
    /// The embedded mock: tasks end in milliseconds, nothing is shared, nothing is paced.
    pub fn embedded() -> LabPolicy {
        LabPolicy {
            max_restores: None,
            rate: None,
            task_timeout: Duration::from_secs(2),
            poll: PollPlan::embedded(),
            max_concurrent_restores: u32::MAX,
            drain_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            stall_shortcut: Some(3),
        }
    }

    /// A remote target (a lab, or `mock` run as a separate process): frugal and patient.
    /// `restore_limit` is the fixture's stated limit, if it states one.
    pub fn remote(restore_limit: Option<u32>) -> LabPolicy {
        LabPolicy {
            max_restores: Some(REMOTE_MAX_RESTORES),
            rate: Some(REMOTE_RATE),
            task_timeout: REMOTE_TASK_TIMEOUT,
            poll: PollPlan::remote(),
            max_concurrent_restores: restore_limit
                .filter(|n| *n > 0)
                .unwrap_or(DEFAULT_CONCURRENT_RESTORES),
            drain_timeout: REMOTE_DRAIN_TIMEOUT,
            request_timeout: REMOTE_REQUEST_TIMEOUT,
            stall_shortcut: None,
        }
    }

    /// Applies the `SNAPCONF_*` variables that mirror `certify`'s flags, read through `var`
    /// (the process environment in `cargo test`, a map in tests).
    pub fn apply_vars(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), PolicyError> {
        if let Some(v) = var("SNAPCONF_MAX_RESTORES") {
            self.max_restores = parse_limit("SNAPCONF_MAX_RESTORES", &v)?;
        }
        if let Some(v) = var("SNAPCONF_RATE") {
            self.rate = parse_rate("SNAPCONF_RATE", &v)?;
        }
        if let Some(v) = var("SNAPCONF_TASK_TIMEOUT") {
            self.task_timeout = parse_duration("SNAPCONF_TASK_TIMEOUT", &v)?;
        }
        if let Some(v) = var("SNAPCONF_POLL_INTERVAL") {
            self.poll = parse_poll("SNAPCONF_POLL_INTERVAL", &v)?;
        }
        if let Some(v) = var("SNAPCONF_MAX_CONCURRENT_RESTORES") {
            self.max_concurrent_restores =
                match parse_limit("SNAPCONF_MAX_CONCURRENT_RESTORES", &v)? {
                    Some(0) | None => u32::MAX,
                    Some(n) => n,
                };
        }
        if let Some(v) = var("SNAPCONF_DRAIN_TIMEOUT") {
            self.drain_timeout = parse_duration("SNAPCONF_DRAIN_TIMEOUT", &v)?;
        }
        if let Some(v) = var("SNAPCONF_TIMEOUT") {
            self.request_timeout = parse_duration("SNAPCONF_TIMEOUT", &v)?;
        }
        Ok(())
    }
}

fn bad(name: &str, value: &str, why: impl Into<String>) -> PolicyError {
    PolicyError::BadValue {
        name: name.to_owned(),
        value: value.to_owned(),
        why: why.into(),
    }
}

/// A count, or `unlimited`.
pub fn parse_limit(name: &str, v: &str) -> Result<Option<u32>, PolicyError> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| bad(name, v, "expected a whole number or `unlimited`"))
}

/// Requests per second (a positive number), or `unlimited`.
pub fn parse_rate(name: &str, v: &str) -> Result<Option<f64>, PolicyError> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    match v.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(Some(r)),
        _ => Err(bad(
            name,
            v,
            "expected requests per second above 0, or `unlimited`",
        )),
    }
}

pub fn parse_duration(name: &str, v: &str) -> Result<Duration, PolicyError> {
    humantime::parse_duration(v.trim()).map_err(|e| bad(name, v, e.to_string()))
}

/// `2s` (a fixed interval) or `2s..15s` (from a floor, backing off to a ceiling).
pub fn parse_poll(name: &str, v: &str) -> Result<PollPlan, PolicyError> {
    let (floor, ceiling) = match v.split_once("..") {
        Some((a, b)) => (parse_duration(name, a)?, parse_duration(name, b)?),
        None => {
            let d = parse_duration(name, v)?;
            (d, d)
        }
    };
    if floor.is_zero() || ceiling < floor {
        return Err(bad(
            name,
            v,
            "the floor must be above 0 and at most the ceiling",
        ));
    }
    Ok(PollPlan { floor, ceiling })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn remote_defaults_are_frugal_and_patient() {
        let p = LabPolicy::remote(Some(3));
        assert_eq!(p.max_restores, Some(REMOTE_MAX_RESTORES));
        assert_eq!(p.max_concurrent_restores, 3);
        assert_eq!(p.task_timeout, Duration::from_secs(1800));
        assert_eq!(p.poll.floor, Duration::from_secs(2));
        assert_eq!(p.stall_shortcut, None);
        assert_eq!(LabPolicy::remote(None).max_concurrent_restores, 2);
        assert_eq!(LabPolicy::embedded().max_restores, None);
    }

    #[test]
    fn variables_override_single_values() {
        let mut p = LabPolicy::remote(None);
        p.apply_vars(vars(&[
            ("SNAPCONF_MAX_RESTORES", "12"),
            ("SNAPCONF_RATE", "unlimited"),
            ("SNAPCONF_POLL_INTERVAL", "100ms..2s"),
            ("SNAPCONF_TASK_TIMEOUT", "90s"),
        ]))
        .unwrap();
        assert_eq!(p.max_restores, Some(12));
        assert_eq!(p.rate, None);
        assert_eq!(p.poll.floor, Duration::from_millis(100));
        assert_eq!(p.poll.ceiling, Duration::from_secs(2));
        assert_eq!(p.task_timeout, Duration::from_secs(90));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let mut p = LabPolicy::remote(None);
        let e = p
            .apply_vars(vars(&[("SNAPCONF_RATE", "-1")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("SNAPCONF_RATE") && e.contains("-1"), "{e}");
        let e = p
            .apply_vars(vars(&[("SNAPCONF_POLL_INTERVAL", "5s..1s")]))
            .unwrap_err();
        assert!(e.to_string().contains("ceiling"), "{e}");
        assert!(parse_limit("X", "ten").is_err());
    }
}

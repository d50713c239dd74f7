//! `certify`'s lab flags: the restore budget, pacing, task patience, concurrency, drain time
//! and the request timeout. Unset flags keep the defaults of the target's kind
//! (`LabPolicy::embedded()` or `remote()`); the `SNAPCONF_*` variables mirror them for
//! `cargo test`.

use std::time::Duration;

use clap::Args;

use crate::lab::LabPolicy;
use crate::lab::policy::{parse_limit, parse_poll, parse_rate};
use crate::lab::poll::PollPlan;
use crate::suite::SuiteConfig;

/// A count or `unlimited` (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(pub Option<u32>);

/// Requests per second or `unlimited` (`None`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate(pub Option<f64>);

fn limit(v: &str) -> Result<Limit, String> {
    parse_limit("value", v)
        .map(Limit)
        .map_err(|e| e.to_string())
}

fn rate(v: &str) -> Result<Rate, String> {
    parse_rate("value", v).map(Rate).map_err(|e| e.to_string())
}

fn poll(v: &str) -> Result<PollPlan, String> {
    parse_poll("value", v).map_err(|e| e.to_string())
}

#[derive(Debug, Args, Clone, Default)]
pub struct LabArgs {
    /// Restores (requests that may create a VM) the run may send, or `unlimited` [default: 40
    /// against a remote target, unlimited on the embedded mock]. Trials that do not fit are
    /// reported not run.
    #[arg(long, value_name = "N|unlimited", value_parser = limit)]
    pub max_restores: Option<Limit>,
    /// Requests per second to a remote target, or `unlimited` [default: 5].
    #[arg(long, value_name = "R|unlimited", value_parser = rate)]
    pub rate: Option<Rate>,
    /// How long a task may run before ACC-2 fails [default: 30m remote, 2s embedded].
    #[arg(long, value_parser = humantime::parse_duration)]
    pub task_timeout: Option<Duration>,
    /// Task polling: a fixed interval (`2s`) or a floor backing off to a ceiling (`2s..15s`)
    /// [default: 2s..15s remote].
    #[arg(long, value_name = "D|D..D", value_parser = poll)]
    pub poll_interval: Option<PollPlan>,
    /// Accepted restores in flight at once against a remote target [default: the fixture's
    /// restore limit].
    #[arg(long, value_name = "N|unlimited", value_parser = limit)]
    pub max_concurrent_restores: Option<Limit>,
    /// After the first Ctrl-C, how long started tasks are followed before cleanup [default:
    /// 10m remote].
    #[arg(long, value_parser = humantime::parse_duration)]
    pub drain_timeout: Option<Duration>,
    /// Per-request timeout (e.g. 10s, 500ms) [default: 10s embedded, 60s remote].
    #[arg(long, value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
}

impl LabArgs {
    /// The policy for the target kind with the flags applied, into `c` (whose `target` is
    /// already set).
    pub fn apply(&self, c: &mut SuiteConfig) {
        let mut p = match c.target {
            Some(_) => LabPolicy::remote(None),
            None => LabPolicy::embedded(),
        };
        if let Some(Limit(n)) = self.max_restores {
            p.max_restores = n;
        }
        if let Some(Rate(r)) = self.rate {
            p.rate = r;
        }
        if let Some(d) = self.task_timeout {
            p.task_timeout = d;
        }
        if let Some(plan) = self.poll_interval {
            p.poll = plan;
        }
        if let Some(Limit(n)) = self.max_concurrent_restores {
            p.max_concurrent_restores = n.filter(|n| *n > 0).unwrap_or(u32::MAX);
        }
        if let Some(d) = self.drain_timeout {
            p.drain_timeout = d;
        }
        if let Some(d) = self.timeout {
            p.request_timeout = d;
        }
        c.concurrency_explicit = self.max_concurrent_restores.is_some();
        c.lab = p;
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        lab: LabArgs,
    }

    #[test]
    fn flags_override_the_target_kinds_defaults() {
        let t = T::try_parse_from([
            "t",
            "--max-restores",
            "8",
            "--rate",
            "unlimited",
            "--poll-interval",
            "10ms..50ms",
            "--timeout",
            "3s",
        ])
        .unwrap();
        let mut c = SuiteConfig::new();
        c.target = Some("http://127.0.0.1:1".into());
        t.lab.apply(&mut c);
        assert_eq!(c.lab.max_restores, Some(8));
        assert_eq!(c.lab.rate, None);
        assert_eq!(c.lab.poll.ceiling, Duration::from_millis(50));
        assert_eq!(c.lab.request_timeout, Duration::from_secs(3));
        assert_eq!(c.lab.task_timeout, LabPolicy::remote(None).task_timeout);
        assert!(!c.concurrency_explicit);
        let mut e = SuiteConfig::new();
        T::try_parse_from(["t"]).unwrap().lab.apply(&mut e);
        assert_eq!(e.lab, LabPolicy::embedded());
    }

    #[test]
    fn bad_values_are_refused() {
        for args in [
            ["t", "--max-restores", "many"],
            ["t", "--rate", "0"],
            ["t", "--poll-interval", "5s..1s"],
        ] {
            assert!(T::try_parse_from(args).is_err(), "{args:?}");
        }
    }
}

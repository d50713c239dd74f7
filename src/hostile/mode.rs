//! The ways a hostile target misbehaves, by name.

use std::fmt;
use std::str::FromStr;

/// One way a target can misbehave. Each mode is a server that is wrong on purpose, so the
/// harness can be shown to turn it into a clear observation (never a panic, a hang or
/// unbounded memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostileMode {
    Garbage,
    Truncated,
    Reset,
    SlowDrip,
    Silent,
    HugeBody,
    WrongLength,
    UnresolvableTask,
    HtmlErrors,
    BadTls,
}

/// A mode name that names no mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown hostile mode `{given}` (known: {known})")]
pub struct UnknownHostileMode {
    pub given: String,
    pub known: String,
}

impl HostileMode {
    /// Every mode, in declaration order.
    pub fn all() -> &'static [HostileMode] {
        use HostileMode::*;
        &[
            Garbage,
            Truncated,
            Reset,
            SlowDrip,
            Silent,
            HugeBody,
            WrongLength,
            UnresolvableTask,
            HtmlErrors,
            BadTls,
        ]
    }

    /// The kebab-case name used on command lines and in reports.
    pub fn name(self) -> &'static str {
        match self {
            HostileMode::Garbage => "garbage",
            HostileMode::Truncated => "truncated",
            HostileMode::Reset => "reset",
            HostileMode::SlowDrip => "slow-drip",
            HostileMode::Silent => "silent",
            HostileMode::HugeBody => "huge-body",
            HostileMode::WrongLength => "wrong-length",
            HostileMode::UnresolvableTask => "unresolvable-task",
            HostileMode::HtmlErrors => "html-errors",
            HostileMode::BadTls => "bad-tls",
        }
    }

    /// The mode with this kebab-case name.
    pub fn parse(name: &str) -> Result<HostileMode, UnknownHostileMode> {
        HostileMode::all()
            .iter()
            .copied()
            .find(|m| m.name() == name)
            .ok_or_else(|| UnknownHostileMode {
                given: name.to_owned(),
                known: HostileMode::all()
                    .iter()
                    .map(|m| m.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// What the server does, in one sentence.
    pub fn description(self) -> &'static str {
        match self {
            HostileMode::Garbage => {
                "Reads the request, answers with pseudo-random bytes that are not HTTP, then closes."
            }
            HostileMode::Truncated => {
                "Answers 400 with Content-Length 500 but sends only 20 body bytes, then closes."
            }
            HostileMode::Reset => {
                "Sends a status line and some headers, then aborts the connection with a TCP RST."
            }
            HostileMode::SlowDrip => "Sends a valid 202 task response one byte per second.",
            HostileMode::Silent => "Accepts the connection and never answers.",
            HostileMode::HugeBody => {
                "Answers 202 with a 100 MB JSON string body, generated while it is sent."
            }
            HostileMode::WrongLength => {
                "Alternates per request: Content-Length smaller than the body (even requests), \
                 then larger than the body followed by a close (odd requests)."
            }
            HostileMode::UnresolvableTask => {
                "A plausible vCenter: login 201, restore 202 with a task id, but every task GET \
                 answers 404 NOT_FOUND and every other request 404 too."
            }
            HostileMode::HtmlErrors => "Answers every request 500 with an HTML page.",
            HostileMode::BadTls => {
                "HTTPS with a self-signed certificate for wrong.example; behind it, the \
                 unresolvable-task vCenter."
            }
        }
    }

    /// Whether the server speaks TLS (its base URL is `https://`).
    pub fn is_tls(self) -> bool {
        self == HostileMode::BadTls
    }
}

impl fmt::Display for HostileMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HostileMode {
    type Err = UnknownHostileMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HostileMode::parse(s)
    }
}

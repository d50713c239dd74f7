//! Monotonic time for decisions, wall-clock time for display. Task and session times are kept as
//! `Instant`s (immune to clock changes) and shown as RFC 3339 by offsetting one wall-clock
//! reading taken at start.

use std::time::{Instant, SystemTime};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
    wall: SystemTime,
}

impl Clock {
    pub fn new() -> Clock {
        Clock {
            start: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    /// RFC 3339 with milliseconds, e.g. `2026-11-28T01:56:33.170Z`.
    pub fn rfc3339(&self, t: Instant) -> String {
        let wall = self.wall + t.saturating_duration_since(self.start);
        humantime::format_rfc3339_millis(wall).to_string()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_rfc3339_millis_in_order() {
        let c = Clock::new();
        let now = Instant::now();
        let a = c.rfc3339(now);
        let b = c.rfc3339(now + Duration::from_millis(1500));
        assert_eq!(a.len(), "2026-11-28T01:56:33.170Z".len(), "{a}");
        assert!(a.ends_with('Z') && a < b, "{a} {b}");
        assert!(humantime::parse_rfc3339(&b).is_ok());
    }
}

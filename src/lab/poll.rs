//! How a task is polled: from a floor, doubling to a ceiling. The embedded mock ends tasks in
//! milliseconds; a real restore takes minutes, and polling one every millisecond would be
//! thousands of needless requests.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPlan {
    pub floor: Duration,
    pub ceiling: Duration,
}

impl PollPlan {
    pub fn embedded() -> PollPlan {
        PollPlan {
            floor: Duration::from_millis(1),
            ceiling: Duration::from_secs(1),
        }
    }

    /// Broadcom's samples poll every few seconds; backing off to 15 s keeps a long restore at
    /// a handful of requests per minute.
    pub fn remote() -> PollPlan {
        PollPlan {
            floor: Duration::from_secs(2),
            ceiling: Duration::from_secs(15),
        }
    }

    /// The wait before poll number `n` (0 = before the second poll).
    pub fn wait(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n.min(31)).unwrap_or(u32::MAX);
        self.floor.saturating_mul(factor).min(self.ceiling)
    }

    /// Polls a task of `duration` costs at most (for `--dry-run`'s estimate).
    pub fn polls_for(&self, duration: Duration) -> u64 {
        let mut t = Duration::ZERO;
        let mut n = 0u32;
        while t < duration && n < 100_000 {
            t += self.wait(n);
            n += 1;
        }
        u64::from(n) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_floor_to_ceiling() {
        let p = PollPlan::remote();
        let w: Vec<u64> = (0..6).map(|n| p.wait(n).as_secs()).collect();
        assert_eq!(w, vec![2, 4, 8, 15, 15, 15]);
        assert_eq!(p.wait(1_000), Duration::from_secs(15));
    }

    #[test]
    fn a_three_minute_restore_costs_a_few_polls() {
        let n = PollPlan::remote().polls_for(Duration::from_secs(180));
        assert!((10..=20).contains(&n), "{n}");
    }
}

//! Request pacing: at most `rate` requests per second against a remote target, spread evenly
//! (each request is given the next free slot), shared by every trial and task poll of the run.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub struct Pacer {
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// `None` does not pace.
    pub fn new(rate: Option<f64>) -> Pacer {
        Pacer {
            interval: rate
                .filter(|r| r.is_finite() && *r > 0.0)
                .map(|r| Duration::from_secs_f64(1.0 / r)),
            next: Mutex::new(None),
        }
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    pub fn is_paced(&self) -> bool {
        self.interval.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_are_spread_at_the_rate() {
        let p = Pacer::new(Some(4.0));
        let t0 = Instant::now();
        for _ in 0..5 {
            p.acquire().await;
        }
        // Five requests at 4/s: the fifth goes out one second after the first.
        assert_eq!(t0.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn unpaced_never_waits() {
        let p = Pacer::new(None);
        let t0 = Instant::now();
        for _ in 0..100 {
            p.acquire().await;
        }
        assert_eq!(t0.elapsed(), Duration::ZERO);
        assert!(!p.is_paced());
    }
}

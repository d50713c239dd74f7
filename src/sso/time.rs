//! `xs:dateTime` in UTC as these protocols write it (`2026-11-28T01:56:33.170Z`).

use std::time::SystemTime;

/// RFC 3339 in UTC with milliseconds.
pub fn format(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// An RFC 3339 UTC time (`Z`), any fractional precision; `None` otherwise.
pub fn parse(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn round_trips_at_millisecond_precision() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_790_000_000_123);
        assert_eq!(format(t), "2026-09-21T14:13:20.123Z");
        assert_eq!(parse(&format(t)), Some(t));
        assert!(parse("2026-09-21T13:33:20Z").is_some());
        assert!(parse("2026-09-21T13:33:20.123456Z").is_some());
        assert!(parse("yesterday").is_none());
    }
}

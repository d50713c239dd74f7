//! RFC 3339 date-times (section 5.6), the format of a task `Info`'s `start_time` and
//! `end_time` (`restore-api.md` section 6). Written out rather than parsed with a crate: the
//! crates at hand accept a subset (UTC only) or a superset (a space for `T`), and TASK-2 must
//! accept exactly what the RFC allows, numeric offsets included.
//!
//! ```text
//! date-time = full-date "T" full-time        ; "t" and "z" are allowed too (section 5.6 note)
//! full-date = 4DIGIT "-" 2DIGIT "-" 2DIGIT   ; month 01-12, day within the month
//! full-time = 2DIGIT ":" 2DIGIT ":" 2DIGIT ["." 1*DIGIT] time-offset
//! time-offset = "Z" / ("+" / "-") 2DIGIT ":" 2DIGIT
//! ```

/// True when `s` is an RFC 3339 `date-time`.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let mut p = Parser { b, i: 0 };
    p.date_time().is_some() && p.i == b.len()
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let part = self.b.get(self.i..self.i + n)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(part.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
    }

    fn byte(&mut self, allowed: &[u8]) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        allowed.contains(&c).then(|| {
            self.i += 1;
            c
        })
    }

    fn date_time(&mut self) -> Option<()> {
        let year = self.digits(4)?;
        self.byte(b"-")?;
        let month = self.digits(2)?;
        self.byte(b"-")?;
        let day = self.digits(2)?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        self.byte(b"Tt")?;
        let h = self.digits(2)?;
        self.byte(b":")?;
        let m = self.digits(2)?;
        self.byte(b":")?;
        let sec = self.digits(2)?;
        // 60 is a leap second (section 5.7).
        if h > 23 || m > 59 || sec > 60 {
            return None;
        }
        if self.byte(b".").is_some() {
            let start = self.i;
            while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            if self.i == start {
                return None;
            }
        }
        if self.byte(b"Zz").is_some() {
            return Some(());
        }
        self.byte(b"+-")?;
        let oh = self.digits(2)?;
        self.byte(b":")?;
        let om = self.digits(2)?;
        (oh <= 23 && om <= 59).then_some(())
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_rfc_allows() {
        for s in [
            "2026-11-28T01:56:33.170Z",
            "2026-11-28T01:56:33Z",
            "2026-11-28t01:56:33z",
            "1985-04-12T23:20:50.52Z",
            "1996-12-19T16:39:57-08:00",
            "1990-12-31T23:59:60Z",
            "2024-02-29T00:00:00+05:30",
            "2000-02-29T00:00:00.000000001Z",
        ] {
            assert!(is_rfc3339(s), "{s}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for s in [
            "",
            "yesterday",
            "2026-11-28",
            "2026-11-28 01:56:33Z",
            "2026-11-28T01:56:33",
            "2026-11-28T01:56:33.Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T01:60:00Z",
            "2026-11-28T01:56:61Z",
            "2026-11-28T01:56:33+0100",
            "2026-11-28T01:56:33+24:00",
            "2026-11-28T01:56:33Z ",
            "1732758993",
            "26-11-28T01:56:33Z",
            "２026-11-28T01:56:33Z",
        ] {
            assert!(!is_rfc3339(s), "{s}");
        }
    }
}

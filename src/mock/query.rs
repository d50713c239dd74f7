//! Query-string filters as vSphere list operations take them: a filter may be repeated
//! (`names=a&names=b`) or comma separated (`names=a,b`); values within one filter are
//! alternatives (OR), different filters must all hold (AND).

use std::collections::HashSet;
use std::time::SystemTime;

use super::error::ApiError;

/// Parsed query parameters, in order.
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    pub(super) fn parse(raw: Option<&str>) -> Query {
        Query(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The values of a set filter; `None` when the filter is absent (matches everything).
    pub(super) fn set(&self, key: &str) -> Option<HashSet<String>> {
        let mut out: Option<HashSet<String>> = None;
        for (k, v) in &self.0 {
            if k == key {
                let set = out.get_or_insert_with(HashSet::new);
                set.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                );
            }
        }
        out
    }

    pub(super) fn single(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.single(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::bad_input(&format!("{key} must be true or false"))),
        }
    }

    pub(super) fn time(&self, key: &str) -> Result<Option<SystemTime>, ApiError> {
        match self.single(key) {
            None => Ok(None),
            Some(v) => humantime::parse_rfc3339_weak(v)
                .map(Some)
                .map_err(|_| ApiError::bad_input(&format!("{key} must be an RFC 3339 time"))),
        }
    }
}

/// Whether a filter (absent = everything) admits `value`.
pub(super) fn admits(filter: &Option<HashSet<String>>, value: &str) -> bool {
    filter.as_ref().is_none_or(|s| s.contains(value))
}

/// `*` matches any run of characters; everything else matches itself.
pub(super) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_comma_separated_values_merge() {
        let q = Query::parse(Some("names=a,b&names=c&hosts=&x=1"));
        let n = q.set("names").unwrap();
        assert_eq!(n.len(), 3);
        assert!(n.contains("a") && n.contains("c"));
        assert!(q.set("hosts").unwrap().is_empty());
        assert!(q.set("folders").is_none());
        assert!(admits(&None, "anything"));
        assert!(!admits(&q.set("hosts"), "host-1"));
    }

    #[test]
    fn percent_encoding_is_decoded() {
        let q = Query::parse(Some("names=web%2001&names=a%2Cb"));
        let n = q.set("names").unwrap();
        assert!(n.contains("web 01") && n.contains("a") && n.contains("b"));
    }

    #[test]
    fn globs() {
        assert!(glob_match("web-*", "web-old"));
        assert!(glob_match("*old*", "web-old-v2"));
        assert!(glob_match("payroll", "payroll"));
        assert!(!glob_match("payroll", "payroll2"));
        assert!(!glob_match("w*x", "web"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn bad_values_are_vapi_errors() {
        let q = Query::parse(Some("b=yes&t=yesterday"));
        assert_eq!(q.bool("b").unwrap_err().status.as_u16(), 400);
        assert_eq!(q.time("t").unwrap_err().status.as_u16(), 400);
        let q = Query::parse(Some("t=2026-11-27T10:00:00.000Z"));
        assert!(q.time("t").unwrap().is_some());
    }
}

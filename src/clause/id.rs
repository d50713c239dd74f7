//! `ClauseId`: the typed clause id. The enum is generated from the catalog by `build.rs`, so
//! code can only name ids the catalog has (`ClauseId::AUTHZ_2`); text from outside (scenario
//! files, deviations, replay files, `--clauses`) is parsed with `ClauseId::parse`, which refuses
//! anything else.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

include!(concat!(env!("OUT_DIR"), "/clause_id.rs"));

impl ClauseId {
    /// The id named by `s` (`"AUTHZ-2"`), if the catalog has it.
    pub fn parse(s: &str) -> Option<ClauseId> {
        ClauseId::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The group prefix: `AUTHZ` for `AUTHZ-2`.
    pub fn group(self) -> &'static str {
        let s = self.as_str();
        s.split_once('-').map_or(s, |(g, _)| g)
    }

    /// This clause's catalog row.
    pub fn row(self) -> &'static super::Clause {
        super::catalog()
            .iter()
            .find(|c| c.id == self)
            .expect("every ClauseId has a catalog row: both come from suites/clauses.toml")
    }
}

impl fmt::Display for ClauseId {
    // `pad`, not `write_str`: tables align ids with `{:<8}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl AsRef<str> for ClauseId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<&str> for ClauseId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown clause id `{0}` (not in suites/clauses.toml)")]
pub struct UnknownClauseId(pub String);

impl FromStr for ClauseId {
    type Err = UnknownClauseId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClauseId::parse(s).ok_or_else(|| UnknownClauseId(s.to_owned()))
    }
}

impl Serialize for ClauseId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ClauseId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ClauseId::parse(&s).ok_or_else(|| serde::de::Error::custom(UnknownClauseId(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::ClauseId;

    #[test]
    fn ids_round_trip_through_text() {
        for c in ClauseId::ALL {
            assert_eq!(ClauseId::parse(c.as_str()), Some(*c));
            assert_eq!(c.to_string(), c.as_str());
        }
        assert_eq!(ClauseId::AUTHZ_2.group(), "AUTHZ");
        assert_eq!(format!("{:<8}|", ClauseId::ACC_1), "ACC-1   |");
    }

    #[test]
    fn unknown_ids_are_refused_in_every_build() {
        assert_eq!(ClauseId::parse("AUTHZ-99"), None);
        assert_eq!(ClauseId::parse("authz-2"), None);
        let e = serde_json::from_str::<ClauseId>("\"ACC-9\"").unwrap_err();
        assert!(e.to_string().contains("ACC-9"), "{e}");
        assert_eq!(
            serde_json::to_string(&ClauseId::INV_10).unwrap(),
            "\"INV-10\""
        );
    }
}

//! The mock's SSO tokens: issuing signed SAML assertions (for its STS) and authenticating
//! them (on the snapservice side, `Authorization: SIGN token=...`, and for the JSON-RPC
//! `saml_bearer_token` security context).
//!
//! Real XML-DSig is not required of the mock, but an altered or foreign token must be refused.
//! The signature is an HMAC-SHA256, under a key each mock instance draws at start, over the
//! assertion's meaning: its ID, Issuer, NameID, NotBefore and NotOnOrAfter. Clients such as
//! pyvmomi re-serialize the assertion they extract (lxml's `tostring` moves namespace
//! declarations), so a signature over bytes would refuse honest tokens.

use std::time::{Duration, SystemTime};

use base64::Engine;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use crate::sso::{self, Assertion, HeaderError};

use super::error::ApiError;
use super::state::Inner;

/// The mock's `--token-lifetime` default: tokens live at most this long.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// The Issuer the mock's STS writes (shaped like vCenter's).
pub(super) const ISSUER: &str =
    "https://snapservice-conformance.mock/websso/SAML2/Metadata/vsphere.local";

/// Why a token was refused (never shown to the client: every refusal is the same 401).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Header(HeaderError),
    Malformed(String),
    Unsigned,
    /// Altered, or signed by another key (a foreign token).
    BadSignature,
    /// Outside `[NotBefore, NotOnOrAfter)`.
    NotValidNow,
    /// Signed by this mock, for a principal it no longer knows.
    UnknownPrincipal,
}

/// Issues and checks this mock instance's tokens.
pub struct TokenAuthority {
    key: hmac::Key,
    /// The longest lifetime a token gets.
    pub max_lifetime: Duration,
}

impl std::fmt::Debug for TokenAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAuthority")
            .field("key", &"<redacted>")
            .field("max_lifetime", &self.max_lifetime)
            .finish()
    }
}

/// The fields the signature covers, each length-prefixed so that no two assertions share an
/// encoding. Times count milliseconds, the precision the STS writes.
fn signed_content(a: &Assertion) -> Vec<u8> {
    let millis = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
            .to_string()
    };
    let mut out = b"snapservice-conformance mock SAML v1".to_vec();
    for field in [
        a.id.clone(),
        a.issuer.clone(),
        a.name_id.clone(),
        millis(a.not_before),
        millis(a.not_on_or_after),
    ] {
        out.extend_from_slice(&(field.len() as u64).to_be_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

impl TokenAuthority {
    /// A fresh random key.
    pub fn new(max_lifetime: Duration) -> TokenAuthority {
        let mut bytes = [0u8; 32];
        if SystemRandom::new().fill(&mut bytes).is_err() {
            // The OS random source failing is not recoverable in any meaningful way; two v4
            // UUIDs (which have their own source) keep the key unguessable enough for a mock.
            bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        }
        TokenAuthority {
            key: hmac::Key::new(hmac::HMAC_SHA256, &bytes),
            max_lifetime,
        }
    }

    /// How long a token asked for `requested` lives: the shorter of the two.
    pub fn lifetime(&self, requested: Option<Duration>) -> Duration {
        requested.map_or(self.max_lifetime, |r| r.min(self.max_lifetime))
    }

    /// A signed assertion for `user`, valid from `now` for `lifetime(requested)`.
    pub fn issue(&self, user: &str, now: SystemTime, requested: Option<Duration>) -> Assertion {
        // Whole milliseconds, the precision written on the wire, so the parsed times equal
        // the signed ones.
        let since = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(since.as_millis() as u64);
        let mut a = Assertion {
            id: format!("_{}", uuid::Uuid::new_v4()),
            issue_instant: now,
            issuer: ISSUER.to_owned(),
            name_id: user.to_owned(),
            not_before: now,
            not_on_or_after: now + self.lifetime(requested),
            signature_value: None,
        };
        a.signature_value = Some(self.sign(&a));
        a
    }

    /// The signature value for `a` (base64 of the HMAC).
    pub fn sign(&self, a: &Assertion) -> String {
        let tag = hmac::sign(&self.key, &signed_content(a));
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
    }

    /// The assertion in `xml`, if this authority signed it and it is valid at `now`.
    pub fn verify(&self, xml: &str, now: SystemTime) -> Result<Assertion, Refusal> {
        let a = Assertion::parse(xml).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let sig = a.signature_value.as_deref().ok_or(Refusal::Unsigned)?;
        let tag = base64::engine::general_purpose::STANDARD
            .decode(sig)
            .map_err(|_| Refusal::BadSignature)?;
        hmac::verify(&self.key, &signed_content(&a), &tag).map_err(|_| Refusal::BadSignature)?;
        if !a.valid_at(now) {
            return Err(Refusal::NotValidNow);
        }
        Ok(a)
    }
}

impl Inner {
    /// The principal a SAML assertion (its XML, as a JSON-RPC `saml_bearer_token` context
    /// carries it) authenticates, or 401.
    pub fn authenticate_assertion(&self, xml: &str) -> Result<String, ApiError> {
        self.check_assertion(xml, SystemTime::now())
            .map_err(|_| ApiError::unauthenticated())
    }

    /// The principal an `Authorization: SIGN token=...` value (quoted or not) authenticates,
    /// or 401.
    pub fn authenticate_sign(&self, header_value: &str) -> Result<String, ApiError> {
        sso::decode_sign_header(header_value)
            .map_err(Refusal::Header)
            .and_then(|xml| self.check_assertion(&xml, SystemTime::now()))
            .map_err(|_| ApiError::unauthenticated())
    }

    /// Why (or for whom) a token is (or is not) accepted at `now`.
    pub fn check_assertion(&self, xml: &str, now: SystemTime) -> Result<String, Refusal> {
        let a = self.tokens.verify(xml, now)?;
        if !self.principals.contains(&a.name_id) {
            return Err(Refusal::UnknownPrincipal);
        }
        Ok(a.name_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_790_000_000_123)
    }

    #[test]
    fn an_issued_token_verifies_until_it_expires() {
        let ta = TokenAuthority::new(Duration::from_secs(60));
        let a = ta.issue("u", t0(), None);
        let xml = a.to_xml();
        assert_eq!(ta.verify(&xml, t0()).unwrap(), a);
        assert_eq!(
            ta.verify(&xml, t0() + Duration::from_secs(60)),
            Err(Refusal::NotValidNow)
        );
        assert_eq!(
            ta.verify(&xml, t0() - Duration::from_millis(1)),
            Err(Refusal::NotValidNow)
        );
    }

    #[test]
    fn lifetime_is_the_shorter_of_asked_and_allowed() {
        let ta = TokenAuthority::new(Duration::from_secs(60));
        assert_eq!(ta.lifetime(None), Duration::from_secs(60));
        assert_eq!(
            ta.lifetime(Some(Duration::from_secs(10))),
            Duration::from_secs(10)
        );
        assert_eq!(
            ta.lifetime(Some(Duration::from_secs(600))),
            Duration::from_secs(60)
        );
        let a = ta.issue("u", t0(), Some(Duration::from_secs(10)));
        assert_eq!(
            a.not_on_or_after.duration_since(a.not_before).unwrap(),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn altered_and_foreign_tokens_are_refused() {
        let ta = TokenAuthority::new(Duration::from_secs(60));
        let a = ta.issue("u", t0(), None);
        let altered = [
            Assertion {
                name_id: "administrator@vsphere.local".into(),
                ..a.clone()
            },
            Assertion {
                not_on_or_after: a.not_on_or_after + Duration::from_secs(3600),
                ..a.clone()
            },
            Assertion {
                id: "_other".into(),
                ..a.clone()
            },
            Assertion {
                issuer: "someone else".into(),
                ..a.clone()
            },
        ];
        for x in altered {
            assert_eq!(ta.verify(&x.to_xml(), t0()), Err(Refusal::BadSignature));
        }
        let unsigned = Assertion {
            signature_value: None,
            ..a.clone()
        };
        assert_eq!(ta.verify(&unsigned.to_xml(), t0()), Err(Refusal::Unsigned));
        let other = TokenAuthority::new(Duration::from_secs(60));
        let foreign = other.issue("u", t0(), None);
        assert_eq!(
            ta.verify(&foreign.to_xml(), t0()),
            Err(Refusal::BadSignature)
        );
        assert!(matches!(
            ta.verify("<x/>", t0()),
            Err(Refusal::Malformed(_))
        ));
    }

    /// What a client's re-serialization does (other prefixes, declarations moved) keeps the
    /// meaning, so the token still verifies.
    #[test]
    fn a_reserialized_token_still_verifies() {
        let ta = TokenAuthority::new(Duration::from_secs(60));
        let a = ta.issue("u", t0(), None);
        let moved = a
            .to_xml()
            .replace("saml2:", "s:")
            .replace("xmlns:saml2=", "xmlns:s=");
        assert_eq!(ta.verify(&moved, t0()).unwrap(), a);
    }
}

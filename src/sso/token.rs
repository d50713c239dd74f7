//! A bearer SAML token as a client holds it: the assertion XML (a secret), who it speaks for
//! and until when.

use std::time::{Duration, SystemTime};

use super::WsTrustError;
use super::assertion::Assertion;
use super::header;

/// A bearer token. `Debug` and `Display` name the subject and the expiry, never the assertion.
#[derive(Clone, PartialEq, Eq)]
pub struct SamlToken {
    assertion_xml: String,
    subject: String,
    not_on_or_after: SystemTime,
}

impl SamlToken {
    /// A token from an assertion's XML (its Subject and Conditions are read).
    pub fn from_assertion_xml(xml: &str) -> Result<SamlToken, WsTrustError> {
        let a = Assertion::parse(xml)?;
        Ok(SamlToken {
            assertion_xml: xml.to_owned(),
            subject: a.name_id,
            not_on_or_after: a.not_on_or_after,
        })
    }

    /// The assertion XML, as the STS answered it (for a JSON-RPC `saml_bearer_token`
    /// security context). A secret: never print it.
    pub fn assertion_xml(&self) -> &str {
        &self.assertion_xml
    }

    /// The `NameID` of the subject.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn not_on_or_after(&self) -> SystemTime {
        self.not_on_or_after
    }

    /// Whether the token is expired at `now` or will be within `margin`: the time to renew.
    pub fn expires_within(&self, now: SystemTime, margin: Duration) -> bool {
        now + margin >= self.not_on_or_after
    }

    /// `SIGN token="<base64 of the gzip of the assertion>"`, the `Authorization` value.
    pub fn authorization_header(&self) -> String {
        header::sign_header(&self.assertion_xml)
    }
}

impl std::fmt::Debug for SamlToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamlToken")
            .field("subject", &self.subject)
            .field(
                "not_on_or_after",
                &super::time::format(self.not_on_or_after),
            )
            .field("assertion", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Display for SamlToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SAML bearer token for {} until {}",
            self.subject,
            super::time::format(self.not_on_or_after)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> SamlToken {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_790_000_000_000);
        let a = Assertion {
            id: "_SECRET-ID".into(),
            issue_instant: t,
            issuer: "iss".into(),
            name_id: "u@vsphere.local".into(),
            not_before: t,
            not_on_or_after: t + Duration::from_secs(600),
            signature_value: Some("SECRETSIG".into()),
        };
        SamlToken::from_assertion_xml(&a.to_xml()).unwrap()
    }

    #[test]
    fn output_never_shows_the_assertion() {
        let t = token();
        for shown in [format!("{t:?}"), t.to_string()] {
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(shown.contains("u@vsphere.local"), "{shown}");
        }
    }

    #[test]
    fn the_header_carries_the_assertion_and_renewal_is_due_before_expiry() {
        let t = token();
        assert_eq!(
            header::decode_sign_header(&t.authorization_header()).unwrap(),
            t.assertion_xml()
        );
        let end = t.not_on_or_after();
        assert!(!t.expires_within(end - Duration::from_secs(61), Duration::from_secs(60)));
        assert!(t.expires_within(end - Duration::from_secs(59), Duration::from_secs(60)));
        assert!(t.expires_within(end, Duration::ZERO));
    }
}

//! A SAML 2.0 assertion (namespace `urn:oasis:names:tc:SAML:2.0:assertion`): the fields a
//! bearer token's consumer reads (ID, Issuer, Subject/NameID, Conditions NotBefore and
//! NotOnOrAfter), written as XML and read back.
//!
//! The signature is carried as `ds:Signature/ds:SignatureValue`; what it covers and how it is
//! computed is the issuer's business (the mock's STS signs the semantic fields, not bytes,
//! because clients re-serialize the assertion they extract).

use std::time::SystemTime;

use super::WsTrustError;
use super::ns;
use super::time;
use super::xml::{self, Element};

/// The signature method URI the mock's issuer names (HMAC-SHA256, not an XML-DSig over bytes).
pub const HMAC_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256";
const PASSWORD_PROTECTED: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// The assertion's `ID` (an xs:ID: starts with a letter or `_`).
    pub id: String,
    pub issue_instant: SystemTime,
    pub issuer: String,
    /// The subject: the principal the token speaks for.
    pub name_id: String,
    pub not_before: SystemTime,
    pub not_on_or_after: SystemTime,
    /// The text of `ds:Signature/ds:SignatureValue`, when signed.
    pub signature_value: Option<String>,
}

impl Assertion {
    /// Whether `now` is inside `[NotBefore, NotOnOrAfter)`.
    pub fn valid_at(&self, now: SystemTime) -> bool {
        self.not_before <= now && now < self.not_on_or_after
    }

    /// The assertion as an element declaring its own namespaces.
    pub fn to_element(&self) -> Element {
        let saml = |local: &str| Element::new(ns::SAML2, "saml2", local);
        let ds = |local: &str| Element::new(ns::DS, "ds", local);
        let nb = time::format(self.not_before);
        let na = time::format(self.not_on_or_after);
        let mut a = saml("Assertion")
            .declare("saml2", ns::SAML2)
            .attr("ID", &self.id)
            .attr("IssueInstant", &time::format(self.issue_instant))
            .attr("Version", "2.0")
            .child(
                saml("Issuer")
                    .attr("Format", ns::NAMEID_ENTITY)
                    .text(&self.issuer),
            );
        if let Some(sig) = &self.signature_value {
            a = a.child(
                ds("Signature")
                    .declare("ds", ns::DS)
                    .child(
                        ds("SignedInfo")
                            .child(ds("CanonicalizationMethod").attr("Algorithm", EXC_C14N))
                            .child(ds("SignatureMethod").attr("Algorithm", HMAC_SHA256)),
                    )
                    .child(ds("SignatureValue").text(sig)),
            );
        }
        a.child(
            saml("Subject")
                .child(
                    saml("NameID")
                        .attr("Format", ns::NAMEID_UPN)
                        .text(&self.name_id),
                )
                .child(
                    saml("SubjectConfirmation")
                        .attr("Method", ns::CM_BEARER)
                        .child(saml("SubjectConfirmationData").attr("NotOnOrAfter", &na)),
                ),
        )
        .child(
            saml("Conditions")
                .attr("NotBefore", &nb)
                .attr("NotOnOrAfter", &na),
        )
        .child(
            saml("AuthnStatement")
                .attr("AuthnInstant", &time::format(self.issue_instant))
                .child(
                    saml("AuthnContext")
                        .child(saml("AuthnContextClassRef").text(PASSWORD_PROTECTED)),
                ),
        )
    }

    pub fn to_xml(&self) -> String {
        self.to_element().to_xml()
    }

    /// Reads an assertion whose root element is `saml2:Assertion`.
    pub fn parse(text: &str) -> Result<Assertion, WsTrustError> {
        Assertion::from_element(&xml::parse(text)?)
    }

    pub fn from_element(a: &Element) -> Result<Assertion, WsTrustError> {
        if !a.is(ns::SAML2, "Assertion") {
            return Err(WsTrustError::shape(
                "the root element is not a saml2:Assertion",
            ));
        }
        let id = a
            .attr_value("ID")
            .ok_or_else(|| WsTrustError::shape("the assertion has no ID"))?
            .to_owned();
        let issuer = a
            .first(ns::SAML2, "Issuer")
            .map(Element::text_content)
            .ok_or_else(|| WsTrustError::shape("the assertion has no Issuer"))?;
        let name_id = a
            .first(ns::SAML2, "Subject")
            .and_then(|s| s.first(ns::SAML2, "NameID"))
            .map(Element::text_content)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| WsTrustError::shape("the assertion has no Subject/NameID"))?;
        let conditions = a
            .first(ns::SAML2, "Conditions")
            .ok_or_else(|| WsTrustError::shape("the assertion has no Conditions"))?;
        let when = |e: &Element, name: &str| -> Result<SystemTime, WsTrustError> {
            let v = e
                .attr_value(name)
                .ok_or_else(|| WsTrustError::shape(format!("{} has no {name}", e.local)))?;
            time::parse(v).ok_or_else(|| {
                WsTrustError::shape(format!("{}/@{name} `{v}` is not a UTC dateTime", e.local))
            })
        };
        let signature_value = a
            .first(ns::DS, "Signature")
            .and_then(|s| s.first(ns::DS, "SignatureValue"))
            .map(Element::text_content);
        Ok(Assertion {
            id,
            issue_instant: when(a, "IssueInstant")?,
            issuer,
            name_id,
            not_before: when(conditions, "NotBefore")?,
            not_on_or_after: when(conditions, "NotOnOrAfter")?,
            signature_value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    pub(super) fn sample() -> Assertion {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_790_000_000_000);
        Assertion {
            id: "_a1".into(),
            issue_instant: t,
            issuer: "https://vc/websso/SAML2/Metadata/vsphere.local".into(),
            name_id: "administrator@vsphere.local".into(),
            not_before: t,
            not_on_or_after: t + Duration::from_secs(1800),
            signature_value: Some("c2ln".into()),
        }
    }

    #[test]
    fn round_trips() {
        let a = sample();
        assert_eq!(Assertion::parse(&a.to_xml()).unwrap(), a);
        let unsigned = Assertion {
            signature_value: None,
            ..sample()
        };
        assert_eq!(Assertion::parse(&unsigned.to_xml()).unwrap(), unsigned);
    }

    #[test]
    fn validity_is_half_open() {
        let a = sample();
        assert!(a.valid_at(a.not_before));
        assert!(!a.valid_at(a.not_before - Duration::from_millis(1)));
        assert!(a.valid_at(a.not_on_or_after - Duration::from_millis(1)));
        assert!(!a.valid_at(a.not_on_or_after));
    }

    #[test]
    fn missing_parts_are_refused() {
        let full = sample().to_element();
        for drop in ["Issuer", "Subject", "Conditions"] {
            let mut e = full.clone();
            e.children
                .retain(|n| !matches!(n, xml::Node::Element(c) if c.local == drop));
            assert!(Assertion::from_element(&e).is_err(), "{drop}");
        }
        let mut no_id = full.clone();
        no_id.attrs.retain(|a| a.local != "ID");
        assert!(Assertion::from_element(&no_id).is_err());
        let other_ns = full.to_xml().replace(ns::SAML2, "urn:other");
        assert!(Assertion::parse(&other_ns).is_err());
    }
}

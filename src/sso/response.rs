//! The STS's answer to an Issue request: a SOAP 1.1 envelope whose body is a
//! `wst:RequestSecurityTokenResponseCollection` holding one `RequestSecurityTokenResponse`
//! with the assertion in `RequestedSecurityToken`, or a SOAP fault.

use super::WsTrustError;
use super::assertion::Assertion;
use super::fault::SoapFault;
use super::ns;
use super::request::Window;
use super::time;
use super::xml::{self, Element};

/// The response envelope for an issued bearer assertion.
pub fn issue_response_xml(assertion: &Assertion) -> String {
    let wst = |local: &str| Element::new(ns::WST, "wst", local);
    let lifetime = wst("Lifetime")
        .child(Element::new(ns::WSU, "wsu", "Created").text(&time::format(assertion.issue_instant)))
        .child(
            Element::new(ns::WSU, "wsu", "Expires").text(&time::format(assertion.not_on_or_after)),
        );
    let rstr = wst("RequestSecurityTokenResponse")
        .child(wst("TokenType").text(ns::TOKEN_TYPE_SAML2))
        .child(lifetime)
        .child(wst("RequestedSecurityToken").child(assertion.to_element()))
        .child(wst("Renewing").attr("Allow", "false").attr("OK", "false"))
        .child(wst("Delegatable").text("false"))
        .child(wst("KeyType").text(ns::KEY_TYPE_BEARER));
    Element::new(ns::SOAP_ENV, "S", "Envelope")
        .declare("S", ns::SOAP_ENV)
        .child(
            Element::new(ns::SOAP_ENV, "S", "Body").child(
                wst("RequestSecurityTokenResponseCollection")
                    .declare("wst", ns::WST)
                    .declare("wsu", ns::WSU)
                    .child(rstr),
            ),
        )
        .to_xml()
}

/// What an Issue response carries: the assertion as a standalone XML document (carrying the
/// namespace declarations it inherited, as pyvmomi's extraction does), and its lifetime as the
/// response states it.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedAssertion {
    pub assertion_xml: String,
    pub lifetime: Option<Window>,
}

impl std::fmt::Debug for IssuedAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedAssertion")
            .field("assertion_xml", &"<redacted>")
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// Reads an Issue response; a SOAP fault is `WsTrustError::Fault`.
pub fn parse_issue_response(text: &str) -> Result<IssuedAssertion, WsTrustError> {
    let doc = xml::parse(text)?;
    if !doc.is(ns::SOAP_ENV, "Envelope") {
        return Err(WsTrustError::shape("the answer is not a SOAP 1.1 Envelope"));
    }
    let body = doc
        .first(ns::SOAP_ENV, "Body")
        .ok_or_else(|| WsTrustError::shape("the Envelope has no Body"))?;
    if let Some(fault) = body.first(ns::SOAP_ENV, "Fault") {
        let scope: Vec<_> = doc.decls.iter().chain(body.decls.iter()).cloned().collect();
        return Err(WsTrustError::Fault(SoapFault::from_element(fault, &scope)));
    }
    // WS-Trust 1.3 answers an Issue with a collection; a lone response is accepted too.
    let collection = body.first(ns::WST, "RequestSecurityTokenResponseCollection");
    let rstr = collection
        .unwrap_or(body)
        .first(ns::WST, "RequestSecurityTokenResponse")
        .ok_or_else(|| WsTrustError::shape("the Body holds no wst:RequestSecurityTokenResponse"))?;
    let token = rstr
        .first(ns::WST, "RequestedSecurityToken")
        .ok_or_else(|| WsTrustError::shape("the response has no wst:RequestedSecurityToken"))?;
    let assertion = token.first(ns::SAML2, "Assertion").ok_or_else(|| {
        WsTrustError::shape("the RequestedSecurityToken holds no saml2:Assertion")
    })?;
    // The declarations in scope at the assertion, outermost first.
    let scope: Vec<_> = [Some(&doc), Some(body), collection, Some(rstr), Some(token)]
        .into_iter()
        .flatten()
        .flat_map(|e| e.decls.iter().cloned())
        .collect();
    let lifetime = rstr.first(ns::WST, "Lifetime").map(|l| {
        let at = |local: &str| {
            l.first(ns::WSU, local)
                .and_then(|t| time::parse(&t.text_content()))
        };
        Window {
            created: at("Created"),
            expires: at("Expires"),
        }
    });
    Ok(IssuedAssertion {
        assertion_xml: assertion.to_standalone_xml(&scope),
        lifetime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn assertion() -> Assertion {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_790_000_000_000);
        Assertion {
            id: "_x".into(),
            issue_instant: t,
            issuer: "iss".into(),
            name_id: "u@vsphere.local".into(),
            not_before: t,
            not_on_or_after: t + Duration::from_secs(60),
            signature_value: Some("sig".into()),
        }
    }

    #[test]
    fn the_assertion_comes_back_out_of_the_response() {
        let a = assertion();
        let issued = parse_issue_response(&issue_response_xml(&a)).unwrap();
        assert_eq!(Assertion::parse(&issued.assertion_xml).unwrap(), a);
        let l = issued.lifetime.unwrap();
        assert_eq!(l.duration(), Some(Duration::from_secs(60)));
        assert!(!format!("{issued:?}").contains("u@vsphere.local"));
    }

    /// A real STS declares `saml2` on an ancestor; the extracted assertion must still parse.
    #[test]
    fn an_assertion_using_an_inherited_prefix_is_extracted_whole() {
        let inner = assertion().to_xml().replace(
            r#" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion""#,
            "",
        );
        let text = format!(
            r#"<S:Envelope xmlns:S="{}" xmlns:saml2="{}"><S:Body><wst:RequestSecurityTokenResponseCollection xmlns:wst="{}"><wst:RequestSecurityTokenResponse><wst:RequestedSecurityToken>{inner}</wst:RequestedSecurityToken></wst:RequestSecurityTokenResponse></wst:RequestSecurityTokenResponseCollection></S:Body></S:Envelope>"#,
            ns::SOAP_ENV,
            ns::SAML2,
            ns::WST
        );
        let issued = parse_issue_response(&text).unwrap();
        assert_eq!(
            Assertion::parse(&issued.assertion_xml).unwrap(),
            assertion()
        );
        assert_eq!(issued.lifetime, None);
    }

    #[test]
    fn a_fault_is_its_own_error() {
        let f = SoapFault::wst("FailedAuthentication", "bad password");
        match parse_issue_response(&f.to_xml()) {
            Err(WsTrustError::Fault(got)) => assert_eq!(got, f),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_response_without_an_assertion_is_malformed() {
        let no_token = issue_response_xml(&assertion()).replace("saml2:Assertion", "saml2:Other");
        assert!(matches!(
            parse_issue_response(&no_token),
            Err(WsTrustError::Shape(_))
        ));
        assert!(matches!(
            parse_issue_response("<html>502</html>"),
            Err(WsTrustError::Shape(_))
        ));
        assert!(matches!(
            parse_issue_response("Bad gateway"),
            Err(WsTrustError::Xml(_))
        ));
    }
}

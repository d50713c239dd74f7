//! SOAP 1.1 faults: how an STS says no (a wrong password is `wst:FailedAuthentication`).

use super::ns;
use super::xml::{Decl, Element};

/// A SOAP 1.1 fault: `faultcode` (a qualified name, kept resolved) and `faultstring`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapFault {
    /// The namespace of the code's prefix, when it has one that is declared.
    pub code_ns: Option<String>,
    /// The code's local part, e.g. `FailedAuthentication`.
    pub code: String,
    pub string: String,
}

impl std::fmt::Display for SoapFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = match self.code_ns.as_deref() {
            Some(ns::WST) => "wst:",
            Some(ns::WSSE) => "wsse:",
            Some(ns::SOAP_ENV) => "S:",
            _ => "",
        };
        write!(f, "{prefix}{}: {}", self.code, self.string)
    }
}

/// A prefix for a code namespace when writing a fault.
fn prefix_of(code_ns: &str) -> &'static str {
    match code_ns {
        ns::WST => "wst",
        ns::WSSE => "wsse",
        ns::SOAP_ENV => "S",
        _ => "c",
    }
}

impl SoapFault {
    /// A WS-Trust 1.3 fault (`wst:FailedAuthentication`, `wst:InvalidRequest`, ...).
    pub fn wst(code: &str, string: &str) -> SoapFault {
        SoapFault {
            code_ns: Some(ns::WST.to_owned()),
            code: code.to_owned(),
            string: string.to_owned(),
        }
    }

    /// A WS-Security fault (`wsse:MessageExpired`, ...).
    pub fn wsse(code: &str, string: &str) -> SoapFault {
        SoapFault {
            code_ns: Some(ns::WSSE.to_owned()),
            code: code.to_owned(),
            string: string.to_owned(),
        }
    }

    /// Whether the STS refused the credentials (as opposed to the request).
    pub fn is_failed_authentication(&self) -> bool {
        self.code == "FailedAuthentication" && self.code_ns.as_deref().is_none_or(|n| n == ns::WST)
    }

    /// The fault as a SOAP 1.1 envelope. It holds exactly two text nodes, the code and the
    /// string, and no whitespace: pyvmomi recognizes a fault by finding exactly two.
    pub fn to_xml(&self) -> String {
        let mut code = Element::unqualified("faultcode");
        let text = match self.code_ns.as_deref() {
            Some(uri) => {
                let p = prefix_of(uri);
                code = code.declare(p, uri);
                format!("{p}:{}", self.code)
            }
            None => self.code.clone(),
        };
        Element::new(ns::SOAP_ENV, "S", "Envelope")
            .declare("S", ns::SOAP_ENV)
            .child(
                Element::new(ns::SOAP_ENV, "S", "Body").child(
                    Element::new(ns::SOAP_ENV, "S", "Fault")
                        .child(code.text(&text))
                        .child(Element::unqualified("faultstring").text(&self.string)),
                ),
            )
            .to_xml()
    }

    /// The fault in a SOAP 1.1 `Fault` element; `scope` holds the declarations of its
    /// ancestors (to resolve the code's prefix).
    pub fn from_element(fault: &Element, scope: &[Decl]) -> SoapFault {
        let code_el = fault.first_unqualified("faultcode");
        let raw = code_el.map(Element::text_content).unwrap_or_default();
        let (prefix, local) = match raw.split_once(':') {
            Some((p, l)) => (Some(p.to_owned()), l.to_owned()),
            None => (None, raw.clone()),
        };
        let code_ns = prefix.and_then(|p| {
            let own = code_el.map(|e| e.decls.as_slice()).unwrap_or(&[]);
            own.iter()
                .chain(fault.decls.iter())
                .chain(scope.iter().rev())
                .find(|(q, _)| q.as_deref() == Some(p.as_str()))
                .map(|(_, uri)| uri.clone())
        });
        SoapFault {
            code_ns,
            code: local,
            string: fault
                .first_unqualified("faultstring")
                .map(Element::text_content)
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::xml::{Node, parse};

    fn text_nodes(e: &Element, out: &mut usize) {
        for n in &e.children {
            match n {
                Node::Text(_) => *out += 1,
                Node::Element(c) => text_nodes(c, out),
            }
        }
    }

    #[test]
    fn a_fault_round_trips_with_exactly_two_text_nodes() {
        let f = SoapFault::wst("FailedAuthentication", "Authentication failed");
        let doc = parse(&f.to_xml()).unwrap();
        let mut n = 0;
        text_nodes(&doc, &mut n);
        assert_eq!(n, 2);
        let (el, scope) = doc.find(ns::SOAP_ENV, "Fault").unwrap();
        let back = SoapFault::from_element(el, &scope);
        assert_eq!(back, f);
        assert!(back.is_failed_authentication());
        assert_eq!(
            back.to_string(),
            "wst:FailedAuthentication: Authentication failed"
        );
    }

    #[test]
    fn the_code_prefix_resolves_through_ancestors() {
        let doc = parse(
            r#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><e:Body><e:Fault><faultcode>t:InvalidRequest</faultcode><faultstring>no</faultstring></e:Fault></e:Body></e:Envelope>"#,
        )
        .unwrap();
        let (el, scope) = doc.find(ns::SOAP_ENV, "Fault").unwrap();
        let f = SoapFault::from_element(el, &scope);
        assert_eq!(f, SoapFault::wst("InvalidRequest", "no"));
        assert!(!f.is_failed_authentication());
    }
}

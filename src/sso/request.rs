//! The WS-Trust 1.3 `RequestSecurityToken` Issue request for a bearer SAML 2.0 token, as
//! pyvmomi's `SsoAuthenticator.get_bearer_saml_assertion` sends it: a SOAP 1.1 envelope whose
//! header is a `wsse:Security` with a `wsu:Timestamp` and a `wsse:UsernameToken`, and whose
//! body asks for TokenType SAML 2.0, RequestType Issue, a Lifetime, Renewing, Delegatable,
//! KeyType Bearer and a SignatureAlgorithm.

use std::time::{Duration, SystemTime};

use super::WsTrustError;
use super::ns;
use super::time;
use super::xml::{self, Element};

/// A validity window (`wsu:Timestamp` or `wst:Lifetime`); either end may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub created: Option<SystemTime>,
    pub expires: Option<SystemTime>,
}

impl Window {
    /// `expires - created`, when both are set and in that order.
    pub fn duration(&self) -> Option<Duration> {
        self.expires?.duration_since(self.created?).ok()
    }
}

/// A username and password. `Debug` does not print the password.
#[derive(Clone, PartialEq, Eq)]
pub struct UsernameToken {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for UsernameToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsernameToken")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `wst:Renewing`'s two flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renewing {
    pub allow: bool,
    pub ok: bool,
}

/// An Issue request, as built or as read. Reading keeps what the request says, so the server
/// can refuse a token type, request type or key type it does not serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    pub credentials: Option<UsernameToken>,
    /// The header's `wsu:Timestamp`: how long the request itself is valid.
    pub timestamp: Option<Window>,
    pub token_type: Option<String>,
    pub request_type: String,
    /// The token's requested validity.
    pub lifetime: Option<Window>,
    pub renewing: Option<Renewing>,
    pub delegatable: Option<bool>,
    pub key_type: Option<String>,
    pub signature_algorithm: Option<String>,
}

impl IssueRequest {
    /// The request pyvmomi sends for a bearer token: created `now`, the request valid for
    /// `request_validity`, the token asked for `lifetime`; not renewable, not delegatable.
    pub fn bearer(
        username: &str,
        password: &str,
        now: SystemTime,
        lifetime: Duration,
        request_validity: Duration,
    ) -> IssueRequest {
        IssueRequest {
            credentials: Some(UsernameToken {
                username: username.to_owned(),
                password: password.to_owned(),
            }),
            timestamp: Some(Window {
                created: Some(now),
                expires: Some(now + request_validity),
            }),
            token_type: Some(ns::TOKEN_TYPE_SAML2.to_owned()),
            request_type: ns::REQUEST_TYPE_ISSUE.to_owned(),
            lifetime: Some(Window {
                created: Some(now),
                expires: Some(now + lifetime),
            }),
            renewing: Some(Renewing {
                allow: false,
                ok: false,
            }),
            delegatable: Some(false),
            key_type: Some(ns::KEY_TYPE_BEARER.to_owned()),
            signature_algorithm: Some(ns::SIGNATURE_ALGORITHM_RSA_SHA256.to_owned()),
        }
    }

    /// The SOAP envelope.
    pub fn to_xml(&self) -> String {
        let mut security = Element::new(ns::WSSE, "wsse", "Security")
            .declare("wsse", ns::WSSE)
            .declare("wsu", ns::WSU);
        if let Some(ts) = &self.timestamp {
            security = security.child(window(
                Element::new(ns::WSU, "wsu", "Timestamp").ns_attr(ns::WSU, "wsu", "Id", "_ts-1"),
                ts,
            ));
        }
        if let Some(c) = &self.credentials {
            security = security.child(
                Element::new(ns::WSSE, "wsse", "UsernameToken")
                    .child(Element::new(ns::WSSE, "wsse", "Username").text(&c.username))
                    .child(Element::new(ns::WSSE, "wsse", "Password").text(&c.password)),
            );
        }
        let wst = |local: &str| Element::new(ns::WST, "wst", local);
        let mut rst = wst("RequestSecurityToken")
            .declare("wst", ns::WST)
            .declare("wsu", ns::WSU);
        if let Some(t) = &self.token_type {
            rst = rst.child(wst("TokenType").text(t));
        }
        rst = rst.child(wst("RequestType").text(&self.request_type));
        if let Some(l) = &self.lifetime {
            rst = rst.child(window(wst("Lifetime"), l));
        }
        if let Some(r) = self.renewing {
            rst = rst.child(
                wst("Renewing")
                    .attr("Allow", bool_text(r.allow))
                    .attr("OK", bool_text(r.ok)),
            );
        }
        if let Some(d) = self.delegatable {
            rst = rst.child(wst("Delegatable").text(bool_text(d)));
        }
        if let Some(k) = &self.key_type {
            rst = rst.child(wst("KeyType").text(k));
        }
        if let Some(a) = &self.signature_algorithm {
            rst = rst.child(wst("SignatureAlgorithm").text(a));
        }
        Element::new(ns::SOAP_ENV, "S", "Envelope")
            .declare("S", ns::SOAP_ENV)
            .child(Element::new(ns::SOAP_ENV, "S", "Header").child(security))
            .child(Element::new(ns::SOAP_ENV, "S", "Body").child(rst))
            .to_xml()
    }

    /// Reads an Issue request (any prefixes, any declaration placement).
    pub fn parse(text: &str) -> Result<IssueRequest, WsTrustError> {
        let doc = xml::parse(text)?;
        if !doc.is(ns::SOAP_ENV, "Envelope") {
            return Err(WsTrustError::shape(
                "the document is not a SOAP 1.1 Envelope",
            ));
        }
        let body = doc
            .first(ns::SOAP_ENV, "Body")
            .ok_or_else(|| WsTrustError::shape("the Envelope has no Body"))?;
        let rst = body
            .first(ns::WST, "RequestSecurityToken")
            .ok_or_else(|| WsTrustError::shape("the Body holds no wst:RequestSecurityToken"))?;
        let security = doc
            .first(ns::SOAP_ENV, "Header")
            .and_then(|h| h.first(ns::WSSE, "Security"));
        let credentials = match security.and_then(|s| s.first(ns::WSSE, "UsernameToken")) {
            Some(u) => Some(UsernameToken {
                username: required_text(u, ns::WSSE, "Username")?,
                password: u
                    .first(ns::WSSE, "Password")
                    .map(Element::text_content)
                    .unwrap_or_default(),
            }),
            None => None,
        };
        let timestamp = security
            .and_then(|s| s.first(ns::WSU, "Timestamp"))
            .map(read_window)
            .transpose()?;
        let text_of = |local: &str| rst.first(ns::WST, local).map(Element::text_content);
        let renewing = match rst.first(ns::WST, "Renewing") {
            Some(r) => Some(Renewing {
                allow: r
                    .attr_value("Allow")
                    .map(parse_bool)
                    .transpose()?
                    .unwrap_or(true),
                ok: r
                    .attr_value("OK")
                    .map(parse_bool)
                    .transpose()?
                    .unwrap_or(false),
            }),
            None => None,
        };
        Ok(IssueRequest {
            credentials,
            timestamp,
            token_type: text_of("TokenType"),
            request_type: text_of("RequestType")
                .ok_or_else(|| WsTrustError::shape("the request has no wst:RequestType"))?,
            lifetime: rst
                .first(ns::WST, "Lifetime")
                .map(read_window)
                .transpose()?,
            renewing,
            delegatable: text_of("Delegatable")
                .as_deref()
                .map(parse_bool)
                .transpose()?,
            key_type: text_of("KeyType"),
            signature_algorithm: text_of("SignatureAlgorithm"),
        })
    }
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// `xs:boolean`.
fn parse_bool(s: &str) -> Result<bool, WsTrustError> {
    match s.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(WsTrustError::shape(format!(
            "`{other}` is not an xs:boolean"
        ))),
    }
}

fn required_text(e: &Element, ns: &str, local: &str) -> Result<String, WsTrustError> {
    e.first(ns, local)
        .map(Element::text_content)
        .ok_or_else(|| WsTrustError::shape(format!("{} has no {local}", e.local)))
}

fn window(mut e: Element, w: &Window) -> Element {
    if let Some(c) = w.created {
        e = e.child(Element::new(ns::WSU, "wsu", "Created").text(&time::format(c)));
    }
    if let Some(x) = w.expires {
        e = e.child(Element::new(ns::WSU, "wsu", "Expires").text(&time::format(x)));
    }
    e
}

fn read_window(e: &Element) -> Result<Window, WsTrustError> {
    let at = |local: &str| -> Result<Option<SystemTime>, WsTrustError> {
        match e.first(ns::WSU, local) {
            Some(t) => {
                let text = t.text_content();
                time::parse(&text).map(Some).ok_or_else(|| {
                    WsTrustError::shape(format!(
                        "{}/{local} `{text}` is not a UTC dateTime",
                        e.local
                    ))
                })
            }
            None => Ok(None),
        }
    };
    Ok(Window {
        created: at("Created")?,
        expires: at("Expires")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> IssueRequest {
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_790_000_000_000);
        IssueRequest::bearer(
            "administrator@vsphere.local",
            "p<&>\"w",
            now,
            Duration::from_secs(600),
            Duration::from_secs(60),
        )
    }

    #[test]
    fn the_built_request_reads_back_the_same() {
        let r = sample();
        assert_eq!(IssueRequest::parse(&r.to_xml()).unwrap(), r);
        assert_eq!(
            r.lifetime.unwrap().duration(),
            Some(Duration::from_secs(600))
        );
    }

    #[test]
    fn debug_does_not_print_the_password() {
        let r = sample();
        assert!(!format!("{r:?}").contains("p<&>"));
    }

    /// The shape pyvmomi 9.1 sends after exclusive canonicalization: default namespaces,
    /// declarations on the elements that use them, prefixes of its own.
    #[test]
    fn reads_the_shape_pyvmomi_sends() {
        let text = r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header><ns6:Security xmlns:ns6="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><ns3:Timestamp xmlns:ns3="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" ns3:Id="_1"><ns3:Created>2026-01-01T00:00:00.000Z</ns3:Created><ns3:Expires>2026-01-01T00:01:00.000Z</ns3:Expires></ns3:Timestamp><ns2:UsernameToken xmlns:ns2="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><ns2:Username>u@vsphere.local</ns2:Username><ns2:Password>secret</ns2:Password></ns2:UsernameToken></ns6:Security></SOAP-ENV:Header><SOAP-ENV:Body xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" wsu:Id="_2"><RequestSecurityToken xmlns="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><TokenType>urn:oasis:names:tc:SAML:2.0:assertion</TokenType><RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</RequestType><Lifetime><ns3:Created xmlns:ns3="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">2026-01-01T00:00:00.000Z</ns3:Created><ns3:Expires xmlns:ns3="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">2026-01-01T00:10:00.000Z</ns3:Expires></Lifetime><Renewing Allow="false" OK="false"></Renewing><Delegatable>false</Delegatable><KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</KeyType><SignatureAlgorithm>http://www.w3.org/2001/04/xmldsig-more#rsa-sha256</SignatureAlgorithm></RequestSecurityToken></SOAP-ENV:Body></SOAP-ENV:Envelope>"#;
        let r = IssueRequest::parse(text).unwrap();
        let c = r.credentials.as_ref().unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("u@vsphere.local", "secret")
        );
        assert_eq!(
            r.lifetime.unwrap().duration(),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            r.timestamp.unwrap().duration(),
            Some(Duration::from_secs(60))
        );
        assert_eq!(r.key_type.as_deref(), Some(ns::KEY_TYPE_BEARER));
        assert_eq!(r.request_type, ns::REQUEST_TYPE_ISSUE);
        assert_eq!(
            r.renewing,
            Some(Renewing {
                allow: false,
                ok: false
            })
        );
        assert_eq!(r.delegatable, Some(false));
    }

    #[test]
    fn refuses_what_is_not_an_issue_request() {
        for bad in [
            "not xml",
            "<a/>",
            r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"/>"#,
            r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body/></S:Envelope>"#,
            // The right local names in the wrong namespace.
            r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><RequestSecurityToken><RequestType>x</RequestType></RequestSecurityToken></S:Body></S:Envelope>"#,
        ] {
            assert!(IssueRequest::parse(bad).is_err(), "{bad}");
        }
        let bad_time = sample()
            .to_xml()
            .replace("2026-09-21T14:13:20.000Z", "soon");
        assert!(IssueRequest::parse(&bad_time).is_err());
    }
}

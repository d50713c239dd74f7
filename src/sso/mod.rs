//! vCenter single sign-on, the protocol side shared by the mock and the harness: the WS-Trust
//! 1.3 Issue request for a bearer SAML 2.0 token (`request`), the STS's answer and faults
//! (`response`, `fault`), the assertion (`assertion`), the REST `Authorization: SIGN` header
//! (`header`), and a client that gets a token (`client`, `token`). No mock decision lives here.
//!
//! XML is read with quick-xml through a namespace-aware element tree (`xml`).

mod assertion;
mod client;
mod fault;
mod header;
pub mod ns;
mod request;
mod response;
pub mod time;
mod token;
mod xml;

pub use assertion::{Assertion, HMAC_SHA256};
pub use client::{
    DEFAULT_DOMAIN, REQUEST_VALIDITY, SsoError, TokenRequest, request_token, sts_url,
};
pub use fault::SoapFault;
pub use header::{
    HeaderError, MAX_ASSERTION_BYTES, SCHEME as SIGN_SCHEME, decode_sign_header, decode_token,
    encode_token, is_sign, sign_header, token_param,
};
pub use request::{IssueRequest, Renewing, UsernameToken, Window};
pub use response::{IssuedAssertion, issue_response_xml, parse_issue_response};
pub use token::SamlToken;
pub use xml::XmlError;

/// Why a WS-Trust document could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WsTrustError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// Well-formed, but not the document expected.
    #[error("{0}")]
    Shape(String),
    /// The document is a SOAP fault.
    #[error("SOAP fault {0}")]
    Fault(SoapFault),
}

impl WsTrustError {
    pub(crate) fn shape(what: impl Into<String>) -> WsTrustError {
        WsTrustError::Shape(what.into())
    }
}

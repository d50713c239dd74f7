//! The namespaces and fixed URIs of SOAP 1.1, WS-Security, WS-Trust 1.3 and SAML 2.0.

pub const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
pub const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
pub const WST: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
pub const SAML2: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// `TokenType` of a SAML 2.0 assertion (the same string as the SAML namespace).
pub const TOKEN_TYPE_SAML2: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const REQUEST_TYPE_ISSUE: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue";
pub const KEY_TYPE_BEARER: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer";
pub const SIGNATURE_ALGORITHM_RSA_SHA256: &str =
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// The `SOAPAction` of an Issue request.
pub const SOAP_ACTION_ISSUE: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
/// `wsse:Password`'s `Type` for a password sent as it is.
pub const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
/// The SAML subject confirmation method of a bearer token.
pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// The `NameID` format vCenter's STS uses (a user principal name).
pub const NAMEID_UPN: &str = "http://schemas.xmlsoap.org/claims/UPN";
/// The `Issuer` format of an entity.
pub const NAMEID_ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

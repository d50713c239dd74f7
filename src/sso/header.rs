//! The REST form of a bearer token: `Authorization: SIGN token="<base64 of the gzip of the
//! assertion XML>"`, as published REST clients of the snapservice appliance send it. Whether
//! the value is quoted is unverified, so both forms are read.

use std::io::{Read, Write};

use base64::Engine;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

/// The authorization scheme.
pub const SCHEME: &str = "SIGN";

/// A decompressed assertion larger than this is refused (a real one is a few KiB).
pub const MAX_ASSERTION_BYTES: u64 = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("the Authorization scheme is not SIGN")]
    NotSign,
    #[error("the SIGN credentials have no token parameter")]
    NoToken,
    #[error("the token is not base64")]
    Base64,
    #[error("the token is not gzip")]
    Gzip,
    #[error("the token decompresses to more than {MAX_ASSERTION_BYTES} bytes")]
    TooLarge,
    #[error("the token is not UTF-8 text")]
    NotUtf8,
}

/// `SIGN token="..."` for an assertion.
pub fn sign_header(assertion_xml: &str) -> String {
    format!("{SCHEME} token=\"{}\"", encode_token(assertion_xml))
}

/// base64 of the gzip of the assertion.
pub fn encode_token(assertion_xml: &str) -> String {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    // Writing into memory cannot fail.
    let _ = gz.write_all(assertion_xml.as_bytes());
    let bytes = gz.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Whether an `Authorization` value uses the SIGN scheme.
pub fn is_sign(value: &str) -> bool {
    value
        .split_once(' ')
        .map_or(value, |(scheme, _)| scheme)
        .eq_ignore_ascii_case(SCHEME)
}

/// The `token` parameter of a SIGN credential (RFC 9110 auth-params: `name=value` pairs
/// separated by commas, the value a token or a quoted string). base64 holds no comma or
/// quote, so no escape processing is needed.
pub fn token_param(value: &str) -> Result<&str, HeaderError> {
    let (scheme, params) = value.trim().split_once(' ').ok_or(HeaderError::NotSign)?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return Err(HeaderError::NotSign);
    }
    for param in params.split(',') {
        let Some((name, v)) = param.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("token") {
            continue;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        return if v.is_empty() {
            Err(HeaderError::NoToken)
        } else {
            Ok(v)
        };
    }
    Err(HeaderError::NoToken)
}

/// The assertion XML inside a token parameter.
pub fn decode_token(token: &str) -> Result<String, HeaderError> {
    let gz = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .map_err(|_| HeaderError::Base64)?;
    let mut out = Vec::new();
    GzDecoder::new(gz.as_slice())
        .take(MAX_ASSERTION_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|_| HeaderError::Gzip)?;
    if out.len() as u64 > MAX_ASSERTION_BYTES {
        return Err(HeaderError::TooLarge);
    }
    String::from_utf8(out).map_err(|_| HeaderError::NotUtf8)
}

/// The assertion XML an `Authorization: SIGN ...` value carries.
pub fn decode_sign_header(value: &str) -> Result<String, HeaderError> {
    decode_token(token_param(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<saml2:Assertion xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\"/>";

    #[test]
    fn quoted_and_unquoted_forms_decode_alike() {
        let h = sign_header(XML);
        assert!(h.starts_with("SIGN token=\""), "{h}");
        assert_eq!(decode_sign_header(&h).unwrap(), XML);
        let token = encode_token(XML);
        for v in [
            format!("SIGN token={token}"),
            format!("sign Token = \"{token}\""),
            format!("SIGN signature_alg=\"RSA-SHA256\", token=\"{token}\""),
        ] {
            assert_eq!(decode_sign_header(&v).unwrap(), XML, "{v}");
        }
        assert!(is_sign(&h) && is_sign("SIGN") && !is_sign("Basic dTpw"));
    }

    #[test]
    fn bad_values_are_typed_errors() {
        assert_eq!(decode_sign_header("Basic dTpw"), Err(HeaderError::NotSign));
        assert_eq!(decode_sign_header("SIGN"), Err(HeaderError::NotSign));
        assert_eq!(
            decode_sign_header("SIGN foo=bar"),
            Err(HeaderError::NoToken)
        );
        assert_eq!(
            decode_sign_header("SIGN token=\"\""),
            Err(HeaderError::NoToken)
        );
        assert_eq!(
            decode_sign_header("SIGN token=!!"),
            Err(HeaderError::Base64)
        );
        let not_gzip = base64::engine::general_purpose::STANDARD.encode(XML);
        assert_eq!(
            decode_sign_header(&format!("SIGN token={not_gzip}")),
            Err(HeaderError::Gzip)
        );
        let bomb = encode_token(&"a".repeat(MAX_ASSERTION_BYTES as usize + 1));
        assert_eq!(decode_token(&bomb), Err(HeaderError::TooLarge));
    }
}

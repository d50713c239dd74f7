//! Getting a bearer token from a vCenter STS: `POST <vcenter>/sts/STSService/<domain>` with a
//! WS-Trust Issue request, as pyvmomi's `get_bearer_saml_assertion` does.

use std::time::{Duration, SystemTime};

use super::WsTrustError;
use super::fault::SoapFault;
use super::ns;
use super::request::IssueRequest;
use super::response::parse_issue_response;
use super::token::SamlToken;

/// The SSO domain of a default vCenter installation.
pub const DEFAULT_DOMAIN: &str = "vsphere.local";

/// How long the Issue request itself is valid (its `wsu:Timestamp`), as pyvmomi's default.
pub const REQUEST_VALIDITY: Duration = Duration::from_secs(60);

/// An STS answer larger than this is refused unread (a real one is a few KiB).
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// What to ask the STS for. `Debug` does not print the password.
#[derive(Clone)]
pub struct TokenRequest {
    /// The SSO domain, `vsphere.local` by default.
    pub domain: String,
    pub username: String,
    pub password: String,
    /// The lifetime asked for; the STS may grant less.
    pub lifetime: Duration,
}

impl TokenRequest {
    pub fn new(username: &str, password: &str, lifetime: Duration) -> TokenRequest {
        TokenRequest {
            domain: DEFAULT_DOMAIN.to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            lifetime,
        }
    }
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("domain", &self.domain)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// Why no token was obtained. No variant holds the password or an assertion.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// The STS answered with a SOAP fault: wrong credentials (`FailedAuthentication`) or a
    /// request it does not serve.
    #[error("the STS at {url} refused the token request for {user}: {fault}")]
    Refused {
        url: String,
        user: String,
        fault: SoapFault,
    },
    #[error("cannot reach the STS at {url}: {source}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the STS at {url} answered HTTP {status} without a SOAP fault")]
    Status { url: String, status: u16 },
    #[error("the STS at {url} answered something that is not a token: {reason}")]
    Malformed { url: String, reason: String },
    #[error("`{0}` cannot be the base of an STS URL")]
    BadUrl(String),
}

impl SsoError {
    /// Whether the STS refused the credentials themselves.
    pub fn is_bad_credentials(&self) -> bool {
        matches!(self, SsoError::Refused { fault, .. } if fault.is_failed_authentication())
    }
}

/// `<vcenter>/sts/STSService/<domain>` (the domain percent-encoded as one path segment).
pub fn sts_url(vcenter: &str, domain: &str) -> Result<url::Url, SsoError> {
    let mut url = url::Url::parse(vcenter).map_err(|_| SsoError::BadUrl(vcenter.to_owned()))?;
    url.path_segments_mut()
        .map_err(|_| SsoError::BadUrl(vcenter.to_owned()))?
        .pop_if_empty()
        .extend(["sts", "STSService", domain]);
    Ok(url)
}

/// Asks the vCenter STS at `vcenter` (a base URL) for a bearer token.
pub async fn request_token(
    client: &reqwest::Client,
    vcenter: &str,
    request: &TokenRequest,
) -> Result<SamlToken, SsoError> {
    let url = sts_url(vcenter, &request.domain)?;
    let shown = url.to_string();
    let body = IssueRequest::bearer(
        &request.username,
        &request.password,
        SystemTime::now(),
        request.lifetime,
        REQUEST_VALIDITY,
    )
    .to_xml();
    let transport = |source| SsoError::Transport {
        url: shown.clone(),
        source,
    };
    let resp = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
        .header(reqwest::header::ACCEPT, "text/xml")
        .header("SOAPAction", ns::SOAP_ACTION_ISSUE)
        .body(body)
        .send()
        .await
        .map_err(transport)?;
    let status = resp.status().as_u16();
    let mut resp = resp;
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(SsoError::Malformed {
                url: shown,
                reason: format!("the answer is larger than {MAX_RESPONSE_BYTES} bytes"),
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    let text = String::from_utf8_lossy(&bytes);
    match parse_issue_response(&text) {
        Ok(issued) if status == 200 => SamlToken::from_assertion_xml(&issued.assertion_xml)
            .map_err(|e| SsoError::Malformed {
                url: shown,
                reason: e.to_string(),
            }),
        Err(WsTrustError::Fault(fault)) => Err(SsoError::Refused {
            url: shown,
            user: request.username.clone(),
            fault,
        }),
        _ if status != 200 => Err(SsoError::Status { url: shown, status }),
        Ok(_) => Err(SsoError::Malformed {
            url: shown,
            reason: format!("HTTP {status}"),
        }),
        Err(e) => Err(SsoError::Malformed {
            url: shown,
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sts_url_follows_the_base() {
        for base in ["https://vc.lab", "https://vc.lab/", "https://vc.lab:8443"] {
            let u = sts_url(base, DEFAULT_DOMAIN).unwrap().to_string();
            assert!(u.ends_with("/sts/STSService/vsphere.local"), "{u}");
            assert!(!u.contains("//sts"), "{u}");
        }
        assert!(
            sts_url("https://vc/x/", "my domain")
                .unwrap()
                .as_str()
                .ends_with("/x/sts/STSService/my%20domain")
        );
        assert!(matches!(
            sts_url("not a url", "d"),
            Err(SsoError::BadUrl(_))
        ));
    }

    /// A peer that answers anything but a token or a fault gets a typed error, never a
    /// panic or an unbounded read.
    #[tokio::test]
    async fn misbehaving_peers_are_typed_errors() {
        use axum::routing::post;
        let sts = "/sts/STSService/vsphere.local";
        let no_subject = crate::sso::issue_response_xml(&crate::sso::Assertion {
            id: "_1".into(),
            issue_instant: SystemTime::now(),
            issuer: "i".into(),
            name_id: "u".into(),
            not_before: SystemTime::now(),
            not_on_or_after: SystemTime::now(),
            signature_value: None,
        })
        .replace("saml2:NameID", "saml2:Other");
        let app = axum::Router::new()
            .route(&format!("/garbage{sts}"), post(|| async { "garbage" }))
            .route(
                &format!("/html500{sts}"),
                post(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "<html/>") }),
            )
            .route(
                &format!("/huge{sts}"),
                post(|| async { "x".repeat(MAX_RESPONSE_BYTES + 1) }),
            )
            .route(
                &format!("/nosubject{sts}"),
                post(move || async move { no_subject }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let req = TokenRequest::new("u", "p", Duration::from_secs(60));
        let get = |path: &str| {
            let url = format!("{base}/{path}");
            let (client, req) = (client.clone(), req.clone());
            async move { request_token(&client, &url, &req).await.unwrap_err() }
        };
        assert!(matches!(get("garbage").await, SsoError::Malformed { .. }));
        assert!(matches!(
            get("html500").await,
            SsoError::Status { status: 500, .. }
        ));
        assert!(matches!(get("huge").await, SsoError::Malformed { .. }));
        assert!(matches!(get("nosubject").await, SsoError::Malformed { .. }));
        assert!(matches!(
            get("missing").await,
            SsoError::Status { status: 404, .. }
        ));
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", l.local_addr().unwrap())
        };
        let e = request_token(&client, &closed, &req).await.unwrap_err();
        assert!(matches!(e, SsoError::Transport { .. }), "{e}");
    }

    #[test]
    fn debug_hides_the_password() {
        let r = TokenRequest::new("u", "hunter2", Duration::from_secs(60));
        assert!(!format!("{r:?}").contains("hunter2"));
    }
}

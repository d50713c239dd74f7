//! `mock --split` over real sockets: two HTTPS listeners sharing one certificate and one
//! state, and the harness's STS client (`crate::sso::request_token`) getting a token from the
//! vCenter listener that the snapservice listener accepts for a restore.

use std::time::{Duration, SystemTime};

use crate::mock::testutil::*;
use crate::mock::{MockOptions, MockServer, install_crypto_provider};
use crate::sso::{self, SsoError, TokenRequest};

fn pinned_client(server: &MockServer) -> reqwest::Client {
    let pem = server.ca_pem().unwrap();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()])
        .no_proxy()
        .build()
        .unwrap()
}

async fn restore(
    client: &reqwest::Client,
    base: &str,
    auth: &str,
    name: &str,
) -> reqwest::Response {
    client
        .post(format!(
            "{base}/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true"
        ))
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body(format!(r#"{{"snapshot":"snap-42-b","name":"{name}"}}"#))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sso_client_gets_a_token_that_restores_on_the_snapservice_listener() {
    install_crypto_provider();
    let server = MockServer::start(MockOptions::split(default_world())).unwrap();
    let (snap, vc) = (server.base_url(), server.vcenter_url());
    assert!(snap.starts_with("https://127.0.0.1:") && vc.starts_with("https://127.0.0.1:"));
    assert_ne!(snap, vc);
    let client = pinned_client(&server);

    let token = sso::request_token(
        &client,
        vc,
        &TokenRequest::new(ADMIN.0, ADMIN.1, Duration::from_secs(600)),
    )
    .await
    .unwrap();
    assert_eq!(token.subject(), ADMIN.0);
    let left = token
        .not_on_or_after()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(
        left > Duration::from_secs(590) && left <= Duration::from_secs(600),
        "{left:?}"
    );

    let r = restore(&client, snap, &token.authorization_header(), "over-sso").await;
    assert_eq!(r.status().as_u16(), 202);
    let task: String = r.json().await.unwrap();
    let mut status = String::new();
    for _ in 0..400 {
        let v: serde_json::Value = client
            .get(format!("{snap}/api/snapservice/tasks/{task}"))
            .header("authorization", token.authorization_header())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status = v["status"].as_str().unwrap_or("").to_owned();
        if status == "SUCCEEDED" || status == "FAILED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(status, "SUCCEEDED");

    // A wrong password is the STS's refusal, typed as bad credentials.
    let err = sso::request_token(
        &client,
        vc,
        &TokenRequest::new(ADMIN.0, "wrong", Duration::from_secs(60)),
    )
    .await
    .unwrap_err();
    assert!(err.is_bad_credentials(), "{err}");
    assert!(!err.to_string().contains("wrong"));
    // The snapservice listener has no STS: a 404 that is not a SOAP fault.
    let err = sso::request_token(
        &client,
        snap,
        &TokenRequest::new(ADMIN.0, ADMIN.1, Duration::from_secs(60)),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SsoError::Status { status: 404, .. }), "{err}");
    // Nothing crosses over the wire either.
    for url in [format!("{snap}/api/session"), format!("{vc}/__mock/state")] {
        let r = client.get(&url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 404, "{url}");
    }
    server.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expires_after_the_token_lifetime() {
    install_crypto_provider();
    let mut opts = MockOptions::split(default_world());
    opts.token_lifetime = Duration::from_millis(1500);
    let server = MockServer::start(opts).unwrap();
    let client = pinned_client(&server);
    let token = sso::request_token(
        &client,
        server.vcenter_url(),
        &TokenRequest::new(ADMIN.0, ADMIN.1, Duration::from_secs(600)),
    )
    .await
    .unwrap();
    let left = token
        .not_on_or_after()
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    assert!(left <= Duration::from_millis(1500), "{left:?}");
    let auth = token.authorization_header();
    assert_eq!(
        restore(&client, server.base_url(), &auth, "before-expiry")
            .await
            .status()
            .as_u16(),
        202
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let r = restore(&client, server.base_url(), &auth, "after-expiry").await;
    assert_eq!(r.status().as_u16(), 401);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error_type"], "UNAUTHENTICATED");
}

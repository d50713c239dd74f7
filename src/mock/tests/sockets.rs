//! The mock over real sockets: HTTPS with the pinned self-signed certificate, and plain HTTP.

use std::time::Duration;

use crate::mock::testutil::*;
use crate::mock::{MockOptions, MockServer, install_crypto_provider};

async fn exercise(base: &str, client: &reqwest::Client) {
    let login = client
        .post(format!("{base}/api/session"))
        .basic_auth(ADMIN.0, Some(ADMIN.1))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 201);
    let session: String = login.json().await.unwrap();
    let r = client
        .post(format!("{base}/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true"))
        .header("vmware-api-session-id", &session)
        .header("content-type", "application/json")
        .body(r#"{"snapshot":"snap-42-b","name":"over-the-wire"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let task: String = r.json().await.unwrap();
    let mut status = String::new();
    for _ in 0..200 {
        let v: serde_json::Value = client
            .get(format!("{base}/api/cis/tasks/{task}"))
            .header("vmware-api-session-id", &session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status = v["status"].as_str().unwrap().to_owned();
        if status == "SUCCEEDED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(status, "SUCCEEDED");
    // The control plane answers the loopback client.
    let r = client
        .get(format!("{base}/__mock/state"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = client.get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.headers()["content-type"], "application/json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_the_pinned_certificate() {
    install_crypto_provider();
    let server = MockServer::start(MockOptions::new(default_world())).unwrap();
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let pem = server.ca_pem().unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()])
        .no_proxy()
        .build()
        .unwrap();
    exercise(server.base_url(), &client).await;
    // By name too: the certificate covers localhost.
    let by_name = server.base_url().replace("127.0.0.1", "localhost");
    let r = client
        .get(format!("{by_name}/api/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // A client that trusts only the system roots refuses the self-signed certificate.
    let strict = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(
        strict
            .get(format!("{}/api/session", server.base_url()))
            .send()
            .await
            .is_err()
    );
    server.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http() {
    install_crypto_provider();
    let mut opts = MockOptions::new(default_world());
    opts.tls = false;
    let server = MockServer::start(opts).unwrap();
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    assert!(server.ca_pem().is_none());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    exercise(server.base_url(), &client).await;
    let base = server.base_url().to_owned();
    drop(server);
    // Stopped on drop: the port no longer answers.
    assert!(
        client
            .get(format!("{base}/api/session"))
            .send()
            .await
            .is_err()
    );
}

#[test]
fn start_fails_cleanly_on_a_taken_port() {
    let mut opts = MockOptions::new(default_world());
    opts.tls = false;
    let first = MockServer::start(opts).unwrap();
    let addr = first
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let mut opts = MockOptions::new(default_world());
    opts.listen = addr;
    assert!(MockServer::start(opts).is_err());
}

//! bad-tls: a verifying client refuses it; an insecure one talks to the vCenter behind it.

use super::support::*;
use crate::hostile::{HostileMode, HostileServer, WRONG_NAME};
use crate::model::Auth;
use crate::runner::{Observation, TargetConfig, TransportKind};

#[tokio::test]
async fn bad_tls_fails_verification() {
    let server = HostileServer::start(HostileMode::BadTls).unwrap();
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let client = client(config(&server));
    let (o, took) = observe(&client, &restore(Auth::NoHeader)).await;
    assert_transport(&o, TransportKind::Tls);
    assert!(took < BOUND, "{took:?}");
    assert_eq!(server.requests(), 0, "no request got through");
}

/// Trusting the certificate is not enough: it names `wrong.example`, not 127.0.0.1.
#[tokio::test]
async fn bad_tls_fails_on_the_name_even_when_its_certificate_is_trusted() {
    let server = HostileServer::start(HostileMode::BadTls).unwrap();
    let cfg = TargetConfig {
        ca_pem: server.certificate_pem().map(str::to_owned),
        ..config(&server)
    };
    let client = client(cfg);
    let (o, _) = observe(&client, &restore(Auth::NoHeader)).await;
    assert_transport(&o, TransportKind::Tls);
    let Observation::Transport { detail, .. } = &o else {
        unreachable!()
    };
    assert!(detail.contains("not valid for name"), "{detail}");
    assert!(detail.contains(WRONG_NAME), "{detail}");
}

#[tokio::test]
async fn bad_tls_connects_when_insecure() {
    let server = HostileServer::start(HostileMode::BadTls).unwrap();
    let cfg = TargetConfig {
        insecure: true,
        ..config(&server)
    };
    let client = client(cfg);
    client
        .login(ADMIN)
        .await
        .expect("login over unverified TLS");
    let (o, _) = observe(&client, &restore(Auth::Principal(ADMIN.into()))).await;
    assert_eq!(o.status(), Some(202), "{o:?}");
}

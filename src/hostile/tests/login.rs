//! The runner's login path against hostile targets: a failed login is an `Err` or an
//! `Observation`, never a panic, and never a request sent with a made-up session.

use super::support::*;
use crate::hostile::{HostileMode, HostileServer};
use crate::model::Auth;
use crate::runner::wire::SESSION_PLACEHOLDER;
use crate::runner::{ClientError, Observation, TransportKind};

#[tokio::test]
async fn login_works_against_unresolvable_task() {
    let server = HostileServer::start(HostileMode::UnresolvableTask).unwrap();
    let client = client(config(&server));
    client.login(ADMIN).await.expect("login succeeds");
    client
        .login(ADMIN)
        .await
        .expect("the cached session is reused");
    assert_eq!(server.requests(), 1);
    assert_eq!(
        client.issued_sessions(),
        vec!["hostile-session-0".to_owned()]
    );
    assert!(matches!(
        client.login("nobody@vsphere.local").await,
        Err(ClientError::UnknownPrincipal(_))
    ));
}

#[tokio::test]
async fn login_that_gets_garbage_is_an_error() {
    let server = HostileServer::start(HostileMode::Garbage).unwrap();
    let client = client(config(&server));
    match client.login(ADMIN).await {
        Err(ClientError::Login {
            principal,
            path,
            observed,
            flow,
            ..
        }) => {
            assert_eq!(flow, "basic-session");
            assert_eq!(principal, ADMIN);
            assert_eq!(path, "/api/session");
            assert!(observed.contains("(Protocol)"), "{observed}");
        }
        other => panic!("expected a login error, got {other:?}"),
    }
    assert!(client.issued_sessions().is_empty());
}

/// A request that needs a session reports the login's failure as its own observation, and
/// what it records as sent carries no session header.
#[tokio::test]
async fn request_whose_login_gets_garbage_observes_the_login_failure() {
    let server = HostileServer::start(HostileMode::Garbage).unwrap();
    let client = client(config(&server));
    let ex = client.send(&restore(Auth::Principal(ADMIN.into()))).await;
    match &ex.observation {
        Observation::Transport { transport, .. } => {
            assert_eq!(*transport, TransportKind::Protocol, "{:?}", ex.observation)
        }
        other => panic!("expected the login's transport failure, observed {other:?}"),
    }
    assert!(
        ex.request
            .headers
            .iter()
            .all(|(_, v)| v != SESSION_PLACEHOLDER),
        "{:?}",
        ex.request.headers
    );
    assert_eq!(server.requests(), 1, "only the login was attempted");
}

#[tokio::test]
async fn login_that_gets_an_html_error_is_an_error() {
    let server = HostileServer::start(HostileMode::HtmlErrors).unwrap();
    let client = client(config(&server));
    match client.login(ADMIN).await {
        Err(ClientError::Login { observed, .. }) => {
            assert!(observed.starts_with("500 (non-JSON body:"), "{observed}")
        }
        other => panic!("expected a login error, got {other:?}"),
    }
}

#[tokio::test]
async fn login_that_gets_silence_is_an_error_after_the_timeout() {
    let server = HostileServer::start(HostileMode::Silent).unwrap();
    let client = client(config(&server));
    let started = std::time::Instant::now();
    match client.login(ADMIN).await {
        Err(ClientError::Login { observed, .. }) => {
            assert_eq!(observed, "no answer within 2000 ms")
        }
        other => panic!("expected a login error, got {other:?}"),
    }
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
}

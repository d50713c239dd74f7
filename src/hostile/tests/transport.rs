//! Modes that break HTTP itself: each must become one precise `Observation`, quickly.

use std::time::Duration;

use super::support::*;
use crate::hostile::{HUGE_BODY_BYTES, HostileMode, HostileServer};
use crate::model::Auth;
use crate::runner::{Observation, RequestSpec, TransportKind};

#[tokio::test]
async fn garbage_is_a_protocol_failure() {
    let server = HostileServer::start(HostileMode::Garbage).unwrap();
    let client = client(config(&server));
    let (o, took) = observe(&client, &restore(Auth::NoHeader)).await;
    assert_transport(&o, TransportKind::Protocol);
    assert!(took < BOUND, "{took:?}");
    assert_eq!(server.requests(), 1, "the request reached the server");
}

/// The words the classifier looks for must be read from the error, not from the URL: a path
/// that happens to contain "tls" or "reset" says nothing about the failure. (Before the fix in
/// `runner::client::classify` this came out as `Tls`.)
#[tokio::test]
async fn garbage_is_a_protocol_failure_whatever_the_url_says() {
    let server = HostileServer::start(HostileMode::Garbage).unwrap();
    let client = client(config(&server));
    let spec = RequestSpec::get(
        "/api/vcenter/vm?names=tls-handshake-certificate-reset-closed",
        Auth::NoHeader,
    );
    let (o, _) = observe(&client, &spec).await;
    assert_transport(&o, TransportKind::Protocol);
}

/// 400 announcing 500 body bytes, 20 sent, then a clean close. The head was complete, so the
/// failure surfaces while reading the body; hyper reports "end of file before message length
/// reached", a body that does not match its framing: `Protocol` (a clean FIN is not a reset).
#[tokio::test]
async fn truncated_body_is_a_protocol_failure() {
    let server = HostileServer::start(HostileMode::Truncated).unwrap();
    let client = client(config(&server));
    let (o, took) = observe(&client, &restore(Auth::NoHeader)).await;
    assert_transport(&o, TransportKind::Protocol);
    assert!(took < BOUND, "{took:?}");
}

#[tokio::test]
async fn reset_after_partial_head_is_a_reset() {
    let server = HostileServer::start(HostileMode::Reset).unwrap();
    let client = client(config(&server));
    let (o, took) = observe(&client, &restore(Auth::NoHeader)).await;
    assert_transport(&o, TransportKind::Reset);
    assert!(took < BOUND, "{took:?}");
}

#[tokio::test]
async fn slow_drip_times_out_at_the_configured_timeout() {
    let server = HostileServer::start(HostileMode::SlowDrip).unwrap();
    let client = client(config(&server));
    let (o, took) = observe(&client, &restore(Auth::NoHeader)).await;
    assert_eq!(o, Observation::Timeout { after: TIMEOUT });
    // The timeout covers the whole exchange, so bytes trickling in do not extend it.
    assert!(took >= TIMEOUT.mul_f32(0.9), "{took:?}");
    assert!(took < BOUND, "{took:?}");
    assert!(
        server.bytes_sent() < 20,
        "only a few bytes dripped: {}",
        server.bytes_sent()
    );
}

#[tokio::test]
async fn silent_server_times_out() {
    let server = HostileServer::start(HostileMode::Silent).unwrap();
    let client = client(config(&server));
    let (o, took) = observe(&client, &restore(Auth::NoHeader)).await;
    assert_eq!(o, Observation::Timeout { after: TIMEOUT });
    assert!(took >= TIMEOUT.mul_f32(0.9), "{took:?}");
    assert!(took < BOUND, "{took:?}");
    assert_eq!(server.bytes_sent(), 0);
}

#[tokio::test]
async fn huge_body_stops_at_the_body_limit() {
    let server = HostileServer::start(HostileMode::HugeBody).unwrap();
    let client = client(config(&server));
    let (o, took) = observe(&client, &restore(Auth::NoHeader)).await;
    assert_transport(&o, TransportKind::BodyTooLarge);
    assert!(took < BOUND, "{took:?}");
    // The client stopped reading near 4 MiB; the server got further only by filling socket
    // buffers, nowhere near the 100 MB it announced.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        server.bytes_sent() < HUGE_BODY_BYTES / 2,
        "{} bytes sent",
        server.bytes_sent()
    );
}

/// Even requests: Content-Length is half the body. HTTP/1.1 framing ends the message at
/// Content-Length, so no client can tell the extra bytes were meant as body: the right
/// observation is a complete 202 whose body is the announced prefix (here, broken JSON the
/// oracle rejects). `Connection: close` keeps the extra bytes out of the next exchange.
/// Odd requests: Content-Length is twice the body and the server closes: like `truncated`,
/// a body that ends before its framing says, so `Protocol`.
#[tokio::test]
async fn wrong_length_gives_the_short_body_then_a_protocol_failure() {
    let server = HostileServer::start(HostileMode::WrongLength).unwrap();
    let client = client(config(&server));
    let (o, _) = observe(&client, &restore(Auth::NoHeader)).await;
    let Observation::Response { status, body, .. } = &o else {
        panic!("expected a response, observed {o:?}");
    };
    assert_eq!(*status, 202);
    let full =
        "\"00000000-0000-4000-8000-000000000000:com.vmware.snapservice.clusters.virtual_machines\"";
    assert_eq!(
        body.as_str(),
        &full[..full.len() / 2],
        "the announced prefix"
    );
    assert_eq!(o.json(), None, "the prefix is not JSON");

    let (o, took) = observe(&client, &restore(Auth::NoHeader)).await;
    assert_transport(&o, TransportKind::Protocol);
    assert!(took < BOUND, "{took:?}");
    assert_eq!(server.connections(), 2, "no connection was reused");
}

//! The bad-tls mode's certificate: self-signed and issued for a name the client never asks for,
//! so a verifying client fails the handshake for two reasons at once.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The only name the certificate is valid for.
pub const WRONG_NAME: &str = "wrong.example";

/// A TLS acceptor presenting a fresh self-signed certificate for `WRONG_NAME`, and that
/// certificate in PEM (so a test can trust it and still see the name mismatch).
pub(super) fn wrong_name_acceptor() -> io::Result<(RustlsAcceptor, String)> {
    // Both sides use ring (rust-notes.md, pitfall 2); installing it again is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let issued = rcgen::generate_simple_self_signed(vec![WRONG_NAME.to_owned()])
        .map_err(io::Error::other)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(issued.signing_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![issued.cert.der().clone()], key)
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    // A client that connects and never finishes the handshake is let go after this.
    let acceptor = RustlsAcceptor::new(RustlsConfig::from_config(Arc::new(config)))
        .handshake_timeout(Duration::from_secs(5));
    Ok((acceptor, issued.cert.pem()))
}

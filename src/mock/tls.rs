//! The mock's TLS identity: a self-signed certificate made at start for `127.0.0.1` and
//! `localhost` (and the listen address when it is another specific IP), so clients can pin it.
//! The server speaks HTTP/1.1 only over TLS, as the harness's client does with a real vCenter.

use std::net::IpAddr;
use std::sync::Arc;

use anyhow::Context;
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate, its PEM for clients to pin, and the server configuration that presents it.
pub(super) struct TlsIdentity {
    pub cert_pem: String,
    pub config: Arc<ServerConfig>,
}

/// Installs ring as the process's rustls provider; later calls (and other installers) win
/// nothing and lose nothing, so the result is ignored.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// One certificate for every listen address (the two listeners of a split mock share it).
pub(super) fn self_signed_for(listen: &[IpAddr]) -> anyhow::Result<TlsIdentity> {
    install_crypto_provider();
    let mut names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
    for ip in listen {
        let name = ip.to_string();
        if !ip.is_unspecified() && !ip.is_loopback() && !names.contains(&name) {
            names.push(name);
        }
    }
    let ck = rcgen::generate_simple_self_signed(names).context("generating the certificate")?;
    let cert: CertificateDer<'static> = ck.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .context("TLS server certificate")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsIdentity {
        cert_pem: ck.cert.pem(),
        config: Arc::new(config),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_a_pem_certificate() {
        let id = self_signed_for(&["127.0.0.1".parse().unwrap()]).unwrap();
        assert!(id.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(id.config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }
}

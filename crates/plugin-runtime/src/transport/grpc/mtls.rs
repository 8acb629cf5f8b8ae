//! go-plugin's AutoMTLS, plugin side. A host with `AutoMTLS: true` generates a throwaway
//! client certificate and passes its PEM in `PLUGIN_CLIENT_CERT`. The plugin then generates its
//! own throwaway server certificate, serves TLS (1.2 or 1.3) that requires the client to present
//! exactly that certificate, and returns its certificate in the handshake line's 6th field as
//! base64 (standard alphabet, no padding) of the DER; the host trusts only that certificate.
//!
//! The certificate has the shape go-plugin gives it (mtls.go): ECDSA P-521 key, subject
//! CN=localhost, O=HashiCorp, SAN DNS:localhost (the host checks the name `localhost`),
//! key usages digitalSignature, keyEncipherment, keyAgreement and keyCertSign, extended key
//! usages clientAuth and serverAuth, a CA without path length limit, a random 128-bit serial,
//! valid from 30 s ago for 262,980 hours (30 years).
//!
//! The host's certificate is such a self-signed CA certificate too. WebPKI path validation (what
//! tonic's `ServerTlsConfig` uses) refuses a CA certificate as the client's own certificate, so
//! the client is checked here by pinning: its certificate must be byte-for-byte one of those in
//! `PLUGIN_CLIENT_CERT`, and its handshake signature must verify with that certificate's key.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Where go-plugin's host puts the PEM of its client certificate.
pub const CLIENT_CERT_ENV: &str = "PLUGIN_CLIENT_CERT";

/// How long a connecting client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The server side of AutoMTLS, ready to accept connections.
#[derive(Clone)]
pub struct AutoMtls {
    acceptor: TlsAcceptor,
    server_cert: CertificateDer<'static>,
}

impl std::fmt::Debug for AutoMtls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoMtls").finish_non_exhaustive()
    }
}

impl AutoMtls {
    /// AutoMTLS when the host asked for it (`PLUGIN_CLIENT_CERT` set and not empty).
    pub fn from_env() -> Result<Option<Self>, String> {
        match std::env::var(CLIENT_CERT_ENV) {
            Ok(pem) if !pem.is_empty() => Self::new(pem.as_bytes()).map(Some),
            _ => Ok(None),
        }
    }

    /// A fresh server certificate, trusting only the client certificate(s) in `client_pem`.
    pub fn new(client_pem: &[u8]) -> Result<Self, String> {
        let pinned = CertificateDer::pem_slice_iter(client_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{CLIENT_CERT_ENV}: {e}"))?;
        if pinned.is_empty() {
            return Err(format!("{CLIENT_CERT_ENV}: no certificate in it"));
        }
        for cert in &pinned {
            rustls::server::ParsedCertificate::try_from(cert)
                .map_err(|e| format!("{CLIENT_CERT_ENV}: {e}"))?;
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let (server_cert, key) = server_certificate(&provider)?;
        let verifier = PinnedClientCert {
            pinned,
            algorithms: provider.signature_verification_algorithms,
        };
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(vec![server_cert.clone()], key)
            .map_err(|e| format!("server certificate: {e}"))?;
        // gRPC runs over HTTP/2; newer grpc-go clients insist on negotiating it.
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            server_cert,
        })
    }

    /// The handshake line's 6th field: the server certificate's DER in base64, standard
    /// alphabet without padding (Go's `base64.RawStdEncoding`), which the host decodes.
    pub fn handshake_field(&self) -> String {
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(self.server_cert.as_ref())
    }

    /// The server certificate (DER).
    pub fn server_cert(&self) -> &CertificateDer<'static> {
        &self.server_cert
    }

    /// Runs the TLS handshake on an accepted connection.
    pub async fn accept<IO>(&self, io: IO) -> std::io::Result<TlsStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(io)).await {
            Ok(r) => r,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "TLS handshake timed out",
            )),
        }
    }
}

/// A certificate and PKCS#8 key shaped like go-plugin's `generateCert`.
fn server_certificate(
    provider: &CryptoProvider,
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), String> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName as Dn, DnType, ExtendedKeyUsagePurpose, IsCa,
        KeyPair, KeyUsagePurpose, SerialNumber,
    };
    let fail = |e: rcgen::Error| format!("generating the server certificate: {e}");
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).map_err(fail)?;
    let host = "localhost";
    let mut params = CertificateParams::new(vec![host.to_string()]).map_err(fail)?;
    let mut subject = Dn::new();
    subject.push(DnType::OrganizationName, "HashiCorp");
    subject.push(DnType::CommonName, host);
    params.distinguished_name = subject;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(262_980);
    let mut serial = [0u8; 16];
    provider
        .secure_random
        .fill(&mut serial)
        .map_err(|e| format!("generating the server certificate: {e:?}"))?;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    let cert = params.self_signed(&key).map_err(fail)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key))
}

/// Accepts exactly the pinned certificates, with a handshake signature from their key.
#[derive(Debug)]
struct PinnedClientCert {
    pinned: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    /// No hints: the host holds exactly the certificate it told us about and sends it.
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self.pinned.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(der: &[u8]) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::aws_lc_rs::default_provider())
    }

    #[test]
    fn grpc_mtls_handshake_field_is_unpadded_standard_base64_of_the_der() {
        let (client, _) = server_certificate(&provider()).unwrap();
        let m = AutoMtls::new(pem(client.as_ref()).as_bytes()).unwrap();
        let field = m.handshake_field();
        assert!(!field.contains('=') && !field.contains('\n') && !field.contains('|'));
        assert!(
            field.len() > 50,
            "go-plugin ignores a field of 50 characters or less"
        );
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(&field)
            .unwrap();
        assert_eq!(der, m.server_cert().as_ref());
        // Fresh every time.
        let again = AutoMtls::new(pem(client.as_ref()).as_bytes()).unwrap();
        assert_ne!(again.server_cert(), m.server_cert());
    }

    #[test]
    fn grpc_mtls_refuses_a_client_cert_variable_without_a_certificate() {
        assert!(AutoMtls::new(b"").is_err());
        assert!(AutoMtls::new(b"not a pem").is_err());
        assert!(AutoMtls::new(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").is_err());
    }

    #[test]
    fn grpc_mtls_accepts_only_the_pinned_client_certificate() {
        let p = provider();
        let (pinned, _) = server_certificate(&p).unwrap();
        let (other, _) = server_certificate(&p).unwrap();
        let v = PinnedClientCert {
            pinned: vec![pinned.clone()],
            algorithms: p.signature_verification_algorithms,
        };
        let now = UnixTime::now();
        assert!(v.verify_client_cert(&pinned, &[], now).is_ok());
        assert!(v.verify_client_cert(&other, &[], now).is_err());
        assert!(v.verify_client_cert(&other, &[pinned], now).is_err());
        assert!(
            v.supported_verify_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
        );
    }
}

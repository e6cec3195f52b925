//! The client's verifier of server certificates: [`PkiServerVerifier`], with optional pins.

use std::sync::Arc;

use kavach_keys::Sha256Thumbprint;
use kavach_pki::{Certificate, Crl, Purpose, ServerName, TrustDomain, Validator, VerifiedPath};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{CommonState, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, UnixTime};

use crate::tls::clock::SharedClock;
use crate::tls::crls::CrlStore;
use crate::tls::error::{Error, HandshakeRefusal, PinKind, other};
use crate::tls::verify::PeerValidation;

/// Most pins one verifier holds (a current and a next key, with room for a rotation overlap).
pub const MAX_PINS: usize = 8;

/// A pinned server identity: the SHA-256 of the server certificate's SubjectPublicKeyInfo (it
/// survives a re-issued certificate with the same key) or of the whole certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerPin {
    kind: PinKind,
    sha256: Sha256Thumbprint,
}

impl ServerPin {
    /// A pin on the SHA-256 of the SubjectPublicKeyInfo DER.
    pub fn spki_sha256(sha256: [u8; 32]) -> Self {
        Self {
            kind: PinKind::SpkiSha256,
            sha256: Sha256Thumbprint(sha256),
        }
    }

    /// A pin on the SHA-256 of the certificate DER (its `x5t#S256`).
    pub fn certificate_sha256(sha256: [u8; 32]) -> Self {
        Self {
            kind: PinKind::CertificateSha256,
            sha256: Sha256Thumbprint(sha256),
        }
    }

    /// The pin of `kind` that `certificate` matches.
    pub fn of(certificate: &Certificate, kind: PinKind) -> Result<Self, Error> {
        Ok(Self {
            kind,
            sha256: thumbprint(certificate, kind)?,
        })
    }

    /// What the pin compares.
    pub fn kind(&self) -> PinKind {
        self.kind
    }

    /// The pinned SHA-256.
    pub fn sha256(&self) -> &[u8; 32] {
        self.sha256.as_bytes()
    }
}

fn thumbprint(certificate: &Certificate, kind: PinKind) -> Result<Sha256Thumbprint, kavach_pki::Error> {
    Ok(match kind {
        PinKind::CertificateSha256 => certificate.sha256_thumbprint(),
        PinKind::SpkiSha256 => {
            use kavach_pki::x509_cert::der::Encode;
            let spki = certificate
                .inner()
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .map_err(|source| kavach_pki::Error::Der {
                    what: "SubjectPublicKeyInfo",
                    source,
                })?;
            Sha256Thumbprint::of_der(&spki)
        }
    })
}

/// A rustls [`ServerCertVerifier`] backed by kavach-pki: the server's certificate is
/// validated for [`Purpose::TlsServer`] and the name the client connects to (a DNS name or an
/// IP address, against subjectAltName only) against the given trust domains, at the time of
/// the caller's clock, with the CRLs of its [`CrlStore`]; then, when pins are set, it must
/// match one of them (a mismatch fails the handshake with [`HandshakeRefusal::PinMismatch`]).
/// Handshake signatures are checked with the provider's signature verification algorithms.
///
/// The server's [`VerifiedPath`] is recorded and looked up as on the server side (see
/// [`PkiClientVerifier`](crate::tls::PkiClientVerifier)), together with the server name it
/// was validated for: [`PkiServerVerifier::peer_path`].
#[derive(Debug)]
pub struct PkiServerVerifier {
    validation: PeerValidation,
    pins: Vec<ServerPin>,
}

impl PkiServerVerifier {
    /// A verifier for servers of `domains` (at least one), sharing `validator`'s caches, with
    /// time from `clock`, and the signature verification algorithms of `provider` (use the
    /// provider of the client configuration). No pins, no CRLs until set.
    pub fn new(
        validator: Arc<Validator>,
        domains: Vec<TrustDomain>,
        clock: SharedClock,
        provider: &CryptoProvider,
    ) -> Result<Self, Error> {
        Ok(Self {
            validation: PeerValidation::new(
                validator,
                domains,
                clock,
                Purpose::TlsServer,
                provider.signature_verification_algorithms,
            )?,
            pins: Vec::new(),
        })
    }

    /// Adds a pin: once any pin is set, the server's end-entity certificate must match one
    /// (after it validated). At most [`MAX_PINS`]; more is refused.
    pub fn with_pin(mut self, pin: ServerPin) -> Result<Self, Error> {
        if self.pins.len() >= MAX_PINS {
            return Err(Error::TooManyPins { max: MAX_PINS });
        }
        self.pins.push(pin);
        Ok(self)
    }

    /// The pins.
    pub fn pins(&self) -> &[ServerPin] {
        &self.pins
    }

    /// Checks revocation against `crls`, a store that may be shared with other verifiers.
    pub fn with_crls(mut self, crls: CrlStore) -> Self {
        self.validation.crls = crls;
        self
    }

    /// The CRL store (a handle on the same list).
    pub fn crls(&self) -> &CrlStore {
        &self.validation.crls
    }

    /// Replaces the CRLs: the next handshake is checked against `crls`; recorded paths are
    /// forgotten.
    pub fn reload_crls(&self, crls: Vec<Crl>) -> Result<(), Error> {
        self.validation.reload_crls(crls)
    }

    /// The [`VerifiedPath`] of the server of `conn` (a `rustls::ClientConnection`'s
    /// [`CommonState`]) for `server_name`, the name the client connected to; `None` when the
    /// handshake has not completed or the certificate no longer validates for that name.
    pub fn peer_path(&self, conn: &CommonState, server_name: &ServerName) -> Option<VerifiedPath> {
        let path = self
            .validation
            .peer_path(conn.peer_certificates()?, Some(server_name))?;
        self.check_pins(path.end_entity()).ok()?;
        Some(path)
    }

    fn check_pins(&self, ee: &Certificate) -> Result<(), HandshakeRefusal> {
        let Some(first) = self.pins.first() else {
            return Ok(());
        };
        let mut presented = None;
        for pin in &self.pins {
            let t = thumbprint(ee, pin.kind).map_err(HandshakeRefusal::Path)?;
            if t.ct_eq(&pin.sha256) {
                return Ok(());
            }
            if pin.kind == first.kind {
                presented = Some(t);
            }
        }
        let presented = presented.map(|t| t.to_hex()).unwrap_or_default();
        Err(HandshakeRefusal::PinMismatch {
            kind: first.kind,
            expected: first.sha256.to_hex(),
            presented,
            subject: ee.subject().to_string(),
        })
    }
}

/// rustls's server name as kavach-pki's.
fn server_name(name: &rustls_pki_types::ServerName<'_>) -> Result<ServerName, HandshakeRefusal> {
    match name {
        rustls_pki_types::ServerName::DnsName(d) => {
            ServerName::parse(d.as_ref()).map_err(|_| HandshakeRefusal::ServerName(d.as_ref().to_owned()))
        }
        rustls_pki_types::ServerName::IpAddress(ip) => Ok(ServerName::Ip(std::net::IpAddr::from(*ip))),
        other => Err(HandshakeRefusal::ServerName(format!("{other:?}"))),
    }
}

impl ServerCertVerifier for PkiServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        // rustls's idea of the time is not used: the caller's clock is (kavach's rule).
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let name = server_name(name).map_err(|r| rustls::Error::InvalidCertificate(other(r)))?;
        let path = self
            .validation
            .validate(end_entity.as_ref(), intermediates, Some(&name))?;
        if let Err(refusal) = self.check_pins(path.end_entity()) {
            tracing::warn!(code = refusal.code(), server = %name, "TLS server refused: {refusal}");
            return Err(rustls::Error::InvalidCertificate(other(refusal)));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.validation.verify_tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.validation.verify_tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.validation.schemes()
    }
}

//! The server's verifier of client certificates: [`PkiClientVerifier`].

use std::sync::Arc;

use kavach_pki::{Crl, Purpose, TrustDomain, Validator, VerifiedPath};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CommonState, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::{CertificateDer, UnixTime};

use crate::tls::clock::SharedClock;
use crate::tls::crls::CrlStore;
use crate::tls::error::Error;
use crate::tls::verify::PeerValidation;

/// Whether a server asks for, and insists on, a client certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// A client without a certificate is refused during the handshake (the partner exchange).
    Required,
    /// A client may connect without a certificate (the device protocol's enrollment, before the
    /// device has one); a certificate that *is* presented is validated all the same, and a
    /// failing one refuses the handshake.
    Optional,
}

/// A rustls [`ClientCertVerifier`] backed by kavach-pki: the client's certificate is validated
/// for [`Purpose::TlsClient`] against the given trust domains (the first that accepts it
/// wins), at the time of the caller's clock, with the CRLs of its [`CrlStore`]; the
/// handshake signature is checked with the provider's signature verification algorithms.
///
/// # The client's [`VerifiedPath`]
///
/// rustls keeps only the peer's certificates after the handshake. The verifier records every
/// path it validated, keyed by the SHA-256 of the end-entity certificate (at most
/// [`MAX_RECORDED_PATHS`](crate::tls::MAX_RECORDED_PATHS), oldest dropped first), and
/// [`PkiClientVerifier::peer_path`] looks a connection's peer up there, comparing the DER
/// byte for byte. A path that is no longer recorded (dropped by the bound, or cleared by a
/// CRL reload) is validated again through the warm [`Validator`] (its signature cache makes
/// that a few microseconds) — and so a certificate revoked since its handshake gets `None`.
#[derive(Debug)]
pub struct PkiClientVerifier {
    validation: PeerValidation,
    auth: ClientAuth,
    hints: Vec<DistinguishedName>,
}

impl PkiClientVerifier {
    /// A verifier for clients of `domains` (at least one), sharing `validator`'s caches, with
    /// time from `clock`, and the signature verification algorithms of `provider` (use the
    /// provider of the server configuration). No CRLs until [`PkiClientVerifier::with_crls`]
    /// or [`PkiClientVerifier::reload_crls`].
    pub fn new(
        validator: Arc<Validator>,
        domains: Vec<TrustDomain>,
        clock: SharedClock,
        auth: ClientAuth,
        provider: &CryptoProvider,
    ) -> Result<Self, Error> {
        let hints = domains
            .iter()
            .flat_map(|d| d.anchors().iter())
            .map(|a| {
                use kavach_pki::x509_cert::der::Encode;
                a.subject().to_der().map(DistinguishedName::from)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| {
                Error::Pki(kavach_pki::Error::Der {
                    what: "trust anchor subject",
                    source,
                })
            })?;
        Ok(Self {
            validation: PeerValidation::new(
                validator,
                domains,
                clock,
                Purpose::TlsClient,
                provider.signature_verification_algorithms,
            )?,
            auth,
            hints,
        })
    }

    /// Checks revocation against `crls`, a store that may be shared with other verifiers and
    /// reloaded through any handle.
    pub fn with_crls(mut self, crls: CrlStore) -> Self {
        self.validation.crls = crls;
        self
    }

    /// The CRL store (a handle on the same list).
    pub fn crls(&self) -> &CrlStore {
        &self.validation.crls
    }

    /// Replaces the CRLs: the next handshake is checked against `crls`. Recorded paths are
    /// forgotten, so [`PkiClientVerifier::peer_path`] validates again under the new list.
    pub fn reload_crls(&self, crls: Vec<Crl>) -> Result<(), Error> {
        self.validation.reload_crls(crls)
    }

    /// The client-certificate policy.
    pub fn client_auth(&self) -> ClientAuth {
        self.auth
    }

    /// The [`VerifiedPath`] of the client of `conn` (a `rustls::ServerConnection`, or any
    /// connection's [`CommonState`]) after its handshake; `None` when it presented no
    /// certificate, or when its certificate no longer validates (see the type's docs).
    pub fn peer_path(&self, conn: &CommonState) -> Option<VerifiedPath> {
        self.validation.peer_path(conn.peer_certificates()?, None)
    }
}

impl ClientCertVerifier for PkiClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.auth == ClientAuth::Required
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        // rustls's idea of the time is not used: the caller's clock is (kavach's rule).
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.validation.validate(end_entity.as_ref(), intermediates, None)?;
        Ok(ClientCertVerified::assertion())
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

//! What both verifiers share: parsing the peer's certificates through the warm
//! [`Validator`], validating them for a purpose against the trust domains at the clock's time
//! with the current CRLs, recording the resulting path, and checking handshake signatures
//! through the provider.

use std::sync::Arc;

use kavach_pki::{
    Certificate, MAX_SUPPLIED_INTERMEDIATES, Purpose, ServerName, TrustDomain, ValidationOptions, Validator,
    VerifiedPath,
};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls_pki_types::CertificateDer;

use crate::tls::clock::SharedClock;
use crate::tls::crls::CrlStore;
use crate::tls::error::{Error, path_refused};
use crate::tls::paths::{PathRecord, Recorded};

/// The validation state of one verifier.
pub(crate) struct PeerValidation {
    pub(crate) validator: Arc<Validator>,
    pub(crate) domains: Vec<TrustDomain>,
    pub(crate) clock: SharedClock,
    pub(crate) crls: CrlStore,
    pub(crate) purpose: Purpose,
    pub(crate) algorithms: WebPkiSupportedAlgorithms,
    pub(crate) record: PathRecord,
}

impl core::fmt::Debug for PeerValidation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PeerValidation")
            .field(
                "domains",
                &self.domains.iter().map(TrustDomain::name).collect::<Vec<_>>(),
            )
            .field("purpose", &self.purpose)
            .field("crls", &self.crls.current().len())
            .finish_non_exhaustive()
    }
}

impl PeerValidation {
    pub(crate) fn new(
        validator: Arc<Validator>,
        domains: Vec<TrustDomain>,
        clock: SharedClock,
        purpose: Purpose,
        algorithms: WebPkiSupportedAlgorithms,
    ) -> Result<Self, Error> {
        if domains.is_empty() {
            return Err(Error::NoTrustDomain);
        }
        Ok(Self {
            validator,
            domains,
            clock,
            crls: CrlStore::default(),
            purpose,
            algorithms,
            record: PathRecord::default(),
        })
    }

    /// Validates the peer's chain; on success records and returns the path.
    pub(crate) fn validate(
        &self,
        end_entity: &[u8],
        intermediates: &[CertificateDer<'_>],
        server_name: Option<&ServerName>,
    ) -> Result<VerifiedPath, rustls::Error> {
        let path = self.validate_unrecorded(end_entity, intermediates, server_name)?;
        self.record.insert(Recorded {
            path: path.clone(),
            server_name: server_name.cloned(),
        });
        Ok(path)
    }

    fn validate_unrecorded(
        &self,
        end_entity: &[u8],
        intermediates: &[CertificateDer<'_>],
        server_name: Option<&ServerName>,
    ) -> Result<VerifiedPath, rustls::Error> {
        // Nothing the peer sent has proven anything yet: parse without filling the cache.
        let ee = self
            .validator
            .parse_certificate_uncached(end_entity)
            .map_err(|e| self.refused(None, e))?;
        if intermediates.len() > MAX_SUPPLIED_INTERMEDIATES {
            return Err(self.refused(
                Some(&ee),
                kavach_pki::Error::TooMany {
                    what: "intermediate certificates",
                    count: intermediates.len(),
                    max: MAX_SUPPLIED_INTERMEDIATES,
                },
            ));
        }
        let mut chain = Vec::with_capacity(intermediates.len());
        for der in intermediates {
            chain.push(
                self.validator
                    .parse_certificate_uncached(der.as_ref())
                    .map_err(|e| self.refused(Some(&ee), e))?,
            );
        }
        let crls = self.crls.current();
        let mut options = ValidationOptions::new(self.purpose, self.clock.now()).with_crls(&crls);
        if let Some(name) = server_name {
            options = options.with_server_name(name);
        }
        let mut refusal: Option<kavach_pki::Error> = None;
        for domain in &self.domains {
            match self.validator.verify(domain, &ee, &chain, &options) {
                Ok(path) => {
                    // Validated: now the certificates may warm the cache.
                    self.validator.remember_certificate(ee);
                    for c in chain {
                        self.validator.remember_certificate(c);
                    }
                    return Ok(path);
                }
                // Report the most telling refusal: one from a domain the chain reached
                // beats "unknown issuer" from the others.
                Err(e) => {
                    let replace = match &refusal {
                        None => true,
                        Some(kavach_pki::Error::UnknownIssuer { .. }) => {
                            !matches!(e, kavach_pki::Error::UnknownIssuer { .. })
                        }
                        Some(_) => false,
                    };
                    if replace {
                        refusal = Some(e);
                    }
                }
            }
        }
        Err(match refusal {
            Some(e) => self.refused(Some(&ee), e),
            // `domains` is never empty (checked in `new`).
            None => rustls::Error::General("no trust domain".into()),
        })
    }

    fn refused(&self, ee: Option<&Certificate>, e: kavach_pki::Error) -> rustls::Error {
        match ee {
            Some(c) => tracing::warn!(
                code = e.code(),
                purpose = %self.purpose,
                peer = %c.subject(),
                "TLS peer certificate refused"
            ),
            None => tracing::warn!(code = e.code(), purpose = %self.purpose, "TLS peer certificate refused"),
        }
        path_refused(e)
    }

    /// The path of the peer whose certificates are `peer` (end entity first): the one
    /// recorded at its handshake, or else validated again now through the warm validator.
    pub(crate) fn peer_path(
        &self,
        peer: &[CertificateDer<'_>],
        server_name: Option<&ServerName>,
    ) -> Option<VerifiedPath> {
        let (ee, intermediates) = peer.split_first()?;
        if let Some(r) = self.record.get(ee.as_ref())
            && r.server_name.as_ref() == server_name
        {
            return Some(r.path);
        }
        self.validate(ee.as_ref(), intermediates, server_name).ok()
    }

    pub(crate) fn reload_crls(&self, crls: Vec<kavach_pki::Crl>) -> Result<(), Error> {
        self.crls.reload(crls)?;
        // Paths recorded under the old list may no longer hold: validate them again.
        self.record.clear();
        Ok(())
    }

    pub(crate) fn verify_tls12(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    pub(crate) fn verify_tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    pub(crate) fn schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

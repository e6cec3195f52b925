//! RFC 5280 §6 path building and validation: [`Validator::verify`] returns a [`VerifiedPath`]
//! or the most useful reason no path was valid.

mod budget;
mod cache;
mod options;
mod path;
mod purpose;
mod revocation;

use std::sync::RwLock;
use std::time::SystemTime;

pub use budget::Work;
pub use options::ValidationOptions;

use crate::cert::Certificate;
use crate::error::Result;
use crate::limits::{DEFAULT_CERTIFICATE_CACHE, DEFAULT_CERTIFICATE_CACHE_BYTES, DEFAULT_SIGNATURE_CACHE};
use crate::purpose::Purpose;
use crate::store::TrustDomain;

/// A path from an end entity to a trust anchor that passed every check. Only this crate
/// constructs it; whatever acts on a validated certificate should take this proof.
#[derive(Clone, Debug)]
pub struct VerifiedPath {
    chain: Vec<Certificate>,
    purpose: Purpose,
    domain: String,
    verified_at: SystemTime,
}

impl VerifiedPath {
    /// The end-entity certificate.
    pub fn end_entity(&self) -> &Certificate {
        // `chain` always holds at least the end entity and the anchor.
        &self.chain[0]
    }

    /// The path: end entity first, then the intermediates, the trust anchor last.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The trust anchor the path ends at.
    pub fn trust_anchor(&self) -> &Certificate {
        &self.chain[self.chain.len() - 1]
    }

    /// The purpose the end entity was validated for.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// The name of the trust domain.
    pub fn domain_name(&self) -> &str {
        &self.domain
    }

    /// The validation time used.
    pub fn verified_at(&self) -> SystemTime {
        self.verified_at
    }
}

/// Validates certificate paths; holds bounded caches so that validating the same chains again
/// (a server seeing the same partners on every request) does not verify their signatures
/// again. `Send + Sync`: share one in an `Arc`.
///
/// What is cached never depends on the call: parsed certificates (by the SHA-256 of their DER,
/// compared byte for byte on a hit) and "this signature verified with that issuer" (keyed by
/// the SHA-256 of both exact DERs). Validity at the given time, purpose, name, constraints,
/// key policy, revocation and the anchor's membership of the given domain are checked on
/// every call.
#[derive(Debug)]
pub struct Validator {
    certificates: RwLock<cache::Bounded<[u8; 32], Certificate>>,
    signatures: cache::SignatureCache,
}

impl Default for Validator {
    fn default() -> Self {
        Self::new()
    }
}

impl Validator {
    /// A validator with the default cache capacities.
    pub fn new() -> Self {
        Self::with_cache_capacity(DEFAULT_CERTIFICATE_CACHE, DEFAULT_SIGNATURE_CACHE)
    }

    /// A validator whose caches hold at most `certificates` parsed certificates (and
    /// [`DEFAULT_CERTIFICATE_CACHE_BYTES`] of their DER) and `signatures` verified signatures
    /// (0 disables a cache).
    pub fn with_cache_capacity(certificates: usize, signatures: usize) -> Self {
        Self {
            certificates: RwLock::new(cache::Bounded::with_max_weight(
                certificates,
                DEFAULT_CERTIFICATE_CACHE_BYTES,
            )),
            signatures: cache::SignatureCache::new(signatures),
        }
    }

    /// [`Certificate::from_der`] through the parsed-certificate cache.
    pub fn parse_certificate(&self, der: &[u8]) -> Result<Certificate> {
        let cert = self.parse_certificate_uncached(der)?;
        Ok(self.remember_certificate(cert))
    }

    /// [`Certificate::from_der`], answered from the parsed-certificate cache when it holds the
    /// certificate, but never adding to it: for certificates whose sender has proven nothing
    /// yet (a JWS's `x5c[0]` before its signature is checked). [`Validator::remember_certificate`]
    /// adds it later.
    pub fn parse_certificate_uncached(&self, der: &[u8]) -> Result<Certificate> {
        let key = *kavach_keys::Sha256Thumbprint::of_der(der).as_bytes();
        if let Ok(cache) = self.certificates.read()
            && let Some(c) = cache.get(&key)
            && c.der() == der
        {
            return Ok(c.clone());
        }
        Certificate::from_der(der)
    }

    /// Adds `cert` to the parsed-certificate cache (evicting the oldest entries beyond its
    /// bounds) and returns it, or the equal certificate already cached.
    pub fn remember_certificate(&self, cert: Certificate) -> Certificate {
        if let Ok(mut cache) = self.certificates.write() {
            let key = *cert.sha256();
            if let Some(c) = cache.get(&key)
                && c.der() == cert.der()
            {
                return c.clone();
            }
            cache.insert_weighted(key, cert.clone(), cert.der().len());
        }
        cert
    }

    /// Number of parsed certificates cached, and the bytes of DER they hold.
    pub fn cached_certificates(&self) -> (usize, usize) {
        self.certificates
            .read()
            .map(|c| (c.len(), c.weight()))
            .unwrap_or((0, 0))
    }

    /// Number of verified signatures cached.
    pub fn cached_signatures(&self) -> usize {
        self.signatures.len()
    }

    /// Empties both caches.
    pub fn clear_caches(&self) {
        if let Ok(mut c) = self.certificates.write() {
            c.clear();
        }
        self.signatures.clear();
    }

    /// Validates `end_entity` for `options.purpose()` at `options.time()`, building a path to an
    /// anchor of `domain` through `intermediates` and the domain's own intermediates.
    ///
    /// On failure the error is the most useful among the candidate paths' failures (budget
    /// exhaustion first, then failures of the end entity itself, then failures on a path that
    /// reached a trust anchor; "unknown issuer" last).
    pub fn verify(
        &self,
        domain: &TrustDomain,
        end_entity: &Certificate,
        intermediates: &[Certificate],
        options: &ValidationOptions<'_>,
    ) -> Result<VerifiedPath> {
        self.verify_with_work(domain, end_entity, intermediates, options).0
    }

    /// [`Validator::verify`], also reporting the [`Work`] the validation did (for metrics, and
    /// to show that a hostile input is refused within the limits).
    pub fn verify_with_work(
        &self,
        domain: &TrustDomain,
        end_entity: &Certificate,
        intermediates: &[Certificate],
        options: &ValidationOptions<'_>,
    ) -> (Result<VerifiedPath>, Work) {
        let mut work = Work::default();
        let result =
            path::build(&self.signatures, domain, end_entity, intermediates, options, &mut work).map(|chain| {
                VerifiedPath {
                    chain,
                    purpose: options.purpose,
                    domain: domain.name().to_owned(),
                    verified_at: options.time,
                }
            });
        (result, work)
    }
}

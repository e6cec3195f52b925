//! Rule 26, on the device: the platform's encryption certificate as the management server
//! relays it, trusted only through the platform entries the device holds from firmware or
//! provisioning — never from the management server.

use std::time::SystemTime;

use kavach_jws::CompactJws;
use kavach_jws::danger::{BareKey, verify_with_bare_key};
use kavach_pki::x509_cert::der::asn1::{PrintableStringRef, Utf8StringRef};
use kavach_pki::{Certificate, GeneralName, ObjectIdentifier, Purpose, TrustDomain, ValidationOptions, Validator};

use crate::command::PlatformCertificate;
use crate::grammar::{Env, HttpsUri};
use crate::platform::error::{PlatformApiError, Result};
use crate::platform::wire::{header_member, parse_certificate_list};

/// Most platform entries a device holds.
pub const MAX_PLATFORM_ENTRIES: usize = 16;
/// Longest expected certificate name.
pub const MAX_EXPECTED_NAME_LEN: usize = 253;

/// The subject commonName attribute (2.5.4.3).
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// One platform the device trusts, for one (`env`, `domainUri`): provisioned in firmware, never
/// taken from the management server.
#[derive(Clone, Debug)]
pub struct PlatformEntry {
    /// The environment.
    pub env: Env,
    /// The authentication server.
    pub domain_uri: HttpsUri,
    /// The platform's signing anchor: the §5 response JWS must chain to it (purpose signing).
    pub signing: TrustDomain,
    /// The platform's encryption anchor: each certificate must chain to it (purpose
    /// encryption).
    pub encryption: TrustDomain,
    /// The name the encryption certificate must carry: its subject commonName (a UTF8String or
    /// PrintableString, byte for byte) or one of its dNSName subjectAltNames (ASCII case
    /// ignored, as DNS does). Either form is accepted because MOSIP's platform certificates are
    /// named by CN while a kavach platform may issue dNSName SANs.
    pub expected_name: String,
}

/// The platform entries of a device (at most [`MAX_PLATFORM_ENTRIES`], one per (`env`,
/// `domainUri`)).
#[derive(Clone, Debug)]
pub struct PlatformAnchors {
    entries: Vec<PlatformEntry>,
}

/// A platform encryption certificate that passed rule 26.
#[derive(Clone, Debug)]
pub struct VerifiedPlatformCertificate {
    env: Env,
    domain_uri: HttpsUri,
    certificate: Certificate,
}

impl VerifiedPlatformCertificate {
    /// The environment.
    pub fn env(&self) -> Env {
        self.env
    }

    /// The authentication server.
    pub fn domain_uri(&self) -> &HttpsUri {
        &self.domain_uri
    }

    /// The chosen certificate (the valid one with the latest notBefore).
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Its notBefore.
    pub fn not_before(&self) -> SystemTime {
        self.certificate.not_before()
    }
}

fn valid_at(
    validator: &Validator,
    domain: &TrustDomain,
    cert: &Certificate,
    intermediates: &[Certificate],
    purpose: Purpose,
    lo: SystemTime,
    hi: Option<SystemTime>,
) -> bool {
    let at = |t| {
        validator
            .verify(domain, cert, intermediates, &ValidationOptions::new(purpose, t))
            .is_ok()
    };
    at(lo) && hi.is_none_or(at)
}

/// Whether `cert` carries `expected` as subject commonName or dNSName subjectAltName.
fn has_name(cert: &Certificate, expected: &str) -> bool {
    let san = cert.subject_alt_names().unwrap_or(&[]).iter().any(|name| match name {
        GeneralName::DnsName(dns) => dns.as_str().eq_ignore_ascii_case(expected),
        _ => false,
    });
    san || cert.subject().iter().any(|atv| {
        atv.oid == COMMON_NAME
            && (Utf8StringRef::try_from(&atv.value).is_ok_and(|s| s.as_str() == expected)
                || PrintableStringRef::try_from(&atv.value).is_ok_and(|s| s.as_str() == expected))
    })
}

impl PlatformAnchors {
    /// The device's entries: at most [`MAX_PLATFORM_ENTRIES`], no two for the same (`env`,
    /// `domainUri`), each with an expected name of 1 to [`MAX_EXPECTED_NAME_LEN`] bytes.
    pub fn new(entries: Vec<PlatformEntry>) -> Result<Self> {
        if entries.len() > MAX_PLATFORM_ENTRIES {
            return Err(PlatformApiError::Configuration {
                what: "more platform entries than MAX_PLATFORM_ENTRIES",
            });
        }
        for (i, e) in entries.iter().enumerate() {
            if e.expected_name.is_empty() || e.expected_name.len() > MAX_EXPECTED_NAME_LEN {
                return Err(PlatformApiError::Configuration {
                    what: "an expected name of 1 to 253 bytes",
                });
            }
            if entries[..i]
                .iter()
                .any(|o| o.env == e.env && o.domain_uri == e.domain_uri)
            {
                return Err(PlatformApiError::Configuration {
                    what: "two platform entries for one env and domainUri",
                });
            }
        }
        Ok(Self { entries })
    }

    /// The entry for (`env`, `domain_uri`).
    pub fn entry(&self, env: Env, domain_uri: &HttpsUri) -> Option<&PlatformEntry> {
        self.entries
            .iter()
            .find(|e| e.env == env && e.domain_uri == *domain_uri)
    }

    /// Checks a relayed platform certificate (rule 26) with the device's trusted time, the
    /// interval [`lo`, `hi`] (`hi` when known):
    ///
    /// - the entry for `relayed.env` and `relayed.domain_uri` ([`PlatformApiError::UnknownPlatform`]
    ///   when there is none);
    /// - the response JWS signed by `x5c[0]` (every algorithm kavach accepts that fits its key),
    ///   `x5t#S256` naming it when present, and its chain valid for signing to the entry's
    ///   signing anchor at `lo` and at `hi`. There is no `ts` window: the platform's answer may
    ///   be old, its certificate's validity is what counts. A kavach header's `env` and
    ///   `domainUri`, when present, must be the relayed ones. Any failure is
    ///   [`PlatformApiError::Refused`];
    /// - each certificate of the payload valid for encryption to the entry's encryption anchor
    ///   at `lo` and `hi` (the payload's other certificates offered as untrusted intermediates)
    ///   and carrying the entry's expected name;
    /// - of the valid ones, the one with the latest notBefore
    ///   ([`PlatformApiError::NoValidCertificate`] when none is).
    pub fn verify(
        &self,
        validator: &Validator,
        relayed: &PlatformCertificate,
        lo: SystemTime,
        hi: Option<SystemTime>,
    ) -> Result<VerifiedPlatformCertificate> {
        let entry = self
            .entry(relayed.env, &relayed.domain_uri)
            .ok_or(PlatformApiError::UnknownPlatform)?;
        let jws = CompactJws::parse(relayed.response.as_str()).map_err(|_| PlatformApiError::Refused)?;
        let header = jws.header();
        let Some((leaf_der, rest)) = header.x5c().split_first() else {
            return Err(PlatformApiError::Refused);
        };
        let leaf = validator
            .parse_certificate_uncached(leaf_der.der())
            .map_err(|_| PlatformApiError::Refused)?;
        if header.x5t_s256().is_some_and(|t| !t.ct_eq(&leaf.sha256_thumbprint())) {
            return Err(PlatformApiError::Refused);
        }
        let key = leaf.public_key().map_err(|_| PlatformApiError::Refused)?;
        let bare = BareKey::with_fitting_algorithms(key.clone()).map_err(|_| PlatformApiError::Refused)?;
        let signed = verify_with_bare_key(&jws, &bare).map_err(|_| PlatformApiError::Refused)?;
        let mut intermediates = Vec::with_capacity(rest.len());
        for c in rest {
            intermediates.push(
                validator
                    .parse_certificate(c.der())
                    .map_err(|_| PlatformApiError::Refused)?,
            );
        }
        if !valid_at(
            validator,
            &entry.signing,
            &leaf,
            &intermediates,
            Purpose::Signing,
            lo,
            hi,
        ) {
            return Err(PlatformApiError::Refused);
        }
        for (member, own) in [
            ("env", relayed.env.as_str()),
            ("domainUri", relayed.domain_uri.as_str()),
        ] {
            if header_member(header, member)
                .map_err(|_| PlatformApiError::Refused)?
                .is_some_and(|v| v != own)
            {
                return Err(PlatformApiError::Refused);
            }
        }
        let certificates = parse_certificate_list(signed.payload())?;
        let mut best: Option<&Certificate> = None;
        for cert in &certificates {
            if !has_name(cert, &entry.expected_name)
                || !valid_at(
                    validator,
                    &entry.encryption,
                    cert,
                    &certificates,
                    Purpose::Encryption,
                    lo,
                    hi,
                )
            {
                continue;
            }
            if best.is_none_or(|b| cert.not_before() > b.not_before()) {
                best = Some(cert);
            }
        }
        let certificate = best.ok_or(PlatformApiError::NoValidCertificate)?.clone();
        Ok(VerifiedPlatformCertificate {
            env: relayed.env,
            domain_uri: relayed.domain_uri.clone(),
            certificate,
        })
    }
}

/// The device's current platform encryption certificate per (`env`, `domainUri`): replaced only
/// by one with a later notBefore (rule 26).
#[derive(Clone, Debug, Default)]
pub struct PlatformCertificateStore {
    current: Vec<VerifiedPlatformCertificate>,
}

impl PlatformCertificateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Offers `verified`: kept when there is none yet for its (`env`, `domainUri`) or when its
    /// notBefore is later than the current one's. Returns whether it was kept. Refuses a new
    /// pair beyond [`MAX_PLATFORM_ENTRIES`].
    pub fn offer(&mut self, verified: VerifiedPlatformCertificate) -> Result<bool> {
        match self
            .current
            .iter_mut()
            .find(|c| c.env == verified.env && c.domain_uri == verified.domain_uri)
        {
            Some(current) => {
                if verified.not_before() > current.not_before() {
                    *current = verified;
                    Ok(true)
                } else {
                    Ok(false)
                }
            }
            None => {
                if self.current.len() >= MAX_PLATFORM_ENTRIES {
                    return Err(PlatformApiError::Full {
                        what: "platform certificates",
                    });
                }
                self.current.push(verified);
                Ok(true)
            }
        }
    }

    /// The current certificate for (`env`, `domain_uri`).
    pub fn current(&self, env: Env, domain_uri: &HttpsUri) -> Option<&VerifiedPlatformCertificate> {
        self.current
            .iter()
            .find(|c| c.env == env && c.domain_uri == *domain_uri)
    }
}

/// The client's [`crate::client::PlatformTrust`] over a device's own [`PlatformAnchors`]
/// (rule 26): the management server's relay adds no trust.
pub struct AnchoredPlatformTrust {
    anchors: PlatformAnchors,
    validator: std::sync::Arc<Validator>,
}

impl core::fmt::Debug for AnchoredPlatformTrust {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AnchoredPlatformTrust")
            .field("anchors", &self.anchors)
            .finish_non_exhaustive()
    }
}

impl AnchoredPlatformTrust {
    /// Trust through `anchors`, validating chains with `validator`.
    pub fn new(anchors: PlatformAnchors, validator: std::sync::Arc<Validator>) -> Self {
        Self { anchors, validator }
    }
}

fn unix_millis(t: SystemTime) -> u64 {
    u64::try_from(t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis()).unwrap_or(u64::MAX)
}

impl crate::client::PlatformTrust for AnchoredPlatformTrust {
    fn verify(&self, relayed: &PlatformCertificate, lo_ms: u64, hi_ms: Option<u64>) -> Option<u64> {
        let at = |ms: u64| SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(ms);
        self.anchors
            .verify(&self.validator, relayed, at(lo_ms), hi_ms.map(at))
            .ok()
            .map(|verified| unix_millis(verified.not_before()))
    }
}

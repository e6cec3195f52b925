//! Depth-first path building (RFC 4158 in spirit, as mozilla::pkix and rustls-webpki do) with
//! the RFC 5280 §6.1 checks.
//!
//! 1. The end entity's own properties are checked first (validity, profile, key, purpose,
//!    name): no path can fix them, so they fail at once.
//! 2. From the certificate at the head of the partial path, candidate issuers are those whose
//!    subject matches its issuer (§6.1.3 (a)(4), compared per §7.1), trust anchors before intermediates, each list
//!    ordered so that a subjectKeyIdentifier equal to the head's authorityKeyIdentifier comes
//!    first. At most [`MAX_ISSUER_CANDIDATES`] intermediates are considered for one issuer
//!    name (a name shared by more is refused with a budget error once those fail), and every
//!    candidate considered — skipped or not — costs one path-building call of the [`Budget`].
//!    A candidate already in the path with the same subject and key is skipped (loops,
//!    RFC 4158 §5.2). Each intermediate is checked once per validation for what does not
//!    depend on the rest of the path (validity, CA-ness, keyUsage with keyCertSign, key policy,
//!    critical extensions, EKU) before the search goes deeper; the verdict is remembered, so a
//!    candidate met again on another branch costs a lookup.
//! 3. When a trust anchor is reached, the whole path is checked from the anchor down:
//!    signatures (through the validator's cache), pathLenConstraint (§6.1.4 (l)-(m)), name
//!    constraints (§6.1.3 (b)-(c), and on the end entity's host-name CN when it has no
//!    dNSName), and revocation when CRLs are given.
//!    An end entity that is itself a trust anchor is a path of length zero (step 1 and
//!    revocation only).
//! 4. If every candidate fails, the failure with the highest [`Error::rank`] is returned; a
//!    spent [`Budget`] stops the search at once.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::algorithm;
use crate::cert::Certificate;
use crate::crl::Crl;
use crate::error::{Error, ProfileRule, Result};
use crate::limits::{
    DEFAULT_MAX_CHAIN_DEPTH, MAX_ISSUER_CANDIDATES, MAX_PATH_INTERMEDIATES, MAX_SUPPLIED_INTERMEDIATES,
};
use crate::name::constraints::{NcFailure, check_name_constraints};
use crate::name::san::sans_match_server_name;
use crate::purpose::{ANY_EXTENDED_KEY_USAGE, Purpose};
use crate::store::{BySubject, TrustDomain};
use crate::time::unix_seconds;

use super::budget::{Budget, Work};
use super::cache::{SignatureCache, signature_key};
use super::options::ValidationOptions;
use super::{purpose, revocation};

/// Where a certificate sits in a candidate path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Role {
    EndEntity,
    Intermediate,
    Anchor,
}

struct Ctx<'a> {
    /// The validator's verified-signature cache.
    signatures: &'a SignatureCache,
    domain: &'a TrustDomain,
    options: &'a ValidationOptions<'a>,
    now: i64,
    budget: Budget,
    supplied: BySubject,
    max_depth: usize,
    /// Candidate issuers of each head certificate met (by the head's SHA-256): anchors, then
    /// intermediates (at most [`MAX_ISSUER_CANDIDATES`]), and whether intermediates were left
    /// out. Built once per head, so a name shared by many certificates is scanned once.
    candidates: HashMap<[u8; 32], Rc<Candidates>>,
    /// Whether a certificate passed its path-independent issuer checks, by (SHA-256, role).
    issuer_verdicts: HashMap<([u8; 32], bool), bool>,
}

/// The candidate issuers of one head certificate.
struct Candidates {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    /// More intermediates carried the issuer name than [`MAX_ISSUER_CANDIDATES`].
    truncated: bool,
}

pub(super) fn build(
    signatures: &SignatureCache,
    domain: &TrustDomain,
    end_entity: &Certificate,
    intermediates: &[Certificate],
    options: &ValidationOptions<'_>,
    work: &mut Work,
) -> Result<Vec<Certificate>> {
    // Webpki-style peers send their own chain: a handful of certificates. More is refused
    // before any work, so the cost of a validation never grows with what a peer sends.
    if intermediates.len() > MAX_SUPPLIED_INTERMEDIATES {
        return Err(Error::TooMany {
            what: "intermediates supplied with the certificate",
            count: intermediates.len(),
            max: MAX_SUPPLIED_INTERMEDIATES,
        });
    }
    let mut supplied = BySubject::default();
    for c in intermediates {
        supplied.push(c.clone());
    }
    let mut ctx = Ctx {
        signatures,
        domain,
        options,
        now: unix_seconds(options.time),
        budget: Budget::default(),
        supplied,
        max_depth: options
            .max_chain_depth
            .unwrap_or(DEFAULT_MAX_CHAIN_DEPTH)
            .min(MAX_PATH_INTERMEDIATES),
        candidates: HashMap::new(),
        issuer_verdicts: HashMap::new(),
    };
    let result = ctx.check_end_entity(end_entity).and_then(|()| {
        // The end entity is itself a trust anchor (byte for byte): a path of length zero, as
        // OpenSSL and Go accept it. The anchor is an input (§6.1.1 (d)): no signature to check;
        // its own checks (validity, profile, key policy, purpose, name) passed above.
        if ctx.domain.is_anchor(end_entity) {
            ctx.check_alone(end_entity)?;
            return Ok(vec![end_entity.clone()]);
        }
        let mut path = vec![end_entity.clone()];
        let anchor = ctx.extend(&mut path)?;
        path.push(anchor);
        Ok(path)
    });
    *work = ctx.budget.spent();
    result
}

/// Keeps the more useful of two errors (the first on a tie).
fn better(best: Option<Error>, new: Error) -> Option<Error> {
    match best {
        Some(b) if b.rank() >= new.rank() => Some(b),
        _ => Some(new),
    }
}

fn is_fatal(e: &Error) -> bool {
    matches!(e, Error::BudgetExceeded { .. })
}

/// The distinct certificates of `candidates` (by SHA-256), those whose subjectKeyIdentifier
/// equals `aki` first, at most `max`; and whether any was left out.
fn ordered<'c>(
    candidates: impl Iterator<Item = &'c Certificate>,
    aki: Option<&[u8]>,
    max: usize,
) -> (Vec<Certificate>, bool) {
    let mut matching = Vec::new();
    let mut others = Vec::new();
    let mut seen = HashSet::new();
    let mut distinct = 0usize;
    for c in candidates {
        // The same certificate may be both in the domain and supplied.
        if !seen.insert(*c.sha256()) {
            continue;
        }
        distinct += 1;
        if aki.is_some() && c.ext().ski.as_deref() == aki {
            if matching.len() < max {
                matching.push(c.clone());
            }
        } else if others.len() < max {
            others.push(c.clone());
        }
    }
    matching.extend(others);
    matching.truncate(max);
    let truncated = distinct > matching.len();
    (matching, truncated)
}

fn profile(cert: &Certificate, reason: ProfileRule) -> Error {
    Error::ProfileViolation {
        subject: cert.subject().to_string(),
        reason,
    }
}

impl Ctx<'_> {
    fn is_tls(&self) -> bool {
        matches!(self.options.purpose, Purpose::TlsServer | Purpose::TlsClient)
    }

    /// The candidate issuers of `head`, built once per validation.
    fn candidates_of(&mut self, head: &Certificate) -> Rc<Candidates> {
        if let Some(c) = self.candidates.get(head.sha256()) {
            return Rc::clone(c);
        }
        let aki = head.ext().aki.as_deref();
        let domain = self.domain;
        // Anchors are the relying party's own configuration, bounded by the trust domain's
        // size; every one considered still costs a path-building call.
        let (anchors, _) = ordered(domain.anchor_index().with_subject(head.issuer_key()), aki, usize::MAX);
        let (intermediates, truncated) = ordered(
            domain
                .intermediate_index()
                .with_subject(head.issuer_key())
                .chain(self.supplied.with_subject(head.issuer_key())),
            aki,
            MAX_ISSUER_CANDIDATES,
        );
        let c = Rc::new(Candidates {
            anchors,
            intermediates,
            truncated,
        });
        self.candidates.insert(*head.sha256(), Rc::clone(&c));
        c
    }

    /// The path-independent issuer checks of `cert` for `child`, at most once per validation
    /// and role. `Ok(false)` when `cert` already failed them (its error was recorded then).
    fn issuer_checked(&mut self, cert: &Certificate, child: &Certificate, role: Role) -> Result<bool> {
        let key = (*cert.sha256(), role == Role::Anchor);
        match self.issuer_verdicts.get(&key) {
            Some(&passed) => Ok(passed),
            None => {
                let result = self.check_issuer(cert, child, role);
                self.issuer_verdicts.insert(key, result.is_ok());
                result.map(|()| true)
            }
        }
    }

    /// Extends `path` (end entity first) up to a trust anchor; returns the anchor.
    fn extend(&mut self, path: &mut Vec<Certificate>) -> Result<Certificate> {
        let Some(head) = path.last().cloned() else {
            return Err(Error::Empty { what: "certificate" });
        };
        let mut best: Option<Error> = None;
        let candidates = self.candidates_of(&head);

        for anchor in &candidates.anchors {
            self.budget.build_call()?;
            match self.issuer_checked(anchor, &head, Role::Anchor) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    best = better(best, e);
                    continue;
                }
            }
            match self.check_complete(path, anchor) {
                Ok(()) => return Ok(anchor.clone()),
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => best = better(best, e),
            }
        }

        for candidate in &candidates.intermediates {
            // Every candidate considered costs one call, whatever happens to it next.
            self.budget.build_call()?;
            // Loops (RFC 4158 §5.2): same subject and same key already in the path.
            let spki = candidate.inner().tbs_certificate().subject_public_key_info();
            if path.iter().any(|p| {
                p.subject_key() == candidate.subject_key()
                    && p.inner().tbs_certificate().subject_public_key_info() == spki
            }) {
                continue;
            }
            // path holds the end entity and the intermediates so far.
            let total = path.len();
            let logical =
                path[1..].iter().filter(|c| !c.is_self_issued()).count() + usize::from(!candidate.is_self_issued());
            if total > MAX_PATH_INTERMEDIATES || logical > self.max_depth {
                best = better(best, Error::MaxDepthExceeded { max: self.max_depth });
                continue;
            }
            match self.issuer_checked(candidate, &head, Role::Intermediate) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => {
                    best = better(best, e);
                    continue;
                }
            }
            path.push(candidate.clone());
            match self.extend(path) {
                Ok(anchor) => return Ok(anchor),
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => best = better(best, e),
            }
            path.pop();
        }

        if candidates.truncated {
            // More certificates share this issuer name than any real PKI issues under one
            // name (key rollover and cross-signing give a few): the ones considered failed,
            // and the rest are not explored.
            return Err(Error::BudgetExceeded {
                what: "candidate issuers with one name",
            });
        }
        Err(best.unwrap_or_else(|| Error::UnknownIssuer {
            subject: head.subject().to_string(),
            issuer: head.issuer().to_string(),
            domain: self.domain.name().to_owned(),
        }))
    }

    /// The checks of a path that reached `anchor` (whose own issuer checks passed).
    fn check_complete(&mut self, path: &[Certificate], anchor: &Certificate) -> Result<()> {
        if path.is_empty() {
            return Err(Error::Empty { what: "certificate" });
        }
        let chain: Vec<&Certificate> = path.iter().chain(core::iter::once(anchor)).collect();

        // Signatures, from the anchor down (§6.1.3 (a)(1)).
        for i in (0..chain.len() - 1).rev() {
            self.check_signature(chain[i], chain[i + 1])?;
        }

        // pathLenConstraint (§6.1.4 (l)-(m)): the number of non-self-issued intermediates
        // below a CA may not exceed its constraint.
        for j in 1..chain.len() {
            if let Some((true, Some(n))) = chain[j].basic_constraints() {
                let below = chain[1..j].iter().filter(|c| !c.is_self_issued()).count();
                if below > usize::from(n) {
                    return Err(Error::PathLenExceeded {
                        subject: chain[j].subject().to_string(),
                        path_len: n,
                    });
                }
            }
        }

        // Name constraints (§6.1.3 (b)-(c)): a CA's constraints apply to every certificate
        // below it, except self-issued intermediates; dNSName constraints also apply to the end
        // entity's host-name CNs when it has no dNSName (STRICTER.md S16).
        for j in 1..chain.len() {
            let Some(nc) = chain[j].ext().name_constraints.as_ref() else {
                continue;
            };
            for (i, cert) in chain[..j].iter().enumerate() {
                if i != 0 && cert.is_self_issued() {
                    continue;
                }
                let budget = &mut self.budget;
                let mut consume = || budget.name_constraint_comparison();
                let subject = cert.inner().tbs_certificate().subject();
                let sans = cert.subject_alt_names().unwrap_or(&[]);
                match check_name_constraints(nc, subject, sans, i == 0, &mut consume) {
                    Ok(()) => {}
                    Err(NcFailure::Budget) => {
                        return Err(Error::BudgetExceeded {
                            what: "name-constraint comparisons",
                        });
                    }
                    Err(NcFailure::Outside(name)) => {
                        return Err(Error::NameConstraintViolation {
                            subject: cert.subject().to_string(),
                            name,
                            constrained_by: chain[j].subject().to_string(),
                        });
                    }
                }
            }
        }

        // Revocation (CLI.md): only when CRLs were given.
        if !self.options.crls.is_empty() {
            let (crls, now) = (self.options.crls, self.now);
            for i in 0..chain.len() - 1 {
                let mut check_signature = |crl: &Crl, issuer: &Certificate| self.check_crl_signature(crl, issuer);
                revocation::check(crls, now, chain[i], chain[i + 1], i == 0, &mut check_signature)?;
            }
        }
        Ok(())
    }

    /// What a path of length zero (the end entity is a trust anchor) checks beyond the end
    /// entity's own checks: revocation, when CRLs are given (CLI.md: the end entity must then be
    /// covered by a current CRL), with the certificate as its own CRL issuer.
    fn check_alone(&mut self, cert: &Certificate) -> Result<()> {
        if self.options.crls.is_empty() {
            return Ok(());
        }
        let (crls, now) = (self.options.crls, self.now);
        let mut check_signature = |crl: &Crl, issuer: &Certificate| self.check_crl_signature(crl, issuer);
        revocation::check(crls, now, cert, cert, true, &mut check_signature)
    }

    /// Verifies that `issuer`'s key signed `cert`, through the validator's cache.
    fn check_signature(&mut self, cert: &Certificate, issuer: &Certificate) -> Result<()> {
        self.budget.signature()?;
        let key = signature_key(cert.sha256(), issuer.sha256());
        if self.signatures.contains(&key) {
            return Ok(());
        }
        let issuer_key = issuer.public_key()?;
        let c = cert.inner();
        if algorithm::verify(c.signature_algorithm(), issuer_key, cert.tbs_der(), c.signature())? {
            self.signatures.remember(key);
            Ok(())
        } else {
            Err(Error::BadSignature {
                what: "certificate",
                subject: cert.subject().to_string(),
            })
        }
    }

    fn check_crl_signature(&mut self, crl: &Crl, issuer: &Certificate) -> Result<()> {
        self.budget.signature()?;
        let key = signature_key(crl.sha256(), issuer.sha256());
        if self.signatures.contains(&key) {
            return Ok(());
        }
        let issuer_key = issuer.public_key()?;
        let c = crl.inner();
        if algorithm::verify(&c.signature_algorithm, issuer_key, crl.tbs_der(), &c.signature)? {
            self.signatures.remember(key);
            Ok(())
        } else {
            Err(Error::BadSignature {
                what: "CRL",
                subject: crl.issuer().to_string(),
            })
        }
    }

    /// Checks every certificate in a path has to pass, whatever its role.
    fn check_common(&self, cert: &Certificate, role: Role) -> Result<()> {
        let t = cert.inner().tbs_certificate();
        // CA/Browser Forum BR §7.1.1 and RFC 5280 §4.1.2.1: extensions need v3; kavach
        // requires v3 of every certificate it validates (x509-limbo webpki::v1-cert).
        if t.version() != x509_cert::certificate::Version::V3 {
            return Err(profile(cert, ProfileRule::NotV3));
        }
        // Validity (§6.1.3 (a)(2)), both bounds inclusive, at second granularity.
        let (not_before, not_after) = cert.validity_seconds();
        if self.now < not_before {
            return Err(Error::NotYetValid {
                subject: cert.subject().to_string(),
                not_before: cert.not_before(),
                time: self.options.time,
            });
        }
        if self.now > not_after {
            return Err(Error::Expired {
                subject: cert.subject().to_string(),
                not_after: cert.not_after(),
                time: self.options.time,
            });
        }
        // Critical extensions this crate does not process (§4.2).
        if let Some(&oid) = cert.ext().unknown_critical.first() {
            return Err(Error::UnknownCriticalExtension {
                subject: cert.subject().to_string(),
                oid,
            });
        }
        // Serial number (§4.1.2.2): positive, at most 20 octets. Not for trust anchors, which
        // are inputs (§6.1.1 (d)); some long-lived roots have serial 0 (x509-limbo
        // online::fastly.com, Starfield G2).
        if role != Role::Anchor {
            let serial = cert.serial_bytes();
            let magnitude = serial.strip_prefix(&[0]).unwrap_or(serial);
            if serial.first().is_some_and(|b| b & 0x80 != 0) {
                return Err(profile(cert, ProfileRule::NegativeSerial));
            }
            if magnitude.iter().all(|&b| b == 0) {
                return Err(profile(cert, ProfileRule::ZeroSerial));
            }
            if magnitude.len() > 20 {
                return Err(profile(cert, ProfileRule::SerialTooLong));
            }
        }
        // Issuer (§4.1.2.4): "MUST contain a non-empty distinguished name".
        if t.issuer().is_empty() {
            return Err(profile(cert, ProfileRule::EmptyIssuer));
        }
        let ext = cert.ext();
        let critical = |oid| ext.critical.contains(&oid);
        use const_oid::db::rfc5280 as oids;
        // authorityKeyIdentifier (§4.2.1.1): present in every certificate but self-signed
        // ones, non-critical, with a keyIdentifier; CA/Browser Forum BR §7.1.2.11.1: without
        // authorityCertIssuer / authorityCertSerialNumber.
        if ext.aki_present {
            if critical(oids::ID_CE_AUTHORITY_KEY_IDENTIFIER) {
                return Err(profile(cert, ProfileRule::CriticalAuthorityKeyIdentifier));
            }
            if ext.aki.is_none() {
                return Err(profile(cert, ProfileRule::AuthorityKeyIdentifierWithoutKeyIdentifier));
            }
            if ext.aki_issuer_serial {
                return Err(profile(cert, ProfileRule::AuthorityKeyIdentifierWithIssuerAndSerial));
            }
            if role == Role::Anchor && cert.is_self_issued() && ext.ski.is_some() && ext.aki != ext.ski {
                return Err(profile(cert, ProfileRule::SelfSignedAuthorityKeyIdentifierMismatch));
            }
        } else if role != Role::Anchor && !cert.is_self_issued() {
            // Self-issued certificates stand in for "self-signed" here (deciding self-signed
            // would take a signature check). A trust anchor is an input (§6.1.1 (d)), whoever
            // issued it: a cross-signed certificate may be trusted directly without an
            // authorityKeyIdentifier (x509-limbo cve::cve-2024-0567).
            return Err(profile(cert, ProfileRule::MissingAuthorityKeyIdentifier));
        }
        // subjectKeyIdentifier (§4.2.1.2): non-critical.
        if critical(oids::ID_CE_SUBJECT_KEY_IDENTIFIER) {
            return Err(profile(cert, ProfileRule::CriticalSubjectKeyIdentifier));
        }
        // policyConstraints (§4.2.1.11): a critical one is an unknown critical extension above
        // (no policy processing); a non-critical one is not acted on — "MUST mark this
        // extension as critical" is the CA's profile, and the §6.1 algorithm does not depend on
        // it.
        // keyCertSign needs cA (§4.2.1.3, §4.2.1.9).
        if cert.key_usage().is_some_and(|k| k.key_cert_sign()) && !cert.is_ca() {
            return Err(profile(cert, ProfileRule::KeyCertSignWithoutCa));
        }
        // Key policy.
        let key = cert.public_key()?;
        if !self.options.key_policy.accepts(key.kind()) {
            return Err(Error::KeyPolicy {
                subject: cert.subject().to_string(),
                key: key.kind().to_string(),
            });
        }
        Ok(())
    }

    /// Checks of a certificate acting as the issuer of `child` (an intermediate or the anchor)
    /// that do not depend on the rest of the path.
    fn check_issuer(&self, cert: &Certificate, child: &Certificate, role: Role) -> Result<()> {
        self.check_common(cert, role)?;
        use const_oid::db::rfc5280 as oids;
        let ext = cert.ext();
        // basicConstraints (§4.2.1.9, §6.1.4 (k)): present with cA. Its criticality ("MUST
        // mark the extension as critical") is the CA's profile: the §6.1 algorithm does not
        // depend on it, so a non-critical one does not fail the path (STRICTER.md S9,
        // withdrawn).
        match &ext.basic_constraints {
            Some(bc) if bc.ca => {}
            _ => {
                return Err(Error::NotCa {
                    subject: cert.subject().to_string(),
                    child: child.subject().to_string(),
                });
            }
        }
        // keyUsage (§4.2.1.3: "Conforming CAs MUST include this extension in certificates
        // that contain public keys that are used to validate digital signatures on other public
        // key certificates or CRLs"): present on every issuer, anchors included (STRICTER.md
        // S15; OpenSSL -x509_strict alike), and with keyCertSign (§6.1.4 (n), S1).
        match cert.key_usage() {
            None => {
                return Err(Error::MissingKeyUsage {
                    subject: cert.subject().to_string(),
                });
            }
            Some(k) if !k.key_cert_sign() => {
                return Err(Error::MissingKeyCertSign {
                    subject: cert.subject().to_string(),
                });
            }
            Some(_) => {}
        }
        // subjectKeyIdentifier (§4.2.1.2): "MUST appear in all conforming CA certificates".
        if ext.ski.is_none() {
            return Err(profile(cert, ProfileRule::CaWithoutSubjectKeyIdentifier));
        }
        // A CA's subject is a non-empty DN (§4.1.2.6).
        if cert.inner().tbs_certificate().subject().is_empty() {
            return Err(profile(cert, ProfileRule::CaWithEmptySubject));
        }
        // nameConstraints (§4.2.1.10): "Conforming CAs MUST mark this extension as critical".
        if ext.name_constraints.is_some() && !ext.critical.contains(&oids::ID_CE_NAME_CONSTRAINTS) {
            return Err(profile(cert, ProfileRule::NonCriticalNameConstraints));
        }
        // CA/Browser Forum BR §7.1.2.1.2: a TLS root carries no extendedKeyUsage.
        if role == Role::Anchor && self.is_tls() && cert.extended_key_usage().is_some() {
            return Err(Error::PurposeMismatch {
                subject: cert.subject().to_string(),
                purpose: self.options.purpose,
                reason: "a TLS trust anchor with extendedKeyUsage",
            });
        }
        // An extendedKeyUsage on a CA constrains the purposes below it (the CA/Browser Forum
        // and Mozilla reading; rustls-webpki checks EKU on every certificate). Like
        // rustls-webpki, anyExtendedKeyUsage does not stand in for the purpose's EKU.
        if let (Some(eku), Some(required)) = (cert.extended_key_usage(), self.options.purpose.required_eku())
            && !eku.contains(&required)
        {
            return Err(Error::PurposeMismatch {
                subject: cert.subject().to_string(),
                purpose: self.options.purpose,
                reason: "a CA's extendedKeyUsage excludes the purpose",
            });
        }
        Ok(())
    }

    /// The end entity's own checks.
    fn check_end_entity(&self, ee: &Certificate) -> Result<()> {
        self.check_common(ee, Role::EndEntity)?;
        let ext = ee.ext();
        let subject_empty = ee.inner().tbs_certificate().subject().is_empty();
        // §4.2.1.6: with an empty subject the subjectAltName is present and critical; with a
        // subject it SHOULD be non-critical (CA/Browser Forum BR §7.1.2.7.12: MUST).
        match (subject_empty, ext.san.is_some(), ext.san_critical) {
            (true, false, _) => return Err(profile(ee, ProfileRule::EmptySubjectWithoutSubjectAltName)),
            (true, true, false) => return Err(profile(ee, ProfileRule::EmptySubjectWithNonCriticalSubjectAltName)),
            (false, true, true) => return Err(profile(ee, ProfileRule::CriticalSubjectAltNameWithSubject)),
            _ => {}
        }
        // nameConstraints only in CA certificates (§4.2.1.10).
        if ext.name_constraints.is_some() && !ee.is_ca() {
            return Err(profile(ee, ProfileRule::NameConstraintsInEndEntity));
        }
        // A CA certificate is not a TLS end entity (CA/Browser Forum BR §7.1.2.7.8;
        // rustls-webpki `CaUsedAsEndEntity`).
        if self.is_tls() && ee.is_ca() {
            return Err(Error::CaUsedAsEndEntity {
                subject: ee.subject().to_string(),
            });
        }
        // A CA certificate carries keyUsage (§4.2.1.3), also when validated as the end entity
        // (STRICTER.md S15; OpenSSL -x509_strict refuses it at depth 0 too).
        if ee.is_ca() && ee.key_usage().is_none() {
            return Err(Error::MissingKeyUsage {
                subject: ee.subject().to_string(),
            });
        }
        purpose::check_end_entity(ee, self.options.purpose)?;
        // CA/Browser Forum BR §7.1.2.7.10 and §7.1.2.7.6: a TLS subscriber certificate's
        // extendedKeyUsage is non-critical and never anyExtendedKeyUsage.
        if self.is_tls()
            && let Some(eku) = ee.extended_key_usage()
        {
            {
                let fail = |reason| Error::PurposeMismatch {
                    subject: ee.subject().to_string(),
                    purpose: self.options.purpose,
                    reason,
                };
                if eku.contains(&ANY_EXTENDED_KEY_USAGE) {
                    return Err(fail("anyExtendedKeyUsage in a TLS end-entity certificate"));
                }
                if ext.critical.contains(&const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE) {
                    return Err(fail("critical extendedKeyUsage in a TLS end-entity certificate"));
                }
            }
        }
        if let Some(required) = self.options.required_key_usage
            && !ee.key_usage().is_some_and(|k| k.0.contains(required.0))
        {
            return Err(Error::PurposeMismatch {
                subject: ee.subject().to_string(),
                purpose: self.options.purpose,
                reason: "keyUsage lacks a required bit",
            });
        }
        if let Some(name) = self.options.server_name
            && !sans_match_server_name(ee.subject_alt_names().unwrap_or(&[]), name)
        {
            return Err(Error::NameMismatch {
                subject: ee.subject().to_string(),
                name: name.to_string(),
            });
        }
        Ok(())
    }
}

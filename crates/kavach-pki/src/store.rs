//! [`TrustDomain`]: a named trust store (MOSIP's `AUTH`, `DEVICE`, `FTM`, `PARTNER`, …) holding
//! trust anchors and untrusted intermediates.

use std::collections::HashMap;

use crate::cert::Certificate;
use crate::error::{Error, Result};
use crate::limits::{MAX_DOMAIN_NAME_LEN, MAX_TRUST_DOMAIN_CERTIFICATES};
use crate::name::prepared::NameKey;

/// Certificates indexed by their subject, prepared for comparison (RFC 5280 §7.1).
#[derive(Clone, Debug, Default)]
pub(crate) struct BySubject {
    certs: Vec<Certificate>,
    index: HashMap<NameKey, Vec<usize>>,
}

impl BySubject {
    pub(crate) fn push(&mut self, cert: Certificate) {
        if self.certs.iter().any(|c| c.sha256() == cert.sha256()) {
            return;
        }
        self.index
            .entry(cert.subject_key().clone())
            .or_default()
            .push(self.certs.len());
        self.certs.push(cert);
    }
    /// Certificates whose subject matches `subject` (RFC 5280 §7.1).
    pub(crate) fn with_subject<'s>(&'s self, subject: &NameKey) -> impl Iterator<Item = &'s Certificate> + 's {
        self.index
            .get(subject)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.certs.get(i))
    }
    pub(crate) fn len(&self) -> usize {
        self.certs.len()
    }
    pub(crate) fn all(&self) -> &[Certificate] {
        &self.certs
    }
}

/// A named set of trust anchors with optional untrusted intermediates.
///
/// Trust anchors are taken as they are (their signatures are not checked: RFC 5280 §6.1.1 (d)
/// makes the anchor an input), but during validation they must still be valid at the
/// validation time, be CA certificates and meet the key policy.
#[derive(Clone, Debug)]
pub struct TrustDomain {
    name: String,
    anchors: BySubject,
    intermediates: BySubject,
}

impl TrustDomain {
    /// A trust domain named `name` trusting `anchors`. No anchor at all is
    /// [`Error::EmptyTrustStore`] (fail closed); duplicates are kept once.
    pub fn new(name: &str, anchors: Vec<Certificate>) -> Result<Self> {
        let name: String = name.chars().take(MAX_DOMAIN_NAME_LEN).collect();
        if anchors.is_empty() {
            return Err(Error::EmptyTrustStore { domain: name });
        }
        if anchors.len() > MAX_TRUST_DOMAIN_CERTIFICATES {
            return Err(Error::TooMany {
                what: "trust anchors",
                count: anchors.len(),
                max: MAX_TRUST_DOMAIN_CERTIFICATES,
            });
        }
        let mut by_subject = BySubject::default();
        for a in anchors {
            by_subject.push(a);
        }
        Ok(Self {
            name,
            anchors: by_subject,
            intermediates: BySubject::default(),
        })
    }

    /// The same domain with these untrusted intermediates available to every validation
    /// (at most [`MAX_TRUST_DOMAIN_CERTIFICATES`] in all; more are ignored).
    pub fn with_intermediates(mut self, intermediates: Vec<Certificate>) -> Self {
        for c in intermediates {
            if self.anchors.len() + self.intermediates.len() >= MAX_TRUST_DOMAIN_CERTIFICATES {
                break;
            }
            self.intermediates.push(c);
        }
        self
    }

    /// The domain's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The trust anchors.
    pub fn anchors(&self) -> &[Certificate] {
        self.anchors.all()
    }

    /// The untrusted intermediates held by the domain.
    pub fn intermediates(&self) -> &[Certificate] {
        self.intermediates.all()
    }

    /// True when `cert` (byte for byte) is one of the anchors.
    pub fn is_anchor(&self, cert: &Certificate) -> bool {
        self.anchors.with_subject(cert.subject_key()).any(|a| a == cert)
    }

    pub(crate) fn anchor_index(&self) -> &BySubject {
        &self.anchors
    }
    pub(crate) fn intermediate_index(&self) -> &BySubject {
        &self.intermediates
    }
}

//! [`ValidationOptions`]: what one validation checks beyond the path's RFC 5280 rules.

use std::time::SystemTime;

use x509_cert::ext::pkix::KeyUsage;

use crate::crl::Crl;
use crate::name::ServerName;
use crate::policy::KeyPolicy;
use crate::purpose::Purpose;

/// What a validation checks beyond the path's RFC 5280 rules. Built with
/// [`ValidationOptions::new`] and the `with_*` methods (its fields are private).
///
/// ```
/// use std::time::SystemTime;
/// use kavach_pki::{KeyCurve, KeyPolicy, Purpose, ValidationOptions};
///
/// let options = ValidationOptions::new(Purpose::Signing, SystemTime::now())
///     .with_key_policy(KeyPolicy::new().with_min_rsa_bits(3072).without_curve(KeyCurve::P256))
///     .with_max_chain_depth(2);
/// assert_eq!(options.purpose(), Purpose::Signing);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ValidationOptions<'a> {
    /// The purpose the end entity must fit (CLI.md's table).
    pub(crate) purpose: Purpose,
    /// The validation time (floored to the second).
    pub(crate) time: SystemTime,
    /// The name the end entity must present in its subjectAltName, if any.
    pub(crate) server_name: Option<&'a ServerName>,
    /// CRLs. When any is given, the end entity must be covered by a current CRL of its issuer,
    /// and every other certificate whose issuer has one is checked against it (CLI.md).
    pub(crate) crls: &'a [Crl],
    /// Which keys the path may contain.
    pub(crate) key_policy: KeyPolicy,
    /// Most intermediates, not counting self-issued ones (default
    /// [`crate::DEFAULT_MAX_CHAIN_DEPTH`]; never more than [`crate::MAX_PATH_INTERMEDIATES`] in all).
    pub(crate) max_chain_depth: Option<usize>,
    /// keyUsage bits the end entity must have on top of the purpose's (the extension must then
    /// be present).
    pub(crate) required_key_usage: Option<KeyUsage>,
}

impl<'a> ValidationOptions<'a> {
    /// Options for `purpose` at `time`, with no name, no CRL, the default key policy and depth.
    pub fn new(purpose: Purpose, time: SystemTime) -> Self {
        Self {
            purpose,
            time,
            server_name: None,
            crls: &[],
            key_policy: KeyPolicy::default(),
            max_chain_depth: None,
            required_key_usage: None,
        }
    }

    /// The same options for another purpose.
    pub fn with_purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = purpose;
        self
    }

    /// The same options at another validation time.
    pub fn with_time(mut self, time: SystemTime) -> Self {
        self.time = time;
        self
    }

    /// The same options checking `name`.
    pub fn with_server_name(mut self, name: &'a ServerName) -> Self {
        self.server_name = Some(name);
        self
    }

    /// The same options with these CRLs.
    pub fn with_crls(mut self, crls: &'a [Crl]) -> Self {
        self.crls = crls;
        self
    }

    /// The same options with another key policy.
    pub fn with_key_policy(mut self, key_policy: KeyPolicy) -> Self {
        self.key_policy = key_policy;
        self
    }

    /// The same options allowing at most `depth` intermediates, not counting self-issued ones
    /// (never more than [`crate::MAX_PATH_INTERMEDIATES`] in all).
    pub fn with_max_chain_depth(mut self, depth: usize) -> Self {
        self.max_chain_depth = Some(depth);
        self
    }

    /// The same options requiring these keyUsage bits of the end entity on top of the
    /// purpose's (the extension must then be present).
    pub fn with_required_key_usage(mut self, key_usage: KeyUsage) -> Self {
        self.required_key_usage = Some(key_usage);
        self
    }

    /// The purpose the end entity must fit.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// The validation time.
    pub fn time(&self) -> SystemTime {
        self.time
    }
}

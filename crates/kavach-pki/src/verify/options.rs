//! [`ValidationOptions`]: what one validation checks beyond the path's RFC 5280 rules.

use std::time::SystemTime;

use x509_cert::ext::pkix::KeyUsage;

use crate::crl::Crl;
use crate::name::ServerName;
use crate::policy::KeyPolicy;
use crate::purpose::Purpose;

/// What a validation checks beyond the path's RFC 5280 rules.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ValidationOptions<'a> {
    /// The purpose the end entity must fit (CLI.md's table).
    pub purpose: Purpose,
    /// The validation time (floored to the second).
    pub time: SystemTime,
    /// The name the end entity must present in its subjectAltName, if any.
    pub server_name: Option<&'a ServerName>,
    /// CRLs. When any is given, the end entity must be covered by a current CRL of its issuer,
    /// and every other certificate whose issuer has one is checked against it (CLI.md).
    pub crls: &'a [Crl],
    /// Which keys the path may contain.
    pub key_policy: KeyPolicy,
    /// Most intermediates, not counting self-issued ones (default
    /// [`crate::DEFAULT_MAX_CHAIN_DEPTH`]; never more than [`crate::MAX_PATH_INTERMEDIATES`] in all).
    pub max_chain_depth: Option<usize>,
    /// keyUsage bits the end entity must have on top of the purpose's (the extension must then
    /// be present).
    pub required_key_usage: Option<KeyUsage>,
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
}

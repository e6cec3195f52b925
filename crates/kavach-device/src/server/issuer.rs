//! The device CA's issuing key, behind a [`kavach_keys::Signer`] so that it can sit in an HSM.

use kavach_keys::Signer;
use kavach_pki::Certificate;

/// A provider's device CA: its certificate, the chain above it (to hand to devices), and the
/// signer of its key (software, or a PKCS#11 token).
pub trait Issuer: Send + Sync {
    /// The device CA certificate.
    fn certificate(&self) -> &Certificate;
    /// The certificates above the device CA that devices receive after their own (may be
    /// empty when the device CA is itself the anchor devices pin).
    fn chain(&self) -> &[Certificate];
    /// The CA key.
    fn signer(&self) -> &dyn Signer;
}

/// An [`Issuer`] over any signer held in memory (a software key, or a PKCS#11 key object).
pub struct SignerIssuer<S: Signer> {
    certificate: Certificate,
    chain: Vec<Certificate>,
    signer: S,
}

impl<S: Signer> core::fmt::Debug for SignerIssuer<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignerIssuer")
            .field("certificate", &self.certificate.subject().to_string())
            .finish_non_exhaustive()
    }
}

impl<S: Signer> SignerIssuer<S> {
    /// The device CA `certificate` with its key `signer` and the `chain` above it.
    pub fn new(certificate: Certificate, chain: Vec<Certificate>, signer: S) -> Self {
        Self {
            certificate,
            chain,
            signer,
        }
    }
}

impl<S: Signer> Issuer for SignerIssuer<S> {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn signer(&self) -> &dyn Signer {
        &self.signer
    }
}

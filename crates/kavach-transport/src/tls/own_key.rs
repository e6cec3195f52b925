//! The own side's certificate chain and private key, checked against each other.

use std::sync::Arc;

use kavach_keys::Signer;
use kavach_pki::Certificate;
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls_pki_types::CertificateDer;

use crate::tls::error::Error;
use crate::tls::sign::TlsSigningKey;

/// `chain` (end entity first) and `signer` as rustls's single-certificate resolver, refused
/// when the chain is empty, the key is not the end entity's, or TLS has no scheme for it.
pub(crate) fn certified_key(chain: &[Certificate], signer: Arc<dyn Signer>) -> Result<Arc<SingleCertAndKey>, Error> {
    let ee = chain.first().ok_or(Error::EmptyChain)?;
    if ee.public_key()?.spki_der() != signer.public_key().spki_der() {
        return Err(Error::KeyMismatch {
            subject: ee.subject().to_string(),
        });
    }
    let key = TlsSigningKey::new(signer)?;
    let ders = chain.iter().map(|c| CertificateDer::from(c.der().to_vec())).collect();
    Ok(Arc::new(SingleCertAndKey::from(CertifiedKey::new(ders, Arc::new(key)))))
}

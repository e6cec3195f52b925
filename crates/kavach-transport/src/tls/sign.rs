//! A kavach [`Signer`] as rustls's [`SigningKey`]: the own side's private key, in this
//! process or in a PKCS#11 token, signs the handshake through kavach-keys.

use std::sync::Arc;

use kavach_keys::{EcdsaEncoding, HashAlgorithm, KeyKind, PssSaltLength, SignatureAlgorithm, Signer};
use rustls::SignatureScheme;
use rustls::sign::SigningKey;
use rustls_pki_types::SubjectPublicKeyInfoDer;

use crate::tls::error::Error;

/// A [`Signer`] usable by rustls. A kavach signer signs with exactly one algorithm, so it
/// answers exactly one TLS signature scheme:
///
/// | signer algorithm | TLS scheme | versions |
/// |---|---|---|
/// | ECDSA P-256, SHA-256, DER | `ecdsa_secp256r1_sha256` | 1.2, 1.3 |
/// | ECDSA P-384, SHA-384, DER | `ecdsa_secp384r1_sha384` | 1.2, 1.3 |
/// | RSASSA-PSS, SHA-256/384/512, salt = hash length, rsaEncryption key | `rsa_pss_rsae_sha*` | 1.2, 1.3 |
/// | RSASSA-PKCS1-v1_5, SHA-256/384/512 | `rsa_pkcs1_sha*` | 1.2 only |
/// | Ed25519 | `ed25519` | 1.2, 1.3 |
///
/// Anything else (ECDSA in fixed `r || s` encoding, a curve/hash pair TLS 1.3 does not
/// define, another PSS salt, an id-RSASSA-PSS key) is refused by [`TlsSigningKey::new`]. Give
/// RSA keys PSS (`PS256`) so that TLS 1.3 peers can use them.
pub struct TlsSigningKey {
    signer: Arc<dyn Signer>,
    scheme: SignatureScheme,
}

impl core::fmt::Debug for TlsSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsSigningKey")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl TlsSigningKey {
    /// Wraps `signer`, or says why TLS cannot use its algorithm.
    pub fn new(signer: Arc<dyn Signer>) -> Result<Self, Error> {
        let scheme = scheme_of(signer.algorithm(), signer.public_key())?;
        Ok(Self { signer, scheme })
    }

    /// The one TLS signature scheme this key signs with.
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

fn scheme_of(algorithm: SignatureAlgorithm, key: &kavach_keys::PublicKey) -> Result<SignatureScheme, Error> {
    let unsupported = |reason| Error::UnsupportedKey { algorithm, reason };
    match algorithm {
        SignatureAlgorithm::Ecdsa { encoding, hash } => {
            if encoding != EcdsaEncoding::Der {
                return Err(unsupported(
                    "TLS carries ECDSA signatures DER-encoded: use EcdsaEncoding::Der",
                ));
            }
            match (key.kind(), hash) {
                (KeyKind::P256, HashAlgorithm::Sha256) => Ok(SignatureScheme::ECDSA_NISTP256_SHA256),
                (KeyKind::P384, HashAlgorithm::Sha384) => Ok(SignatureScheme::ECDSA_NISTP384_SHA384),
                _ => Err(unsupported("TLS pairs P-256 with SHA-256 and P-384 with SHA-384")),
            }
        }
        SignatureAlgorithm::RsaPss { hash, salt } => {
            if key.is_rsa_pss_only() {
                return Err(unsupported("id-RSASSA-PSS keys (rsa_pss_pss_*) are not supported"));
            }
            let salt_ok = match salt {
                PssSaltLength::Exactly(n) => usize::from(n) == hash.output_len(),
                PssSaltLength::AnyOnVerify => true,
                _ => false,
            };
            if !salt_ok {
                return Err(unsupported("TLS requires a PSS salt as long as the hash"));
            }
            match hash {
                HashAlgorithm::Sha256 => Ok(SignatureScheme::RSA_PSS_SHA256),
                HashAlgorithm::Sha384 => Ok(SignatureScheme::RSA_PSS_SHA384),
                HashAlgorithm::Sha512 => Ok(SignatureScheme::RSA_PSS_SHA512),
                _ => Err(unsupported("no TLS scheme for this hash")),
            }
        }
        SignatureAlgorithm::RsaPkcs1v15(hash) => match hash {
            HashAlgorithm::Sha256 => Ok(SignatureScheme::RSA_PKCS1_SHA256),
            HashAlgorithm::Sha384 => Ok(SignatureScheme::RSA_PKCS1_SHA384),
            HashAlgorithm::Sha512 => Ok(SignatureScheme::RSA_PKCS1_SHA512),
            _ => Err(unsupported("no TLS scheme for this hash")),
        },
        SignatureAlgorithm::Ed25519 => Ok(SignatureScheme::ED25519),
        _ => Err(unsupported("no TLS scheme for this algorithm")),
    }
}

impl SigningKey for TlsSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        offered.contains(&self.scheme).then(|| {
            Box::new(SchemeSigner {
                signer: Arc::clone(&self.signer),
                scheme: self.scheme,
            }) as Box<dyn rustls::sign::Signer>
        })
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        Some(SubjectPublicKeyInfoDer::from(self.signer.public_key().spki_der()))
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        match self.scheme {
            SignatureScheme::ECDSA_NISTP256_SHA256 | SignatureScheme::ECDSA_NISTP384_SHA384 => {
                rustls::SignatureAlgorithm::ECDSA
            }
            SignatureScheme::ED25519 => rustls::SignatureAlgorithm::ED25519,
            // `scheme_of` answers only the schemes above and the RSA ones.
            _ => rustls::SignatureAlgorithm::RSA,
        }
    }
}

struct SchemeSigner {
    signer: Arc<dyn Signer>,
    scheme: SignatureScheme,
}

impl core::fmt::Debug for SchemeSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SchemeSigner")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl rustls::sign::Signer for SchemeSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        self.signer.sign(message).map_err(|e| {
            tracing::error!(code = e.code(), "the TLS private key failed to sign");
            rustls::Error::General("the private key failed to sign".into())
        })
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

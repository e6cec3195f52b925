//! Software private keys: generation, loading (PKCS#8, PKCS#1, SEC1; PEM or DER) and storing
//! (PKCS#8 PEM, file mode 0600).

use core::fmt;
use std::path::Path;

use der::{Decode, asn1::ObjectIdentifier};
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::algorithm::{EcdsaEncoding, HashAlgorithm, KeyKind, PssSaltLength, SignatureAlgorithm};
use crate::error::{Error, Result};
use crate::public::PublicKey;
use crate::public::{OID_EC_PUBLIC_KEY, OID_ED25519, OID_RSA_ENCRYPTION, OID_SECP256R1, OID_SECP384R1, PublicKeyInner};
use crate::traits::{Decrypter, Signer};

/// Largest private key file [`PrivateKey::load`] reads: 1 MiB. An RSA-4096 key in PEM is
/// about 3.3 KiB; the bound leaves room for OpenSSL's "Bag Attributes" and comments.
pub const MAX_KEY_FILE_LEN: usize = 1 << 20;

/// RSA sizes [`PrivateKey::generate`] makes and loading accepts.
pub const RSA_BITS_RANGE: core::ops::RangeInclusive<usize> = 2048..=4096;

enum SecretInner {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Rsa(rsa::PrivateKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// A private key held in this process's memory.
///
/// Not `Clone`; `Debug` prints only the key kind; the key material is zeroized on drop (each
/// backend type zeroizes itself). It signs with one [`SignatureAlgorithm`], chosen by
/// [`PrivateKey::with_signature_algorithm`] (default: [`KeyKind::default_signature_algorithm`]).
pub struct PrivateKey {
    secret: SecretInner,
    public: PublicKey,
    algorithm: SignatureAlgorithm,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("kind", &self.public.kind())
            .field("secret", &"[secret key elided]")
            .finish()
    }
}

impl PrivateKey {
    fn from_secret(secret: SecretInner) -> Result<Self> {
        let public = PublicKey::from_inner(match &secret {
            SecretInner::P256(k) => PublicKeyInner::P256(*k.verifying_key()),
            SecretInner::P384(k) => PublicKeyInner::P384(*k.verifying_key()),
            SecretInner::Rsa(k) => PublicKeyInner::Rsa {
                key: k.to_public_key(),
                pss_only: false,
            },
            SecretInner::Ed25519(k) => PublicKeyInner::Ed25519(k.verifying_key()),
        })?;
        let algorithm = public.kind().default_signature_algorithm();
        Ok(Self {
            secret,
            public,
            algorithm,
        })
    }

    /// Generates a new key of `kind` from the operating system's RNG.
    ///
    /// RSA sizes must lie in [`RSA_BITS_RANGE`] (2048 to 4096 bits).
    pub fn generate(kind: KeyKind) -> Result<Self> {
        use elliptic_curve::Generate;
        let secret = match kind {
            KeyKind::P256 => SecretInner::P256(p256::ecdsa::SigningKey::try_generate().map_err(|_| Error::Rng)?),
            KeyKind::P384 => SecretInner::P384(p384::ecdsa::SigningKey::try_generate().map_err(|_| Error::Rng)?),
            KeyKind::Rsa { bits } => {
                if !RSA_BITS_RANGE.contains(&bits) {
                    return Err(Error::UnsupportedRsaKeySize {
                        bits,
                        min: *RSA_BITS_RANGE.start(),
                        max: *RSA_BITS_RANGE.end(),
                    });
                }
                SecretInner::Rsa(
                    rsa::PrivateKey::new(&mut getrandom::SysRng, bits)
                        .map_err(|_| Error::KeyGeneration("RSA prime generation failed"))?,
                )
            }
            KeyKind::Ed25519 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                getrandom::fill(seed.as_mut()).map_err(|_| Error::Rng)?;
                SecretInner::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
        };
        Self::from_secret(secret)
    }

    /// Returns this key set to sign with `algorithm`, which must fit the key
    /// (e.g. [`SignatureAlgorithm::RS256`] for an RSA key).
    pub fn with_signature_algorithm(mut self, algorithm: SignatureAlgorithm) -> Result<Self> {
        self.public.check_algorithm(algorithm)?;
        if let SignatureAlgorithm::RsaPss {
            salt: PssSaltLength::AnyOnVerify,
            hash,
        } = algorithm
        {
            // Signing needs a definite salt length: use the hash length (RFC 8017 §9.1 note 4).
            self.algorithm = SignatureAlgorithm::RsaPss {
                hash,
                salt: PssSaltLength::Exactly(hash.output_len() as u16),
            };
        } else {
            self.algorithm = algorithm;
        }
        Ok(self)
    }

    /// What kind of key this is.
    pub fn kind(&self) -> KeyKind {
        self.public.kind()
    }

    /// Parses a private key from PEM text: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) or
    /// `EC PRIVATE KEY` (SEC1; an `EC PARAMETERS` block before it, as `openssl ecparam -genkey`
    /// writes, is skipped). Encrypted keys are refused.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let blocks = crate::encoding::pem_blocks(pem)?;
        let mut keys = blocks.iter().filter(|b| b.label != "EC PARAMETERS");
        let (Some(block), None) = (keys.next(), keys.next()) else {
            return Err(Error::MalformedKey {
                format: "PEM",
                reason: "expected exactly one private key block",
            });
        };
        match block.label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&block.der),
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&block.der),
            "EC PRIVATE KEY" => Self::from_sec1_der(&block.der),
            other => Err(Error::UnsupportedPemLabel(other.to_owned())),
        }
    }

    /// Parses a DER private key, detecting PKCS#8, PKCS#1 or SEC1.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        // PKCS#8 starts SEQUENCE { INTEGER 0|1, SEQUENCE { OID ... } }; PKCS#1 has INTEGER 0 then
        // INTEGER n; SEC1 has INTEGER 1 then OCTET STRING. The structures exclude each other, so
        // the first that parses names the format, and that format's parser reports the error
        // (e.g. an RSA-1024 PKCS#1 key fails with the key size, not with "not PKCS#8").
        if pkcs8::PrivateKeyInfoRef::from_der(der).is_ok() {
            Self::from_pkcs8_der(der)
        } else if pkcs1::RsaPrivateKeyRef::from_der(der).is_ok() {
            Self::from_pkcs1_der(der)
        } else if sec1::EcPrivateKey::from_der(der).is_ok() {
            Self::from_sec1_der(der)
        } else {
            Err(Error::MalformedKey {
                format: "DER private key",
                reason: "neither PKCS#8 PrivateKeyInfo, PKCS#1 RSAPrivateKey nor SEC1 ECPrivateKey",
            })
        }
    }

    /// Reads a private key file, PEM or DER (see [`PrivateKey::from_pem_or_der`]), of at most
    /// [`MAX_KEY_FILE_LEN`] bytes. The file is read into one buffer sized from its length and
    /// zeroized after parsing ([`crate::file::read_file_bounded`]): no copy of the key file is
    /// left in freed memory.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = crate::file::read_file_bounded(path, MAX_KEY_FILE_LEN).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_pem_or_der(&bytes)
    }

    /// Parses the bytes of a key file: PEM (text before the block, such as OpenSSL's "Bag
    /// Attributes", is skipped) or DER (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self> {
        let text = core::str::from_utf8(bytes).ok();
        // PEM when it starts like PEM, or when it is text with a BEGIN line after other text
        // (`openssl pkcs12 -nodes` writes "Bag Attributes" lines before each block).
        if let Some(text) = text.filter(|t| t.contains("-----BEGIN ")) {
            Self::from_pem(text)
        } else if crate::encoding::looks_like_pem(bytes) {
            Err(Error::MalformedKey {
                format: "PEM",
                reason: "not UTF-8 text",
            })
        } else {
            Self::from_der(bytes)
        }
    }

    /// Parses a DER PKCS#8 `PrivateKeyInfo` (RFC 5208 / RFC 5958, unencrypted).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        use pkcs8::DecodePrivateKey;
        const FMT: &str = "PKCS#8";
        let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| Error::MalformedKey {
            format: FMT,
            reason: "not DER PrivateKeyInfo",
        })?;
        let oid = info.algorithm.oid;
        let bad = |reason| Error::MalformedKey { format: FMT, reason };
        let secret = if oid == OID_RSA_ENCRYPTION {
            let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| bad("invalid RSA private key"))?;
            check_rsa_size(&key)?;
            SecretInner::Rsa(key)
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve: ObjectIdentifier = info
                .algorithm
                .parameters
                .as_ref()
                .ok_or(bad("EC key without a named curve"))?
                .decode_as()
                .map_err(|_| bad("EC parameters are not a named curve"))?;
            if curve == OID_SECP256R1 {
                SecretInner::P256(
                    p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| bad("invalid P-256 private key"))?,
                )
            } else if curve == OID_SECP384R1 {
                SecretInner::P384(
                    p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| bad("invalid P-384 private key"))?,
                )
            } else {
                return Err(Error::UnsupportedKeyAlgorithm(format!("EC curve {curve}")));
            }
        } else if oid == OID_ED25519 {
            SecretInner::Ed25519(
                ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(|_| bad("invalid Ed25519 private key"))?,
            )
        } else {
            return Err(Error::UnsupportedKeyAlgorithm(format!("algorithm {oid}")));
        };
        Self::from_secret(secret)
    }

    /// Parses a DER PKCS#1 `RSAPrivateKey` (RFC 8017 Appendix A.1.2).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        use pkcs1::DecodeRsaPrivateKey;
        let key = rsa::PrivateKey::from_pkcs1_der(der).map_err(|_| Error::MalformedKey {
            format: "PKCS#1",
            reason: "not a valid DER RSAPrivateKey",
        })?;
        check_rsa_size(&key)?;
        Self::from_secret(SecretInner::Rsa(key))
    }

    /// Parses a DER SEC1 `ECPrivateKey` (RFC 5915) on P-256 or P-384.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self> {
        const FMT: &str = "SEC1";
        let bad = |reason| Error::MalformedKey { format: FMT, reason };
        let ec = sec1::EcPrivateKey::from_der(der).map_err(|_| bad("not DER ECPrivateKey"))?;
        let curve = ec
            .parameters
            .as_ref()
            .and_then(|p| p.named_curve())
            .ok_or(bad("ECPrivateKey without a named curve"))?;
        let secret = if curve == OID_SECP256R1 {
            let sk = p256::SecretKey::from_sec1_der(der).map_err(|_| bad("invalid P-256 private key"))?;
            SecretInner::P256(sk.into())
        } else if curve == OID_SECP384R1 {
            let sk = p384::SecretKey::from_sec1_der(der).map_err(|_| bad("invalid P-384 private key"))?;
            SecretInner::P384(sk.into())
        } else {
            return Err(Error::UnsupportedKeyAlgorithm(format!("EC curve {curve}")));
        };
        Self::from_secret(secret)
    }

    /// Encodes the key as DER PKCS#8 (RFC 5958 v1 `PrivateKeyInfo`).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        use pkcs8::EncodePrivateKey;
        let doc = match &self.secret {
            SecretInner::P256(k) => k.to_pkcs8_der(),
            SecretInner::P384(k) => k.to_pkcs8_der(),
            SecretInner::Rsa(k) => k.to_pkcs8_der(),
            SecretInner::Ed25519(k) => ed25519_pkcs8_v1(k),
        }
        .map_err(|_| Error::MalformedKey {
            format: "PKCS#8",
            reason: "encoding failed",
        })?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// Encodes the key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        let der = self.to_pkcs8_der()?;
        Ok(Zeroizing::new(crate::encoding::pem_encode("PRIVATE KEY", &der)))
    }

    /// Writes the key as PKCS#8 PEM to `path`, mode 0600 whatever the umask, atomically
    /// ([`crate::file::write_atomically`]): a new file in `path`'s directory, fsynced, then
    /// renamed over `path`, so a failure leaves no partial key. A symbolic link at `path` is
    /// refused, never written through.
    pub fn write_pkcs8_pem(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let pem = self.to_pkcs8_pem()?;
        crate::file::write_atomically(path, pem.as_bytes(), crate::file::Access::OwnerOnly).map_err(|source| {
            Error::Io {
                path: path.to_owned(),
                source,
            }
        })
    }
}

/// PKCS#8 v1 `PrivateKeyInfo` of an Ed25519 key (RFC 8410 §7), without the optional public key.
///
/// ed25519-dalek writes the v2 form (RFC 5958 `OneAsymmetricKey` with `publicKey [1]`), which
/// OpenSSL before 3.5 refuses to read; RFC 8410 §7 notes exactly this trade-off. The public key
/// is derived from the seed when the key is loaded, so nothing is lost.
fn ed25519_pkcs8_v1(key: &ed25519_dalek::SigningKey) -> pkcs8::Result<pkcs8::SecretDocument> {
    // CurvePrivateKey ::= OCTET STRING, itself the content of the PrivateKeyInfo's OCTET STRING.
    let mut curve_private_key = Zeroizing::new([0u8; 34]);
    curve_private_key[0] = 0x04;
    curve_private_key[1] = 0x20;
    curve_private_key[2..].copy_from_slice(key.as_bytes());
    let info = pkcs8::PrivateKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: OID_ED25519,
            parameters: None,
        },
        private_key: der::asn1::OctetStringRef::new(&curve_private_key[..])?,
        public_key: None,
    };
    Ok(pkcs8::SecretDocument::encode_msg(&info)?)
}

fn check_rsa_size(key: &rsa::PrivateKey) -> Result<()> {
    let bits = crate::public::rsa_bits(key.as_public_key());
    if RSA_BITS_RANGE.contains(&bits) {
        Ok(())
    } else {
        Err(Error::UnsupportedRsaKeySize {
            bits,
            min: *RSA_BITS_RANGE.start(),
            max: *RSA_BITS_RANGE.end(),
        })
    }
}

macro_rules! ecdsa_sign {
    ($key:expr, $sig:ty, $hash:expr, $encoding:expr, $msg:expr) => {{
        use signature::hazmat::PrehashSigner;
        let digest = $hash.digest($msg);
        let sig: $sig = $key.sign_prehash(&digest).map_err(|_| Error::SigningFailed)?;
        Ok(match $encoding {
            EcdsaEncoding::Fixed => sig.to_vec(),
            EcdsaEncoding::Der => sig.to_der().as_bytes().to_vec(),
        })
    }};
}

impl Signer for PrivateKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match (&self.secret, self.algorithm) {
            (SecretInner::P256(k), SignatureAlgorithm::Ecdsa { hash, encoding }) => {
                ecdsa_sign!(k, p256::ecdsa::Signature, hash, encoding, message)
            }
            (SecretInner::P384(k), SignatureAlgorithm::Ecdsa { hash, encoding }) => {
                ecdsa_sign!(k, p384::ecdsa::Signature, hash, encoding, message)
            }
            (SecretInner::Rsa(k), SignatureAlgorithm::RsaPkcs1v15(hash)) => match hash {
                HashAlgorithm::Sha256 => k.pkcs1v15_sign::<Sha256>(message),
                HashAlgorithm::Sha384 => k.pkcs1v15_sign::<Sha384>(message),
                HashAlgorithm::Sha512 => k.pkcs1v15_sign::<Sha512>(message),
            }
            .map_err(|_| Error::SigningFailed),
            (SecretInner::Rsa(k), SignatureAlgorithm::RsaPss { hash, salt }) => {
                let salt = match salt {
                    PssSaltLength::Exactly(n) => usize::from(n),
                    PssSaltLength::AnyOnVerify => hash.output_len(),
                };
                let digest = hash.digest(message);
                let mut rng = getrandom::SysRng;
                match hash {
                    HashAlgorithm::Sha256 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<Sha256>::new_with_salt(salt), &digest)
                    }
                    HashAlgorithm::Sha384 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<Sha384>::new_with_salt(salt), &digest)
                    }
                    HashAlgorithm::Sha512 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<Sha512>::new_with_salt(salt), &digest)
                    }
                }
                .map_err(|_| Error::SigningFailed)
            }
            (SecretInner::Ed25519(k), SignatureAlgorithm::Ed25519) => {
                use signature::Signer as _;
                let sig: ed25519_dalek::Signature = k.sign(message);
                Ok(sig.to_bytes().to_vec())
            }
            _ => Err(Error::AlgorithmKeyMismatch {
                algorithm: self.algorithm,
                key: self.kind(),
            }),
        }
    }
}

impl Decrypter for PrivateKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn decrypt_rsa_oaep_sha256(&self, label: Option<&[u8]>, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let SecretInner::Rsa(k) = &self.secret else {
            return Err(Error::UnsupportedOperation {
                key: self.kind(),
                operation: "RSA-OAEP decryption",
            });
        };
        // The RSA private operation (blinded, CRT result checked) here, then the crate's own
        // constant-time OAEP decoder: rsa 0.10.0's decoder does not check that the leading byte
        // of the encoded message is zero (RFC 8017 §7.1.2 step 3.g; Wycheproof
        // rsa_oaep_2048_sha256_mgf1sha256 tcId 23 "First byte is 1" decrypts with it).
        use rsa::traits::PublicKeyParts;
        let size = k.size();
        // RFC 8017 §7.1.2 steps 1.b and 2.a: exactly k bytes, representative below n. Both are
        // public properties of the ciphertext.
        if ciphertext.len() != size {
            return Err(Error::DecryptionFailed);
        }
        let c = rsa::BoxedUint::from_be_slice(ciphertext, k.n_bits_precision()).map_err(|_| Error::DecryptionFailed)?;
        let n: &rsa::BoxedUint = k.n().as_ref();
        if c >= *n {
            return Err(Error::DecryptionFailed);
        }
        let mut m = rsa::hazmat::rsa_decrypt_and_check(k, Some(&mut getrandom::SysRng), &c)
            .map_err(|_| Error::DecryptionFailed)?;
        // I2OSP(m, k): m < n < 256^k, so any bytes beyond the last k are zero.
        let raw = Zeroizing::new(m.to_be_bytes());
        zeroize::Zeroize::zeroize(&mut m);
        let mut em = Zeroizing::new(vec![0u8; size]);
        let take = raw.len().min(size);
        em[size - take..].copy_from_slice(&raw[raw.len() - take..]);
        crate::oaep::decode_sha256(&em, label.unwrap_or_default())
    }

    fn ecdh_p256(&self, peer: &PublicKey) -> Result<Zeroizing<[u8; 32]>> {
        let SecretInner::P256(k) = &self.secret else {
            return Err(Error::UnsupportedOperation {
                key: self.kind(),
                operation: "ECDH on P-256",
            });
        };
        let PublicKeyInner::P256(peer) = &peer.inner else {
            return Err(Error::DecryptionFailed);
        };
        let shared = p256::ecdh::diffie_hellman(k.as_nonzero_scalar(), peer.as_affine());
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(shared.raw_secret_bytes());
        Ok(out)
    }
}

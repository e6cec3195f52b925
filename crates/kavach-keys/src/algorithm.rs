//! Algorithm identifiers shared by signers and verifiers.

use core::fmt;

/// A hash function used inside a signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Hashes `msg` with this function.
    pub fn digest(self, msg: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            Self::Sha256 => sha2::Sha256::digest(msg).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(msg).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(msg).to_vec(),
        }
    }
}

/// The salt length of an RSASSA-PSS signature (MGF1 always uses the same hash as the message).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PssSaltLength {
    /// Exactly this many bytes (JWS PS256 requires 32, RFC 7518 §3.5).
    Exactly(u16),
    /// The salt length recovered from the signature is accepted, whatever it is.
    /// Only meaningful for verification; signing with it uses the hash length.
    AnyOnVerify,
}

/// How an ECDSA signature is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EcdsaEncoding {
    /// Fixed width `r || s`, each as wide as the curve's field (IEEE P1363; JWS `ES256`).
    Fixed,
    /// ASN.1 DER `SEQUENCE { r INTEGER, s INTEGER }` (X.509, CMS).
    Der,
}

/// A signature scheme: everything needed, with a public key, to verify a signature.
///
/// The curve of an ECDSA scheme is the curve of the key; the hash is named here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// ECDSA over the key's curve with this hash, in this encoding.
    Ecdsa {
        /// Message hash.
        hash: HashAlgorithm,
        /// Signature encoding.
        encoding: EcdsaEncoding,
    },
    /// RSASSA-PKCS1-v1_5 with this hash.
    RsaPkcs1v15(HashAlgorithm),
    /// RSASSA-PSS with this hash and MGF1 over the same hash.
    RsaPss {
        /// Message hash (and MGF1 hash).
        hash: HashAlgorithm,
        /// Salt length.
        salt: PssSaltLength,
    },
    /// Ed25519 (RFC 8032, pure).
    Ed25519,
}

impl SignatureAlgorithm {
    /// ECDSA P-256 with SHA-256, `r || s` — JWS `ES256`.
    pub const ES256: Self = Self::Ecdsa {
        hash: HashAlgorithm::Sha256,
        encoding: EcdsaEncoding::Fixed,
    };
    /// ECDSA P-384 with SHA-384, `r || s` — JWS `ES384`.
    pub const ES384: Self = Self::Ecdsa {
        hash: HashAlgorithm::Sha384,
        encoding: EcdsaEncoding::Fixed,
    };
    /// RSASSA-PKCS1-v1_5 with SHA-256 — JWS `RS256`.
    pub const RS256: Self = Self::RsaPkcs1v15(HashAlgorithm::Sha256);
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32 — JWS `PS256`.
    pub const PS256: Self = Self::RsaPss {
        hash: HashAlgorithm::Sha256,
        salt: PssSaltLength::Exactly(32),
    };

    /// The kind of key family this scheme needs.
    pub const fn key_family(self) -> KeyFamily {
        match self {
            Self::Ecdsa { .. } => KeyFamily::Ec,
            Self::RsaPkcs1v15(_) | Self::RsaPss { .. } => KeyFamily::Rsa,
            Self::Ed25519 => KeyFamily::Ed25519,
        }
    }
}

/// The broad family of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyFamily {
    /// Elliptic-curve (ECDSA / ECDH) on a NIST curve.
    Ec,
    /// RSA.
    Rsa,
    /// Ed25519.
    Ed25519,
}

/// The precise kind of a key: what [`crate::PrivateKey::generate`] makes and what policies check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// ECDSA / ECDH on NIST P-256 (secp256r1).
    P256,
    /// ECDSA on NIST P-384 (secp384r1).
    P384,
    /// RSA with a modulus of this many bits.
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
    /// Ed25519.
    Ed25519,
}

impl KeyKind {
    /// The family of this kind.
    pub const fn family(self) -> KeyFamily {
        match self {
            Self::P256 | Self::P384 => KeyFamily::Ec,
            Self::Rsa { .. } => KeyFamily::Rsa,
            Self::Ed25519 => KeyFamily::Ed25519,
        }
    }

    /// The signature scheme a key of this kind signs with unless told otherwise:
    /// ES256 for P-256, ES384 for P-384, PS256 for RSA, Ed25519 for Ed25519.
    pub const fn default_signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            Self::P256 => SignatureAlgorithm::ES256,
            Self::P384 => SignatureAlgorithm::ES384,
            Self::Rsa { .. } => SignatureAlgorithm::PS256,
            Self::Ed25519 => SignatureAlgorithm::Ed25519,
        }
    }

    /// Width in bytes of one ECDSA scalar for EC kinds.
    pub const fn ec_field_len(self) -> Option<usize> {
        match self {
            Self::P256 => Some(32),
            Self::P384 => Some(48),
            _ => None,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::P256 => f.write_str("P-256"),
            Self::P384 => f.write_str("P-384"),
            Self::Rsa { bits } => write!(f, "RSA-{bits}"),
            Self::Ed25519 => f.write_str("Ed25519"),
        }
    }
}

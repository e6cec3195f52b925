//! The format enums: which envelope format ([`Format`]), MOSIP layout ([`MosipLayout`]) and JWE
//! key-management algorithm ([`JweAlgorithm`]) an envelope, an error or an opened result is about.
//!
//! A leaf: it imports nothing of the crate, so the error type ([`crate::Error`]), the opened result
//! ([`crate::Opened`]) and the format modules all name these without importing one another. Each
//! is re-exported where it has always been: [`crate::Format`], [`crate::mosip::MosipLayout`],
//! [`crate::jwe::JweAlgorithm`].

/// Which envelope format an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// MOSIP keymanager layouts (WIRE.md §1): `VER_R2`, `aad`, `legacy`, `legacy-no-thumbprint`.
    Mosip,
    /// JWE compact serialisation (WIRE.md §2).
    Jwe,
    /// The SBI biometric `bioValue` scheme (WIRE.md §3).
    Sbi,
    /// kavach's chunked streaming format (see the crate docs).
    Stream,
    /// Raw AES-GCM / AES key wrap inputs of the [`crate::hazmat`] module.
    Primitive,
}

impl core::fmt::Display for Format {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Format::Mosip => "MOSIP envelope",
            Format::Jwe => "JWE",
            Format::Sbi => "SBI bioValue",
            Format::Stream => "kavach stream",
            Format::Primitive => "primitive input",
        })
    }
}

/// The MOSIP layouts of WIRE.md §1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MosipLayout {
    /// `VER_R2`: version header, thumbprint, random 32-byte AAD whose first 12 bytes are the nonce.
    VerR2,
    /// Thumbprint first, 16-byte IV at the end, caller AAD bound.
    Aad,
    /// MOSIP up to 1.1.5: as [`MosipLayout::Aad`] without caller AAD.
    Legacy,
    /// MOSIP 1.1.3: no thumbprint, 16-byte IV at the end, no AAD.
    LegacyNoThumbprint,
}

impl MosipLayout {
    /// The layout's name as WIRE.md spells it (`VER_R2`, `aad`, `legacy`, `legacy-no-thumbprint`).
    pub fn name(self) -> &'static str {
        match self {
            MosipLayout::VerR2 => "VER_R2",
            MosipLayout::Aad => "aad",
            MosipLayout::Legacy => "legacy",
            MosipLayout::LegacyNoThumbprint => "legacy-no-thumbprint",
        }
    }
}

impl core::fmt::Display for MosipLayout {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The key-management algorithms kavach accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JweAlgorithm {
    /// `RSA-OAEP-256`: RSAES-OAEP with SHA-256 and MGF1-SHA-256.
    RsaOaep256,
    /// `ECDH-ES+A256KW`: ephemeral-static ECDH on P-256, Concat KDF, AES-256 key wrap.
    EcdhEsA256Kw,
}

impl JweAlgorithm {
    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            JweAlgorithm::RsaOaep256 => "RSA-OAEP-256",
            JweAlgorithm::EcdhEsA256Kw => "ECDH-ES+A256KW",
        }
    }
}

impl core::fmt::Display for JweAlgorithm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

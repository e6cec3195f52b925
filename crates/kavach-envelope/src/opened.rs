//! What opening an envelope returns.

use kavach_keys::Sha256Thumbprint;

use crate::format::{JweAlgorithm, MosipLayout};
use crate::recipient::Plaintext;

/// Which format (and layout or algorithm) an opened envelope turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenedKind {
    /// A MOSIP keymanager envelope in this layout.
    Mosip(MosipLayout),
    /// A JWE compact with this key-management algorithm (content encryption is always `A256GCM`).
    Jwe(JweAlgorithm),
}

impl core::fmt::Display for OpenedKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OpenedKind::Mosip(l) => write!(f, "MOSIP {l}"),
            OpenedKind::Jwe(a) => write!(f, "JWE {a}+A256GCM"),
        }
    }
}

/// An opened envelope: the payload, what the envelope was, and which certificate it named.
#[derive(Debug)]
pub struct Opened {
    pub(crate) plaintext: Plaintext,
    pub(crate) kind: OpenedKind,
    pub(crate) recipient: Option<Sha256Thumbprint>,
}

impl Opened {
    /// The payload.
    pub fn plaintext(&self) -> &Plaintext {
        &self.plaintext
    }

    /// The payload, by value.
    pub fn into_plaintext(self) -> Plaintext {
        self.plaintext
    }

    /// The format and layout (or algorithm) found.
    pub fn kind(&self) -> OpenedKind {
        self.kind
    }

    /// The recipient certificate thumbprint the envelope named and the key store matched, or
    /// `None` for an envelope that names no recipient (opened by trying each key).
    pub fn recipient_thumbprint(&self) -> Option<&Sha256Thumbprint> {
        self.recipient.as_ref()
    }
}

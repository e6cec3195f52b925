//! Format detection for callers that accept either MOSIP envelopes or JWE compact (the CLI's
//! `open`, an HTTP body whose content type was not given).

use kavach_keys::KeyStore;

use crate::error::{Error, Result};
use crate::jwe::JweCompact;
use crate::limits::Limits;
use crate::mosip::MosipEnvelope;
use crate::opened::Opened;

/// An envelope in one of the two text formats.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Envelope {
    /// MOSIP keymanager envelope (base64 of one of the WIRE.md §1 layouts).
    Mosip(MosipEnvelope),
    /// JWE compact (boxed: its parsed header is much larger than a MOSIP envelope's handle).
    Jwe(Box<JweCompact>),
}

impl Envelope {
    /// Parses `text`: a JWE compact has `.`-separated segments, a MOSIP envelope is one base64
    /// string (no `.` in either base64 alphabet), so the two never overlap.
    pub fn parse(text: &str, limits: &Limits) -> Result<Self> {
        if text.contains('.') {
            JweCompact::parse(text, limits).map(|j| Envelope::Jwe(Box::new(j)))
        } else {
            MosipEnvelope::from_text(text, limits).map(Envelope::Mosip)
        }
    }

    /// Opens the envelope with `keys`. Caller `aad` works with MOSIP envelopes only (compact JWE
    /// has no place for it: [`Error::AadNotBound`]).
    pub fn open(&self, keys: &dyn KeyStore, aad: Option<&[u8]>) -> Result<Opened> {
        match self {
            Envelope::Mosip(m) => crate::mosip::open(m, keys, aad),
            Envelope::Jwe(j) => {
                if aad.is_some() {
                    return Err(Error::AadNotBound { layout: "JWE compact" });
                }
                crate::jwe::open(j, keys)
            }
        }
    }
}

#[cfg(test)]
mod tests;

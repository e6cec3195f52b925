//! Size limits applied to every input.

/// One mebibyte.
const MIB: usize = 1 << 20;

/// Default cap on a payload opened or sealed in memory: 64 MiB, the decompressed-size cap that
/// WIRE.md §2 sets for JWE `zip:"DEF"`, applied to every in-memory format alike. Larger payloads
/// belong in the streaming format ([`crate::stream`]), which needs no such cap.
pub const DEFAULT_MAX_PLAINTEXT: usize = 64 * MIB;

/// Largest caller AAD accepted: MOSIP callers bind short identifiers (a transaction or
/// partner id); 1 MiB is generous and keeps GHASH work per call bounded.
pub const MAX_AAD_LEN: usize = MIB;

/// Bytes an in-memory envelope may carry beyond its payload: an RSA-8192 wrapped key (1,024),
/// MOSIP's headers, salt, IV and tag (under 150), a JWE header (at most
/// [`crate::jwe::MAX_JWE_HEADER_LEN`] = 8 KiB, base64url-expanded) — 16 KiB covers them all.
pub const ENVELOPE_OVERHEAD: usize = 16 * 1024;

/// Most keys tried for an envelope that names no recipient (MOSIP `legacy-no-thumbprint`, a JWE
/// without `kid`): each try is one private-key operation (~1–3 ms for RSA-2048 in software,
/// more on a token), so 32 bounds the work one hostile envelope can cause to well under a
/// second while covering any realistic rotation history.
pub const MAX_KEYS_TRIED: usize = 32;

/// Size limits for opening (and sealing) in memory: [`Limits::DEFAULT`] or
/// [`Limits::with_max_plaintext`] (its fields are private).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest payload in bytes (after decompression, for JWE).
    pub(crate) max_plaintext: usize,
}

impl Limits {
    /// [`DEFAULT_MAX_PLAINTEXT`].
    pub const DEFAULT: Limits = Limits {
        max_plaintext: DEFAULT_MAX_PLAINTEXT,
    };

    /// Limits with the payload capped at `max_plaintext` bytes.
    pub const fn with_max_plaintext(max_plaintext: usize) -> Self {
        Limits { max_plaintext }
    }

    /// Largest payload in bytes (after decompression, for JWE).
    pub const fn max_plaintext(&self) -> usize {
        self.max_plaintext
    }

    /// Largest decoded (binary) envelope accepted.
    pub(crate) fn max_envelope_bytes(&self) -> usize {
        self.max_plaintext.saturating_add(ENVELOPE_OVERHEAD)
    }

    /// Largest envelope text accepted: base64 of [`Self::max_envelope_bytes`], plus padding.
    pub(crate) fn max_envelope_text(&self) -> usize {
        self.max_envelope_bytes()
            .div_ceil(3)
            .saturating_mul(4)
            .saturating_add(4)
    }

    pub(crate) fn check_plaintext(&self, len: usize) -> crate::error::Result<()> {
        if len > self.max_plaintext {
            return Err(crate::error::Error::TooLarge {
                what: "payload",
                max: self.max_plaintext,
                len,
            });
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

pub(crate) fn check_aad(aad: Option<&[u8]>) -> crate::error::Result<()> {
    match aad {
        Some(a) if a.len() > MAX_AAD_LEN => Err(crate::error::Error::TooLarge {
            what: "caller AAD",
            max: MAX_AAD_LEN,
            len: a.len(),
        }),
        _ => Ok(()),
    }
}

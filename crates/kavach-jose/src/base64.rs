//! The base64 variants of kavach's JOSE and envelope texts, each strict: no whitespace, no
//! misplaced padding, canonical trailing bits (a decoder that accepts two spellings of the same
//! bytes lets a signed or authenticated text be altered without detection).
//!
//! - base64url without padding (RFC 7515 §2, RFC 7516 §2): every JWS and JWE segment, JWK
//!   members, `kid` thumbprints. Written by [`encode_url`], read by [`decode_url`] and
//!   [`decode_url_exact`].
//! - standard base64 with padding: JWS `x5c` entries (RFC 7515 §4.1.6). [`encode_std`],
//!   [`decode_std`].
//! - lenient: what MOSIP and SBI texts arrive in (WIRE.md §1) — base64url or standard base64,
//!   padded or not, but never both alphabets in one text. [`decode_lenient`].

use base64ct::{Base64, Base64Unpadded, Base64Url, Base64UrlUnpadded, Encoding};

/// Why a text did not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base64Error {
    /// Not unpadded base64url (RFC 7515 §2).
    #[error("not unpadded base64url")]
    NotBase64Url,
    /// Decoded, but not to the length required.
    #[error("not unpadded base64url of the expected length")]
    WrongLength,
    /// Not standard base64 with padding.
    #[error("not standard padded base64")]
    NotBase64,
    /// Uses characters of both the base64 and the base64url alphabets.
    #[error("mixes the base64 and base64url alphabets")]
    MixedAlphabets,
    /// Neither base64url nor base64, padded or not.
    #[error("not base64url or base64")]
    NotBase64UrlOrBase64,
}

impl Base64Error {
    /// A fixed description, for errors that carry a `&'static str` reason.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NotBase64Url => "not unpadded base64url",
            Self::WrongLength => "not unpadded base64url of the expected length",
            Self::NotBase64 => "not standard padded base64",
            Self::MixedAlphabets => "mixes the base64 and base64url alphabets",
            Self::NotBase64UrlOrBase64 => "not base64url or base64",
        }
    }
}

/// Base64url without padding.
pub fn encode_url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes unpadded base64url, strictly.
pub fn decode_url(text: &str) -> Result<Vec<u8>, Base64Error> {
    Base64UrlUnpadded::decode_vec(text).map_err(|_| Base64Error::NotBase64Url)
}

/// Decodes unpadded base64url of exactly `N` bytes, strictly.
pub fn decode_url_exact<const N: usize>(text: &str) -> Result<[u8; N], Base64Error> {
    let mut out = [0u8; N];
    // A longer text cannot fit; checked first so the error says "length", not "alphabet".
    if text.len() != (4 * N).div_ceil(3) {
        return Err(Base64Error::WrongLength);
    }
    match Base64UrlUnpadded::decode(text, &mut out) {
        Ok(d) if d.len() == N => Ok(out),
        Ok(_) => Err(Base64Error::WrongLength),
        Err(_) => Err(Base64Error::NotBase64Url),
    }
}

/// Standard base64 with padding.
pub fn encode_std(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

/// Decodes standard base64 with padding, strictly.
pub fn decode_std(text: &str) -> Result<Vec<u8>, Base64Error> {
    Base64::decode_vec(text).map_err(|_| Base64Error::NotBase64)
}

/// Decodes base64url or standard base64, with or without padding; refuses anything else
/// (mixed alphabets, misplaced padding, whitespace, non-canonical trailing bits).
pub fn decode_lenient(text: &str) -> Result<Vec<u8>, Base64Error> {
    let b = text.as_bytes();
    let url = b.iter().any(|&c| c == b'-' || c == b'_');
    let std = b.iter().any(|&c| c == b'+' || c == b'/');
    if url && std {
        return Err(Base64Error::MixedAlphabets);
    }
    let padded = b.last() == Some(&b'=');
    let r = match (std, padded) {
        (false, false) => Base64UrlUnpadded::decode_vec(text),
        (false, true) => Base64Url::decode_vec(text),
        (true, false) => Base64Unpadded::decode_vec(text),
        (true, true) => Base64::decode_vec(text),
    };
    r.map_err(|_| Base64Error::NotBase64UrlOrBase64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn lenient_accepts_all_four_spellings() {
        let data = [0xfbu8, 0xff, 0xbf, 0x01];
        for text in ["-_-_AQ", "-_-_AQ==", "+/+/AQ", "+/+/AQ=="] {
            assert_eq!(decode_lenient(text).unwrap(), data, "{text}");
        }
    }

    #[test]
    fn lenient_rejects_mixed_whitespace_and_noncanonical() {
        assert_eq!(decode_lenient("-/AA"), Err(Base64Error::MixedAlphabets));
        for text in ["AA AA", "AB", "A", "AA=A", "AA\n"] {
            assert_eq!(decode_lenient(text), Err(Base64Error::NotBase64UrlOrBase64), "{text:?}");
        }
    }

    #[test]
    fn url_is_unpadded_base64url_only() {
        assert_eq!(decode_url("-_-_AQ").unwrap(), [0xfb, 0xff, 0xbf, 0x01]);
        for text in ["AA==", "+/", "AB", "A", "AA AA"] {
            assert_eq!(decode_url(text), Err(Base64Error::NotBase64Url), "{text:?}");
        }
        assert_eq!(encode_url(&[0xfb, 0xff, 0xbf, 0x01]), "-_-_AQ");
        assert_eq!(decode_url("").unwrap(), b"");
    }

    #[test]
    fn url_exact_checks_the_length() {
        let text = encode_url(&[7; 32]);
        assert_eq!(decode_url_exact::<32>(&text).unwrap(), [7; 32]);
        assert_eq!(decode_url_exact::<31>(&text), Err(Base64Error::WrongLength));
        assert_eq!(decode_url_exact::<33>(&text), Err(Base64Error::WrongLength));
        assert_eq!(
            decode_url_exact::<32>(&format!("{text}A")),
            Err(Base64Error::WrongLength)
        );
        let mut bad = text.clone();
        bad.replace_range(0..1, "+");
        assert_eq!(decode_url_exact::<32>(&bad), Err(Base64Error::NotBase64Url));
        // Non-canonical trailing bits: 32 bytes leave 4 unused bits in the last character.
        let mut noncanonical = text.into_bytes();
        *noncanonical.last_mut().unwrap() = b'R';
        let noncanonical = String::from_utf8(noncanonical).unwrap();
        assert_eq!(decode_url_exact::<32>(&noncanonical), Err(Base64Error::NotBase64Url));
    }

    #[test]
    fn std_is_padded_standard_base64_only() {
        assert_eq!(encode_std(&[0xfb, 0xff, 0xbf, 0x01]), "+/+/AQ==");
        assert_eq!(decode_std("+/+/AQ==").unwrap(), [0xfb, 0xff, 0xbf, 0x01]);
        for text in ["+/+/AQ", "-_-_AQ==", "+/+/ AQ==", "+/+/AR=="] {
            assert_eq!(decode_std(text), Err(Base64Error::NotBase64), "{text:?}");
        }
    }
}

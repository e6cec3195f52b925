//! Base64 for envelope texts: base64url without padding out; on input, base64url or standard
//! base64, padded or not (WIRE.md §1), strict otherwise (no inner whitespace, canonical
//! trailing bits).

use base64ct::{Base64, Base64Unpadded, Base64Url, Base64UrlUnpadded, Encoding};

/// Base64url without padding.
pub(crate) fn encode_url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes base64url or standard base64, with or without padding. `Err(reason)` on anything
/// else (mixed alphabets, misplaced padding, whitespace, non-canonical trailing bits).
pub(crate) fn decode_lenient(text: &str) -> Result<Vec<u8>, &'static str> {
    let b = text.as_bytes();
    let url = b.iter().any(|&c| c == b'-' || c == b'_');
    let std = b.iter().any(|&c| c == b'+' || c == b'/');
    if url && std {
        return Err("mixes the base64 and base64url alphabets");
    }
    let padded = b.last() == Some(&b'=');
    let r = match (std, padded) {
        (false, false) => Base64UrlUnpadded::decode_vec(text),
        (false, true) => Base64Url::decode_vec(text),
        (true, false) => Base64Unpadded::decode_vec(text),
        (true, true) => Base64::decode_vec(text),
    };
    r.map_err(|_| "not base64url or base64")
}

/// Decodes base64url without padding, strictly (RFC 7515 §2, as JOSE requires).
pub(crate) fn decode_url_strict(text: &str) -> Result<Vec<u8>, &'static str> {
    Base64UrlUnpadded::decode_vec(text).map_err(|_| "not unpadded base64url")
}

/// Strict unpadded base64url into a fixed-size array.
pub(crate) fn decode_url_exact<const N: usize>(text: &str) -> Result<[u8; N], &'static str> {
    let mut out = [0u8; N];
    match Base64UrlUnpadded::decode(text, &mut out) {
        Ok(d) if d.len() == N => Ok(out),
        _ => Err("not unpadded base64url of the expected length"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn accepts_all_four_spellings() {
        let data = [0xfbu8, 0xff, 0xbf, 0x01];
        for text in ["-_-_AQ", "-_-_AQ==", "+/+/AQ", "+/+/AQ=="] {
            assert_eq!(decode_lenient(text).unwrap(), data, "{text}");
        }
    }

    #[test]
    fn rejects_mixed_whitespace_and_noncanonical() {
        assert!(decode_lenient("-/AA").is_err());
        assert!(decode_lenient("AA AA").is_err());
        assert!(decode_lenient("AB").is_err(), "non-zero trailing bits must be refused");
        assert!(decode_lenient("A").is_err());
        assert!(decode_url_strict("AA==").is_err());
        assert!(decode_url_strict("+/").is_err());
    }
}

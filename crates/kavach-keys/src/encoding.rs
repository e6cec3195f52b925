//! PEM framing (RFC 7468) and hex, shared by every kavach crate that reads or writes them.
//!
//! [`pem_blocks`] splits a text into its PEM documents, in order, ignoring text between
//! them (OpenSSL writes "Bag Attributes" and comments there). The decoded bytes of each block
//! are held in [`Zeroizing`] because a block may be a private key.
//!
//! [`hex_lower`], [`hex_upper`] and [`hex_decode_exact`] are kavach's one hex codec (RustCrypto's
//! constant-time `base16ct`): thumbprints, key identifiers and SBI hashes all go through them.

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Most PEM blocks read from one text: a bundle of this many certificates is already far
/// beyond any real chain or trust store file (MOSIP's CA bundles hold a handful).
pub const MAX_PEM_BLOCKS: usize = 1024;

/// One decoded PEM document.
pub struct PemBlock {
    /// The label between `-----BEGIN ` and `-----` (e.g. `CERTIFICATE`).
    pub label: String,
    /// The decoded contents.
    pub der: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for PemBlock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PemBlock")
            .field("label", &self.label)
            .field("len", &self.der.len())
            .finish()
    }
}

/// True when `bytes` looks like PEM text (starts, after whitespace, with `-----BEGIN `),
/// as opposed to DER.
pub fn looks_like_pem(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes[start..].starts_with(b"-----BEGIN ")
}

/// Splits `text` into its PEM blocks (at most [`MAX_PEM_BLOCKS`]).
///
/// Fails with [`Error::MalformedKey`] on a block that does not decode (the `format` names PEM),
/// and when the text holds no PEM block at all.
pub fn pem_blocks(text: &str) -> Result<Vec<PemBlock>> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        if out.len() == MAX_PEM_BLOCKS {
            return Err(Error::MalformedKey {
                format: "PEM",
                reason: "too many PEM blocks",
            });
        }
        let after_begin = &rest[start + BEGIN.len()..];
        let label_end = after_begin.find(DASHES).ok_or(Error::MalformedKey {
            format: "PEM",
            reason: "unterminated BEGIN line",
        })?;
        let label = &after_begin[..label_end];
        let end_marker = format!("-----END {label}-----");
        // The END line is searched for after the BEGIN line only: searching from the label would
        // find an END marker overlapping the BEGIN line's own dashes (`-----BEGIN X-----END X-----`).
        let body_start = label_end + DASHES.len();
        let end_rel = after_begin[body_start..]
            .find(&end_marker)
            .map(|i| body_start + i)
            .ok_or(Error::MalformedKey {
                format: "PEM",
                reason: "missing END line",
            })?;
        let block_end = start + BEGIN.len() + end_rel + end_marker.len();
        let body = &after_begin[body_start..end_rel];
        let der = decode_pem_body(body)?;
        out.push(PemBlock {
            label: label.to_owned(),
            der,
        });
        rest = &rest[block_end..];
    }
    if out.is_empty() {
        return Err(Error::MalformedKey {
            format: "PEM",
            reason: "no PEM block found",
        });
    }
    Ok(out)
}

/// Decodes the base64 body of one PEM block. Lines of any length are accepted (RFC 7468 §2
/// lax parsing); RFC 1421 encapsulated headers (`Proc-Type: 4,ENCRYPTED`) are refused.
fn decode_pem_body(body: &str) -> Result<Zeroizing<Vec<u8>>> {
    use base64ct::Encoding;
    let mut b64 = Zeroizing::new(String::with_capacity(body.len()));
    for line in body.lines() {
        if line.contains(':') {
            return Err(Error::MalformedKey {
                format: "PEM",
                reason: "encapsulated headers (legacy encrypted PEM) are not supported",
            });
        }
        b64.extend(line.chars().filter(|c| !c.is_ascii_whitespace()));
    }
    base64ct::Base64::decode_vec(&b64)
        .map(Zeroizing::new)
        .map_err(|_| Error::MalformedKey {
            format: "PEM",
            reason: "invalid base64 in PEM body",
        })
}

/// Encodes `der` as a PEM block with 64-character lines.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64ct::Encoding;
    // Zeroized because `der` may be a private key; `out` is sized up front so it never reallocates.
    let b64 = Zeroizing::new(base64ct::Base64::encode_string(der));
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(core::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// Decodes a text that must hold exactly one PEM block.
pub(crate) fn decode_pem(text: &str) -> Result<(String, Zeroizing<Vec<u8>>)> {
    let mut blocks = pem_blocks(text)?;
    if blocks.len() != 1 {
        return Err(Error::MalformedKey {
            format: "PEM",
            reason: "expected exactly one PEM block",
        });
    }
    let b = blocks.remove(0);
    Ok((b.label, b.der))
}

/// Lowercase hex of `bytes` (constant time in the byte values).
pub fn hex_lower(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

/// UPPERCASE hex of `bytes` (constant time in the byte values).
pub fn hex_upper(bytes: &[u8]) -> String {
    base16ct::upper::encode_string(bytes)
}

/// Decodes exactly `2 * N` hex digits, upper, lower or mixed case, into `N` bytes; `None` for
/// any other length or any non-hex character (no whitespace, no `0x` prefix).
pub fn hex_decode_exact<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    if text.len() != 2 * N {
        return None;
    }
    match base16ct::mixed::decode(text, &mut out) {
        Ok(decoded) if decoded.len() == N => Some(out),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn hex_encodes_both_cases_and_decodes_either() {
        let bytes = [0x00, 0x0f, 0xa5, 0xff];
        assert_eq!(hex_lower(&bytes), "000fa5ff");
        assert_eq!(hex_upper(&bytes), "000FA5FF");
        for text in ["000fa5ff", "000FA5FF", "000Fa5fF"] {
            assert_eq!(hex_decode_exact::<4>(text), Some(bytes), "{text}");
        }
        assert_eq!(hex_lower(&[]), "");
    }

    #[test]
    fn hex_decode_refuses_wrong_length_and_non_hex() {
        for text in [
            "000fa5f",
            "000fa5ff00",
            "",
            "000fa5fg",
            " 00fa5ff",
            "0x0fa5ff",
            "000fa5\u{e9}",
        ] {
            assert_eq!(hex_decode_exact::<4>(text), None, "{text:?}");
        }
    }
}

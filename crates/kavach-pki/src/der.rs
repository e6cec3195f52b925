//! DER helpers shared by the certificate, CRL and certificate-request parsers: the error
//! mapping, finding the signed part of a signed structure, and splitting their PEM text.
//! (Hex is `kavach_keys::encoding::hex_lower`, the workspace's one hex helper.)
//!
//! This module depends only on [`crate::error`].

use der::{Decode, Encode, Reader, SliceReader};

use crate::error::{Error, Result};

/// Maps a `der` error to [`Error::Der`] naming `what` was being decoded.
pub(crate) fn der_err(what: &'static str) -> impl FnOnce(der::Error) -> Error {
    move |source| Error::Der { what, source }
}

/// Splits `text` into its PEM blocks with kavach's one PEM reader
/// ([`kavach_keys::encoding::pem_blocks`]), reporting broken framing as [`Error::Pem`] about
/// `what` (`PEM certificate bundle`...), never as the key error the PEM reader gives.
pub(crate) fn pem_blocks(text: &str, what: &'static str) -> Result<Vec<kavach_keys::encoding::PemBlock>> {
    kavach_keys::encoding::pem_blocks(text).map_err(|e| Error::Pem {
        what,
        reason: match e {
            kavach_keys::Error::MalformedKey { reason, .. } => reason,
            // The PEM reader fails only with `MalformedKey`; anything else is still broken PEM.
            _ => "not PEM text",
        },
    })
}

/// Splits `der` (one complete TLV) into the raw range of the first inner TLV, checking that
/// `der` holds exactly one TLV. Used to find the signed bytes of a certificate, CRL or
/// certificate request.
pub(crate) fn first_inner_tlv(der: &[u8], what: &'static str) -> Result<core::ops::Range<usize>> {
    let mut reader = SliceReader::new(der).map_err(der_err(what))?;
    let header = der::Header::decode(&mut reader).map_err(der_err(what))?;
    let header_len = usize::try_from(u32::from(header.encoded_len().map_err(der_err(what))?)).unwrap_or(usize::MAX);
    let inner = reader.tlv_bytes().map_err(der_err(what))?;
    Ok(header_len..header_len.saturating_add(inner.len()))
}

/// The length of the DER header (tag and length octets) at the start of `tlv`, a TLV already
/// checked by a DER decoder (one-byte tag).
pub(crate) fn header_len(tlv: &[u8]) -> usize {
    match tlv.get(1) {
        Some(&b) if b >= 0x80 => 2 + usize::from(b & 0x7f),
        _ => 2,
    }
}

/// A DER TLV with the one-byte `tag` around `content` (definite, minimal length).
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|&b| b == 0).collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap_or(0));
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// DER of `INTEGER 0`: `Version v1`, for a structure whose optional version was left out.
pub(crate) const VERSION_V1: [u8; 3] = [0x02, 0x01, 0x00];

/// True when `der` is exactly one TLV, nothing after it.
pub(crate) fn is_single_tlv(der: &[u8]) -> bool {
    SliceReader::new(der).is_ok_and(|mut r| r.tlv_bytes().is_ok() && r.is_finished())
}

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

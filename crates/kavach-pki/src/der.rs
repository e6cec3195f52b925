//! DER helpers shared by the certificate, CRL and certificate-request parsers: the error
//! mapping and finding the signed part of a signed structure. (Hex is
//! `kavach_keys::encoding::hex_lower`, the workspace's one hex helper.)
//!
//! This module depends only on [`crate::error`].

use der::{Decode, Encode, Reader, SliceReader};

use crate::error::{Error, Result};

/// Maps a `der` error to [`Error::Der`] naming `what` was being decoded.
pub(crate) fn der_err(what: &'static str) -> impl FnOnce(der::Error) -> Error {
    move |source| Error::Der { what, source }
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

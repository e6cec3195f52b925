//! The one bundle reader: certificates ([`crate::Certificate::parse_bundle`]) and CRLs
//! ([`crate::Crl::parse_bundle`]) come as PEM text, as a DER or BER PKCS#7 `SignedData`
//! (`.p7b`, read by [`crate::pkcs7`]) or as DER TLVs back to back; [`read`] tells them apart
//! the same way for both, under one size bound ([`MAX_BUNDLE_LEN`]) and the caller's count
//! bound.

use crate::error::{Error, Result};
use crate::limits::MAX_BUNDLE_LEN;
use crate::pkcs7;

/// What a bundle holds, for [`read`]: the PEM label and PKCS#7 field of its items, their
/// bound, and the names its errors use.
pub(crate) struct Kind {
    /// The bundle in errors (`certificate bundle`).
    pub(crate) bundle: &'static str,
    /// The bundle as PEM text in errors (`PEM certificate bundle`).
    pub(crate) pem_bundle: &'static str,
    /// The PEM label of one item (`CERTIFICATE`); `PKCS7` blocks are read too.
    pub(crate) pem_label: &'static str,
    /// The labels accepted, as an error names them (`CERTIFICATE or PKCS7`).
    pub(crate) pem_expected: &'static str,
    /// Reads this kind's field of a PKCS#7 `SignedData` (raw DER of each item).
    pub(crate) pkcs7_field: fn(&[u8]) -> Result<Vec<&[u8]>>,
    /// The items in [`Error::TooMany`] (`certificates`).
    pub(crate) items: &'static str,
    /// One item in [`Error::Empty`] (`certificate`).
    pub(crate) item: &'static str,
    /// Most items read.
    pub(crate) max_items: usize,
}

/// Reads the items of a bundle, in order, each through `parse` (whose error stops the read):
/// PEM text with any number of `kind.pem_label` and `PKCS7` blocks (any other label is
/// refused); a PKCS#7 `ContentInfo`; or one or more concatenated DER items. More than
/// [`MAX_BUNDLE_LEN`] bytes, more than `kind.max_items` items, and no item at all are errors.
pub(crate) fn read<T>(bytes: &[u8], kind: &Kind, parse: impl Fn(&[u8]) -> Result<T>) -> Result<Vec<T>> {
    if bytes.len() > MAX_BUNDLE_LEN {
        return Err(Error::TooLarge {
            what: kind.bundle,
            len: bytes.len(),
            max: MAX_BUNDLE_LEN,
        });
    }
    let mut out = Vec::new();
    let mut push = |der: &[u8]| {
        let item = parse(der)?;
        if out.len() >= kind.max_items {
            return Err(Error::TooMany {
                what: kind.items,
                count: kind.max_items.saturating_add(1),
                max: kind.max_items,
            });
        }
        out.push(item);
        Ok(())
    };
    if pkcs7::looks_like_pem_text(bytes) {
        let text = core::str::from_utf8(bytes).map_err(|_| Error::Malformed {
            what: kind.pem_bundle,
            reason: "not UTF-8 text",
        })?;
        for block in crate::der::pem_blocks(text, kind.pem_bundle)? {
            if block.label == kind.pem_label {
                push(&block.der)?;
            } else if block.label == "PKCS7" {
                for der in (kind.pkcs7_field)(&block.der)? {
                    push(der)?;
                }
            } else {
                return Err(Error::UnexpectedPemLabel {
                    label: block.label,
                    expected: kind.pem_expected,
                });
            }
        }
    } else if pkcs7::is_content_info(bytes) {
        for der in (kind.pkcs7_field)(bytes)? {
            push(der)?;
        }
    } else {
        for der in pkcs7::split_der_sequence(bytes, kind.bundle)? {
            push(der)?;
        }
    }
    if out.is_empty() {
        return Err(Error::Empty { what: kind.item });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// A kind of three items at most whose "parser" keeps the raw DER.
    const SMALL: Kind = Kind {
        bundle: "test bundle",
        pem_bundle: "PEM test bundle",
        pem_label: "ITEM",
        pem_expected: "ITEM or PKCS7",
        pkcs7_field: pkcs7::certificates,
        items: "items",
        item: "item",
        max_items: 3,
    };

    fn raw(der: &[u8]) -> Result<Vec<u8>> {
        Ok(der.to_vec())
    }

    #[test]
    fn certificate_and_crl_bundles_share_one_size_bound() {
        let big = vec![0x30; MAX_BUNDLE_LEN + 1];
        for (name, result) in [
            ("certificate bundle", crate::Certificate::parse_bundle(&big).map(|_| ())),
            ("CRL bundle", crate::Crl::parse_bundle(&big).map(|_| ())),
        ] {
            assert!(
                matches!(result, Err(Error::TooLarge { what, len, max }) if what == name && len == big.len() && max == MAX_BUNDLE_LEN),
                "{name}: {result:?}"
            );
        }
        // At the bound, the bytes are read (and refused as what they are, not for their size).
        let at_bound = &big[..MAX_BUNDLE_LEN];
        assert!(!matches!(
            crate::Certificate::parse_bundle(at_bound),
            Err(Error::TooLarge { .. })
        ));
        assert!(!matches!(
            crate::Crl::parse_bundle(at_bound),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn the_item_bound_holds_in_every_form() {
        let item = [0x30, 0x00];
        let der = |n: usize| item.repeat(n);
        assert_eq!(read(&der(3), &SMALL, raw).unwrap().len(), 3);
        assert!(matches!(
            read(&der(4), &SMALL, raw),
            Err(Error::TooMany {
                what: "items",
                count: 4,
                max: 3
            })
        ));
        let pem = |n: usize| {
            (0..n)
                .map(|_| kavach_keys::encoding::pem_encode("ITEM", &item))
                .collect::<String>()
        };
        assert_eq!(read(pem(3).as_bytes(), &SMALL, raw).unwrap().len(), 3);
        assert!(matches!(
            read(pem(4).as_bytes(), &SMALL, raw),
            Err(Error::TooMany {
                what: "items",
                count: 4,
                max: 3
            })
        ));
    }

    #[test]
    fn pem_labels_other_than_the_item_and_pkcs7_are_refused() {
        let pem = kavach_keys::encoding::pem_encode("OTHER", &[0x30, 0x00]);
        assert!(matches!(
            read(pem.as_bytes(), &SMALL, raw),
            Err(Error::UnexpectedPemLabel {
                expected: "ITEM or PKCS7",
                ..
            })
        ));
        assert!(matches!(read(b"", &SMALL, raw), Err(Error::Empty { what: "item" })));
        assert!(matches!(
            read(b"\x80 -----BEGIN ITEM-----\xff", &SMALL, raw),
            Err(Error::Malformed {
                what: "PEM test bundle",
                ..
            })
        ));
    }

    #[test]
    fn the_item_parser_error_stops_the_read() {
        let refuse = |_: &[u8]| -> Result<()> { Err(Error::Empty { what: "parsed" }) };
        assert!(matches!(
            read(&[0x30, 0x00], &SMALL, refuse),
            Err(Error::Empty { what: "parsed" })
        ));
    }
}

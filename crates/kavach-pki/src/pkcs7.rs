//! PKCS#7 / CMS `SignedData` certificate bundles (`.p7b`), read as MOSIP emits them.
//!
//! Only the `certificates` (and `crls`) fields of a `SignedData` (RFC 5652 §5.1) are read; the
//! bundle's own signature, when there is one, is not verified: a P7B is a container, and
//! every certificate taken from it goes through path validation like any other.
//!
//! Why a hand-written reader instead of the `cms` crate: the RustCrypto `cms` of this
//! generation is only `0.3.0-rc.0` (pre-release), and it enables der's `ber` feature, which by
//! cargo feature unification would relax the strict-DER decoding of every certificate in the
//! workspace. MOSIP's keymanager builds P7Bs with BouncyCastle's `CMSSignedData`, whose
//! `getEncoded()` writes BER with indefinite lengths; so this module walks BER TLVs (definite
//! and indefinite lengths, low tag numbers only) to find the certificate elements, and each
//! certificate element itself must be strict DER ([`crate::Certificate::from_der`]).

use crate::error::{Error, Result};
use crate::limits::{MAX_BER_DEPTH, MAX_BER_ELEMENTS};

/// id-signedData, 1.2.840.113549.1.7.2, as DER OID content octets.
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

const WHAT: &str = "PKCS#7 bundle";

fn malformed(reason: &'static str) -> Error {
    Error::Malformed { what: WHAT, reason }
}

/// One BER TLV.
struct Tlv<'a> {
    tag: u8,
    /// The contents (without end-of-contents octets for an indefinite length).
    content: &'a [u8],
    /// The whole encoding (header, contents and end-of-contents).
    raw: &'a [u8],
}

/// Reads one TLV from the front of `input`; returns it and the rest.
fn read_tlv(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8])> {
    if depth > MAX_BER_DEPTH {
        return Err(malformed("nested too deeply"));
    }
    let (&tag, rest) = input.split_first().ok_or(malformed("truncated"))?;
    if tag & 0x1f == 0x1f {
        return Err(malformed("high tag number"));
    }
    let (&first, rest) = rest.split_first().ok_or(malformed("truncated"))?;
    if first == 0x80 {
        // Indefinite length: constructed only; contents run to the end-of-contents octets.
        if tag & 0x20 == 0 {
            return Err(malformed("indefinite length on a primitive value"));
        }
        let mut cursor = rest;
        let mut count = 0usize;
        loop {
            if cursor.len() >= 2 && cursor[0] == 0 && cursor[1] == 0 {
                let content_len = rest.len() - cursor.len();
                let raw_len = 2 + content_len + 2;
                return Ok((
                    Tlv {
                        tag,
                        content: &rest[..content_len],
                        raw: &input[..raw_len],
                    },
                    &cursor[2..],
                ));
            }
            count += 1;
            if count > MAX_BER_ELEMENTS {
                return Err(malformed("too many elements"));
            }
            let (_, next) = read_tlv(cursor, depth + 1)?;
            cursor = next;
        }
    }
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 || rest.len() < n {
            return Err(malformed("bad length"));
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(malformed("truncated"));
    }
    let header_len = input.len() - rest.len();
    Ok((
        Tlv {
            tag,
            content: &rest[..len],
            raw: &input[..header_len + len],
        },
        &rest[len..],
    ))
}

/// The elements of a constructed value's contents.
fn children(content: &[u8], depth: usize) -> Result<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut cursor = content;
    while !cursor.is_empty() {
        if out.len() >= MAX_BER_ELEMENTS {
            return Err(malformed("too many elements"));
        }
        let (tlv, rest) = read_tlv(cursor, depth)?;
        out.push(tlv);
        cursor = rest;
    }
    Ok(out)
}

/// True when `bytes` is PEM text rather than DER: it does not start with a DER SEQUENCE and
/// holds a `-----BEGIN ` line somewhere (OpenSSL puts "Bag Attributes" and comments before
/// the blocks, which `kavach_keys::encoding::looks_like_pem` alone would not accept).
pub(crate) fn looks_like_pem_text(bytes: &[u8]) -> bool {
    const BEGIN: &[u8] = b"-----BEGIN ";
    kavach_keys::encoding::looks_like_pem(bytes)
        || (bytes.first() != Some(&0x30) && bytes.windows(BEGIN.len()).any(|w| w == BEGIN))
}

/// True when `bytes` starts like a `ContentInfo` (a SEQUENCE whose first element is an OID),
/// as opposed to a certificate (a SEQUENCE whose first element is a SEQUENCE).
pub(crate) fn is_content_info(bytes: &[u8]) -> bool {
    match read_tlv(bytes, 0) {
        Ok((tlv, _)) if tlv.tag == 0x30 => tlv.content.first() == Some(&0x06),
        _ => false,
    }
}

/// The `certificates` and `crls` elements (raw encodings) of a `ContentInfo` holding a
/// `SignedData`.
/// The raw `certificates` and `crls` elements of a SignedData.
struct Parts<'a> {
    certificates: Vec<&'a [u8]>,
    crls: Vec<&'a [u8]>,
}

fn signed_data_parts(bytes: &[u8]) -> Result<Parts<'_>> {
    let (ci, rest) = read_tlv(bytes, 0)?;
    if !rest.is_empty() {
        return Err(malformed("trailing data"));
    }
    if ci.tag != 0x30 {
        return Err(malformed("ContentInfo is not a SEQUENCE"));
    }
    let ci_fields = children(ci.content, 1)?;
    let [oid, content] = ci_fields.as_slice() else {
        return Err(malformed("ContentInfo must have two fields"));
    };
    if oid.tag != 0x06 || oid.content != OID_SIGNED_DATA {
        return Err(malformed("content type is not signedData"));
    }
    if content.tag != 0xa0 {
        return Err(malformed("ContentInfo content is not [0]"));
    }
    let inner = children(content.content, 2)?;
    let [sd] = inner.as_slice() else {
        return Err(malformed("[0] must hold one SignedData"));
    };
    if sd.tag != 0x30 {
        return Err(malformed("SignedData is not a SEQUENCE"));
    }
    let fields = children(sd.content, 3)?;
    // version INTEGER, digestAlgorithms SET, encapContentInfo SEQUENCE, [0] certificates,
    // [1] crls, signerInfos SET.
    let mut it = fields.iter().peekable();
    let expect = |t: Option<&Tlv<'_>>, tag: u8, what: &'static str| match t {
        Some(t) if t.tag == tag => Ok(()),
        _ => Err(malformed(what)),
    };
    expect(it.next(), 0x02, "SignedData version missing")?;
    expect(it.next(), 0x31, "SignedData digestAlgorithms missing")?;
    expect(it.next(), 0x30, "SignedData encapContentInfo missing")?;
    let mut certs = Vec::new();
    let mut crls = Vec::new();
    if let Some(t) = it.next_if(|t| t.tag == 0xa0) {
        for c in children(t.content, 4)? {
            if c.tag != 0x30 {
                return Err(malformed("certificate choice other than an X.509 certificate"));
            }
            certs.push(c.raw);
        }
    }
    if let Some(t) = it.next_if(|t| t.tag == 0xa1) {
        for c in children(t.content, 4)? {
            if c.tag != 0x30 {
                return Err(malformed("revocation choice other than an X.509 CRL"));
            }
            crls.push(c.raw);
        }
    }
    expect(it.next(), 0x31, "SignedData signerInfos missing")?;
    if it.next().is_some() {
        return Err(malformed("extra fields after signerInfos"));
    }
    Ok(Parts {
        certificates: certs,
        crls,
    })
}

/// The certificates (raw DER of each) in a PKCS#7 `SignedData` bundle.
pub(crate) fn certificates(bytes: &[u8]) -> Result<Vec<&[u8]>> {
    Ok(signed_data_parts(bytes)?.certificates)
}

/// The CRLs (raw DER of each) in a PKCS#7 `SignedData` bundle.
pub(crate) fn crls(bytes: &[u8]) -> Result<Vec<&[u8]>> {
    Ok(signed_data_parts(bytes)?.crls)
}

/// Splits concatenated DER TLVs (one or more certificates or CRLs back to back).
pub(crate) fn split_der_sequence<'a>(bytes: &'a [u8], what: &'static str) -> Result<Vec<&'a [u8]>> {
    let mut out = Vec::new();
    let mut cursor = bytes;
    while !cursor.is_empty() {
        if out.len() >= MAX_BER_ELEMENTS {
            return Err(Error::TooMany {
                what,
                count: MAX_BER_ELEMENTS.saturating_add(1),
                max: MAX_BER_ELEMENTS,
            });
        }
        let (tlv, rest) = read_tlv(cursor, MAX_BER_DEPTH).map_err(|_| Error::Malformed {
            what,
            reason: "not a DER certificate, CRL or PKCS#7 bundle",
        })?;
        out.push(tlv.raw);
        cursor = rest;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// Wraps `content` in a TLV with an indefinite length.
    fn indef(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut v = vec![tag, 0x80];
        v.extend_from_slice(content);
        v.extend_from_slice(&[0, 0]);
        v
    }
    fn def(tag: u8, content: &[u8]) -> Vec<u8> {
        assert!(content.len() < 128);
        let mut v = vec![tag, content.len() as u8];
        v.extend_from_slice(content);
        v
    }

    fn p7(certs: &[&[u8]], indefinite: bool) -> Vec<u8> {
        let wrap = |tag, c: &[u8]| if indefinite { indef(tag, c) } else { def(tag, c) };
        let mut sd = Vec::new();
        sd.extend(def(0x02, &[1]));
        sd.extend(def(0x31, &[]));
        sd.extend(def(
            0x30,
            &def(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]),
        ));
        let mut set = Vec::new();
        for c in certs {
            set.extend_from_slice(c);
        }
        sd.extend(wrap(0xa0, &set));
        sd.extend(def(0x31, &[]));
        let mut ci = def(0x06, OID_SIGNED_DATA);
        ci.extend(wrap(0xa0, &wrap(0x30, &sd)));
        wrap(0x30, &ci)
    }

    #[test]
    fn definite_and_indefinite_bundles_yield_the_elements() {
        let a = def(0x30, &[0x02, 0x01, 0x01]);
        let b = def(0x30, &[0x02, 0x01, 0x02]);
        for indefinite in [false, true] {
            let bundle = p7(&[&a, &b], indefinite);
            assert!(is_content_info(&bundle));
            assert_eq!(certificates(&bundle).unwrap(), vec![a.as_slice(), b.as_slice()]);
            assert!(crls(&bundle).unwrap().is_empty());
        }
    }

    #[test]
    fn hostile_nesting_and_truncation_are_errors() {
        let mut deep = vec![];
        for _ in 0..100 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(read_tlv(&deep, 0).is_err());
        let bundle = p7(&[&def(0x30, &[])], true);
        for cut in 0..bundle.len() {
            assert!(certificates(&bundle[..cut]).is_err(), "cut at {cut}");
        }
        assert!(certificates(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
    }
}

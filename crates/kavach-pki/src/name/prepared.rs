//! Distinguished-name comparison per RFC 5280 §7.1: attribute values prepared with the LDAP
//! string preparation of RFC 4518 §2 before they are compared, so that names that differ only
//! in case, in insignificant white space or in string type (PrintableString in one certificate,
//! UTF8String or BMPString in its issuer's) are the same name for chaining, self-issued
//! detection and CRL issuer matching.
//!
//! Each name is reduced once, when its certificate or CRL is parsed, to a [`NameKey`]: a byte
//! string equal for two names exactly when they match. Validation then compares (and indexes)
//! these keys, so warm validation costs what byte comparison of the DER did.
//!
//! What is implemented of RFC 4518 §2:
//! - §2.1 transcode: PrintableString, UTF8String, BMPString, IA5String, VisibleString,
//!   NumericString and TeletexString (read as ISO 8859-1, as OpenSSL does) to Unicode. A
//!   UniversalString never parses (der 0.8 has no such tag), and a value that is not a string or
//!   does not decode (VideotexString, an odd-length BMPString) is kept as its exact encoding,
//!   equal only to itself byte for byte (RFC 5280 §7.1 leaves such values to binary comparison);
//! - §2.2 map: the characters RFC 4518 maps to nothing (soft hyphen, combining grapheme joiner,
//!   variation selectors, zero-width characters, the object replacement character and the
//!   control characters other than the white-space ones) are dropped; every Unicode white
//!   space character is a space; case is folded with Unicode's default lowercase mapping
//!   (`char::to_lowercase`) — simple ASCII and non-ASCII folding, not the full case folding
//!   of RFC 3454 table B.2;
//! - §2.6.1 insignificant space handling: leading and trailing spaces removed, inner runs
//!   collapsed to one space (for equality the same as RFC 4518's doubling of inner spaces).
//!
//! Not implemented: §2.3 normalisation (NFKC: no crate in the dependency graph provides it),
//! §2.4 prohibited characters and §2.5 bidi checks (a value with such characters is compared
//! after the steps above instead of being refused). Fullwidth `Ｅvil` therefore differs from
//! `Evil` here; directoryName *excluded* subtrees stay conservative about non-ASCII values for
//! that reason (STRICTER.md S18).
//!
//! Every value is prepared with caseIgnoreMatch semantics, whatever the attribute type (as
//! OpenSSL's canonical encoding does): the attribute types must still be equal and the RDN
//! structure the same, a multi-valued RDN compared as a set.

use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

use super::directory_string::directory_string;

/// A name reduced for comparison (see the module documentation): two names match per RFC 5280
/// §7.1 exactly when their keys are byte-equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) struct NameKey(Vec<u8>);

impl NameKey {
    /// The key of `name`. The loops run over the name's RDNs and attributes, bounded by the
    /// size cap of the certificate or CRL the name was decoded from.
    pub(crate) fn of(name: &Name) -> Self {
        let mut out = Vec::new();
        for rdn in name.iter_rdn() {
            // A SET OF: compared as a set, so its members' encodings are sorted.
            let mut atvs: Vec<Vec<u8>> = rdn.iter().map(atv_key).collect();
            atvs.sort_unstable();
            push_len(&mut out, atvs.len());
            for a in &atvs {
                push_len(&mut out, a.len());
                out.extend_from_slice(a);
            }
        }
        Self(out)
    }
}

/// Appends `n` as a fixed-width length, so that the key is an unambiguous concatenation.
fn push_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes());
}

/// One attribute: its type, then its prepared value (marker 0) or its exact encoding
/// (marker 1) when it is not a decodable string.
fn atv_key(atv: &AttributeTypeAndValue) -> Vec<u8> {
    let mut out = Vec::new();
    let oid = atv.oid.as_bytes();
    push_len(&mut out, oid.len());
    out.extend_from_slice(oid);
    match directory_string(&atv.value) {
        Some(Ok(text)) => {
            out.push(0);
            out.extend_from_slice(prepare(&text).as_bytes());
        }
        _ => {
            out.push(1);
            // A decoded value re-encodes (tag and content); were it ever not to, its content
            // alone still tells it from every prepared string (marker 1).
            match der::Encode::to_der(&atv.value) {
                Ok(encoded) => out.extend_from_slice(&encoded),
                Err(_) => out.extend_from_slice(atv.value.value()),
            }
        }
    }
    out
}

/// RFC 4518 §2.2 "mapped to nothing".
fn maps_to_nothing(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{1806}' | '\u{034F}' | '\u{180B}'..='\u{180D}' | '\u{FE00}'..='\u{FE0F}' | '\u{FFFC}'
        | '\u{200B}'
        | '\u{0000}'..='\u{0008}' | '\u{000E}'..='\u{001F}' | '\u{007F}'..='\u{0084}' | '\u{0086}'..='\u{009F}'
        | '\u{06DD}' | '\u{070F}' | '\u{180E}' | '\u{200C}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2063}' | '\u{206A}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// The prepared form of one string value: mapped (§2.2, case folded) and with insignificant
/// space handling (§2.6.1). The loop is over the characters of a value bounded by the size
/// cap of the structure it was decoded from.
pub(crate) fn prepare(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if maps_to_nothing(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use core::str::FromStr;

    fn key(s: &str) -> NameKey {
        NameKey::of(&Name::from_str(s).unwrap())
    }

    #[test]
    fn rfc4518_prepare_folds_case_and_insignificant_space() {
        assert_eq!(prepare("  Kavach   Test\tCA "), "kavach test ca");
        assert_eq!(prepare("ÉCOLE"), "école");
        assert_eq!(prepare("soft\u{00AD}hyphen\u{200B}"), "softhyphen");
        assert_eq!(prepare("   "), "");
    }

    #[test]
    fn rfc5280_7_1_names_differing_in_case_and_space_share_a_key() {
        assert_eq!(key("CN=Kavach  Test CA,O=Kavach"), key("CN=kavach test ca,O=KAVACH"));
        assert_ne!(key("CN=Kavach Test CA,O=Kavach"), key("CN=Kavach Test CB,O=Kavach"));
        // Attribute types must match: the same value under another type is another name.
        assert_ne!(key("CN=Kavach"), key("O=Kavach"));
        // RDN structure must match: one multi-valued RDN is not two RDNs.
        assert_ne!(key("CN=a+O=b"), key("CN=a,O=b"));
        assert_eq!(key("CN=a+O=b"), key("O=B+CN=A"));
    }
}

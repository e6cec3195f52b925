//! Certificate input formats: PEM bundles, DER (one or concatenated), PKCS#7/P7B as OpenSSL
//! and BouncyCastle (MOSIP) write them, and thumbprints against OpenSSL's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use kavach_pki::testing::TestPki;
use kavach_pki::{Certificate, Error, Purpose};

fn chain() -> Vec<Certificate> {
    let pki = TestPki::p256();
    vec![
        pki.leaf(Purpose::Signing).unwrap().certificate.clone(),
        pki.intermediate().certificate.clone(),
        pki.root().certificate.clone(),
    ]
}

fn pem_bundle(certs: &[Certificate]) -> String {
    certs
        .iter()
        .map(|c| format!("Bag Attributes\n    friendlyName: {}\n{}", c.subject(), c.to_pem()))
        .collect()
}

/// DER TLV with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | u8::try_from(bytes.len() - skip).unwrap());
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// BER TLV with an indefinite length (BouncyCastle's `CMSSignedData.getEncoded()` style).
fn indefinite(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag, 0x80];
    out.extend_from_slice(content);
    out.extend_from_slice(&[0, 0]);
    out
}

/// A degenerate SignedData holding `certs`, with definite or indefinite lengths.
fn p7b(certs: &[&[u8]], ber: bool) -> Vec<u8> {
    let wrap = |tag, c: &[u8]| if ber { indefinite(tag, c) } else { tlv(tag, c) };
    let oid_data = tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]);
    let oid_signed = tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);
    let mut sd = tlv(0x02, &[1]);
    sd.extend(tlv(0x31, &[]));
    sd.extend(wrap(0x30, &oid_data));
    sd.extend(wrap(0xa0, &certs.concat()));
    sd.extend(tlv(0x31, &[]));
    let mut ci = oid_signed;
    ci.extend(wrap(0xa0, &wrap(0x30, &sd)));
    wrap(0x30, &ci)
}

#[test]
fn pem_bundle_keeps_order_and_ignores_text_between_blocks() {
    let certs = chain();
    let parsed = Certificate::parse_bundle(pem_bundle(&certs).as_bytes()).unwrap();
    assert_eq!(parsed, certs);
}

#[test]
fn der_single_and_concatenated() {
    let certs = chain();
    assert_eq!(
        Certificate::parse_bundle(certs[0].der()).unwrap(),
        vec![certs[0].clone()]
    );
    let concatenated: Vec<u8> = certs.iter().flat_map(|c| c.der().to_vec()).collect();
    assert_eq!(Certificate::parse_bundle(&concatenated).unwrap(), certs);
    // But from_der takes exactly one certificate: trailing bytes are refused.
    assert!(matches!(Certificate::from_der(&concatenated), Err(Error::Der { .. })));
}

#[test]
fn pkcs7_bundles_with_definite_and_indefinite_lengths() {
    let certs = chain();
    let ders: Vec<&[u8]> = certs.iter().map(Certificate::der).collect();
    for ber in [false, true] {
        let bundle = p7b(&ders, ber);
        assert_eq!(Certificate::parse_bundle(&bundle).unwrap(), certs, "ber={ber}");
        let pem = kavach_keys::encoding::pem_encode("PKCS7", &bundle);
        assert_eq!(
            Certificate::parse_bundle(pem.as_bytes()).unwrap(),
            certs,
            "PEM ber={ber}"
        );
    }
}

#[test]
fn pkcs7_made_by_openssl_parses() {
    let Some(openssl) = kavach_testkit::program("pkcs7_made_by_openssl_parses", "openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let certs = chain();
    let pem = dir.path().join("chain.pem");
    std::fs::write(&pem, pem_bundle(&certs)).unwrap();
    for form in ["PEM", "DER"] {
        let out = dir.path().join(format!("chain.p7b.{form}"));
        let status = Command::new(&openssl)
            .args(["crl2pkcs7", "-nocrl", "-certfile"])
            .arg(&pem)
            .args(["-outform", form, "-out"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let parsed = Certificate::parse_bundle(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(parsed.len(), 3, "{form}");
        for c in &certs {
            assert!(parsed.contains(c), "{form}: {}", c.subject());
        }
    }
}

#[test]
fn thumbprints_match_openssl() {
    let cert = &chain()[0];
    let tp = cert.sha256_thumbprint();
    assert_eq!(tp.to_hex().len(), 64);
    assert_eq!(tp.to_base64url().len(), 43);
    assert_eq!(cert.sha1_thumbprint_hex().len(), 40);
    let Some(openssl) = kavach_testkit::program("thumbprints_match_openssl", "openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("c.pem");
    std::fs::write(&pem, cert.to_pem()).unwrap();
    for (digest, ours) in [("-sha256", tp.to_hex()), ("-sha1", cert.sha1_thumbprint_hex())] {
        let out = Command::new(&openssl)
            .args(["x509", "-noout", "-fingerprint", digest, "-in"])
            .arg(&pem)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let theirs: String = text.split('=').nth(1).unwrap().trim().replace(':', "").to_lowercase();
        assert_eq!(ours, theirs, "{digest}");
    }
}

#[test]
fn accessors_describe_the_certificate() {
    let certs = chain();
    let leaf = &certs[0];
    assert_eq!(leaf.issuer().to_string(), certs[1].subject().to_string());
    assert!(!leaf.is_ca() && certs[1].is_ca() && certs[2].is_ca());
    assert!(certs[2].is_self_issued() && !leaf.is_self_issued());
    assert!(leaf.not_before() < leaf.not_after());
    assert!(leaf.key_usage().unwrap().digital_signature());
    assert!(!leaf.serial_hex().is_empty());
    assert!(leaf.public_key().is_ok());
    assert_eq!(certs[1].basic_constraints(), Some((true, Some(0))));
    assert_eq!(Certificate::from_pem(&leaf.to_pem()).unwrap(), *leaf);
    assert_eq!(Certificate::try_from(leaf.der()).unwrap(), *leaf);
    assert!(format!("{leaf:?}").contains("Certificate"));
}

#[test]
fn bad_bundles_are_typed_errors() {
    let certs = chain();
    // Two blocks where one is expected.
    assert!(matches!(
        Certificate::from_pem(&pem_bundle(&certs)),
        Err(Error::Malformed { .. })
    ));
    // A private key in a certificate bundle.
    let key = kavach_keys::encoding::pem_encode("PRIVATE KEY", &[0x30, 0x00]);
    assert!(matches!(
        Certificate::parse_bundle(key.as_bytes()),
        Err(Error::UnexpectedPemLabel { .. })
    ));
    // Truncated DER and truncated P7B.
    let der = certs[0].der();
    assert!(Certificate::parse_bundle(&der[..der.len() - 1]).is_err());
    let bundle = p7b(&[der], true);
    for cut in [1, 10, bundle.len() / 2, bundle.len() - 1] {
        assert!(Certificate::parse_bundle(&bundle[..cut]).is_err(), "cut {cut}");
    }
    // A PKCS#7 holding something that is not a certificate.
    let odd = p7b(&[&tlv(0xa1, &[])], false);
    assert!(matches!(Certificate::parse_bundle(&odd), Err(Error::Malformed { .. })));
    // An empty PKCS#7 is an empty bundle.
    assert!(matches!(
        Certificate::parse_bundle(&p7b(&[], false)),
        Err(Error::Empty { .. })
    ));
    // Base64 garbage inside a PEM block.
    assert!(matches!(
        Certificate::parse_bundle(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
        Err(Error::Pem { .. })
    ));
}

#[test]
fn v1_certificate_with_extensions_is_malformed() {
    // Rewrite the leaf's version from v3 (2) to v1 (absent) is not possible without re-signing,
    // so patch the explicit [0] INTEGER 2 to INTEGER 0 (v1 must not be encoded, DER DEFAULT):
    // either way the result must not parse.
    let der = chain()[0].der().to_vec();
    let pos = der
        .windows(5)
        .position(|w| w == [0xa0, 0x03, 0x02, 0x01, 0x02])
        .unwrap();
    let mut v1 = der.clone();
    v1[pos + 4] = 0x00;
    assert!(Certificate::from_der(&v1).is_err());
    let mut v2 = der;
    v2[pos + 4] = 0x01;
    assert!(matches!(Certificate::from_der(&v2), Err(Error::Malformed { .. })));
}

//! Replays the committed seed corpora of the validation fuzz targets (`fuzz/corpus/pki_cert_parse`,
//! `fuzz/corpus/pki_path_validate`) through the same public calls the targets make, on the
//! stable toolchain: no input may panic, and the warm answer equals the cold one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use kavach_pki::{Certificate, Crl, Purpose, TrustDomain, ValidationOptions, Validator};

fn corpus(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = kavach_testkit::workspace_root().join("fuzz/corpus").join(name);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus {name}");
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect()
}

/// The body of `fuzz/fuzz_targets/pki_cert_parse.rs`; returns how many certificates and CRLs
/// parsed.
fn cert_parse(data: &[u8]) -> usize {
    let mut n = 0;
    if let Ok(certs) = Certificate::parse_bundle(data) {
        for c in &certs {
            let _ = (c.subject(), c.issuer(), c.serial_hex(), c.not_before(), c.not_after());
            let _ = (c.key_usage(), c.extended_key_usage(), c.subject_alt_names(), c.is_ca());
            let _ = (c.public_key().is_ok(), c.sha256_thumbprint(), c.sha1_thumbprint_hex());
            let _ = kavach_pki::signature_algorithm(c.inner().signature_algorithm());
        }
        n += certs.len();
    }
    let _ = Certificate::from_der(data);
    if let Ok(crls) = Crl::parse_bundle(data) {
        for crl in &crls {
            let _ = (crl.issuer(), crl.this_update(), crl.next_update(), crl.revoked_count());
        }
        n += crls.len();
    }
    n
}

/// The body of `fuzz/fuzz_targets/pki_path_validate.rs`; returns the verdict, if validation ran.
fn path_validate(data: &[u8]) -> Option<bool> {
    let (&selector, mut rest) = data.split_first()?;
    let mut certs = Vec::new();
    while rest.len() >= 2 && certs.len() < 8 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let end = (2 + len).min(rest.len());
        if let Ok(c) = Certificate::from_der(&rest[2..end]) {
            certs.push(c);
        }
        rest = &rest[end..];
    }
    let (anchor, ee) = (certs.first()?, certs.last()?);
    let domain = TrustDomain::new("FUZZ", vec![anchor.clone()]).ok()?;
    let purpose = Purpose::ALL[usize::from(selector) % Purpose::ALL.len()];
    let time = ee.not_before() + Duration::from_secs(1);
    let options = ValidationOptions::new(purpose, time);
    let validator = Validator::new();
    // One certificate is both the anchor and the end entity.
    let intermediates = certs.get(1..certs.len() - 1).unwrap_or(&[]);
    let first = validator.verify(&domain, ee, intermediates, &options).is_ok();
    assert_eq!(first, validator.verify(&domain, ee, intermediates, &options).is_ok());
    Some(first)
}

#[test]
fn pki_cert_parse_corpus_replays() {
    let mut parsed = 0;
    for (path, data) in corpus("pki_cert_parse") {
        let n = cert_parse(&data);
        eprintln!("{}: {n}", path.display());
        parsed += n;
    }
    // The seeds are mostly real certificates: most must parse.
    assert!(parsed >= 10, "only {parsed} objects parsed");
}

#[test]
fn pki_path_validate_corpus_replays() {
    let mut ran = 0;
    let mut valid = 0;
    for (path, data) in corpus("pki_path_validate") {
        let verdict = path_validate(&data);
        eprintln!("{}: {verdict:?}", path.display());
        ran += usize::from(verdict.is_some());
        valid += usize::from(verdict == Some(true));
    }
    assert!(ran >= 5, "only {ran} seeds reached validation");
    assert!(valid >= 1, "no seed validates: the seeds do not reach the deep checks");
}

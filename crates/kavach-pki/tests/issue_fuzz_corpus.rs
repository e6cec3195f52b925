//! Replays the committed seed corpora of the issuance fuzz targets (`fuzz/corpus/pki_csr`,
//! `fuzz/corpus/pki_issue_names`) through the same public functions, on the stable toolchain:
//! every input must give a value or a typed error, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use kavach_pki::issue::{CertificateRequest, DistinguishedName, SubjectAltName};

fn corpus(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(name);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect()
}

#[test]
fn pki_csr_corpus_parses_or_fails_typed() {
    let mut verified = 0;
    for (path, data) in corpus("pki_csr") {
        if let Ok(request) = CertificateRequest::parse(&data) {
            let _ = request.subject();
            if request.verify_proof_of_possession().is_ok() {
                verified += 1;
            }
        } else {
            assert!(
                path.file_name().unwrap().to_str().unwrap().contains("truncated")
                    || path.file_name().unwrap().to_str().unwrap().contains("indefinite"),
                "{} should parse",
                path.display()
            );
        }
    }
    // The OpenSSL-made seeds (EC, Ed25519, RSA PKCS#1 v1.5, RSA-PSS, PEM) all verify.
    assert_eq!(verified, 5);
}

#[test]
fn pki_issue_names_corpus_parses_or_fails_typed() {
    for (_, data) in corpus("pki_issue_names") {
        if let Ok(text) = core::str::from_utf8(&data) {
            if let Ok(name) = DistinguishedName::parse(text) {
                let _ = name.to_string();
            }
            let _ = SubjectAltName::parse(text);
        }
    }
}

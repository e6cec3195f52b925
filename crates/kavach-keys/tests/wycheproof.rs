//! Wycheproof conformance: every test of the five signature / OAEP files named in issue 2, run
//! through the public API (`PublicKey::from_spki_der` + `PublicKey::verify`,
//! `PrivateKey::from_pkcs8_der` + `Decrypter::decrypt_rsa_oaep_sha256`).
//!
//! `valid` must be accepted and `invalid` rejected; a wrong verdict fails the test with the
//! list of offending `tcId`s. `acceptable` cases may go either way; they are counted, and what
//! we do with each is printed and pinned below, so a behaviour change is noticed:
//!
//! - `rsa_signature_2048_sha256_test.json`, flag `MissingNull` (1 case): a PKCS#1 v1.5
//!   `DigestInfo` whose `AlgorithmIdentifier` omits the NULL parameters. RFC 8017 §9.2 builds
//!   the encoding with the NULL and verification compares the whole encoded message, so we
//!   **reject** it (the rsa crate's verifier compares against the one canonical prefix).
//!
//! The other four files have no `acceptable` case at this Wycheproof commit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kavach_keys::{Decrypter, EcdsaEncoding, Error, HashAlgorithm, PrivateKey, PublicKey, SignatureAlgorithm};
use serde_json::Value;

const DIR: &str = "wycheproof/testvectors_v1/";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Accepted,
    Rejected,
}

/// What we do with the `acceptable` cases of one file, by flag.
struct AcceptablePolicy {
    flag: &'static str,
    verdict: Verdict,
}

#[derive(Default)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    wrong: Vec<String>,
    acceptable_seen: Vec<String>,
}

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

/// Loads `file`, runs `check` on every (group, test) and checks the verdicts.
/// Returns `None` when the vectors are absent (skipped or failed per the testkit policy).
fn run(
    test_name: &str,
    file: &str,
    acceptable_policy: &[AcceptablePolicy],
    mut check: impl FnMut(&Value, &Value) -> Verdict,
) -> Option<usize> {
    let path = kavach_testkit::vector_file(test_name, &format!("{DIR}{file}"))?;
    let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let declared = doc["numberOfTests"].as_u64().expect("numberOfTests") as usize;
    let mut t = Tally::default();
    for group in doc["testGroups"].as_array().expect("testGroups") {
        for case in group["tests"].as_array().expect("tests") {
            let id = case["tcId"].as_u64().unwrap();
            let result = case["result"].as_str().unwrap();
            let flags: Vec<&str> = case["flags"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let got = check(group, case);
            let describe = || format!("tcId {id} ({}; flags {flags:?}): got {got:?}", case["comment"]);
            match result {
                "valid" => {
                    t.valid += 1;
                    if got != Verdict::Accepted {
                        t.wrong.push(format!("valid {}", describe()));
                    }
                }
                "invalid" => {
                    t.invalid += 1;
                    if got != Verdict::Rejected {
                        t.wrong.push(format!("invalid {}", describe()));
                    }
                }
                "acceptable" => {
                    t.acceptable += 1;
                    t.acceptable_seen.push(describe());
                    // Every acceptable case must carry a flag whose handling we documented, and
                    // we must still do what the documentation says.
                    let policy = acceptable_policy
                        .iter()
                        .find(|p| flags.contains(&p.flag))
                        .unwrap_or_else(|| panic!("{file}: undocumented acceptable case {}", describe()));
                    if got != policy.verdict {
                        t.wrong.push(format!(
                            "acceptable (documented as {:?} for {}) {}",
                            policy.verdict,
                            policy.flag,
                            describe()
                        ));
                    }
                }
                other => panic!("{file}: unknown result {other:?}"),
            }
        }
    }
    let n = t.valid + t.invalid + t.acceptable;
    kavach_testkit::report!(
        "wycheproof {file}: {n} cases (valid {}, invalid {}, acceptable {})",
        t.valid,
        t.invalid,
        t.acceptable
    );
    for a in &t.acceptable_seen {
        kavach_testkit::report!("  acceptable: {a}");
    }
    assert!(n > 0, "{file}: no test cases");
    assert_eq!(n, declared, "{file}: ran {n} cases but the file declares {declared}");
    assert!(
        t.wrong.is_empty(),
        "{file}: {} wrong verdicts:\n{}",
        t.wrong.len(),
        t.wrong.join("\n")
    );
    Some(n)
}

/// Verifies a signature case through `PublicKey::from_spki_der` + `verify`. A public key that
/// does not parse rejects everything signed with it.
fn verify_case(group: &Value, case: &Value, algorithm: SignatureAlgorithm) -> Verdict {
    let Ok(key) = PublicKey::from_spki_der(&hex(&group["publicKeyDer"])) else {
        return Verdict::Rejected;
    };
    match key.verify(algorithm, &hex(&case["msg"]), &hex(&case["sig"])) {
        Ok(()) => Verdict::Accepted,
        Err(Error::BadSignature) => Verdict::Rejected,
        Err(e) => panic!("verification failure is not the opaque BadSignature: {e:?}"),
    }
}

fn ecdsa_der() -> Option<usize> {
    let alg = SignatureAlgorithm::Ecdsa {
        hash: HashAlgorithm::Sha256,
        encoding: EcdsaEncoding::Der,
    };
    run(
        "wycheproof_ecdsa_p256_der",
        "ecdsa_secp256r1_sha256_test.json",
        &[],
        |g, c| verify_case(g, c, alg),
    )
}

fn ecdsa_p1363() -> Option<usize> {
    run(
        "wycheproof_ecdsa_p256_p1363",
        "ecdsa_secp256r1_sha256_p1363_test.json",
        &[],
        |g, c| verify_case(g, c, SignatureAlgorithm::ES256),
    )
}

fn rsa_pkcs1() -> Option<usize> {
    run(
        "wycheproof_rsa_pkcs1v15_2048_sha256",
        "rsa_signature_2048_sha256_test.json",
        &[AcceptablePolicy {
            flag: "MissingNull",
            verdict: Verdict::Rejected,
        }],
        |g, c| verify_case(g, c, SignatureAlgorithm::RS256),
    )
}

fn rsa_pss() -> Option<usize> {
    run(
        "wycheproof_rsa_pss_2048_sha256_32",
        "rsa_pss_2048_sha256_mgf1_32_test.json",
        &[],
        |g, c| {
            assert_eq!(g["sLen"], 32);
            assert_eq!(g["mgfSha"], "SHA-256");
            verify_case(g, c, SignatureAlgorithm::PS256)
        },
    )
}

fn rsa_oaep() -> Option<usize> {
    let mut labelled = 0usize;
    let n = run(
        "wycheproof_rsa_oaep_2048_sha256",
        "rsa_oaep_2048_sha256_mgf1sha256_test.json",
        &[],
        |g, c| {
            assert_eq!(g["sha"], "SHA-256");
            assert_eq!(g["mgfSha"], "SHA-256");
            let key = PrivateKey::from_pkcs8_der(&hex(&g["privateKeyPkcs8"])).expect("group private key loads");
            // The same key through the PEM loader must be the same key.
            let from_pem = PrivateKey::from_pem(g["privateKeyPem"].as_str().unwrap()).expect("PEM key loads");
            assert_eq!(Decrypter::public_key(&key), Decrypter::public_key(&from_pem));
            let label = hex(&c["label"]);
            let label = if label.is_empty() {
                None
            } else {
                labelled += 1;
                Some(label.as_slice())
            };
            match key.decrypt_rsa_oaep_sha256(label, &hex(&c["ct"])) {
                Ok(pt) if *pt == hex(&c["msg"]) => Verdict::Accepted,
                // Decrypting to something else than the expected message is a wrong result,
                // never an acceptance.
                Ok(_) => Verdict::Rejected,
                Err(Error::DecryptionFailed) => Verdict::Rejected,
                Err(e) => panic!("decryption failure is not the opaque DecryptionFailed: {e:?}"),
            }
        },
    )?;
    assert!(
        labelled > 0,
        "no OAEP case with a label went through the labelled decrypt"
    );
    kavach_testkit::report!("  ({labelled} OAEP cases used the labelled decrypt)");
    Some(n)
}

#[test]
fn wycheproof_ecdsa_p256_der() {
    ecdsa_der();
}

#[test]
fn wycheproof_ecdsa_p256_p1363() {
    ecdsa_p1363();
}

#[test]
fn wycheproof_rsa_pkcs1v15_2048_sha256() {
    rsa_pkcs1();
}

#[test]
fn wycheproof_rsa_pss_2048_sha256_32() {
    rsa_pss();
}

#[test]
fn wycheproof_rsa_oaep_2048_sha256() {
    rsa_oaep();
}

/// The issue asks for at least 1,100 Wycheproof cases in total across the five files.
#[test]
fn wycheproof_total_at_least_1100() {
    let counts = [ecdsa_der(), ecdsa_p1363(), rsa_pkcs1(), rsa_pss(), rsa_oaep()];
    if counts.iter().any(Option::is_none) {
        return; // skipped (vectors missing) — already reported loudly by the testkit
    }
    let total: usize = counts.into_iter().flatten().sum();
    kavach_testkit::report!("wycheproof total: {total} cases");
    assert!(total >= 1100, "only {total} Wycheproof cases ran");
}

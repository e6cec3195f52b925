//! PKCS#11 keys against a real SoftHSM2 token (feature `pkcs11`).
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` when the module is initialized, once per process, and this
//! workspace forbids `unsafe` (which `std::env::set_var` is in edition 2024). So each test runs
//! twice: the outer run (what `cargo test` starts) makes a temporary token directory and
//! `softhsm2.conf`, creates a token with a unique label with `softhsm2-util`, prints the token
//! and module, and re-runs this test binary for this one test with `SOFTHSM2_CONF` set; the
//! inner run does the work against that token and its result decides the outer test.
//!
//! Without SoftHSM2 installed the test is skipped loudly, or fails under
//! `KAVACH_REQUIRE_EXTERNAL=1` (kavach-testkit's policy).
#![cfg(feature = "pkcs11")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use kavach_keys::pkcs11::{
    KeyGenSpec, KeySelector, KeyUsage, OaepFallback, OaepPath, OaepUnavailable, Pkcs11Key, Pkcs11KeyOptions, Pkcs11Pin,
    Pkcs11Token,
};
use kavach_keys::{
    Decrypter, EcdsaEncoding, Error, HashAlgorithm, KeyKind, KeyStore, MemoryKeyStore, PrivateKey, PssSaltLength,
    PublicKey, SignatureAlgorithm, Signer,
};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const USER_PIN: &str = "kavach-user-4711";
const SO_PIN: &str = "kavach-so-0815";
/// Set (to the test's name) in the inner run.
const INNER_ENV: &str = "KAVACH_PKCS11_INNER_TEST";
/// The label of the token the outer run created.
const LABEL_ENV: &str = "KAVACH_PKCS11_TOKEN_LABEL";

struct Hsm {
    module: PathBuf,
    label: String,
}

impl Hsm {
    fn token(&self) -> Pkcs11Token {
        Pkcs11Token::open(&self.module, &self.label, Pkcs11Pin::new(USER_PIN)).unwrap()
    }
}

/// Runs `body` against a fresh SoftHSM2 token in a child process (see the module docs).
fn on_softhsm(test: &str, body: impl FnOnce(&Hsm)) {
    if std::env::var(INNER_ENV).as_deref() == Ok(test) {
        let hsm = Hsm {
            module: PathBuf::from(MODULE),
            label: std::env::var(LABEL_ENV).unwrap(),
        };
        body(&hsm);
        return;
    }
    let Some(module) = kavach_testkit::file(test, "SoftHSM2", Path::new(MODULE)) else {
        return;
    };
    let Some(util) = kavach_testkit::program(test, "softhsm2-util") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    // At most 32 bytes (CK_TOKEN_INFO.label).
    let label = format!("kavach-{}-{:08x}", std::process::id(), nanos);
    let init = Command::new(&util)
        .args([
            "--init-token",
            "--free",
            "--label",
            &label,
            "--pin",
            USER_PIN,
            "--so-pin",
            SO_PIN,
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "softhsm2-util --init-token failed: {}{}",
        String::from_utf8_lossy(&init.stdout),
        String::from_utf8_lossy(&init.stderr)
    );
    let line = format!(
        "PKCS#11 token: label={label} module={} (SoftHSM2, SOFTHSM2_CONF={}) test={test}",
        module.display(),
        conf.display()
    );
    eprintln!("{line}");
    // The harness captures the print macros; CI output must name the token, so also write to
    // the real stderr, as kavach-testkit does for skips.
    let _ = writeln!(std::io::stderr(), "{line}");

    let inner = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env("SOFTHSM2_CONF", &conf)
        .env(INNER_ENV, test)
        .env(LABEL_ENV, &label)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&inner.stdout);
    let stderr = String::from_utf8_lossy(&inner.stderr);
    eprintln!("--- inner run of {test} ---\n{stdout}{stderr}--- end of inner run ---");
    assert!(inner.status.success(), "{test} failed against SoftHSM2 token {label}");
    assert!(
        stdout.contains(&format!("test {test} ... ok")),
        "the inner run did not run {test}"
    );
}

fn allow_raw_rsa() -> Pkcs11KeyOptions {
    Pkcs11KeyOptions::new().with_oaep_fallback(OaepFallback::RawRsaAllowed)
}

fn generate(token: &Pkcs11Token, kind: KeyKind, label: &str, usage: KeyUsage, options: Pkcs11KeyOptions) -> Pkcs11Key {
    token
        .generate_key_pair(&KeyGenSpec::new(kind, label, usage), options)
        .unwrap()
}

/// The one verification path for both software and token signatures: parse the SPKI the way
/// a relying party does (e.g. from a certificate), then `PublicKey::verify`.
fn verify_as_relying_party(
    spki_der: &[u8],
    algorithm: SignatureAlgorithm,
    msg: &[u8],
    sig: &[u8],
) -> kavach_keys::Result<()> {
    PublicKey::from_spki_der(spki_der)?.verify(algorithm, msg, sig)
}

fn assert_protected(key: &Pkcs11Key) {
    let p = key.protection().unwrap();
    assert!(p.sensitive, "CKA_SENSITIVE must be true: {p:?}");
    assert!(!p.extractable, "CKA_EXTRACTABLE must be false: {p:?}");
    assert!(p.always_sensitive && p.never_extractable, "{p:?}");
    assert!(p.token_object && p.private_object, "{p:?}");
}

#[test]
fn pkcs11_token_is_found_by_label_only() {
    on_softhsm("pkcs11_token_is_found_by_label_only", |hsm| {
        let token = hsm.token();
        assert_eq!(token.label(), hsm.label);
        assert!(token.module_path().ends_with("libsofthsm2.so"));
        eprintln!("opened {token:?}");
        let err = Pkcs11Token::open(&hsm.module, "no-such-token", Pkcs11Pin::new(USER_PIN)).unwrap_err();
        assert!(
            matches!(err, Error::Pkcs11NotFound(ref what) if what.contains("no-such-token")),
            "{err}"
        );
        let err = Pkcs11Token::open("/nonexistent/libpkcs11.so", &hsm.label, Pkcs11Pin::new(USER_PIN)).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        // Debug output never shows the PIN.
        assert!(!format!("{token:?}").contains(USER_PIN));
        assert!(!format!("{:?}", Pkcs11Pin::new(USER_PIN)).contains(USER_PIN));
    });
}

#[test]
fn pkcs11_wrong_pin_is_refused() {
    on_softhsm("pkcs11_wrong_pin_is_refused", |hsm| {
        // First login of this process: the token itself refuses the PIN.
        let err = Pkcs11Token::open(&hsm.module, &hsm.label, Pkcs11Pin::new("not-the-pin")).unwrap_err();
        assert!(
            matches!(err, Error::Pkcs11PinIncorrect { ref token } if *token == hsm.label),
            "{err}"
        );
        let token = hsm.token();
        // Logged in now: PKCS#11 would not check a second login, kavach does.
        let err = Pkcs11Token::open(&hsm.module, &hsm.label, Pkcs11Pin::new("not-the-pin")).unwrap_err();
        assert!(matches!(err, Error::Pkcs11PinIncorrect { .. }), "{err}");
        let again = hsm.token();
        assert_eq!(again.slot_id(), token.slot_id());
    });
}

#[test]
fn pkcs11_p256_generated_on_token_is_sensitive_and_not_extractable() {
    on_softhsm(
        "pkcs11_p256_generated_on_token_is_sensitive_and_not_extractable",
        |hsm| {
            let token = hsm.token();
            let key = generate(
                &token,
                KeyKind::P256,
                "p256",
                KeyUsage::SignAndDecrypt,
                Pkcs11KeyOptions::new(),
            );
            assert_eq!(key.kind(), KeyKind::P256);
            assert_eq!(key.label(), Some("p256"));
            assert_eq!(key.id().len(), kavach_keys::pkcs11::GENERATED_ID_LEN);
            assert_eq!(key.oaep_path(), OaepPath::Unavailable(OaepUnavailable::NotAnRsaKey));
            assert_protected(&key);
            // Reopened from the token, the key is the same.
            let reopened = token
                .open_key(&KeySelector::by_label("p256"), Pkcs11KeyOptions::new())
                .unwrap();
            assert_eq!(Signer::public_key(&reopened), Signer::public_key(&key));
            assert_protected(&reopened);
        },
    );
}

#[test]
fn pkcs11_rsa2048_generated_on_token_is_sensitive_and_not_extractable() {
    on_softhsm(
        "pkcs11_rsa2048_generated_on_token_is_sensitive_and_not_extractable",
        |hsm| {
            let token = hsm.token();
            let key = generate(
                &token,
                KeyKind::Rsa { bits: 2048 },
                "rsa",
                KeyUsage::SignAndDecrypt,
                allow_raw_rsa(),
            );
            assert_eq!(key.kind(), KeyKind::Rsa { bits: 2048 });
            assert_protected(&key);
            let (_, e) = Signer::public_key(&key).rsa_components().unwrap();
            assert_eq!(e, [1, 0, 1]);
        },
    );
}

#[test]
fn pkcs11_es256_token_and_software_signatures_verify_with_one_verifier() {
    on_softhsm(
        "pkcs11_es256_token_and_software_signatures_verify_with_one_verifier",
        |hsm| {
            let token = hsm.token();
            let hsm_key = generate(&token, KeyKind::P256, "es256", KeyUsage::Sign, Pkcs11KeyOptions::new());
            let soft_key = PrivateKey::generate(KeyKind::P256).unwrap();
            let msg = b"partner request body";
            let signers: [&dyn Signer; 2] = [&hsm_key, &soft_key];
            for signer in signers {
                assert_eq!(signer.algorithm(), SignatureAlgorithm::ES256);
                let sig = signer.sign(msg).unwrap();
                assert_eq!(sig.len(), 64);
                let spki = signer.public_key().spki_der();
                verify_as_relying_party(spki, SignatureAlgorithm::ES256, msg, &sig).unwrap();
                assert!(matches!(
                    verify_as_relying_party(spki, SignatureAlgorithm::ES256, b"other body", &sig),
                    Err(Error::BadSignature)
                ));
            }
            // DER encoding, and a hash other than the curve's.
            for algorithm in [
                SignatureAlgorithm::Ecdsa {
                    hash: HashAlgorithm::Sha256,
                    encoding: EcdsaEncoding::Der,
                },
                SignatureAlgorithm::Ecdsa {
                    hash: HashAlgorithm::Sha384,
                    encoding: EcdsaEncoding::Fixed,
                },
            ] {
                let key = token
                    .open_key(&KeySelector::by_label("es256"), Pkcs11KeyOptions::new())
                    .unwrap()
                    .with_signature_algorithm(algorithm)
                    .unwrap();
                let sig = key.sign(msg).unwrap();
                verify_as_relying_party(Signer::public_key(&key).spki_der(), algorithm, msg, &sig).unwrap();
            }
            // An RSA algorithm does not fit an EC key.
            let key = token
                .open_key(&KeySelector::by_label("es256"), Pkcs11KeyOptions::new())
                .unwrap();
            assert!(matches!(
                key.with_signature_algorithm(SignatureAlgorithm::RS256),
                Err(Error::AlgorithmKeyMismatch { .. })
            ));
        },
    );
}

#[test]
fn pkcs11_es384_on_token_verifies() {
    on_softhsm("pkcs11_es384_on_token_verifies", |hsm| {
        let token = hsm.token();
        let key = generate(&token, KeyKind::P384, "es384", KeyUsage::Sign, Pkcs11KeyOptions::new());
        assert_protected(&key);
        assert_eq!(key.algorithm(), SignatureAlgorithm::ES384);
        let sig = key.sign(b"msg").unwrap();
        assert_eq!(sig.len(), 96);
        verify_as_relying_party(
            Signer::public_key(&key).spki_der(),
            SignatureAlgorithm::ES384,
            b"msg",
            &sig,
        )
        .unwrap();
    });
}

#[test]
fn pkcs11_rs256_and_ps256_token_and_software_signatures_verify_with_one_verifier() {
    on_softhsm(
        "pkcs11_rs256_and_ps256_token_and_software_signatures_verify_with_one_verifier",
        |hsm| {
            let token = hsm.token();
            let hsm_key = generate(
                &token,
                KeyKind::Rsa { bits: 2048 },
                "rsa-sign",
                KeyUsage::Sign,
                Pkcs11KeyOptions::new(),
            );
            assert_eq!(hsm_key.algorithm(), SignatureAlgorithm::PS256);
            let soft = PrivateKey::generate(KeyKind::Rsa { bits: 2048 }).unwrap();
            let msg = b"biometric device registration";
            let mut algorithms = vec![SignatureAlgorithm::RS256, SignatureAlgorithm::PS256];
            for hash in [HashAlgorithm::Sha384, HashAlgorithm::Sha512] {
                algorithms.push(SignatureAlgorithm::RsaPkcs1v15(hash));
                algorithms.push(SignatureAlgorithm::RsaPss {
                    hash,
                    salt: PssSaltLength::Exactly(hash.output_len() as u16),
                });
            }
            let mut hsm_key = Some(hsm_key);
            let mut soft = Some(soft);
            for algorithm in algorithms {
                let h = hsm_key.take().unwrap().with_signature_algorithm(algorithm).unwrap();
                let s = soft.take().unwrap().with_signature_algorithm(algorithm).unwrap();
                {
                    let signers: [&dyn Signer; 2] = [&h, &s];
                    for signer in signers {
                        let sig = signer.sign(msg).unwrap();
                        assert_eq!(sig.len(), 256);
                        let spki = signer.public_key().spki_der();
                        verify_as_relying_party(spki, algorithm, msg, &sig)
                            .unwrap_or_else(|e| panic!("{algorithm:?}: {e}"));
                        assert!(verify_as_relying_party(spki, algorithm, b"tampered", &sig).is_err());
                    }
                }
                hsm_key = Some(h);
                soft = Some(s);
            }
            // PS256 with the salt the JWS profile demands: a verifier that insists on 32 accepts.
            let h = hsm_key
                .unwrap()
                .with_signature_algorithm(SignatureAlgorithm::PS256)
                .unwrap();
            let sig = h.sign(msg).unwrap();
            verify_as_relying_party(Signer::public_key(&h).spki_der(), SignatureAlgorithm::PS256, msg, &sig).unwrap();
            // RS256 and PS256 signatures are not interchangeable.
            assert!(
                verify_as_relying_party(Signer::public_key(&h).spki_der(), SignatureAlgorithm::RS256, msg, &sig)
                    .is_err()
            );
        },
    );
}

#[test]
fn pkcs11_rsa3072_generated_on_token_signs_ps256() {
    on_softhsm("pkcs11_rsa3072_generated_on_token_signs_ps256", |hsm| {
        let token = hsm.token();
        let key = generate(
            &token,
            KeyKind::Rsa { bits: 3072 },
            "rsa3072",
            KeyUsage::Sign,
            Pkcs11KeyOptions::new(),
        );
        assert_eq!(key.kind(), KeyKind::Rsa { bits: 3072 });
        assert_protected(&key);
        let sig = key.sign(b"m").unwrap();
        assert_eq!(sig.len(), 384);
        verify_as_relying_party(
            Signer::public_key(&key).spki_der(),
            SignatureAlgorithm::PS256,
            b"m",
            &sig,
        )
        .unwrap();
    });
}

#[test]
fn pkcs11_oaep_decrypts_through_raw_rsa_fallback_with_and_without_label() {
    on_softhsm(
        "pkcs11_oaep_decrypts_through_raw_rsa_fallback_with_and_without_label",
        |hsm| {
            let token = hsm.token();
            let key = generate(
                &token,
                KeyKind::Rsa { bits: 2048 },
                "rsa-enc",
                KeyUsage::Decrypt,
                allow_raw_rsa(),
            );
            assert_eq!(key.oaep_path(), OaepPath::RawRsaWithSoftwareDecoding);
            let public = Decrypter::public_key(&key).clone();
            let cases: [(Option<&[u8]>, &[u8]); 4] = [
                (None, b"session key bytes 0123456789abcdef"),
                (Some(b"mosip-partner-label"), b"labelled payload"),
                (Some(b""), b""),
                (None, &[0u8; 190]), // the longest message for RSA-2048 OAEP-SHA-256
            ];
            for (label, msg) in cases {
                let ct = public.encrypt_rsa_oaep_sha256(label, msg).unwrap();
                let plain = key.decrypt_rsa_oaep_sha256(label, &ct).unwrap();
                assert_eq!(plain.as_slice(), msg);
            }
            // The label is bound: a wrong or missing label is the opaque failure.
            let ct = public.encrypt_rsa_oaep_sha256(Some(b"right"), b"m").unwrap();
            assert!(matches!(
                key.decrypt_rsa_oaep_sha256(Some(b"wrong"), &ct),
                Err(Error::DecryptionFailed)
            ));
            assert!(matches!(
                key.decrypt_rsa_oaep_sha256(None, &ct),
                Err(Error::DecryptionFailed)
            ));
        },
    );
}

#[test]
fn pkcs11_oaep_mechanism_is_detected_unavailable_and_fallback_is_off_by_default() {
    on_softhsm(
        "pkcs11_oaep_mechanism_is_detected_unavailable_and_fallback_is_off_by_default",
        |hsm| {
            let token = hsm.token();
            // SoftHSM2 2.6.1 lists CKM_RSA_PKCS_OAEP but refuses SHA-256 with it: only the
            // open-time self-test can tell, and it must tell.
            assert!(token.lists_rsa_oaep().unwrap());
            let key = generate(
                &token,
                KeyKind::Rsa { bits: 2048 },
                "rsa-no-fallback",
                KeyUsage::SignAndDecrypt,
                Pkcs11KeyOptions::new(),
            );
            assert_eq!(
                key.oaep_path(),
                OaepPath::Unavailable(OaepUnavailable::TokenLacksOaepSha256AndFallbackForbidden)
            );
            let ct = Decrypter::public_key(&key).encrypt_rsa_oaep_sha256(None, b"m").unwrap();
            let err = key.decrypt_rsa_oaep_sha256(None, &ct).unwrap_err();
            assert!(matches!(err, Error::UnsupportedOperation { .. }), "{err}");
            let message = err.to_string();
            assert!(
                message.contains("CKM_RSA_PKCS_OAEP") && message.contains("RawRsaAllowed"),
                "{message}"
            );
            // The key still signs.
            let sig = key.sign(b"m").unwrap();
            verify_as_relying_party(
                Decrypter::public_key(&key).spki_der(),
                SignatureAlgorithm::PS256,
                b"m",
                &sig,
            )
            .unwrap();
            // The same key opened with the fallback allowed decrypts.
            let key = token
                .open_key(&KeySelector::by_label("rsa-no-fallback"), allow_raw_rsa())
                .unwrap();
            assert_eq!(key.oaep_path(), OaepPath::RawRsaWithSoftwareDecoding);
            assert_eq!(key.decrypt_rsa_oaep_sha256(None, &ct).unwrap().as_slice(), b"m");
            // A signing-only RSA key has no OAEP path whatever the options.
            let signer = generate(
                &token,
                KeyKind::Rsa { bits: 2048 },
                "rsa-sign-only",
                KeyUsage::Sign,
                allow_raw_rsa(),
            );
            assert_eq!(
                signer.oaep_path(),
                OaepPath::Unavailable(OaepUnavailable::KeyNotForDecryption)
            );
            assert!(matches!(
                signer.decrypt_rsa_oaep_sha256(None, &ct),
                Err(Error::UnsupportedOperation { .. })
            ));
        },
    );
}

#[test]
fn pkcs11_tampered_oaep_ciphertext_gives_decryption_failed() {
    on_softhsm("pkcs11_tampered_oaep_ciphertext_gives_decryption_failed", |hsm| {
        let token = hsm.token();
        let key = generate(
            &token,
            KeyKind::Rsa { bits: 2048 },
            "rsa-tamper",
            KeyUsage::Decrypt,
            allow_raw_rsa(),
        );
        let ct = Decrypter::public_key(&key)
            .encrypt_rsa_oaep_sha256(Some(b"l"), b"secret")
            .unwrap();
        assert_eq!(
            key.decrypt_rsa_oaep_sha256(Some(b"l"), &ct).unwrap().as_slice(),
            b"secret"
        );
        let mut bad_inputs = Vec::new();
        for i in [0usize, 1, 100, 255] {
            let mut t = ct.clone();
            t[i] ^= 0x01;
            bad_inputs.push(t);
        }
        bad_inputs.push(ct[..255].to_vec()); // too short
        bad_inputs.push([ct.as_slice(), &[0]].concat()); // too long
        bad_inputs.push(vec![0xff; 256]); // not below the modulus
        bad_inputs.push(vec![0x00; 256]); // zero: decrypts to a block of zeros
        bad_inputs.push(Vec::new());
        for bad in bad_inputs {
            assert!(
                matches!(
                    key.decrypt_rsa_oaep_sha256(Some(b"l"), &bad),
                    Err(Error::DecryptionFailed)
                ),
                "accepted a tampered ciphertext of {} bytes",
                bad.len()
            );
        }
        // The key still works after all those failures (sessions stay usable).
        assert_eq!(
            key.decrypt_rsa_oaep_sha256(Some(b"l"), &ct).unwrap().as_slice(),
            b"secret"
        );
    });
}

#[test]
fn pkcs11_ecdh_p256_on_token_agrees_with_software() {
    on_softhsm("pkcs11_ecdh_p256_on_token_agrees_with_software", |hsm| {
        let token = hsm.token();
        let key = generate(
            &token,
            KeyKind::P256,
            "ecdh",
            KeyUsage::Decrypt,
            Pkcs11KeyOptions::new(),
        );
        assert_protected(&key);
        let peer = PrivateKey::generate(KeyKind::P256).unwrap();
        let on_token = key.ecdh_p256(Signer::public_key(&peer)).unwrap();
        let in_software = peer.ecdh_p256(Decrypter::public_key(&key)).unwrap();
        assert_eq!(*on_token, *in_software);
        assert_ne!(*on_token, [0u8; 32]);
        // The sender's side of ECDH-ES against the token key.
        let (ephemeral, z) = kavach_keys::ecdh_p256_ephemeral(Decrypter::public_key(&key)).unwrap();
        assert_eq!(*key.ecdh_p256(&ephemeral).unwrap(), *z);
        // A non-P-256 peer is the opaque failure; a key for decryption only does not sign.
        let rsa_peer = PrivateKey::generate(KeyKind::P384).unwrap();
        assert!(matches!(
            key.ecdh_p256(Signer::public_key(&rsa_peer)),
            Err(Error::DecryptionFailed)
        ));
        assert!(matches!(key.sign(b"m"), Err(Error::UnsupportedOperation { .. })));
        // A signing-only key does not derive.
        let signer = generate(
            &token,
            KeyKind::P256,
            "ecdh-sign-only",
            KeyUsage::Sign,
            Pkcs11KeyOptions::new(),
        );
        assert!(matches!(
            signer.ecdh_p256(Signer::public_key(&peer)),
            Err(Error::UnsupportedOperation { .. })
        ));
    });
}

#[test]
fn pkcs11_keys_are_found_by_label_by_id_and_by_both() {
    on_softhsm("pkcs11_keys_are_found_by_label_by_id_and_by_both", |hsm| {
        let token = hsm.token();
        let id = b"\x01\x02kavach-key-id".to_vec();
        let spec = KeyGenSpec::new(KeyKind::P256, "findme", KeyUsage::Sign).with_id(id.clone());
        let key = token.generate_key_pair(&spec, Pkcs11KeyOptions::new()).unwrap();
        assert_eq!(key.id(), id);
        let other = generate(&token, KeyKind::P256, "other", KeyUsage::Sign, Pkcs11KeyOptions::new());
        for selector in [
            KeySelector::by_label("findme"),
            KeySelector::by_id(id.clone()),
            KeySelector::by_label_and_id("findme", id.clone()),
        ] {
            let found = token.open_key(&selector, Pkcs11KeyOptions::new()).unwrap();
            assert_eq!(Signer::public_key(&found), Signer::public_key(&key), "{selector:?}");
            assert_ne!(Signer::public_key(&found), Signer::public_key(&other));
            assert_eq!(found.label(), Some("findme"));
        }
        for selector in [
            KeySelector::by_label("absent"),
            KeySelector::by_id(b"absent".to_vec()),
            KeySelector::by_label_and_id("other", id.clone()),
            KeySelector::by_label(""),
        ] {
            let err = token.open_key(&selector, Pkcs11KeyOptions::new()).unwrap_err();
            assert!(matches!(err, Error::Pkcs11NotFound(_)), "{selector:?}: {err}");
        }
        // Generating over an existing label or id is refused (lookups stay unambiguous).
        let err = token
            .generate_key_pair(
                &KeyGenSpec::new(KeyKind::P256, "findme", KeyUsage::Sign),
                Pkcs11KeyOptions::new(),
            )
            .unwrap_err();
        assert!(matches!(err, Error::Pkcs11KeyExists { .. }), "{err}");
        let err = token
            .generate_key_pair(
                &KeyGenSpec::new(KeyKind::P256, "fresh", KeyUsage::Sign).with_id(id),
                Pkcs11KeyOptions::new(),
            )
            .unwrap_err();
        assert!(matches!(err, Error::Pkcs11KeyExists { .. }), "{err}");
        // Kinds the token backend does not generate.
        let err = token
            .generate_key_pair(
                &KeyGenSpec::new(KeyKind::Ed25519, "ed", KeyUsage::Sign),
                Pkcs11KeyOptions::new(),
            )
            .unwrap_err();
        assert!(matches!(err, Error::UnsupportedKeyAlgorithm(_)), "{err}");
        let err = token
            .generate_key_pair(
                &KeyGenSpec::new(KeyKind::Rsa { bits: 1024 }, "small", KeyUsage::Sign),
                Pkcs11KeyOptions::new(),
            )
            .unwrap_err();
        assert!(matches!(err, Error::UnsupportedRsaKeySize { bits: 1024, .. }), "{err}");
    });
}

#[test]
fn pkcs11_key_serves_from_memory_key_store() {
    on_softhsm("pkcs11_key_serves_from_memory_key_store", |hsm| {
        let token = hsm.token();
        let key = generate(
            &token,
            KeyKind::P256,
            "stored",
            KeyUsage::SignAndDecrypt,
            Pkcs11KeyOptions::new(),
        );
        let public = Signer::public_key(&key).clone();
        let mut store = MemoryKeyStore::new();
        store
            .insert("hsm-key", Arc::new(key), Some(b"certificate der"))
            .unwrap();
        store
            .insert("soft-key", Arc::new(PrivateKey::generate(KeyKind::P256).unwrap()), None)
            .unwrap();
        let handle = store
            .by_certificate_thumbprint(&kavach_keys::Sha256Thumbprint::of_der(b"certificate der"))
            .unwrap();
        let sig = handle.sign(b"via the store").unwrap();
        public
            .verify(SignatureAlgorithm::ES256, b"via the store", &sig)
            .unwrap();
        let peer = PrivateKey::generate(KeyKind::P256).unwrap();
        let handle = store.by_id("hsm-key").unwrap();
        assert_eq!(
            *handle.ecdh_p256(Signer::public_key(&peer)).unwrap(),
            *peer.ecdh_p256(&public).unwrap()
        );
    });
}

#[test]
fn pkcs11_one_context_serves_many_threads() {
    on_softhsm("pkcs11_one_context_serves_many_threads", |hsm| {
        let token = hsm.token();
        let key = Arc::new(generate(
            &token,
            KeyKind::P256,
            "threads",
            KeyUsage::Sign,
            Pkcs11KeyOptions::new(),
        ));
        let rsa = Arc::new(generate(
            &token,
            KeyKind::Rsa { bits: 2048 },
            "threads-rsa",
            KeyUsage::Decrypt,
            allow_raw_rsa(),
        ));
        let threads: Vec<_> = (0..6)
            .map(|t| {
                let key = Arc::clone(&key);
                let rsa = Arc::clone(&rsa);
                let module = hsm.module.clone();
                let label = hsm.label.clone();
                std::thread::spawn(move || {
                    // Every thread also opens the token and the key itself: same module
                    // context, same login.
                    let token = Pkcs11Token::open(&module, &label, Pkcs11Pin::new(USER_PIN)).unwrap();
                    let own = token
                        .open_key(&KeySelector::by_label("threads"), Pkcs11KeyOptions::new())
                        .unwrap();
                    for i in 0..10 {
                        let msg = format!("thread {t} message {i}");
                        for k in [&*key, &own] {
                            let sig = k.sign(msg.as_bytes()).unwrap();
                            Signer::public_key(k)
                                .verify(SignatureAlgorithm::ES256, msg.as_bytes(), &sig)
                                .unwrap();
                        }
                        let ct = Decrypter::public_key(&*rsa)
                            .encrypt_rsa_oaep_sha256(None, msg.as_bytes())
                            .unwrap();
                        assert_eq!(
                            rsa.decrypt_rsa_oaep_sha256(None, &ct).unwrap().as_slice(),
                            msg.as_bytes()
                        );
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    });
}

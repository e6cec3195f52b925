//! Interop: kavach's signatures verify with Python jwcrypto and jwcrypto's with kavach; a
//! detached signature made by `openssl dgst -sign` over the JWS signing input verifies.
//! External parts go through kavach-testkit (skipped loudly, or required under
//! `KAVACH_REQUIRE_EXTERNAL=1`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use kavach_jws::{CompactJws, Error, JwsVerifier, PayloadMode, SignOptions, Timestamp, sign};
use kavach_keys::{KeyKind, PrivateKey, Signer};
use kavach_pki::testing::{TestEntity, TestPki};
use kavach_pki::{Certificate, Purpose, TrustDomain, Validator};

const SCRIPT: &str = "tests/interop/jwcrypto_interop.py";

/// python3 with jwcrypto importable, or `None` after testkit's `missing`.
fn jwcrypto(test: &str) -> Option<PathBuf> {
    let python = kavach_testkit::program(test, "python3")?;
    let out = Command::new(&python).arg(SCRIPT).arg("check").output().unwrap();
    if out.status.success() {
        Some(python)
    } else {
        kavach_testkit::missing(test, "Python package jwcrypto", "pip install jwcrypto")
    }
}

fn jws_signer(e: &TestEntity) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&e.key.to_pkcs8_der().unwrap()).unwrap()
}

fn chain(p: &TestPki, leaf: &Certificate) -> Vec<Certificate> {
    vec![leaf.clone(), p.intermediate().certificate.clone()]
}

fn verifier(p: &TestPki) -> JwsVerifier {
    JwsVerifier::new(
        Arc::new(Validator::new()),
        TrustDomain::new("interop", p.trust_anchors()).unwrap(),
    )
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Runs the jwcrypto verifier; returns the payload it verified, or `None` if it refused.
fn jwcrypto_verify(
    python: &Path,
    dir: &Path,
    public: &PrivateKey,
    jws: &str,
    detached: Option<&[u8]>,
) -> Option<Vec<u8>> {
    let pem = kavach_keys::encoding::pem_encode("PUBLIC KEY", public.public_key().spki_der());
    let key = write(dir, "pub.pem", pem.as_bytes());
    let jws_file = write(dir, "jws.txt", jws.as_bytes());
    let mut cmd = Command::new(python);
    cmd.arg(SCRIPT).arg("verify").arg(&key).arg(&jws_file);
    if let Some(p) = detached {
        cmd.arg(write(dir, "payload.bin", p));
    }
    let out = cmd.output().unwrap();
    match out.status.code() {
        Some(0) => Some(hex::decode(String::from_utf8(out.stdout).unwrap().trim()).unwrap()),
        Some(1) => None,
        other => panic!(
            "jwcrypto verify failed to run ({other:?}): {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Signs with jwcrypto under `header_json`; returns the compact JWS.
fn jwcrypto_sign(
    python: &Path,
    dir: &Path,
    key: &PrivateKey,
    header_json: &str,
    payload: &[u8],
    detached: bool,
) -> String {
    let pem = key.to_pkcs8_pem().unwrap();
    let key_file = write(dir, "key.pem", pem.as_bytes());
    let out = Command::new(python)
        .arg(SCRIPT)
        .arg("sign")
        .arg(key_file)
        .arg(write(dir, "header.json", header_json.as_bytes()))
        .arg(write(dir, "payload.bin", payload))
        .arg(if detached { "detached" } else { "attached" })
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "jwcrypto sign: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

struct Case {
    name: &'static str,
    options: fn() -> SignOptions,
    payload: &'static [u8],
    detached: bool,
}

const CASES: [Case; 4] = [
    Case {
        name: "attached",
        options: SignOptions::new,
        payload: br#"{"request":"attached","n":1}"#,
        detached: false,
    },
    Case {
        name: "detached",
        options: || SignOptions::new().with_payload_mode(PayloadMode::Detached),
        payload: br#"{"request":"detached body bytes"}"#,
        detached: true,
    },
    Case {
        name: "b64:false attached",
        options: || SignOptions::new().with_unencoded_payload(),
        payload: b"unencoded payload without dots",
        detached: false,
    },
    Case {
        name: "b64:false detached",
        options: || {
            SignOptions::new()
                .with_unencoded_payload()
                .with_payload_mode(PayloadMode::Detached)
        },
        payload: b"$.02 unencoded, detached, with dots.",
        detached: true,
    },
];

#[test]
fn kavach_signatures_verify_with_jwcrypto() {
    let t = "kavach_signatures_verify_with_jwcrypto";
    let Some(python) = jwcrypto(t) else { return };
    let dir = tempfile::tempdir().unwrap();
    let rsa = jws_signer(TestPki::rsa().leaf(Purpose::Signing).unwrap());
    let rs256 = PrivateKey::from_pkcs8_der(&rsa.to_pkcs8_der().unwrap())
        .unwrap()
        .with_signature_algorithm(kavach_keys::SignatureAlgorithm::RS256)
        .unwrap();
    let keys = [
        jws_signer(TestPki::p256().leaf(Purpose::Signing).unwrap()),
        rsa,
        rs256,
        PrivateKey::generate(KeyKind::P384).unwrap(),
        PrivateKey::generate(KeyKind::Ed25519).unwrap(),
    ];
    let mut count = 0;
    for key in &keys {
        for case in &CASES {
            let jws = sign(key, case.payload, &(case.options)()).unwrap();
            let detached = case.detached.then_some(case.payload);
            let got = jwcrypto_verify(&python, dir.path(), key, jws.as_str(), detached);
            assert_eq!(
                got.as_deref(),
                Some(case.payload),
                "{} {:?}: jwcrypto refused {}",
                case.name,
                key.algorithm(),
                jws
            );
            // jwcrypto does refuse: a changed detached payload, or another key.
            if case.detached {
                assert!(jwcrypto_verify(&python, dir.path(), key, jws.as_str(), Some(b"other")).is_none());
            } else {
                // (RSA key generation is slow; the EC and Ed25519 keys show the point.)
                if !matches!(key.kind(), KeyKind::Rsa { .. }) {
                    let other = PrivateKey::generate(key.kind()).unwrap();
                    assert!(jwcrypto_verify(&python, dir.path(), &other, jws.as_str(), None).is_none());
                }
            }
            count += 1;
        }
    }
    kavach_testkit::report!("jwcrypto verified {count} kavach signatures (5 algorithms x attached/detached/b64:false)");
}

#[test]
fn jwcrypto_signatures_verify_with_kavach() {
    let t = "jwcrypto_signatures_verify_with_kavach";
    let Some(python) = jwcrypto(t) else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut count = 0;
    for p in [TestPki::p256(), TestPki::rsa()] {
        let leaf = p.leaf(Purpose::Signing).unwrap();
        let key = jws_signer(leaf);
        let alg = if key.kind() == KeyKind::P256 { "ES256" } else { "PS256" };
        let x5c: Vec<String> = chain(p, &leaf.certificate)
            .iter()
            .map(|c| format!("\"{}\"", Base64::encode_string(c.der())))
            .collect();
        for case in &CASES {
            let mut jti = [0u8; 16];
            getrandom::fill(&mut jti).unwrap();
            let b64 = if case.name.starts_with("b64:false") {
                r#","b64":false,"crit":["b64"]"#
            } else {
                ""
            };
            let header = format!(
                r#"{{"alg":"{alg}"{b64},"x5c":[{}],"ts":"{}","jti":"{}"}}"#,
                x5c.join(","),
                Timestamp::now().unwrap(),
                Base64UrlUnpadded::encode_string(&jti)
            );
            let text = jwcrypto_sign(&python, dir.path(), &key, &header, case.payload, case.detached);
            let jws = CompactJws::parse(&text).unwrap();
            let v = verifier(p);
            if case.detached {
                let ok = v
                    .verify_detached_at(&jws, case.payload, std::time::SystemTime::now())
                    .unwrap();
                assert_eq!(ok.signer(), &leaf.certificate);
                assert!(matches!(
                    v.verify_detached_at(&jws, b"other", std::time::SystemTime::now()),
                    Err(Error::BadSignature)
                ));
            } else {
                let ok = v.verify_attached_at(&jws, std::time::SystemTime::now()).unwrap();
                assert_eq!(ok.payload(), case.payload, "{}", case.name);
                assert!(matches!(
                    v.verify_attached_at(&jws, std::time::SystemTime::now()),
                    Err(Error::Replay)
                ));
            }
            count += 1;
        }
    }
    kavach_testkit::report!("kavach verified {count} jwcrypto signatures (ES256, PS256 x attached/detached/b64:false)");
}

/// `openssl dgst -sha256 -sign KEY [opts] -out SIG INPUT`.
fn openssl_sign(openssl: &Path, dir: &Path, key: &PrivateKey, input: &[u8], opts: &[&str]) -> Vec<u8> {
    let key_file = write(dir, "key.pem", key.to_pkcs8_pem().unwrap().as_bytes());
    let input_file = write(dir, "input.txt", input);
    let sig_file = dir.join("sig.bin");
    let out = Command::new(openssl)
        .args(["dgst", "-sha256", "-sign"])
        .arg(&key_file)
        .args(opts)
        .arg("-out")
        .arg(&sig_file)
        .arg(&input_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(sig_file).unwrap()
}

/// ECDSA `SEQUENCE { r INTEGER, s INTEGER }` to fixed-width `r || s` (IEEE P1363).
fn der_to_p1363(der: &[u8], width: usize) -> Vec<u8> {
    use der::Decode;
    use der::asn1::UintRef;
    #[derive(der::Sequence)]
    struct Sig<'a> {
        r: UintRef<'a>,
        s: UintRef<'a>,
    }
    let sig = Sig::from_der(der).unwrap();
    let mut out = vec![0u8; 2 * width];
    for (i, v) in [sig.r.as_bytes(), sig.s.as_bytes()].into_iter().enumerate() {
        out[(i + 1) * width - v.len()..(i + 1) * width].copy_from_slice(v);
    }
    out
}

#[test]
fn openssl_dgst_detached_signature_verifies() {
    let t = "openssl_dgst_detached_signature_verifies";
    let Some(openssl) = kavach_testkit::program(t, "openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let body = br#"{"id":"mosip.partner.request","request":{"n":42}}"#;
    // (PKI, alg, openssl options, signature post-processing)
    let cases: [(&TestPki, &str, &[&str], Option<usize>); 3] = [
        (TestPki::rsa(), "RS256", &[], None),
        (
            TestPki::rsa(),
            "PS256",
            &["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"],
            None,
        ),
        (TestPki::p256(), "ES256", &[], Some(32)),
    ];
    for (p, alg, opts, ec_width) in cases {
        let leaf = p.leaf(Purpose::Signing).unwrap();
        let x5c: Vec<String> = chain(p, &leaf.certificate)
            .iter()
            .map(|c| format!("\"{}\"", Base64::encode_string(c.der())))
            .collect();
        let mut jti = [0u8; 16];
        getrandom::fill(&mut jti).unwrap();
        let header = format!(
            r#"{{"alg":"{alg}","x5c":[{}],"ts":"{}","jti":"{}"}}"#,
            x5c.join(","),
            Timestamp::now().unwrap(),
            Base64UrlUnpadded::encode_string(&jti)
        );
        let h = Base64UrlUnpadded::encode_string(header.as_bytes());
        let input = format!("{h}.{}", Base64UrlUnpadded::encode_string(body));
        let raw = openssl_sign(&openssl, dir.path(), &leaf.key, input.as_bytes(), opts);
        let sig = match ec_width {
            Some(w) => {
                // openssl writes ECDSA in DER; kavach refuses DER for ES256 (RFC 7518 §3.4).
                let der_jws = CompactJws::parse(&format!("{h}..{}", Base64UrlUnpadded::encode_string(&raw))).unwrap();
                assert!(matches!(
                    verifier(p).verify_detached_at(&der_jws, body, std::time::SystemTime::now()),
                    Err(Error::BadSignature)
                ));
                der_to_p1363(&raw, w)
            }
            None => raw,
        };
        let jws = CompactJws::parse(&format!("{h}..{}", Base64UrlUnpadded::encode_string(&sig))).unwrap();
        let v = verifier(p);
        let ok = v.verify_detached_at(&jws, body, std::time::SystemTime::now()).unwrap();
        assert_eq!(ok.algorithm().name(), alg);
        assert_eq!(ok.signer(), &leaf.certificate);
        let mut changed = body.to_vec();
        changed[10] ^= 1;
        assert!(matches!(
            verifier(p).verify_detached_at(&jws, &changed, std::time::SystemTime::now()),
            Err(Error::BadSignature)
        ));
    }
}

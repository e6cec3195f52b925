//! Unit tests of JWE compact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use kavach_keys::Signer;

use crate::hazmat::{self, GcmIv};
use crate::test_support::{EC_A, Party, RSA_A, RSA_B, l, store};
use crate::{Error, Limits, OpenedKind, jwe};

#[test]
fn jwe_rsa_round_trip_and_header() {
    let r = RSA_A.recipient();
    let jwe = jwe::seal(&r, b"jwe payload").unwrap();
    let text = jwe.to_string();
    assert_eq!(text.split('.').count(), 5);
    let header = kavach_jose::base64::decode_url(text.split('.').next().unwrap()).unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    assert_eq!(header["alg"], "RSA-OAEP-256");
    assert_eq!(header["enc"], "A256GCM");
    assert_eq!(header["kid"], r.thumbprint().to_base64url());
    assert!(header.get("zip").is_none());
    let parsed = jwe::JweCompact::parse(&text, &l()).unwrap();
    let o = jwe::open(&parsed, &store(&[&RSA_B, &RSA_A])).unwrap();
    assert_eq!(o.plaintext().as_bytes(), b"jwe payload");
    assert_eq!(o.kind(), OpenedKind::Jwe(jwe::JweAlgorithm::RsaOaep256));
}

#[test]
fn jwe_ecdh_round_trip() {
    let r = EC_A.recipient();
    let jwe = jwe::seal(&r, b"to a P-256 key").unwrap();
    let parsed = jwe::JweCompact::parse(jwe.as_str(), &l()).unwrap();
    assert_eq!(parsed.algorithm(), jwe::JweAlgorithm::EcdhEsA256Kw);
    let o = jwe::open(&parsed, &store(&[&RSA_A, &EC_A])).unwrap();
    assert_eq!(o.plaintext().as_bytes(), b"to a P-256 key");
}

/// Re-assembles a JWE with a new protected header (everything else as in `jwe`).
fn with_header(jwe: &str, header: &str) -> String {
    let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
    parts[0] = kavach_jose::base64::encode_url(header.as_bytes());
    parts.join(".")
}

#[test]
fn jwe_header_rules() {
    let jwe = jwe::seal(&RSA_A.recipient(), b"x").unwrap().to_string();
    let kid = RSA_A.recipient().thumbprint().to_base64url();
    type Case = (&'static str, fn(&Error) -> bool);
    let cases: &[Case] = &[
        (r#"{"alg":"RSA-OAEP-256","alg":"RSA-OAEP-256","enc":"A256GCM"}"#, |e| {
            matches!(
                e,
                Error::Malformed {
                    field: "protected header",
                    ..
                }
            )
        }),
        (r#"{"alg":"none","enc":"A256GCM"}"#, |e| {
            matches!(e, Error::AlgorithmNotAllowed { member: "alg", .. })
        }),
        (r#"{"alg":"RSA1_5","enc":"A256GCM"}"#, |e| {
            matches!(e, Error::AlgorithmNotAllowed { member: "alg", .. })
        }),
        (r#"{"alg":"RSA-OAEP-256","enc":"A128CBC-HS256"}"#, |e| {
            matches!(e, Error::AlgorithmNotAllowed { member: "enc", .. })
        }),
        (r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"GZ"}"#, |e| {
            matches!(e, Error::AlgorithmNotAllowed { member: "zip", .. })
        }),
        (
            r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","crit":["exp"],"exp":1}"#,
            |e| matches!(e, Error::UnsupportedCritical { .. }),
        ),
        (r#"{"enc":"A256GCM"}"#, |e| {
            matches!(e, Error::Malformed { field: "alg", .. })
        }),
        (r#"{"alg":"ECDH-ES+A256KW","enc":"A256GCM"}"#, |e| {
            matches!(e, Error::Malformed { field: "epk", .. })
        }),
        (r#"["alg"]"#, |e| {
            matches!(
                e,
                Error::Malformed {
                    field: "protected header",
                    ..
                }
            )
        }),
    ];
    for (h, want) in cases {
        let e = jwe::JweCompact::parse(&with_header(&jwe, h), &l()).unwrap_err();
        assert!(want(&e), "{h}: {e:?}");
    }
    // A re-serialised (but equivalent) header changes the AAD: the JWE no longer opens.
    let h = format!(r#"{{"enc":"A256GCM","alg":"RSA-OAEP-256","kid":"{kid}"}}"#);
    let p = jwe::JweCompact::parse(&with_header(&jwe, &h), &l()).unwrap();
    assert!(matches!(jwe::open(&p, &store(&[&RSA_A])), Err(Error::OpenFailed)));
}

#[test]
fn jwe_structure_errors() {
    let jwe = jwe::seal(&RSA_A.recipient(), b"x").unwrap().to_string();
    let parts: Vec<&str> = jwe.split('.').collect();
    let cases = [
        (parts[..4].join("."), "compact serialisation"),
        (format!("{jwe}.x"), "compact serialisation"),
        ([parts[0], parts[1], "AAAA", parts[3], parts[4]].join("."), "iv"),
        ([parts[0], parts[1], parts[2], parts[3], "AAAA"].join("."), "tag"),
        ([parts[0], "", parts[2], parts[3], parts[4]].join("."), "encrypted key"),
        ([parts[0], parts[1], parts[2], "a+b/", parts[4]].join("."), "ciphertext"),
        (format!("=={}", &jwe[2..]), "protected header"),
    ];
    for (text, field) in cases {
        match jwe::JweCompact::parse(&text, &l()) {
            Err(Error::Malformed { field: f, .. }) => assert_eq!(f, field, "{text}"),
            other => panic!("{field}: {other:?}"),
        }
    }
}

/// A JWE with `zip:"DEF"` made by hand (kavach never writes one).
fn zipped_jwe(p: &Party, payload: &[u8], kid: bool) -> String {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(payload).unwrap();
    let compressed = z.finish().unwrap();
    let cek = [3u8; 32];
    let iv = [4u8; 12];
    let ek = Signer::public_key(&*p.key).encrypt_rsa_oaep_sha256(None, &cek).unwrap();
    let header = if kid {
        format!(
            r#"{{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF","kid":"{}"}}"#,
            p.recipient().thumbprint().to_base64url()
        )
    } else {
        r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF"}"#.to_owned()
    };
    let h = kavach_jose::base64::encode_url(header.as_bytes());
    let sealed = hazmat::aes256_gcm_seal(&cek, &GcmIv::Standard(iv), h.as_bytes(), &compressed).unwrap();
    let (ct, tag) = sealed.split_at(sealed.len() - 16);
    [
        h,
        kavach_jose::base64::encode_url(&ek),
        kavach_jose::base64::encode_url(&iv),
        kavach_jose::base64::encode_url(ct),
        kavach_jose::base64::encode_url(tag),
    ]
    .join(".")
}

#[test]
fn jwe_zip_def_is_read_with_a_cap() {
    let payload = vec![b'a'; 100_000];
    let text = zipped_jwe(&RSA_A, &payload, true);
    let p = jwe::JweCompact::parse(&text, &l()).unwrap();
    assert!(p.is_compressed());
    assert_eq!(
        jwe::open(&p, &store(&[&RSA_A])).unwrap().plaintext().as_bytes(),
        &payload[..]
    );
    // The caller's cap applies to the inflated size.
    let p = jwe::JweCompact::parse(&text, &Limits::with_max_plaintext(50_000)).unwrap();
    assert!(matches!(
        jwe::open(&p, &store(&[&RSA_A])),
        Err(Error::TooLarge { max: 50_000, .. })
    ));
    // No kid: tried with each key.
    let text = zipped_jwe(&RSA_A, b"no kid", false);
    let p = jwe::JweCompact::parse(&text, &l()).unwrap();
    let o = jwe::open(&p, &store(&[&EC_A, &RSA_B, &RSA_A])).unwrap();
    assert_eq!(o.plaintext().as_bytes(), b"no kid");
    assert_eq!(o.recipient_thumbprint(), None);
}

#[test]
fn jwe_zip_bomb_stops_at_64_mib() {
    let payload = vec![0u8; (64 << 20) + 1];
    let text = zipped_jwe(&RSA_A, &payload, true);
    let p = jwe::JweCompact::parse(&text, &Limits::with_max_plaintext(usize::MAX / 2)).unwrap();
    assert!(matches!(
        jwe::open(&p, &store(&[&RSA_A])),
        Err(Error::TooLarge { max, .. }) if max == 64 << 20
    ));
}

#[test]
fn jwe_unknown_kid_and_wrong_key() {
    let jwe = jwe::seal(&RSA_A.recipient(), b"x").unwrap();
    assert!(matches!(
        jwe::open(&jwe, &store(&[&RSA_B])),
        Err(Error::UnknownRecipient(_))
    ));
    let text = zipped_jwe(&RSA_A, b"x", false);
    let p = jwe::JweCompact::parse(&text, &l()).unwrap();
    assert!(matches!(jwe::open(&p, &store(&[&RSA_B])), Err(Error::OpenFailed)));
    assert!(matches!(
        jwe::open(&p, &store(&[&EC_A])),
        Err(Error::NoApplicableKey { .. })
    ));
}

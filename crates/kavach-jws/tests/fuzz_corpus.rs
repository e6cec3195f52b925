//! Replays every file of `fuzz/corpus/jws_parse_verify/` through what the fuzz target does:
//! read as header JSON and as a JWK, parse as a compact JWS, then verify attached and detached
//! with fixed bare keys. Nothing may panic; the seeds that are valid signatures must verify.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kavach_jws::danger::{BareKey, verify_detached_with_bare_key, verify_with_bare_key};
use kavach_jws::jwk::Jwk;
use kavach_jws::{CompactJws, Header};

const JWKS: [&str; 3] = [
    r#"{"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}"#,
    r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
    r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
];

/// The fuzz target's body; returns how many verifications succeeded.
fn run(data: &[u8], keys: &[BareKey]) -> usize {
    let _ = Header::from_json(data);
    let Ok(text) = std::str::from_utf8(data) else { return 0 };
    let _ = Jwk::from_json(text);
    let Ok(jws) = CompactJws::parse(text) else { return 0 };
    let mut ok = 0;
    for key in keys {
        ok += usize::from(verify_with_bare_key(&jws, key).is_ok());
        ok += usize::from(verify_detached_with_bare_key(&jws, b"payload", key).is_ok());
    }
    ok
}

#[test]
fn replay_jws_parse_verify_corpus() {
    let keys: Vec<BareKey> = JWKS
        .iter()
        .map(|j| BareKey::from_jwk(&Jwk::from_json(j).unwrap()).unwrap())
        .collect();
    let dir = kavach_testkit::workspace_root().join("fuzz/corpus/jws_parse_verify");
    let mut files = 0;
    let mut verified = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        files += 1;
        if run(&data, &keys) > 0 {
            verified.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    verified.sort();
    assert!(files >= 10, "corpus at {} has {files} files", dir.display());
    // The seeds made by jwcrypto with the fixed keys (and the RFC 7515 A.2/A.3 examples) verify.
    for seed in [
        "a2_rs256",
        "a3_es256",
        "eddsa_attached",
        "es256_b64false_detached",
        "es256_detached",
        "ps256_attached",
        "rs256_b64false_attached",
    ] {
        assert!(
            verified.iter().any(|v| v == seed),
            "{seed} did not verify; verified: {verified:?}"
        );
    }
    for refused in ["a1_hs256", "a5_none", "dup_alg", "x5c_header"] {
        assert!(!verified.iter().any(|v| v == refused), "{refused} verified");
    }
}

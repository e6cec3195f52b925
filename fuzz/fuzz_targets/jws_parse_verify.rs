//! Parses arbitrary text as a JWS compact serialization and verifies it (attached and detached)
//! with fixed bare keys: RFC 7515 A.2 (RSA), A.3 (P-256) and RFC 8037 A.2 (Ed25519). The same
//! bytes are also read as a protected header's JSON and as a JWK.
//! Replayed on stable by crates/kavach-jws/tests/fuzz_corpus.rs.
#![no_main]

use std::sync::LazyLock;

use kavach_jws::danger::{BareKey, verify_detached_with_bare_key, verify_with_bare_key};
use kavach_jws::jwk::Jwk;
use kavach_jws::{CompactJws, Header};
use libfuzzer_sys::fuzz_target;

const JWKS: [&str; 3] = [
    r#"{"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}"#,
    r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
    r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
];

static KEYS: LazyLock<Vec<BareKey>> = LazyLock::new(|| {
    JWKS.iter()
        .map(|j| {
            BareKey::from_jwk(&Jwk::from_json(j).expect("fixed JWK parses")).expect("fixed JWK is a verification key")
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let _ = Header::from_json(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Jwk::from_json(text);
    let Ok(jws) = CompactJws::parse(text) else { return };
    for key in KEYS.iter() {
        let _ = verify_with_bare_key(&jws, key);
        let _ = verify_detached_with_bare_key(&jws, b"payload", key);
    }
});

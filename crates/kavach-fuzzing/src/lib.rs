//! The bodies of kavach's fuzz targets, in one place.
//!
//! Each `fuzz/fuzz_targets/<name>.rs` is one line that calls the function of the same name here
//! (`cargo +nightly fuzz run <name>`), and `tests/replay_corpora.rs` runs every committed seed of
//! `fuzz/corpus/<name>/` through the same function on the stable toolchain, in every `cargo test`.
//! A body panics only when it finds a bug (a panic in the library, or a broken property such as a
//! parsed key that does not re-encode to itself); it returns counts so the replay can check that
//! the seeds still reach the success paths, not only the error paths.
#![forbid(unsafe_code)]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use kavach_envelope::hazmat::{self, GcmIv};
use kavach_envelope::{Envelope, Error as EnvelopeError, Limits, Opened, jwe, mosip, sbi, stream};
use kavach_jws::danger::{BareKey, verify_detached_with_bare_key, verify_with_bare_key};
use kavach_jws::jwk::Jwk;
use kavach_jws::{CompactJws, Header, JwsVerifier, KidRule, MemoryReplayCache, Policy};
use kavach_keys::{KeyHandle, KeyKind, MemoryKeyStore, PrivateKey, PublicKey, Signer, encoding};
use kavach_pki::issue::{CertificateRequest, DistinguishedName, SubjectAltName, Validity, issue_root};
use kavach_pki::{Certificate, Crl, Purpose, TrustDomain, ValidationOptions, Validator};

mod device;
mod reached;
pub use device::{
    DeviceExchanges, MAX_TEMPLATE_EDITS, device_client_handle, device_exchanges, device_server_handle, edit_template,
};
pub use reached::Reached;

/// A fuzz target: its name (`fuzz/fuzz_targets/<name>.rs`, `fuzz/corpus/<name>/`) and body.
pub type Target = (&'static str, fn(&[u8]) -> Reached);

/// Every target whose body lives here.
pub const TARGETS: &[Target] = &[
    ("keys_parse", keys_parse),
    ("pki_cert_parse", pki_cert_parse),
    ("pki_path_validate", pki_path_validate),
    ("pki_csr", pki_csr),
    ("pki_issue_names", pki_issue_names),
    ("jws_parse_verify", jws_parse_verify),
    ("envelope_mosip", envelope_mosip),
    ("envelope_legacy", envelope_legacy),
    ("envelope_jwe", envelope_jwe),
    ("envelope_stream", envelope_stream),
    ("envelope_sbi", envelope_sbi),
    ("envelope_primitives", envelope_primitives),
    ("device_message_parse", device_message_parse),
    ("device_platform_api", device_platform_api),
    ("device_server_handle", device_server_handle),
    ("device_client_handle", device_client_handle),
    ("transport_client_hello", transport_client_hello),
];

/// Key parsing: DER private keys (PKCS#8 / PKCS#1 / SEC1), `SubjectPublicKeyInfo`, and PEM.
/// Whatever parses must re-encode to something that parses to the same key.
pub fn keys_parse(data: &[u8]) -> Reached {
    let mut reached = Reached::default();
    if let Ok(key) = PrivateKey::from_der(data) {
        let der = key
            .to_pkcs8_der()
            .unwrap_or_else(|e| panic!("a parsed key must encode: {e}"));
        let again = PrivateKey::from_pkcs8_der(&der).unwrap_or_else(|e| panic!("our PKCS#8 must parse: {e}"));
        assert!(
            Signer::public_key(&again) == Signer::public_key(&key),
            "PKCS#8 round trip changed the key"
        );
        reached.parsed += 1;
    }
    if let Ok(public) = PublicKey::from_spki_der(data) {
        let again = PublicKey::from_spki_der(public.spki_der()).unwrap_or_else(|e| panic!("our SPKI must parse: {e}"));
        assert!(again == public, "SPKI round trip changed the key");
        reached.parsed += 1;
    }
    reached.parsed += raw_public_key_components(data);
    // What `PrivateKey::load` and the CLI's `--key` read: PEM or DER, detected.
    reached.parsed += usize::from(PrivateKey::from_pem_or_der(data).is_ok());
    if let Ok(text) = core::str::from_utf8(data) {
        reached.parsed += usize::from(PrivateKey::from_pem(text).is_ok());
        reached.parsed += usize::from(PublicKey::from_pem(text).is_ok());
        if let Ok(blocks) = encoding::pem_blocks(text) {
            assert!(!blocks.is_empty() && blocks.len() <= encoding::MAX_PEM_BLOCKS);
        }
    }
    reached
}

/// The raw-component constructors of [`PublicKey`] (JWK members, ECDH-ES points, PKCS#11
/// attributes) on `data`: as a SEC1 point on each curve, as `len(e) || e || n` for RSA, and as
/// 32 Ed25519 bytes. Whatever one accepts must come back the same from its own SPKI and from
/// its own components. Returns how many accepted.
fn raw_public_key_components(data: &[u8]) -> usize {
    let same_from_spki = |key: &PublicKey| {
        let again = PublicKey::from_spki_der(key.spki_der()).unwrap_or_else(|e| panic!("our SPKI must parse: {e}"));
        assert!(&again == key, "raw components -> SPKI round trip changed the key");
    };
    let mut accepted = 0;
    for kind in [KeyKind::P256, KeyKind::P384] {
        if let Ok(key) = PublicKey::from_ec_point(kind, data) {
            same_from_spki(&key);
            let point = key
                .ec_point_uncompressed()
                .unwrap_or_else(|| panic!("{kind} key without a point"));
            let again = PublicKey::from_ec_point(kind, &point).unwrap_or_else(|e| panic!("our point must parse: {e}"));
            assert!(
                again.ec_point_uncompressed() == Some(point),
                "EC point round trip changed the key"
            );
            accepted += 1;
        }
    }
    if let Some((&e_len, rest)) = data.split_first() {
        let (e, n) = rest.split_at(usize::from(e_len).min(rest.len()));
        if let Ok(key) = PublicKey::from_rsa_components(n, e) {
            same_from_spki(&key);
            let (n2, e2) = key
                .rsa_components()
                .unwrap_or_else(|| panic!("RSA key without components"));
            let again = PublicKey::from_rsa_components(&n2, &e2).unwrap_or_else(|e| panic!("our n, e must parse: {e}"));
            assert!(again == key, "RSA components round trip changed the key");
            accepted += 1;
        }
    }
    if let Ok(bytes) = <&[u8; 32]>::try_from(data)
        && let Ok(key) = PublicKey::from_ed25519_bytes(bytes)
    {
        same_from_spki(&key);
        assert!(
            key.ed25519_bytes().as_ref() == Some(bytes),
            "Ed25519 round trip changed the key"
        );
        accepted += 1;
    }
    accepted
}

/// Certificate and CRL parsing: bundles (PEM, DER, PKCS#7 with BER lengths), single DER
/// certificates and CRLs, and every accessor of what parses.
pub fn pki_cert_parse(data: &[u8]) -> Reached {
    let mut reached = Reached::default();
    if let Ok(certs) = Certificate::parse_bundle(data) {
        for c in &certs {
            let _ = (c.subject(), c.issuer(), c.serial_hex(), c.not_before(), c.not_after());
            let _ = (c.key_usage(), c.extended_key_usage(), c.subject_alt_names(), c.is_ca());
            let _ = (c.public_key().is_ok(), c.sha256_thumbprint(), c.sha1_thumbprint_hex());
            let _ = kavach_pki::internal::signature_algorithm(c.inner().signature_algorithm());
        }
        reached.parsed += certs.len();
    }
    let _ = Certificate::from_der(data);
    if let Ok(crls) = Crl::parse_bundle(data) {
        for crl in &crls {
            let _ = (crl.issuer(), crl.this_update(), crl.next_update(), crl.revoked_count());
        }
        reached.parsed += crls.len();
    }
    reached
}

/// Most certificates one `pki_path_validate` input is split into.
pub const MAX_FUZZ_CHAIN: usize = 8;

/// Path validation over a fuzzed chain. The input is `purpose byte || (len_hi len_lo DER)*`:
/// at most [`MAX_FUZZ_CHAIN`] length-prefixed DER certificates; the first that parses is the trust
/// anchor, the last the end entity, the ones between untrusted intermediates. The validation
/// time is the end entity's notBefore plus one second, so that validity does not stop every
/// path. The warm answer (caches filled) must equal the cold one.
pub fn pki_path_validate(data: &[u8]) -> Reached {
    let mut reached = Reached::default();
    let Some((&selector, mut rest)) = data.split_first() else {
        return reached;
    };
    let mut certs = Vec::new();
    while rest.len() >= 2 && certs.len() < MAX_FUZZ_CHAIN {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let end = (2 + len).min(rest.len());
        if let Ok(c) = Certificate::from_der(&rest[2..end]) {
            certs.push(c);
        }
        rest = &rest[end..];
    }
    reached.parsed = certs.len();
    let (Some(anchor), Some(ee)) = (certs.first(), certs.last()) else {
        return reached;
    };
    let Ok(domain) = TrustDomain::new("FUZZ", vec![anchor.clone()]) else {
        return reached;
    };
    let purpose = Purpose::ALL[usize::from(selector) % Purpose::ALL.len()];
    let options = ValidationOptions::new(purpose, ee.not_before() + Duration::from_secs(1));
    let validator = Validator::new();
    // One certificate may be both the anchor and the end entity.
    let intermediates = certs.get(1..certs.len() - 1).unwrap_or(&[]);
    let cold = validator.verify(&domain, ee, intermediates, &options).is_ok();
    let warm = validator.verify(&domain, ee, intermediates, &options).is_ok();
    assert_eq!(cold, warm, "a warm cache changed the verdict");
    reached.verified = usize::from(cold);
    reached
}

/// PKCS#10 requests: parsing (PEM or DER) and the proof-of-possession check a CA makes.
pub fn pki_csr(data: &[u8]) -> Reached {
    let mut reached = Reached::default();
    if let Ok(request) = CertificateRequest::parse(data) {
        let _ = request.subject();
        reached.parsed = 1;
        // The enrollment binding (WIRE.md §6.3 rule 11): a typed answer, never a panic.
        reached.parsed += usize::from(request.challenge_password().is_ok_and(|c| c.is_some()));
        reached.verified = usize::from(request.verify_proof_of_possession().is_ok());
    }
    reached
}

/// Issuance inputs from text: RFC 4514 distinguished names and subjectAltName entries.
pub fn pki_issue_names(data: &[u8]) -> Reached {
    let mut reached = Reached::default();
    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(name) = DistinguishedName::parse(text) {
            let again = DistinguishedName::parse(&name.to_string());
            assert!(again.is_ok(), "a parsed name must print as a name that parses: {name}");
            reached.parsed += 1;
        }
        reached.parsed += usize::from(SubjectAltName::parse(text).is_ok());
    }
    reached
}

/// The fixed keys of [`jws_parse_verify`]: RFC 7515 A.2 (RSA), A.3 (P-256), RFC 8037 A.2 (Ed25519).
const JWS_KEYS: [&str; 3] = [
    r#"{"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}"#,
    r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
    r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
];

static BARE_KEYS: LazyLock<Vec<BareKey>> = LazyLock::new(|| {
    JWS_KEYS
        .iter()
        .filter_map(|j| Jwk::from_json(j).ok().and_then(|jwk| BareKey::from_jwk(&jwk).ok()))
        .collect()
});

/// The certificate path's verifiers of [`jws_parse_verify`]: a fixed trust domain (a P-256 root
/// made once per process) with the default validator and replay caches, one under
/// [`Policy::Strict`] and one under [`Policy::CompatMosip`] with [`KidRule::Unchecked`] (as the
/// CLI's `--policy compat-mosip`): only the latter reaches the signature of a JWS without `ts`
/// and `jti`, and reads MOSIP `jwsSign`'s attached `b64:false` form.
static JWS_VERIFIERS: LazyLock<Option<[JwsVerifier; 2]>> = LazyLock::new(|| {
    let key = PrivateKey::generate(kavach_keys::KeyKind::P256).ok()?;
    let subject = DistinguishedName::parse("CN=kavach fuzz JWS root").ok()?;
    let root = issue_root(&key, &subject, Validity::days_from_now(3650).ok()?, None).ok()?;
    let domain = TrustDomain::new("FUZZ", vec![root]).ok()?;
    let strict = JwsVerifier::new(Arc::new(Validator::new()), domain);
    let mosip = strict
        .clone()
        .with_policy(Policy::CompatMosip)
        .with_kid_rule(KidRule::Unchecked)
        .with_replay_cache(Arc::new(MemoryReplayCache::default()));
    Some([strict, mosip])
});

/// Parses arbitrary text as a JWS compact serialization and verifies it (attached, and detached
/// over `payload`) with fixed bare keys, and through two [`JwsVerifier`]s, `strict` and
/// `compat-mosip` (certificate path: freshness, `x5c` parsing, the signature by `x5c[0]` — under
/// `compat-mosip` also in MOSIP `jwsSign`'s base64url-under-`b64:false` reading — path building)
/// as of the JWS's own `ts` so that freshness lets it through; the same bytes are also read as a
/// protected header's JSON and as a JWK.
pub fn jws_parse_verify(data: &[u8]) -> Reached {
    assert_eq!(BARE_KEYS.len(), JWS_KEYS.len(), "the fixed JWKs must load");
    let mut reached = Reached::default();
    let _ = Header::from_json(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return reached;
    };
    let _ = Jwk::from_json(text);
    let Ok(jws) = CompactJws::parse(text) else {
        return reached;
    };
    reached.parsed = 1;
    for key in BARE_KEYS.iter() {
        reached.verified += usize::from(verify_with_bare_key(&jws, key).is_ok());
        reached.verified += usize::from(verify_detached_with_bare_key(&jws, b"payload", key).is_ok());
    }
    for verifier in JWS_VERIFIERS.iter().flatten() {
        let now = jws
            .header()
            .ts()
            .map_or(std::time::SystemTime::UNIX_EPOCH, |ts| ts.to_system_time());
        let verified = if jws.is_detached() {
            verifier.verify_detached_at(&jws, b"payload", now).is_ok()
        } else {
            verifier.verify_attached_at(&jws, now).is_ok()
        };
        reached.verified += usize::from(verified);
    }
    reached
}

/// The fixed RSA-2048 key of the envelope targets (test-only; committed beside kavach-envelope's
/// tests). The seed writer (`examples/envelope_seeds.rs`, `cargo xtask corpus`) seals to it.
pub const ENVELOPE_RSA_PEM: &str = include_str!("../../kavach-envelope/tests/data/fuzz-rsa2048.pem");
/// The fixed P-256 key of the envelope targets.
pub const ENVELOPE_P256_PEM: &str = include_str!("../../kavach-envelope/tests/data/fuzz-p256.pem");
/// The bytes standing for the RSA key's certificate (only its SHA-256 thumbprint matters).
pub const ENVELOPE_RSA_CERT: &[u8] = b"kavach-envelope fuzz recipient (RSA)";
/// The bytes standing for the P-256 key's certificate.
pub const ENVELOPE_P256_CERT: &[u8] = b"kavach-envelope fuzz recipient (P-256)";

fn fixed_key(pem: &str) -> Option<KeyHandle> {
    PrivateKey::from_pem(pem).ok().map(|k| Arc::new(k) as KeyHandle)
}

/// RSA-2048 and P-256 keys, each found by its certificate thumbprint.
static ENVELOPE_KEYS: LazyLock<MemoryKeyStore> = LazyLock::new(|| {
    let mut store = MemoryKeyStore::new();
    for (id, pem, cert) in [
        ("rsa", ENVELOPE_RSA_PEM, ENVELOPE_RSA_CERT),
        ("ec", ENVELOPE_P256_PEM, ENVELOPE_P256_CERT),
    ] {
        if let Some(key) = fixed_key(pem) {
            let _ = store.insert(id, key, Some(cert));
        }
    }
    store
});

/// The RSA key twice: once with its certificate thumbprint, once without (so
/// `legacy-no-thumbprint` tries several keys).
static LEGACY_KEYS: LazyLock<MemoryKeyStore> = LazyLock::new(|| {
    let mut store = MemoryKeyStore::new();
    for (id, cert) in [("with-cert", Some(ENVELOPE_RSA_CERT)), ("no-cert", None)] {
        if let Some(key) = fixed_key(ENVELOPE_RSA_PEM) {
            let _ = store.insert(id, key, cert);
        }
    }
    store
});

fn assert_not_internal(e: &EnvelopeError) {
    assert!(
        !matches!(e, EnvelopeError::Io(_) | EnvelopeError::Rng | EnvelopeError::Key(_)),
        "internal error on untrusted input: {e:?}"
    );
}

fn assert_keys_loaded() {
    assert_eq!(ENVELOPE_KEYS.len(), 2, "the fixed envelope keys must load");
    assert_eq!(LEGACY_KEYS.len(), 2, "the fixed envelope keys must load");
}

fn opened(result: Result<Opened, EnvelopeError>) -> Option<Opened> {
    result.map_err(|e| assert_not_internal(&e)).ok()
}

/// Which layout or format opened, for the replay's checks.
pub fn envelope_opened_kind(data: &[u8]) -> Option<kavach_envelope::OpenedKind> {
    let text = core::str::from_utf8(data).ok()?;
    let Ok(Envelope::Mosip(env)) = Envelope::parse(text, &Limits::DEFAULT) else {
        return None;
    };
    [None, Some(&b"fuzz-aad"[..])]
        .into_iter()
        .find_map(|aad| mosip::open(&env, &*ENVELOPE_KEYS, aad).ok())
        .map(|o| o.kind())
}

/// MOSIP envelope text: base64 decoding, layout detection, fixed-offset parsing and opening
/// (`VER_R2`, `aad`, `legacy`, `legacy-no-thumbprint`) with and without caller AAD. A MOSIP text
/// must parse the same directly as through format detection, and its transport text round-trips.
pub fn envelope_mosip(data: &[u8]) -> Reached {
    assert_keys_loaded();
    let mut reached = Reached::default();
    let Ok(text) = core::str::from_utf8(data) else {
        return reached;
    };
    let Ok(Envelope::Mosip(env)) = Envelope::parse(text, &Limits::DEFAULT) else {
        return reached;
    };
    reached.parsed = 1;
    assert!(mosip::MosipEnvelope::from_text(text, &Limits::DEFAULT).ok().as_ref() == Some(&env));
    assert!(
        mosip::MosipEnvelope::from_text(&env.to_text(), &Limits::DEFAULT)
            .ok()
            .as_ref()
            == Some(&env)
    );
    for aad in [None, Some(&b"fuzz-aad"[..])] {
        reached.verified += usize::from(opened(mosip::open(&env, &*ENVELOPE_KEYS, aad)).is_some());
    }
    reached
}

/// MOSIP envelopes as decoded bytes, aimed at the legacy layouts: the first byte picks whether
/// caller AAD is given, the rest is the envelope.
pub fn envelope_legacy(data: &[u8]) -> Reached {
    assert_keys_loaded();
    let mut reached = Reached::default();
    let Some((&flag, bytes)) = data.split_first() else {
        return reached;
    };
    let Ok(env) = mosip::MosipEnvelope::from_bytes(bytes.to_vec(), &Limits::DEFAULT) else {
        return reached;
    };
    reached.parsed = 1;
    let aad = (flag & 1 == 1).then_some(&b"fuzz-aad"[..]);
    reached.verified = usize::from(opened(mosip::open(&env, &*LEGACY_KEYS, aad)).is_some());
    reached
}

/// Largest plaintext the JWE target lets open, so that inflation limits are reached quickly.
const JWE_FUZZ_MAX_PLAINTEXT: usize = 1 << 20;

/// JWE compact: segment splitting, strict base64url, the duplicate-free JSON header, `alg` /
/// `enc` / `zip` / `crit` / `epk` rules, and opening (RSA-OAEP-256 and ECDH-ES+A256KW, with
/// `zip:"DEF"` inflation capped).
pub fn envelope_jwe(data: &[u8]) -> Reached {
    assert_keys_loaded();
    let mut reached = Reached::default();
    let Ok(text) = core::str::from_utf8(data) else {
        return reached;
    };
    let limits = Limits::with_max_plaintext(JWE_FUZZ_MAX_PLAINTEXT);
    let Ok(Envelope::Jwe(parsed)) = Envelope::parse(text, &limits) else {
        return reached;
    };
    reached.parsed = 1;
    assert!(jwe::JweCompact::parse(parsed.as_str(), &limits).is_ok());
    if let Some(o) = opened(jwe::open(&parsed, &*ENVELOPE_KEYS)) {
        assert!(o.plaintext().len() <= JWE_FUZZ_MAX_PLAINTEXT);
        reached.verified = 1;
    }
    reached
}

/// kavach streams: header parsing, key recovery (RSA-OAEP and ECDH-ES+A256KW), chunk framing with
/// look-ahead, and per-chunk authentication. `verified` counts the plaintext bytes recovered.
pub fn envelope_stream(data: &[u8]) -> Reached {
    assert_keys_loaded();
    let mut out = Vec::new();
    match stream::open_stream(&*ENVELOPE_KEYS, data, &mut out) {
        Ok(n) => {
            assert_eq!(usize::try_from(n).ok(), Some(out.len()));
            assert!(out.len() < data.len());
            Reached {
                parsed: 1,
                verified: 1 + out.len(),
            }
        }
        Err(e) => {
            assert_not_internal(&e);
            Reached::default()
        }
    }
}

/// SBI biometric records: the five lines `thumbprint`, `sessionKey`, `bioValue`, `timestamp`,
/// `transactionId` are parsed and opened with the RSA key; an optional sixth line, the record's
/// `hash`, is checked against a fresh hash chain (`verified` counts 1 for the opening and 1 for
/// a hash that verifies).
pub fn envelope_sbi(data: &[u8]) -> Reached {
    assert_keys_loaded();
    let mut reached = Reached::default();
    let Ok(text) = core::str::from_utf8(data) else {
        return reached;
    };
    let mut lines = text.split('\n');
    let (Some(t), Some(k), Some(v), Some(ts), Some(tx)) =
        (lines.next(), lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return reached;
    };
    let (Ok(thumbprint), Ok(session_key), Ok(bio_value)) = (
        sbi::SbiThumbprint::parse(t),
        sbi::EncryptedSessionKey::from_text(k),
        sbi::BioValue::from_text(v),
    ) else {
        return reached;
    };
    reached.parsed = 1;
    let sealed = sbi::SealedBio {
        bio_value,
        session_key,
        thumbprint,
    };
    if let Ok(plain) = sbi::open(&sealed, &*ENVELOPE_KEYS, ts, tx) {
        assert_eq!(plain.as_bytes().len() + 16, sealed.bio_value.as_bytes().len());
        reached.verified += 1;
        if let Some(Ok(hash)) = lines.next().map(sbi::ChainHash::parse) {
            let mut chain = sbi::HashChain::new();
            reached.verified += usize::from(chain.verify_next(plain.as_bytes(), &hash).is_ok());
        }
    }
    reached
}

/// The `hazmat` primitives on attacker-chosen inputs: AES-256-GCM open with 12- and 16-byte IVs
/// and AES-256 key unwrap. Layout: key (32) || IV length selector (1) || IV || rest. Whatever
/// opens must seal (wrap) back to the same bytes.
pub fn envelope_primitives(data: &[u8]) -> Reached {
    let mut reached = Reached::default();
    let (Some(key), Some(&selector)) = (data.get(..32), data.get(32)) else {
        return reached;
    };
    let Ok(key) = <[u8; 32]>::try_from(key) else {
        return reached;
    };
    let iv_len = if selector & 1 == 0 { 12 } else { 16 };
    let rest = &data[33..];
    let (Some(iv), Some(body)) = (rest.get(..iv_len), rest.get(iv_len..)) else {
        return reached;
    };
    let Ok(iv) = GcmIv::from_slice(iv) else { return reached };
    if let Ok(plain) = hazmat::aes256_gcm_open(&key, &iv, b"", body) {
        assert!(
            hazmat::aes256_gcm_seal(&key, &iv, b"", &plain).ok().as_deref() == Some(body),
            "GCM seal(open(x)) != x"
        );
        reached.verified += 1;
    }
    if let Ok(unwrapped) = hazmat::aes256_key_unwrap(&key, rest) {
        assert!(
            hazmat::aes256_key_wrap(&key, &unwrapped).ok().as_deref() == Some(rest),
            "wrap(unwrap(x)) != x"
        );
        reached.verified += 1;
    }
    reached
}

/// Device-management payloads (WIRE.md §6): the bytes read as a message on every path in both
/// directions, and as a digital ID. Whatever parses must write back to JSON that parses to the
/// same message.
pub fn device_message_parse(data: &[u8]) -> Reached {
    use kavach_device::{DigitalId, Direction, Message, Path};
    let mut reached = Reached::default();
    for path in Path::ALL {
        for direction in [Direction::Request, Direction::Response] {
            if let Ok(message) = Message::from_json(data, path, direction) {
                reached.parsed += 1;
                let again = Message::from_json(&message.to_json(), path, direction);
                assert_eq!(again.as_ref(), Ok(&message), "a parsed message must round-trip");
            }
        }
    }
    if let Ok(id) = DigitalId::from_json(data) {
        reached.parsed += 1;
        assert_eq!(
            DigitalId::from_json(&id.to_json()),
            Ok(id),
            "a digital ID must round-trip"
        );
    }
    reached
}

/// The fixed time of [`device_platform_api`]: 2027-01-15T08:00:00.000Z. Seeds that reach the
/// `timestamp` checks of §5b carry this time.
pub const PLATFORM_API_NOW_UNIX_SECS: u64 = 1_800_000_000;

/// The base URL (`aud`) of the platform in [`device_platform_api`].
pub const PLATFORM_API_BASE: &str = "https://platform.fuzz.test";

/// The `domainUri` served in [`device_platform_api`].
pub const PLATFORM_API_DOMAIN: &str = "https://auth.fuzz.test";

/// The expected name of the platform encryption certificate in [`device_platform_api`].
pub const PLATFORM_API_ENC_NAME: &str = "enc.fuzz.test";

/// Keys and certificates of [`device_platform_api`], made once per process: one root, the
/// management server's signing leaf, the platform's signing leaf and its encryption leaf.
struct PlatformKeys {
    validator: Arc<Validator>,
    domain: TrustDomain,
    ms_key: Arc<PrivateKey>,
    ms_chain: Vec<Certificate>,
    platform_key: Arc<PrivateKey>,
    platform_chain: Vec<Certificate>,
    encryption: Certificate,
}

/// What [`device_platform_api`] rebuilds every [`PLATFORM_REBUILD_EVERY`] calls, so that the
/// replay caches (entries never expire at a fixed time) never fill.
struct PlatformState {
    calls: usize,
    certificates: kavach_device::platform::EncryptionCertificateService,
    register: kavach_device::platform::DeviceRegisterService,
    strict: JwsVerifier,
    mosip: JwsVerifier,
    fixture: PlatformFixture,
}

const PLATFORM_REBUILD_EVERY: usize = 256;

fn platform_now() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + Duration::from_secs(PLATFORM_API_NOW_UNIX_SECS)
}

static PLATFORM_KEYS: LazyLock<Option<PlatformKeys>> = LazyLock::new(|| {
    use kavach_pki::issue::{Issuer, issue_end_entity};
    let now = platform_now();
    let year = Duration::from_secs(365 * 86_400);
    let validity = Validity::new(now - year, now + 10 * year).ok()?;
    let root_key = PrivateKey::generate(KeyKind::P256).ok()?;
    let root = issue_root(
        &root_key,
        &DistinguishedName::parse("CN=kavach fuzz platform root").ok()?,
        validity,
        None,
    )
    .ok()?;
    let issuer = Issuer::new(&root, &root_key).ok()?;
    let leaf = |cn: &str, purpose: Purpose| -> Option<(Certificate, PrivateKey)> {
        let key = PrivateKey::generate(KeyKind::P256).ok()?;
        let dn = DistinguishedName::parse(&format!("CN={cn}")).ok()?;
        let cert = issue_end_entity(&issuer, key.public_key(), &dn, validity, purpose, &[]).ok()?;
        Some((cert, key))
    };
    let (ms, ms_key) = leaf("fuzz management server", Purpose::Signing)?;
    let (platform, platform_key) = leaf("fuzz platform", Purpose::Signing)?;
    let (encryption, _) = leaf(PLATFORM_API_ENC_NAME, Purpose::Encryption)?;
    Some(PlatformKeys {
        validator: Arc::new(Validator::new()),
        domain: TrustDomain::new("FUZZ-PLATFORM", vec![root]).ok()?,
        ms_key: Arc::new(ms_key),
        ms_chain: vec![ms],
        platform_key: Arc::new(platform_key),
        platform_chain: vec![platform],
        encryption,
    })
});

fn platform_state(keys: &PlatformKeys) -> Option<PlatformState> {
    use kavach_device::grammar::{Env, HttpsUri};
    use kavach_device::platform::{DeviceRegisterService, EncryptionCertificateService};
    let verifier = || JwsVerifier::new(Arc::clone(&keys.validator), keys.domain.clone());
    let domain = HttpsUri::parse("domainUri", PLATFORM_API_DOMAIN).ok()?;
    let certificates = EncryptionCertificateService::new(
        verifier(),
        Arc::clone(&keys.platform_key) as Arc<dyn Signer>,
        keys.platform_chain.clone(),
    )
    .with_certificates(Env::Staging, domain, vec![keys.encryption.clone()])
    .ok()?;
    let register = DeviceRegisterService::new(
        verifier(),
        Arc::clone(&keys.platform_key) as Arc<dyn Signer>,
        keys.platform_chain.clone(),
        Env::Staging,
        HttpsUri::parse("base", PLATFORM_API_BASE).ok()?,
    );
    Some(PlatformState {
        calls: 0,
        certificates,
        register,
        strict: verifier(),
        mosip: verifier()
            .with_policy(Policy::CompatMosip)
            .with_kid_rule(KidRule::Unchecked),
        fixture: platform_fixture(keys, platform_now())?,
    })
}

static PLATFORM_STATE: LazyLock<std::sync::Mutex<Option<PlatformState>>> =
    LazyLock::new(|| std::sync::Mutex::new(PLATFORM_KEYS.as_ref().and_then(platform_state)));

/// A request wrapper around `jws` (WIRE.md §5, §5b).
fn platform_request(id: &str, member: &str, jws: &CompactJws) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","version":"v1","requesttime":"2027-01-15T08:00:00.000Z","request":{{"{member}":"{}"}}}}"#,
        jws.as_str()
    )
    .into_bytes()
}

/// A response wrapper around `jws`.
fn platform_response(id: &str, jws: &CompactJws) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","version":"v1","responsetime":"2027-01-15T08:00:00.000Z","response":"{}"}}"#,
        jws.as_str()
    )
    .into_bytes()
}

/// What the management server and the device hold in [`device_platform_api`]: one pending
/// request per API (signed afresh per call) and the device's platform anchors.
struct PlatformFixture {
    domain: kavach_device::grammar::HttpsUri,
    pending_cert: kavach_device::platform::PendingCertificateRequest,
    pending_reg: kavach_device::platform::PendingDeviceRegister,
    pending_dereg: kavach_device::platform::PendingDeviceDeregister,
    anchors: kavach_device::platform::PlatformAnchors,
}

fn platform_fixture(keys: &PlatformKeys, now: std::time::SystemTime) -> Option<PlatformFixture> {
    use kavach_device::grammar::{Certification, CompactJwsText, DevicePurpose, Env, HttpsUri, Label, Uuid};
    use kavach_device::platform::{
        DeviceDeregisterRequest, DeviceRegisterRequest, DeviceRegistration, EncryptionCertificateRequest,
        PlatformAnchors, PlatformEntry,
    };
    let domain = HttpsUri::parse("domainUri", PLATFORM_API_DOMAIN).ok()?;
    let base = HttpsUri::parse("base", PLATFORM_API_BASE).ok()?;
    let signer = keys.ms_key.as_ref();
    let (_, pending_cert) = EncryptionCertificateRequest::new(Env::Staging, domain.clone())
        .sign(signer, keys.ms_chain.clone(), now)
        .ok()?;
    let device = DeviceRegistration {
        device_id: Label::parse("deviceId", "FUZZ-1").ok()?,
        purpose: DevicePurpose::Auth,
        device_sub_id: vec![1],
        certification: Certification::L0,
        digital_id: CompactJwsText::parse("digitalId", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", 64).ok()?,
        firmware: Label::parse("firmware", "1.0").ok()?,
        device_expiry: kavach_jws::Timestamp::from_system_time(now).ok()?,
        foundational_trust_provider_id: None,
    };
    let (_, pending_reg) = DeviceRegisterRequest {
        base: base.clone(),
        env: Env::Staging,
        device,
    }
    .sign(signer, keys.ms_chain.clone(), now)
    .ok()?;
    let (_, pending_dereg) = DeviceDeregisterRequest {
        base,
        device_code: Uuid::from_random_bytes([0x5a; 16]),
        env: Env::Staging,
    }
    .sign(signer, keys.ms_chain.clone(), now)
    .ok()?;
    let anchors = PlatformAnchors::new(vec![PlatformEntry {
        env: Env::Staging,
        domain_uri: domain.clone(),
        signing: keys.domain.clone(),
        encryption: keys.domain.clone(),
        expected_name: PLATFORM_API_ENC_NAME.to_owned(),
    }])
    .ok()?;
    Some(PlatformFixture {
        domain,
        pending_cert,
        pending_reg,
        pending_dereg,
        anchors,
    })
}

/// The platform APIs of kavach-device (WIRE.md §5, §5b, rule 26). The bytes are read
///
/// - as HTTP bodies by every parser: the platform's three endpoints (§5 certificates, §5b
///   register and deregister) and the management server's three answer checks, and as the
///   certificate list of a §5 answer;
/// - as the relayed response JWS a device checks against its platform anchors (rule 26);
/// - as a *signed payload*: signed here by the management server's key (with `aud`) and fed to
///   the three endpoints, and by the platform's key (with `env`, `domainUri`, `req`) and fed to
///   the three answer checks and to the device — so the payload readers behind the signature
///   are fuzzed too. Only bytes that name a member of a payload (`domainUri`, `deviceInfo`,
///   `deviceCode`, `status`, `certificate`) are signed for the APIs that read it: signatures
///   cost far more than the parsers.
///
/// Time is fixed ([`PLATFORM_API_NOW_UNIX_SECS`]); the services and verifiers are rebuilt every
/// few hundred calls so their replay caches never fill. `parsed` counts results that got past
/// the parsers (success, or a refusal other than malformed input); `verified` counts successes.
pub fn device_platform_api(data: &[u8]) -> Reached {
    use kavach_device::PlatformCertificate;
    use kavach_device::grammar::{CompactJwsText, Env};
    use kavach_device::platform::{
        DEVICE_DEREGISTER_API_ID, DEVICE_REGISTER_API_ID, ENCRYPTION_CERTIFICATE_API_ID, PlatformApiError,
        parse_certificate_list,
    };
    use kavach_jws::{Freshness, SignOptions, sign};

    let Some(keys) = PLATFORM_KEYS.as_ref() else {
        panic!("the platform fuzz keys must build");
    };
    let now = platform_now();
    let mut guard = PLATFORM_STATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if guard.as_ref().is_none_or(|s| s.calls >= PLATFORM_REBUILD_EVERY) {
        *guard = platform_state(keys);
    }
    let Some(state) = guard.as_mut() else {
        panic!("the platform fuzz state must build");
    };
    state.calls += 1;
    let PlatformFixture {
        domain,
        pending_cert,
        pending_reg,
        pending_dereg,
        anchors,
    } = &state.fixture;
    let ms_chain = keys.ms_chain.clone();
    let mut reached = Reached::default();
    let mut tally = |ok: bool, err: Option<&PlatformApiError>| {
        if ok {
            reached.parsed += 1;
            reached.verified += 1;
        } else if err.is_some_and(|e| !e.is_malformed_input()) {
            reached.parsed += 1;
        }
    };
    macro_rules! count {
        ($e:expr) => {{
            let r = $e;
            tally(r.is_ok(), r.as_ref().err());
        }};
    }

    // 1. The bytes as bodies, on both ends.
    count!(state.certificates.handle(data, now));
    count!(state.register.handle_register(data, now));
    count!(state.register.handle_deregister(data, now));
    count!(pending_cert.accept_response(data, &state.strict, now));
    count!(pending_cert.accept_response(data, &state.mosip, now));
    count!(pending_reg.accept_response(data, &state.strict, now));
    count!(pending_dereg.accept_response(data, &state.strict, now));
    count!(parse_certificate_list(data));

    // 2. The bytes as signed payloads.
    let signed = |key: &PrivateKey, chain: &[Certificate], members: &[(&str, &str)]| {
        let mut options = SignOptions::new()
            .with_certificate_chain(chain.to_vec())
            .with_freshness(Freshness::TimestampAndJtiAt(now));
        for (name, value) in members {
            options = options.with_header_member(*name, *value);
        }
        sign(key, data, &options).ok()
    };
    // Each signed once per use (a jti verified twice by one verifier is a replay), and only
    // for bytes that name a member of that payload: signing and verifying cost far more than
    // the parsers, and a payload without its members ends at the first `required`.
    let has = |needle: &[u8]| data.windows(needle.len()).any(|w| w == needle);
    let (request_5, register, device_code, status, certificate) = (
        has(b"domainUri"),
        has(b"deviceInfo"),
        has(b"deviceCode"),
        has(b"status"),
        has(b"certificate"),
    );
    let aud = [("aud", PLATFORM_API_BASE)];
    if request_5 && let Some(jws) = signed(&keys.ms_key, &ms_chain, &aud) {
        count!(
            state
                .certificates
                .handle(&platform_request(ENCRYPTION_CERTIFICATE_API_ID, "data", &jws), now)
        );
    }
    if register && let Some(jws) = signed(&keys.ms_key, &ms_chain, &aud) {
        count!(
            state
                .register
                .handle_register(&platform_request(DEVICE_REGISTER_API_ID, "deviceData", &jws), now)
        );
    }
    if device_code
        && !status
        && let Some(jws) = signed(&keys.ms_key, &ms_chain, &aud)
    {
        count!(
            state
                .register
                .handle_deregister(&platform_request(DEVICE_DEREGISTER_API_ID, "device", &jws), now)
        );
    }
    let members = [
        ("env", "Staging"),
        ("domainUri", PLATFORM_API_DOMAIN),
        ("req", pending_cert.jti()),
    ];
    if status && let Some(jws) = signed(&keys.platform_key, &keys.platform_chain, &[]) {
        let body = platform_response(DEVICE_REGISTER_API_ID, &jws);
        count!(pending_reg.accept_response(&body, &state.strict, now));
    }
    if status && let Some(jws) = signed(&keys.platform_key, &keys.platform_chain, &[]) {
        let body = platform_response(DEVICE_DEREGISTER_API_ID, &jws);
        count!(pending_dereg.accept_response(&body, &state.strict, now));
    }
    if certificate && let Some(jws) = signed(&keys.platform_key, &keys.platform_chain, &members) {
        let body = platform_response(ENCRYPTION_CERTIFICATE_API_ID, &jws);
        count!(pending_cert.accept_response(&body, &state.strict, now));
        if let Ok(response) =
            CompactJwsText::parse("response", jws.as_str(), kavach_device::command::MAX_PLATFORM_JWS_LEN)
        {
            let relayed = PlatformCertificate {
                env: Env::Staging,
                domain_uri: domain.clone(),
                response,
            };
            count!(anchors.verify(&keys.validator, &relayed, now, Some(now)));
        }
    }

    // 3. The bytes as the relayed response JWS itself.
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(response) = CompactJwsText::parse("response", text, kavach_device::command::MAX_PLATFORM_JWS_LEN)
    {
        let relayed = PlatformCertificate {
            env: Env::Staging,
            domain_uri: domain.clone(),
            response,
        };
        count!(anchors.verify(&keys.validator, &relayed, now, None));
    }
    reached
}

/// The TLS ClientHello screen (kavach-transport): whatever the first bytes of a connection, a
/// verdict, never a panic; a prefix of a record never refuses what the whole record lets
/// through (the screen waits for more rather than decide early).
pub fn transport_client_hello(data: &[u8]) -> Reached {
    use kavach_transport::tls::{HelloVerdict, screen_client_hello};
    let mut reached = Reached::default();
    let verdict = screen_client_hello(data);
    if verdict != HelloVerdict::NeedMore {
        reached.parsed = 1;
    }
    if verdict == HelloVerdict::RefuseProtocolVersion {
        reached.verified = 1;
    }
    if verdict == HelloVerdict::Proceed {
        for end in (0..data.len()).step_by(data.len() / 16 + 1) {
            assert_ne!(
                screen_client_hello(&data[..end]),
                HelloVerdict::RefuseProtocolVersion,
                "a prefix refused what the whole record lets through"
            );
        }
    }
    reached
}

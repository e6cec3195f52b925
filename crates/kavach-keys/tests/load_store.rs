//! Loading keys that the OpenSSL CLI wrote (PKCS#8, PKCS#1, SEC1; PEM and DER), storing them
//! as PKCS#8 PEM with mode 0600, generation of every key kind, signing with every algorithm,
//! ECDH, RSA-OAEP and the in-memory key store.
//!
//! Tests that drive `openssl` go through `kavach_testkit::program`: skipped loudly under a
//! plain `cargo test` when it is missing, failing under `KAVACH_REQUIRE_EXTERNAL=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, LazyLock};

use kavach_keys::{
    Decrypter, EcdsaEncoding, Error, HashAlgorithm, KeyHandle, KeyKind, KeyStore, MemoryKeyStore, PrivateKey,
    PssSaltLength, PublicKey, Sha256Thumbprint, SignatureAlgorithm, Signer, ecdh_p256_ephemeral, encoding,
};

// ---------------------------------------------------------------------------------------------
// Shared fixtures: RSA key generation is slow, so each size is generated once per test binary.

static RSA_2048: LazyLock<PrivateKey> =
    LazyLock::new(|| PrivateKey::generate(KeyKind::Rsa { bits: 2048 }).expect("RSA-2048 generation"));
static P256: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P256).unwrap());
static P384: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P384).unwrap());
static ED25519: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::Ed25519).unwrap());

/// A fresh handle on a shared key (PKCS#8 round trip), so it can be given another algorithm.
fn copy_of(key: &PrivateKey) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap()).unwrap()
}

fn pub_of(key: &PrivateKey) -> &PublicKey {
    Signer::public_key(key)
}

const MSG: &[u8] = b"kavach: the message that gets signed";

// ---------------------------------------------------------------------------------------------
// OpenSSL CLI driver.

struct Openssl {
    bin: PathBuf,
    dir: tempfile::TempDir,
}

impl Openssl {
    fn new(test: &str) -> Option<Self> {
        let bin = kavach_testkit::program(test, "openssl")?;
        Some(Self {
            bin,
            dir: tempfile::tempdir().unwrap(),
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs openssl in the scratch folder; panics (with its stderr) when it fails.
    fn run(&self, args: &[&str]) -> Vec<u8> {
        let out = self.try_run(args);
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn try_run(&self, args: &[&str]) -> std::process::Output {
        Command::new(&self.bin)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// OpenSSL's view of the public key of a private key file, as a `PublicKey`.
    fn public_of(&self, key_file: &str) -> PublicKey {
        let der = self.run(&["pkey", "-in", key_file, "-pubout", "-outform", "DER"]);
        PublicKey::from_spki_der(&der).unwrap()
    }

    fn write_public_pem(&self, name: &str, key: &PublicKey) -> PathBuf {
        self.write(name, encoding::pem_encode("PUBLIC KEY", key.spki_der()).as_bytes())
    }
}

/// Signs and verifies with the key's default algorithm; a different message is rejected.
fn assert_round_trip(key: &PrivateKey) {
    let sig = key.sign(MSG).unwrap();
    pub_of(key).verify(key.algorithm(), MSG, &sig).unwrap();
    assert!(matches!(
        pub_of(key).verify(key.algorithm(), b"another message", &sig),
        Err(Error::BadSignature)
    ));
}

/// Loads `file` in every way that fits it and checks kind, public key and a sign/verify round
/// trip. `parse_der` is the format-specific DER parser for DER files.
fn check_loaded(
    o: &Openssl,
    file: &str,
    kind: KeyKind,
    expected: &PublicKey,
    parse_der: fn(&[u8]) -> Result<PrivateKey, Error>,
) {
    let path = o.path(file);
    let bytes = o.read(file);
    let via_load = PrivateKey::load(&path).unwrap_or_else(|e| panic!("load {file}: {e}"));
    let via_bytes = if file.ends_with(".pem") {
        let text = core::str::from_utf8(&bytes).unwrap();
        // The key block (the last one; `ecparam -genkey` writes EC PARAMETERS first) is in the
        // format the caller names.
        let blocks = encoding::pem_blocks(text).unwrap();
        let specific = parse_der(&blocks.last().unwrap().der)
            .unwrap_or_else(|e| panic!("format-specific parse of {file}'s key block: {e}"));
        assert_eq!(pub_of(&specific), expected);
        PrivateKey::from_pem(text).unwrap()
    } else {
        let specific = parse_der(&bytes).unwrap_or_else(|e| panic!("format-specific parse of {file}: {e}"));
        assert_eq!(pub_of(&specific), expected);
        PrivateKey::from_der(&bytes).unwrap()
    };
    for key in [&via_load, &via_bytes] {
        assert_eq!(key.kind(), kind, "{file}");
        assert_eq!(pub_of(key), expected, "{file}: public key differs from OpenSSL's");
        assert_eq!(key.algorithm(), kind.default_signature_algorithm());
        assert_round_trip(key);
    }
}

// ---------------------------------------------------------------------------------------------
// Loading what OpenSSL writes.

#[test]
fn load_openssl_p256_pkcs8_and_sec1() {
    let Some(o) = Openssl::new("load_openssl_p256_pkcs8_and_sec1") else {
        return;
    };
    o.run(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "k.pem",
    ]);
    o.run(&[
        "pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-outform", "DER", "-out", "k.p8.der",
    ]);
    o.run(&["ec", "-in", "k.pem", "-out", "k.sec1.pem"]);
    o.run(&["ec", "-in", "k.pem", "-outform", "DER", "-out", "k.sec1.der"]);
    assert!(
        String::from_utf8(o.read("k.pem"))
            .unwrap()
            .contains("BEGIN PRIVATE KEY")
    );
    assert!(
        String::from_utf8(o.read("k.sec1.pem"))
            .unwrap()
            .contains("BEGIN EC PRIVATE KEY")
    );
    let expected = o.public_of("k.pem");
    check_loaded(&o, "k.pem", KeyKind::P256, &expected, PrivateKey::from_pkcs8_der);
    check_loaded(&o, "k.p8.der", KeyKind::P256, &expected, PrivateKey::from_pkcs8_der);
    check_loaded(&o, "k.sec1.pem", KeyKind::P256, &expected, PrivateKey::from_sec1_der);
    check_loaded(&o, "k.sec1.der", KeyKind::P256, &expected, PrivateKey::from_sec1_der);
}

#[test]
fn load_openssl_p384_pkcs8_and_sec1() {
    let Some(o) = Openssl::new("load_openssl_p384_pkcs8_and_sec1") else {
        return;
    };
    o.run(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-out",
        "k.pem",
    ]);
    o.run(&[
        "pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-outform", "DER", "-out", "k.p8.der",
    ]);
    o.run(&["ec", "-in", "k.pem", "-out", "k.sec1.pem"]);
    o.run(&["ec", "-in", "k.pem", "-outform", "DER", "-out", "k.sec1.der"]);
    let expected = o.public_of("k.pem");
    check_loaded(&o, "k.pem", KeyKind::P384, &expected, PrivateKey::from_pkcs8_der);
    check_loaded(&o, "k.p8.der", KeyKind::P384, &expected, PrivateKey::from_pkcs8_der);
    check_loaded(&o, "k.sec1.pem", KeyKind::P384, &expected, PrivateKey::from_sec1_der);
    check_loaded(&o, "k.sec1.der", KeyKind::P384, &expected, PrivateKey::from_sec1_der);
}

#[test]
fn load_openssl_ecparam_genkey_sec1_with_parameters_block() {
    let Some(o) = Openssl::new("load_openssl_ecparam_genkey_sec1_with_parameters_block") else {
        return;
    };
    for (curve, kind) in [("prime256v1", KeyKind::P256), ("secp384r1", KeyKind::P384)] {
        let file = format!("{curve}.pem");
        o.run(&["ecparam", "-name", curve, "-genkey", "-out", &file]);
        let text = String::from_utf8(o.read(&file)).unwrap();
        assert!(
            text.contains("BEGIN EC PARAMETERS") && text.contains("BEGIN EC PRIVATE KEY"),
            "{text}"
        );
        let expected = o.public_of(&file);
        check_loaded(&o, &file, kind, &expected, PrivateKey::from_sec1_der);
    }
}

#[test]
fn load_openssl_rsa2048_pkcs1_and_pkcs8() {
    let Some(o) = Openssl::new("load_openssl_rsa2048_pkcs1_and_pkcs8") else {
        return;
    };
    o.run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "k.pem",
    ]);
    o.run(&["pkey", "-in", "k.pem", "-traditional", "-out", "k.pkcs1.pem"]);
    o.run(&[
        "rsa",
        "-in",
        "k.pem",
        "-traditional",
        "-outform",
        "DER",
        "-out",
        "k.pkcs1.der",
    ]);
    o.run(&[
        "pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-outform", "DER", "-out", "k.p8.der",
    ]);
    assert!(
        String::from_utf8(o.read("k.pkcs1.pem"))
            .unwrap()
            .contains("BEGIN RSA PRIVATE KEY")
    );
    let expected = o.public_of("k.pem");
    let kind = KeyKind::Rsa { bits: 2048 };
    check_loaded(&o, "k.pem", kind, &expected, PrivateKey::from_pkcs8_der);
    check_loaded(&o, "k.p8.der", kind, &expected, PrivateKey::from_pkcs8_der);
    check_loaded(&o, "k.pkcs1.pem", kind, &expected, PrivateKey::from_pkcs1_der);
    check_loaded(&o, "k.pkcs1.der", kind, &expected, PrivateKey::from_pkcs1_der);
}

#[test]
fn load_openssl_ed25519_pem_and_der() {
    let Some(o) = Openssl::new("load_openssl_ed25519_pem_and_der") else {
        return;
    };
    o.run(&["genpkey", "-algorithm", "ED25519", "-out", "k.pem"]);
    o.run(&["pkey", "-in", "k.pem", "-outform", "DER", "-out", "k.der"]);
    let expected = o.public_of("k.pem");
    check_loaded(&o, "k.pem", KeyKind::Ed25519, &expected, PrivateKey::from_pkcs8_der);
    check_loaded(&o, "k.der", KeyKind::Ed25519, &expected, PrivateKey::from_pkcs8_der);
}

/// `openssl pkcs12 -nodes` writes "Bag Attributes" text before the PEM block; `load` skips it.
#[test]
fn load_openssl_pkcs12_export_with_bag_attributes() {
    let Some(o) = Openssl::new("load_openssl_pkcs12_export_with_bag_attributes") else {
        return;
    };
    o.run(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "k.pem",
    ]);
    o.run(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "k.pem",
        "-subj",
        "/CN=kavach",
        "-days",
        "1",
        "-out",
        "c.pem",
    ]);
    o.run(&[
        "pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-passout", "pass:x", "-out", "k.p12",
    ]);
    o.run(&[
        "pkcs12",
        "-in",
        "k.p12",
        "-passin",
        "pass:x",
        "-nodes",
        "-nocerts",
        "-out",
        "exported.pem",
    ]);
    let text = String::from_utf8(o.read("exported.pem")).unwrap();
    assert!(text.starts_with("Bag Attributes"), "{text}");
    let expected = o.public_of("k.pem");
    check_loaded(&o, "exported.pem", KeyKind::P256, &expected, PrivateKey::from_pkcs8_der);
}

// ---------------------------------------------------------------------------------------------
// Storing.

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Writes `key` to a new file and over a pre-existing 0644 file (longer than the key, so a
/// missing truncate would show), checks mode 0600, reloads it, and asks OpenSSL to read it.
fn check_store(o: Option<&Openssl>, key: &PrivateKey) {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.pem");
    key.write_pkcs8_pem(&fresh).unwrap();

    let existing = dir.path().join("existing.pem");
    std::fs::write(&existing, vec![b'#'; 8000]).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(mode_of(&existing), 0o644);
    }
    key.write_pkcs8_pem(&existing).unwrap();

    for path in [&fresh, &existing] {
        #[cfg(unix)]
        assert_eq!(mode_of(path), 0o600, "{} has mode {:o}", path.display(), mode_of(path));
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{}", path.display());
        assert!(!text.contains('#'), "old contents were not truncated");
        let reloaded = PrivateKey::load(path).unwrap();
        assert_eq!(pub_of(&reloaded), pub_of(key));
        assert_eq!(reloaded.kind(), key.kind());
        assert_round_trip(&reloaded);
        if let Some(o) = o {
            let p = path.to_str().unwrap();
            o.run(&["pkey", "-in", p, "-noout"]);
            let der = o.run(&["pkey", "-in", p, "-pubout", "-outform", "DER"]);
            assert_eq!(
                der,
                pub_of(key).spki_der(),
                "OpenSSL derives another public key from our file"
            );
        }
    }
}

#[test]
fn store_pkcs8_pem_mode_0600_reload_and_openssl_reads_it() {
    let o = Openssl::new("store_pkcs8_pem_mode_0600_reload_and_openssl_reads_it");
    for key in [&*P256, &*P384, &*ED25519, &*RSA_2048] {
        check_store(o.as_ref(), key);
    }
}

#[test]
fn store_to_missing_directory_is_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/key.pem");
    match P256.write_pkcs8_pem(&path) {
        Err(Error::Io { path: p, .. }) => assert_eq!(p, path),
        other => panic!("expected Error::Io, got {other:?}"),
    }
    match PrivateKey::load(&path) {
        Err(Error::Io { path: p, .. }) => assert_eq!(p, path),
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

#[test]
fn pkcs8_pem_and_der_round_trip_in_memory() {
    for key in [&*P256, &*P384, &*ED25519, &*RSA_2048] {
        let pem = key.to_pkcs8_pem().unwrap();
        let from_pem = PrivateKey::from_pem(&pem).unwrap();
        let from_der = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap()).unwrap();
        assert_eq!(pub_of(&from_pem), pub_of(key));
        assert_eq!(pub_of(&from_der), pub_of(key));
        assert_eq!(*from_der.to_pkcs8_der().unwrap(), *key.to_pkcs8_der().unwrap());
    }
}

#[test]
fn debug_of_private_key_elides_secret() {
    // Ed25519 PKCS#8 (RFC 8410): the last 32 bytes are the seed.
    let der = ED25519.to_pkcs8_der().unwrap();
    let seed = &der[der.len() - 32..];
    // P-256 PKCS#8 wraps SEC1 `ECPrivateKey`: `02 01 01 04 20` then the 32-byte scalar.
    let der256 = P256.to_pkcs8_der().unwrap();
    let at = der256
        .windows(5)
        .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
        .expect("SEC1 privateKey in PKCS#8")
        + 5;
    let scalar = &der256[at..at + 32];
    for (key, secret) in [(&*ED25519, seed), (&*P256, scalar)] {
        for dbg in [format!("{key:?}"), format!("{key:#?}")] {
            assert!(dbg.contains("elided"), "{dbg}");
            assert!(!dbg.to_lowercase().contains(&hex::encode(secret)), "{dbg}");
            assert!(!dbg.contains(&format!("{secret:?}")), "{dbg}");
            assert!(dbg.len() < 200, "Debug is suspiciously long: {dbg}");
        }
    }
    let rsa = format!("{:?}", *RSA_2048);
    assert!(rsa.contains("elided") && rsa.contains("2048"), "{rsa}");
    assert!(rsa.len() < 200, "{rsa}");
}

// ---------------------------------------------------------------------------------------------
// Generation.

#[test]
fn generate_ec_and_ed25519_kinds() {
    for kind in [KeyKind::P256, KeyKind::P384, KeyKind::Ed25519] {
        let key = PrivateKey::generate(kind).unwrap();
        assert_eq!(key.kind(), kind);
        assert_eq!(pub_of(&key).kind(), kind);
        assert_eq!(key.algorithm(), kind.default_signature_algorithm());
        assert_round_trip(&key);
        // Two generations never give the same key.
        assert_ne!(pub_of(&PrivateKey::generate(kind).unwrap()), pub_of(&key));
    }
}

#[test]
fn generate_rsa_2048() {
    assert_eq!(RSA_2048.kind(), KeyKind::Rsa { bits: 2048 });
    assert_eq!(RSA_2048.algorithm(), SignatureAlgorithm::PS256);
    assert_round_trip(&RSA_2048);
}

#[test]
fn generate_rsa_3072() {
    let key = PrivateKey::generate(KeyKind::Rsa { bits: 3072 }).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa { bits: 3072 });
    assert_round_trip(&key);
}

#[test]
fn generate_rsa_4096() {
    let key = PrivateKey::generate(KeyKind::Rsa { bits: 4096 }).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa { bits: 4096 });
    assert_round_trip(&key);
}

#[test]
fn generate_refuses_rsa_sizes_outside_range() {
    for bits in [0, 512, 1024, 1536, 8192] {
        match PrivateKey::generate(KeyKind::Rsa { bits }) {
            Err(Error::UnsupportedRsaKeySize {
                bits: b,
                min: 2048,
                max: 4096,
            }) => assert_eq!(b, bits),
            other => panic!("RSA-{bits}: expected UnsupportedRsaKeySize, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Signature algorithms.

#[test]
fn with_signature_algorithm_mismatch_errors() {
    let cases: [(&PrivateKey, SignatureAlgorithm); 8] = [
        (&P256, SignatureAlgorithm::RS256),
        (&P256, SignatureAlgorithm::Ed25519),
        (&P384, SignatureAlgorithm::PS256),
        (&ED25519, SignatureAlgorithm::ES256),
        (&ED25519, SignatureAlgorithm::RS256),
        (&RSA_2048, SignatureAlgorithm::ES256),
        (&RSA_2048, SignatureAlgorithm::Ed25519),
        (
            &RSA_2048,
            SignatureAlgorithm::Ecdsa {
                hash: HashAlgorithm::Sha256,
                encoding: EcdsaEncoding::Der,
            },
        ),
    ];
    for (key, alg) in cases {
        let kind = key.kind();
        match copy_of(key).with_signature_algorithm(alg) {
            Err(Error::AlgorithmKeyMismatch { algorithm, key }) => {
                assert_eq!(algorithm, alg);
                assert_eq!(key, kind);
            }
            other => panic!("{kind} with {alg:?}: expected AlgorithmKeyMismatch, got {other:?}"),
        }
        // The verifier refuses the same pairing the same way, before looking at the signature.
        assert!(matches!(
            pub_of(key).verify(alg, MSG, &[0u8; 64]),
            Err(Error::AlgorithmKeyMismatch { .. })
        ));
    }
}

fn every_algorithm() -> Vec<(&'static str, PrivateKey, SignatureAlgorithm)> {
    let ecdsa = |hash, encoding| SignatureAlgorithm::Ecdsa { hash, encoding };
    let pss = |hash: HashAlgorithm| SignatureAlgorithm::RsaPss {
        hash,
        salt: PssSaltLength::Exactly(hash.output_len() as u16),
    };
    let mut v = vec![
        ("ES256", copy_of(&P256), SignatureAlgorithm::ES256),
        ("ES384", copy_of(&P384), SignatureAlgorithm::ES384),
        (
            "ECDSA-P256-SHA256-DER",
            copy_of(&P256),
            ecdsa(HashAlgorithm::Sha256, EcdsaEncoding::Der),
        ),
        (
            "ECDSA-P384-SHA384-DER",
            copy_of(&P384),
            ecdsa(HashAlgorithm::Sha384, EcdsaEncoding::Der),
        ),
        (
            "ECDSA-P256-SHA512",
            copy_of(&P256),
            ecdsa(HashAlgorithm::Sha512, EcdsaEncoding::Fixed),
        ),
        (
            "ECDSA-P384-SHA256-DER",
            copy_of(&P384),
            ecdsa(HashAlgorithm::Sha256, EcdsaEncoding::Der),
        ),
        ("RS256", copy_of(&RSA_2048), SignatureAlgorithm::RS256),
        (
            "RS384",
            copy_of(&RSA_2048),
            SignatureAlgorithm::RsaPkcs1v15(HashAlgorithm::Sha384),
        ),
        (
            "RS512",
            copy_of(&RSA_2048),
            SignatureAlgorithm::RsaPkcs1v15(HashAlgorithm::Sha512),
        ),
        ("PS256", copy_of(&RSA_2048), SignatureAlgorithm::PS256),
        ("PS384", copy_of(&RSA_2048), pss(HashAlgorithm::Sha384)),
        ("PS512", copy_of(&RSA_2048), pss(HashAlgorithm::Sha512)),
        ("Ed25519", copy_of(&ED25519), SignatureAlgorithm::Ed25519),
    ];
    for (name, key, alg) in &mut v {
        *key = std::mem::replace(key, copy_of(&P256))
            .with_signature_algorithm(*alg)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.algorithm(), *alg);
    }
    v
}

#[test]
fn sign_and_verify_every_algorithm() {
    for (name, key, alg) in every_algorithm() {
        let sig = key.sign(MSG).unwrap();
        let public = pub_of(&key);
        public.verify(alg, MSG, &sig).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Fixed-width ECDSA signatures are exactly two field elements wide.
        if let SignatureAlgorithm::Ecdsa {
            encoding: EcdsaEncoding::Fixed,
            ..
        } = alg
        {
            assert_eq!(sig.len(), 2 * key.kind().ec_field_len().unwrap(), "{name}");
        }
        if alg.key_family() == kavach_keys::KeyFamily::Rsa {
            assert_eq!(sig.len(), 256, "{name}");
        }
        // Wrong message.
        assert!(
            matches!(public.verify(alg, b"not the message", &sig), Err(Error::BadSignature)),
            "{name}"
        );
        // Truncated and extended signature.
        assert!(
            matches!(public.verify(alg, MSG, &sig[..sig.len() - 1]), Err(Error::BadSignature)),
            "{name}"
        );
        let mut longer = sig.clone();
        longer.push(0);
        assert!(
            matches!(public.verify(alg, MSG, &longer), Err(Error::BadSignature)),
            "{name}"
        );
        // Another key of the same kind.
        let other = match key.kind() {
            KeyKind::Rsa { .. } => None, // a second RSA key would cost a generation; flips below cover RSA
            kind => Some(PrivateKey::generate(kind).unwrap()),
        };
        if let Some(other) = other {
            assert!(
                matches!(pub_of(&other).verify(alg, MSG, &sig), Err(Error::BadSignature)),
                "{name}"
            );
        }
    }
}

#[test]
fn signature_under_wrong_algorithm_is_rejected() {
    let sigs: Vec<_> = every_algorithm()
        .into_iter()
        .map(|(name, key, alg)| (name, key.sign(MSG).unwrap(), alg, pub_of(&key).clone()))
        .collect();
    let mut checked = 0;
    for (name, sig, alg, public) in &sigs {
        for (other_name, _, other_alg, _) in &sigs {
            if alg == other_alg || public.check_algorithm(*other_alg).is_err() {
                continue;
            }
            // ECDSA P-256 with SHA-256 fixed and the DER of the same (r, s) are different bytes,
            // and PSS with another salt length is a different scheme: all must fail.
            let r = public.verify(*other_alg, MSG, sig);
            assert!(
                matches!(r, Err(Error::BadSignature)),
                "{name} signature verified as {other_name}: {r:?}"
            );
            checked += 1;
        }
        // PSS signed with salt 32 does not verify under an exact other salt length, but does
        // under "any".
        if *alg == SignatureAlgorithm::PS256 {
            let salt20 = SignatureAlgorithm::RsaPss {
                hash: HashAlgorithm::Sha256,
                salt: PssSaltLength::Exactly(20),
            };
            assert!(matches!(public.verify(salt20, MSG, sig), Err(Error::BadSignature)));
            let any = SignatureAlgorithm::RsaPss {
                hash: HashAlgorithm::Sha256,
                salt: PssSaltLength::AnyOnVerify,
            };
            public.verify(any, MSG, sig).unwrap();
        }
    }
    assert!(checked >= 20, "only {checked} cross-algorithm checks");
}

#[test]
fn pss_any_salt_signing_uses_hash_length() {
    let key = copy_of(&RSA_2048)
        .with_signature_algorithm(SignatureAlgorithm::RsaPss {
            hash: HashAlgorithm::Sha384,
            salt: PssSaltLength::AnyOnVerify,
        })
        .unwrap();
    let exact48 = SignatureAlgorithm::RsaPss {
        hash: HashAlgorithm::Sha384,
        salt: PssSaltLength::Exactly(48),
    };
    assert_eq!(key.algorithm(), exact48);
    let sig = key.sign(MSG).unwrap();
    pub_of(&key).verify(exact48, MSG, &sig).unwrap();
}

/// Our signatures verify with OpenSSL, and OpenSSL's with ours.
#[test]
fn signatures_interoperate_with_openssl() {
    let Some(o) = Openssl::new("signatures_interoperate_with_openssl") else {
        return;
    };
    o.write("msg", MSG);
    let der256 = SignatureAlgorithm::Ecdsa {
        hash: HashAlgorithm::Sha256,
        encoding: EcdsaEncoding::Der,
    };
    let der384 = SignatureAlgorithm::Ecdsa {
        hash: HashAlgorithm::Sha384,
        encoding: EcdsaEncoding::Der,
    };
    let pss_opts: &[&str] = &["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"];
    let cases: [(&PrivateKey, SignatureAlgorithm, &str, &[&str]); 4] = [
        (&P256, der256, "-sha256", &[]),
        (&P384, der384, "-sha384", &[]),
        (&RSA_2048, SignatureAlgorithm::RS256, "-sha256", &[]),
        (&RSA_2048, SignatureAlgorithm::PS256, "-sha256", pss_opts),
    ];
    for (i, (key, alg, md, opts)) in cases.into_iter().enumerate() {
        let signer = copy_of(key).with_signature_algorithm(alg).unwrap();
        let key_file = format!("k{i}.pem");
        signer.write_pkcs8_pem(o.path(&key_file)).unwrap();
        let pub_file = format!("p{i}.pem");
        o.write_public_pem(&pub_file, pub_of(key));
        // Ours -> OpenSSL.
        let sig_file = format!("ours{i}.sig");
        o.write(&sig_file, &signer.sign(MSG).unwrap());
        let mut args = vec!["dgst", md, "-verify", &pub_file, "-signature", &sig_file];
        args.extend_from_slice(opts);
        args.push("msg");
        o.run(&args);
        // OpenSSL -> ours.
        let theirs = format!("theirs{i}.sig");
        let mut args = vec!["dgst", md, "-sign", &key_file, "-out", &theirs];
        args.extend_from_slice(opts);
        args.push("msg");
        o.run(&args);
        pub_of(key)
            .verify(alg, MSG, &o.read(&theirs))
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
    }
    // Ed25519 through pkeyutl -rawin.
    ED25519.write_pkcs8_pem(o.path("ed.pem")).unwrap();
    o.write_public_pem("edpub.pem", pub_of(&ED25519));
    o.write("ours-ed.sig", &ED25519.sign(MSG).unwrap());
    o.run(&[
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "edpub.pem",
        "-rawin",
        "-in",
        "msg",
        "-sigfile",
        "ours-ed.sig",
    ]);
    o.run(&[
        "pkeyutl",
        "-sign",
        "-inkey",
        "ed.pem",
        "-rawin",
        "-in",
        "msg",
        "-out",
        "theirs-ed.sig",
    ]);
    pub_of(&ED25519)
        .verify(SignatureAlgorithm::Ed25519, MSG, &o.read("theirs-ed.sig"))
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// ECDH.

#[test]
fn ecdh_p256_agrees_both_ways() {
    let recipient = &*P256;
    let (ephemeral, z_sender) = ecdh_p256_ephemeral(pub_of(recipient)).unwrap();
    assert_eq!(ephemeral.kind(), KeyKind::P256);
    let z_recipient = recipient.ecdh_p256(&ephemeral).unwrap();
    assert_eq!(*z_sender, *z_recipient);
    assert_ne!(*z_sender, [0u8; 32]);

    // Two static keys.
    let other = PrivateKey::generate(KeyKind::P256).unwrap();
    let ab = recipient.ecdh_p256(pub_of(&other)).unwrap();
    let ba = other.ecdh_p256(pub_of(recipient)).unwrap();
    assert_eq!(*ab, *ba);
    assert_ne!(*ab, *z_sender);

    // A second ephemeral agreement gives another secret.
    let (e2, z2) = ecdh_p256_ephemeral(pub_of(recipient)).unwrap();
    assert_ne!(e2, ephemeral);
    assert_ne!(*z2, *z_sender);
}

#[test]
fn ecdh_refuses_other_kinds() {
    for key in [&*P384, &*ED25519, &*RSA_2048] {
        assert!(matches!(
            key.ecdh_p256(pub_of(&P256)),
            Err(Error::UnsupportedOperation { .. })
        ));
        assert!(matches!(
            ecdh_p256_ephemeral(pub_of(key)),
            Err(Error::UnsupportedOperation { .. })
        ));
        // A P-256 key given a peer of another kind: the opaque failure.
        assert!(matches!(P256.ecdh_p256(pub_of(key)), Err(Error::DecryptionFailed)));
    }
}

#[test]
fn ecdh_matches_openssl_derive() {
    let Some(o) = Openssl::new("ecdh_matches_openssl_derive") else {
        return;
    };
    P256.write_pkcs8_pem(o.path("a.pem")).unwrap();
    let b = PrivateKey::generate(KeyKind::P256).unwrap();
    o.write_public_pem("b.pub.pem", pub_of(&b));
    let theirs = o.run(&["pkeyutl", "-derive", "-inkey", "a.pem", "-peerkey", "b.pub.pem"]);
    assert_eq!(theirs, *P256.ecdh_p256(pub_of(&b)).unwrap());
    assert_eq!(theirs, *b.ecdh_p256(pub_of(&P256)).unwrap());
}

// ---------------------------------------------------------------------------------------------
// RSA-OAEP.

#[test]
fn oaep_round_trip_with_and_without_label() {
    let key = &*RSA_2048;
    let public = pub_of(key);
    for plaintext in [&b""[..], b"k", &[0xA5; 190]] {
        let ct = public.encrypt_rsa_oaep_sha256(None, plaintext).unwrap();
        assert_eq!(ct.len(), 256);
        assert_eq!(*key.decrypt_rsa_oaep_sha256(None, &ct).unwrap(), plaintext);
        // An empty label is the same as no label (RFC 8017 §7.1.1: L defaults to the empty string).
        assert_eq!(*key.decrypt_rsa_oaep_sha256(Some(b""), &ct).unwrap(), plaintext);
        assert!(matches!(
            key.decrypt_rsa_oaep_sha256(Some(b"label"), &ct),
            Err(Error::DecryptionFailed)
        ));

        let ct = public
            .encrypt_rsa_oaep_sha256(Some(b"kavach label"), plaintext)
            .unwrap();
        assert_eq!(
            *key.decrypt_rsa_oaep_sha256(Some(b"kavach label"), &ct).unwrap(),
            plaintext
        );
        assert!(matches!(
            key.decrypt_rsa_oaep_sha256(Some(b"kavach labem"), &ct),
            Err(Error::DecryptionFailed)
        ));
        assert!(matches!(
            key.decrypt_rsa_oaep_sha256(None, &ct),
            Err(Error::DecryptionFailed)
        ));
    }
    // Longest message for RSA-2048 / SHA-256 is 256 - 2*32 - 2 = 190 bytes.
    assert!(matches!(
        public.encrypt_rsa_oaep_sha256(None, &[0; 191]),
        Err(Error::UnsupportedOperation { .. })
    ));
    // Two encryptions of one message differ (random seed).
    assert_ne!(
        public.encrypt_rsa_oaep_sha256(None, b"x").unwrap(),
        public.encrypt_rsa_oaep_sha256(None, b"x").unwrap()
    );
}

#[test]
fn oaep_refused_by_non_rsa_keys() {
    for key in [&*P256, &*P384, &*ED25519] {
        assert!(matches!(
            key.decrypt_rsa_oaep_sha256(None, &[0; 256]),
            Err(Error::UnsupportedOperation { .. })
        ));
        assert!(matches!(
            pub_of(key).encrypt_rsa_oaep_sha256(None, b"x"),
            Err(Error::UnsupportedOperation { .. })
        ));
    }
}

#[test]
fn oaep_interoperates_with_openssl() {
    let Some(o) = Openssl::new("oaep_interoperates_with_openssl") else {
        return;
    };
    RSA_2048.write_pkcs8_pem(o.path("k.pem")).unwrap();
    o.write_public_pem("pub.pem", pub_of(&RSA_2048));
    o.write("msg", MSG);
    let label = b"kavach label";
    let label_opt = format!("rsa_oaep_label:{}", hex::encode(label));
    let oaep = |extra: Option<&str>| {
        let mut v = vec![
            "-pkeyopt".to_owned(),
            "rsa_padding_mode:oaep".to_owned(),
            "-pkeyopt".to_owned(),
            "rsa_oaep_md:sha256".to_owned(),
            "-pkeyopt".to_owned(),
            "rsa_mgf1_md:sha256".to_owned(),
        ];
        if let Some(l) = extra {
            v.push("-pkeyopt".to_owned());
            v.push(l.to_owned());
        }
        v
    };
    for with_label in [false, true] {
        let opts = oaep(with_label.then_some(label_opt.as_str()));
        let opts: Vec<&str> = opts.iter().map(String::as_str).collect();
        let our_label = with_label.then_some(&label[..]);
        // OpenSSL encrypts, we decrypt.
        let mut args = vec![
            "pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", "-in", "msg", "-out", "ct",
        ];
        args.extend_from_slice(&opts);
        o.run(&args);
        assert_eq!(
            *RSA_2048.decrypt_rsa_oaep_sha256(our_label, &o.read("ct")).unwrap(),
            MSG
        );
        // We encrypt, OpenSSL decrypts.
        o.write(
            "ours.ct",
            &pub_of(&RSA_2048).encrypt_rsa_oaep_sha256(our_label, MSG).unwrap(),
        );
        let mut args = vec!["pkeyutl", "-decrypt", "-inkey", "k.pem", "-in", "ours.ct"];
        args.extend_from_slice(&opts);
        assert_eq!(o.run(&args), MSG);
    }
}

// ---------------------------------------------------------------------------------------------
// Key store.

#[test]
fn memory_key_store_lookup_and_duplicates() {
    let a: KeyHandle = Arc::new(PrivateKey::generate(KeyKind::P256).unwrap());
    let b: KeyHandle = Arc::new(PrivateKey::generate(KeyKind::Ed25519).unwrap());
    let c: KeyHandle = Arc::new(PrivateKey::generate(KeyKind::P384).unwrap());
    let cert_a = b"certificate of a (any DER bytes stand in here)".to_vec();
    let cert_b = b"certificate of b".to_vec();

    let mut store = MemoryKeyStore::new();
    assert!(store.is_empty());
    store.insert("a", Arc::clone(&a), Some(&cert_a)).unwrap();
    store.insert("b", Arc::clone(&b), Some(&cert_b)).unwrap();
    store.insert("c", Arc::clone(&c), None).unwrap();
    assert_eq!(store.len(), 3);

    let same = |x: &KeyHandle, y: &KeyHandle| Signer::public_key(&**x) == Signer::public_key(&**y);
    assert!(same(&store.by_id("a").unwrap(), &a));
    assert!(same(&store.by_id("b").unwrap(), &b));
    assert!(same(&store.by_id("c").unwrap(), &c));
    assert!(store.by_id("d").is_none());
    assert!(store.by_id("A").is_none());

    let ta = Sha256Thumbprint::of_der(&cert_a);
    assert!(same(&store.by_certificate_thumbprint(&ta).unwrap(), &a));
    assert!(same(
        &store
            .by_certificate_thumbprint(&Sha256Thumbprint::of_der(&cert_b))
            .unwrap(),
        &b
    ));
    assert!(
        store
            .by_certificate_thumbprint(&Sha256Thumbprint::of_der(b"unknown"))
            .is_none()
    );

    let all = store.all();
    assert_eq!(all.len(), 3);
    assert!(
        same(&all[0], &a) && same(&all[1], &b) && same(&all[2], &c),
        "insertion order"
    );

    // Duplicate id, duplicate certificate: refused, store unchanged.
    assert!(matches!(
        store.insert("a", Arc::clone(&c), None),
        Err(Error::KeyStore(_))
    ));
    assert!(matches!(
        store.insert("e", Arc::clone(&c), Some(&cert_a)),
        Err(Error::KeyStore(_))
    ));
    assert_eq!(store.len(), 3);

    // A handle from the store signs and its signature verifies.
    let h = store.by_id("b").unwrap();
    let sig = h.sign(MSG).unwrap();
    Signer::public_key(&*h).verify(h.algorithm(), MSG, &sig).unwrap();
    // Debug shows ids and thumbprints, nothing else.
    let dbg = format!("{store:?}");
    assert!(dbg.contains("\"a\"") && dbg.contains(&ta.to_hex()), "{dbg}");
}

#[test]
fn thumbprint_is_sha256_of_der() {
    // SHA-256("abc"), FIPS 180-2 Appendix B.1.
    let t = Sha256Thumbprint::of_der(b"abc");
    assert_eq!(
        t.to_hex(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(t.to_base64url(), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    assert!(t.ct_eq(&Sha256Thumbprint(*t.as_bytes())));
    assert!(!t.ct_eq(&Sha256Thumbprint::of_der(b"abd")));
    assert_eq!(format!("{t}"), t.to_hex());
}

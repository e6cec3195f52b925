//! Bad input for every public function of kavach-keys that takes untrusted bytes: each one
//! returns its typed error and never panics.
//!
//! Functions covered: `PublicKey::from_spki_der`, `PublicKey::from_pem`, `PublicKey::try_from`,
//! `PublicKey::{from_ec_point, from_rsa_components, from_ed25519_bytes}`,
//! `PrivateKey::{from_der, from_pem, from_pkcs8_der, from_pkcs1_der, from_sec1_der, load}`,
//! `encoding::pem_blocks`, `encoding::looks_like_pem`, `PublicKey::verify` (garbage signatures)
//! and `Decrypter::decrypt_rsa_oaep_sha256` (garbage ciphertexts and labels).
//!
//! The fixtures below were written by OpenSSL 3.0 (`genpkey`, `pkey -traditional`, `ec`,
//! `pkcs8 -topk8`) for this test; they are throwaway keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;

use kavach_keys::{
    Decrypter, EcdsaEncoding, Error, HashAlgorithm, KeyKind, PrivateKey, PssSaltLength, PublicKey, SignatureAlgorithm,
    Signer, encoding,
};

// ---------------------------------------------------------------------------------------------
// Fixtures.

/// RSA-1024, PKCS#8: below the supported range.
const RSA1024_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAKJro2/z5cndBhpf
jacniMtfq/VVMuQo0+C90XKRRtE8JPgZsXS/TKcRsEyaR+Ft3sC9oyMji4IwTv9a
e6X7x/RYIHQ3aNsdw2dUP3NwJRzpgWQy8e9Pwfz9u/DBY4Xlc/BAwLaoeGRqA/k9
TZfdpRSBFOT78v/heZH3biI76dEbAgMBAAECgYBXNNwIHDhg7l98gZmZCk0UhUXa
7+fnQVSh8skmboJLjbN70q/JM32Apqq2NpAppchYTHnvQAKD4FRKHtcNA+cTm7uc
an1VO2Ij2sa4sKLYFgEn1d1tZWh1xaV7RvvJ5k9qSOE3SA62/keUVyeu0P9DR9S2
JuSxHvqL8AjD2w/zYQJBANIuW1yoQtziCyB2SnxrxW8IfEiNGW5FHMXmuwVzj7oK
UgssZYpVGhhyY6l2AAcEUSk1Xf8lLRwzyzBXOUECsT8CQQDF0+OsCGN1liPbPghk
lJUFPr/DehWevv+4Dnk+os8SZ8fDXLus+rOZI1TO6qs+Yuv5f8zciiJ67B/sgg9k
+g0lAkAHla6sWFIZYHrgUAR+GvGEAT1i7NyXEx1nstza5IGyR/8P8ikz5cBMU4xv
KBf2KNy47PkYZQIMu33An9UsGGnHAkAeZyoeTku6zpBEKYxwqMUeQT6HdEPOWdxD
FTZdAfiBA6IXzDCrrPvdFSj7g+U9eUZ62cFKQ5B5A8EEQBjNlABhAkAI16Aqj8Bx
DfXR1nNrCyuV6KwknDwQZE1A9WvCmZFgSxoNHCTbAesbSg4a0qkqQ+MsJPZA+pPn
CtiPMlePi3rF
-----END PRIVATE KEY-----
";

/// The same RSA-1024 key as PKCS#1 (`openssl pkey -traditional`).
const RSA1024_PKCS1_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICWwIBAAKBgQCia6Nv8+XJ3QYaX42nJ4jLX6v1VTLkKNPgvdFykUbRPCT4GbF0
v0ynEbBMmkfhbd7AvaMjI4uCME7/Wnul+8f0WCB0N2jbHcNnVD9zcCUc6YFkMvHv
T8H8/bvwwWOF5XPwQMC2qHhkagP5PU2X3aUUgRTk+/L/4XmR924iO+nRGwIDAQAB
AoGAVzTcCBw4YO5ffIGZmQpNFIVF2u/n50FUofLJJm6CS42ze9KvyTN9gKaqtjaQ
KaXIWEx570ACg+BUSh7XDQPnE5u7nGp9VTtiI9rGuLCi2BYBJ9XdbWVodcWle0b7
yeZPakjhN0gOtv5HlFcnrtD/Q0fUtibksR76i/AIw9sP82ECQQDSLltcqELc4gsg
dkp8a8VvCHxIjRluRRzF5rsFc4+6ClILLGWKVRoYcmOpdgAHBFEpNV3/JS0cM8sw
VzlBArE/AkEAxdPjrAhjdZYj2z4IZJSVBT6/w3oVnr7/uA55PqLPEmfHw1y7rPqz
mSNUzuqrPmLr+X/M3Ioieuwf7IIPZPoNJQJAB5WurFhSGWB64FAEfhrxhAE9Yuzc
lxMdZ7Lc2uSBskf/D/IpM+XATFOMbygX9ijcuOz5GGUCDLt9wJ/VLBhpxwJAHmcq
Hk5Lus6QRCmMcKjFHkE+h3RDzlncQxU2XQH4gQOiF8wwq6z73RUo+4PlPXlGetnB
SkOQeQPBBEAYzZQAYQJACNegKo/AcQ310dZzawsrleisJJw8EGRNQPVrwpmRYEsa
DRwk2wHrG0oOGtKpKkPjLCT2QPqT5wrYjzJXj4t6xQ==
-----END RSA PRIVATE KEY-----
";

/// DSA-1024, PKCS#8.
const DSA_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIBSgIBADCCASsGByqGSM44BAEwggEeAoGBAJpx8DHIdjnsD4UxkVCJ0CPmGrXY
oMnn+IAszC4APNkd9qH4Yys81koW/HAWlUYivk9a/2dc8LRiqDXC+eQHhJQN24dT
xI0DTCepr6tz0CHe6J5DgvzDMb+N+ynkW8hbeQ5AagQE5BSvDVvmjwR0rZLHAp2i
3W2SBOkw/AfSEdrzAhUAro6ILDSkFTWINtd+gsRYSRQetssCgYA9Ck1t2Ny6Mwsx
IJe1PBjrfZpoX0nyG3S/+gThH34P7ftf05rUum8k8Klb6vGBcFQMWg+tv4GEvAmG
5ZpR15qqm6JCBOFjK2bET86moqPtArp6jAV0jLVJjLSGEV9Brqvm1Nqr9O5syzZQ
gfcQqhOiKAW8k/fHGk5mAkdkLg6r+wQWAhQiChlF0PkmbG+joYBgwocAUKNlsQ==
-----END PRIVATE KEY-----
";

/// The same DSA key, OpenSSL's traditional form.
const DSA_TRADITIONAL_PEM: &str = "-----BEGIN DSA PRIVATE KEY-----
MIIBugIBAAKBgQCacfAxyHY57A+FMZFQidAj5hq12KDJ5/iALMwuADzZHfah+GMr
PNZKFvxwFpVGIr5PWv9nXPC0Yqg1wvnkB4SUDduHU8SNA0wnqa+rc9Ah3uieQ4L8
wzG/jfsp5FvIW3kOQGoEBOQUrw1b5o8EdK2SxwKdot1tkgTpMPwH0hHa8wIVAK6O
iCw0pBU1iDbXfoLEWEkUHrbLAoGAPQpNbdjcujMLMSCXtTwY632aaF9J8ht0v/oE
4R9+D+37X9Oa1LpvJPCpW+rxgXBUDFoPrb+BhLwJhuWaUdeaqpuiQgThYytmxE/O
pqKj7QK6eowFdIy1SYy0hhFfQa6r5tTaq/TubMs2UIH3EKoToigFvJP3xxpOZgJH
ZC4Oq/sCgYBSLa8mtYCf3yOVR0lLmwJn7E0FgEXRHV+sISGEcoO7Y2sIVRyD02Ry
d9Ez5jW1E/P5kmwhRjTY85G1U9pujmlfmed8N0Br+Jo47PjmDVw9daFuuu5h2vWr
EXL3+IzfKr85dtf5nqkcpw9LOpaanb8lv8BP17lJ7lj58iW/B19CagIUIgoZRdD5
Jmxvo6GAYMKHAFCjZbE=
-----END DSA PRIVATE KEY-----
";

/// The DSA public key.
const DSA_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBtjCCASsGByqGSM44BAEwggEeAoGBAJpx8DHIdjnsD4UxkVCJ0CPmGrXYoMnn
+IAszC4APNkd9qH4Yys81koW/HAWlUYivk9a/2dc8LRiqDXC+eQHhJQN24dTxI0D
TCepr6tz0CHe6J5DgvzDMb+N+ynkW8hbeQ5AagQE5BSvDVvmjwR0rZLHAp2i3W2S
BOkw/AfSEdrzAhUAro6ILDSkFTWINtd+gsRYSRQetssCgYA9Ck1t2Ny6MwsxIJe1
PBjrfZpoX0nyG3S/+gThH34P7ftf05rUum8k8Klb6vGBcFQMWg+tv4GEvAmG5ZpR
15qqm6JCBOFjK2bET86moqPtArp6jAV0jLVJjLSGEV9Brqvm1Nqr9O5syzZQgfcQ
qhOiKAW8k/fHGk5mAkdkLg6r+wOBhAACgYBSLa8mtYCf3yOVR0lLmwJn7E0FgEXR
HV+sISGEcoO7Y2sIVRyD02Ryd9Ez5jW1E/P5kmwhRjTY85G1U9pujmlfmed8N0Br
+Jo47PjmDVw9daFuuu5h2vWrEXL3+IzfKr85dtf5nqkcpw9LOpaanb8lv8BP17lJ
7lj58iW/B19Cag==
-----END PUBLIC KEY-----
";

/// P-521 (secp521r1): PKCS#8, SEC1 and SPKI.
const P521_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIB3CJayyFyEfG2+7W4
ulL7+FwRGlEFubCvSWBqQlwO3fufXJtybMovjH1SFxK2/VpIsOkzb5SVoe8C/vC1
5XL55fGhgYkDgYYABAD3GGnaj7cEJAqNV4rTcduh1qbG7F2D3AMZUaYAs4Oh0BQ+
7wK4hja7PCDb7ZCXmmWEhm5+OCiLa42aPog3Ro2iawFmPaCgdb4IDl+ZgrUWoC35
TzM0tv36uV6vfU68/4Wjxy/1zBAVIiXUTmfwVAmKUzwmhXx5fc0uM38tJ7Uvzuzl
aA==
-----END PRIVATE KEY-----
";
const P521_SEC1_PEM: &str = "-----BEGIN EC PRIVATE KEY-----
MIHcAgEBBEIB3CJayyFyEfG2+7W4ulL7+FwRGlEFubCvSWBqQlwO3fufXJtybMov
jH1SFxK2/VpIsOkzb5SVoe8C/vC15XL55fGgBwYFK4EEACOhgYkDgYYABAD3GGna
j7cEJAqNV4rTcduh1qbG7F2D3AMZUaYAs4Oh0BQ+7wK4hja7PCDb7ZCXmmWEhm5+
OCiLa42aPog3Ro2iawFmPaCgdb4IDl+ZgrUWoC35TzM0tv36uV6vfU68/4Wjxy/1
zBAVIiXUTmfwVAmKUzwmhXx5fc0uM38tJ7UvzuzlaA==
-----END EC PRIVATE KEY-----
";
const P521_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQA9xhp2o+3BCQKjVeK03Hbodamxuxd
g9wDGVGmALODodAUPu8CuIY2uzwg2+2Ql5plhIZufjgoi2uNmj6IN0aNomsBZj2g
oHW+CA5fmYK1FqAt+U8zNLb9+rler31OvP+Fo8cv9cwQFSIl1E5n8FQJilM8JoV8
eX3NLjN/LSe1L87s5Wg=
-----END PUBLIC KEY-----
";

/// secp256k1: PKCS#8 and SPKI.
const K256_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQggd0Ud00tsl+xXiAP/W8+
c6GYZHps3XdDfj3BTyLxaA6hRANCAARwEFGrsYetocZwEcPoMqLX0TSlfRAUWucx
WRWgRGDWlXmHjX/1vyg6upoZJPbTB5xQX3GXJjWjn7MM6DfDdyAS
-----END PRIVATE KEY-----
";
const K256_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEcBBRq7GHraHGcBHD6DKi19E0pX0QFFrn
MVkVoERg1pV5h41/9b8oOrqaGST20wecUF9xlyY1o5+zDOg3w3cgEg==
-----END PUBLIC KEY-----
";

/// X25519 and Ed448 PKCS#8, Ed448 SPKI.
const X25519_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VuBCIEILCHKYd1yW9uBWv9eKvduUhk1IVodVyVImbiRkOA5oBn
-----END PRIVATE KEY-----
";
const ED448_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MEcCAQAwBQYDK2VxBDsEOVpvh4toTPd7DJugamdsnGWJGSuv8v9VImgvqHpcq6e7
3dXOnEpjs8DTr+mJyr4SpK0QGY8CCntA2w==
-----END PRIVATE KEY-----
";
const ED448_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MEMwBQYDK2VxAzoAqwxAwLKAj1PaITmJ3IahfL4g3+GpUEs6rWQm5ARx4NBxLotY
jMy9DnogY2bOSGp9nT3I1DcfhuqA
-----END PUBLIC KEY-----
";

/// A P-256 key encrypted as PKCS#8 (`openssl pkcs8 -topk8 -passout pass:kavach`).
const P256_ENCRYPTED_PKCS8_PEM: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAh3cBgp8oArJQICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEItDarbRAnVgQdCaX27Gf0MEgZBb
3Dt9PnXZyyikOMziZ3hiA8d+lpLI0vf8gwNa7B++iw+8+jBMHQb4eqNjrbHEnrmW
kkGyl8yQc7wz1IfADJI/tS3Z/gnVc4laQvpWeYtrAGJbm98gIiaSr/q6Re91d8Dh
08Q6NS3vPYmRhaymOk6Vk4mNNezhqCVdGvNMXeNPBVnLKeUOhU+d8azPNTEK+38=
-----END ENCRYPTED PRIVATE KEY-----
";

/// The same P-256 key in legacy encrypted PEM (RFC 1421 headers; `openssl ec -aes128`).
const P256_LEGACY_ENCRYPTED_PEM: &str = "-----BEGIN EC PRIVATE KEY-----
Proc-Type: 4,ENCRYPTED
DEK-Info: AES-128-CBC,1392174484C60BB9D05E615A8F7159B4

maXJexBNj/oT3/mNiz0ce8awnO/ftl8nL/uGkMwmCe9PRDKUPN6BYiimOkWXtRc7
4lZ2qwqBFBOxzUABCcHL4UTI71KGrp9yS6dm/5a1cQIHmGxbyXfeGun7InYFuywQ
JduQJy1txZF7wQTdBoFz8GAlMqUGLB+ueu4bCqS00H0=
-----END EC PRIVATE KEY-----
";

/// A valid P-256 key in SEC1 form and its SPKI (for truncation and flipping).
const P256_SEC1_PEM: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIKPMK2q7JJdGvjS0JXgxlTuWHBX6GZ8gItoAlrJigskzoAoGCCqGSM49
AwEHoUQDQgAE7oxZg1+a3FDae55t6CXSiTz7O0OcfG9SEm1TWL0Dn5OLSHl+7SPI
GyhTiMNb2tZn8ANfkOwfgWLU5uye3PW9mQ==
-----END EC PRIVATE KEY-----
";
const P256_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7oxZg1+a3FDae55t6CXSiTz7O0Oc
fG9SEm1TWL0Dn5OLSHl+7SPIGyhTiMNb2tZn8ANfkOwfgWLU5uye3PW9mQ==
-----END PUBLIC KEY-----
";

fn der_of(pem: &str) -> Vec<u8> {
    let blocks = encoding::pem_blocks(pem).unwrap();
    blocks.last().unwrap().der.to_vec()
}

static RSA_2048: LazyLock<PrivateKey> =
    LazyLock::new(|| PrivateKey::generate(KeyKind::Rsa { bits: 2048 }).expect("RSA-2048 generation"));
static P256: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P256).unwrap());
static P384: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P384).unwrap());
static ED25519: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::Ed25519).unwrap());

/// Deterministic pseudo-random bytes (xorshift64*), so failures reproduce.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// Minimal DER TLV builder for hand-made SubjectPublicKeyInfo structures.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend_from_slice(&[0x81, n as u8]);
    } else {
        v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(content);
    v
}

fn spki(algorithm: &[u8], key_bits: &[u8], unused_bits: u8) -> Vec<u8> {
    let mut bits = vec![unused_bits];
    bits.extend_from_slice(key_bits);
    tlv(0x30, &[tlv(0x30, algorithm), tlv(0x03, &bits)].concat())
}

const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const OID_RSA: &[u8] = &[0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2B, 0x65, 0x70];
const NULL: &[u8] = &[0x05, 0x00];

// ---------------------------------------------------------------------------------------------
// Assertions on error kinds.

#[track_caller]
fn assert_malformed<T: std::fmt::Debug>(r: Result<T, Error>, expected_format: &str) {
    match r {
        Err(Error::MalformedKey { format, reason }) => {
            assert_eq!(format, expected_format, "reason: {reason}");
            assert!(!reason.is_empty());
        }
        other => panic!("expected MalformedKey {{ format: {expected_format:?} }}, got {other:?}"),
    }
}

#[track_caller]
fn assert_unsupported_algorithm<T: std::fmt::Debug>(r: Result<T, Error>, contains: &str) {
    match r {
        Err(Error::UnsupportedKeyAlgorithm(what)) => assert!(what.contains(contains), "{what}"),
        other => panic!("expected UnsupportedKeyAlgorithm({contains:?}), got {other:?}"),
    }
}

#[track_caller]
fn assert_rsa_size<T: std::fmt::Debug>(r: Result<T, Error>, bits: usize) {
    match r {
        Err(Error::UnsupportedRsaKeySize { bits: b, min, max }) => {
            assert_eq!((b, min, max), (bits, 2048, 4096));
        }
        other => panic!("expected UnsupportedRsaKeySize({bits}), got {other:?}"),
    }
}

/// A DER private-key parser of the public API.
type DerParser = fn(&[u8]) -> Result<PrivateKey, Error>;

/// Every DER private-key parser, with the format name its errors carry.
fn private_der_parsers() -> [(&'static str, DerParser); 4] {
    [
        ("DER private key", PrivateKey::from_der),
        ("PKCS#8", PrivateKey::from_pkcs8_der),
        ("PKCS#1", PrivateKey::from_pkcs1_der),
        ("SEC1", PrivateKey::from_sec1_der),
    ]
}

/// Errors a parser of untrusted key bytes may return (anything else is a bug).
fn is_parse_error(e: &Error) -> bool {
    matches!(
        e,
        Error::MalformedKey { .. }
            | Error::UnsupportedKeyAlgorithm(_)
            | Error::UnsupportedRsaKeySize { .. }
            | Error::UnsupportedPemLabel(_)
    )
}

// ---------------------------------------------------------------------------------------------
// Empty, random, too long.

#[test]
fn empty_input_is_malformed_everywhere() {
    for (format, parse) in private_der_parsers() {
        assert_malformed(parse(&[]), format);
    }
    assert_malformed(PublicKey::from_spki_der(&[]), "SubjectPublicKeyInfo");
    assert_malformed(PublicKey::try_from(&[][..]), "SubjectPublicKeyInfo");
    assert_malformed(PublicKey::from_pem(""), "PEM");
    assert_malformed(PrivateKey::from_pem(""), "PEM");
    assert_malformed(encoding::pem_blocks(""), "PEM");
    assert!(!encoding::looks_like_pem(b""));
    assert!(!encoding::looks_like_pem(b"   \n"));
}

#[test]
fn random_bytes_are_rejected_with_typed_errors() {
    for seed in 0..300u64 {
        let len = (seed as usize * 7) % 600;
        let mut bytes = noise(seed, len);
        // Half of the inputs start like a DER SEQUENCE so the parsers get past the first byte.
        if seed % 2 == 0 && bytes.len() > 2 {
            bytes[0] = 0x30;
            bytes[1] = 0x82;
        }
        for (format, parse) in private_der_parsers() {
            assert_malformed(parse(&bytes), format);
        }
        assert_malformed(PublicKey::from_spki_der(&bytes), "SubjectPublicKeyInfo");
        let text = String::from_utf8_lossy(&bytes);
        assert_malformed(PrivateKey::from_pem(&text), "PEM");
        assert_malformed(encoding::pem_blocks(&text), "PEM");
    }
}

#[test]
fn too_long_input_is_rejected() {
    // SPKI: a hard size limit before any parsing.
    let mut long = der_of(P256_SPKI_PEM);
    long.resize(4097, 0);
    match PublicKey::from_spki_der(&long) {
        Err(Error::TooLarge { what, len, max }) => {
            assert_eq!(what, "SubjectPublicKeyInfo");
            assert_eq!((len, max), (4097, 4096));
        }
        other => panic!("{other:?}"),
    }
    // A valid key with one trailing byte: DER allows no trailing data.
    let mut trailing = der_of(P256_SPKI_PEM);
    trailing.push(0);
    assert_malformed(PublicKey::from_spki_der(&trailing), "SubjectPublicKeyInfo");
    let mut trailing = der_of(P256_SEC1_PEM);
    trailing.push(0);
    assert_malformed(PrivateKey::from_sec1_der(&trailing), "SEC1");
    assert_malformed(PrivateKey::from_der(&trailing), "DER private key");
    let mut trailing = P256.to_pkcs8_der().unwrap().to_vec();
    trailing.push(0);
    assert_malformed(PrivateKey::from_pkcs8_der(&trailing), "PKCS#8");
    assert_malformed(PrivateKey::from_der(&trailing), "DER private key");
    let mut trailing = der_of(RSA1024_PKCS1_PEM);
    trailing.push(0);
    assert_malformed(PrivateKey::from_pkcs1_der(&trailing), "PKCS#1");
    // A megabyte of garbage, and a DER header claiming a megabyte.
    let big = noise(7, 1 << 20);
    for (format, parse) in private_der_parsers() {
        assert_malformed(parse(&big), format);
        assert_malformed(parse(&[0x30, 0x83, 0x10, 0x00, 0x00, 0x02, 0x01, 0x00]), format);
    }
    // A megabyte-long PEM body is decoded (the PEM layer has no size limit of its own) and then
    // refused by the key parser.
    let pem = encoding::pem_encode("PRIVATE KEY", &big);
    assert_malformed(PrivateKey::from_pem(&pem), "PKCS#8");
}

// ---------------------------------------------------------------------------------------------
// Truncation and corruption of valid keys.

fn valid_private_ders() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("P-256 PKCS#8", P256.to_pkcs8_der().unwrap().to_vec()),
        ("P-384 PKCS#8", P384.to_pkcs8_der().unwrap().to_vec()),
        ("Ed25519 PKCS#8", ED25519.to_pkcs8_der().unwrap().to_vec()),
        ("RSA-2048 PKCS#8", RSA_2048.to_pkcs8_der().unwrap().to_vec()),
        ("P-256 SEC1", der_of(P256_SEC1_PEM)),
        ("RSA-1024 PKCS#1", der_of(RSA1024_PKCS1_PEM)),
    ]
}

#[test]
fn every_truncation_of_a_valid_key_is_rejected() {
    for (name, der) in valid_private_ders() {
        for len in 0..der.len() {
            let cut = &der[..len];
            for (format, parse) in private_der_parsers() {
                match parse(cut) {
                    Err(Error::MalformedKey { format: f, .. }) => assert_eq!(f, format, "{name} cut at {len}"),
                    other => panic!("{name} cut at {len} via {format}: {other:?}"),
                }
            }
        }
    }
    let spkis = [
        der_of(P256_SPKI_PEM),
        Signer::public_key(&*P384).spki_der().to_vec(),
        Signer::public_key(&*ED25519).spki_der().to_vec(),
        Signer::public_key(&*RSA_2048).spki_der().to_vec(),
    ];
    for der in spkis {
        for len in 0..der.len() {
            assert_malformed(PublicKey::from_spki_der(&der[..len]), "SubjectPublicKeyInfo");
        }
    }
    // Truncated PEM: every cut through the END line or the body is refused.
    let pem = P256.to_pkcs8_pem().unwrap();
    for len in 0..pem.len() - 1 {
        let r = PrivateKey::from_pem(&pem[..len]);
        assert!(
            r.as_ref().is_err_and(is_parse_error),
            "PEM cut at {len}: {:?}",
            r.map(|k| k.kind())
        );
    }
}

#[test]
fn corrupted_valid_keys_never_panic() {
    // Every single-byte change of every position: the result may be another valid key (a flipped
    // bit in a scalar), but an error must be a parse error.
    for (name, der) in valid_private_ders() {
        let positions: Vec<usize> = if der.len() > 300 {
            (0..der.len()).step_by(7).collect() // RSA: sample, each parse is expensive
        } else {
            (0..der.len()).collect()
        };
        for i in positions {
            for mask in [0x01u8, 0x80, 0xFF] {
                let mut bad = der.clone();
                bad[i] ^= mask;
                for (format, parse) in private_der_parsers() {
                    if let Err(e) = parse(&bad) {
                        assert!(is_parse_error(&e), "{name} byte {i} ^ {mask:#x} via {format}: {e:?}");
                    }
                }
            }
        }
    }
    for der in [der_of(P256_SPKI_PEM), Signer::public_key(&*ED25519).spki_der().to_vec()] {
        for i in 0..der.len() {
            for mask in [0x01u8, 0x80, 0xFF] {
                let mut bad = der.clone();
                bad[i] ^= mask;
                if let Err(e) = PublicKey::from_spki_der(&bad) {
                    assert!(is_parse_error(&e), "SPKI byte {i} ^ {mask:#x}: {e:?}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Unsupported algorithms, curves and sizes.

#[test]
fn rsa_1024_private_key_is_refused_for_its_size() {
    assert_rsa_size(PrivateKey::from_pem(RSA1024_PKCS8_PEM), 1024);
    assert_rsa_size(PrivateKey::from_pem(RSA1024_PKCS1_PEM), 1024);
    assert_rsa_size(PrivateKey::from_pkcs8_der(&der_of(RSA1024_PKCS8_PEM)), 1024);
    assert_rsa_size(PrivateKey::from_pkcs1_der(&der_of(RSA1024_PKCS1_PEM)), 1024);
    // Format detection must not hide the real reason behind a "not PKCS#8" error.
    assert_rsa_size(PrivateKey::from_der(&der_of(RSA1024_PKCS8_PEM)), 1024);
    assert_rsa_size(PrivateKey::from_der(&der_of(RSA1024_PKCS1_PEM)), 1024);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rsa1024.der");
    std::fs::write(&path, der_of(RSA1024_PKCS1_PEM)).unwrap();
    assert_rsa_size(PrivateKey::load(&path), 1024);
}

#[test]
fn dsa_keys_are_unsupported() {
    // 1.2.840.10040.4.1 = id-dsa
    assert_unsupported_algorithm(PrivateKey::from_pem(DSA_PKCS8_PEM), "1.2.840.10040.4.1");
    assert_unsupported_algorithm(PrivateKey::from_pkcs8_der(&der_of(DSA_PKCS8_PEM)), "1.2.840.10040.4.1");
    assert_unsupported_algorithm(PrivateKey::from_der(&der_of(DSA_PKCS8_PEM)), "1.2.840.10040.4.1");
    assert_unsupported_algorithm(PublicKey::from_pem(DSA_SPKI_PEM), "1.2.840.10040.4.1");
    match PrivateKey::from_pem(DSA_TRADITIONAL_PEM) {
        Err(Error::UnsupportedPemLabel(l)) => assert_eq!(l, "DSA PRIVATE KEY"),
        other => panic!("{other:?}"),
    }
    // The traditional DSA DER is none of the three formats.
    assert_malformed(PrivateKey::from_der(&der_of(DSA_TRADITIONAL_PEM)), "DER private key");
}

#[test]
fn unsupported_curves_are_refused() {
    let p521 = "1.3.132.0.35";
    let k256 = "1.3.132.0.10";
    assert_unsupported_algorithm(PrivateKey::from_pem(P521_PKCS8_PEM), p521);
    assert_unsupported_algorithm(PrivateKey::from_pem(P521_SEC1_PEM), p521);
    assert_unsupported_algorithm(PrivateKey::from_sec1_der(&der_of(P521_SEC1_PEM)), p521);
    assert_unsupported_algorithm(PrivateKey::from_der(&der_of(P521_SEC1_PEM)), p521);
    assert_unsupported_algorithm(PublicKey::from_pem(P521_SPKI_PEM), p521);
    assert_unsupported_algorithm(PublicKey::from_spki_der(&der_of(P521_SPKI_PEM)), p521);
    assert_unsupported_algorithm(PrivateKey::from_pem(K256_PKCS8_PEM), k256);
    assert_unsupported_algorithm(PrivateKey::from_der(&der_of(K256_PKCS8_PEM)), k256);
    assert_unsupported_algorithm(PublicKey::from_pem(K256_SPKI_PEM), k256);
    assert_unsupported_algorithm(PrivateKey::from_pem(X25519_PKCS8_PEM), "1.3.101.110");
    assert_unsupported_algorithm(PrivateKey::from_pem(ED448_PKCS8_PEM), "1.3.101.113");
    assert_unsupported_algorithm(PublicKey::from_pem(ED448_SPKI_PEM), "1.3.101.113");
}

#[test]
fn malformed_spki_structures() {
    let p256_point = &der_of(P256_SPKI_PEM)[26..]; // after 30 59 30 13 <alg> 03 42 00: 04 || x || y
    assert_eq!(p256_point.len(), 65);
    assert_eq!(p256_point[0], 0x04);
    let ec_alg = [OID_EC_PUBLIC_KEY, OID_P256].concat();
    // Sanity: the hand-built SPKI is the real one.
    assert_eq!(spki(&ec_alg, p256_point, 0), der_of(P256_SPKI_PEM));
    PublicKey::from_spki_der(&spki(&ec_alg, p256_point, 0)).unwrap();

    let fmt = "SubjectPublicKeyInfo";
    // EC key without parameters, or with non-OID parameters.
    assert_malformed(PublicKey::from_spki_der(&spki(OID_EC_PUBLIC_KEY, p256_point, 0)), fmt);
    assert_malformed(
        PublicKey::from_spki_der(&spki(&[OID_EC_PUBLIC_KEY, NULL].concat(), p256_point, 0)),
        fmt,
    );
    // BIT STRING with unused bits.
    assert_malformed(PublicKey::from_spki_der(&spki(&ec_alg, p256_point, 3)), fmt);
    // Point not on the curve, identity, wrong length, hybrid encoding.
    let mut off_curve = p256_point.to_vec();
    off_curve[64] ^= 1;
    assert_malformed(PublicKey::from_spki_der(&spki(&ec_alg, &off_curve, 0)), fmt);
    assert_malformed(PublicKey::from_spki_der(&spki(&ec_alg, &[0x00], 0)), fmt);
    assert_malformed(PublicKey::from_spki_der(&spki(&ec_alg, &p256_point[..64], 0)), fmt);
    let mut hybrid = p256_point.to_vec();
    hybrid[0] = 0x06;
    assert_malformed(PublicKey::from_spki_der(&spki(&ec_alg, &hybrid, 0)), fmt);
    // A compressed point is fine.
    let mut compressed = vec![0x02 | (p256_point[64] & 1)];
    compressed.extend_from_slice(&p256_point[1..33]);
    let c = PublicKey::from_spki_der(&spki(&ec_alg, &compressed, 0)).unwrap();
    assert_eq!(c.ec_point_uncompressed().unwrap(), p256_point);

    // Ed25519 with parameters, wrong length, not a point.
    let ed = Signer::public_key(&*ED25519).ed25519_bytes().unwrap();
    PublicKey::from_spki_der(&spki(OID_ED25519, &ed, 0)).unwrap();
    assert_malformed(
        PublicKey::from_spki_der(&spki(&[OID_ED25519, NULL].concat(), &ed, 0)),
        fmt,
    );
    assert_malformed(PublicKey::from_spki_der(&spki(OID_ED25519, &ed[..31], 0)), fmt);
    assert_malformed(
        PublicKey::from_spki_der(&spki(OID_ED25519, &[ed.as_slice(), &[0]].concat(), 0)),
        fmt,
    );

    // RSA: parameters not NULL; garbage RSAPublicKey; tiny modulus; exponent 1.
    let (n, e) = Signer::public_key(&*RSA_2048).rsa_components().unwrap();
    let int = |v: &[u8]| {
        let mut c = vec![];
        if v[0] & 0x80 != 0 {
            c.push(0);
        }
        c.extend_from_slice(v);
        tlv(0x02, &c)
    };
    let rsa_pub = |n: &[u8], e: &[u8]| tlv(0x30, &[int(n), int(e)].concat());
    let rsa_alg = [OID_RSA, NULL].concat();
    PublicKey::from_spki_der(&spki(&rsa_alg, &rsa_pub(&n, &e), 0)).unwrap();
    PublicKey::from_spki_der(&spki(OID_RSA, &rsa_pub(&n, &e), 0)).unwrap(); // absent params tolerated
    assert_malformed(
        PublicKey::from_spki_der(&spki(&[OID_RSA, OID_P256].concat(), &rsa_pub(&n, &e), 0)),
        fmt,
    );
    assert_malformed(
        PublicKey::from_spki_der(&spki(&rsa_alg, &noise(1, 270), 0)),
        "RSAPublicKey",
    );
    assert_malformed(
        PublicKey::from_spki_der(&spki(&rsa_alg, &rsa_pub(&n[..64], &e), 0)),
        "RSAPublicKey",
    );
    assert_malformed(
        PublicKey::from_spki_der(&spki(&rsa_alg, &rsa_pub(&n, &[1]), 0)),
        "RSAPublicKey",
    );

    // Unknown algorithm OID.
    assert_unsupported_algorithm(
        PublicKey::from_spki_der(&spki(&[0x06, 0x03, 0x2A, 0x03, 0x04], &[1, 2, 3], 0)),
        "1.2.3.4",
    );
}

// ---------------------------------------------------------------------------------------------
// PEM framing.

#[test]
fn pem_wrong_labels_and_encrypted_keys() {
    match PrivateKey::from_pem(P256_ENCRYPTED_PKCS8_PEM) {
        Err(Error::UnsupportedPemLabel(l)) => assert_eq!(l, "ENCRYPTED PRIVATE KEY"),
        other => panic!("{other:?}"),
    }
    match PrivateKey::from_pem(P256_LEGACY_ENCRYPTED_PEM) {
        Err(Error::MalformedKey { format: "PEM", reason }) => assert!(reason.contains("encrypted"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // A public key where a private key is expected, and the other way round.
    match PrivateKey::from_pem(P256_SPKI_PEM) {
        Err(Error::UnsupportedPemLabel(l)) => assert_eq!(l, "PUBLIC KEY"),
        other => panic!("{other:?}"),
    }
    match PublicKey::from_pem(P256_SEC1_PEM) {
        Err(Error::UnsupportedPemLabel(l)) => assert_eq!(l, "EC PRIVATE KEY"),
        other => panic!("{other:?}"),
    }
    match PublicKey::from_pem(&encoding::pem_encode("CERTIFICATE", &der_of(P256_SPKI_PEM))) {
        Err(Error::UnsupportedPemLabel(l)) => assert_eq!(l, "CERTIFICATE"),
        other => panic!("{other:?}"),
    }
    // A right label on the wrong contents: the contents' parser reports it.
    assert_malformed(
        PrivateKey::from_pem(&encoding::pem_encode("RSA PRIVATE KEY", &der_of(P256_SEC1_PEM))),
        "PKCS#1",
    );
    assert_malformed(
        PrivateKey::from_pem(&encoding::pem_encode("EC PRIVATE KEY", &der_of(RSA1024_PKCS1_PEM))),
        "SEC1",
    );
    assert_malformed(
        PrivateKey::from_pem(&encoding::pem_encode("PRIVATE KEY", &der_of(P256_SEC1_PEM))),
        "PKCS#8",
    );
    // Two private keys in one text; two public keys in one text.
    let two = format!("{P256_SEC1_PEM}{RSA1024_PKCS8_PEM}");
    assert_malformed(PrivateKey::from_pem(&two), "PEM");
    assert_malformed(PublicKey::from_pem(&format!("{P256_SPKI_PEM}{P256_SPKI_PEM}")), "PEM");
    // An EC PARAMETERS block alone is not a key.
    let params_only = encoding::pem_encode("EC PARAMETERS", OID_P256);
    assert_malformed(PrivateKey::from_pem(&params_only), "PEM");
}

#[test]
fn pem_framing_errors() {
    let cases: &[(&str, &str)] = &[
        ("no PEM at all", "no PEM block found"),
        ("-----BEGIN PRIVATE KEY", "unterminated BEGIN line"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n", "missing END line"),
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            "missing END line",
        ),
        (
            "-----BEGIN X-----\n!!!!\n-----END X-----\n",
            "invalid base64 in PEM body",
        ),
        (
            "-----BEGIN X-----\nAAA\n-----END X-----\n",
            "invalid base64 in PEM body",
        ),
        (
            "-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END X-----\n",
            "encrypted",
        ),
        // END marker overlapping the BEGIN line's dashes (regression: this sliced out of order).
        ("-----BEGIN X-----END X-----", "missing END line"),
        ("-----BEGIN -----END -----", "missing END line"),
        ("-----BEGIN -----", "missing END line"),
        ("-----BEGIN ", "unterminated BEGIN line"),
    ];
    for (text, reason_part) in cases {
        match encoding::pem_blocks(text) {
            Err(Error::MalformedKey { format: "PEM", reason }) => {
                assert!(reason.contains(reason_part), "{text:?}: {reason}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
        // The key parsers built on it fail the same way.
        assert_malformed(PrivateKey::from_pem(text), "PEM");
        assert_malformed(PublicKey::from_pem(text), "PEM");
    }
    // An empty body between correct lines decodes to nothing (and no key).
    let empty = encoding::pem_blocks("-----BEGIN X-----\n-----END X-----\n").unwrap();
    assert_eq!(empty.len(), 1);
    assert!(empty[0].der.is_empty());
    assert_malformed(
        PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"),
        "PKCS#8",
    );
}

#[test]
fn pem_block_count_is_bounded() {
    let one = encoding::pem_encode("CERTIFICATE", b"x");
    let max = encoding::MAX_PEM_BLOCKS;
    assert_eq!(encoding::pem_blocks(&one.repeat(max)).unwrap().len(), max);
    match encoding::pem_blocks(&one.repeat(max + 1)) {
        Err(Error::MalformedKey { format: "PEM", reason }) => assert!(reason.contains("too many")),
        other => panic!("{other:?}"),
    }
    // Many BEGIN lines without END: refused at the first, quickly.
    let text = "-----BEGIN A-----\n".repeat(20_000);
    assert_malformed(encoding::pem_blocks(&text), "PEM");
}

#[test]
fn pem_with_non_ascii_and_odd_whitespace() {
    // Multi-byte UTF-8 around and inside the framing never breaks slicing.
    for text in [
        "ééé-----BEGIN ÄÖ-----\nAAAA\n-----END ÄÖ-----ü",
        "-----BEGIN X-----\nAA€A\n-----END X-----",
        "\u{feff}-----BEGIN PRIVATE KEY-----\r\nAAAA\r\n-----END PRIVATE KEY-----\r\n",
    ] {
        if let Err(e) = encoding::pem_blocks(text) {
            assert!(
                matches!(e, Error::MalformedKey { format: "PEM", .. }),
                "{text:?}: {e:?}"
            );
        }
        let r = PrivateKey::from_pem(text);
        assert!(r.as_ref().is_err_and(is_parse_error), "{text:?}");
    }
    // CRLF line endings and surrounding text are fine for a real key.
    let crlf = P256_SEC1_PEM.replace('\n', "\r\n");
    PrivateKey::from_pem(&format!("Bag Attributes: x\r\n{crlf}trailing text")).unwrap();
}

#[test]
fn load_of_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    assert_malformed(PrivateKey::load(write("empty", b"")), "DER private key");
    assert_malformed(PrivateKey::load(write("noise", &noise(3, 500))), "DER private key");
    // Looks like PEM but is not UTF-8.
    assert_malformed(
        PrivateKey::load(write("latin1.pem", b"-----BEGIN PRIVATE KEY-----\n\xff\xfe\n")),
        "PEM",
    );
    match PrivateKey::load(write("enc.pem", P256_ENCRYPTED_PKCS8_PEM.as_bytes())) {
        Err(Error::UnsupportedPemLabel(_)) => {}
        other => panic!("{other:?}"),
    }
    match PrivateKey::load(dir.path().join("missing")) {
        Err(Error::Io { .. }) => {}
        other => panic!("{other:?}"),
    }
    match PrivateKey::load(dir.path()) {
        Err(Error::Io { .. }) => {}
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Garbage signatures and ciphertexts.

#[test]
fn verify_rejects_garbage_signatures() {
    let pss_any = SignatureAlgorithm::RsaPss {
        hash: HashAlgorithm::Sha256,
        salt: PssSaltLength::AnyOnVerify,
    };
    let der256 = SignatureAlgorithm::Ecdsa {
        hash: HashAlgorithm::Sha256,
        encoding: EcdsaEncoding::Der,
    };
    let der384 = SignatureAlgorithm::Ecdsa {
        hash: HashAlgorithm::Sha384,
        encoding: EcdsaEncoding::Der,
    };
    let cases: [(&PrivateKey, SignatureAlgorithm); 9] = [
        (&P256, SignatureAlgorithm::ES256),
        (&P256, der256),
        (&P384, SignatureAlgorithm::ES384),
        (&P384, der384),
        (&RSA_2048, SignatureAlgorithm::RS256),
        (&RSA_2048, SignatureAlgorithm::PS256),
        (&RSA_2048, pss_any),
        (&ED25519, SignatureAlgorithm::Ed25519),
        (&P256, SignatureAlgorithm::ES384),
    ];
    let msg = b"message";
    for (key, alg) in cases {
        let public = Signer::public_key(key);
        let mut garbage: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![0; 64],
            vec![0xFF; 64],
            vec![0; 256],
            vec![0xFF; 256],
        ];
        garbage.extend(
            [1usize, 8, 48, 63, 64, 65, 70, 72, 96, 104, 255, 256, 257, 512, 100_000].map(|n| noise(n as u64, n)),
        );
        // DER-shaped garbage: SEQUENCE { INTEGER 0, INTEGER 0 }, { INTEGER 1, INTEGER 1 }, n, n.
        garbage.push(vec![0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);
        garbage.push(vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]);
        garbage.push(vec![0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00]);
        for sig in garbage {
            let r = public.verify(alg, msg, &sig);
            assert!(
                matches!(r, Err(Error::BadSignature)),
                "{alg:?} with {} garbage bytes: {r:?}",
                sig.len()
            );
        }
    }
    // ECDSA with r or s zero, or equal to the group order, in fixed encoding.
    let n256 = hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551").unwrap();
    let one = {
        let mut v = vec![0u8; 32];
        v[31] = 1;
        v
    };
    for (r, s) in [(&one, &n256), (&n256, &one), (&vec![0; 32], &one), (&one, &vec![0; 32])] {
        let sig = [r.as_slice(), s.as_slice()].concat();
        assert!(matches!(
            Signer::public_key(&*P256).verify(SignatureAlgorithm::ES256, msg, &sig),
            Err(Error::BadSignature)
        ));
    }
}

#[test]
fn oaep_decrypt_rejects_garbage() {
    let key = &*RSA_2048;
    let good = Signer::public_key(key)
        .encrypt_rsa_oaep_sha256(Some(b"label"), b"secret")
        .unwrap();
    assert_eq!(*key.decrypt_rsa_oaep_sha256(Some(b"label"), &good).unwrap(), b"secret");
    let mut garbage: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![0; 255],
        vec![0; 256],
        vec![0xFF; 256],
        vec![0; 257],
    ];
    garbage.extend([1usize, 128, 255, 256, 257, 512, 100_000].map(|n| noise(n as u64 + 99, n)));
    garbage.push(good[..255].to_vec());
    garbage.push([&good[..], &[0]].concat());
    garbage.push([&[0u8][..], &good[..]].concat());
    for i in [0usize, 1, 100, 255] {
        let mut flipped = good.clone();
        flipped[i] ^= 0x10;
        garbage.push(flipped);
    }
    for ct in &garbage {
        for label in [
            None,
            Some(&b"label"[..]),
            Some(&b""[..]),
            Some(&vec![0xAB; 1 << 16][..]),
        ] {
            let r = key.decrypt_rsa_oaep_sha256(label, ct);
            assert!(
                matches!(r, Err(Error::DecryptionFailed)),
                "{} bytes: {:?}",
                ct.len(),
                r.map(|p| p.len())
            );
        }
    }
    // The right ciphertext with a wrong label: the same opaque error.
    for label in [None, Some(&b"labem"[..]), Some(&b"label\0"[..])] {
        assert!(matches!(
            key.decrypt_rsa_oaep_sha256(label, &good),
            Err(Error::DecryptionFailed)
        ));
    }
}

/// `PrivateKey::from_pem_or_der` (what `load` and the CLI's `--key` read) refuses every
/// malformed input with a typed error and reads both encodings of a good key.
#[test]
fn from_pem_or_der_refuses_garbage_and_reads_both_encodings() {
    use kavach_keys::{Error, KeyKind, PrivateKey};
    for bad in [
        &b""[..],
        b"\x30\x03\x02\x01\x00",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\xff\xfe",
        b"Bag Attributes\n    localKeyID: 01\nno block here",
    ] {
        let err = PrivateKey::from_pem_or_der(bad).unwrap_err();
        assert!(matches!(err, Error::MalformedKey { .. }), "{bad:?}: {err:?}");
    }
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let pem = key.to_pkcs8_pem().unwrap();
    let with_attributes = format!("Bag Attributes\n    localKeyID: 01\n{}", pem.as_str());
    for encoded in [der.as_slice(), pem.as_bytes(), with_attributes.as_bytes()] {
        let again = PrivateKey::from_pem_or_der(encoded).unwrap();
        assert_eq!(
            kavach_keys::Signer::public_key(&again),
            kavach_keys::Signer::public_key(&key)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Raw public-key components (JWK members, ECDH-ES ephemeral points, PKCS#11 attributes).

#[test]
fn from_ec_point_reads_what_the_key_writes_on_both_curves() {
    for (kind, key) in [(KeyKind::P256, &*P256), (KeyKind::P384, &*P384)] {
        let public = Signer::public_key(key);
        let point = public.ec_point_uncompressed().unwrap();
        assert_eq!(&PublicKey::from_ec_point(kind, &point).unwrap(), public);
        // Compressed: the same point (the key keeps the encoding it was given, as from SPKI).
        let mut compressed = vec![0x02 | (point[point.len() - 1] & 1)];
        compressed.extend_from_slice(&point[1..=kind.ec_field_len().unwrap()]);
        let again = PublicKey::from_ec_point(kind, &compressed).unwrap();
        assert_eq!(again.ec_point_uncompressed().unwrap(), point);
        assert_eq!(again.kind(), kind);
    }
}

#[test]
fn from_ec_point_refuses_bad_points() {
    let fmt = "EC point";
    let point = Signer::public_key(&*P256).ec_point_uncompressed().unwrap();
    // Empty, identity, truncated, one byte too long, far too long.
    assert_malformed(PublicKey::from_ec_point(KeyKind::P256, &[]), fmt);
    assert_malformed(PublicKey::from_ec_point(KeyKind::P256, &[0x00]), fmt);
    assert_malformed(PublicKey::from_ec_point(KeyKind::P256, &point[..64]), fmt);
    assert_malformed(
        PublicKey::from_ec_point(KeyKind::P256, &[point.as_slice(), &[0]].concat()),
        fmt,
    );
    assert_malformed(PublicKey::from_ec_point(KeyKind::P256, &vec![0x04; 1 << 20]), fmt);
    // Not on the curve; hybrid encoding; x and y of zero.
    let mut off_curve = point.clone();
    off_curve[64] ^= 1;
    assert_malformed(PublicKey::from_ec_point(KeyKind::P256, &off_curve), fmt);
    let mut hybrid = point.clone();
    hybrid[0] = 0x06;
    assert_malformed(PublicKey::from_ec_point(KeyKind::P256, &hybrid), fmt);
    let mut zeros = vec![0u8; 65];
    zeros[0] = 0x04;
    assert_malformed(PublicKey::from_ec_point(KeyKind::P256, &zeros), fmt);
    // A P-256 point named as P-384 (wrong length for that curve), and a P-384 one as P-256.
    assert_malformed(PublicKey::from_ec_point(KeyKind::P384, &point), fmt);
    let p384 = Signer::public_key(&*P384).ec_point_uncompressed().unwrap();
    assert_malformed(PublicKey::from_ec_point(KeyKind::P256, &p384), fmt);
    // Kinds that are not curves.
    assert_unsupported_algorithm(PublicKey::from_ec_point(KeyKind::Ed25519, &point), "not an EC curve");
    assert_unsupported_algorithm(
        PublicKey::from_ec_point(KeyKind::Rsa { bits: 2048 }, &point),
        "not an EC curve",
    );
}

#[test]
fn from_rsa_components_reads_what_the_key_writes() {
    let public = Signer::public_key(&*RSA_2048);
    let (n, e) = public.rsa_components().unwrap();
    assert_eq!(&PublicKey::from_rsa_components(&n, &e).unwrap(), public);
    // Leading zero octets are not part of the value.
    let again = PublicKey::from_rsa_components(&[&[0, 0][..], &n].concat(), &[&[0][..], &e].concat()).unwrap();
    assert_eq!(&again, public);
    assert!(!again.is_rsa_pss_only());
}

#[test]
fn from_rsa_components_refuses_bad_keys() {
    let fmt = "RSAPublicKey";
    let (n, e) = Signer::public_key(&*RSA_2048).rsa_components().unwrap();
    // Tiny modulus (512 bits), empty or zero modulus, even modulus.
    assert_malformed(PublicKey::from_rsa_components(&n[..64], &e), fmt);
    assert_malformed(PublicKey::from_rsa_components(&[], &e), fmt);
    assert_malformed(PublicKey::from_rsa_components(&[0; 256], &e), fmt);
    let mut even = n.clone();
    even[255] &= 0xfe;
    assert_malformed(PublicKey::from_rsa_components(&even, &e), fmt);
    // Exponent zero, empty, one, even, and not below the modulus.
    for bad_e in [&[0u8][..], &[], &[1], &[2], n.as_slice()] {
        assert_malformed(PublicKey::from_rsa_components(&n, bad_e), fmt);
    }
    // A modulus far beyond any accepted size is refused before any encoding work.
    match PublicKey::from_rsa_components(&vec![0xff; 1 << 20], &e) {
        Err(Error::TooLarge { what, len, max }) => {
            assert_eq!(what, "RSA modulus and exponent");
            assert_eq!((len, max), ((1 << 20) + e.len(), 4032));
        }
        other => panic!("{other:?}"),
    }
    // 8192 bits is the most the parser accepts; one octet more is refused.
    let mut big = vec![0xff; 1025];
    big[1024] = 0xfd;
    assert_malformed(PublicKey::from_rsa_components(&big, &e), fmt);
}

#[test]
fn from_ed25519_bytes_reads_the_key_and_refuses_non_points() {
    let public = Signer::public_key(&*ED25519);
    assert_eq!(
        &PublicKey::from_ed25519_bytes(&public.ed25519_bytes().unwrap()).unwrap(),
        public
    );
    // y = 2 is not the y coordinate of any point of edwards25519 (x^2 has no root).
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    assert_malformed(PublicKey::from_ed25519_bytes(&not_a_point), "Ed25519 key");
}

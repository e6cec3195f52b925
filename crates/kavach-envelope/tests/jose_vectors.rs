//! Known answers from the JOSE RFCs for the parts of `ECDH-ES+A256KW` that Wycheproof does not
//! cover: the Concat KDF (RFC 7518 Appendix C) and AES key wrap (RFC 3394 §4.6).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64ct::{Base64UrlUnpadded, Encoding};
use kavach_envelope::hazmat;
use kavach_keys::{Decrypter, PrivateKey, PublicKey};

fn b64u(s: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(s).unwrap()
}

/// SEC1 `ECPrivateKey` DER around a P-256 scalar.
fn sec1(d: &[u8]) -> Vec<u8> {
    let mut der = vec![0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20];
    der.extend_from_slice(d);
    der.extend_from_slice(&[0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
    der
}

fn spki(x: &[u8], y: &[u8]) -> Vec<u8> {
    let mut der = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
    der.push(4);
    der.extend_from_slice(x);
    der.extend_from_slice(y);
    der
}

/// RFC 7518 Appendix C: Bob (static) and Alice's ephemeral key agree on Z, and the Concat KDF
/// with AlgorithmID "A128GCM", PartyUInfo "Alice", PartyVInfo "Bob" derives `VqqN6vgjbSBcIijNcacQGg`.
#[test]
fn rfc7518_appendix_c_ecdh_es_and_concat_kdf() {
    let alice_x = b64u("gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0");
    let alice_y = b64u("SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps");
    let bob_d = b64u("VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw");
    let bob = PrivateKey::from_sec1_der(&sec1(&bob_d)).unwrap();
    let alice_public = PublicKey::from_spki_der(&spki(&alice_x, &alice_y)).unwrap();
    let z = bob.ecdh_p256(&alice_public).unwrap();
    assert_eq!(
        z[..],
        [
            158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110, 163, 218, 128,
            106, 72, 246, 218, 167, 121, 140, 254, 144, 196
        ]
    );
    let key = hazmat::concat_kdf_sha256(&z[..], b"A128GCM", b"Alice", b"Bob", 16).unwrap();
    assert_eq!(Base64UrlUnpadded::encode_string(&key), "VqqN6vgjbSBcIijNcacQGg");
    assert!(hazmat::concat_kdf_sha256(&z[..], b"A128GCM", b"", b"", 33).is_err());
}

/// RFC 3394 §4.6: wrap 256 bits of key data with a 256-bit KEK.
#[test]
fn rfc3394_4_6_wrap_256_with_256() {
    let kek: [u8; 32] = hex::decode("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
        .unwrap()
        .try_into()
        .unwrap();
    let key = hex::decode("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F").unwrap();
    let want = hex::decode("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21").unwrap();
    assert_eq!(hazmat::aes256_key_wrap(&kek, &key).unwrap(), want);
    assert_eq!(*hazmat::aes256_key_unwrap(&kek, &want).unwrap(), key);
}

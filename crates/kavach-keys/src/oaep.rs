//! Constant-time RSAES-OAEP decoding with SHA-256 and MGF1-SHA-256 (RFC 8017 §7.1.2, step 3).
//!
//! Used where the RSA private operation happens elsewhere and only the raw padded block comes
//! back (a PKCS#11 token's `CKM_RSA_X_509`, see `crate::pkcs11`). The rsa crate keeps its own
//! decoder private, hence this one.
//!
//! Every check (leading byte, label hash, padding string, separator) is computed over the whole
//! block with `subtle`, whatever the data; the one branch on secret data is the final
//! accept/reject, and every rejection is the same [`Error::DecryptionFailed`]. Lengths (of the
//! block and the label) are public and checked up front.
#![cfg_attr(not(feature = "pkcs11"), allow(dead_code))]

use sha2::{Digest, Sha256};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// SHA-256 output length (`hLen` of RFC 8017).
const H_LEN: usize = 32;

/// Shortest block OAEP-SHA-256 can decode: `k >= 2 hLen + 2` (RFC 8017 §7.1.2 step 1.c).
pub(crate) const MIN_BLOCK_LEN: usize = 2 * H_LEN + 2;

/// Longest block accepted: 1,024 bytes, the modulus of RSA-8192, the largest RSA key
/// [`crate::PublicKey::from_spki_der`] parses. Bounds the MGF1 loops (at most 32 blocks).
pub(crate) const MAX_BLOCK_LEN: usize = 1024;

/// Decodes the RSAES-OAEP encoded message `em` (exactly `k` bytes, the modulus length, leading
/// zero byte included) with SHA-256, MGF1-SHA-256 and `label`, returning the message.
///
/// Every malformed block gives [`Error::DecryptionFailed`], after the same work.
pub(crate) fn decode_sha256(em: &[u8], label: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let k = em.len();
    if !(MIN_BLOCK_LEN..=MAX_BLOCK_LEN).contains(&k) {
        // The block length is the public modulus length: nothing secret is revealed here.
        return Err(Error::DecryptionFailed);
    }
    let mut block = Zeroizing::new(em.to_vec());
    let (first, rest) = block.split_at_mut(1);
    let (seed, db) = rest.split_at_mut(H_LEN);
    // seed = maskedSeed xor MGF1(maskedDB, hLen); DB = maskedDB xor MGF1(seed, k - hLen - 1).
    mgf1_sha256_xor(db, seed);
    mgf1_sha256_xor(seed, db);

    let l_hash = Sha256::digest(label);
    let mut good = first[0].ct_eq(&0u8);
    good &= db[..H_LEN].ct_eq(&l_hash[..]);

    // DB = lHash' || PS || 0x01 || M, PS zero bytes: find the first 0x01 after lHash', and
    // flag any byte other than 0x00 before it. No early exit.
    let mut looking = Choice::from(1u8);
    let mut separator: u32 = 0;
    let mut bad_padding = Choice::from(0u8);
    for (i, byte) in db[H_LEN..].iter().enumerate() {
        let is_zero = byte.ct_eq(&0u8);
        let is_one = byte.ct_eq(&1u8);
        // i < MAX_BLOCK_LEN, so it fits in u32.
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        separator.conditional_assign(&index, looking & is_one);
        bad_padding |= looking & !is_zero & !is_one;
        looking &= !is_one;
    }
    good &= !looking;
    good &= !bad_padding;

    if bool::from(good) {
        // The message length (which reveals the separator position) is public once accepted.
        let start = H_LEN + separator as usize + 1;
        Ok(Zeroizing::new(db[start..].to_vec()))
    } else {
        Err(Error::DecryptionFailed)
    }
}

/// `out ^= MGF1-SHA-256(seed, out.len())` (RFC 8017 Appendix B.2.1).
fn mgf1_sha256_xor(seed: &[u8], out: &mut [u8]) {
    // out.len() <= MAX_BLOCK_LEN, so at most MAX_BLOCK_LEN / H_LEN + 1 blocks and the counter
    // never approaches 2^32.
    for (counter, chunk) in out.chunks_mut(H_LEN).enumerate() {
        let counter = u32::try_from(counter).unwrap_or(u32::MAX);
        let mut hasher = Sha256::new();
        hasher.update(seed);
        hasher.update(counter.to_be_bytes());
        let mut mask: [u8; H_LEN] = hasher.finalize().into();
        for (o, m) in chunk.iter_mut().zip(mask.iter()) {
            *o ^= m;
        }
        mask.zeroize();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// RFC 8017 §7.1.1 step 2 with a chosen seed: builds `EM` for `msg` in a `k`-byte block.
    fn encode(k: usize, label: &[u8], msg: &[u8], seed: &[u8; H_LEN]) -> Vec<u8> {
        assert!(msg.len() <= k - 2 * H_LEN - 2);
        let mut db = Vec::with_capacity(k - H_LEN - 1);
        db.extend_from_slice(&Sha256::digest(label));
        db.resize(k - msg.len() - H_LEN - 2, 0);
        db.push(1);
        db.extend_from_slice(msg);
        let mut masked_seed = *seed;
        mgf1_sha256_xor(seed, &mut db);
        mgf1_sha256_xor(&db, &mut masked_seed);
        let mut em = vec![0u8];
        em.extend_from_slice(&masked_seed);
        em.extend_from_slice(&db);
        em
    }

    /// Unmasks `em` to `(Y, seed, DB)` so tests can corrupt one field and re-mask.
    fn unmask(em: &[u8]) -> (u8, [u8; H_LEN], Vec<u8>) {
        let mut seed: [u8; H_LEN] = em[1..1 + H_LEN].try_into().unwrap();
        let mut db = em[1 + H_LEN..].to_vec();
        mgf1_sha256_xor(&db, &mut seed);
        mgf1_sha256_xor(&seed, &mut db);
        (em[0], seed, db)
    }

    fn remask(y: u8, seed: &[u8; H_LEN], db: &[u8]) -> Vec<u8> {
        let mut db = db.to_vec();
        let mut masked_seed = *seed;
        mgf1_sha256_xor(seed, &mut db);
        mgf1_sha256_xor(&db, &mut masked_seed);
        let mut em = vec![y];
        em.extend_from_slice(&masked_seed);
        em.extend_from_slice(&db);
        em
    }

    const K: usize = 256;
    const SEED: [u8; H_LEN] = [0x5a; H_LEN];

    #[test]
    fn round_trip_with_and_without_label() {
        for (label, msg) in [
            (&b""[..], &b""[..]),
            (b"", b"hello"),
            (b"a label", b"payload with a label"),
            (b"", &[0u8; K - 2 * H_LEN - 2][..]),
            (b"x", &[1u8; 40][..]),
        ] {
            let em = encode(K, label, msg, &SEED);
            assert_eq!(decode_sha256(&em, label).unwrap().as_slice(), msg);
        }
    }

    #[test]
    fn message_starting_with_zero_and_one_bytes() {
        // The separator search must stop at the first 0x01 only.
        let msg = [0u8, 1, 0, 1, 1];
        let em = encode(K, b"", &msg, &SEED);
        assert_eq!(decode_sha256(&em, b"").unwrap().as_slice(), msg);
    }

    #[test]
    fn wrong_label_is_rejected() {
        let em = encode(K, b"right", b"m", &SEED);
        assert!(matches!(decode_sha256(&em, b"wrong"), Err(Error::DecryptionFailed)));
        assert!(matches!(decode_sha256(&em, b""), Err(Error::DecryptionFailed)));
    }

    #[test]
    fn wrong_length_is_rejected() {
        for len in [0, 1, MIN_BLOCK_LEN - 1, MAX_BLOCK_LEN + 1] {
            assert!(matches!(
                decode_sha256(&vec![0u8; len], b""),
                Err(Error::DecryptionFailed)
            ));
        }
        // The shortest legal block carries an empty message.
        let em = encode(MIN_BLOCK_LEN, b"", b"", &SEED);
        assert!(decode_sha256(&em, b"").unwrap().is_empty());
    }

    #[test]
    fn nonzero_leading_byte_is_rejected() {
        let em = encode(K, b"", b"m", &SEED);
        for y in [1u8, 0x80, 0xff] {
            let mut bad = em.clone();
            bad[0] = y;
            assert!(matches!(decode_sha256(&bad, b""), Err(Error::DecryptionFailed)));
        }
    }

    #[test]
    fn bad_label_hash_is_rejected() {
        let em = encode(K, b"", b"m", &SEED);
        let (y, seed, mut db) = unmask(&em);
        db[5] ^= 0x01;
        assert!(matches!(
            decode_sha256(&remask(y, &seed, &db), b""),
            Err(Error::DecryptionFailed)
        ));
    }

    #[test]
    fn missing_separator_is_rejected() {
        let em = encode(K, b"", b"", &SEED);
        let (y, seed, mut db) = unmask(&em);
        assert_eq!(db.last(), Some(&1));
        *db.last_mut().unwrap() = 0; // all-zero PS, no 0x01
        assert!(matches!(
            decode_sha256(&remask(y, &seed, &db), b""),
            Err(Error::DecryptionFailed)
        ));
    }

    #[test]
    fn nonzero_padding_byte_before_separator_is_rejected() {
        let em = encode(K, b"", b"m", &SEED);
        let (y, seed, mut db) = unmask(&em);
        db[H_LEN + 3] = 0x02;
        assert!(matches!(
            decode_sha256(&remask(y, &seed, &db), b""),
            Err(Error::DecryptionFailed)
        ));
    }

    #[test]
    fn flipped_bits_anywhere_are_rejected() {
        let em = encode(K, b"l", b"message", &SEED);
        for i in 0..K {
            let mut bad = em.clone();
            bad[i] ^= 0x40;
            // A flip in the masked seed or DB scrambles the whole DB (or the lHash); a flip in
            // Y breaks the leading zero.
            assert!(decode_sha256(&bad, b"l").is_err(), "flip at {i} accepted");
        }
    }

    /// Wycheproof RSA-OAEP (SHA-256, MGF1-SHA-256) vectors: the raw RSA private operation in
    /// software (rsa's hazmat `rsa_decrypt_and_check`), then this decoder. Valid cases must give
    /// the message, invalid ones must fail.
    fn wycheproof(test: &str, file: &str) -> usize {
        use rsa::traits::PublicKeyParts;
        let Some(path) = kavach_testkit::vector_file(test, file) else {
            return 0;
        };
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut count = 0;
        for group in json["testGroups"].as_array().unwrap() {
            assert_eq!(group["sha"], "SHA-256");
            assert_eq!(group["mgfSha"], "SHA-256");
            let der = hex::decode(group["privateKeyPkcs8"].as_str().unwrap()).unwrap();
            let key = {
                use pkcs8::DecodePrivateKey;
                rsa::PrivateKey::from_pkcs8_der(&der).unwrap()
            };
            let k = key.size();
            for case in group["tests"].as_array().unwrap() {
                let id = case["tcId"].as_u64().unwrap();
                let ct = hex::decode(case["ct"].as_str().unwrap()).unwrap();
                let label = hex::decode(case["label"].as_str().unwrap()).unwrap();
                let msg = hex::decode(case["msg"].as_str().unwrap()).unwrap();
                let result = case["result"].as_str().unwrap();
                let decoded = raw_decrypt(&key, k, &ct).and_then(|em| decode_sha256(&em, &label).ok());
                match result {
                    "valid" => assert_eq!(decoded.as_deref().map(|v| v.as_slice()), Some(&msg[..]), "tcId {id}"),
                    "invalid" => assert!(decoded.is_none(), "tcId {id} accepted"),
                    // No acceptable cases in these files; fail loudly if one appears.
                    other => panic!("tcId {id}: unexpected result {other}"),
                }
                count += 1;
            }
        }
        eprintln!("{test}: {count} Wycheproof cases from {file}");
        count
    }

    /// RSA private operation in software, output as a `k`-byte block (None when the ciphertext
    /// is not `k` bytes or not below the modulus, as a token would refuse it).
    fn raw_decrypt(key: &rsa::PrivateKey, k: usize, ct: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        use rsa::traits::PublicKeyParts;
        if ct.len() != k {
            return None;
        }
        let c = rsa::BoxedUint::from_be_slice(ct, key.n_bits_precision()).ok()?;
        if c >= *key.n().as_ref() {
            return None;
        }
        let m = rsa::hazmat::rsa_decrypt_and_check(key, Some(&mut getrandom::SysRng), &c).ok()?;
        let bytes = m.to_be_bytes();
        let mut out = Zeroizing::new(vec![0u8; k]);
        out[k - bytes.len()..].copy_from_slice(&bytes);
        Some(out)
    }

    #[test]
    fn wycheproof_rsa_oaep_2048_sha256_through_decoder() {
        let n = wycheproof(
            "wycheproof_rsa_oaep_2048_sha256_through_decoder",
            "wycheproof/testvectors_v1/rsa_oaep_2048_sha256_mgf1sha256_test.json",
        );
        assert!(n == 0 || n >= 30, "only {n} cases");
    }

    #[test]
    fn wycheproof_rsa_oaep_3072_sha256_through_decoder() {
        let n = wycheproof(
            "wycheproof_rsa_oaep_3072_sha256_through_decoder",
            "wycheproof/testvectors_v1/rsa_oaep_3072_sha256_mgf1sha256_test.json",
        );
        assert!(n == 0 || n >= 30, "only {n} cases");
    }

    #[test]
    fn agrees_with_rsa_crate_encryption() {
        // Ciphertexts made by the rsa crate's OAEP encoder decode here after a raw private op.
        use rsa::traits::PublicKeyParts;
        let key = crate::PrivateKey::generate(crate::KeyKind::Rsa { bits: 2048 }).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let rsa_key = {
            use pkcs8::DecodePrivateKey;
            rsa::PrivateKey::from_pkcs8_der(&der).unwrap()
        };
        let public = crate::Signer::public_key(&key);
        for (label, msg) in [(None, &b"no label"[..]), (Some(&b"label"[..]), b""), (Some(b""), b"x")] {
            let ct = public.encrypt_rsa_oaep_sha256(label, msg).unwrap();
            let em = raw_decrypt(&rsa_key, rsa_key.size(), &ct).unwrap();
            assert_eq!(decode_sha256(&em, label.unwrap_or(b"")).unwrap().as_slice(), msg);
        }
    }
}

//! The SBI (Secure Biometric Interface) `bioValue` scheme, device to platform (WIRE.md §3).
//!
//! - `X` = XOR of the bytes of the `timestamp` string and the `transactionId` string, the
//!   shorter left-padded with `0x00` to the longer's length; it must be at least 16 bytes.
//! - GCM AAD = the last 16 bytes of `X`; GCM nonce = the last 12 bytes of `X`.
//! - `bioValue` = base64url(AES-256-GCM(data) || tag) under a fresh random session key;
//!   `sessionKey` = base64url(RSA-OAEP-SHA256/MGF1-SHA256 of the session key);
//!   `thumbprint` = UPPERCASE hex of the SHA-256 of the platform certificate.
//! - The capture response's hash chain: `prev_0 = SHA-256("")`,
//!   `hash_i = UPPERHEX(SHA-256(prev || SHA-256(data_i)))`, `prev = hash_i` as bytes ([`HashChain`]).
//!
//! The nonce depends only on the timestamp and transaction id, so a session key must never be
//! reused: [`seal`] draws a new one per call. Biometric data is held in [`BiometricData`], whose
//! `Debug` prints nothing of it and which is zeroized on drop; nothing here logs it.

use core::fmt;

use kavach_keys::{Decrypter, KeyStore, Sha256Thumbprint, Zeroizing};

use crate::backend::{self, IV_LEN, KEY_LEN, TAG_LEN};
use crate::error::{Error, RecipientRef, Result};
use crate::format::Format;
use crate::limits::DEFAULT_MAX_PLAINTEXT;
use crate::recipient::{Recipient, rsa_ciphertext_len};

/// Length of the GCM AAD taken from the end of `X`.
pub const AAD_LEN: usize = 16;
/// Longest `timestamp` or `transactionId` accepted: an ISO-8601 timestamp is under 40
/// characters and MOSIP transaction ids are UUID-sized; 256 bounds the XOR work.
pub const MAX_CONTEXT_LEN: usize = 256;
/// Largest decoded `bioValue`: a biometric record of [`DEFAULT_MAX_PLAINTEXT`] plus its tag.
pub const MAX_BIO_VALUE_LEN: usize = DEFAULT_MAX_PLAINTEXT + TAG_LEN;
/// Longest decoded `sessionKey`: an RSA-8192 OAEP block.
const MAX_SESSION_KEY_LEN: usize = 1024;

fn bad(field: &'static str, reason: &'static str) -> Error {
    Error::malformed(Format::Sbi, field, reason)
}

/// The AAD and nonce of WIRE.md §3 for one capture.
fn derive(timestamp: &str, transaction_id: &str) -> Result<([u8; AAD_LEN], [u8; IV_LEN])> {
    let (a, b) = (timestamp.as_bytes(), transaction_id.as_bytes());
    if a.len() > MAX_CONTEXT_LEN || b.len() > MAX_CONTEXT_LEN {
        return Err(bad("timestamp/transactionId", "longer than 256 bytes"));
    }
    let n = a.len().max(b.len());
    if n < AAD_LEN {
        return Err(bad(
            "timestamp/transactionId",
            "the longer of the two is under 16 bytes, too short to derive the AAD",
        ));
    }
    // Left-pad the shorter with zeros: byte i of the padded string is 0 for i < n - len.
    let at = |s: &[u8], i: usize| if i + s.len() >= n { s[i + s.len() - n] } else { 0 };
    let x: Vec<u8> = (0..n).map(|i| at(a, i) ^ at(b, i)).collect();
    let mut aad = [0u8; AAD_LEN];
    aad.copy_from_slice(&x[n - AAD_LEN..]);
    let mut nonce = [0u8; IV_LEN];
    nonce.copy_from_slice(&x[n - IV_LEN..]);
    Ok((aad, nonce))
}

/// Biometric data in the clear: zeroized on drop, not `Clone`, `Debug` redacted entirely.
pub struct BiometricData(Zeroizing<Vec<u8>>);

impl BiometricData {
    /// Wraps captured data.
    pub fn new(data: Vec<u8>) -> Self {
        Self(Zeroizing::new(data))
    }

    /// The data.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The data, still zeroized on drop.
    pub fn into_zeroizing(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

impl fmt::Debug for BiometricData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BiometricData([redacted])")
    }
}

/// A decoded `bioValue`: AES-256-GCM ciphertext followed by its 16-byte tag.
#[derive(Clone, PartialEq, Eq)]
pub struct BioValue(Vec<u8>);

impl fmt::Debug for BioValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BioValue({} bytes)", self.0.len())
    }
}

impl BioValue {
    /// Decodes base64url (or standard base64); at least a tag, at most [`MAX_BIO_VALUE_LEN`].
    pub fn from_text(text: &str) -> Result<Self> {
        let text = text.trim_ascii();
        let max_text = MAX_BIO_VALUE_LEN.div_ceil(3) * 4 + 4;
        if text.len() > max_text {
            return Err(Error::TooLarge {
                what: "bioValue text",
                max: max_text,
                len: text.len(),
            });
        }
        let b = kavach_jose::base64::decode_lenient(text).map_err(|r| bad("bioValue", r.reason()))?;
        if b.len() < TAG_LEN {
            return Err(bad("bioValue", "shorter than a GCM tag"));
        }
        Ok(Self(b))
    }

    /// base64url without padding.
    pub fn to_text(&self) -> String {
        kavach_jose::base64::encode_url(&self.0)
    }

    /// The decoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A decoded `sessionKey`: the RSA-OAEP-wrapped session key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedSessionKey(Vec<u8>);

impl EncryptedSessionKey {
    /// Decodes base64url (or standard base64); at most an RSA-8192 block.
    pub fn from_text(text: &str) -> Result<Self> {
        let text = text.trim_ascii();
        if text.len() > MAX_SESSION_KEY_LEN.div_ceil(3) * 4 + 4 {
            return Err(Error::TooLarge {
                what: "sessionKey text",
                max: MAX_SESSION_KEY_LEN,
                len: text.len() / 4 * 3,
            });
        }
        let b = kavach_jose::base64::decode_lenient(text).map_err(|r| bad("sessionKey", r.reason()))?;
        if b.is_empty() || b.len() > MAX_SESSION_KEY_LEN {
            return Err(bad("sessionKey", "not an RSA-OAEP block of an RSA key up to 8192 bits"));
        }
        Ok(Self(b))
    }

    /// base64url without padding.
    pub fn to_text(&self) -> String {
        kavach_jose::base64::encode_url(&self.0)
    }

    /// The decoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The SBI `thumbprint`: SHA-256 of the platform certificate, written as 64 UPPERCASE hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiThumbprint(pub Sha256Thumbprint);

impl SbiThumbprint {
    /// Parses 64 hex digits (upper or lower case are both read; kavach writes upper case).
    pub fn parse(text: &str) -> Result<Self> {
        kavach_keys::encoding::hex_decode_exact::<32>(text.trim_ascii())
            .map(|b| Self(Sha256Thumbprint(b)))
            .ok_or(bad("thumbprint", "not 64 hex digits"))
    }

    /// 64 UPPERCASE hex digits.
    pub fn to_upper_hex(&self) -> String {
        kavach_keys::encoding::hex_upper(self.0.as_bytes())
    }
}

impl fmt::Display for SbiThumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_upper_hex())
    }
}

/// The three encrypted members of one SBI biometric record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedBio {
    /// `bioValue`.
    pub bio_value: BioValue,
    /// `sessionKey`.
    pub session_key: EncryptedSessionKey,
    /// `thumbprint`.
    pub thumbprint: SbiThumbprint,
}

/// Encrypts one biometric record for the platform certificate `recipient` (which must be RSA),
/// bound to the capture's `timestamp` and `transaction_id` strings, under a fresh session key.
pub fn seal(recipient: &Recipient, timestamp: &str, transaction_id: &str, data: &[u8]) -> Result<SealedBio> {
    if data.len() > DEFAULT_MAX_PLAINTEXT {
        return Err(Error::TooLarge {
            what: "biometric record",
            max: DEFAULT_MAX_PLAINTEXT,
            len: data.len(),
        });
    }
    let key = recipient.public_key();
    rsa_ciphertext_len(key).ok_or(Error::UnsupportedRecipientKey {
        key: key.kind(),
        format: Format::Sbi,
    })?;
    let (aad, nonce) = derive(timestamp, transaction_id)?;
    let session_key = backend::random_key()?;
    let wrapped = key
        .encrypt_rsa_oaep_sha256(None, session_key.as_ref())
        .map_err(Error::Key)?;
    let mut buf = Vec::with_capacity(data.len() + TAG_LEN);
    buf.extend_from_slice(data);
    let tag = backend::Gcm::new(&session_key).seal_in_place(&nonce, &aad, &mut buf)?;
    buf.extend_from_slice(&tag);
    Ok(SealedBio {
        bio_value: BioValue(buf),
        session_key: EncryptedSessionKey(wrapped),
        thumbprint: SbiThumbprint(*recipient.thumbprint()),
    })
}

/// Decrypts one biometric record with the key `keys` holds for its thumbprint. Every failure
/// after the lookup is [`Error::OpenFailed`].
pub fn open(sealed: &SealedBio, keys: &dyn KeyStore, timestamp: &str, transaction_id: &str) -> Result<BiometricData> {
    let (aad, nonce) = derive(timestamp, transaction_id)?;
    let t = sealed.thumbprint.0;
    let key = keys
        .by_certificate_thumbprint(&t)
        .ok_or(Error::UnknownRecipient(RecipientRef::Thumbprint(t)))?;
    if rsa_ciphertext_len(Decrypter::public_key(&*key)) != Some(sealed.session_key.0.len()) {
        return Err(Error::OpenFailed);
    }
    let sk = key
        .decrypt_rsa_oaep_sha256(None, &sealed.session_key.0)
        .map_err(|_| Error::OpenFailed)?;
    let sk: Zeroizing<[u8; KEY_LEN]> = Zeroizing::new(sk.as_slice().try_into().map_err(|_| Error::OpenFailed)?);
    let bv = &sealed.bio_value.0;
    let (ct, t) = bv.split_at(bv.len() - TAG_LEN);
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(t);
    let mut out = Zeroizing::new(ct.to_vec());
    backend::Gcm::new(&sk)
        .open_in_place(&nonce, &aad, &mut out, &tag)
        .map_err(|_| Error::OpenFailed)?;
    Ok(BiometricData(out))
}

/// One link of the capture hash chain: 32 bytes, written as 64 UPPERCASE hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ChainHash([u8; 32]);

impl ChainHash {
    /// Parses 64 hex digits (either case).
    pub fn parse(text: &str) -> Result<Self> {
        kavach_keys::encoding::hex_decode_exact::<32>(text.trim_ascii())
            .map(Self)
            .ok_or(bad("hash", "not 64 hex digits"))
    }

    /// 64 UPPERCASE hex digits, as SBI writes `hash`.
    pub fn to_upper_hex(&self) -> String {
        kavach_keys::encoding::hex_upper(&self.0)
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHash({})", self.to_upper_hex())
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_upper_hex())
    }
}

/// The SBI capture hash chain, for the device (to compute `hash`) and the platform (to check it).
#[derive(Clone, Debug)]
pub struct HashChain {
    prev: [u8; 32],
}

impl Default for HashChain {
    fn default() -> Self {
        Self::new()
    }
}

impl HashChain {
    /// A chain at its start: `prev = SHA-256("")`.
    pub fn new() -> Self {
        Self {
            prev: backend::sha256(&[]),
        }
    }

    /// The hash of the next record `data` (the biometric data before encryption); advances.
    pub fn next_hash(&mut self, data: &[u8]) -> ChainHash {
        let h = backend::sha256_concat(&[&self.prev, &backend::sha256(data)]);
        self.prev = h;
        ChainHash(h)
    }

    /// Checks that `claimed` is the hash of the next record `data` (in constant time) and
    /// advances only when it is. A mismatch is [`Error::OpenFailed`].
    pub fn verify_next(&mut self, data: &[u8], claimed: &ChainHash) -> Result<()> {
        let h = backend::sha256_concat(&[&self.prev, &backend::sha256(data)]);
        if backend::ct_eq(&h, &claimed.0) {
            self.prev = h;
            Ok(())
        } else {
            Err(Error::OpenFailed)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::sbi;
    use crate::test_support::{RSA_A, RSA_B, store};

    #[test]
    fn xor_left_pads_the_shorter_string() {
        // timestamp (24 bytes) XOR transaction id (20 bytes, padded with 4 leading zeros).
        let ts = "2026-11-23T19:00:00.123Z";
        let tx = "12345678901234567890";
        let (aad, nonce) = derive(ts, tx).unwrap();
        let mut x: Vec<u8> = ts.bytes().collect();
        for (i, b) in tx.bytes().enumerate() {
            x[4 + i] ^= b;
        }
        assert_eq!(aad[..], x[8..]);
        assert_eq!(nonce[..], x[12..]);
        // Symmetric in its arguments.
        assert_eq!(derive(tx, ts).unwrap(), (aad, nonce));
    }

    #[test]
    fn too_short_context_is_refused() {
        assert!(matches!(derive("short", "tiny"), Err(Error::Malformed { .. })));
        assert!(derive(&"x".repeat(300), "y").is_err());
    }

    #[test]
    fn hash_chain_matches_the_definition() {
        let mut chain = HashChain::new();
        let h1 = chain.next_hash(b"first");
        let prev0 = backend::sha256(b"");
        let want = backend::sha256_concat(&[&prev0, &backend::sha256(b"first")]);
        assert_eq!(h1.as_bytes(), &want);
        assert_eq!(h1.to_upper_hex(), h1.to_upper_hex().to_uppercase());
        let h2 = chain.next_hash(b"second");
        let mut verifier = HashChain::new();
        verifier
            .verify_next(b"first", &ChainHash::parse(&h1.to_upper_hex()).unwrap())
            .unwrap();
        assert!(verifier.verify_next(b"first", &h2).is_err(), "out of order must fail");
        verifier.verify_next(b"second", &h2).unwrap();
    }

    #[test]
    fn debug_of_biometric_data_is_redacted() {
        let d = BiometricData::new(b"FINGERPRINT-MINUTIAE".to_vec());
        let s = format!("{d:?}");
        assert!(!s.contains("FINGER") && !s.contains("70"), "{s}");
    }

    #[test]
    fn thumbprint_hex_round_trip() {
        let t = SbiThumbprint(Sha256Thumbprint([0xab; 32]));
        assert_eq!(t.to_upper_hex(), "AB".repeat(32));
        assert_eq!(SbiThumbprint::parse(&"ab".repeat(32)).unwrap(), t);
        assert!(SbiThumbprint::parse(&"zz".repeat(32)).is_err());
        assert!(SbiThumbprint::parse("AB").is_err());
    }

    #[test]
    fn sbi_round_trip_and_binding() {
        let r = RSA_A.recipient();
        let ts = "2026-11-23T19:00:00.123Z";
        let tx = "c2a1e7c4-6f8e-4b0e-9d35-7f5b8f0b1a11";
        let sealed = sbi::seal(&r, ts, tx, b"ISO 19794-4 image").unwrap();
        assert_eq!(sealed.thumbprint.to_upper_hex(), r.thumbprint().to_hex().to_uppercase());
        let keys = store(&[&RSA_A]);
        // Through the text forms.
        let again = sbi::SealedBio {
            bio_value: sbi::BioValue::from_text(&sealed.bio_value.to_text()).unwrap(),
            session_key: sbi::EncryptedSessionKey::from_text(&sealed.session_key.to_text()).unwrap(),
            thumbprint: sbi::SbiThumbprint::parse(&sealed.thumbprint.to_string()).unwrap(),
        };
        let data = sbi::open(&again, &keys, ts, tx).unwrap();
        assert_eq!(data.as_bytes(), b"ISO 19794-4 image");
        assert!(matches!(
            sbi::open(&sealed, &keys, ts, "another-transaction-id"),
            Err(Error::OpenFailed)
        ));
        assert!(matches!(
            sbi::open(&sealed, &keys, "2026-11-23T19:00:00.124Z", tx),
            Err(Error::OpenFailed)
        ));
        assert!(matches!(
            sbi::open(&sealed, &store(&[&RSA_B]), ts, tx),
            Err(Error::UnknownRecipient(_))
        ));
    }
}

//! MOSIP keymanager envelopes, byte for byte (WIRE.md §1).
//!
//! `VER_R2` (what [`seal`] writes when no AAD is given):
//!
//! | offset | length | field |
//! |---|---|---|
//! | 0 | 6 | ASCII `VER_R2` |
//! | 6 | 32 | SHA-256 thumbprint of the recipient certificate |
//! | 38 | k | RSA-OAEP-SHA256/MGF1-SHA256 of the 32-byte AES key (k = modulus length) |
//! | 38+k | 14 | ASCII `#KEY_SPLITTER#` |
//! | 52+k | 32 | random AAD; the GCM nonce is its first 12 bytes |
//! | 84+k | n | AES-256-GCM ciphertext |
//! | 84+k+n | 16 | GCM tag |
//!
//! The `aad` layout (what [`seal`] writes when the caller gives AAD) and the `legacy` layout are
//! `thumbprint(32) || wrapped key(k) || #KEY_SPLITTER# || ciphertext || tag(16) || IV(16)`, with
//! a 16-byte GCM IV (GHASH-derived J0) and the caller's AAD (`aad`) or none (`legacy`);
//! `legacy-no-thumbprint` is the same without the thumbprint.
//!
//! Parsing uses fixed offsets derived from the size of the recipient key that the thumbprint
//! names; the splitter is checked at its offset, never searched for.

use kavach_keys::{Decrypter, KeyHandle, KeyStore, Sha256Thumbprint, Zeroizing};

use crate::backend::{self, IV_LEN, KEY_LEN, LONG_IV_LEN, TAG_LEN};
use crate::error::{Error, RecipientRef, Result};
use crate::format::Format;
pub use crate::format::MosipLayout;
use crate::limits::{self, Limits, MAX_KEYS_TRIED};
use crate::opened::{Opened, OpenedKind};
use crate::recipient::{Plaintext, Recipient, rsa_ciphertext_len};

/// The `VER_R2` version header.
pub const VER_R2_HEADER: &[u8; 6] = b"VER_R2";
/// The separator between the wrapped key and the data block.
pub const KEY_SPLITTER: &[u8; 14] = b"#KEY_SPLITTER#";
/// Length of the certificate thumbprint.
pub const THUMBPRINT_LEN: usize = 32;
/// Length of `VER_R2`'s random AAD (its first 12 bytes are the GCM nonce).
pub const SALT_LEN: usize = 32;
/// Smallest RSA-OAEP block a key store key can produce: RSA-2048, the smallest size
/// kavach-keys loads ([`kavach_keys::RSA_BITS_RANGE`]).
const MIN_WRAPPED_KEY_LEN: usize = 256;
/// RSA block lengths of the key sizes kavach-keys loads (2048, 3072, 4096 bits), used only to
/// name the recipient in an error about an envelope no key of the store fits.
const STANDARD_RSA_BLOCK_LENS: [usize; 3] = [256, 384, 512];
/// Shortest envelope of any layout: `legacy-no-thumbprint` with an RSA-2048 key and an empty
/// payload (wrapped key, splitter, tag, IV).
pub const MIN_ENVELOPE_LEN: usize = MIN_WRAPPED_KEY_LEN + KEY_SPLITTER.len() + TAG_LEN + LONG_IV_LEN;

/// A MOSIP envelope: the decoded bytes of any of the four layouts, size-checked.
///
/// Which layout it is, and where its fields lie, depends on the key that opens it (the wrapped
/// key is as long as that key's modulus), so the full parse happens in [`open`].
#[derive(Clone, PartialEq, Eq)]
pub struct MosipEnvelope {
    bytes: Vec<u8>,
}

impl core::fmt::Debug for MosipEnvelope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MosipEnvelope")
            .field("ver_r2", &self.is_ver_r2())
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl MosipEnvelope {
    /// Decodes the transport text: base64url without padding (what MOSIP and kavach write), or
    /// standard base64 / padded forms. Surrounding ASCII whitespace is ignored.
    pub fn from_text(text: &str, limits: &Limits) -> Result<Self> {
        let text = text.trim_ascii();
        let max = limits.max_envelope_text();
        if text.len() > max {
            return Err(Error::TooLarge {
                what: "MOSIP envelope text",
                max,
                len: text.len(),
            });
        }
        let bytes = kavach_jose::base64::decode_lenient(text)
            .map_err(|r| Error::malformed(Format::Mosip, "base64", r.reason()))?;
        Self::from_bytes(bytes, limits)
    }

    /// Takes the decoded bytes of an envelope.
    pub fn from_bytes(bytes: Vec<u8>, limits: &Limits) -> Result<Self> {
        let max = limits.max_envelope_bytes();
        if bytes.len() > max {
            return Err(Error::TooLarge {
                what: "MOSIP envelope",
                max,
                len: bytes.len(),
            });
        }
        if bytes.len() < MIN_ENVELOPE_LEN {
            return Err(Error::malformed(
                Format::Mosip,
                "envelope",
                "shorter than the smallest layout (RSA-2048 wrapped key, splitter, tag, IV)",
            ));
        }
        Ok(Self { bytes })
    }

    /// The decoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The decoded bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The transport text: base64url without padding.
    pub fn to_text(&self) -> String {
        kavach_jose::base64::encode_url(&self.bytes)
    }

    /// True when the envelope starts with the `VER_R2` header.
    pub fn is_ver_r2(&self) -> bool {
        self.bytes.starts_with(VER_R2_HEADER)
    }

    /// The recipient thumbprint of a `VER_R2` envelope (other layouts may carry one too, but only
    /// a key store lookup can tell whether their first 32 bytes are a thumbprint).
    pub fn ver_r2_thumbprint(&self) -> Option<Sha256Thumbprint> {
        let t = self
            .bytes
            .get(VER_R2_HEADER.len()..VER_R2_HEADER.len() + THUMBPRINT_LEN)?;
        self.is_ver_r2().then(|| thumbprint_at(t))
    }
}

fn thumbprint_at(b: &[u8]) -> Sha256Thumbprint {
    let mut t = [0u8; THUMBPRINT_LEN];
    t.copy_from_slice(&b[..THUMBPRINT_LEN]);
    Sha256Thumbprint(t)
}

/// Seals `plaintext` to `recipient`: `VER_R2` when `aad` is `None`, the `aad` layout otherwise.
///
/// The recipient key must be RSA (MOSIP's keymanager wraps with RSA-OAEP only); an EC recipient
/// gets [`Error::UnsupportedRecipientKey`] — use [`crate::jwe::seal`] for it.
pub fn seal(recipient: &Recipient, plaintext: &[u8], aad: Option<&[u8]>) -> Result<MosipEnvelope> {
    let mut bytes = Vec::new();
    seal_into(recipient, plaintext, aad, &mut bytes)?;
    Ok(MosipEnvelope { bytes })
}

/// [`seal`], writing the binary envelope into `out`: its contents are replaced and its
/// allocation reused, so a server sealing many responses does not allocate (and fault in) a
/// fresh buffer for each. On error `out` is left empty.
pub fn seal_into(recipient: &Recipient, plaintext: &[u8], aad: Option<&[u8]>, out: &mut Vec<u8>) -> Result<()> {
    let r = seal_into_inner(recipient, plaintext, aad, out);
    if r.is_err() {
        out.clear();
    }
    r
}

fn seal_into_inner(recipient: &Recipient, plaintext: &[u8], aad: Option<&[u8]>, out: &mut Vec<u8>) -> Result<()> {
    Limits::DEFAULT.check_plaintext(plaintext.len())?;
    limits::check_aad(aad)?;
    let key = recipient.public_key();
    let k = rsa_ciphertext_len(key).ok_or(Error::UnsupportedRecipientKey {
        key: key.kind(),
        format: Format::Mosip,
    })?;
    let cek = backend::random_key()?;
    let wrapped = key.encrypt_rsa_oaep_sha256(None, cek.as_ref()).map_err(Error::Key)?;
    if wrapped.len() != k {
        return Err(Error::Key(kavach_keys::Error::UnsupportedOperation {
            key: key.kind(),
            operation: "RSA-OAEP producing a modulus-length block",
        }));
    }
    let thumb = recipient.thumbprint().as_bytes();
    let n = plaintext.len();
    // Size `out` exactly, reusing what it holds: only bytes beyond its current length are zeroed.
    let (head, tail) = match aad {
        None => (
            VER_R2_HEADER.len() + THUMBPRINT_LEN + k + KEY_SPLITTER.len() + SALT_LEN,
            TAG_LEN,
        ),
        Some(_) => (THUMBPRINT_LEN + k + KEY_SPLITTER.len(), TAG_LEN + LONG_IV_LEN),
    };
    let total = head + n + tail;
    out.truncate(total);
    out.resize(total, 0);
    let (header, rest) = out.split_at_mut(head);
    let (body, trailer) = rest.split_at_mut(n);
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        header[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    match aad {
        None => {
            let mut salt = [0u8; SALT_LEN];
            backend::random_fill(&mut salt)?;
            let mut nonce = [0u8; IV_LEN];
            nonce.copy_from_slice(&salt[..IV_LEN]);
            put(VER_R2_HEADER);
            put(thumb);
            put(&wrapped);
            put(KEY_SPLITTER);
            put(&salt);
            let tag = backend::Gcm::new(&cek).seal_to(&nonce, &salt, plaintext, body)?;
            trailer.copy_from_slice(&tag);
        }
        Some(aad) => {
            let mut iv = [0u8; LONG_IV_LEN];
            backend::random_fill(&mut iv)?;
            put(thumb);
            put(&wrapped);
            put(KEY_SPLITTER);
            let tag = backend::GcmLongIv::new(&cek).seal_to(&iv, aad, plaintext, body)?;
            trailer[..TAG_LEN].copy_from_slice(&tag);
            trailer[TAG_LEN..].copy_from_slice(&iv);
        }
    }
    Ok(())
}

/// Where the data block's nonce lives.
#[derive(Clone, Copy)]
enum DataBlock {
    /// `VER_R2`: `salt(32) || ct || tag`, nonce = salt[..12], GCM AAD = salt.
    Salted,
    /// The other layouts: `ct || tag || IV(16)`.
    IvAtEnd,
}

struct Parts<'a> {
    wrapped_key: &'a [u8],
    data: &'a [u8],
}

/// Splits at fixed offsets: the wrapped key is `k` bytes at `offset`, the splitter follows it.
fn split(bytes: &[u8], offset: usize, k: usize, block: DataBlock) -> Result<Parts<'_>> {
    let min_data = match block {
        DataBlock::Salted => SALT_LEN + TAG_LEN,
        DataBlock::IvAtEnd => TAG_LEN + LONG_IV_LEN,
    };
    let splitter_at = offset + k;
    let data_at = splitter_at + KEY_SPLITTER.len();
    if bytes.len() < data_at + min_data {
        return Err(Error::malformed(
            Format::Mosip,
            "data block",
            "envelope too short for the recipient key size",
        ));
    }
    if !backend::ct_eq(&bytes[splitter_at..data_at], KEY_SPLITTER) {
        return Err(Error::malformed(
            Format::Mosip,
            "key splitter",
            "#KEY_SPLITTER# is not at the offset the recipient key size gives",
        ));
    }
    Ok(Parts {
        wrapped_key: &bytes[offset..splitter_at],
        data: &bytes[data_at..],
    })
}

/// Unwraps the content key and decrypts the data block. Every failure is [`Error::OpenFailed`].
fn decrypt(parts: &Parts<'_>, key: &dyn Decrypter, block: DataBlock, aad: Option<&[u8]>) -> Result<Plaintext> {
    let cek = key
        .decrypt_rsa_oaep_sha256(None, parts.wrapped_key)
        .map_err(|_| Error::OpenFailed)?;
    let cek: Zeroizing<[u8; KEY_LEN]> = Zeroizing::new(cek.as_slice().try_into().map_err(|_| Error::OpenFailed)?);
    let d = parts.data;
    let mut tag = [0u8; TAG_LEN];
    let mut out;
    match block {
        DataBlock::Salted => {
            let (salt, rest) = d.split_at(SALT_LEN);
            let (ct, t) = rest.split_at(rest.len() - TAG_LEN);
            tag.copy_from_slice(t);
            let mut nonce = [0u8; IV_LEN];
            nonce.copy_from_slice(&salt[..IV_LEN]);
            out = Zeroizing::new(ct.to_vec());
            backend::Gcm::new(&cek)
                .open_in_place(&nonce, salt, &mut out, &tag)
                .map_err(|_| Error::OpenFailed)?;
        }
        DataBlock::IvAtEnd => {
            let (rest, iv) = d.split_at(d.len() - LONG_IV_LEN);
            let (ct, t) = rest.split_at(rest.len() - TAG_LEN);
            tag.copy_from_slice(t);
            let mut iv16 = [0u8; LONG_IV_LEN];
            iv16.copy_from_slice(iv);
            out = Zeroizing::new(ct.to_vec());
            backend::GcmLongIv::new(&cek)
                .open_in_place(&iv16, aad.unwrap_or_default(), &mut out, &tag)
                .map_err(|_| Error::OpenFailed)?;
        }
    }
    Ok(Plaintext::new(out))
}

fn opened(plaintext: Plaintext, layout: MosipLayout, recipient: Option<Sha256Thumbprint>) -> Opened {
    Opened {
        plaintext,
        kind: OpenedKind::Mosip(layout),
        recipient,
    }
}

/// Opens a MOSIP envelope of any layout with the keys of `keys`, and reports the layout found.
///
/// - `VER_R2`: the key is looked up by the thumbprint; `aad` must be `None` (the layout binds
///   no caller AAD: [`Error::AadNotBound`]).
/// - Otherwise, when the first 32 bytes are the thumbprint of a key in the store, the envelope
///   is `aad` (when `aad` is given, and then it must match) or `legacy`.
/// - Otherwise it is `legacy-no-thumbprint`, tried with each RSA key of the store (at most
///   [`MAX_KEYS_TRIED`]), with `aad` bound when given.
///
/// After the layout is known, every failure is [`Error::OpenFailed`].
pub fn open(envelope: &MosipEnvelope, keys: &dyn KeyStore, aad: Option<&[u8]>) -> Result<Opened> {
    limits::check_aad(aad)?;
    let b = envelope.as_bytes();
    if let Some(thumbprint) = envelope.ver_r2_thumbprint() {
        if aad.is_some() {
            return Err(Error::AadNotBound { layout: "VER_R2" });
        }
        let key = keys
            .by_certificate_thumbprint(&thumbprint)
            .ok_or(Error::UnknownRecipient(RecipientRef::Thumbprint(thumbprint)))?;
        let k = rsa_ciphertext_len(Decrypter::public_key(&*key)).ok_or(Error::OpenFailed)?;
        let parts = split(b, VER_R2_HEADER.len() + THUMBPRINT_LEN, k, DataBlock::Salted)?;
        let pt = decrypt(&parts, &*key, DataBlock::Salted, None)?;
        return Ok(opened(pt, MosipLayout::VerR2, Some(thumbprint)));
    }
    let candidate = thumbprint_at(b);
    if let Some(key) = keys.by_certificate_thumbprint(&candidate) {
        let k = rsa_ciphertext_len(Decrypter::public_key(&*key)).ok_or(Error::OpenFailed)?;
        let parts = split(b, THUMBPRINT_LEN, k, DataBlock::IvAtEnd)?;
        let pt = decrypt(&parts, &*key, DataBlock::IvAtEnd, aad)?;
        let layout = if aad.is_some() {
            MosipLayout::Aad
        } else {
            MosipLayout::Legacy
        };
        return Ok(opened(pt, layout, Some(candidate)));
    }
    open_without_thumbprint(b, keys.all(), aad)
}

fn open_without_thumbprint(b: &[u8], keys: Vec<KeyHandle>, aad: Option<&[u8]>) -> Result<Opened> {
    let mut tried = 0usize;
    let mut parsed_without_thumbprint = false;
    let mut parse_error = None;
    for key in keys.iter() {
        let Some(k) = rsa_ciphertext_len(Decrypter::public_key(&**key)) else {
            continue;
        };
        if tried == MAX_KEYS_TRIED {
            break;
        }
        tried += 1;
        match split(b, 0, k, DataBlock::IvAtEnd) {
            Err(e) => parse_error = Some(e),
            Ok(parts) => {
                parsed_without_thumbprint = true;
                if let Ok(pt) = decrypt(&parts, &**key, DataBlock::IvAtEnd, aad) {
                    return Ok(opened(pt, MosipLayout::LegacyNoThumbprint, None));
                }
            }
        }
    }
    if tried == 0 {
        return Err(Error::NoApplicableKey { format: Format::Mosip });
    }
    if parsed_without_thumbprint {
        return Err(Error::OpenFailed);
    }
    // A thumbprint-first envelope for a key this store does not hold has its splitter right
    // after the thumbprint and an RSA block of a standard size: name the missing recipient.
    let shaped_with_thumbprint = STANDARD_RSA_BLOCK_LENS
        .iter()
        .any(|&k| split(b, THUMBPRINT_LEN, k, DataBlock::IvAtEnd).is_ok());
    if shaped_with_thumbprint {
        return Err(Error::UnknownRecipient(RecipientRef::Thumbprint(thumbprint_at(b))));
    }
    Err(parse_error.unwrap_or(Error::OpenFailed))
}

#[cfg(test)]
mod tests;

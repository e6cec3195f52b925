//! The raw primitives under the envelope formats, for conformance tests (Wycheproof) and for
//! building interoperable tooling. Nothing here picks nonces or keys for you: **use the
//! envelope formats** ([`crate::mosip`], [`crate::jwe`], [`crate::stream`]) instead.
//!
//! These functions go through the same backend module the formats use, so testing them tests
//! what the formats run.
//!
//! Compiled only with the cargo feature `hazmat` (off by default): a crate that seals and opens
//! envelopes never needs it.

use kavach_keys::Zeroizing;

use crate::backend::{self, IV_LEN, KEY_LEN, LONG_IV_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::format::Format;

/// Largest input these functions take: 64 MiB (the in-memory payload limit).
pub const MAX_INPUT_LEN: usize = crate::limits::DEFAULT_MAX_PLAINTEXT;

/// A GCM IV of one of the two lengths kavach uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcmIv {
    /// 96 bits: J0 = IV || 0^31 || 1 (JWE, `VER_R2`, SBI, streams).
    Standard([u8; IV_LEN]),
    /// 128 bits: J0 = GHASH(IV || 0^64 || \[128\]_64) (MOSIP `aad` and legacy layouts).
    Long([u8; LONG_IV_LEN]),
}

impl GcmIv {
    /// A 12- or 16-byte IV; any other length is refused.
    pub fn from_slice(iv: &[u8]) -> Result<Self> {
        if let Ok(a) = <[u8; IV_LEN]>::try_from(iv) {
            Ok(GcmIv::Standard(a))
        } else if let Ok(a) = <[u8; LONG_IV_LEN]>::try_from(iv) {
            Ok(GcmIv::Long(a))
        } else {
            Err(Error::malformed(Format::Primitive, "iv", "neither 12 nor 16 bytes"))
        }
    }
}

fn check_len(what: &'static str, len: usize) -> Result<()> {
    if len > MAX_INPUT_LEN {
        return Err(Error::TooLarge {
            what,
            max: MAX_INPUT_LEN,
            len,
        });
    }
    Ok(())
}

/// AES-256-GCM encryption with a 128-bit tag: returns `ciphertext || tag`.
pub fn aes256_gcm_seal(key: &[u8; KEY_LEN], iv: &GcmIv, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    check_len("plaintext", plaintext.len())?;
    check_len("AAD", aad.len())?;
    let mut buf = Vec::with_capacity(plaintext.len() + TAG_LEN);
    buf.extend_from_slice(plaintext);
    let tag = match iv {
        GcmIv::Standard(iv) => backend::Gcm::new(key).seal_in_place(iv, aad, &mut buf)?,
        GcmIv::Long(iv) => backend::GcmLongIv::new(key).seal_in_place(iv, aad, &mut buf)?,
    };
    buf.extend_from_slice(&tag);
    Ok(buf)
}

/// AES-256-GCM decryption of `ciphertext || tag` (128-bit tag). Every failure is
/// [`Error::OpenFailed`].
pub fn aes256_gcm_open(
    key: &[u8; KEY_LEN],
    iv: &GcmIv,
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    check_len("ciphertext", ciphertext_and_tag.len())?;
    check_len("AAD", aad.len())?;
    let split = ciphertext_and_tag.len().checked_sub(TAG_LEN).ok_or(Error::OpenFailed)?;
    let (ct, t) = ciphertext_and_tag.split_at(split);
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(t);
    let mut buf = Zeroizing::new(ct.to_vec());
    let r = match iv {
        GcmIv::Standard(iv) => backend::Gcm::new(key).open_in_place(iv, aad, &mut buf, &tag),
        GcmIv::Long(iv) => backend::GcmLongIv::new(key).open_in_place(iv, aad, &mut buf, &tag),
    };
    r.map_err(|_| Error::OpenFailed)?;
    Ok(buf)
}

/// AES-256 key wrap, RFC 3394 §2.2.1 (the `A256KW` of RFC 7518 §4.4). `key` must be a
/// multiple of 8 bytes, from 16 to 4096 bytes.
pub fn aes256_key_wrap(kek: &[u8; KEY_LEN], key: &[u8]) -> Result<Vec<u8>> {
    backend::aes256_kw_wrap(kek, key)
        .map_err(|_| Error::malformed(Format::Primitive, "key", "not 16..=4096 bytes in 8-byte blocks"))
}

/// AES-256 key unwrap, RFC 3394 §2.2.2. Every failure (length included) is
/// [`Error::OpenFailed`].
pub fn aes256_key_unwrap(kek: &[u8; KEY_LEN], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    backend::aes256_kw_unwrap(kek, wrapped).map_err(|_| Error::OpenFailed)
}

/// The Concat KDF of RFC 7518 §4.6.2 with SHA-256, deriving `key_len` bytes (1 to 32: one
/// round; `A256KW` takes 32): `algorithm_id` is the `alg` name (or the `enc` name, for direct
/// ECDH-ES), `apu`/`apv` the decoded header members (empty when absent).
pub fn concat_kdf_sha256(
    z: &[u8],
    algorithm_id: &[u8],
    apu: &[u8],
    apv: &[u8],
    key_len: usize,
) -> Result<Zeroizing<Vec<u8>>> {
    for (what, len) in [
        ("Z", z.len()),
        ("AlgorithmID", algorithm_id.len()),
        ("apu", apu.len()),
        ("apv", apv.len()),
    ] {
        check_len(what, len)?;
    }
    if !(1..=32).contains(&key_len) {
        return Err(Error::malformed(Format::Primitive, "key length", "not 1..=32 bytes"));
    }
    let mut out = Zeroizing::new(vec![0u8; key_len]);
    backend::concat_kdf_sha256(z, algorithm_id, apu, apv, &mut out);
    Ok(out)
}

/// True when AES and GHASH run on hardware instructions on this machine (detected at run
/// time: AES-NI/VAES and PCLMULQDQ on x86-64).
pub fn hardware_accelerated() -> bool {
    backend::hardware_accelerated()
}

#[cfg(test)]
mod tests;

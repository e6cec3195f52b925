//! The AEAD / key-wrap / KDF / hash seam: the only module of kavach-envelope that names the
//! RustCrypto symmetric crates (`aes-gcm`, `aes-kw`, `sha2`) or the RNG.
//!
//! Every protocol module (MOSIP, JWE, SBI, stream) calls these functions and nothing below
//! them, so a second backend (aws-lc-rs) is a change to this file only.
//!
//! AES and GHASH pick their hardware implementations at run time (`aes` 0.9 detects AES-NI /
//! VAES, `polyval` 0.7 detects PCLMULQDQ through `cpufeatures`), so no `RUSTFLAGS` are needed;
//! [`hardware_accelerated`] reports what was found.

use aes_gcm::aead::AeadInOut;
use aes_gcm::aes::Aes256;
use aes_gcm::aes::cipher::consts::{U12, U16};
use aes_gcm::{AesGcm, KeyInit};
use sha2::Digest;
use zeroize::Zeroizing;

/// AES-256 key length in bytes.
pub(crate) const KEY_LEN: usize = 32;
/// GCM tag length in bytes (128-bit tags only).
pub(crate) const TAG_LEN: usize = 16;
/// The standard 96-bit GCM IV length.
pub(crate) const IV_LEN: usize = 12;
/// The 128-bit GCM IV length MOSIP's legacy layouts use (GHASH-derived J0, NIST SP 800-38D §7.1).
pub(crate) const LONG_IV_LEN: usize = 16;

/// The failure of an authenticated decryption or an unwrap. Deliberately carries nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Opaque;

/// A fresh 256-bit content key, zeroized on drop.
pub(crate) fn random_key() -> Result<Zeroizing<[u8; KEY_LEN]>, crate::Error> {
    let mut k = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(k.as_mut()).map_err(|_| crate::Error::Rng)?;
    Ok(k)
}

/// Fills `buf` from the operating system's RNG.
pub(crate) fn random_fill(buf: &mut [u8]) -> Result<(), crate::Error> {
    getrandom::fill(buf).map_err(|_| crate::Error::Rng)
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// SHA-256 of the concatenation of `parts`.
pub(crate) fn sha256_concat(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// True when AES runs on hardware instructions on this machine (AES-NI / VAES on x86-64,
/// the ARMv8 crypto extensions on aarch64), detected at run time.
pub(crate) fn hardware_accelerated() -> bool {
    aes_gcm::aes::hardware_accelerated()
}

/// GCM refuses a plaintext over 2^36 - 32 bytes (NIST SP 800-38D §5.2.1.1) or AAD over
/// 2^61 - 1 bytes; callers cap their inputs far below, so this is reached only by misuse.
fn gcm_too_large(len: usize) -> crate::Error {
    crate::Error::TooLarge {
        what: "AES-GCM input",
        limit: usize::try_from(aes_gcm::P_MAX).unwrap_or(usize::MAX),
        actual: len,
    }
}

/// AES-256-GCM with a 96-bit IV, the key schedule computed once (for streams and JWE).
pub(crate) struct Gcm(AesGcm<Aes256, U12>);

impl Gcm {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> Self {
        Self(AesGcm::new(key.into()))
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        iv: &[u8; IV_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], crate::Error> {
        self.0
            .encrypt_inout_detached(iv.into(), aad, buf.into())
            .map(Into::into)
            .map_err(|_| gcm_too_large(buf.len()))
    }

    /// Encrypts `input` into `output` (same length) in one pass, and returns the tag.
    pub(crate) fn seal_to(
        &self,
        iv: &[u8; IV_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> Result<[u8; TAG_LEN], crate::Error> {
        let buf = aes_gcm::aead::inout::InOutBuf::new(input, output).map_err(|_| gcm_too_large(input.len()))?;
        self.0
            .encrypt_inout_detached(iv.into(), aad, buf)
            .map(Into::into)
            .map_err(|_| gcm_too_large(input.len()))
    }

    /// Checks `tag` (in constant time, before decrypting) and decrypts `buf` in place.
    pub(crate) fn open_in_place(
        &self,
        iv: &[u8; IV_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), Opaque> {
        self.0
            .decrypt_inout_detached(iv.into(), aad, buf.into(), tag.into())
            .map_err(|_| Opaque)
    }
}

/// AES-256-GCM with a 128-bit IV (J0 = GHASH(IV || 0^64 || [128]_64)), as MOSIP's `aad` and
/// legacy layouts and its 1.1.x clients use it.
pub(crate) struct GcmLongIv(AesGcm<Aes256, U16>);

impl GcmLongIv {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> Self {
        Self(AesGcm::new(key.into()))
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        iv: &[u8; LONG_IV_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], crate::Error> {
        self.0
            .encrypt_inout_detached(iv.into(), aad, buf.into())
            .map(Into::into)
            .map_err(|_| gcm_too_large(buf.len()))
    }

    /// Encrypts `input` into `output` (same length) in one pass, and returns the tag.
    pub(crate) fn seal_to(
        &self,
        iv: &[u8; LONG_IV_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> Result<[u8; TAG_LEN], crate::Error> {
        let buf = aes_gcm::aead::inout::InOutBuf::new(input, output).map_err(|_| gcm_too_large(input.len()))?;
        self.0
            .encrypt_inout_detached(iv.into(), aad, buf)
            .map(Into::into)
            .map_err(|_| gcm_too_large(input.len()))
    }

    /// Checks `tag` (in constant time, before decrypting) and decrypts `buf` in place.
    pub(crate) fn open_in_place(
        &self,
        iv: &[u8; LONG_IV_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), Opaque> {
        self.0
            .decrypt_inout_detached(iv.into(), aad, buf.into(), tag.into())
            .map_err(|_| Opaque)
    }
}

/// Smallest key data RFC 3394 §2 wraps: n >= 2 64-bit blocks.
pub(crate) const KW_MIN_KEY_LEN: usize = 16;
/// Largest key data kavach wraps or unwraps: a 256-bit content key is all any format carries;
/// 4 KiB bounds the work an attacker-chosen wrapped key can cause.
pub(crate) const KW_MAX_KEY_LEN: usize = 4096;

/// AES-256 key wrap (RFC 3394 §2.2.1, default IV `A6A6A6A6A6A6A6A6`). `key` must be a
/// multiple of 8 bytes, at least [`KW_MIN_KEY_LEN`].
pub(crate) fn aes256_kw_wrap(kek: &[u8; KEY_LEN], key: &[u8]) -> Result<Vec<u8>, Opaque> {
    if key.len() < KW_MIN_KEY_LEN || key.len() > KW_MAX_KEY_LEN || !key.len().is_multiple_of(8) {
        return Err(Opaque);
    }
    let kw = aes_kw::KwAes256::new(kek.into());
    let mut out = vec![0u8; key.len() + 8];
    let n = kw.wrap_key(key, &mut out).map_err(|_| Opaque)?.len();
    out.truncate(n);
    Ok(out)
}

/// AES-256 key unwrap (RFC 3394 §2.2.2), checking the default IV.
pub(crate) fn aes256_kw_unwrap(kek: &[u8; KEY_LEN], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, Opaque> {
    if wrapped.len() < KW_MIN_KEY_LEN + 8 || wrapped.len() > KW_MAX_KEY_LEN + 8 || !wrapped.len().is_multiple_of(8) {
        return Err(Opaque);
    }
    let kw = aes_kw::KwAes256::new(kek.into());
    let mut out = Zeroizing::new(vec![0u8; wrapped.len() - 8]);
    let n = kw.unwrap_key(wrapped, &mut out).map_err(|_| Opaque)?.len();
    out.truncate(n);
    Ok(out)
}

/// The Concat KDF of NIST SP 800-56A §5.8.1 with SHA-256, as RFC 7518 §4.6.2 profiles it for
/// ECDH-ES: `OtherInfo = AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo`, each of the
/// first three a 32-bit big-endian length followed by the bytes, `SuppPubInfo` the key length
/// in bits as 32-bit big-endian, `SuppPrivInfo` empty. Fills `out` (at most 32 bytes: one
/// SHA-256 round, which is all any JOSE key needs).
pub(crate) fn concat_kdf_sha256(z: &[u8], algorithm_id: &[u8], apu: &[u8], apv: &[u8], out: &mut [u8]) {
    let mut h = sha2::Sha256::new();
    h.update(1u32.to_be_bytes()); // round counter
    h.update(z);
    for part in [algorithm_id, apu, apv] {
        // Every caller caps these far below 4 GiB (JWE headers: crate::jwe::MAX_HEADER_LEN).
        h.update(u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
        h.update(part);
    }
    let keydatalen_bits = u32::try_from(out.len() * 8).unwrap_or(u32::MAX);
    h.update(keydatalen_bits.to_be_bytes());
    let digest = Zeroizing::new(<[u8; 32]>::from(h.finalize()));
    let n = out.len().min(32);
    out[..n].copy_from_slice(&digest[..n]);
}

/// [`concat_kdf_sha256`] for a 256-bit key (`A256KW`).
pub(crate) fn concat_kdf_sha256_256(z: &[u8], algorithm_id: &[u8], apu: &[u8], apv: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    concat_kdf_sha256(z, algorithm_id, apu, apv, out.as_mut());
    out
}

/// Constant-time equality of two byte strings (lengths are not secret).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

//! The AEAD / key-wrap / KDF / hash seam: the only module of kavach-envelope that names the
//! symmetric crypto crates (`ring`, `aes-gcm`, `aes-kw`, `sha2`) or the RNG.
//!
//! Every protocol module (MOSIP, JWE, SBI, stream) calls these functions and nothing below
//! them, so a second backend (aws-lc-rs) is a change to this file only.
//!
//! - AES-256-GCM with a 96-bit IV ([`Gcm`]: `VER_R2`, JWE, SBI, streams) runs on `ring`'s
//!   `AES_256_GCM`, whose x86-64 assembly interleaves CTR and GHASH in one pass (VAES +
//!   VPCLMULQDQ/AVX2, or AES-NI + PCLMULQDQ/AVX/MOVBE; picked at run time by ring's own CPU
//!   feature detection). RustCrypto `aes-gcm` 0.11 runs them as two passes and reached only
//!   about half of OpenSSL's throughput on the same machine (BENCHMARKS.md, kavach-envelope).
//! - AES-256-GCM with a 128-bit IV ([`GcmLongIv`]: MOSIP `aad`/legacy layouts, J0 derived by
//!   GHASH) stays on RustCrypto `aes-gcm` 0.11 (`AesGcm<Aes256, U16>`): ring takes 96-bit
//!   nonces only.
//! - AES key wrap (`aes-kw`), the Concat KDF and SHA-256 (`sha2`) are RustCrypto.
//!
//! RustCrypto's AES and GHASH also pick their hardware implementations at run time (`aes` 0.9
//! detects AES-NI / VAES, `polyval` 0.7 PCLMULQDQ through `cpufeatures`), so no `RUSTFLAGS` are
//! needed; [`hardware_accelerated`] reports what was found.

use aes_gcm::aead::AeadInOut;
use aes_gcm::aes::Aes256;
use aes_gcm::aes::cipher::array::ArraySize;
use aes_gcm::aes::cipher::consts::{U12, U16};
use aes_gcm::{AesGcm, KeyInit};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, Tag, UnboundKey};
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
pub(crate) fn random_key() -> Result<Zeroizing<[u8; KEY_LEN]>, crate::error::Error> {
    let mut k = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(k.as_mut()).map_err(|_| crate::error::Error::Rng)?;
    Ok(k)
}

/// Fills `buf` from the operating system's RNG.
pub(crate) fn random_fill(buf: &mut [u8]) -> Result<(), crate::error::Error> {
    getrandom::fill(buf).map_err(|_| crate::error::Error::Rng)
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
/// the ARMv8 crypto extensions on aarch64), detected at run time by RustCrypto's `aes` crate
/// (the 128-bit-IV path). ring makes the same check for the 96-bit path itself and has no
/// public API to report it; both read the same CPUID bits. Reported by `hazmat` only.
#[cfg(any(test, feature = "hazmat"))]
pub(crate) fn hardware_accelerated() -> bool {
    aes_gcm::aes::hardware_accelerated()
}

/// GCM refuses a plaintext over 2^36 - 32 bytes (NIST SP 800-38D §5.2.1.1) or AAD over
/// 2^61 - 1 bytes; callers cap their inputs far below, so this is reached only by misuse.
fn gcm_too_large(len: usize) -> crate::error::Error {
    crate::error::Error::TooLarge {
        what: "AES-GCM input",
        max: usize::try_from(aes_gcm::P_MAX).unwrap_or(usize::MAX),
        len,
    }
}

/// AES-256-GCM with a 96-bit IV (J0 = IV || 0^31 || 1), the key schedule computed once (for
/// streams and JWE). Runs on `ring`.
///
/// Key material: the caller's raw key bytes live in its `Zeroizing` buffer; this type keeps no
/// copy of them, only ring's expanded key (AES round keys and the GHASH key H with its powers).
/// ring 0.17 does **not** zeroize that on drop (`LessSafeKey` has no `Drop`, and it is `Clone`),
/// and forbidden `unsafe` rules out wiping it ourselves byte by byte, so [`Drop`] overwrites it in
/// place with the schedule of the all-zero key (same variant, same size, at the same address).
/// Best effort, like every zeroization: copies that ring's constructor left on the stack while
/// moving the key into place are not reached.
pub(crate) struct Gcm(GcmImpl);

enum GcmImpl {
    /// The normal case.
    Ring(LessSafeKey),
    /// Only if ring refuses to expand a 32-byte AES-256 key: its API is fallible (key length),
    /// its AES-256 code never fails. Same function, RustCrypto's two-pass implementation;
    /// `zeroize` feature: round keys wiped on drop. Differentially tested against ring below.
    RustCrypto(AesGcm<Aes256, U12>),
}

/// Encrypts `buf` in place with a RustCrypto AES-256-GCM and returns the tag.
fn rc_seal_in_place<N: ArraySize>(
    c: &AesGcm<Aes256, N>,
    iv: &aes_gcm::Nonce<N>,
    aad: &[u8],
    buf: &mut [u8],
) -> Result<[u8; TAG_LEN], crate::error::Error> {
    c.encrypt_inout_detached(iv, aad, buf.into())
        .map(Into::into)
        .map_err(|_| gcm_too_large(buf.len()))
}

/// Encrypts `input` into `output` (same length) in one pass with a RustCrypto AES-256-GCM.
fn rc_seal_to<N: ArraySize>(
    c: &AesGcm<Aes256, N>,
    iv: &aes_gcm::Nonce<N>,
    aad: &[u8],
    input: &[u8],
    output: &mut [u8],
) -> Result<[u8; TAG_LEN], crate::error::Error> {
    let out_len = output.len();
    let buf = aes_gcm::aead::inout::InOutBuf::new(input, output).map_err(|_| length_mismatch(input.len(), out_len))?;
    c.encrypt_inout_detached(iv, aad, buf)
        .map(Into::into)
        .map_err(|_| gcm_too_large(input.len()))
}

/// Checks the tag (in constant time, before decrypting) and decrypts `buf` in place with a
/// RustCrypto AES-256-GCM.
fn rc_open_in_place<N: ArraySize>(
    c: &AesGcm<Aes256, N>,
    iv: &aes_gcm::Nonce<N>,
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), Opaque> {
    c.decrypt_inout_detached(iv, aad, buf.into(), tag.into())
        .map_err(|_| Opaque)
}

/// `seal_to` called with buffers of different lengths: a bug of the caller, reported without
/// panicking.
fn length_mismatch(input_len: usize, output_len: usize) -> crate::error::Error {
    crate::error::Error::TooLarge {
        what: "AES-GCM input (for an output buffer of another length)",
        max: output_len,
        len: input_len,
    }
}

impl Gcm {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> Self {
        match UnboundKey::new(&AES_256_GCM, key) {
            Ok(k) => Self(GcmImpl::Ring(LessSafeKey::new(k))),
            Err(_) => Self::new_rustcrypto(key),
        }
    }

    fn new_rustcrypto(key: &[u8; KEY_LEN]) -> Self {
        Self(GcmImpl::RustCrypto(AesGcm::new(key.into())))
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        iv: &[u8; IV_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], crate::error::Error> {
        match &self.0 {
            GcmImpl::Ring(k) => {
                let tag = k
                    .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*iv), Aad::from(aad), buf)
                    .map_err(|_| gcm_too_large(buf.len()))?;
                <[u8; TAG_LEN]>::try_from(tag.as_ref()).map_err(|_| gcm_too_large(buf.len()))
            }
            GcmImpl::RustCrypto(c) => rc_seal_in_place(c, iv.into(), aad, buf),
        }
    }

    /// Encrypts `input` into `output` (same length) and returns the tag. On ring this copies
    /// `input` into `output` and encrypts there (ring has no separate-buffer seal).
    pub(crate) fn seal_to(
        &self,
        iv: &[u8; IV_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> Result<[u8; TAG_LEN], crate::error::Error> {
        match &self.0 {
            GcmImpl::Ring(_) => {
                if input.len() != output.len() {
                    return Err(length_mismatch(input.len(), output.len()));
                }
                output.copy_from_slice(input);
                self.seal_in_place(iv, aad, output)
            }
            GcmImpl::RustCrypto(c) => rc_seal_to(c, iv.into(), aad, input, output),
        }
    }

    /// Decrypts `buf` in place if `tag` verifies; on failure `buf` holds no plaintext.
    ///
    /// ring decrypts and authenticates in the same pass, compares the tags in constant time,
    /// and on a mismatch overwrites the whole buffer with zeros before returning its error, so
    /// no unauthenticated plaintext is ever released to the caller.
    pub(crate) fn open_in_place(
        &self,
        iv: &[u8; IV_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), Opaque> {
        match &self.0 {
            GcmImpl::Ring(k) => k
                .open_in_place_separate_tag(
                    Nonce::assume_unique_for_key(*iv),
                    Aad::from(aad),
                    Tag::from(*tag),
                    buf,
                    0..,
                )
                .map(|_| ())
                .map_err(|_| Opaque),
            GcmImpl::RustCrypto(c) => rc_open_in_place(c, iv.into(), aad, buf, tag),
        }
    }
}

impl Drop for Gcm {
    /// Overwrites ring's expanded key in place (see the type's docs); the RustCrypto variant
    /// zeroizes itself.
    fn drop(&mut self) {
        if let GcmImpl::Ring(k) = &mut self.0
            && let Ok(zero) = UnboundKey::new(&AES_256_GCM, &[0u8; KEY_LEN])
        {
            *k = LessSafeKey::new(zero);
            // Keep the store observable so it is not removed as dead before the free.
            core::hint::black_box(k);
        }
    }
}

/// AES-256-GCM with a 128-bit IV (J0 = GHASH(IV || 0^64 || [128]_64)), as MOSIP's `aad` and
/// legacy layouts and its 1.1.x clients use it. RustCrypto `aes-gcm` (ring has no 128-bit
/// nonces); its `zeroize` feature wipes the round keys on drop.
pub(crate) struct GcmLongIv(AesGcm<Aes256, U16>);

impl GcmLongIv {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> Self {
        Self(AesGcm::new(key.into()))
    }

    /// Encrypts `buf` in place and returns the tag (the formats write through
    /// [`Self::seal_to`]; `hazmat` seals in place).
    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) fn seal_in_place(
        &self,
        iv: &[u8; LONG_IV_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], crate::error::Error> {
        rc_seal_in_place(&self.0, iv.into(), aad, buf)
    }

    /// Encrypts `input` into `output` (same length) in one pass, and returns the tag.
    pub(crate) fn seal_to(
        &self,
        iv: &[u8; LONG_IV_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> Result<[u8; TAG_LEN], crate::error::Error> {
        rc_seal_to(&self.0, iv.into(), aad, input, output)
    }

    /// Checks `tag` (in constant time, before decrypting) and decrypts `buf` in place.
    pub(crate) fn open_in_place(
        &self,
        iv: &[u8; LONG_IV_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), Opaque> {
        rc_open_in_place(&self.0, iv.into(), aad, buf, tag)
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
        // Every caller caps these far below 4 GiB (JWE headers: crate::jwe::MAX_JWE_HEADER_LEN).
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn gcm_is_ring_for_a_32_byte_key() {
        assert!(matches!(Gcm::new(&[5u8; KEY_LEN]).0, GcmImpl::Ring(_)));
    }

    /// ring (one pass, stitched) and RustCrypto (two passes) compute the same function: lengths
    /// around ring's 16-byte blocks and its bulk-path thresholds, with and without AAD.
    #[test]
    fn ring_and_rustcrypto_96_bit_gcm_agree_and_open_each_other() {
        let key: [u8; KEY_LEN] = core::array::from_fn(|i| i as u8 ^ 0x5c);
        let ring = Gcm::new(&key);
        let rc = Gcm::new_rustcrypto(&key);
        assert!(matches!(rc.0, GcmImpl::RustCrypto(_)));
        let iv = [0x11u8; IV_LEN];
        for len in [
            0, 1, 15, 16, 17, 95, 96, 97, 255, 256, 257, 3071, 3072, 3073, 65_536, 100_003,
        ] {
            for aad in [&b""[..], b"a", &pattern(77, 3)] {
                let pt = pattern(len, 9);
                let mut a = pt.clone();
                let mut b = pt.clone();
                let ta = ring.seal_in_place(&iv, aad, &mut a).unwrap();
                let tb = rc.seal_in_place(&iv, aad, &mut b).unwrap();
                assert_eq!((&a, ta), (&b, tb), "len {len}, aad {}", aad.len());

                let mut c = vec![0u8; len];
                assert_eq!(ring.seal_to(&iv, aad, &pt, &mut c).unwrap(), ta);
                assert_eq!(c, a);
                let mut c = vec![0u8; len];
                assert_eq!(rc.seal_to(&iv, aad, &pt, &mut c).unwrap(), ta);
                assert_eq!(c, a);

                let mut o = a.clone();
                ring.open_in_place(&iv, aad, &mut o, &tb).unwrap();
                assert_eq!(o, pt);
                let mut o = b.clone();
                rc.open_in_place(&iv, aad, &mut o, &ta).unwrap();
                assert_eq!(o, pt);
            }
        }
    }

    #[test]
    fn ring_open_failure_releases_no_plaintext() {
        let key = [3u8; KEY_LEN];
        let g = Gcm::new(&key);
        let iv = [4u8; IV_LEN];
        let pt = pattern(1000, 1);
        let mut ct = pt.clone();
        let tag = g.seal_in_place(&iv, b"aad", &mut ct).unwrap();
        for (aad, tag) in [
            (&b"aad"[..], {
                let mut t = tag;
                t[15] ^= 1;
                t
            }),
            (&b"aaD"[..], tag),
        ] {
            let mut buf = ct.clone();
            assert_eq!(g.open_in_place(&iv, aad, &mut buf, &tag), Err(Opaque));
            assert!(buf.iter().all(|&b| b == 0), "failed open left bytes in the buffer");
        }
        let mut buf = ct.clone();
        buf[500] ^= 0x80;
        assert_eq!(g.open_in_place(&iv, b"aad", &mut buf, &tag), Err(Opaque));
        assert!(buf.iter().all(|&b| b == 0));
    }

    #[test]
    fn seal_to_refuses_buffers_of_different_lengths_without_panicking() {
        let key = [8u8; KEY_LEN];
        for r in [
            Gcm::new(&key).seal_to(&[0; IV_LEN], b"", &[1; 10], &mut [0; 11]),
            Gcm::new_rustcrypto(&key).seal_to(&[0; IV_LEN], b"", &[1; 10], &mut [0; 9]),
            GcmLongIv::new(&key).seal_to(&[0; LONG_IV_LEN], b"", &[1; 10], &mut [0; 11]),
        ] {
            assert!(matches!(r, Err(crate::error::Error::TooLarge { len: 10, .. })), "{r:?}");
        }
    }

    /// The 128-bit-IV path's J0 is GHASH-derived: a 16-byte IV must not behave like any
    /// 12-byte one, and its round trip works.
    #[test]
    fn long_iv_round_trip_and_differs_from_96_bit() {
        let key = [6u8; KEY_LEN];
        let long = GcmLongIv::new(&key);
        let iv16 = [7u8; LONG_IV_LEN];
        let pt = pattern(333, 2);
        let mut a = pt.clone();
        let tag = long.seal_in_place(&iv16, b"x", &mut a).unwrap();
        let mut b = pt.clone();
        let tag12 = Gcm::new(&key).seal_in_place(&[7u8; IV_LEN], b"x", &mut b).unwrap();
        assert_ne!((&a, tag), (&b, tag12));
        long.open_in_place(&iv16, b"x", &mut a, &tag).unwrap();
        assert_eq!(a, pt);
    }
}

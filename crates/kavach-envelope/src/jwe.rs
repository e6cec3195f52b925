//! JWE compact serialisation (RFC 7516 §7.1), the standards route of WIRE.md §2.
//!
//! - `alg` = `RSA-OAEP-256` (RFC 7518 §4.3) for RSA recipients, `ECDH-ES+A256KW` (RFC 7518 §4.6,
//!   Concat KDF then AES-256 key wrap) for P-256 recipients; `enc` = `A256GCM` (96-bit IV,
//!   128-bit tag) always.
//! - `kid` = base64url (no padding) of the SHA-256 thumbprint of the recipient certificate.
//! - The GCM AAD is the protected-header segment exactly as received (RFC 7516 §5.2 step 14),
//!   never a re-serialisation.
//! - No `zip` on output (compressing before encrypting leaks the payload through its length);
//!   `zip:"DEF"` is read, with the inflated size capped at [`MAX_INFLATED_LEN`] and at the
//!   caller's [`Limits`].
//! - Headers with duplicate member names, a `crit` member, or an `alg`/`enc`/`zip` outside the
//!   lists above are refused.

use kavach_keys::{Decrypter, KeyHandle, KeyKind, KeyStore, PublicKey, Sha256Thumbprint, Zeroizing};
use serde_json::{Map, Value};

use crate::backend::{self, IV_LEN, KEY_LEN, TAG_LEN};
use crate::error::{Error, RecipientRef, Result};
use crate::format::Format;
pub use crate::format::JweAlgorithm;
use crate::limits::{Limits, MAX_KEYS_TRIED};
use crate::opened::{Opened, OpenedKind};
use crate::recipient::{Plaintext, Recipient, rsa_ciphertext_len};

/// Largest decoded protected header: kavach writes under 300 bytes; a header with an `epk`, a
/// `kid` and `x5t#S256` stays under 1 KiB; 8 KiB leaves room for private members.
pub const MAX_JWE_HEADER_LEN: usize = 8 * 1024;
/// Longest `kid` accepted (a thumbprint is 43 characters; UUIDs and key names are shorter).
pub const MAX_KID_LEN: usize = 256;
/// Longest decoded `apu` / `apv` accepted (RFC 7518 §4.6.1.2-3 suggests party identifiers or
/// nonces: 1 KiB is generous).
pub const MAX_PARTY_INFO_LEN: usize = 1024;
/// Cap on a `zip:"DEF"` payload after inflating: 64 MiB (WIRE.md §2), lowered by the caller's
/// [`Limits::max_plaintext`] when that is lower.
pub const MAX_INFLATED_LEN: usize = 64 << 20;
/// Longest RSA-OAEP encrypted key: RSA-8192.
const MAX_RSA_ENCRYPTED_KEY_LEN: usize = 1024;
/// AES-KW of a 256-bit key: 32 + 8 bytes.
const KW_WRAPPED_LEN: usize = KEY_LEN + 8;
/// Longest value echoed back in an error.
const MAX_ECHO: usize = 64;

/// The protected header, parsed.
#[derive(Clone, Debug)]
struct Header {
    alg: JweAlgorithm,
    kid: Option<String>,
    x5t_s256: Option<Sha256Thumbprint>,
    zip: bool,
    epk: Option<PublicKey>,
    apu: Vec<u8>,
    apv: Vec<u8>,
}

/// A parsed JWE compact serialisation: five segments, each decoded and size-checked, the
/// protected header validated. Opening it is [`open`].
#[derive(Clone)]
pub struct JweCompact {
    text: String,
    protected_len: usize,
    header: Header,
    encrypted_key: Vec<u8>,
    iv: [u8; IV_LEN],
    ciphertext: Vec<u8>,
    tag: [u8; TAG_LEN],
    max_plaintext: usize,
}

impl core::fmt::Debug for JweCompact {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JweCompact")
            .field("alg", &self.header.alg)
            .field("kid", &self.header.kid)
            .field("zip", &self.header.zip)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

impl core::fmt::Display for JweCompact {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.text)
    }
}

fn bad(field: &'static str, reason: &'static str) -> Error {
    Error::malformed(Format::Jwe, field, reason)
}

fn echo(s: &str) -> String {
    s.chars().take(MAX_ECHO).collect()
}

fn get_str<'a>(h: &'a Map<String, Value>, name: &'static str) -> Result<Option<&'a str>> {
    match h.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(name, "not a string")),
    }
}

fn b64_member(h: &Map<String, Value>, name: &'static str, max: usize) -> Result<Vec<u8>> {
    match get_str(h, name)? {
        None => Ok(Vec::new()),
        Some(s) => {
            if s.len() > max.div_ceil(3) * 4 {
                return Err(bad(name, "too long"));
            }
            kavach_jose::base64::decode_url(s).map_err(|r| bad(name, r.reason()))
        }
    }
}

/// Parses the `epk` JWK of RFC 7518 §4.6.1.1: `kty` `EC`, `crv` `P-256`, `x` and `y` of 32
/// bytes each, no private part; the point must be on the curve.
fn parse_epk(v: &Value) -> Result<PublicKey> {
    let Value::Object(jwk) = v else {
        return Err(bad("epk", "not a JSON object"));
    };
    if get_str(jwk, "kty")? != Some("EC") {
        return Err(bad("epk", "kty is not EC"));
    }
    if get_str(jwk, "crv")? != Some("P-256") {
        return Err(bad("epk", "crv is not P-256"));
    }
    if jwk.contains_key("d") {
        return Err(bad("epk", "carries a private key"));
    }
    let x: [u8; 32] = kavach_jose::base64::decode_url_exact(get_str(jwk, "x")?.ok_or(bad("epk", "no x"))?)
        .map_err(|_| bad("epk", "x is not 32 bytes of base64url"))?;
    let y: [u8; 32] = kavach_jose::base64::decode_url_exact(get_str(jwk, "y")?.ok_or(bad("epk", "no y"))?)
        .map_err(|_| bad("epk", "y is not 32 bytes of base64url"))?;
    let mut point = [0u8; 65];
    point[0] = 0x04;
    point[1..33].copy_from_slice(&x);
    point[33..].copy_from_slice(&y);
    PublicKey::from_ec_point(KeyKind::P256, &point).map_err(|_| bad("epk", "not a point on P-256"))
}

fn parse_header(json: &[u8]) -> Result<Header> {
    let h = kavach_jose::json::parse_object(json).map_err(|e| bad("protected header", e.reason()))?;
    // RFC 7516 §4.1.13: a `crit` naming anything this implementation does not understand is a
    // rejection; kavach implements no JWE extension, so any `crit` is refused.
    if let Some(crit) = h.get("crit") {
        let name = match crit {
            Value::Array(a) => a.first().and_then(Value::as_str).map(echo).unwrap_or_default(),
            _ => String::new(),
        };
        return Err(Error::UnsupportedCritical { name });
    }
    let alg = match get_str(&h, "alg")?.ok_or(bad("alg", "missing"))? {
        "RSA-OAEP-256" => JweAlgorithm::RsaOaep256,
        "ECDH-ES+A256KW" => JweAlgorithm::EcdhEsA256Kw,
        other => {
            return Err(Error::AlgorithmNotAllowed {
                member: "alg",
                value: echo(other),
                allowed: "RSA-OAEP-256, ECDH-ES+A256KW",
            });
        }
    };
    match get_str(&h, "enc")?.ok_or(bad("enc", "missing"))? {
        "A256GCM" => {}
        other => {
            return Err(Error::AlgorithmNotAllowed {
                member: "enc",
                value: echo(other),
                allowed: "A256GCM",
            });
        }
    }
    let zip = match get_str(&h, "zip")? {
        None => false,
        Some("DEF") => true,
        Some(other) => {
            return Err(Error::AlgorithmNotAllowed {
                member: "zip",
                value: echo(other),
                allowed: "DEF",
            });
        }
    };
    let kid = get_str(&h, "kid")?.map(str::to_owned);
    if kid.as_ref().is_some_and(|k| k.len() > MAX_KID_LEN) {
        return Err(bad("kid", "longer than 256 bytes"));
    }
    let x5t_s256 = get_str(&h, "x5t#S256")?
        .map(|s| kavach_jose::base64::decode_url_exact::<32>(s).map(Sha256Thumbprint))
        .transpose()
        .map_err(|_| bad("x5t#S256", "not a base64url SHA-256 thumbprint"))?;
    if let (Some(t), Some(k)) = (&x5t_s256, kid.as_deref().and_then(kid_thumbprint))
        && !t.ct_eq(&k)
    {
        return Err(bad("x5t#S256", "names another certificate than kid"));
    }
    let epk = match (alg, h.get("epk")) {
        (JweAlgorithm::EcdhEsA256Kw, Some(v)) => Some(parse_epk(v)?),
        (JweAlgorithm::EcdhEsA256Kw, None) => return Err(bad("epk", "missing (required by ECDH-ES)")),
        (JweAlgorithm::RsaOaep256, Some(_)) => return Err(bad("epk", "present with RSA-OAEP-256")),
        (JweAlgorithm::RsaOaep256, None) => None,
    };
    let apu = b64_member(&h, "apu", MAX_PARTY_INFO_LEN)?;
    let apv = b64_member(&h, "apv", MAX_PARTY_INFO_LEN)?;
    if apu.len() > MAX_PARTY_INFO_LEN || apv.len() > MAX_PARTY_INFO_LEN {
        return Err(bad("apu/apv", "longer than 1 KiB"));
    }
    Ok(Header {
        alg,
        kid,
        x5t_s256,
        zip,
        epk,
        apu,
        apv,
    })
}

/// A `kid` that is a base64url SHA-256 thumbprint (WIRE.md §2), as a thumbprint.
fn kid_thumbprint(kid: &str) -> Option<Sha256Thumbprint> {
    kavach_jose::base64::decode_url_exact::<32>(kid)
        .ok()
        .map(Sha256Thumbprint)
}

impl JweCompact {
    /// Parses a JWE compact serialisation (surrounding ASCII whitespace ignored), with the
    /// ciphertext and the opened payload capped by `limits`.
    pub fn parse(text: &str, limits: &Limits) -> Result<Self> {
        let text = text.trim_ascii();
        let max = limits.max_envelope_text();
        if text.len() > max {
            return Err(Error::TooLarge {
                what: "JWE text",
                max,
                len: text.len(),
            });
        }
        let mut segs = text.splitn(6, '.');
        let (Some(p), Some(ek), Some(iv), Some(ct), Some(tag), None) = (
            segs.next(),
            segs.next(),
            segs.next(),
            segs.next(),
            segs.next(),
            segs.next(),
        ) else {
            return Err(bad("compact serialisation", "not five '.'-separated segments"));
        };
        if p.len() > MAX_JWE_HEADER_LEN.div_ceil(3) * 4 {
            return Err(Error::TooLarge {
                what: "JWE protected header",
                max: MAX_JWE_HEADER_LEN,
                len: p.len() / 4 * 3,
            });
        }
        if p.is_empty() {
            return Err(bad("protected header", "empty"));
        }
        let header_json = kavach_jose::base64::decode_url(p).map_err(|r| bad("protected header", r.reason()))?;
        let header = parse_header(&header_json)?;
        let encrypted_key = kavach_jose::base64::decode_url(ek).map_err(|r| bad("encrypted key", r.reason()))?;
        match header.alg {
            JweAlgorithm::RsaOaep256 if encrypted_key.is_empty() || encrypted_key.len() > MAX_RSA_ENCRYPTED_KEY_LEN => {
                return Err(bad(
                    "encrypted key",
                    "not an RSA-OAEP block of an RSA key up to 8192 bits",
                ));
            }
            JweAlgorithm::EcdhEsA256Kw if encrypted_key.len() != KW_WRAPPED_LEN => {
                return Err(bad("encrypted key", "not a 40-byte AES key wrap of a 256-bit key"));
            }
            _ => {}
        }
        let iv =
            kavach_jose::base64::decode_url_exact::<IV_LEN>(iv).map_err(|_| bad("iv", "not 12 bytes of base64url"))?;
        let ciphertext = kavach_jose::base64::decode_url(ct).map_err(|r| bad("ciphertext", r.reason()))?;
        let tag = kavach_jose::base64::decode_url_exact::<TAG_LEN>(tag)
            .map_err(|_| bad("tag", "not 16 bytes of base64url"))?;
        if !header.zip {
            limits.check_plaintext(ciphertext.len())?;
        }
        Ok(Self {
            protected_len: p.len(),
            text: text.to_owned(),
            header,
            encrypted_key,
            iv,
            ciphertext,
            tag,
            max_plaintext: limits.max_plaintext,
        })
    }

    /// The compact serialisation text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The key-management algorithm (`alg`).
    pub fn algorithm(&self) -> JweAlgorithm {
        self.header.alg
    }

    /// The `kid` header member, when present.
    pub fn key_id(&self) -> Option<&str> {
        self.header.kid.as_deref()
    }

    /// The recipient certificate thumbprint the header names (`x5t#S256`, or a `kid` that is a
    /// base64url SHA-256 thumbprint).
    pub fn recipient_thumbprint(&self) -> Option<Sha256Thumbprint> {
        self.header
            .x5t_s256
            .or_else(|| self.header.kid.as_deref().and_then(kid_thumbprint))
    }

    /// True when the header carries `zip:"DEF"`.
    pub fn is_compressed(&self) -> bool {
        self.header.zip
    }

    /// The protected-header segment as received: the GCM AAD.
    fn aad(&self) -> &[u8] {
        &self.text.as_bytes()[..self.protected_len]
    }
}

/// Seals `plaintext` to `recipient` as a JWE compact: `RSA-OAEP-256` for an RSA key,
/// `ECDH-ES+A256KW` for a P-256 key (other kinds: [`Error::UnsupportedRecipientKey`]).
pub fn seal(recipient: &Recipient, plaintext: &[u8]) -> Result<JweCompact> {
    Limits::DEFAULT.check_plaintext(plaintext.len())?;
    let key = recipient.public_key();
    let cek = backend::random_key()?;
    let kid = recipient.thumbprint().to_base64url();
    let (alg, header_json, encrypted_key, epk) = if rsa_ciphertext_len(key).is_some() {
        let ek = key.encrypt_rsa_oaep_sha256(None, cek.as_ref()).map_err(Error::Key)?;
        let json = format!(r#"{{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"{kid}"}}"#);
        (JweAlgorithm::RsaOaep256, json, ek, None)
    } else if key.kind() == KeyKind::P256 {
        let (ephemeral, z) = kavach_keys::ecdh_p256_ephemeral(key).map_err(Error::Key)?;
        let kek = backend::concat_kdf_sha256_256(z.as_ref(), JweAlgorithm::EcdhEsA256Kw.name().as_bytes(), &[], &[]);
        let ek = backend::aes256_kw_wrap(&kek, cek.as_ref()).map_err(|_| {
            Error::Key(kavach_keys::Error::UnsupportedOperation {
                key: KeyKind::P256,
                operation: "AES-256 key wrap of the content key",
            })
        })?;
        let point = ephemeral.ec_point_uncompressed().unwrap_or_default();
        if point.len() != 65 {
            return Err(Error::Key(kavach_keys::Error::UnsupportedOperation {
                key: ephemeral.kind(),
                operation: "encoding a P-256 point",
            }));
        }
        let x = kavach_jose::base64::encode_url(&point[1..33]);
        let y = kavach_jose::base64::encode_url(&point[33..65]);
        let json = format!(
            r#"{{"alg":"ECDH-ES+A256KW","enc":"A256GCM","kid":"{kid}","epk":{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"}}}}"#
        );
        (JweAlgorithm::EcdhEsA256Kw, json, ek, Some(ephemeral))
    } else {
        return Err(Error::UnsupportedRecipientKey {
            key: key.kind(),
            format: Format::Jwe,
        });
    };
    let protected = kavach_jose::base64::encode_url(header_json.as_bytes());
    let mut iv = [0u8; IV_LEN];
    backend::random_fill(&mut iv)?;
    let mut ciphertext = plaintext.to_vec();
    let tag = backend::Gcm::new(&cek).seal_in_place(&iv, protected.as_bytes(), &mut ciphertext)?;
    let ek_b64 = kavach_jose::base64::encode_url(&encrypted_key);
    let iv_b64 = kavach_jose::base64::encode_url(&iv);
    let tag_b64 = kavach_jose::base64::encode_url(&tag);
    let ct_len = (ciphertext.len() * 4).div_ceil(3);
    let mut text = String::with_capacity(protected.len() + ek_b64.len() + iv_b64.len() + ct_len + tag_b64.len() + 4);
    for (i, part) in [protected.as_str(), &ek_b64, &iv_b64].into_iter().enumerate() {
        if i > 0 {
            text.push('.');
        }
        text.push_str(part);
    }
    text.push('.');
    text.push_str(&kavach_jose::base64::encode_url(&ciphertext));
    text.push('.');
    text.push_str(&tag_b64);
    Ok(JweCompact {
        protected_len: protected.len(),
        text,
        header: Header {
            alg,
            kid: Some(kid),
            x5t_s256: None,
            zip: false,
            epk,
            apu: Vec::new(),
            apv: Vec::new(),
        },
        encrypted_key,
        iv,
        ciphertext,
        tag,
        max_plaintext: Limits::DEFAULT.max_plaintext,
    })
}

/// Opens `jwe` with a key of `keys`.
///
/// The key is found by the certificate thumbprint that `x5t#S256` or `kid` names (a `kid` that
/// is no thumbprint is looked up as a key id); a JWE naming no key is tried with each key of a
/// fitting kind (at most [`MAX_KEYS_TRIED`]). After the header is parsed, every failure is
/// [`Error::OpenFailed`]; an inflated payload over the cap is [`Error::TooLarge`].
pub fn open(jwe: &JweCompact, keys: &dyn KeyStore) -> Result<Opened> {
    let named = jwe.recipient_thumbprint();
    let candidates: Vec<KeyHandle> = match (&named, jwe.header.kid.as_deref()) {
        (Some(t), kid) => match keys
            .by_certificate_thumbprint(t)
            .or_else(|| kid.and_then(|k| keys.by_id(k)))
        {
            Some(k) => vec![k],
            None => return Err(Error::UnknownRecipient(RecipientRef::Thumbprint(*t))),
        },
        (None, Some(kid)) => match keys.by_id(kid) {
            Some(k) => vec![k],
            None => return Err(Error::UnknownRecipient(RecipientRef::KeyId(echo(kid)))),
        },
        (None, None) => {
            let fitting: Vec<KeyHandle> = keys
                .all()
                .into_iter()
                .filter(|k| key_fits(jwe.header.alg, Decrypter::public_key(&**k)))
                .take(MAX_KEYS_TRIED)
                .collect();
            if fitting.is_empty() {
                return Err(Error::NoApplicableKey { format: Format::Jwe });
            }
            fitting
        }
    };
    for key in &candidates {
        if let Ok(plaintext) = decrypt_with(jwe, &**key) {
            let plaintext = if jwe.header.zip {
                inflate(&plaintext, MAX_INFLATED_LEN.min(jwe.max_plaintext))?
            } else {
                plaintext
            };
            return Ok(Opened {
                plaintext: Plaintext::new(plaintext),
                kind: OpenedKind::Jwe(jwe.header.alg),
                recipient: named,
            });
        }
    }
    Err(Error::OpenFailed)
}

fn key_fits(alg: JweAlgorithm, key: &PublicKey) -> bool {
    match alg {
        JweAlgorithm::RsaOaep256 => rsa_ciphertext_len(key).is_some(),
        JweAlgorithm::EcdhEsA256Kw => key.kind() == KeyKind::P256,
    }
}

/// Recovers the content key and decrypts. Every failure is the same opaque `Err(())`.
fn decrypt_with(jwe: &JweCompact, key: &dyn Decrypter) -> core::result::Result<Zeroizing<Vec<u8>>, ()> {
    let cek: Zeroizing<Vec<u8>> = match jwe.header.alg {
        JweAlgorithm::RsaOaep256 => {
            if rsa_ciphertext_len(key.public_key()) != Some(jwe.encrypted_key.len()) {
                return Err(());
            }
            key.decrypt_rsa_oaep_sha256(None, &jwe.encrypted_key).map_err(|_| ())?
        }
        JweAlgorithm::EcdhEsA256Kw => {
            let epk = jwe.header.epk.as_ref().ok_or(())?;
            let z = key.ecdh_p256(epk).map_err(|_| ())?;
            let kek = backend::concat_kdf_sha256_256(
                z.as_ref(),
                JweAlgorithm::EcdhEsA256Kw.name().as_bytes(),
                &jwe.header.apu,
                &jwe.header.apv,
            );
            backend::aes256_kw_unwrap(&kek, &jwe.encrypted_key).map_err(|_| ())?
        }
    };
    let cek: Zeroizing<[u8; KEY_LEN]> = Zeroizing::new(cek.as_slice().try_into().map_err(|_| ())?);
    let mut buf = Zeroizing::new(jwe.ciphertext.clone());
    backend::Gcm::new(&cek)
        .open_in_place(&jwe.iv, jwe.aad(), &mut buf, &jwe.tag)
        .map_err(|_| ())?;
    Ok(buf)
}

/// First output buffer of [`inflate`]: four times the compressed size (DEFLATE of JSON and
/// text usually inflates 3 to 10 times), at least 4 KiB, at most the cap.
fn inflate_start_len(compressed_len: usize, cap: usize) -> usize {
    compressed_len.saturating_mul(4).max(4096).min(cap)
}

/// Inflates a raw DEFLATE stream (RFC 1951, as `zip:"DEF"` means: RFC 7516 §4.1.3), refusing
/// output over `cap` bytes before producing it.
///
/// No copy of the plaintext is left in freed memory. The inflater is miniz_oxide's core
/// decompressor in non-wrapping mode: it writes straight into our buffer and reads its
/// back-references from there, keeping no window of plaintext of its own (flate2's streaming
/// decoder keeps the last 32 KiB in its state and frees it unzeroized). The buffer starts at
/// [`inflate_start_len`] and, when full, doubles (up to `cap + 1`, to see that the output goes
/// over the cap) by [`kavach_keys::file::grow_zeroized`]: a copy into a new buffer, the old one
/// zeroized before it is freed, never `realloc`. Pre-allocating the cap (64 MiB) for every
/// message would cost that much memory per open; the doubling costs at most twice the output.
fn inflate(compressed: &[u8], cap: usize) -> Result<Zeroizing<Vec<u8>>> {
    use miniz_oxide::inflate::TINFLStatus;
    use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

    let limit = cap.saturating_add(1);
    let mut out = Zeroizing::new(vec![0u8; inflate_start_len(compressed.len(), cap).clamp(1, limit)]);
    let mut state = Box::<DecompressorOxide>::default();
    let (mut in_pos, mut out_pos) = (0, 0);
    loop {
        let (status, read, written) = decompress(
            &mut state,
            compressed.get(in_pos..).unwrap_or_default(),
            &mut out,
            out_pos,
            inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
        );
        in_pos += read;
        out_pos += written;
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput if out.len() < limit => {
                let new_len = out.len().saturating_mul(2).min(limit);
                kavach_keys::file::grow_zeroized(&mut out, new_len);
            }
            TINFLStatus::HasMoreOutput => {
                return Err(Error::TooLarge {
                    what: "inflated JWE payload",
                    max: cap,
                    len: out_pos,
                });
            }
            _ => return Err(Error::OpenFailed),
        }
    }
    if out_pos > cap {
        return Err(Error::TooLarge {
            what: "inflated JWE payload",
            max: cap,
            len: out_pos,
        });
    }
    // `truncate` keeps the allocation: the spare capacity is zeroized with the rest on drop.
    out.truncate(out_pos);
    Ok(out)
}

#[cfg(test)]
mod inflate_tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Write;

    use super::*;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8 ^ (i / 4093) as u8).collect()
    }

    #[test]
    fn inflates_across_buffer_growth_with_an_exact_cap() {
        for len in [0, 1, 4095, 4096, 4097, 100_000, 1 << 20] {
            let plain = data(len);
            let z = deflate(&plain);
            assert_eq!(&inflate(&z, len).unwrap()[..], &plain[..], "{len}");
            assert_eq!(&inflate(&z, MAX_INFLATED_LEN).unwrap()[..], &plain[..], "{len}");
            if len > 0 {
                assert!(
                    matches!(inflate(&z, len - 1), Err(Error::TooLarge { max, .. }) if max == len - 1),
                    "{len}"
                );
            }
        }
    }

    #[test]
    fn truncated_or_garbage_streams_fail() {
        let z = deflate(&data(50_000));
        assert!(matches!(
            inflate(&z[..z.len() / 2], MAX_INFLATED_LEN),
            Err(Error::OpenFailed)
        ));
        assert!(matches!(inflate(&[0xff; 64], MAX_INFLATED_LEN), Err(Error::OpenFailed)));
        assert!(matches!(inflate(&[], MAX_INFLATED_LEN), Err(Error::OpenFailed)));
    }
}

#[cfg(test)]
mod tests;

//! The JWS Compact Serialization (RFC 7515 §7.1): attached, detached (RFC 7515 Appendix F) and
//! unencoded (RFC 7797).

use core::fmt;

use kavach_jose::base64;

use crate::error::{Error, Part, Result};
use crate::header::Header;

/// Largest compact serialization accepted, in bytes. kavach's attached payloads are JSON
/// messages (device management, WIRE.md §6; certificate API, §5) of a few KiB; partner request
/// bodies are signed *detached*, so their size never counts here. 4 MiB is a thousand times the
/// largest expected message and small enough to hold in memory under load.
pub const MAX_COMPACT_LEN: usize = 4 * 1024 * 1024;

/// Largest signature accepted, in bytes: an RSA-8192 signature is 1,024 bytes, the largest key
/// kavach-keys parses; every EC and Ed25519 signature is shorter.
pub const MAX_SIGNATURE_LEN: usize = 1024;

/// Where the payload of a JWS is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PayloadMode {
    /// In the serialization: `header.payload.signature`.
    #[default]
    Attached,
    /// Outside it, transported separately: `header..signature` (RFC 7515 Appendix F).
    Detached,
}

/// A JWS in compact serialization, parsed (not verified).
///
/// Parsing checks the structure — three segments, strict base64url, a protected header that
/// [`Header::from_encoded`] accepts, a signature of at most [`MAX_SIGNATURE_LEN`] bytes (an
/// empty one parses; every verification refuses it) — and nothing about the signature. Its payload is only available from a verification
/// result.
#[derive(Clone)]
pub struct CompactJws {
    text: String,
    header: Header,
    /// Byte range of the payload segment in `text`.
    payload: core::ops::Range<usize>,
    signature: Vec<u8>,
}

impl fmt::Debug for CompactJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompactJws")
            .field("header", &self.header)
            .field("detached", &self.is_detached())
            .field("payload_segment_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

impl CompactJws {
    /// Parses a compact serialization. No whitespace is allowed anywhere (callers that read
    /// text files trim it first).
    pub fn parse(text: &str) -> Result<Self> {
        if text.len() > MAX_COMPACT_LEN {
            return Err(Error::TooLarge {
                what: "JWS compact serialization",
                len: text.len(),
                max: MAX_COMPACT_LEN,
            });
        }
        // At most four pieces are looked at: a fourth means too many segments.
        let mut parts = text.splitn(4, '.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(Error::malformed(Part::Compact, "not three '.'-separated segments"));
        };
        let header = Header::from_encoded(h)?;
        if header.b64() && !p.is_empty() {
            // Checked now so that a malformed payload is a parse error, not a bad signature.
            base64::decode_url(p).map_err(|_| Error::malformed(Part::Payload, "not base64url without padding"))?;
        }
        // With b64:false the payload segment is taken as it is (any UTF-8 but '.', RFC 7797 §5.2).
        // An empty signature is structurally valid (an unsecured JWS, RFC 7515 §6, has one):
        // it parses, and verification refuses it (as `alg: none`, or as a bad signature).
        let max_sig_b64 = MAX_SIGNATURE_LEN.div_ceil(3) * 4;
        if s.len() > max_sig_b64 {
            return Err(Error::TooLarge {
                what: "JWS signature",
                len: s.len(),
                max: max_sig_b64,
            });
        }
        let signature =
            base64::decode_url(s).map_err(|_| Error::malformed(Part::Signature, "not base64url without padding"))?;
        if signature.len() > MAX_SIGNATURE_LEN {
            return Err(Error::TooLarge {
                what: "JWS signature",
                len: signature.len(),
                max: MAX_SIGNATURE_LEN,
            });
        }
        let start = h.len() + 1;
        Ok(Self {
            text: text.to_owned(),
            header,
            payload: start..start + p.len(),
            signature,
        })
    }

    /// The serialization.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// True when the payload segment is empty (`header..signature`): the payload travels
    /// separately (RFC 7515 Appendix F), or is empty.
    pub fn is_detached(&self) -> bool {
        self.payload.is_empty()
    }

    /// The payload segment as it stands in the serialization (base64url, or the raw payload
    /// under `b64:false`; empty when detached).
    pub fn payload_segment(&self) -> &str {
        &self.text[self.payload.clone()]
    }

    /// The signature bytes (decoded).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The JWS Signing Input (RFC 7515 §5.2 step 5; RFC 7797 §3 when `b64` is false) over the
    /// attached payload.
    pub(crate) fn attached_signing_input(&self) -> &[u8] {
        &self.text.as_bytes()[..self.payload.end]
    }

    /// The attached payload's bytes (decoded when `b64` is true). Unverified: crate-private.
    pub(crate) fn attached_payload(&self) -> Result<Vec<u8>> {
        let seg = &self.text[self.payload.clone()];
        if self.header.b64() {
            base64::decode_url(seg).map_err(|_| Error::malformed(Part::Payload, "not base64url"))
        } else {
            Ok(seg.as_bytes().to_vec())
        }
    }

    /// The payload of an attached `b64:false` JWS read the way MOSIP's `jwsSign` writes it: the
    /// payload segment decoded as unpadded base64url (see
    /// [`PayloadEncoding::MosipBase64UnderB64False`](crate::PayloadEncoding::MosipBase64UnderB64False)).
    /// `None` when the header says `b64:true`, the segment is empty (detached), or the segment
    /// is not strict unpadded base64url. Unverified: crate-private.
    pub(crate) fn mosip_base64_payload(&self) -> Option<Vec<u8>> {
        let seg = &self.text[self.payload.clone()];
        if self.header.b64() || seg.is_empty() {
            return None;
        }
        base64::decode_url(seg).ok()
    }

    /// The JWS Signing Input over a detached payload.
    pub(crate) fn detached_signing_input(&self, payload: &[u8]) -> Vec<u8> {
        signing_input(&self.header, payload)
    }

    /// The same JWS with its payload segment removed (`header..signature`), e.g. to send a
    /// signature detached from a body signed attached; the signature stays valid over the same
    /// payload given separately.
    pub fn to_detached(&self) -> CompactJws {
        let h = self.header.encoded();
        let s = &self.text[self.payload.end + 1..];
        let text = format!("{h}..{s}");
        CompactJws {
            payload: h.len() + 1..h.len() + 1,
            text,
            header: self.header.clone(),
            signature: self.signature.clone(),
        }
    }
}

fn signing_input(header: &Header, payload: &[u8]) -> Vec<u8> {
    let enc = header.encoded();
    let mut out = Vec::with_capacity(enc.len() + 1 + payload.len() * 4 / 3 + 4);
    out.extend_from_slice(enc.as_bytes());
    out.push(b'.');
    if header.b64() {
        out.extend_from_slice(base64::encode_url(payload).as_bytes());
    } else {
        out.extend_from_slice(payload);
    }
    out
}

impl fmt::Display for CompactJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl core::str::FromStr for CompactJws {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for CompactJws {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// A JWS before its signature: a protected header and a payload, and the signing input they
/// make. [`crate::sign`] uses it with a [`kavach_keys::Signer`]; it is public so that an
/// external signing step (an HSM API that signs raw bytes, a test vector's recorded signature)
/// can finish a JWS that kavach assembled.
#[derive(Debug)]
pub struct UnsignedJws {
    header: Header,
    mode: PayloadMode,
    payload_segment: String,
    signing_input: Vec<u8>,
}

impl UnsignedJws {
    /// Prepares `payload` under `header`, attached or detached. With `b64:false` in the header
    /// and an attached payload, the payload must be UTF-8 without `.` (RFC 7797 §5.2).
    pub fn new(header: Header, payload: &[u8], mode: PayloadMode) -> Result<Self> {
        if payload.len() > MAX_COMPACT_LEN && mode == PayloadMode::Attached {
            return Err(Error::TooLarge {
                what: "attached payload",
                len: payload.len(),
                max: MAX_COMPACT_LEN,
            });
        }
        let payload_segment = match (mode, header.b64()) {
            (PayloadMode::Detached, _) => String::new(),
            (PayloadMode::Attached, true) => base64::encode_url(payload),
            (PayloadMode::Attached, false) => {
                let text = core::str::from_utf8(payload)
                    .map_err(|_| Error::malformed(Part::Payload, "unencoded attached payload is not UTF-8"))?;
                if text.contains('.') {
                    return Err(Error::UnencodedPayloadContainsDot);
                }
                text.to_owned()
            }
        };
        let signing_input = signing_input(&header, payload);
        Ok(Self {
            header,
            mode,
            payload_segment,
            signing_input,
        })
    }

    /// The bytes to sign.
    pub fn signing_input(&self) -> &[u8] {
        &self.signing_input
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Whether the payload will be attached.
    pub fn mode(&self) -> PayloadMode {
        self.mode
    }

    /// Assembles the compact serialization with `signature` (which this function does not
    /// check).
    pub fn finish(self, signature: &[u8]) -> Result<CompactJws> {
        if signature.is_empty() || signature.len() > MAX_SIGNATURE_LEN {
            return Err(Error::malformed(
                Part::Signature,
                "empty or longer than MAX_SIGNATURE_LEN",
            ));
        }
        let h = self.header.encoded();
        let text = format!("{h}.{}.{}", self.payload_segment, base64::encode_url(signature));
        if text.len() > MAX_COMPACT_LEN {
            return Err(Error::TooLarge {
                what: "JWS compact serialization",
                len: text.len(),
                max: MAX_COMPACT_LEN,
            });
        }
        Ok(CompactJws {
            payload: h.len() + 1..h.len() + 1 + self.payload_segment.len(),
            text,
            header: self.header,
            signature: signature.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const H: &str = "eyJhbGciOiJFUzI1NiJ9"; // {"alg":"ES256"}

    #[test]
    fn segment_counts() {
        for bad in [
            "",
            H,
            &format!("{H}.e30"),
            &format!("{H}.e30.AA.AA"),
            &format!("{H}.e30.AA."),
        ] {
            assert!(matches!(CompactJws::parse(bad), Err(Error::Malformed { .. })), "{bad}");
        }
        assert!(CompactJws::parse(&format!("{H}.e30.")).unwrap().signature().is_empty());
        for bad in [".e30.AAAA".to_owned(), format!("{H}..AA.")] {
            assert!(matches!(CompactJws::parse(&bad), Err(Error::Malformed { .. })), "{bad}");
        }
        let j = CompactJws::parse(&format!("{H}.e30.AAAA")).unwrap();
        assert!(!j.is_detached());
        assert_eq!(j.attached_payload().unwrap(), b"{}");
        assert_eq!(j.attached_signing_input(), format!("{H}.e30").as_bytes());
        let d = CompactJws::parse(&format!("{H}..AAAA")).unwrap();
        assert!(d.is_detached());
        assert_eq!(d.detached_signing_input(b"{}"), format!("{H}.e30").into_bytes());
        assert_eq!(j.to_detached().as_str(), d.as_str());
    }

    #[test]
    fn strict_base64url() {
        for bad in [
            format!("{H}.e30=.AAAA"),
            format!("{H}.e3 0.AAAA"),
            format!("{H}.e30.AA+A"),
            format!("{H}.e30.AAAA="),
            format!("{H}=.e30.AAAA"),
            format!(" {H}.e30.AAAA"),
            format!("{H}.e31.AAAA"), // non-zero unused bits
        ] {
            assert!(CompactJws::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn size_limits() {
        let big = "A".repeat(MAX_SIGNATURE_LEN.div_ceil(3) * 4 + 4);
        assert!(matches!(
            CompactJws::parse(&format!("{H}.e30.{big}")),
            Err(Error::TooLarge { .. })
        ));
        let huge = "A".repeat(MAX_COMPACT_LEN);
        assert!(matches!(
            CompactJws::parse(&format!("{H}.{huge}.AAAA")),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn unencoded_attached_payload_with_dot_is_refused() {
        let header = Header::from_json(br#"{"alg":"ES256","b64":false,"crit":["b64"]}"#).unwrap();
        assert!(matches!(
            UnsignedJws::new(header.clone(), b"$.02", PayloadMode::Attached),
            Err(Error::UnencodedPayloadContainsDot)
        ));
        let u = UnsignedJws::new(header, b"$.02", PayloadMode::Detached).unwrap();
        assert!(u.signing_input().ends_with(b".$.02"));
        let j = u.finish(&[1, 2, 3]).unwrap();
        assert!(j.as_str().contains("..AQID"));
        assert!(CompactJws::parse(j.as_str()).unwrap().is_detached());
    }
}

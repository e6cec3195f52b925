//! The JWS around every device-management message (WIRE.md §6): compact, attached JSON payload,
//! protected header `typ:"kavach-mgmt+jws"`, `alg`, `x5c`, and `ts`/`jti` equal to the message's.
//!
//! [`sign_message`] writes one; [`read_signed`] reads one *without trusting it* (the shape, the
//! type, the path and direction, the `ts` in the header equal to the message's), so that a
//! receiver can see who claims to have signed it before it picks the verifier for that role.

use std::time::SystemTime;

use kavach_jws::{CompactJws, Freshness, SignOptions, sign};
use kavach_keys::Signer;
use kavach_pki::Certificate;

use crate::limits::MAX_MESSAGE_LEN;
use crate::message::{Direction, Message, Path};
use crate::refusal::Refusal;

/// The `typ` of every device-management JWS.
pub const MGMT_TYP: &str = "kavach-mgmt+jws";

/// The longest JWS text a receiver reads: a [`MAX_MESSAGE_LEN`] payload in base64url, a header
/// with a four-certificate `x5c`, and a signature.
pub const MAX_SIGNED_MESSAGE_LEN: usize = MAX_MESSAGE_LEN / 3 * 4 + 4 + 48 * 1024;

/// Signs `message` with `signer`, `chain` (leaf first) in `x5c`, and the header's `ts` equal to
/// the message's `ts` (so that `ts` is one value, checked once).
pub fn sign_message(
    signer: &dyn Signer,
    chain: &[Certificate],
    message: &Message,
) -> Result<String, kavach_jws::Error> {
    let options = SignOptions::new()
        .with_typ(MGMT_TYP)
        .with_certificate_chain(chain.to_vec())
        .with_freshness(Freshness::TimestampAndJtiAt(message.ts.to_system_time()));
    Ok(sign(signer, &message.to_json(), &options)?.as_str().to_owned())
}

/// A signed message read but not verified: its JWS and its parsed payload.
#[derive(Clone, Debug)]
pub struct Unverified {
    jws: CompactJws,
    message: Message,
}

impl Unverified {
    /// The JWS.
    pub fn jws(&self) -> &CompactJws {
        &self.jws
    }

    /// The message, as claimed (nothing about it is verified yet).
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The DER of `x5c[0]`, the certificate the sender claims to sign with.
    pub fn claimed_signer_der(&self) -> Option<&[u8]> {
        self.jws.header().x5c().first().map(|c| c.der())
    }

    /// The SHA-256 of `x5c[0]`'s DER.
    pub fn claimed_signer_sha256(&self) -> Option<[u8; 32]> {
        self.jws
            .header()
            .x5c()
            .first()
            .map(|c| *c.sha256_thumbprint().as_bytes())
    }

    /// The JWS and the message.
    pub fn into_parts(self) -> (CompactJws, Message) {
        (self.jws, self.message)
    }
}

/// Reads a device-management JWS that arrived on `path` in `direction`: at most
/// [`MAX_SIGNED_MESSAGE_LEN`] bytes, a compact JWS of exactly three segments with an attached
/// payload (a JWE or a detached JWS is refused), `typ` [`MGMT_TYP`], a payload that is a
/// well-formed message for that path and direction, and a header `ts` equal to the message's.
pub fn read_signed(bytes: &[u8], path: Path, direction: Direction) -> Result<Unverified, Refusal> {
    if bytes.len() > MAX_SIGNED_MESSAGE_LEN {
        return Err(Refusal::NotAManagementJws);
    }
    let text = core::str::from_utf8(bytes).map_err(|_| Refusal::NotAManagementJws)?;
    let jws = CompactJws::parse(text.trim_ascii()).map_err(|_| Refusal::NotAManagementJws)?;
    let header = jws.header();
    if jws.is_detached() || !header.b64() || header.typ() != Some(MGMT_TYP) || header.x5c().is_empty() {
        return Err(Refusal::NotAManagementJws);
    }
    let payload = kavach_jose::base64::decode_url(jws.payload_segment()).map_err(|_| Refusal::NotAManagementJws)?;
    let message = Message::from_json(&payload, path, direction)?;
    if jws.header().ts() != Some(message.ts) {
        return Err(Refusal::NotAManagementJws);
    }
    Ok(Unverified { jws, message })
}

/// The SHA-256 of a certificate's DER: the `to` of a message addressed to it (rule 1).
pub fn recipient_id(certificate: &Certificate) -> crate::grammar::Sha256Digest {
    crate::grammar::Sha256Digest::from_bytes(*certificate.sha256_thumbprint().as_bytes())
}

/// `ts` for a message sent at `now`: `now` truncated to milliseconds.
pub fn timestamp(now: SystemTime) -> Result<kavach_jws::Timestamp, Refusal> {
    kavach_jws::Timestamp::from_system_time(now).map_err(|_| Refusal::Client("time outside the representable range"))
}

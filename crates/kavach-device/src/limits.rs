//! The caps of the message layer.

/// Largest message payload read (the JSON inside the JWS): a `commands` answer carrying an
/// `upgrade` with its manifest (64 KiB) and release-roots fits.
pub const MAX_MESSAGE_LEN: usize = 256 * 1024;
/// Largest digital ID or attestation JWS carried in a message.
pub const MAX_EMBEDDED_JWS_LEN: usize = 16 * 1024;
/// Largest `radiusMs` a `time` answer may state (a day); the client applies its own, smaller
/// limit (rule 14).
pub const MAX_RADIUS_MS: u64 = 86_400_000;

/// The largest integer a JSON number carries exactly in every common parser (2^53 - 1): the
/// bound of `seq`, `cmdSeq` and every other protocol integer.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

//! Why a protocol rule refused a well-formed message, on either side, and the wire code the
//! refusal is answered with (WIRE.md §6.9).

use crate::error::{MessageError, WireCode};

/// A message refused by a protocol rule (or malformed), on the server or the client.
///
/// Verification failures are opaque ([`Refusal::BadSignature`]): which check failed goes to the
/// caller's log through [`Refusal::detail`], never to the peer. No variant holds a value taken
/// from the message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The bytes are not a well-formed message (rule 18).
    #[error("malformed message: {0}")]
    Malformed(#[from] MessageError),
    /// The JWS around the message is malformed, not `kavach-mgmt+jws`, or not 3 segments.
    #[error("not a kavach-mgmt+jws JWS compact serialization")]
    NotAManagementJws,
    /// The signature, the signer's chain or its role did not verify (opaque).
    #[error("the signature or the signer's certificate did not verify")]
    BadSignature {
        /// What failed, for the receiver's own log only.
        detail: &'static str,
    },
    /// `to` names another recipient (rule 1).
    #[error("the message is addressed to another recipient")]
    Misdirected,
    /// `re` is not the nonce of the outstanding request (rule 2).
    #[error("the response answers another request")]
    NotOurRequest,
    /// `seq`, `nonce` or `ts` replayed or out of window (rules 5, 6).
    #[error("replayed or stale message")]
    Replay {
        /// The highest `seq` accepted from that sender.
        highest_seq: u64,
    },
    /// The replay cache is full (rule 6): refused, never evicted.
    #[error("the replay cache is full")]
    ReplayCacheFull,
    /// Refused before the device was identified (`KVC-DEV-000`); the reason is for the log.
    #[error("device not identified")]
    Unidentified {
        /// Why, for the server's log only.
        detail: &'static str,
    },
    /// A verified device certificate without a device record.
    #[error("unknown device")]
    UnknownDevice,
    /// The device model is not on the provider's approved list.
    #[error("device model not approved")]
    ModelNotApproved,
    /// The device (its FTM certificate) is deregistered.
    #[error("device deregistered")]
    Deregistered,
    /// Another live device holds this FTM certificate (a clone).
    #[error("FTM certificate held by another live device")]
    Clone,
    /// Too many enrollment attempts for this device or provider.
    #[error("enrollment rate limit reached")]
    RateLimited,
    /// A rule refused it on the client side (the text names the rule; it is never sent).
    #[error("refused by the client: {0}")]
    Client(&'static str),
}

impl Refusal {
    /// The wire code a server answers this refusal with (WIRE.md §6.9).
    pub fn wire_code(&self) -> WireCode {
        match self {
            Self::Malformed(_) | Self::NotAManagementJws | Self::Unidentified { .. } | Self::RateLimited => {
                WireCode::Unidentified
            }
            Self::BadSignature { .. } | Self::Client(_) => WireCode::BadSignature,
            Self::Misdirected | Self::NotOurRequest => WireCode::Misdirected,
            Self::Replay { .. } => WireCode::Replay,
            Self::ReplayCacheFull => WireCode::ReplayCacheFull,
            Self::UnknownDevice => WireCode::UnknownDevice,
            Self::ModelNotApproved => WireCode::ModelNotApproved,
            Self::Deregistered => WireCode::Deregistered,
            Self::Clone => WireCode::Clone,
        }
    }

    /// The HTTP status the transport answers with: 400 malformed, 401 signature, 403 device
    /// refused, 409 replay, 429 rate limit, 503 replay cache full.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Malformed(_) | Self::NotAManagementJws => 400,
            Self::BadSignature { .. } | Self::Misdirected | Self::NotOurRequest | Self::Client(_) => 401,
            Self::Unidentified { .. }
            | Self::UnknownDevice
            | Self::ModelNotApproved
            | Self::Deregistered
            | Self::Clone => 403,
            Self::Replay { .. } => 409,
            Self::RateLimited => 429,
            Self::ReplayCacheFull => 503,
        }
    }

    /// The reason for the receiver's own log: never sent to the peer, never a message value.
    pub fn detail(&self) -> &'static str {
        match self {
            Self::BadSignature { detail } | Self::Unidentified { detail } => detail,
            Self::Malformed(e) => e.code(),
            Self::Client(rule) => rule,
            _ => self.wire_code().as_str(),
        }
    }
}

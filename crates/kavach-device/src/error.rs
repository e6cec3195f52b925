//! Why a device-management message was refused before any protocol rule looked at it.

use kavach_jose::json::JsonError;

use crate::path::{Direction, MessageType, Path};

/// A message that is not a well-formed device-management message (WIRE.md §6.1, §6.5, rule 18).
///
/// Nothing here echoes the message's content: a field is named by its schema name, never by the
/// value it held (rule 27: errors never echo secret or biometric data).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// An input, a string or a list is larger than its cap.
    #[error("{what} is {len} bytes, more than the {max} allowed")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The cap in bytes.
        max: usize,
    },
    /// A list has more elements than its cap.
    #[error("{what} has {count} elements, more than the {max} allowed")]
    TooMany {
        /// Which list.
        what: &'static str,
        /// How many elements it had.
        count: usize,
        /// The cap.
        max: usize,
    },
    /// The text is not one strict JSON object (duplicates, nesting, syntax).
    #[error("not a strict JSON object: {0}")]
    Json(JsonError),
    /// A required member is absent.
    #[error("member {field:?} is missing")]
    Missing {
        /// The member's name in the schema.
        field: &'static str,
    },
    /// An object of kavach's own schema has a member the schema does not define.
    #[error("{within} has a member the schema does not define")]
    UnknownMember {
        /// The object (schema name) holding the unknown member.
        within: &'static str,
    },
    /// A member has the wrong JSON type (a number where a string is due, ...).
    #[error("member {field:?} is not {expected}")]
    WrongType {
        /// The member's name.
        field: &'static str,
        /// The JSON type the schema requires.
        expected: &'static str,
    },
    /// A member's value does not match its grammar (rule 18).
    #[error("member {field:?} does not match its grammar: {rule}")]
    Grammar {
        /// The member's name.
        field: &'static str,
        /// The grammar it must match.
        rule: &'static str,
    },
    /// The envelope's `v` is not 1.
    #[error("protocol version {found} is not supported (only 1)")]
    UnsupportedVersion {
        /// The version the message carried (saturated at `u64::MAX`).
        found: u64,
    },
    /// The message's `type` is not one WIRE.md §6.5 allows on this path in this direction
    /// (rule 3).
    #[error("a {message_type} message is not allowed {direction} on {path}")]
    NotAllowedHere {
        /// The message's type.
        message_type: MessageType,
        /// The path it arrived on.
        path: Path,
        /// Its direction.
        direction: Direction,
    },
    /// A response without `re`, or a request with one (rule 2).
    #[error("{0}")]
    Binding(&'static str),
}

impl MessageError {
    /// The stable code of this error (`KVC-MSG-*`). These are the library's codes; the wire
    /// codes of WIRE.md §6.9 are [`crate::WireCode`].
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "KVC-MSG-TOO-LARGE",
            Self::TooMany { .. } => "KVC-MSG-TOO-MANY",
            Self::Json(_) => "KVC-MSG-JSON",
            Self::Missing { .. } => "KVC-MSG-MISSING",
            Self::UnknownMember { .. } => "KVC-MSG-UNKNOWN-MEMBER",
            Self::WrongType { .. } => "KVC-MSG-TYPE",
            Self::Grammar { .. } => "KVC-MSG-GRAMMAR",
            Self::UnsupportedVersion { .. } => "KVC-MSG-VERSION",
            Self::NotAllowedHere { .. } => "KVC-MSG-NOT-ALLOWED",
            Self::Binding(_) => "KVC-MSG-BINDING",
        }
    }

    /// Always true: every [`MessageError`] is malformed input (the message does not match its
    /// schema), never a refusal by a protocol rule about a well-formed message. Rule 18 has such
    /// a message refused and flagged.
    pub fn is_malformed_input(&self) -> bool {
        true
    }
}

/// Result of parsing a message.
pub type Result<T, E = MessageError> = core::result::Result<T, E>;

/// The stable error codes a signed `error` message carries on the wire (WIRE.md §6.9, rule 27).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireCode {
    /// `KVC-DEV-000`: every refusal before the device is identified (the reason stays in the
    /// server's log).
    Unidentified,
    /// `KVC-DEV-001`: unknown device.
    UnknownDevice,
    /// `KVC-DEV-002`: the device model is not approved.
    ModelNotApproved,
    /// `KVC-DEV-003`: the device (its FTM certificate) is deregistered.
    Deregistered,
    /// `KVC-DEV-004`: another live device holds this FTM certificate (a clone).
    Clone,
    /// `KVC-SIG-001`: bad signature.
    BadSignature,
    /// `KVC-SIG-004`: the message is addressed to another recipient (`to`).
    Misdirected,
    /// `KVC-REPLAY-001`: replayed `seq`, `nonce` or a stale `ts`.
    Replay,
    /// `KVC-REPLAY-002`: the replay cache is full (HTTP 503).
    ReplayCacheFull,
    /// `KVC-UPG-002`: an upgrade for another product or hardware.
    WrongTarget,
    /// `KVC-NET-001`: a response without a valid, `re`-bound signature (client side only; never
    /// sent).
    Transport,
}

impl WireCode {
    /// Every code, in the order of WIRE.md §6.9.
    pub const ALL: [WireCode; 11] = [
        Self::Unidentified,
        Self::UnknownDevice,
        Self::ModelNotApproved,
        Self::Deregistered,
        Self::Clone,
        Self::BadSignature,
        Self::Misdirected,
        Self::Replay,
        Self::ReplayCacheFull,
        Self::WrongTarget,
        Self::Transport,
    ];

    /// The code as it is written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unidentified => "KVC-DEV-000",
            Self::UnknownDevice => "KVC-DEV-001",
            Self::ModelNotApproved => "KVC-DEV-002",
            Self::Deregistered => "KVC-DEV-003",
            Self::Clone => "KVC-DEV-004",
            Self::BadSignature => "KVC-SIG-001",
            Self::Misdirected => "KVC-SIG-004",
            Self::Replay => "KVC-REPLAY-001",
            Self::ReplayCacheFull => "KVC-REPLAY-002",
            Self::WrongTarget => "KVC-UPG-002",
            Self::Transport => "KVC-NET-001",
        }
    }

    /// The fixed message text of this code: a device never sends other text (rule 18), and
    /// none of these texts carries data from a request.
    pub fn message(self) -> &'static str {
        match self {
            Self::Unidentified => "request refused",
            Self::UnknownDevice => "unknown device",
            Self::ModelNotApproved => "device model not approved",
            Self::Deregistered => "device deregistered",
            Self::Clone => "FTM certificate already enrolled by another device",
            Self::BadSignature => "bad signature",
            Self::Misdirected => "message addressed to another recipient",
            Self::Replay => "replayed or stale message",
            Self::ReplayCacheFull => "replay cache full, retry later",
            Self::WrongTarget => "upgrade for another product or hardware",
            Self::Transport => "no valid signed response",
        }
    }

    /// The code written as `text`, if it is one of §6.9's.
    pub fn from_wire(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }
}

impl core::fmt::Display for WireCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

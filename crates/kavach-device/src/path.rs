//! The endpoints of the protocol, the directions and the message types (WIRE.md §6.5), and the
//! table of which type may travel where (rule 3).

use core::fmt;

/// The endpoints of the protocol (WIRE.md §6.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// `/v1/mgmt/challenge`.
    Challenge,
    /// `/v1/mgmt/enroll`.
    Enroll,
    /// `/v1/mgmt/time`.
    Time,
    /// `/v1/mgmt/status`.
    Status,
    /// `/v1/mgmt/result`.
    Result,
}

impl Path {
    /// Every path.
    pub const ALL: [Path; 5] = [Self::Challenge, Self::Enroll, Self::Time, Self::Status, Self::Result];

    /// The HTTP path.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Challenge => "/v1/mgmt/challenge",
            Self::Enroll => "/v1/mgmt/enroll",
            Self::Time => "/v1/mgmt/time",
            Self::Status => "/v1/mgmt/status",
            Self::Result => "/v1/mgmt/result",
        }
    }

    /// The path named `text`, if it is one of the protocol's.
    pub fn from_http(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// The request type this path takes.
    pub fn request_type(self) -> MessageType {
        match self {
            Self::Challenge => MessageType::ChallengeRequest,
            Self::Enroll => MessageType::Enroll,
            Self::Time => MessageType::TimeRequest,
            Self::Status => MessageType::Status,
            Self::Result => MessageType::Result,
        }
    }

    /// The response type this path answers with (besides `error`).
    pub fn response_type(self) -> MessageType {
        match self {
            Self::Challenge => MessageType::Challenge,
            Self::Enroll => MessageType::Enrolled,
            Self::Time => MessageType::Time,
            Self::Status => MessageType::Commands,
            Self::Result => MessageType::Ack,
        }
    }

    /// Whether `message_type` may travel on this path in `direction` (rule 3).
    pub fn allows(self, message_type: MessageType, direction: Direction) -> bool {
        match direction {
            Direction::Request => message_type == self.request_type(),
            Direction::Response => message_type == self.response_type() || message_type == MessageType::Error,
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Device to management server (a request; no `re`).
    Request,
    /// Management server to device (a response; `re` required, rule 2).
    Response,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Request => "from device to server",
            Self::Response => "from server to device",
        })
    }
}

/// The `type` of a message (WIRE.md §6.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// `challenge.request`.
    ChallengeRequest,
    /// `challenge`.
    Challenge,
    /// `enroll`.
    Enroll,
    /// `enrolled`.
    Enrolled,
    /// `time.request`.
    TimeRequest,
    /// `time`.
    Time,
    /// `status`.
    Status,
    /// `commands`.
    Commands,
    /// `result`.
    Result,
    /// `ack`.
    Ack,
    /// `error`.
    Error,
}

impl MessageType {
    /// Every type.
    pub const ALL: [MessageType; 11] = [
        Self::ChallengeRequest,
        Self::Challenge,
        Self::Enroll,
        Self::Enrolled,
        Self::TimeRequest,
        Self::Time,
        Self::Status,
        Self::Commands,
        Self::Result,
        Self::Ack,
        Self::Error,
    ];

    /// The type as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChallengeRequest => "challenge.request",
            Self::Challenge => "challenge",
            Self::Enroll => "enroll",
            Self::Enrolled => "enrolled",
            Self::TimeRequest => "time.request",
            Self::Time => "time",
            Self::Status => "status",
            Self::Commands => "commands",
            Self::Result => "result",
            Self::Ack => "ack",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

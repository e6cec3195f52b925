//! The envelope of every device-management message (WIRE.md §6.1) and the table of which
//! message may travel on which path in which direction (§6.5, rule 3).

use kavach_jws::Timestamp;
use serde_json::{Map, Value};

use crate::command::{
    Command, CommandResult, GeneralJws, MAX_COMMANDS, MAX_DER_LEN, MAX_RELEASE_DOCUMENT_LEN, PlatformCertificate,
    chain_value, read_chain,
};
use crate::device_info::DeviceInfo;
use crate::error::{MessageError, Result};
use crate::grammar::{
    ChallengeValue, CompactJwsText, DnsName, ErrorCode, Health, Nonce, SemVer, Sha256Digest, Uuid, read_der, read_time,
};
use crate::limits::MAX_SAFE_INTEGER;
pub use crate::limits::{MAX_EMBEDDED_JWS_LEN, MAX_MESSAGE_LEN, MAX_RADIUS_MS};
pub use crate::path::{Direction, MessageType, Path};
use crate::reader::{ObjectReader, Schema, as_str, check_len};

fn parse_message_type(text: &str) -> Result<MessageType> {
    MessageType::ALL
        .into_iter()
        .find(|t| t.as_str() == text)
        .ok_or(MessageError::Grammar {
            field: "type",
            rule: "one of the message types of WIRE.md §6.5",
        })
}

/// `challenge`: the server's single-use enrollment challenge (rule 10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeBody {
    /// `challenge`.
    pub challenge: ChallengeValue,
    /// `serverId`: the server's own name; `enroll` must repeat it.
    pub server_id: DnsName,
    /// `expires`.
    pub expires: Timestamp,
}

/// `enroll` (rules 9–12), signed by the FTM key (or the L0 provisioning key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrollBody {
    /// `challenge`, as received.
    pub challenge: ChallengeValue,
    /// `serverId`, as received.
    pub server_id: DnsName,
    /// `deviceInfo`.
    pub device_info: DeviceInfo,
    /// `csr`: PKCS#10 DER whose challengePassword is the challenge (rule 11).
    pub csr: Vec<u8>,
    /// `attestation`: the FTM's key-attestation JWS, for L1 (rule 11).
    pub attestation: Option<CompactJwsText>,
}

/// `enrolled` (rule 13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolledBody {
    /// `deviceCert`: the device certificate first, then its CAs (DER).
    pub device_cert: Vec<Vec<u8>>,
    /// `deviceCode`.
    pub device_code: Uuid,
    /// `platform`: the platform's encryption certificate, where the server has one (rule 26).
    pub platform: Option<PlatformCertificate>,
}

/// `time` (rules 14–17).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeBody {
    /// `nonce`: the client's `time.request` nonce, echoed.
    pub nonce: Nonce,
    /// `time`: the server's time (the envelope `ts` must equal it).
    pub time: Timestamp,
    /// `radiusMs`: the server's own uncertainty.
    pub radius_ms: u64,
}

/// `status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusBody {
    /// `firmware`.
    pub firmware: SemVer,
    /// `certExpiry`: the device certificate's notAfter.
    pub cert_expiry: Timestamp,
    /// `health`.
    pub health: Health,
}

/// `commands` (rules 19, 20, 25).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandsBody {
    /// `commands`: every command without a result yet.
    pub commands: Vec<Command>,
    /// `latest`: the release-signed `{product, version, expires}`, where the server has one.
    pub latest: Option<GeneralJws>,
}

/// `error` (rule 27).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorBody {
    /// `code`.
    pub code: ErrorCode,
    /// `message`: when the code is one of WIRE.md §6.9's, exactly its fixed text
    /// ([`crate::WireCode::message`]); otherwise a [`crate::grammar::Label`]-shaped text.
    pub message: String,
    /// `highestSeq`: on `KVC-REPLAY-001` only, the highest `seq` the server accepted from this
    /// device, so that the client resumes above it (rule 5).
    pub highest_seq: Option<u64>,
}

/// The body of a message, one variant per `type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// `challenge.request` `{}`.
    ChallengeRequest,
    /// `challenge`.
    Challenge(ChallengeBody),
    /// `enroll`.
    Enroll(Box<EnrollBody>),
    /// `enrolled`.
    Enrolled(EnrolledBody),
    /// `time.request` `{nonce}`.
    TimeRequest {
        /// `nonce`: 16 fresh random bytes, one outstanding.
        nonce: Nonce,
    },
    /// `time`.
    Time(TimeBody),
    /// `status`.
    Status(StatusBody),
    /// `commands`.
    Commands(CommandsBody),
    /// `result`.
    Result(CommandResult),
    /// `ack` `{commandId}`.
    Ack {
        /// `commandId`.
        command_id: Uuid,
    },
    /// `error`.
    Error(ErrorBody),
}

impl Body {
    /// The message type of this body.
    pub fn message_type(&self) -> MessageType {
        match self {
            Self::ChallengeRequest => MessageType::ChallengeRequest,
            Self::Challenge(_) => MessageType::Challenge,
            Self::Enroll(_) => MessageType::Enroll,
            Self::Enrolled(_) => MessageType::Enrolled,
            Self::TimeRequest { .. } => MessageType::TimeRequest,
            Self::Time(_) => MessageType::Time,
            Self::Status(_) => MessageType::Status,
            Self::Commands(_) => MessageType::Commands,
            Self::Result(_) => MessageType::Result,
            Self::Ack { .. } => MessageType::Ack,
            Self::Error(_) => MessageType::Error,
        }
    }

    fn read(message_type: MessageType, value: &Value) -> Result<Self> {
        let mut r = ObjectReader::new("body", value, Schema::Closed)?;
        let body = match message_type {
            MessageType::ChallengeRequest => Self::ChallengeRequest,
            MessageType::Challenge => Self::Challenge(ChallengeBody {
                challenge: ChallengeValue::read("challenge", r.required("challenge")?)?,
                server_id: DnsName::read("serverId", r.required("serverId")?)?,
                expires: read_time("expires", r.required("expires")?)?,
            }),
            MessageType::Enroll => Self::Enroll(Box::new(EnrollBody {
                challenge: ChallengeValue::read("challenge", r.required("challenge")?)?,
                server_id: DnsName::read("serverId", r.required("serverId")?)?,
                device_info: DeviceInfo::read_value(r.required("deviceInfo")?)?,
                csr: read_der("csr", r.required("csr")?, MAX_DER_LEN)?,
                attestation: r
                    .optional("attestation")
                    .map(|v| CompactJwsText::read("attestation", v, MAX_EMBEDDED_JWS_LEN))
                    .transpose()?,
            })),
            MessageType::Enrolled => Self::Enrolled(EnrolledBody {
                device_cert: read_chain("deviceCert", r.required("deviceCert")?)?,
                device_code: Uuid::read("deviceCode", r.required("deviceCode")?)?,
                platform: r
                    .optional("platform")
                    .map(|v| PlatformCertificate::read("platform", v))
                    .transpose()?,
            }),
            MessageType::TimeRequest => Self::TimeRequest {
                nonce: Nonce::read("nonce", r.required("nonce")?)?,
            },
            MessageType::Time => Self::Time(TimeBody {
                nonce: Nonce::read("nonce", r.required("nonce")?)?,
                time: read_time("time", r.required("time")?)?,
                radius_ms: r.integer("radiusMs", MAX_RADIUS_MS)?,
            }),
            MessageType::Status => Self::Status(StatusBody {
                firmware: SemVer::read("firmware", r.required("firmware")?)?,
                cert_expiry: read_time("certExpiry", r.required("certExpiry")?)?,
                health: Health::read("health", r.required("health")?)?,
            }),
            MessageType::Commands => Self::Commands(CommandsBody {
                commands: r
                    .array("commands", MAX_COMMANDS)?
                    .iter()
                    .map(Command::read)
                    .collect::<Result<_>>()?,
                latest: r
                    .optional("latest")
                    .map(|v| GeneralJws::read("latest", v, MAX_RELEASE_DOCUMENT_LEN))
                    .transpose()?,
            }),
            MessageType::Result => Self::Result(CommandResult::read(&mut r)?),
            MessageType::Ack => Self::Ack {
                command_id: Uuid::read("commandId", r.required("commandId")?)?,
            },
            MessageType::Error => {
                let code = ErrorCode::read("code", r.required("code")?)?;
                let message = as_str("message", r.required("message")?, crate::grammar::MAX_LABEL_LEN)?;
                match crate::error::WireCode::from_wire(code.as_str()) {
                    Some(known) if known.message() != message => {
                        return Err(MessageError::Grammar {
                            field: "message",
                            rule: "the fixed text of its code (WIRE.md §6.9)",
                        });
                    }
                    Some(_) => {}
                    None => {
                        crate::grammar::Label::parse("message", message)?;
                    }
                }
                let highest_seq = r
                    .optional("highestSeq")
                    .map(|v| crate::reader::as_integer("highestSeq", v, MAX_SAFE_INTEGER))
                    .transpose()?;
                if highest_seq.is_some() && code.as_str() != crate::error::WireCode::Replay.as_str() {
                    return Err(MessageError::Grammar {
                        field: "highestSeq",
                        rule: "only on KVC-REPLAY-001",
                    });
                }
                Self::Error(ErrorBody {
                    code,
                    message: message.to_owned(),
                    highest_seq,
                })
            }
        };
        r.finish()?;
        Ok(body)
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        match self {
            Self::ChallengeRequest => {}
            Self::Challenge(b) => {
                m.insert("challenge".into(), b.challenge.to_base64url().into());
                m.insert("serverId".into(), b.server_id.as_str().into());
                m.insert("expires".into(), b.expires.to_string().into());
            }
            Self::Enroll(b) => {
                m.insert("challenge".into(), b.challenge.to_base64url().into());
                m.insert("serverId".into(), b.server_id.as_str().into());
                m.insert("deviceInfo".into(), b.device_info.to_value());
                m.insert("csr".into(), kavach_jose::base64::encode_std(&b.csr).into());
                if let Some(attestation) = &b.attestation {
                    m.insert("attestation".into(), attestation.as_str().into());
                }
            }
            Self::Enrolled(b) => {
                m.insert("deviceCert".into(), chain_value(&b.device_cert));
                m.insert("deviceCode".into(), b.device_code.to_text().into());
                if let Some(platform) = &b.platform {
                    m.insert("platform".into(), platform.to_value());
                }
            }
            Self::TimeRequest { nonce } => {
                m.insert("nonce".into(), nonce.to_base64url().into());
            }
            Self::Time(b) => {
                m.insert("nonce".into(), b.nonce.to_base64url().into());
                m.insert("time".into(), b.time.to_string().into());
                m.insert("radiusMs".into(), b.radius_ms.into());
            }
            Self::Status(b) => {
                m.insert("firmware".into(), b.firmware.as_str().into());
                m.insert("certExpiry".into(), b.cert_expiry.to_string().into());
                m.insert("health".into(), b.health.as_str().into());
            }
            Self::Commands(b) => {
                m.insert("commands".into(), b.commands.iter().map(Command::to_value).collect());
                if let Some(latest) = &b.latest {
                    m.insert("latest".into(), latest.to_value());
                }
            }
            Self::Result(b) => return b.to_value(),
            Self::Ack { command_id } => {
                m.insert("commandId".into(), command_id.to_text().into());
            }
            Self::Error(b) => {
                m.insert("code".into(), b.code.as_str().into());
                m.insert("message".into(), b.message.as_str().into());
                if let Some(highest) = b.highest_seq {
                    m.insert("highestSeq".into(), highest.into());
                }
            }
        }
        Value::Object(m)
    }
}

/// One device-management message: the JSON payload of a `kavach-mgmt+jws` JWS (WIRE.md §6.1).
///
/// Parsing checks the shape and grammar of every member, the version, the type against the
/// path and direction (rule 3) and the presence of `re` (rule 2). It checks no signature, time,
/// sequence or binding to a device: those are protocol rules that need state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// `to`: SHA-256 of the recipient's certificate (rule 1).
    pub to: Sha256Digest,
    /// `re`: the nonce of the request this answers (responses only, rule 2).
    pub re: Option<Nonce>,
    /// `digitalId`: the device's FTM-signed digital ID (rule 4).
    pub digital_id: CompactJwsText,
    /// `ts`.
    pub ts: Timestamp,
    /// `nonce`.
    pub nonce: Nonce,
    /// `seq` (rule 5).
    pub seq: u64,
    /// `type` and `body`.
    pub body: Body,
}

impl Message {
    /// The protocol version written in `v`.
    pub const VERSION: u64 = 1;

    /// Reads a message that arrived on `path` travelling in `direction` from its JSON payload
    /// (at most [`MAX_MESSAGE_LEN`] bytes).
    pub fn from_json(bytes: &[u8], path: Path, direction: Direction) -> Result<Self> {
        check_len("message", bytes, MAX_MESSAGE_LEN)?;
        let members = kavach_jose::json::parse_object(bytes).map_err(MessageError::Json)?;
        let mut r = ObjectReader::over("message", &members, Schema::Closed);
        let v = r.required("v")?;
        if v.as_u64() != Some(Self::VERSION) {
            return Err(MessageError::UnsupportedVersion {
                found: v.as_u64().unwrap_or(u64::MAX),
            });
        }
        let message_type = parse_message_type(as_str("type", r.required("type")?, 32)?)?;
        if !path.allows(message_type, direction) {
            return Err(MessageError::NotAllowedHere {
                message_type,
                path,
                direction,
            });
        }
        let re = r.optional("re").map(|v| Nonce::read("re", v)).transpose()?;
        match (direction, re.is_some()) {
            (Direction::Request, true) => return Err(MessageError::Binding("a request carries no re")),
            (Direction::Response, false) => {
                return Err(MessageError::Binding("a response must carry re (the request's nonce)"));
            }
            _ => {}
        }
        let message = Self {
            to: Sha256Digest::read("to", r.required("to")?)?,
            re,
            digital_id: CompactJwsText::read("digitalId", r.required("digitalId")?, MAX_EMBEDDED_JWS_LEN)?,
            ts: read_time("ts", r.required("ts")?)?,
            nonce: Nonce::read("nonce", r.required("nonce")?)?,
            seq: r.integer("seq", MAX_SAFE_INTEGER)?,
            body: Body::read(message_type, r.required("body")?)?,
        };
        r.finish()?;
        Ok(message)
    }

    /// The message type.
    pub fn message_type(&self) -> MessageType {
        self.body.message_type()
    }

    /// The JSON payload.
    pub fn to_json(&self) -> Vec<u8> {
        let mut m = Map::new();
        m.insert("v".into(), Self::VERSION.into());
        m.insert("type".into(), self.message_type().as_str().into());
        m.insert("to".into(), self.to.to_base64url().into());
        if let Some(re) = &self.re {
            m.insert("re".into(), re.to_base64url().into());
        }
        m.insert("digitalId".into(), self.digital_id.as_str().into());
        m.insert("ts".into(), self.ts.to_string().into());
        m.insert("nonce".into(), self.nonce.to_base64url().into());
        m.insert("seq".into(), self.seq.into());
        m.insert("body".into(), self.body.to_value());
        Value::Object(m).to_string().into_bytes()
    }
}

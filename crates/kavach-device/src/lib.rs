//! The device-management protocol of kavach (WIRE.md §6): the messages between a device
//! provider's Management Server and the Management Client on each device, read strictly.
//!
//! This first layer is the message format: every message of WIRE.md §6.5, the closed command set
//! of §6.6, MOSIP's digital ID and `deviceInfo`, each read from its JSON payload with
//!
//! - one strict JSON reader (duplicate members refused at every level, every object and array
//!   bounded: [`kavach_jose::json`]),
//! - a length cap on every string and list, and a grammar on every string (rule 18: enumerations,
//!   SemVer, `KVC-[A-Z]+-[0-9]{3}`, UUIDs, fixed-length base64url),
//! - unknown members refused in kavach's own objects and ignored in MOSIP's (`deviceInfo`, the
//!   digital ID),
//! - the type checked against the path and direction (rule 3) and `re` required exactly on
//!   responses (rule 2),
//!
//! and typed errors ([`MessageError`], stable `KVC-MSG-*` codes) that never echo a value. No type
//! holds a free-form JSON value, and no command can ask for or carry a biometric capture. The
//! wire codes of signed `error` messages are [`WireCode`].
//!
//! Signatures, times, sequence numbers and the binding of a message to a device are protocol
//! rules over state; they are not part of parsing.
//!
//! [`platform`] holds the platform side APIs: the encryption-certificate API (§5) and MOSIP
//! 1.1.x's device register and deregister API (§5b), both ends, and the device's check of a
//! relayed platform certificate against its own platform anchors (rule 26).
//!
//! ```
//! use kavach_device::{Direction, Message, Path};
//!
//! let json = br#"{"v":1,"type":"time.request","to":"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
//!   "digitalId":"eyJhbGciOiJFUzI1NiJ9.e30.c2ln","ts":"2026-11-23T19:00:00.123Z",
//!   "nonce":"AAECAwQFBgcICQoLDA0ODw","seq":42,"body":{"nonce":"AAECAwQFBgcICQoLDA0ODw"}}"#;
//! let message = Message::from_json(json, Path::Time, Direction::Request)?;
//! assert_eq!(message.seq, 42);
//! // The same bytes are not a valid answer, nor valid on another path.
//! assert!(Message::from_json(json, Path::Time, Direction::Response).is_err());
//! assert!(Message::from_json(json, Path::Status, Direction::Request).is_err());
//! # Ok::<(), kavach_device::MessageError>(())
//! ```
#![forbid(unsafe_code)]

pub mod command;
pub mod command_order;
pub mod device_info;
mod error;
pub mod grammar;
mod limits;
pub mod message;
mod path;
pub mod platform;
mod reader;
#[doc(hidden)]
pub mod samples;
pub mod trusted_time;
pub mod upgrade;

pub use command::{Action, Command, CommandResult, GeneralJws, PlatformCertificate, ResultData};
pub use device_info::{DeviceInfo, DigitalId};
pub use error::{MessageError, Result, WireCode};
pub use limits::MAX_SAFE_INTEGER;
pub use message::{Body, Direction, MAX_MESSAGE_LEN, Message, MessageType, Path};
pub use trusted_time::{BootInstant, TimeInterval, TimePolicy, TrustedTime};

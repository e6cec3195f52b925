//! The device-management protocol of kavach (WIRE.md §5, §5b, §6): a device provider's
//! Management Server and the Management Client on each device, **sans-IO** — bytes and a time
//! in, bytes and decisions out, like rustls — so that every rule is testable without a network
//! and fuzzable. The transport and the running servers (TLS, HTTP, databases, HSM) are
//! kavach-transport's; this crate never reads a clock, a socket or a file.
//!
//! | layer | module | what it owns |
//! |---|---|---|
//! | messages | [`message`], [`command`], [`device_info`], [`grammar`] | every §6.5 message, the closed §6.6 command set, MOSIP's digital ID and `deviceInfo`, read strictly |
//! | envelope | [`signed`] | the `kavach-mgmt+jws` JWS around every message |
//! | server | [`server`] | [`server::ManagementServer::handle`] over a [`server::DeviceRegistry`] and a provider's [`server::Issuer`] |
//! | client | [`client`] | [`client::ManagementClient`] over [`client::ClientState`], [`client::KeyStore`], [`client::TrustedClock`], [`client::UpdateInstaller`], [`client::DeviceWatcher`] |
//! | rules | [`trusted_time`], [`command_order`], [`upgrade`], [`release`], [`attestation`] | interval time (rules 14–17), ordered commands (19–20), TUF-style release trust (23–25), FTM key attestation (11) |
//!
//! Parsing uses
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
//! holds a free-form JSON value, and no command can ask for or carry a biometric capture. A rule
//! refusing a well-formed message is a [`Refusal`], answered with the wire codes of WIRE.md §6.9
//! ([`WireCode`]). Nothing in the crate logs a message body.
//!
//! A device's life, both ends in one process (the test world of the `testing` feature):
//!
//! ```
//! # #[cfg(feature = "testing")] {
//! use kavach_device::client::{ClientEvent, MemoryClientState, MemoryInstaller};
//! use kavach_device::grammar::Certification;
//! use kavach_device::server::ServerRequest;
//! use kavach_device::testing::{DeviceWorld, PROVIDER_A, TestClock};
//!
//! let world = DeviceWorld::get();
//! let server = world.server();
//! let device = world.device(PROVIDER_A, "SN-DOC-1", Certification::L1, false);
//! server.registry().add_provisioning_record(device.record.clone()).unwrap();
//! let mut client = world.client(&device, MemoryClientState::new(), TestClock::new(), MemoryInstaller::new());
//! let now = std::time::SystemTime::now();
//! let mut exchange = || {
//!     let request = client.next_request().unwrap().unwrap();
//!     let answer = server.handle(&ServerRequest { path: request.path, body: &request.body, tls_client_certificate: None }, now);
//!     client.handle_response(&answer.body).unwrap()
//! };
//! assert_eq!(exchange(), ClientEvent::Challenged);
//! assert!(matches!(exchange(), ClientEvent::Enrolled { .. }));
//! # }
//! ```
//!
//! The message layer alone:
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

pub mod attestation;
pub mod client;
pub mod command;
pub mod command_order;
pub mod device_info;
mod entropy;
mod error;
pub mod grammar;
mod limits;
pub mod message;
pub mod naming;
mod path;
pub mod platform;
mod reader;
mod refusal;
pub mod release;
#[doc(hidden)]
pub mod samples;
pub mod server;
pub mod signed;
#[cfg(feature = "testing")]
pub mod testing;
pub mod trusted_time;
pub mod upgrade;

pub use command::{Action, Command, CommandResult, GeneralJws, PlatformCertificate, ResultData};
pub use device_info::{DeviceInfo, DigitalId};
pub use error::{MessageError, Result, WireCode};
pub use limits::MAX_SAFE_INTEGER;
pub use message::{Body, Direction, MAX_MESSAGE_LEN, Message, MessageType, Path};
pub use refusal::Refusal;
pub use trusted_time::{BootInstant, TimeInterval, TimePolicy, TrustedTime};

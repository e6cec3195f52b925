#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod alg;
mod check;
mod compact;
pub mod danger;
mod error;
mod header;
#[doc(hidden)]
pub mod internal;
mod json;
mod json_serialization;
pub mod jwk;
mod replay;
mod sign;
mod time;
mod verify;

pub use alg::{ALL_ALGORITHMS, JwsAlgorithm, MIN_RSA_BITS};
pub use compact::{CompactJws, MAX_COMPACT_LEN, MAX_SIGNATURE_LEN, PayloadMode, UnsignedJws};
pub use error::{ChainCheckTime, Error, Part, Result};
pub use header::{Header, JTI_LEN, Jti, MAX_JWS_HEADER_LEN, MAX_X5C_CERTIFICATES, UNDERSTOOD_CRITICAL, X5cCertificate};
pub use json::MAX_JSON_MEMBERS;
pub use json_serialization::{JsonJws, MAX_JSON_JWS_LEN, MAX_JSON_SIGNATURES, sign_json};
pub use replay::{DEFAULT_REPLAY_CAPACITY, MemoryReplayCache, ReplayCache, ReplayKey};
pub use sign::{Freshness, RESERVED_HEADER_MEMBERS, SignOptions, sign};
pub use time::Timestamp;
pub use verify::{DEFAULT_WINDOW, JwsVerifier, KidMatcher, KidRule, MAX_WINDOW, PayloadEncoding, Policy, Verified};

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod backend;
mod envelope;
mod error;
mod format;
#[cfg(feature = "hazmat")]
pub mod hazmat;
#[cfg(feature = "internal")]
#[doc(hidden)]
pub mod internal;
pub mod jwe;
pub mod limits;
pub mod mosip;
mod opened;
mod recipient;
pub mod sbi;
pub mod stream;

pub use envelope::Envelope;
pub use error::{Error, RecipientRef, Result};
pub use format::Format;
pub use limits::Limits;
pub use opened::{Opened, OpenedKind};
pub use recipient::{Plaintext, Recipient};

#[cfg(test)]
mod test_support;

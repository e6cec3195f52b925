//! Hooks for kavach's own tooling (feature `internal`): **not part of the API**, hidden from the
//! docs, and free to change in any release.
//!
//! The fuzz seed writer (`cargo xtask corpus`, `kavach-fuzzing/examples/envelope_seeds.rs`) seals
//! to the fuzz targets' fixed keys under fake certificate bytes, which no certificate check
//! would pass: it needs a [`Recipient`] built without one. Everything else builds recipients
//! with [`Recipient::from_verified`].

use kavach_keys::PublicKey;

use crate::recipient::Recipient;

/// A recipient from certificate bytes and a public key, **without any validation**: the
/// thumbprint is the SHA-256 of `certificate_der`, whatever those bytes are.
pub fn recipient_unchecked(certificate_der: &[u8], public_key: PublicKey) -> Recipient {
    Recipient::from_certificate_unchecked(certificate_der, public_key)
}

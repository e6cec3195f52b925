//! # kavach
//!
//! Reusable crypto crates that secure the traffic of national-ID platforms such as MOSIP.
//! This root package re-exports the layers; see the workspace README for the crate map.

#![forbid(unsafe_code)]

pub use kavach_keys as keys;
pub use kavach_pki as pki;

//! Hooks for kavach's own fuzz targets, tests and benches.
//!
//! **Not part of the API; no semver promise**: anything here may change or go in any release.
//! Hidden from the documentation. [`crate::Validator`] and [`crate::issue`] map signature
//! algorithms themselves; nothing outside kavach needs to.

pub use crate::algorithm::signature_algorithm;

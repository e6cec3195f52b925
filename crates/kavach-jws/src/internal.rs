//! Hooks for kavach's own test vectors, fuzz targets and benches.
//!
//! **Not part of the API; no semver promise**: anything here may change or go in any release.
//! Hidden from the documentation; use [`crate::jwk::Jwk::from_json`] instead.

use serde_json::Value;

use crate::error::{Error, Part, Result};
use crate::jwk::Jwk;

/// Reads a JWK from a parsed JSON value (a member of a test-vector file): the value is written
/// back to text and read by [`Jwk::from_json`], with the same checks and caps.
pub fn jwk_from_value(value: &Value) -> Result<Jwk> {
    let text = serde_json::to_string(value).map_err(|_| Error::malformed(Part::Jwk, "not JSON"))?;
    Jwk::from_json(&text)
}

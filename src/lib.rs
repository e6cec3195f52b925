//! # kavach
//!
//! Reusable crypto crates that secure the traffic of national-ID platforms such as MOSIP.
//! This root package re-exports the layers (see the workspace README for the crate map) and
//! owns the examples (`cargo run --example partner_exchange`) and the benchmarks.
//!
//! | module | crate | layer |
//! |---|---|---|
//! | [`keys`] | `kavach-keys` | private keys (software, PKCS#11), signature verification |
//! | [`pki`] | `kavach-pki` | certificates, trust domains, path validation, issuance |
//! | [`envelope`] | `kavach-envelope` | content encryption to a verified encryption certificate |
//! | [`jws`] | `kavach-jws` | signed requests and responses (JWS) |
//! | [`device`] | `kavach-device` | the device-management messages (WIRE.md §6) |
//! | [`transport`] | `kavach-transport` | the IO facade: so far, rustls configurations backed by kavach-pki |
//!
//! Features (all off by default), forwarded to the crate that owns each: `pkcs11` (PKCS#11 keys,
//! kavach-keys), `demo` (`pki::demo`, the demo PKI — for demos and tests, never production
//! trust), `hazmat` (`envelope::hazmat`, the raw primitives under the envelope formats).

#![forbid(unsafe_code)]

pub use kavach_device as device;
pub use kavach_envelope as envelope;
pub use kavach_jws as jws;
pub use kavach_keys as keys;
pub use kavach_pki as pki;
pub use kavach_transport as transport;

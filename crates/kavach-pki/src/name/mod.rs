//! Names, one concern per module: the server name a caller checks ([`ServerName`], RFC 6125
//! reference identifiers: [`server`]), how a certificate's subjectAltName presents it
//! ([`san`]), RFC 5280 §4.2.1.10 name constraints ([`constraints`]), and RFC 5280 §7.1
//! distinguished-name comparison ([`prepared`]).
//!
//! The subject's common name is never used as a server name (RFC 6125 §6.4.4 allows it only
//! as a legacy fallback; CA/Browser Forum certificates must carry the name in a SAN). It is
//! still held to dNSName constraints when it looks like a host name and the end entity has no
//! dNSName (STRICTER.md S16), so that a legacy client reading the CN cannot be handed a host
//! name the constraint forbids.

pub(crate) mod constraints;
pub(crate) mod directory_string;
pub(crate) mod prepared;
pub(crate) mod san;
pub(crate) mod server;

pub use server::{DnsName, ServerName};

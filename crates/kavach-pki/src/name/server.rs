//! Server names as a caller gives them (RFC 6125 reference identifiers): [`ServerName`] and
//! [`DnsName`], and the DNS name syntax every other name check builds on.

use core::{fmt, str::FromStr};
use std::net::IpAddr;

use crate::error::{Error, Result};
use crate::limits::{MAX_DNS_LABEL_LEN, MAX_DNS_NAME_LEN};

/// A DNS name a caller expects a server to be: LDH labels (RFC 1123 §2.1), lowercase, no
/// trailing dot, no wildcard.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DnsName(String);

impl DnsName {
    /// The name, lowercase.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a caller expects the end entity to be: a DNS name or an IP address (`--name`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerName {
    /// A DNS name, matched against dNSName subjectAltNames.
    Dns(DnsName),
    /// An IP address, matched against iPAddress subjectAltNames.
    Ip(IpAddr),
}

impl ServerName {
    /// Parses an IP address (v4 dotted quad, or v6) or else a DNS name. A single trailing dot
    /// is removed; the name is lowercased. Anything else (wildcards, underscores, empty labels,
    /// non-ASCII — IDNs must be given as A-labels) is refused.
    pub fn parse(s: &str) -> Result<Self> {
        let invalid = || Error::InvalidServerName(s.chars().take(MAX_DNS_NAME_LEN + 2).collect());
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Self::Ip(ip));
        }
        let trimmed = s.strip_suffix('.').unwrap_or(s);
        if !is_valid_dns_name(trimmed, false) {
            return Err(invalid());
        }
        // An all-numeric last label would be an IP address written oddly (RFC 1123 §2.1 TLDs
        // are alphabetic); refusing it keeps "1.2.3" and "127.1" from matching dNSNames.
        if trimmed
            .rsplit('.')
            .next()
            .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid());
        }
        Ok(Self::Dns(DnsName(trimmed.to_ascii_lowercase())))
    }
}

impl FromStr for ServerName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for ServerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(d) => f.write_str(&d.0),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// RFC 1034 §3.5 preferred name syntax as relaxed by RFC 1123 §2.1 (labels may start with a
/// digit). With `wildcard`, the leftmost label may be exactly `*` (RFC 6125 §6.4.3, and
/// CA/Browser Forum BR §7.1.2.7.12 wildcard form), followed by at least two labels.
pub(crate) fn is_valid_dns_name(s: &str, wildcard: bool) -> bool {
    if s.is_empty() || s.len() > MAX_DNS_NAME_LEN {
        return false;
    }
    let mut labels = s.split('.');
    let rest_labels = if wildcard && s.starts_with("*.") {
        labels.next();
        // "*.com" would cover a whole public suffix: at least two labels after the wildcard.
        if s.split('.').count() < 3 {
            return false;
        }
        labels
    } else {
        labels
    };
    for label in rest_labels {
        if label.is_empty() || label.len() > MAX_DNS_LABEL_LEN {
            return false;
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
        if label.starts_with('-') || label.ends_with('-') {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn dns(s: &str) -> String {
        match ServerName::parse(s).unwrap() {
            ServerName::Dns(d) => d.0,
            ServerName::Ip(_) => panic!("not DNS"),
        }
    }

    #[test]
    fn server_names_parse_strictly() {
        assert_eq!(dns("Example.COM."), "example.com");
        assert!(matches!(ServerName::parse("127.0.0.1").unwrap(), ServerName::Ip(_)));
        assert!(matches!(ServerName::parse("::1").unwrap(), ServerName::Ip(_)));
        for bad in [
            "",
            ".",
            "*.example.com",
            "foo_bar.example.com",
            "a..b",
            "-a.com",
            "a-.com",
            "é.com",
            "1.2.3",
        ] {
            assert!(ServerName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ServerName::parse(&format!("{}a", "a.".repeat(127))).is_err());
        assert!(ServerName::parse(&format!("{}a", "a.".repeat(126))).is_ok());
    }
}

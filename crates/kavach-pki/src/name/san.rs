//! Matching a certificate's subjectAltName against a [`ServerName`] (RFC 6125 §6.4: dNSName
//! with the wildcard rules of §6.4.3, iPAddress by octets). The subject's common name is
//! never used as a server name.

use std::net::IpAddr;

use x509_cert::ext::pkix::name::GeneralName;

use super::server::{ServerName, is_valid_dns_name};

/// True when the dNSName `pattern` (presented identifier) matches `name` (reference
/// identifier, lowercase): equal ignoring ASCII case, or `*.rest` where `name` is one label
/// followed by `rest` (RFC 6125 §6.4.3: the wildcard is the whole leftmost label and matches
/// exactly one label; `*.example.com` matches neither `example.com` nor `a.b.example.com`).
fn dns_pattern_matches(pattern: &str, name: &str) -> bool {
    if !is_valid_dns_name(pattern, true) {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(rest) => match name.split_once('.') {
            Some((first, name_rest)) => !first.is_empty() && name_rest.eq_ignore_ascii_case(rest),
            None => false,
        },
        None => pattern.eq_ignore_ascii_case(name),
    }
}

/// True when the subjectAltName entries `sans` of a certificate present `name`. The subject CN
/// is never consulted.
pub(crate) fn sans_match_server_name(sans: &[GeneralName], name: &ServerName) -> bool {
    sans.iter().any(|san| match (san, name) {
        (GeneralName::DnsName(p), ServerName::Dns(n)) => dns_pattern_matches(p.as_str(), n.as_str()),
        (GeneralName::IpAddress(bytes), ServerName::Ip(ip)) => ip_bytes_eq(bytes.as_bytes(), ip),
        _ => false,
    })
}

fn ip_bytes_eq(bytes: &[u8], ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => bytes == v4.octets(),
        IpAddr::V6(v6) => bytes == v6.octets(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn wildcard_matches_exactly_one_leftmost_label() {
        assert!(dns_pattern_matches("*.example.com", "a.example.com"));
        assert!(dns_pattern_matches("*.EXAMPLE.com", "a.example.com"));
        assert!(!dns_pattern_matches("*.example.com", "example.com"));
        assert!(!dns_pattern_matches("*.example.com", "a.b.example.com"));
        assert!(!dns_pattern_matches("a*.example.com", "ab.example.com"));
        assert!(!dns_pattern_matches("*.com", "example.com"));
        assert!(!dns_pattern_matches("*", "example"));
        assert!(!dns_pattern_matches("a.*.example.com", "a.b.example.com"));
        assert!(dns_pattern_matches("example.com", "example.com"));
    }
}

//! RFC 5280 §4.2.1.10 name constraints, checked on the syntax when a certificate is parsed
//! ([`validate_name_constraints`]) and applied during path validation as §6.1.3 (b)-(c)
//! ([`check_name_constraints`]): dNSName, iPAddress, rfc822Name, URI and directoryName
//! subtrees; other forms cannot be evaluated and refuse the name.
//!
//! The subject CN is held to dNSName constraints when it looks like a host name and the end
//! entity has no dNSName (STRICTER.md S16), so that a legacy client reading the CN cannot be
//! handed a host name the constraint forbids.

use std::net::IpAddr;

use der::asn1::Ia5StringRef;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::NameConstraints;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::{Name, RelativeDistinguishedName};

use super::directory_string::directory_string;
use super::server::is_valid_dns_name;
use crate::limits::{MAX_DNS_LABEL_LEN, MAX_DNS_NAME_LEN};

/// Checks the syntax of a nameConstraints extension when the certificate is parsed: each
/// subtree has minimum 0 and no maximum (§4.2.1.10: "MUST be zero", "MUST be absent"); a
/// dNSName is a host name without a leading period or wildcard ("any DNS name that can be
/// constructed by simply adding zero or more labels to the left-hand side"); an iPAddress is an
/// address and a contiguous mask of 8 or 32 octets; an rfc822Name is a mailbox, a host, or a
/// `.domain`; a URI constraint is a host or a `.domain`.
pub(crate) fn validate_name_constraints(nc: &NameConstraints) -> core::result::Result<(), &'static str> {
    let all = nc
        .permitted_subtrees
        .iter()
        .flatten()
        .chain(nc.excluded_subtrees.iter().flatten());
    for subtree in all {
        if subtree.minimum != 0 || subtree.maximum.is_some() {
            return Err("name constraint with a minimum or maximum");
        }
        match &subtree.base {
            GeneralName::DnsName(s) => {
                let s = s.as_str();
                if !s.is_empty() && !is_valid_dns_name(s, false) {
                    return Err("invalid dNSName constraint");
                }
            }
            GeneralName::IpAddress(o) => {
                let b = o.as_bytes();
                if b.len() != 8 && b.len() != 32 {
                    return Err("iPAddress constraint is not an address and mask");
                }
                let mask = &b[b.len() / 2..];
                if !is_contiguous_mask(mask) {
                    return Err("iPAddress constraint mask is not contiguous");
                }
            }
            GeneralName::Rfc822Name(s) if !is_valid_email_constraint(s.as_str()) => {
                return Err("invalid rfc822Name constraint");
            }
            GeneralName::UniformResourceIdentifier(s) => {
                let s = s.as_str();
                let host = s.strip_prefix('.').unwrap_or(s);
                if !is_valid_dns_name(host, false) {
                    return Err("invalid URI constraint");
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn is_contiguous_mask(mask: &[u8]) -> bool {
    let mut seen_zero = false;
    for &byte in mask {
        for bit in (0..8).rev() {
            let one = byte & (1 << bit) != 0;
            if one && seen_zero {
                return false;
            }
            seen_zero |= !one;
        }
    }
    true
}

fn is_valid_email_constraint(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, host)) => is_valid_local_part(local) && is_valid_dns_name(host, false),
        None => is_valid_dns_name(s.strip_prefix('.').unwrap_or(s), false),
    }
}

/// A mailbox local part as RFC 5280 §4.2.1.6 (RFC 5322 addr-spec) allows in practice: printable
/// ASCII without '@', whitespace or controls. Asterisks are literal characters.
fn is_valid_local_part(local: &str) -> bool {
    !local.is_empty() && local.bytes().all(|b| b.is_ascii_graphic() && b != b'@')
}

/// Why a certificate fails a name constraint.
pub(crate) enum NcFailure {
    /// This name is outside the constraints (or cannot be evaluated against them).
    Outside(String),
    /// The comparison budget ran out.
    Budget,
}

/// One name of a certificate, as constraints see it.
enum Subject<'a> {
    San(&'a GeneralName),
    Dn(&'a Name),
    Email(&'a str),
    /// A subject CN that looks like a host name, held to dNSName constraints (S16).
    CnHost(String),
}

/// The form of a GeneralName (its CHOICE tag number); the subject DN is form 4
/// (directoryName), subject emailAddress attributes form 1 (rfc822Name).
fn form(g: &GeneralName) -> u8 {
    match g {
        GeneralName::OtherName(_) => 0,
        GeneralName::Rfc822Name(_) => 1,
        GeneralName::DnsName(_) => 2,
        GeneralName::DirectoryName(_) => 4,
        GeneralName::EdiPartyName(_) => 5,
        GeneralName::UniformResourceIdentifier(_) => 6,
        GeneralName::IpAddress(_) => 7,
        GeneralName::RegisteredId(_) => 8,
    }
}

/// PKCS#9 emailAddress (1.2.840.113549.1.9.1), the legacy place of an email in a subject DN.
const OID_EMAIL_ADDRESS: der::asn1::ObjectIdentifier = const_oid::db::rfc3280::EMAIL_ADDRESS;

/// commonName (2.5.4.3, RFC 4519 §2.3).
const OID_COMMON_NAME: der::asn1::ObjectIdentifier = const_oid::db::rfc4519::CN;

/// Applies `nc` to every name of a certificate whose subject is `subject` and whose
/// subjectAltName entries are `sans` (empty when it has none): the entries, the subject DN when
/// not empty, and emailAddress attributes of the subject (§4.2.1.10, §6.1.3 (b)-(c)). For the
/// `end_entity` without a dNSName subjectAltName, every subject CN that looks like a host name
/// ([`cn_host_name`]) is also held to the dNSName constraints, as OpenSSL does
/// (`NAME_CONSTRAINTS_check_CN`; STRICTER.md S16). `consume` is called once per comparison and
/// fails when the budget is spent.
pub(crate) fn check_name_constraints(
    nc: &NameConstraints,
    subject: &Name,
    sans: &[GeneralName],
    end_entity: bool,
    consume: &mut dyn FnMut() -> bool,
) -> core::result::Result<(), NcFailure> {
    let mut names: Vec<Subject<'_>> = sans.iter().map(Subject::San).collect();
    if !subject.is_empty() {
        names.push(Subject::Dn(subject));
        let cn_is_checked = end_entity && !sans.iter().any(|g| matches!(g, GeneralName::DnsName(_)));
        for atv in subject.iter() {
            if atv.oid == OID_EMAIL_ADDRESS {
                match Ia5StringRef::try_from(&atv.value) {
                    Ok(s) => names.push(Subject::Email(s.as_str())),
                    Err(_) => return Err(NcFailure::Outside("undecodable emailAddress in subject".into())),
                }
            }
            if cn_is_checked
                && atv.oid == OID_COMMON_NAME
                && let Some(host) = cn_host_name(&atv.value)
            {
                names.push(Subject::CnHost(host));
            }
        }
    }
    let permitted: &[GeneralSubtree] = nc.permitted_subtrees.as_deref().unwrap_or(&[]);
    let excluded: &[GeneralSubtree] = nc.excluded_subtrees.as_deref().unwrap_or(&[]);
    for name in &names {
        let name_form = match name {
            Subject::San(g) => form(g),
            Subject::Dn(_) => 4,
            Subject::Email(_) => 1,
            Subject::CnHost(_) => 2,
        };
        let describe = || match name {
            Subject::San(g) => describe_general_name(g),
            Subject::Dn(n) => format!("DN {n}"),
            Subject::Email(e) => format!("email {e}"),
            Subject::CnHost(h) => format!("DNS {h} (subject CN)"),
        };
        let mut any_permitted_of_form = false;
        let mut permitted_hit = false;
        for subtree in permitted.iter().filter(|s| form(&s.base) == name_form) {
            any_permitted_of_form = true;
            if !consume() {
                return Err(NcFailure::Budget);
            }
            match matches(name, &subtree.base, Mode::Permitted) {
                Some(true) => {
                    permitted_hit = true;
                    break;
                }
                Some(false) => {}
                None => return Err(NcFailure::Outside(describe())),
            }
        }
        if any_permitted_of_form && !permitted_hit {
            return Err(NcFailure::Outside(describe()));
        }
        for subtree in excluded.iter().filter(|s| form(&s.base) == name_form) {
            if !consume() {
                return Err(NcFailure::Budget);
            }
            match matches(name, &subtree.base, Mode::Excluded) {
                Some(false) => {}
                Some(true) | None => return Err(NcFailure::Outside(describe())),
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Permitted,
    Excluded,
}

fn describe_general_name(g: &GeneralName) -> String {
    match g {
        GeneralName::DnsName(s) => format!("DNS {}", s.as_str()),
        GeneralName::Rfc822Name(s) => format!("email {}", s.as_str()),
        GeneralName::UniformResourceIdentifier(s) => format!("URI {}", s.as_str()),
        GeneralName::IpAddress(o) => match o.as_bytes().len() {
            4 | 16 => {
                let b = o.as_bytes();
                let ip: Option<IpAddr> = if b.len() == 4 {
                    <[u8; 4]>::try_from(b).ok().map(IpAddr::from)
                } else {
                    <[u8; 16]>::try_from(b).ok().map(IpAddr::from)
                };
                ip.map_or_else(|| "IP ?".into(), |ip| format!("IP {ip}"))
            }
            n => format!("IP of {n} bytes"),
        },
        GeneralName::DirectoryName(n) => format!("DN {n}"),
        GeneralName::OtherName(o) => format!("otherName {}", o.type_id),
        GeneralName::EdiPartyName(_) => "ediPartyName".into(),
        GeneralName::RegisteredId(oid) => format!("registeredID {oid}"),
    }
}

/// Whether `name` is within the subtree `base` of the same form. `None` when the name cannot
/// be evaluated (malformed, or a form this crate does not process): the caller rejects, as
/// §4.2.1.10 requires ("MUST either process the constraint or reject the certificate").
fn matches(name: &Subject<'_>, base: &GeneralName, mode: Mode) -> Option<bool> {
    match (name, base) {
        (Subject::San(GeneralName::DnsName(n)), GeneralName::DnsName(c)) => {
            dns_constraint(n.as_str(), c.as_str(), mode)
        }
        (Subject::CnHost(h), GeneralName::DnsName(c)) => Some(dns_subtree_match(h, c.as_str(), mode)),
        (Subject::San(GeneralName::IpAddress(n)), GeneralName::IpAddress(c)) => ip_within(n.as_bytes(), c.as_bytes()),
        (Subject::San(GeneralName::Rfc822Name(n)), GeneralName::Rfc822Name(c)) => {
            email_constraint(n.as_str(), c.as_str())
        }
        (Subject::Email(n), GeneralName::Rfc822Name(c)) => email_constraint(n, c.as_str()),
        (Subject::San(GeneralName::DirectoryName(n)), GeneralName::DirectoryName(c)) => dn_within(n, c, mode),
        (Subject::Dn(n), GeneralName::DirectoryName(c)) => dn_within(n, c, mode),
        (Subject::San(GeneralName::UniformResourceIdentifier(n)), GeneralName::UniformResourceIdentifier(c)) => {
            let host = uri_host(n.as_str())?;
            let c = c.as_str();
            Some(match c.strip_prefix('.') {
                Some(domain) => host.len() > domain.len() && ends_with_label(host, domain),
                None => host.eq_ignore_ascii_case(c),
            })
        }
        // otherName, ediPartyName, registeredID: not processed.
        _ => None,
    }
}

/// `name` ends with `.suffix`, ignoring ASCII case.
fn ends_with_label(name: &str, suffix: &str) -> bool {
    name.len() > suffix.len()
        && name.as_bytes()[name.len() - suffix.len() - 1] == b'.'
        && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// `name` is `base` or below it (base "" is the whole DNS tree).
fn dns_within(name: &str, base: &str) -> bool {
    base.is_empty() || name.eq_ignore_ascii_case(base) || ends_with_label(name, base)
}

fn dns_constraint(san: &str, base: &str, mode: Mode) -> Option<bool> {
    if !is_valid_dns_name(san, true) {
        return None;
    }
    Some(dns_subtree_match(san, base, mode))
}

/// Whether the ASCII host name or wildcard pattern `name` is within the dNSName subtree `base`.
fn dns_subtree_match(name: &str, base: &str, mode: Mode) -> bool {
    match name.strip_prefix("*.") {
        // A wildcard stands for every name one label below `rest`. Permitted only when all of
        // them are inside the subtree; excluded when any of them might be (x509-limbo
        // cve-2025-61727: RFC 5280 and RFC 9525 leave this open, so decide defensively).
        Some(rest) => match mode {
            Mode::Permitted => dns_within(rest, base),
            Mode::Excluded => dns_within(rest, base) || ends_with_label(base, rest),
        },
        None => dns_within(name, base),
    }
}

/// The value of a subject CN when it looks like a host name, the way OpenSSL's `cn2dnsid`
/// (crypto/x509/v3_ncons.c) decides it, plus wildcards. The value is decoded from any string
/// form ([`directory_string`]) and trailing NULs are dropped, as OpenSSL does. It is a host name when it has at most [`MAX_DNS_NAME_LEN`] characters and at least
/// two labels of ASCII letters, digits, '-' and '_' (OpenSSL accepts '_' here), each at most
/// [`MAX_DNS_LABEL_LEN`] long and without a leading or trailing '-', optionally after a
/// leftmost `*` label, and not an IPv4 literal. Anything else (a person's or a device's name, one label, spaces,
/// non-ASCII) is not a host name and no dNSName constraint applies to it.
fn cn_host_name(value: &der::Any) -> Option<String> {
    let decoded = directory_string(value)?.ok()?;
    let host = decoded.trim_end_matches('\0');
    if host.len() > MAX_DNS_NAME_LEN {
        return None;
    }
    // An IPv4 literal (`127.0.0.1`) is an address, not a host name (RFC 6125 §6.2.1 / §6.4.4
    // concern DNS names; Go, Firefox and Java do not hold it to dNSName constraints). IPv6
    // literals hold ':' and fail the label test below. Only the canonical dotted-decimal form
    // is skipped (`std`'s parser refuses leading zeros), so `010.0.0.1` stays a "host name".
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return None;
    }
    let rest = host.strip_prefix("*.").unwrap_or(host);
    let mut labels = 0usize;
    for label in rest.split('.') {
        labels += 1;
        if label.is_empty()
            || label.len() > MAX_DNS_LABEL_LEN
            || label.starts_with('-')
            || label.ends_with('-')
            || !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
    }
    (labels >= 2).then(|| host.to_owned())
}

fn email_constraint(mailbox: &str, base: &str) -> Option<bool> {
    let (local, host) = mailbox.split_once('@')?;
    if !is_valid_local_part(local) || !is_valid_dns_name(host, false) {
        return None;
    }
    Some(match base.split_once('@') {
        // A particular mailbox: the local part is compared exactly (RFC 5280 §7.5), the host
        // without case.
        Some((c_local, c_host)) => local == c_local && host.eq_ignore_ascii_case(c_host),
        None => match base.strip_prefix('.') {
            Some(domain) => ends_with_label(host, domain),
            None => host.eq_ignore_ascii_case(base),
        },
    })
}

/// The host of a URI with an authority (`scheme://[userinfo@]host[:port]...`); `None` when
/// there is none or it is an IP literal (§4.2.1.10: constraints apply to the host part, and
/// a URI without one cannot be evaluated).
fn uri_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return None;
    }
    let host = host_port.split_once(':').map_or(host_port, |(h, _)| h);
    is_valid_dns_name(host, false).then_some(host)
}

/// Whether the iPAddress `name` (4 or 16 octets) is within the subtree `constraint` (address
/// and mask, 8 or 32 octets). An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is also compared
/// with IPv4 subtrees, and an IPv4 address with IPv4-mapped IPv6 subtrees: on a dual-stack host
/// they are the same address, so `::ffff:10.1.2.3` does not escape an excluded `10.0.0.0/8`
/// (OpenSSL compares by family only; STRICTER.md S17). `None` when `name` is not an address.
fn ip_within(name: &[u8], constraint: &[u8]) -> Option<bool> {
    if name.len() != 4 && name.len() != 16 {
        return None;
    }
    let within = |n: &[u8], c: &[u8]| {
        let (addr, mask) = c.split_at(n.len());
        n.iter().zip(addr).zip(mask).all(|((n, a), m)| n & m == a & m)
    };
    if constraint.len() == 2 * name.len() {
        return Some(within(name, constraint));
    }
    let mapped_v4 =
        |v6: &[u8]| (v6[..10].iter().all(|&b| b == 0) && v6[10..12] == [0xff, 0xff]).then(|| v6[12..16].to_vec());
    match (name.len(), constraint.len()) {
        // An IPv4-mapped name against an IPv4 subtree.
        (16, 8) => Some(mapped_v4(name).is_some_and(|v4| within(&v4, constraint))),
        // An IPv4 name against an IPv6 subtree whose address and mask cover ::ffff:0:0/96.
        (4, 32) => {
            let mut mapped = [0u8; 16];
            mapped[10] = 0xff;
            mapped[11] = 0xff;
            mapped[12..].copy_from_slice(name);
            // The subtree must fix the ::ffff:0:0/96 prefix: a wider one (e.g. ::/0) would
            // otherwise take in every IPv4 address.
            let mask = &constraint[16..];
            Some(mask[..12].iter().all(|&m| m == 0xff) && within(&mapped, constraint))
        }
        // Another address family: never within.
        _ => Some(false),
    }
}

/// Whether `base`'s RDN sequence is a prefix of `name`'s (§4.2.1.10 directoryName), each RDN
/// compared per §7.1 (attribute types equal, values equal after case folding and whitespace
/// normalisation for string types). `None` when the answer cannot be known: a value that does
/// not decode, or — for an excluded subtree — two values that differ but hold non-ASCII
/// characters, which full RFC 4518 preparation (NFKC, case folding beyond what is done here)
/// might find equal. An excluded subtree then refuses the name: no re-encoding or non-ASCII
/// variant of an excluded name can escape it.
fn dn_within(name: &Name, base: &Name, mode: Mode) -> Option<bool> {
    let mut name_rdns = name.iter_rdn();
    let mut unknown = false;
    for b in base.iter_rdn() {
        let Some(n) = name_rdns.next() else {
            return Some(false);
        };
        match rdn_eq(n, b, mode) {
            Some(true) => {}
            Some(false) => return Some(false),
            None => unknown = true,
        }
    }
    if unknown { None } else { Some(true) }
}

fn rdn_eq(a: &RelativeDistinguishedName, b: &RelativeDistinguishedName, mode: Mode) -> Option<bool> {
    if a.len() != b.len() {
        return Some(false);
    }
    let mut unknown = false;
    for x in a.iter() {
        let mut found = false;
        for y in b.iter() {
            match atv_eq(x, y, mode) {
                Some(true) => {
                    found = true;
                    break;
                }
                Some(false) => {}
                None => unknown = true,
            }
        }
        if !found && !unknown {
            return Some(false);
        }
    }
    if unknown { None } else { Some(true) }
}

fn atv_eq(a: &AttributeTypeAndValue, b: &AttributeTypeAndValue, mode: Mode) -> Option<bool> {
    if a.oid != b.oid {
        return Some(false);
    }
    if a.value == b.value {
        return Some(true);
    }
    match (directory_string(&a.value), directory_string(&b.value)) {
        (Some(Ok(x)), Some(Ok(y))) => {
            let (x, y) = (super::prepared::prepare(&x), super::prepared::prepare(&y));
            if x == y {
                Some(true)
            } else if mode == Mode::Excluded && !(x.is_ascii() && y.is_ascii()) {
                None
            } else {
                Some(false)
            }
        }
        // A string that does not decode cannot be compared.
        (Some(Err(())), _) | (_, Some(Err(()))) => None,
        // Not both strings: compared as encoded (already found unequal).
        _ => Some(false),
    }
}

/// The text of a string-typed attribute value, when it decodes (test fixtures re-encode it).
#[cfg(feature = "testing")]
pub(crate) fn attribute_text(v: &der::Any) -> Option<String> {
    directory_string(v)?.ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use der::Tag;

    #[test]
    fn dns_constraints_match_on_label_boundaries() {
        assert_eq!(
            dns_constraint("a.example.com", "example.com", Mode::Permitted),
            Some(true)
        );
        assert_eq!(
            dns_constraint("badexample.com", "example.com", Mode::Permitted),
            Some(false)
        );
        assert_eq!(
            dns_constraint("*.example.com", "foo.example.com", Mode::Permitted),
            Some(false)
        );
        assert_eq!(
            dns_constraint("*.example.com", "bar.example.com", Mode::Excluded),
            Some(true)
        );
        assert_eq!(dns_constraint("*.foo.com", "foo.com", Mode::Permitted), Some(true));
        assert_eq!(dns_constraint("foo_bar.com", "foo.com", Mode::Permitted), None);
    }

    #[test]
    fn cn_host_names_are_recognised_as_openssl_does() {
        let cn = |tag, bytes: &[u8]| cn_host_name(&der::Any::new(tag, bytes.to_vec()).unwrap());
        let utf8 = |s: &str| cn(Tag::Utf8String, s.as_bytes());
        assert_eq!(utf8("host.example.org").as_deref(), Some("host.example.org"));
        assert_eq!(utf8("*.example.org").as_deref(), Some("*.example.org"));
        assert_eq!(utf8("foo_bar.example.org").as_deref(), Some("foo_bar.example.org"));
        assert_eq!(utf8("host.example.org\0\0").as_deref(), Some("host.example.org"));
        // S16: an IPv4 literal is not a host name; a non-canonical one still is.
        assert_eq!(utf8("10.1.2.3"), None);
        assert_eq!(utf8("127.0.0.1"), None);
        assert_eq!(utf8("010.1.2.3").as_deref(), Some("010.1.2.3"));
        assert_eq!(utf8("10.1.2.3.example.com").as_deref(), Some("10.1.2.3.example.com"));
        assert_eq!(
            cn(Tag::PrintableString, b"Host.Example.ORG").as_deref(),
            Some("Host.Example.ORG")
        );
        let bmp: Vec<u8> = "host.example.org".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(cn(Tag::BmpString, &bmp).as_deref(), Some("host.example.org"));
        for not_a_host in [
            "Kavach Test Root",
            "localhost",
            "*.org",
            "a..b",
            ".example.org",
            "example.org.",
            "-a.example.org",
            "a-.example.org",
            "h\u{f6}st.example.org",
            "host.exa\0mple.org",
            "a.*.example.org",
            "",
        ] {
            assert_eq!(utf8(not_a_host), None, "{not_a_host:?}");
        }
        assert_eq!(utf8(&format!("{}.org", "a".repeat(64))), None);
        assert_eq!(utf8(&format!("{}a.org", "a.".repeat(125))), None);
        // An odd-length BMPString does not decode to a host name.
        assert_eq!(cn(Tag::BmpString, b"\0h\0"), None);
    }

    #[test]
    fn cn_hosts_match_dns_subtrees_like_sans() {
        assert!(dns_subtree_match("host.example.com", "example.com", Mode::Permitted));
        assert!(!dns_subtree_match("host.example.org", "example.com", Mode::Permitted));
        assert!(!dns_subtree_match("hostexample.com", "example.com", Mode::Permitted));
        assert!(dns_subtree_match("foo_bar.example.com", "example.com", Mode::Permitted));
        assert!(dns_subtree_match("*.example.com", "bad.example.com", Mode::Excluded));
        assert!(!dns_subtree_match("*.example.com", "bad.example.com", Mode::Permitted));
    }

    #[test]
    fn email_constraints_are_literal() {
        assert_eq!(email_constraint("*@example.com", "*@example.com"), Some(true));
        assert_eq!(email_constraint("user@example.com", "*@example.com"), Some(false));
        assert_eq!(email_constraint("u@a.example.com", ".example.com"), Some(true));
        assert_eq!(email_constraint("u@example.com", ".example.com"), Some(false));
        assert_eq!(email_constraint("u@EXAMPLE.com", "example.com"), Some(true));
        assert_eq!(email_constraint("a@b@example.com", "example.com"), None);
    }

    #[test]
    fn masks_and_uris() {
        assert!(is_contiguous_mask(&[255, 255, 0, 0]));
        assert!(!is_contiguous_mask(&[255, 0, 255, 0]));
        assert_eq!(
            uri_host("https://user@Host.example.com:8443/x"),
            Some("Host.example.com")
        );
        assert_eq!(uri_host("urn:isbn:123"), None);
    }
}

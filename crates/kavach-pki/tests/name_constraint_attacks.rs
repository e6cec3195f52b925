//! Name-constraint bypasses found by the adversarial review (issue 8, items 2 and 11), each
//! test named after the attack it stops: an excluded directoryName escaped by re-encoding an
//! attribute (BMPString) or by a non-ASCII variant, and an excluded IPv4 subtree escaped by an
//! IPv4-mapped IPv6 address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;
use std::time::SystemTime;

use kavach_keys::{KeyKind, PrivateKey, Signer};
use kavach_pki::issue::{CertificateProfile, DistinguishedName, SubjectAltName, Validity};
use kavach_pki::testing::{TestPki, reencode_as_bmp_string};
use kavach_pki::{
    Certificate, Error, GeneralName, ObjectIdentifier, Purpose, TrustDomain, ValidationOptions, Validator,
};

const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

fn pki() -> &'static TestPki {
    TestPki::p256()
}

static CA_KEY: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P256).unwrap());

fn dn(s: &str) -> DistinguishedName {
    DistinguishedName::parse(s).unwrap()
}

fn constrained(permitted: &[GeneralName], excluded: &[GeneralName]) -> Certificate {
    pki()
        .constrained_ca(
            "CN=Constrained CA,O=Kavach Test",
            CA_KEY.public_key(),
            permitted,
            excluded,
        )
        .unwrap()
}

fn leaf(ca: &Certificate, subject: DistinguishedName, purpose: Purpose, sans: &[SubjectAltName]) -> Certificate {
    let key = pki().leaf(purpose).unwrap().public_key();
    let mut profile = CertificateProfile::new(subject, key, Validity::days_from_now(30).unwrap())
        .with_end_entity(purpose)
        .unwrap();
    if !sans.is_empty() {
        profile = profile.with_subject_alt_names(sans).unwrap();
    }
    pki().issue_under(&profile, ca, &*CA_KEY).unwrap()
}

fn validate(ca: &Certificate, cert: &Certificate, purpose: Purpose) -> Result<(), Error> {
    let domain = TrustDomain::new("TEST", pki().trust_anchors()).unwrap();
    Validator::new()
        .verify(
            &domain,
            cert,
            std::slice::from_ref(ca),
            &ValidationOptions::new(purpose, SystemTime::now()),
        )
        .map(|_| ())
}

fn excluded_evil_corp() -> Certificate {
    constrained(
        &[],
        &[GeneralName::DirectoryName(dn("O=Evil Corp,C=IN").as_name().clone())],
    )
}

#[test]
fn bmp_string_re_encoding_cannot_escape_an_excluded_directory_name() {
    let ca = excluded_evil_corp();
    let plain = dn("CN=signer,O=Evil Corp,C=IN");
    // The plain name is refused (sanity) ...
    let err = validate(&ca, &leaf(&ca, plain.clone(), Purpose::Signing, &[]), Purpose::Signing).unwrap_err();
    assert!(matches!(err, Error::NameConstraintViolation { .. }), "{err}");
    // ... and so is the same name with O as a BMPString (before the fix: accepted, while
    // OpenSSL refuses it as an excluded subtree violation).
    let bmp = reencode_as_bmp_string(&plain, ORGANIZATION).unwrap();
    assert_ne!(bmp, plain, "re-encoded");
    let err = validate(&ca, &leaf(&ca, bmp, Purpose::Signing, &[]), Purpose::Signing).unwrap_err();
    assert!(matches!(err, Error::NameConstraintViolation { .. }), "{err}");
    // Case and inner white space do not escape either.
    let folded = dn("CN=signer,O=EVIL   corp,C=IN");
    let err = validate(&ca, &leaf(&ca, folded, Purpose::Signing, &[]), Purpose::Signing).unwrap_err();
    assert!(matches!(err, Error::NameConstraintViolation { .. }), "{err}");
    // Another organisation, in any encoding, is outside the excluded subtree.
    let good = reencode_as_bmp_string(&dn("CN=signer,O=Good Corp,C=IN"), ORGANIZATION).unwrap();
    validate(&ca, &leaf(&ca, good, Purpose::Signing, &[]), Purpose::Signing).unwrap();
}

#[test]
fn non_ascii_variant_cannot_escape_an_excluded_directory_name() {
    // Fullwidth "Ｅvil Corp" is "Evil Corp" under RFC 4518's NFKC. Without full string
    // preparation the comparison cannot be decided, so the excluded subtree refuses it.
    let ca = excluded_evil_corp();
    let fullwidth = dn("CN=signer,O=\u{ff25}vil Corp,C=IN");
    let err = validate(&ca, &leaf(&ca, fullwidth, Purpose::Signing, &[]), Purpose::Signing).unwrap_err();
    assert!(matches!(err, Error::NameConstraintViolation { .. }), "{err}");
    // Non-ASCII case folding: "EVİL"-style variants fold with Unicode lowercase.
    let upper = dn("CN=signer,O=ÉVIL CORP,C=IN");
    let lower_excluded = ca_excluding("O=évil corp,C=IN");
    let err = validate(
        &lower_excluded,
        &leaf(&lower_excluded, upper, Purpose::Signing, &[]),
        Purpose::Signing,
    )
    .unwrap_err();
    assert!(matches!(err, Error::NameConstraintViolation { .. }), "{err}");
    // A non-ASCII name in a permitted subtree is still accepted when it is that subtree.
    let permitted = constrained(&[GeneralName::DirectoryName(dn("O=आधार,C=IN").as_name().clone())], &[]);
    validate(
        &permitted,
        &leaf(&permitted, dn("CN=signer,O=आधार,C=IN"), Purpose::Signing, &[]),
        Purpose::Signing,
    )
    .unwrap();
}

fn ca_excluding(name: &str) -> Certificate {
    constrained(&[], &[GeneralName::DirectoryName(dn(name).as_name().clone())])
}

fn ip_subtree(address: &[u8], mask: &[u8]) -> GeneralName {
    GeneralName::IpAddress(der::asn1::OctetString::new([address, mask].concat()).unwrap())
}

fn server_with_ip(ca: &Certificate, ip: IpAddr) -> Certificate {
    leaf(
        ca,
        dn("CN=server,O=Kavach Test"),
        Purpose::TlsServer,
        &[SubjectAltName::Ip(ip)],
    )
}

#[test]
fn ipv4_mapped_ipv6_san_cannot_escape_an_excluded_ipv4_subtree() {
    let ca = constrained(&[], &[ip_subtree(&[10, 0, 0, 0], &[255, 0, 0, 0])]);
    let mapped = IpAddr::V6(Ipv4Addr::new(10, 1, 2, 3).to_ipv6_mapped());
    let err = validate(&ca, &server_with_ip(&ca, mapped), Purpose::TlsServer).unwrap_err();
    assert!(matches!(err, Error::NameConstraintViolation { .. }), "{err}");
    // The plain IPv4 address is refused too, and addresses outside 10/8 are not.
    let err = validate(
        &ca,
        &server_with_ip(&ca, Ipv4Addr::new(10, 1, 2, 3).into()),
        Purpose::TlsServer,
    )
    .unwrap_err();
    assert!(matches!(err, Error::NameConstraintViolation { .. }), "{err}");
    let outside = IpAddr::V6(Ipv4Addr::new(11, 1, 2, 3).to_ipv6_mapped());
    validate(&ca, &server_with_ip(&ca, outside), Purpose::TlsServer).unwrap();
    // A native IPv6 address is never taken for an IPv4 one.
    validate(
        &ca,
        &server_with_ip(&ca, Ipv6Addr::LOCALHOST.into()),
        Purpose::TlsServer,
    )
    .unwrap();
}

#[test]
fn ipv4_san_cannot_escape_an_excluded_ipv4_mapped_subtree() {
    // ::ffff:10.0.0.0/104 excludes 10.0.0.0/8 as seen by a dual-stack host.
    let mut addr = [0u8; 16];
    addr[10..13].copy_from_slice(&[0xff, 0xff, 10]);
    let mut mask = [0u8; 16];
    mask[..13].fill(0xff);
    let ca = constrained(&[], &[ip_subtree(&addr, &mask)]);
    let err = validate(
        &ca,
        &server_with_ip(&ca, Ipv4Addr::new(10, 9, 9, 9).into()),
        Purpose::TlsServer,
    )
    .unwrap_err();
    assert!(matches!(err, Error::NameConstraintViolation { .. }), "{err}");
    validate(
        &ca,
        &server_with_ip(&ca, Ipv4Addr::new(192, 0, 2, 1).into()),
        Purpose::TlsServer,
    )
    .unwrap();
}

//! What RFC 5280 accepts and kavach-pki refused before issue 11, each test named after the
//! rule, with valid and invalid variants: distinguished-name comparison (§7.1, RFC 4518) and
//! validity times across the whole range (§4.1.2.5), v1 CRLs (§5.1.2.1), IP-literal subject
//! CNs and dNSName constraints (STRICTER.md S16), and a trust anchor validated as itself (a
//! path of length zero), and CA certificates with a non-critical basicConstraints (§6.1.4 (k)).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use kavach_keys::{KeyKind, PrivateKey, Signer};
use kavach_pki::issue::{
    CertificateProfile, Criticality, DistinguishedName, Issuer, RevokedEntry, SubjectAltName, Validity, issue_crl,
};
use kavach_pki::testing::{StringType, TestPki, reencode_attribute, v1_crl_der, with_validity_text};
use kavach_pki::{
    Certificate, Crl, Error, GeneralName, ObjectIdentifier, ProfileRule, Purpose, TrustDomain, ValidationOptions,
    Validator,
};

const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const DAY: Duration = Duration::from_secs(86_400);

static CA_KEY: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P256).unwrap());
static LEAF_KEY: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P256).unwrap());

fn dn(s: &str) -> DistinguishedName {
    DistinguishedName::parse(s).unwrap()
}

/// A self-signed CA with `subject` and the shared CA key.
fn root(subject: DistinguishedName) -> Certificate {
    CertificateProfile::new(subject, CA_KEY.public_key(), Validity::days_from_now(30).unwrap())
        .with_ca(None)
        .self_sign(&*CA_KEY)
        .unwrap()
}

/// A signing end entity issued under `ca` (its issuer field is `ca`'s subject, byte for byte).
fn leaf_under(ca: &Certificate) -> Certificate {
    let profile = CertificateProfile::new(
        dn("CN=signer,O=Kavach Test,C=IN"),
        LEAF_KEY.public_key(),
        Validity::days_from_now(10).unwrap(),
    )
    .with_end_entity(Purpose::Signing)
    .unwrap();
    profile.issue(&Issuer::new(ca, &*CA_KEY).unwrap()).unwrap()
}

fn verify_with(anchor: &Certificate, leaf: &Certificate, crls: &[Crl]) -> Result<(), Error> {
    let domain = TrustDomain::new("TEST", vec![anchor.clone()]).unwrap();
    Validator::new()
        .verify(
            &domain,
            leaf,
            &[],
            &ValidationOptions::new(Purpose::Signing, SystemTime::now()).with_crls(crls),
        )
        .map(|_| ())
}

/// The leaf, issued under a CA named `issued_as`, validated against the same key trusted as a
/// self-signed anchor named `trusted_as`.
fn chain_across(issued_as: DistinguishedName, trusted_as: DistinguishedName) -> Result<(), Error> {
    let leaf = leaf_under(&root(issued_as));
    verify_with(&root(trusted_as), &leaf, &[])
}

#[test]
fn rfc5280_7_1_issuer_matches_subject_differing_in_case() {
    chain_across(
        dn("CN=Kavach Name CA,O=Kavach Test,C=IN"),
        dn("CN=KAVACH name ca,O=kavach TEST,C=in"),
    )
    .unwrap();
}

#[test]
fn rfc5280_7_1_issuer_matches_subject_differing_in_insignificant_space() {
    chain_across(
        dn("CN=Kavach Name CA,O=Kavach Test,C=IN"),
        dn("CN=Kavach   Name \t CA,O=Kavach  Test,C=IN"),
    )
    .unwrap();
    // Leading and trailing white space, written into the value itself.
    let padded = reencode_with(
        dn("CN=Kavach Name CA,O=Kavach Test,C=IN"),
        COMMON_NAME,
        "  Kavach Name CA  ",
    );
    chain_across(dn("CN=Kavach Name CA,O=Kavach Test,C=IN"), padded).unwrap();
}

#[test]
fn rfc5280_7_1_issuer_matches_subject_in_another_string_type() {
    let name = dn("CN=Kavach Name CA,O=Kavach Test,C=IN");
    for (attribute, to) in [
        (ORGANIZATION, StringType::Printable),
        (COMMON_NAME, StringType::Bmp),
        (COMMON_NAME, StringType::Teletex),
    ] {
        let other = reencode_attribute(&name, attribute, to).unwrap();
        assert_ne!(other, name, "{to:?} re-encoding changed nothing");
        chain_across(name.clone(), other.clone()).unwrap_or_else(|e| panic!("{to:?}: {e}"));
        // And the other way round (UTF8String in the issuer field, another type in the anchor).
        chain_across(other, name.clone()).unwrap_or_else(|e| panic!("{to:?} reversed: {e}"));
    }
    // Type and case and space at once.
    let upper = reencode_attribute(
        &dn("CN=KAVACH  NAME CA,O=Kavach Test,C=IN"),
        COMMON_NAME,
        StringType::Bmp,
    )
    .unwrap();
    chain_across(name, upper).unwrap();
}

#[test]
fn rfc5280_7_1_different_values_do_not_match() {
    let err = chain_across(
        dn("CN=Kavach Name CA,O=Kavach Test,C=IN"),
        dn("CN=Kavach Name CB,O=Kavach Test,C=IN"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::UnknownIssuer { .. }), "{err}");
    // Inner space is significant as a separator: "KavachName" is not "Kavach Name".
    let err = chain_across(
        dn("CN=Kavach Name CA,O=Kavach Test,C=IN"),
        dn("CN=KavachName CA,O=Kavach Test,C=IN"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::UnknownIssuer { .. }), "{err}");
}

#[test]
fn rfc5280_7_1_attribute_types_must_match() {
    let err = chain_across(
        dn("CN=Kavach Name CA,O=Kavach Test,C=IN"),
        dn("CN=Kavach Name CA,OU=Kavach Test,C=IN"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::UnknownIssuer { .. }), "{err}");
}

#[test]
fn rfc5280_7_1_multi_valued_rdns_compare_as_sets() {
    chain_across(
        dn("CN=Kavach Name CA+O=Kavach Test,C=IN"),
        dn("O=KAVACH TEST+CN=kavach name ca,C=IN"),
    )
    .unwrap();
    let bmp = reencode_attribute(
        &dn("CN=Kavach Name CA+O=Kavach Test,C=IN"),
        ORGANIZATION,
        StringType::Bmp,
    )
    .unwrap();
    chain_across(dn("CN=Kavach Name CA+O=Kavach Test,C=IN"), bmp).unwrap();
    // The same attributes in separate RDNs are another name.
    let err = chain_across(
        dn("CN=Kavach Name CA+O=Kavach Test,C=IN"),
        dn("CN=Kavach Name CA,O=Kavach Test,C=IN"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::UnknownIssuer { .. }), "{err}");
    // A set with one member more is another RDN.
    let err = chain_across(
        dn("CN=Kavach Name CA+O=Kavach Test,C=IN"),
        dn("CN=Kavach Name CA+O=Kavach Test+OU=X,C=IN"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::UnknownIssuer { .. }), "{err}");
}

#[test]
fn rfc5280_7_1_crl_issuer_matches_the_ca_named_differently() {
    let issued_as = dn("CN=Kavach Name CA,O=Kavach Test,C=IN");
    let ca = root(issued_as.clone());
    let leaf = leaf_under(&ca);
    // The anchor's subject differs from the leaf's issuer and from the CRL's issuer in type
    // and case; the CRL, signed by the same key, must still be the anchor's CRL.
    let anchor = root(
        reencode_attribute(
            &dn("CN=kavach NAME ca,O=Kavach Test,C=IN"),
            COMMON_NAME,
            StringType::Bmp,
        )
        .unwrap(),
    );
    let now = SystemTime::now();
    let issuer = Issuer::new(&ca, &*CA_KEY).unwrap();
    let empty = issue_crl(&issuer, &[], now - DAY, now + DAY, 1).unwrap();
    verify_with(&anchor, &leaf, std::slice::from_ref(&empty)).unwrap();
    let revoking = issue_crl(&issuer, &[RevokedEntry::new(&leaf, now - DAY)], now - DAY, now + DAY, 2).unwrap();
    let err = verify_with(&anchor, &leaf, std::slice::from_ref(&revoking)).unwrap_err();
    assert!(matches!(err, Error::Revoked { .. }), "{err}");
    // A CRL of a CA with a different name is not the anchor's: the status stays unknown.
    let other_ca = root(dn("CN=Kavach Other CA,O=Kavach Test,C=IN"));
    let other = issue_crl(&Issuer::new(&other_ca, &*CA_KEY).unwrap(), &[], now - DAY, now + DAY, 1).unwrap();
    let err = verify_with(&anchor, &leaf, std::slice::from_ref(&other)).unwrap_err();
    assert!(matches!(err, Error::RevocationStatusUnknown { .. }), "{err}");
}

#[test]
fn rfc5280_7_1_directory_name_constraints_compare_prepared_names() {
    let pki = TestPki::p256();
    let ca = pki
        .constrained_ca(
            "CN=Constrained CA,O=Kavach Test",
            CA_KEY.public_key(),
            &[GeneralName::DirectoryName(dn("O=Kavach Test,C=IN").as_name().clone())],
            &[],
        )
        .unwrap();
    let leaf = |subject: DistinguishedName| {
        let profile = CertificateProfile::new(subject, LEAF_KEY.public_key(), Validity::days_from_now(10).unwrap())
            .with_end_entity(Purpose::Signing)
            .unwrap()
            .with_subject_alt_names(&[SubjectAltName::dns("signer.example").unwrap()])
            .unwrap();
        pki.issue_under(&profile, &ca, &*CA_KEY).unwrap()
    };
    let domain = TrustDomain::new("TEST", pki.trust_anchors()).unwrap();
    let validate = |cert: &Certificate| {
        Validator::new()
            .verify(
                &domain,
                cert,
                std::slice::from_ref(&ca),
                &ValidationOptions::new(Purpose::Signing, SystemTime::now()),
            )
            .map(|_| ())
    };
    let inside = reencode_attribute(&dn("CN=signer,O=KAVACH   test,C=IN"), ORGANIZATION, StringType::Bmp).unwrap();
    validate(&leaf(inside)).unwrap();
    let err = validate(&leaf(dn("CN=signer,O=Kavach Other,C=IN"))).unwrap_err();
    assert!(matches!(err, Error::NameConstraintViolation { .. }), "{err}");
}

/// `name` with the value of `attribute` replaced by `value` (UTF8String), bypassing RFC 4514
/// parsing (which trims spaces).
fn reencode_with(name: DistinguishedName, attribute: ObjectIdentifier, value: &str) -> DistinguishedName {
    kavach_pki::testing::replace_attribute(&name, attribute, value).unwrap()
}

// ---------------------------------------------------------------------------------------------
// §4.1.2.5: validity times across the whole range
// ---------------------------------------------------------------------------------------------

/// Unix seconds as a `SystemTime` (before the epoch when negative).
fn at(secs: i64) -> SystemTime {
    if secs >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

const Y1950: i64 = -631_152_000;
const Y1960: i64 = -315_619_200;
const Y1965: i64 = -157_766_400;
const Y1969_END: i64 = -1;

/// A root valid from `root_from` to `root_to` and a leaf under it valid from `from` to `to`
/// (X.509 `Time` texts), both re-signed with the CA key.
fn dated(root_from: &str, root_to: &str, from: &str, to: &str) -> (Certificate, Certificate) {
    let ca = root(dn("CN=Kavach Time CA,O=Kavach Test,C=IN"));
    let ca = with_validity_text(&ca, &*CA_KEY, root_from, root_to).unwrap();
    let leaf = with_validity_text(&leaf_under(&ca), &*CA_KEY, from, to).unwrap();
    (ca, leaf)
}

fn verify_at(anchor: &Certificate, leaf: &Certificate, time: SystemTime) -> Result<(), Error> {
    let domain = TrustDomain::new("TEST", vec![anchor.clone()]).unwrap();
    Validator::new()
        .verify(&domain, leaf, &[], &ValidationOptions::new(Purpose::Signing, time))
        .map(|_| ())
}

#[test]
fn rfc5280_4_1_2_5_1_utc_time_50_to_69_is_1950_to_1969() {
    let (ca, leaf) = dated("500101000000Z", "491231235959Z", "600101000000Z", "691231235959Z");
    assert_eq!(ca.not_before(), at(Y1950));
    assert_eq!(leaf.not_before(), at(Y1960));
    assert_eq!(leaf.not_after(), at(Y1969_END));
    // Valid in 1965 and at the last second of 1969 (inclusive bound).
    verify_at(&ca, &leaf, at(Y1965)).unwrap();
    verify_at(&ca, &leaf, at(Y1969_END)).unwrap();
    // Not yet valid in 1955, expired at the epoch.
    let err = verify_at(&ca, &leaf, at(-473_385_600)).unwrap_err();
    assert!(matches!(err, Error::NotYetValid { .. }), "{err}");
    let err = verify_at(&ca, &leaf, at(0)).unwrap_err();
    assert!(matches!(err, Error::Expired { .. }), "{err}");
    // And expired now.
    let err = verify_at(&ca, &leaf, SystemTime::now()).unwrap_err();
    assert!(matches!(err, Error::Expired { .. }), "{err}");
}

#[test]
fn rfc5280_4_1_2_5_1_utc_time_spanning_the_epoch_is_valid_on_both_sides() {
    let (ca, leaf) = dated("500101000000Z", "491231235959Z", "600101000000Z", "491231235959Z");
    verify_at(&ca, &leaf, at(Y1965)).unwrap();
    verify_at(&ca, &leaf, SystemTime::now()).unwrap();
}

#[test]
fn rfc5280_4_1_2_5_2_generalized_time_before_1970() {
    let (ca, leaf) = dated(
        "19000101000000Z",
        "99991231235959Z",
        "19450815000000Z",
        "19691231235959Z",
    );
    assert_eq!(ca.not_after(), at(253_402_300_799));
    assert_eq!(leaf.not_before(), at(-769_392_000));
    verify_at(&ca, &leaf, at(Y1950)).unwrap();
    let err = verify_at(&ca, &leaf, at(-800_000_000)).unwrap_err();
    assert!(matches!(err, Error::NotYetValid { .. }), "{err}");
    let err = verify_at(&ca, &leaf, at(0)).unwrap_err();
    assert!(matches!(err, Error::Expired { .. }), "{err}");
}

#[test]
fn rfc5280_4_1_2_5_a_date_that_does_not_exist_is_malformed() {
    let ca = root(dn("CN=Kavach Time CA,O=Kavach Test,C=IN"));
    // 1961 is not a leap year; month 13 does not exist.
    for (from, to) in [
        ("19610229000000Z", "20300101000000Z"),
        ("601301000000Z", "300101000000Z"),
    ] {
        let err = with_validity_text(&leaf_under(&ca), &*CA_KEY, from, to).unwrap_err();
        assert!(matches!(err, Error::Der { .. }), "{from}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// §5.1.2.1: v1 CRLs
// ---------------------------------------------------------------------------------------------

#[test]
fn rfc5280_5_1_2_1_v1_crl_without_version_is_accepted() {
    let ca = root(dn("CN=Kavach CRL CA,O=Kavach Test,C=IN"));
    let leaf = leaf_under(&ca);
    let issuer = Issuer::new(&ca, &*CA_KEY).unwrap();
    let now = SystemTime::now();
    let empty = Crl::from_der(&v1_crl_der(&issuer, &[], now - DAY, now + DAY, false).unwrap()).unwrap();
    verify_with(&ca, &leaf, std::slice::from_ref(&empty)).unwrap();
    let revoking = v1_crl_der(
        &issuer,
        &[RevokedEntry::new(&leaf, now - DAY)],
        now - DAY,
        now + DAY,
        false,
    )
    .unwrap();
    let revoking = Crl::from_der(&revoking).unwrap();
    let err = verify_with(&ca, &leaf, std::slice::from_ref(&revoking)).unwrap_err();
    assert!(matches!(err, Error::Revoked { .. }), "{err}");
    // Its signature is still checked, over the bytes as they are (no version inside).
    let other_key = PrivateKey::generate(KeyKind::P256).unwrap();
    let impostor = CertificateProfile::new(
        dn("CN=Kavach CRL CA,O=Kavach Test,C=IN"),
        other_key.public_key(),
        Validity::days_from_now(30).unwrap(),
    )
    .with_ca(None)
    .self_sign(&other_key)
    .unwrap();
    let forged = v1_crl_der(
        &Issuer::new(&impostor, &other_key).unwrap(),
        &[],
        now - DAY,
        now + DAY,
        false,
    )
    .unwrap();
    let err = verify_with(&ca, &leaf, &[Crl::from_der(&forged).unwrap()]).unwrap_err();
    assert!(matches!(err, Error::BadSignature { .. }), "{err}");
}

#[test]
fn rfc5280_5_1_2_1_v1_crl_with_extensions_is_malformed() {
    let ca = root(dn("CN=Kavach CRL CA,O=Kavach Test,C=IN"));
    let issuer = Issuer::new(&ca, &*CA_KEY).unwrap();
    let now = SystemTime::now();
    let der = v1_crl_der(&issuer, &[], now - DAY, now + DAY, true).unwrap();
    let err = Crl::from_der(&der).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Malformed {
                reason: "extensions in a v1 CRL",
                ..
            }
        ),
        "{err}"
    );
    // Trailing bytes after a v1 CRL are refused as after a v2 one.
    let mut trailing = v1_crl_der(&issuer, &[], now - DAY, now + DAY, false).unwrap();
    trailing.push(0);
    assert!(Crl::from_der(&trailing).is_err());
}

// ---------------------------------------------------------------------------------------------
// STRICTER.md S16: an IP-literal CN is not a host name
// ---------------------------------------------------------------------------------------------

/// A `tls-server` end entity with `cn` and `sans` under a CA permitted only `example.com`,
/// validated without a server name.
fn under_dns_constraint(cn: &str, sans: &[SubjectAltName]) -> Result<(), Error> {
    let pki = TestPki::p256();
    let ca = pki
        .dns_constrained_ca(
            "CN=DNS Constrained CA,O=Kavach Test",
            CA_KEY.public_key(),
            &["example.com"],
            &[],
        )
        .unwrap();
    let mut profile = CertificateProfile::new(
        dn(&format!("CN={cn},O=Kavach Test")),
        LEAF_KEY.public_key(),
        Validity::days_from_now(10).unwrap(),
    )
    .with_end_entity(Purpose::TlsServer)
    .unwrap();
    if !sans.is_empty() {
        profile = profile.with_subject_alt_names(sans).unwrap();
    }
    let leaf = pki.issue_under(&profile, &ca, &*CA_KEY).unwrap();
    let domain = TrustDomain::new("TEST", pki.trust_anchors()).unwrap();
    Validator::new()
        .verify(
            &domain,
            &leaf,
            std::slice::from_ref(&ca),
            &ValidationOptions::new(Purpose::TlsServer, SystemTime::now()),
        )
        .map(|_| ())
}

#[test]
fn s16_ip_literal_cn_with_an_ip_san_is_not_held_to_dns_constraints() {
    under_dns_constraint("127.0.0.1", &[SubjectAltName::parse("127.0.0.1").unwrap()]).unwrap();
    under_dns_constraint("10.1.2.3", &[SubjectAltName::parse("10.1.2.3").unwrap()]).unwrap();
}

#[test]
fn s16_ip_literal_cn_of_a_san_less_end_entity_is_not_held_to_dns_constraints() {
    under_dns_constraint("127.0.0.1", &[]).unwrap();
}

#[test]
fn s16_host_name_cns_are_still_held_to_dns_constraints() {
    // A host name that starts like an address, and an address with leading zeros (not a
    // canonical IPv4 literal), are host names: outside example.com they are refused.
    for cn in ["127.0.0.1.evil.test", "010.1.2.3", "host.example.org"] {
        let err = under_dns_constraint(cn, &[SubjectAltName::parse("10.1.2.3").unwrap()]).unwrap_err();
        assert!(
            matches!(&err, Error::NameConstraintViolation { name, .. } if name.ends_with("(subject CN)")),
            "{cn}: {err}"
        );
    }
    // Inside, accepted.
    under_dns_constraint("host.example.com", &[]).unwrap();
}

// ---------------------------------------------------------------------------------------------
// A certificate of the trust domain validated as itself: a path of length zero
// ---------------------------------------------------------------------------------------------

/// A self-signed signing end entity (not a CA) with `key`, valid for `validity`.
fn self_signed_leaf(validity: Validity) -> Certificate {
    CertificateProfile::new(
        dn("CN=Pinned Signer,O=Kavach Test,C=IN"),
        LEAF_KEY.public_key(),
        validity,
    )
    .with_end_entity(Purpose::Signing)
    .unwrap()
    .self_sign(&*LEAF_KEY)
    .unwrap()
}

fn verify_alone(cert: &Certificate, purpose: Purpose, time: SystemTime) -> Result<kavach_pki::VerifiedPath, Error> {
    let domain = TrustDomain::new("TEST", vec![cert.clone()]).unwrap();
    Validator::new().verify(&domain, cert, &[], &ValidationOptions::new(purpose, time))
}

#[test]
fn trust_anchor_validated_as_itself_is_a_path_of_length_zero() {
    let leaf = self_signed_leaf(Validity::days_from_now(10).unwrap());
    let path = verify_alone(&leaf, Purpose::Signing, SystemTime::now()).unwrap();
    assert_eq!(path.chain(), std::slice::from_ref(&leaf));
    assert_eq!(path.trust_anchor(), &leaf);
    assert_eq!(path.end_entity(), &leaf);
    // A self-signed CA in the domain, validated as itself for `ca`.
    let ca = root(dn("CN=Kavach Lone CA,O=Kavach Test,C=IN"));
    let path = verify_alone(&ca, Purpose::Ca, SystemTime::now()).unwrap();
    assert_eq!(path.chain(), std::slice::from_ref(&ca));
}

#[test]
fn trust_anchor_validated_as_itself_still_needs_validity_purpose_and_key_policy() {
    let leaf = self_signed_leaf(Validity::days_from_now(10).unwrap());
    // Validity.
    let err = verify_alone(&leaf, Purpose::Signing, SystemTime::now() + 30 * DAY).unwrap_err();
    assert!(matches!(err, Error::Expired { .. }), "{err}");
    // Purpose: an end entity is not a CA.
    let err = verify_alone(&leaf, Purpose::Ca, SystemTime::now()).unwrap_err();
    assert!(matches!(err, Error::PurposeMismatch { .. }), "{err}");
    // Name: the server name is matched against the (absent) subjectAltName.
    let domain = TrustDomain::new("TEST", vec![leaf.clone()]).unwrap();
    let name = kavach_pki::ServerName::parse("pinned.example.com").unwrap();
    let err = Validator::new()
        .verify(
            &domain,
            &leaf,
            &[],
            &ValidationOptions::new(Purpose::TlsServer, SystemTime::now()).with_server_name(&name),
        )
        .unwrap_err();
    assert!(matches!(err, Error::NameMismatch { .. }), "{err}");
    // A CA certificate is not a TLS end entity, even as its own anchor (S11).
    let ca = root(dn("CN=Kavach Lone CA,O=Kavach Test,C=IN"));
    let err = verify_alone(&ca, Purpose::TlsServer, SystemTime::now()).unwrap_err();
    assert!(matches!(err, Error::CaUsedAsEndEntity { .. }), "{err}");
    // Key policy: P-256 refused when only P-384 is allowed.
    let domain = TrustDomain::new("TEST", vec![leaf.clone()]).unwrap();
    let policy = kavach_pki::KeyPolicy::default().without_curve(kavach_pki::KeyCurve::P256);
    let err = Validator::new()
        .verify(
            &domain,
            &leaf,
            &[],
            &ValidationOptions::new(Purpose::Signing, SystemTime::now()).with_key_policy(policy),
        )
        .unwrap_err();
    assert!(matches!(err, Error::KeyPolicy { .. }), "{err}");
}

#[test]
fn self_signed_certificate_outside_the_trust_domain_is_not_trusted() {
    let leaf = self_signed_leaf(Validity::days_from_now(10).unwrap());
    let domain = TrustDomain::new("TEST", TestPki::p256().trust_anchors()).unwrap();
    let err = Validator::new()
        .verify(
            &domain,
            &leaf,
            &[],
            &ValidationOptions::new(Purpose::Signing, SystemTime::now()),
        )
        .unwrap_err();
    assert!(matches!(err, Error::UnknownIssuer { .. }), "{err}");
    // Nor is one that has the anchor's name and key but other bytes (a re-issue).
    let twin = self_signed_leaf(Validity::days_from_now(11).unwrap());
    let domain = TrustDomain::new("TEST", vec![leaf]).unwrap();
    let err = Validator::new()
        .verify(
            &domain,
            &twin,
            &[],
            &ValidationOptions::new(Purpose::Signing, SystemTime::now()),
        )
        .unwrap_err();
    assert!(!matches!(err, Error::BudgetExceeded { .. }), "{err}");
}

#[test]
fn trust_anchor_validated_as_itself_with_crls_must_be_covered() {
    let ca = root(dn("CN=Kavach Lone CA,O=Kavach Test,C=IN"));
    let domain = TrustDomain::new("TEST", vec![ca.clone()]).unwrap();
    let now = SystemTime::now();
    let issuer = Issuer::new(&ca, &*CA_KEY).unwrap();
    let verify = |crls: &[Crl]| {
        Validator::new()
            .verify(
                &domain,
                &ca,
                &[],
                &ValidationOptions::new(Purpose::Ca, now).with_crls(crls),
            )
            .map(|_| ())
    };
    verify(&[issue_crl(&issuer, &[], now - DAY, now + DAY, 1).unwrap()]).unwrap();
    let revoking = issue_crl(&issuer, &[RevokedEntry::new(&ca, now - DAY)], now - DAY, now + DAY, 2).unwrap();
    let err = verify(&[revoking]).unwrap_err();
    assert!(matches!(err, Error::Revoked { .. }), "{err}");
    let other_ca = root(dn("CN=Kavach Other CA,O=Kavach Test,C=IN"));
    let other = issue_crl(&Issuer::new(&other_ca, &*CA_KEY).unwrap(), &[], now - DAY, now + DAY, 1).unwrap();
    let err = verify(&[other]).unwrap_err();
    assert!(matches!(err, Error::RevocationStatusUnknown { .. }), "{err}");
}

// ---------------------------------------------------------------------------------------------
// §6.1.4 (k): the criticality of a CA's basicConstraints is not a path rule
// ---------------------------------------------------------------------------------------------

/// A root with the CA key whose basicConstraints is `bc` marked `criticality`.
fn root_with_bc(bc: Option<(bool, Option<u8>)>, criticality: Criticality) -> Certificate {
    CertificateProfile::new(
        dn("CN=Kavach BC CA,O=Kavach Test,C=IN"),
        CA_KEY.public_key(),
        Validity::days_from_now(30).unwrap(),
    )
    .with_ca(None)
    .with_basic_constraints(
        bc.map(
            |(ca, path_len_constraint)| kavach_pki::x509_cert::ext::pkix::BasicConstraints {
                ca,
                path_len_constraint,
            },
        ),
        criticality,
    )
    .self_sign(&*CA_KEY)
    .unwrap()
}

/// A leaf signed by the CA key naming `ca` as its issuer (kavach's `Issuer` refuses a non-CA,
/// so the test PKI's unchecked issuance is used).
fn leaf_signed_under(ca: &Certificate) -> Certificate {
    let profile = CertificateProfile::new(
        dn("CN=signer,O=Kavach Test,C=IN"),
        LEAF_KEY.public_key(),
        Validity::days_from_now(10).unwrap(),
    )
    .with_end_entity(Purpose::Signing)
    .unwrap();
    TestPki::p256().issue_under(&profile, ca, &*CA_KEY).unwrap()
}

#[test]
fn rfc5280_6_1_4_k_non_critical_basic_constraints_in_a_ca_does_not_fail_the_path() {
    let ca = root_with_bc(Some((true, None)), Criticality::NonCritical);
    verify_with(&ca, &leaf_signed_under(&ca), &[]).unwrap();
    let ca = root_with_bc(Some((true, Some(0))), Criticality::NonCritical);
    verify_with(&ca, &leaf_signed_under(&ca), &[]).unwrap();
}

#[test]
fn rfc5280_6_1_4_k_a_ca_still_needs_ca_true() {
    for (bc, criticality) in [
        (Some((false, None)), Criticality::NonCritical),
        (Some((false, None)), Criticality::Critical),
        (None, Criticality::NonCritical),
    ] {
        let ca = root_with_bc(bc, criticality);
        let err = verify_with(&ca, &leaf_signed_under(&ca), &[]).unwrap_err();
        // Refused as not a CA, or first for asserting keyCertSign without cA (§4.2.1.3).
        assert!(
            matches!(&err, Error::NotCa { .. })
                || matches!(
                    &err,
                    Error::ProfileViolation {
                        reason: ProfileRule::KeyCertSignWithoutCa,
                        ..
                    }
                ),
            "{bc:?}: {err}"
        );
    }
}

//! Path validation rules through the public API, on the shared test PKI (`kavach_pki::testing`)
//! and on certificates issued here for one attack each. Each test is named after what it
//! refuses; the warm-cache tests validate a good chain first (so its signatures are cached)
//! and then prove that every check that is not a signature still runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use kavach_keys::{KeyKind, PrivateKey, Signer};
use kavach_pki::issue::{
    CertificateProfile, DistinguishedName, Issuer, RevokedEntry, SubjectAltName, Validity, issue_crl,
};
use kavach_pki::testing::{TLS_SERVER_NAME, TestPki};
use kavach_pki::{
    Certificate, Crl, Error, KeyCurve, KeyPolicy, MAX_ISSUER_CANDIDATES, MAX_SIGNATURE_CHECKS,
    MAX_SUPPLIED_INTERMEDIATES, Purpose, ServerName, TrustDomain, ValidationOptions, Validator,
};

const DAY: Duration = Duration::from_secs(86_400);

fn pki() -> &'static TestPki {
    TestPki::p256()
}

fn domain(pki: &TestPki) -> TrustDomain {
    TrustDomain::new("TEST", pki.trust_anchors()).unwrap()
}

fn now(purpose: Purpose) -> ValidationOptions<'static> {
    ValidationOptions::new(purpose, SystemTime::now())
}

fn leaf(purpose: Purpose) -> Certificate {
    pki().leaf(purpose).unwrap().certificate.clone()
}

fn verify(v: &Validator, cert: &Certificate, options: &ValidationOptions<'_>) -> Result<Vec<String>, Error> {
    v.verify(&domain(pki()), cert, &pki().intermediates(), options)
        .map(|p| p.chain().iter().map(|c| c.subject().to_string()).collect())
}

fn dn(s: &str) -> DistinguishedName {
    DistinguishedName::parse(s).unwrap()
}

fn p256_key() -> PrivateKey {
    PrivateKey::generate(KeyKind::P256).unwrap()
}

/// A CRL of the test intermediate listing `revoked`, current now.
fn intermediate_crl(revoked: &[&Certificate], this_update: SystemTime, next_update: SystemTime) -> Crl {
    let entries: Vec<RevokedEntry> = revoked.iter().map(|c| RevokedEntry::new(c, this_update)).collect();
    issue_crl(&pki().issuer(), &entries, this_update, next_update, 1).unwrap()
}

fn current_crl(revoked: &[&Certificate]) -> Crl {
    let t = SystemTime::now();
    intermediate_crl(revoked, t - DAY, t + DAY)
}

// ----- the proof -----------------------------------------------------------------------------

#[test]
fn verified_path_reports_chain_anchor_purpose_domain_and_time() {
    let options = now(Purpose::Signing);
    let path = Validator::new()
        .verify(
            &domain(pki()),
            &leaf(Purpose::Signing),
            &pki().intermediates(),
            &options,
        )
        .unwrap();
    assert_eq!(path.chain().len(), 3);
    assert_eq!(path.end_entity(), &leaf(Purpose::Signing));
    assert_eq!(path.trust_anchor(), &pki().root().certificate);
    assert_eq!(path.purpose(), Purpose::Signing);
    assert_eq!(path.domain_name(), "TEST");
    assert_eq!(path.verified_at(), options.time());
}

// ----- warm cache: nothing but signatures is remembered --------------------------------------

#[test]
fn warm_cache_never_admits_an_expired_certificate() {
    let v = Validator::new();
    let cert = leaf(Purpose::Signing);
    verify(&v, &cert, &now(Purpose::Signing)).unwrap();
    assert!(v.cached_signatures() >= 2);
    // The same (cached) chain a day after the leaf's notAfter.
    let later = ValidationOptions::new(Purpose::Signing, cert.not_after() + DAY);
    assert!(matches!(verify(&v, &cert, &later), Err(Error::Expired { .. })));
    // And an expired leaf from the same (cached) intermediate.
    let expired = pki().expired(Purpose::Signing).unwrap();
    assert!(matches!(
        verify(&v, &expired, &now(Purpose::Signing)),
        Err(Error::Expired { .. })
    ));
    let early = pki().not_yet_valid(Purpose::Signing).unwrap();
    assert!(matches!(
        verify(&v, &early, &now(Purpose::Signing)),
        Err(Error::NotYetValid { .. })
    ));
}

#[test]
fn warm_cache_never_admits_a_revoked_certificate() {
    let v = Validator::new();
    let cert = leaf(Purpose::Encryption);
    let clean = [current_crl(&[])];
    verify(&v, &cert, &now(Purpose::Encryption).with_crls(&clean)).unwrap();
    let revoked = [current_crl(&[&cert])];
    let err = verify(&v, &cert, &now(Purpose::Encryption).with_crls(&revoked)).unwrap_err();
    assert!(matches!(err, Error::Revoked { .. }), "{err}");
    assert_eq!(err.code(), "KVC-PKI-REVOKED");
    // The clean CRL again still passes (its signature is now cached too).
    verify(&v, &cert, &now(Purpose::Encryption).with_crls(&clean)).unwrap();
}

#[test]
fn warm_cache_never_admits_a_chain_whose_anchor_was_removed() {
    let v = Validator::new();
    let cert = leaf(Purpose::Signing);
    verify(&v, &cert, &now(Purpose::Signing)).unwrap();
    // A new domain trusting only another root: the cached signatures must not matter.
    let other = TrustDomain::new("OTHER", TestPki::rsa().trust_anchors()).unwrap();
    let err = v
        .verify(&other, &cert, &pki().intermediates(), &now(Purpose::Signing))
        .unwrap_err();
    assert!(matches!(err, Error::UnknownIssuer { .. }), "{err}");
    // Even with the old root offered as an untrusted intermediate.
    let mut untrusted = pki().intermediates();
    untrusted.push(pki().root().certificate.clone());
    let err = v.verify(&other, &cert, &untrusted, &now(Purpose::Signing)).unwrap_err();
    assert!(matches!(err, Error::UnknownIssuer { .. }), "{err}");
}

#[test]
fn warm_cache_never_admits_another_purpose_or_name() {
    let v = Validator::new();
    let tls = leaf(Purpose::TlsServer);
    let name = ServerName::parse(TLS_SERVER_NAME).unwrap();
    verify(&v, &tls, &now(Purpose::TlsServer).with_server_name(&name)).unwrap();
    let other_name = ServerName::parse("evil.kavach.test").unwrap();
    assert!(matches!(
        verify(&v, &tls, &now(Purpose::TlsServer).with_server_name(&other_name)),
        Err(Error::NameMismatch { .. })
    ));
    assert!(matches!(
        verify(&v, &tls, &now(Purpose::CodeSigning)),
        Err(Error::PurposeMismatch { .. })
    ));
    let enc = leaf(Purpose::Encryption);
    verify(&v, &enc, &now(Purpose::Encryption)).unwrap();
    assert!(matches!(
        verify(&v, &enc, &now(Purpose::Signing)),
        Err(Error::PurposeMismatch { .. })
    ));
}

#[test]
fn warm_cache_is_keyed_by_exact_der_not_by_key_or_name() {
    let v = Validator::new();
    let cert = leaf(Purpose::Signing);
    verify(&v, &cert, &now(Purpose::Signing)).unwrap();
    // Flip one bit of the signature: the cached verdict of the original must not apply.
    let mut der = cert.der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 1;
    let tampered = Certificate::from_der(&der).unwrap();
    assert!(matches!(
        verify(&v, &tampered, &now(Purpose::Signing)),
        Err(Error::BadSignature { .. })
    ));
}

#[test]
fn cache_capacity_zero_gives_the_same_verdicts() {
    let cold = Validator::with_cache_capacity(0, 0);
    let cert = leaf(Purpose::Signing);
    verify(&cold, &cert, &now(Purpose::Signing)).unwrap();
    assert_eq!(cold.cached_signatures(), 0);
    assert!(verify(&cold, &cert, &now(Purpose::Encryption)).is_err());
    let parsed = cold.parse_certificate(cert.der()).unwrap();
    assert_eq!(parsed, cert);
}

#[test]
fn validator_parse_cache_returns_equal_certificates_and_refuses_garbage() {
    let v = Validator::new();
    let cert = leaf(Purpose::Signing);
    assert_eq!(v.parse_certificate(cert.der()).unwrap(), cert);
    assert_eq!(v.parse_certificate(cert.der()).unwrap(), cert);
    assert!(v.parse_certificate(b"not a certificate").is_err());
}

// ----- CRL semantics (CLI.md) ----------------------------------------------------------------

#[test]
fn end_entity_without_a_crl_of_its_issuer_is_revocation_unknown() {
    // A CRL of the root (not the leaf's issuer) is given: the leaf is not covered.
    let t = SystemTime::now();
    let root_crl = issue_crl(&pki().root_issuer(), &[], t - DAY, t + DAY, 1).unwrap();
    let crls = [root_crl];
    let err = verify(
        &Validator::new(),
        &leaf(Purpose::Signing),
        &now(Purpose::Signing).with_crls(&crls),
    )
    .unwrap_err();
    assert!(matches!(err, Error::RevocationStatusUnknown { .. }), "{err}");
}

#[test]
fn crl_past_next_update_cannot_vouch() {
    let t = SystemTime::now();
    let stale = [intermediate_crl(&[], t - 3 * DAY, t - DAY)];
    let err = verify(
        &Validator::new(),
        &leaf(Purpose::Signing),
        &now(Purpose::Signing).with_crls(&stale),
    )
    .unwrap_err();
    assert!(matches!(err, Error::RevocationStatusUnknown { .. }), "{err}");
    // Not yet current either.
    let future = [intermediate_crl(&[], t + DAY, t + 3 * DAY)];
    assert!(
        verify(
            &Validator::new(),
            &leaf(Purpose::Signing),
            &now(Purpose::Signing).with_crls(&future)
        )
        .is_err()
    );
}

#[test]
fn crl_with_a_forged_signature_cannot_vouch() {
    let good = current_crl(&[]);
    let mut der = good.der().to_vec();
    let last = der.len() - 2;
    der[last] ^= 0x40;
    let forged = [Crl::from_der(&der).unwrap()];
    let err = verify(
        &Validator::new(),
        &leaf(Purpose::Signing),
        &now(Purpose::Signing).with_crls(&forged),
    )
    .unwrap_err();
    assert!(matches!(err, Error::BadSignature { what: "CRL", .. }), "{err}");
}

#[test]
fn revoked_intermediate_is_refused_when_its_issuer_has_a_crl() {
    let t = SystemTime::now();
    let int = &pki().intermediate().certificate;
    let root_crl = issue_crl(
        &pki().root_issuer(),
        &[RevokedEntry::new(int, t - DAY)],
        t - DAY,
        t + DAY,
        2,
    )
    .unwrap();
    let crls = [current_crl(&[]), root_crl];
    let err = verify(
        &Validator::new(),
        &leaf(Purpose::Signing),
        &now(Purpose::Signing).with_crls(&crls),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Revoked { .. }), "{err}");
    // Without the root's CRL the intermediate is not checked, and the leaf is covered.
    let crls = [current_crl(&[])];
    verify(
        &Validator::new(),
        &leaf(Purpose::Signing),
        &now(Purpose::Signing).with_crls(&crls),
    )
    .unwrap();
}

#[test]
fn crl_bundles_parse_in_pem_and_der() {
    let a = current_crl(&[]);
    let b = current_crl(&[&leaf(Purpose::Signing)]);
    let pem = format!(
        "{}{}",
        kavach_keys::encoding::pem_encode("X509 CRL", a.der()),
        kavach_keys::encoding::pem_encode("X509 CRL", b.der())
    );
    assert_eq!(Crl::parse_bundle(pem.as_bytes()).unwrap().len(), 2);
    let der = [a.der(), b.der()].concat();
    let parsed = Crl::parse_bundle(&der).unwrap();
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[1].revoked_count(), 1);
    assert!(Crl::from_pem(&kavach_keys::encoding::pem_encode("X509 CRL", a.der())).is_ok());
    assert!(Crl::from_der(&der).is_err(), "trailing data");
    assert!(Crl::parse_bundle(b"garbage").is_err());
}

// ----- RFC 5280 path rules on issued attack fixtures -----------------------------------------

#[test]
fn chain_through_an_end_entity_is_refused() {
    // "ee-as-ca": a certificate issued by the signing leaf's key, under the signing leaf.
    let ee = pki().leaf(Purpose::Signing).unwrap();
    let profile = pki().leaf_profile(Purpose::Signing, "CN=Issued By A Leaf").unwrap();
    let victim = pki().issue_under(&profile, &ee.certificate, ee.signer()).unwrap();
    let mut untrusted = pki().intermediates();
    untrusted.push(ee.certificate.clone());
    let err = Validator::new()
        .verify(&domain(pki()), &victim, &untrusted, &now(Purpose::Signing))
        .unwrap_err();
    assert!(matches!(err, Error::NotCa { .. }), "{err}");
}

#[test]
fn certificate_signed_by_the_wrong_key_is_refused() {
    // "wrong-key": names the intermediate as issuer but is signed by another key.
    let profile = pki().leaf_profile(Purpose::Signing, "CN=Wrong Key").unwrap();
    let impostor = p256_key();
    let forged = pki()
        .issue_under(&profile, &pki().intermediate().certificate, &impostor)
        .unwrap();
    let err = verify(&Validator::new(), &forged, &now(Purpose::Signing)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadSignature {
                what: "certificate",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.code(), "KVC-PKI-BAD-SIGNATURE");
}

#[test]
fn path_len_zero_intermediate_cannot_have_a_sub_ca() {
    // "pathlen-exceeded": root -> intermediate (pathLen 0) -> sub-CA -> leaf.
    let sub_key = p256_key();
    let sub = pki()
        .issue(
            &CertificateProfile::new(
                dn("CN=Sub CA,O=Kavach Test"),
                sub_key.public_key(),
                Validity::days_from_now(30).unwrap(),
            )
            .with_ca(None),
        )
        .unwrap();
    let profile = pki().leaf_profile(Purpose::Signing, "CN=Under Sub CA").unwrap();
    let under = pki().issue_under(&profile, &sub, &sub_key).unwrap();
    let mut untrusted = pki().intermediates();
    untrusted.push(sub);
    let err = Validator::new()
        .verify(&domain(pki()), &under, &untrusted, &now(Purpose::Signing))
        .unwrap_err();
    assert!(matches!(err, Error::PathLenExceeded { path_len: 0, .. }), "{err}");
}

#[test]
fn max_chain_depth_option_is_enforced() {
    let options = now(Purpose::Signing).with_max_chain_depth(0);
    let err = verify(&Validator::new(), &leaf(Purpose::Signing), &options).unwrap_err();
    assert!(matches!(err, Error::MaxDepthExceeded { max: 0 }), "{err}");
    let options = options.with_max_chain_depth(1);
    verify(&Validator::new(), &leaf(Purpose::Signing), &options).unwrap();
}

#[test]
fn key_policy_refuses_keys_it_does_not_allow() {
    let options = now(Purpose::Signing).with_key_policy(KeyPolicy::default().without_curve(KeyCurve::P256));
    let err = verify(&Validator::new(), &leaf(Purpose::Signing), &options).unwrap_err();
    assert!(matches!(err, Error::KeyPolicy { .. }), "{err}");
    // RSA-2048 passes the default policy and fails a 3072-bit minimum.
    let rsa = TestPki::rsa();
    let cert = rsa.leaf(Purpose::Signing).unwrap().certificate.clone();
    let d = TrustDomain::new("RSA", rsa.trust_anchors()).unwrap();
    Validator::new()
        .verify(&d, &cert, &rsa.intermediates(), &now(Purpose::Signing))
        .unwrap();
    let strict = now(Purpose::Signing).with_key_policy(KeyPolicy::default().with_min_rsa_bits(3072));
    assert!(matches!(
        Validator::new().verify(&d, &cert, &rsa.intermediates(), &strict),
        Err(Error::KeyPolicy { .. })
    ));
}

#[test]
fn unknown_issuer_names_the_missing_issuer() {
    let err = Validator::new()
        .verify(&domain(pki()), &leaf(Purpose::Signing), &[], &now(Purpose::Signing))
        .unwrap_err();
    match err {
        Error::UnknownIssuer { issuer, domain, .. } => {
            assert_eq!(issuer, pki().intermediate().certificate.subject().to_string());
            assert_eq!(domain, "TEST");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn empty_trust_domain_is_an_error() {
    assert!(matches!(
        TrustDomain::new("AUTH", vec![]),
        Err(Error::EmptyTrustStore { .. })
    ));
    let d = TrustDomain::new("AUTH", pki().trust_anchors())
        .unwrap()
        .with_intermediates(pki().intermediates());
    assert_eq!(d.name(), "AUTH");
    assert!(d.is_anchor(&pki().root().certificate));
    assert!(!d.is_anchor(&pki().intermediate().certificate));
    // Intermediates held by the domain are used.
    Validator::new()
        .verify(&d, &leaf(Purpose::Signing), &[], &now(Purpose::Signing))
        .unwrap();
}

#[test]
fn ip_address_names_match_ip_sans_only() {
    let profile = pki()
        .leaf_profile(Purpose::TlsServer, "CN=IP Server")
        .unwrap()
        .with_subject_alt_names(&[
            SubjectAltName::parse("192.0.2.7").unwrap(),
            SubjectAltName::dns("ip.kavach.test").unwrap(),
        ])
        .unwrap();
    let cert = pki().issue(&profile).unwrap();
    let v = Validator::new();
    for (name, ok) in [
        ("192.0.2.7", true),
        ("192.0.2.8", false),
        ("ip.kavach.test", true),
        ("::1", false),
    ] {
        let name = ServerName::parse(name).unwrap();
        let r = verify(&v, &cert, &now(Purpose::TlsServer).with_server_name(&name));
        assert_eq!(r.is_ok(), ok, "{name}: {r:?}");
    }
}

#[test]
fn wildcard_san_covers_one_label_only() {
    let profile = pki()
        .leaf_profile(Purpose::TlsServer, "CN=Wildcard")
        .unwrap()
        .with_subject_alt_names(&[SubjectAltName::dns("*.wild.kavach.test").unwrap()])
        .unwrap();
    let cert = pki().issue(&profile).unwrap();
    let v = Validator::new();
    for (name, ok) in [
        ("a.wild.kavach.test", true),
        ("wild.kavach.test", false),
        ("a.b.wild.kavach.test", false),
    ] {
        let name = ServerName::parse(name).unwrap();
        assert_eq!(
            verify(&v, &cert, &now(Purpose::TlsServer).with_server_name(&name)).is_ok(),
            ok,
            "{name}"
        );
    }
}

#[test]
fn budget_stops_a_flood_of_same_name_issuers() {
    // "issuer-flood": CA certificates under the root share the leaf's issuer name but none
    // holds its key, so every candidate path fails at its last signature. Only the first
    // MAX_ISSUER_CANDIDATES are tried; the candidate cap ends the search with a budget error.
    let real_key = p256_key();
    let validity = Validity::days_from_now(30).unwrap();
    let real = pki()
        .issue_by_root(&CertificateProfile::new(dn("CN=Flooded CA"), real_key.public_key(), validity).with_ca(None))
        .unwrap();
    let profile = pki().leaf_profile(Purpose::Signing, "CN=Flood Victim").unwrap();
    let victim = pki().issue_under(&profile, &real, &real_key).unwrap();
    static DECOYS: LazyLock<Vec<Certificate>> = LazyLock::new(|| {
        (0..MAX_SUPPLIED_INTERMEDIATES - 1)
            .map(|_| {
                let k = PrivateKey::generate(KeyKind::P256).unwrap();
                pki()
                    .issue_by_root(
                        &CertificateProfile::new(
                            DistinguishedName::parse("CN=Flooded CA").unwrap(),
                            k.public_key(),
                            Validity::days_from_now(30).unwrap(),
                        )
                        .with_ca(None),
                    )
                    .unwrap()
            })
            .collect()
    });
    let (result, work) = Validator::new().verify_with_work(&domain(pki()), &victim, &DECOYS, &now(Purpose::Signing));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            Error::BudgetExceeded {
                what: "candidate issuers with one name"
            }
        ),
        "{err}"
    );
    assert!(DECOYS.len() > MAX_ISSUER_CANDIDATES);
    // Two signatures per decoy tried (the decoy's, then the victim's, which fails).
    assert!(work.signatures <= 2 * MAX_ISSUER_CANDIDATES, "{work:?}");
    assert!(work.signatures <= MAX_SIGNATURE_CHECKS);
    // With the real CA among them, it is found first (its SKI matches the leaf's AKI).
    let mut with_real = DECOYS.clone();
    with_real.push(real);
    Validator::new()
        .verify(&domain(pki()), &victim, &with_real, &now(Purpose::Signing))
        .unwrap();
}

#[test]
fn issuer_keyusage_without_keycertsign_is_refused() {
    // "ca-without-keycertsign": a CA whose keyUsage is cRLSign only issues a leaf.
    use kavach_pki::{KeyUsage, KeyUsages};
    let k = p256_key();
    let ca = pki()
        .issue_by_root(
            &CertificateProfile::new(
                dn("CN=CRL Only CA"),
                k.public_key(),
                Validity::days_from_now(30).unwrap(),
            )
            .with_ca(None)
            .with_key_usage(Some(KeyUsage(KeyUsages::CRLSign.into()))),
        )
        .unwrap();
    let profile = pki().leaf_profile(Purpose::Signing, "CN=Under CRL Only CA").unwrap();
    let victim = pki().issue_under(&profile, &ca, &k).unwrap();
    let err = Validator::new()
        .verify(&domain(pki()), &victim, &[ca], &now(Purpose::Signing))
        .unwrap_err();
    assert!(matches!(err, Error::MissingKeyCertSign { .. }), "{err}");
}

/// STRICTER.md S15: a CA certificate without keyUsage (RFC 5280 §4.2.1.3: "Conforming CAs
/// MUST include this extension" when the key verifies certificate or CRL signatures) is
/// refused as an intermediate, as the trust anchor, and as the end entity
/// (`openssl verify -x509_strict` alike: "CA cert does not include key usage extension").
#[test]
fn ca_certificate_without_key_usage_is_refused() {
    let validity = || Validity::days_from_now(30).unwrap();
    let no_ku_ca = |key: &PrivateKey| {
        CertificateProfile::new(dn("CN=No KeyUsage CA,O=Kavach Test"), key.public_key(), validity())
            .with_ca(None)
            .with_key_usage(None)
    };

    // As an intermediate under the test root: refused, cold and warm.
    let k = p256_key();
    let ca = pki().issue_by_root(&no_ku_ca(&k)).unwrap();
    assert!(ca.is_ca() && ca.key_usage().is_none());
    let profile = pki().leaf_profile(Purpose::Signing, "CN=Under No KeyUsage CA").unwrap();
    let victim = pki().issue_under(&profile, &ca, &k).unwrap();
    let v = Validator::new();
    for _ in 0..2 {
        let err = v
            .verify(
                &domain(pki()),
                &victim,
                std::slice::from_ref(&ca),
                &now(Purpose::Signing),
            )
            .unwrap_err();
        assert!(
            matches!(&err, Error::MissingKeyUsage { subject } if subject.contains("No KeyUsage CA")),
            "{err}"
        );
        assert_eq!(err.code(), "KVC-PKI-NO-KEYUSAGE");
    }
    // The control: the same CA name and key with keyUsage, and the same leaf, validate.
    let ca_with_ku = pki().issue_by_root(&no_ku_ca(&k).with_ca(None)).unwrap();
    assert!(ca_with_ku.key_usage().is_some_and(|ku| ku.key_cert_sign()));
    v.verify(&domain(pki()), &victim, &[ca_with_ku], &now(Purpose::Signing))
        .unwrap();

    // As the trust anchor: refused, naming the anchor.
    let root_key = p256_key();
    let root = no_ku_ca(&root_key).self_sign(&root_key).unwrap();
    let profile = pki()
        .leaf_profile(Purpose::Signing, "CN=Under No KeyUsage Root")
        .unwrap();
    let leaf = pki().issue_under(&profile, &root, &root_key).unwrap();
    let anchored = TrustDomain::new("NO-KEYUSAGE", vec![root.clone()]).unwrap();
    let err = Validator::new()
        .verify(&anchored, &leaf, &[], &now(Purpose::Signing))
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingKeyUsage { subject } if *subject == root.subject().to_string()),
        "{err}"
    );

    // As the end entity (purpose any, where keyUsage is otherwise optional): refused; the same
    // certificate with keyUsage validates.
    let leaf_key = p256_key();
    let ca_leaf = |ku| {
        pki()
            .issue(
                &CertificateProfile::new(dn("CN=CA As Leaf,O=Kavach Test"), leaf_key.public_key(), validity())
                    .with_ca(None)
                    .with_key_usage(ku),
            )
            .unwrap()
    };
    let err = verify(&Validator::new(), &ca_leaf(None), &now(Purpose::Any)).unwrap_err();
    assert!(
        matches!(&err, Error::MissingKeyUsage { subject } if subject.contains("CA As Leaf")),
        "{err}"
    );
    let with_ku = ca_leaf(Some(kavach_pki::KeyUsage(kavach_pki::KeyUsages::KeyCertSign.into())));
    verify(&Validator::new(), &with_ku, &now(Purpose::Any)).unwrap();

    // Issuance refuses to sign under such a CA, as validation refuses what it would sign.
    assert!(matches!(
        Issuer::new(&root, &root_key),
        Err(Error::IssuerCannotIssue { reason, .. }) if reason.contains("without keyUsage")
    ));
}

/// The attack: a CA constrained to `kavach.test` (and excluding `bad.kavach.test`) issues an end
/// entity without a dNSName whose subject CN is a host outside the constraint. A client that
/// falls back to the CN (RFC 6125 §6.4.4 legacy behaviour, OpenSSL `-verify_hostname`) would
/// take it for that host. STRICTER.md S16, as OpenSSL (`NAME_CONSTRAINTS_check_CN`): the
/// host-name CN is held to the dNSName constraints and refused with the name-constraint error;
/// kavach itself still never matches a server name against the CN (S12).
#[test]
fn cn_smuggled_past_a_name_constraint_is_refused() {
    let k = p256_key();
    let ca = pki()
        .dns_constrained_ca(
            "CN=Constrained CA,O=Kavach Test",
            k.public_key(),
            &["kavach.test"],
            &["bad.kavach.test"],
        )
        .unwrap();
    let issue = |purpose: Purpose, subject: &str, sans: &[SubjectAltName]| {
        let key = pki().leaf(purpose).unwrap().public_key();
        let profile = CertificateProfile::new(dn(subject), key, Validity::days_from_now(30).unwrap())
            .with_end_entity(purpose)
            .unwrap()
            .with_subject_alt_names(sans)
            .unwrap();
        pki().issue_under(&profile, &ca, &k).unwrap()
    };
    let v = Validator::new();
    let check = |cert: &Certificate, options: &ValidationOptions<'_>| {
        v.verify(&domain(pki()), cert, std::slice::from_ref(&ca), options)
    };
    let client = now(Purpose::TlsClient);
    let dns = |n: &str| SubjectAltName::dns(n).unwrap();
    let ip = SubjectAltName::Ip(std::net::Ipv4Addr::LOCALHOST.into());

    // Refused: a host-name CN outside the permitted subtree, or inside the excluded one, when
    // there is no dNSName (no SAN at all, or an iPAddress only); every CN counts, whatever
    // its position.
    for (subject, sans, host) in [
        ("CN=www.bank.example,O=Kavach Test", vec![], "www.bank.example"),
        ("CN=WWW.BANK.EXAMPLE", vec![], "WWW.BANK.EXAMPLE"),
        ("CN=*.bank.example", vec![], "*.bank.example"),
        ("CN=api.bad.kavach.test", vec![], "api.bad.kavach.test"),
        ("CN=www.bank.example", vec![ip.clone()], "www.bank.example"),
        ("CN=api.kavach.test+CN=www.bank.example", vec![], "www.bank.example"),
        ("CN=api.kavach.test,CN=www.bank.example", vec![], "www.bank.example"),
        ("CN=www.bank.example,CN=api.kavach.test", vec![], "www.bank.example"),
    ] {
        let cert = issue(Purpose::TlsClient, subject, &sans);
        for round in ["cold", "warm"] {
            let err = check(&cert, &client).unwrap_err();
            assert!(
                matches!(&err, Error::NameConstraintViolation { name, constrained_by, .. }
                    if *name == format!("DNS {host} (subject CN)") && constrained_by.contains("Constrained CA")),
                "{subject} ({round}): {err}"
            );
            assert_eq!(err.code(), "KVC-PKI-NAME-CONSTRAINT");
        }
    }

    // Accepted: a host-name CN inside the constraint; a CN that is not a host name; and any
    // CN once the end entity has a dNSName (the names are then in the SAN, RFC 6125 §6.4.4,
    // and the SAN is what the constraint checks; OpenSSL alike).
    for (subject, sans) in [
        ("CN=api.kavach.test,O=Kavach Test", vec![]),
        ("CN=Kavach Partner Device,O=Kavach Test", vec![]),
        ("CN=localhost", vec![ip.clone()]),
        ("CN=www.bank.example", vec![dns("api.kavach.test")]),
    ] {
        let cert = issue(Purpose::TlsClient, subject, &sans);
        check(&cert, &client).unwrap_or_else(|e| panic!("{subject}: {e}"));
    }

    // The CN is never a name kavach matches: inside the constraint, without a SAN, a TLS server
    // certificate is still not valid for the CN's host.
    let server = issue(Purpose::TlsServer, "CN=api.kavach.test", &[]);
    let name = ServerName::parse("api.kavach.test").unwrap();
    let err = check(&server, &now(Purpose::TlsServer).with_server_name(&name)).unwrap_err();
    assert!(matches!(err, Error::NameMismatch { .. }), "{err}");
    check(&server, &now(Purpose::TlsServer)).unwrap();
}

/// x509-limbo `pathological::intermediate-cycle-same-logical-ca`, rebuilt with keyUsage on the
/// CAs (the fixture's have none and stop at STRICTER.md S15): two CA certificates of the same
/// subject with different keys sign for each other, and the end entity is issued by one of
/// them. Neither chains to the trust anchor: the search ends with "unknown issuer", not in a
/// loop or a spent budget.
#[test]
fn same_logical_ca_cycle_ends_without_a_path() {
    let validity = || Validity::days_from_now(30).unwrap();
    let (k1, k2) = (p256_key(), p256_key());
    let ca = |key: &PrivateKey| {
        CertificateProfile::new(dn("CN=Cycle CA,O=Kavach Test"), key.public_key(), validity()).with_ca(None)
    };
    // Self-signed stand-ins give each key's identifier to the certificates it signs.
    let (stand_in_1, stand_in_2) = (ca(&k1).self_sign(&k1).unwrap(), ca(&k2).self_sign(&k2).unwrap());
    let a = pki().issue_under(&ca(&k1), &stand_in_2, &k2).unwrap();
    let b = pki().issue_under(&ca(&k2), &stand_in_1, &k1).unwrap();
    let profile = pki().leaf_profile(Purpose::Signing, "CN=Under The Cycle").unwrap();
    let leaf = pki().issue_under(&profile, &a, &k1).unwrap();
    let err = Validator::new()
        .verify(&domain(pki()), &leaf, &[a, b], &now(Purpose::Signing))
        .unwrap_err();
    // The search went into the cycle: the missing issuer is the CA's, not the leaf's.
    assert!(
        matches!(&err, Error::UnknownIssuer { subject, .. } if subject.contains("Cycle CA")),
        "{err}"
    );
}

#[test]
fn issuer_helper_refuses_what_the_validator_refuses() {
    // Cross-check with the issuance API: an Issuer cannot be made of an end entity.
    let ee = pki().leaf(Purpose::Signing).unwrap();
    assert!(Issuer::new(&ee.certificate, ee.signer()).is_err());
}

#[test]
fn ca_extended_key_usage_constrains_the_purpose_and_any_eku_does_not_stand_in() {
    use kavach_pki::ObjectIdentifier;
    let server_auth = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
    let client_auth = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
    let any_eku = ObjectIdentifier::new_unwrap("2.5.29.37.0");
    let name = ServerName::parse(TLS_SERVER_NAME).unwrap();
    for (ekus, ok) in [
        (vec![server_auth], true),
        (vec![client_auth, any_eku], false),
        (vec![client_auth], false),
    ] {
        let k = p256_key();
        let ca = pki()
            .issue_by_root(
                &CertificateProfile::new(dn("CN=EKU CA"), k.public_key(), Validity::days_from_now(30).unwrap())
                    .with_ca(None)
                    .with_extended_key_usage(&ekus),
            )
            .unwrap();
        let profile = pki().leaf_profile(Purpose::TlsServer, "CN=Under EKU CA").unwrap();
        let leaf = pki().issue_under(&profile, &ca, &k).unwrap();
        let r = Validator::new().verify(
            &domain(pki()),
            &leaf,
            &[ca],
            &now(Purpose::TlsServer).with_server_name(&name),
        );
        assert_eq!(r.is_ok(), ok, "{ekus:?}: {r:?}");
        if !ok {
            assert!(matches!(r, Err(Error::PurposeMismatch { .. })));
        }
    }
}

//! Revocation holes found by the adversarial review (issue 8, items 3, 7, 8), each test named
//! after the attack it stops: a stale CRL re-enabling a revoked CA, a `removeFromCRL` entry
//! un-revoking a serial in a complete CRL, and a delta CRL with a non-critical indicator taken
//! as complete. Plus the one way a listing may end: a certificateHold released by a later CRL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use kavach_pki::ObjectIdentifier;
use kavach_pki::issue::CrlReason;
use kavach_pki::issue::{Criticality, RevokedEntry, issue_crl};
use kavach_pki::testing::TestPki;
use kavach_pki::{Certificate, Crl, Error, Purpose, TrustDomain, ValidationOptions, Validator};

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);
const DELTA_CRL_INDICATOR: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.27");

fn pki() -> &'static TestPki {
    TestPki::p256()
}

fn leaf() -> &'static Certificate {
    &pki().leaf(Purpose::Signing).unwrap().certificate
}

fn intermediate() -> &'static Certificate {
    &pki().intermediate().certificate
}

fn validate(crls: &[Crl]) -> Result<(), Error> {
    let domain = TrustDomain::new("TEST", pki().trust_anchors()).unwrap();
    let options = ValidationOptions::new(Purpose::Signing, SystemTime::now()).with_crls(crls);
    Validator::new()
        .verify(&domain, leaf(), &pki().intermediates(), &options)
        .map(|_| ())
}

/// A CRL of the root listing `revoked`, valid from `this_update` to `next_update`.
fn root_crl(revoked: &[&Certificate], this_update: SystemTime, next_update: SystemTime) -> Crl {
    let entries: Vec<RevokedEntry> = revoked.iter().map(|c| RevokedEntry::new(c, this_update)).collect();
    issue_crl(&pki().root_issuer(), &entries, this_update, next_update, 1).unwrap()
}

/// A CRL of the intermediate with these entries, valid from `this_update` for a week.
fn intermediate_crl(entries: &[RevokedEntry], this_update: SystemTime, number: u64) -> Crl {
    issue_crl(&pki().issuer(), entries, this_update, this_update + 7 * DAY, number).unwrap()
}

#[test]
fn stale_root_crl_cannot_re_enable_a_revoked_intermediate() {
    // The root's CRL revoking the intermediate is past its nextUpdate (a refresh failed);
    // before the fix it was skipped, and the revoked CA validated again.
    let now = SystemTime::now();
    let stale = root_crl(&[intermediate()], now - 10 * DAY, now - 3 * DAY);
    let fresh_for_leaf = pki().crl(&[]).unwrap();
    let err = validate(&[stale, fresh_for_leaf]).unwrap_err();
    assert!(
        matches!(&err, Error::Revoked { subject, .. } if *subject == intermediate().subject().to_string()),
        "{err}"
    );
}

#[test]
fn intermediate_whose_issuer_crls_are_all_stale_has_unknown_status() {
    // The root publishes CRLs here, but none is current: the intermediate's status is unknown.
    let now = SystemTime::now();
    let stale = root_crl(&[], now - 10 * DAY, now - 3 * DAY);
    let fresh_for_leaf = pki().crl(&[]).unwrap();
    let err = validate(&[stale.clone(), fresh_for_leaf.clone()]).unwrap_err();
    assert!(
        matches!(&err, Error::RevocationStatusUnknown { subject } if *subject == intermediate().subject().to_string()),
        "{err}"
    );
    // With a current root CRL beside it, the path is good again.
    let current = root_crl(&[], now - HOUR, now + DAY);
    validate(&[stale, current, fresh_for_leaf]).unwrap();
}

#[test]
fn remove_from_crl_entry_in_a_complete_crl_is_refused() {
    // removeFromCRL only means something in a delta CRL (RFC 5280 §5.3.1); in a complete CRL
    // it silently un-revoked the serial before the fix. Such a CRL is malformed.
    let entry = RevokedEntry::new(leaf(), SystemTime::now() - HOUR).with_reason(CrlReason::RemoveFromCRL);
    let err = issue_crl(
        &pki().issuer(),
        &[entry],
        SystemTime::now() - HOUR,
        SystemTime::now() + DAY,
        1,
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Malformed { reason, .. } if reason.contains("removeFromCRL")),
        "{err}"
    );
}

#[test]
fn delta_crl_with_a_non_critical_indicator_never_vouches() {
    // deltaCRLIndicator (2.5.29.27) marked non-critical: still a delta CRL. It lists nothing,
    // so taken as complete it vouched for every certificate its base may revoke.
    let base_crl_number = vec![0x02, 0x01, 0x01];
    let der = pki()
        .crl_der_with_extensions(&[], &[(DELTA_CRL_INDICATOR, Criticality::NonCritical, base_crl_number)])
        .unwrap();
    let delta = Crl::from_der(&der).unwrap();
    let err = validate(&[delta]).unwrap_err();
    assert!(matches!(err, Error::RevocationStatusUnknown { .. }), "{err}");
}

#[test]
fn certificate_hold_is_revoked_until_a_later_crl_releases_it() {
    let now = SystemTime::now();
    let held = RevokedEntry::new(leaf(), now - 2 * HOUR).with_reason(CrlReason::CertificateHold);
    let on_hold = intermediate_crl(&[held], now - 2 * HOUR, 1);
    let err = validate(std::slice::from_ref(&on_hold)).unwrap_err();
    assert!(matches!(err, Error::Revoked { .. }), "{err}");
    // A later CRL that no longer lists it releases the hold ...
    let released = intermediate_crl(&[], now - HOUR, 2);
    validate(&[on_hold.clone(), released]).unwrap();
    // ... but an earlier one does not.
    let earlier = intermediate_crl(&[], now - 3 * HOUR, 0);
    assert!(matches!(validate(&[on_hold, earlier]), Err(Error::Revoked { .. })));
    // And a revocation for any other reason is never released.
    let revoked = intermediate_crl(&[RevokedEntry::new(leaf(), now - 2 * HOUR)], now - 2 * HOUR, 1);
    let later = intermediate_crl(&[], now - HOUR, 2);
    assert!(matches!(validate(&[revoked, later]), Err(Error::Revoked { .. })));
}

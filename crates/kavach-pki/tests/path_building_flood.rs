//! Issue 8, item 1: unauthenticated CPU exhaustion through path building. An attacker needs no
//! credential: it makes CA certificates of its own that share one issuer name (or form a
//! two-name mesh), each with its own key, and sends them with an end entity of its own. Before
//! the fix, every order of them was explored up to the depth limit (1,024 such CAs: over 300 s
//! per validation). Each test counts the work a validation did ([`Validator::verify_with_work`])
//! rather than timing it; `cargo bench --bench pki -- flood` times the same inputs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;
use std::time::SystemTime;

use kavach_pki::testing::{IssuerFlood, TestPki};
use kavach_pki::{
    Error, MAX_ISSUER_CANDIDATES, MAX_PATH_BUILDING_CALLS, MAX_SIGNATURE_CHECKS, MAX_SUPPLIED_INTERMEDIATES, Purpose,
    TrustDomain, ValidationOptions, Validator, Work,
};

static SAME_NAME_1024: LazyLock<IssuerFlood> = LazyLock::new(|| IssuerFlood::build(&["CN=X"], 1024).unwrap());

fn domain() -> TrustDomain {
    TrustDomain::new("TEST", TestPki::p256().trust_anchors()).unwrap()
}

fn options() -> ValidationOptions<'static> {
    ValidationOptions::new(Purpose::Signing, SystemTime::now())
}

#[test]
fn a_thousand_self_made_same_name_cas_from_a_peer_are_refused_before_any_work() {
    let flood = &*SAME_NAME_1024;
    let (result, work) = Validator::new().verify_with_work(&domain(), &flood.leaf, &flood.cas, &options());
    let err = result.unwrap_err();
    assert!(
        matches!(err, Error::TooMany { max, .. } if max == MAX_SUPPLIED_INTERMEDIATES),
        "{err}"
    );
    assert_eq!(work, Work::default(), "no candidate may be considered");
}

#[test]
fn a_thousand_same_name_cas_in_the_trust_domain_end_at_the_candidate_cap() {
    // The same flood loaded as the domain's own intermediates (e.g. a polluted bundle): the
    // per-name cap bounds the search; the budget error says why it ended.
    let flood = &*SAME_NAME_1024;
    let domain = domain().with_intermediates(flood.cas.clone());
    let (result, work) = Validator::new().verify_with_work(&domain, &flood.leaf, &[], &options());
    let err = result.unwrap_err();
    kavach_testkit::report!("flood: 1,024 same-name CAs in the domain: {work:?}, {err}");
    assert!(
        matches!(
            err,
            Error::BudgetExceeded {
                what: "candidate issuers with one name"
            }
        ),
        "{err}"
    );
    // One branch to the depth limit, each level considering at most the cap.
    let bound = (kavach_pki::MAX_PATH_INTERMEDIATES + 1) * MAX_ISSUER_CANDIDATES;
    assert!(work.build_calls <= bound, "{work:?} > {bound}");
    assert_eq!(work.signatures, 0, "{work:?}");
}

#[test]
fn nine_same_name_cas_as_in_a_jws_x5c_end_at_the_candidate_cap() {
    // The review's JWS reproduction: nine "CN=X" CAs (x5c holds at most ten certificates).
    let flood = IssuerFlood::build(&["CN=X"], 9).unwrap();
    let (result, work) = Validator::new().verify_with_work(&domain(), &flood.leaf, &flood.cas, &options());
    let err = result.unwrap_err();
    kavach_testkit::report!("flood: 9 same-name CAs supplied: {work:?}, {err}");
    assert!(matches!(err, Error::BudgetExceeded { .. }), "{err}");
    let bound = (kavach_pki::MAX_PATH_INTERMEDIATES + 1) * MAX_ISSUER_CANDIDATES;
    assert!(work.build_calls <= bound, "{work:?} > {bound}");
}

#[test]
fn a_two_name_mesh_at_the_supplied_cap_ends_with_the_path_building_budget() {
    // A-by-B and B-by-A, eight of each: every alternation is a fresh path, so only the
    // path-building budget ends it — and it must, exactly at the budget.
    let flood = IssuerFlood::build(&["CN=Mesh A", "CN=Mesh B"], MAX_SUPPLIED_INTERMEDIATES / 2).unwrap();
    let (result, work) = Validator::new().verify_with_work(&domain(), &flood.leaf, &flood.cas, &options());
    let err = result.unwrap_err();
    kavach_testkit::report!("flood: 16-CA two-name mesh supplied: {work:?}, {err}");
    assert!(
        matches!(
            err,
            Error::BudgetExceeded {
                what: "path-building calls"
            }
        ),
        "{err}"
    );
    assert_eq!(work.build_calls, MAX_PATH_BUILDING_CALLS, "{work:?}");
    assert!(work.signatures <= MAX_SIGNATURE_CHECKS);
}

#[test]
fn the_real_issuer_among_same_name_decoys_is_still_found() {
    // Decoys under the real CA's name do not hide it: its subjectKeyIdentifier matches the
    // leaf's authorityKeyIdentifier, so it is among the first candidates considered.
    let pki = TestPki::p256();
    let decoys = IssuerFlood::build(
        &[&pki.intermediate().certificate.subject().to_string()],
        MAX_SUPPLIED_INTERMEDIATES - 1,
    )
    .unwrap();
    let mut supplied = decoys.cas.clone();
    supplied.push(pki.intermediate().certificate.clone());
    let leaf = &pki.leaf(Purpose::Signing).unwrap().certificate;
    let (result, work) = Validator::new().verify_with_work(&domain(), leaf, &supplied, &options());
    result.unwrap();
    assert!(work.build_calls <= 2, "{work:?}");
}

//! `kavach cert verify --untrusted` with a path-building flood (issue 8, item 1): 1,024
//! self-made CA certificates sharing the leaf's issuer name were explored in every order
//! (over 300 s); now a peer's intermediates beyond `MAX_SUPPLIED_INTERMEDIATES` are refused
//! before any work, and the worst flood within that cap ends on the path-building budget —
//! each reported with its stable code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{json, kavach, status};
use kavach_pki::testing::{IssuerFlood, TestPki};
use kavach_pki::{Certificate, MAX_SUPPLIED_INTERMEDIATES};

fn write_pem(dir: &Path, name: &str, certs: &[Certificate]) -> String {
    let text: String = certs.iter().map(Certificate::to_pem).collect();
    std::fs::write(dir.join(name), text).unwrap();
    name.to_owned()
}

fn verify(dir: &Path, flood: &IssuerFlood) -> serde_json::Value {
    let root = write_pem(dir, "root.pem", &TestPki::p256().trust_anchors());
    let cas = write_pem(dir, "flood.pem", &flood.cas);
    let leaf = write_pem(dir, "leaf.pem", std::slice::from_ref(&flood.leaf));
    let out = kavach(
        &[
            "cert",
            "verify",
            "--trust",
            &root,
            "--untrusted",
            &cas,
            "--purpose",
            "signing",
            "--json",
            &leaf,
        ],
        dir,
    );
    assert_eq!(status(&out), 1, "refused as a validation failure");
    json(&out)
}

#[test]
fn a_thousand_same_name_cas_through_cert_verify_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let flood = IssuerFlood::build(&["CN=X"], 1024).unwrap();
    let v = verify(dir.path(), &flood);
    assert_eq!(v["ok"], false);
    assert_eq!(v["code"], "KVC-PKI-TOO-MANY", "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains(&MAX_SUPPLIED_INTERMEDIATES.to_string()),
        "{v}"
    );
}

#[test]
fn a_mesh_of_same_name_cas_through_cert_verify_ends_with_the_budget_error() {
    let dir = tempfile::tempdir().unwrap();
    let flood = IssuerFlood::build(&["CN=Mesh A", "CN=Mesh B"], MAX_SUPPLIED_INTERMEDIATES / 2).unwrap();
    let v = verify(dir.path(), &flood);
    assert_eq!(v["code"], "KVC-PKI-BUDGET", "{v}");
    assert!(v["message"].as_str().unwrap().contains("path-building calls"), "{v}");
}

//! Without the `pkcs11` feature the SoftHSM2 tests (`tests/pkcs11_softhsm.rs`) are not compiled;
//! this says so loudly instead of letting them vanish (and fails when external parts are
//! required, since `cargo xtask test` builds with every feature).
#![cfg(not(feature = "pkcs11"))]

#[test]
fn pkcs11_tests_need_the_pkcs11_feature() {
    let _: Option<()> = kavach_testkit::missing(
        "pkcs11_softhsm",
        "the `pkcs11` feature",
        "run `cargo test -p kavach-keys --features pkcs11` (with SoftHSM2 installed) or `cargo xtask test`",
    );
}

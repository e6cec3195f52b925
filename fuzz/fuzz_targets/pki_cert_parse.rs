//! Certificate and CRL parsing: bundles (PEM, DER, PKCS#7 with BER lengths), single DER
//! certificates and CRLs, and every accessor of what parses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(certs) = kavach_pki::Certificate::parse_bundle(data) {
        for c in &certs {
            let _ = (c.subject(), c.issuer(), c.serial_hex(), c.not_before(), c.not_after());
            let _ = (c.key_usage(), c.extended_key_usage(), c.subject_alt_names(), c.is_ca());
            let _ = (c.public_key().is_ok(), c.sha256_thumbprint(), c.sha1_thumbprint_hex());
            let _ = kavach_pki::signature_algorithm(c.inner().signature_algorithm());
        }
    }
    let _ = kavach_pki::Certificate::from_der(data);
    if let Ok(crls) = kavach_pki::Crl::parse_bundle(data) {
        for crl in &crls {
            let _ = (crl.issuer(), crl.this_update(), crl.next_update(), crl.revoked_count());
        }
    }
});

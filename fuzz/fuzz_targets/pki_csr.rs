//! PKCS#10 requests: parsing (PEM or DER) and the proof-of-possession check a CA makes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = kavach_pki::issue::CertificateRequest::parse(data) {
        let _ = request.subject();
        let _ = request.verify_proof_of_possession();
    }
});

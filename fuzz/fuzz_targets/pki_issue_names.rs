//! Issuance inputs from text: RFC 4514 distinguished names and subjectAltName entries.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(name) = kavach_pki::issue::DistinguishedName::parse(text) {
            let _ = name.to_string();
        }
        let _ = kavach_pki::issue::SubjectAltName::parse(text);
    }
});

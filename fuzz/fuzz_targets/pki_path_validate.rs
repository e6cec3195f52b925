//! Path validation over a fuzzed chain. The input is `purpose byte || (len_hi len_lo DER)*`:
//! at most 8 length-prefixed DER certificates; the first that parse is the trust anchor, the
//! last the end entity, the ones between untrusted intermediates. The validation time is the
//! end entity's notBefore plus one second, so that validity does not stop every path.
//! `crates/kavach-pki/tests/fuzz_corpus.rs` replays the corpus with the same splitting.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, mut rest)) = data.split_first() else {
        return;
    };
    let mut certs = Vec::new();
    while rest.len() >= 2 && certs.len() < 8 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let end = (2 + len).min(rest.len());
        if let Ok(c) = kavach_pki::Certificate::from_der(&rest[2..end]) {
            certs.push(c);
        }
        rest = &rest[end..];
    }
    let (Some(anchor), Some(ee)) = (certs.first(), certs.last()) else {
        return;
    };
    let Ok(domain) = kavach_pki::TrustDomain::new("FUZZ", vec![anchor.clone()]) else {
        return;
    };
    let purpose = kavach_pki::Purpose::ALL[usize::from(selector) % kavach_pki::Purpose::ALL.len()];
    let time = ee.not_before() + std::time::Duration::from_secs(1);
    let options = kavach_pki::ValidationOptions::new(purpose, time);
    let validator = kavach_pki::Validator::new();
    // One certificate is both the anchor and the end entity.
    let intermediates = certs.get(1..certs.len() - 1).unwrap_or(&[]);
    let first = validator.verify(&domain, ee, intermediates, &options).is_ok();
    // The warm answer must equal the cold one.
    assert_eq!(first, validator.verify(&domain, ee, intermediates, &options).is_ok());
});

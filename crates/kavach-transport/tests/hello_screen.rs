//! The ClientHello screen on arbitrary bytes: it never panics, never refuses a hello whose
//! legacy_version is TLS 1.2 or later, and refuses exactly the pre-TLS-1.2 offers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kavach_transport::tls::{HelloVerdict, screen_client_hello};
use proptest::prelude::*;

/// A ClientHello record: `legacy_version`, `suites` cipher suites, and the extensions given
/// as (type, body).
fn hello(legacy_version: u16, suites: usize, extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut body = legacy_version.to_be_bytes().to_vec();
    body.extend([0x42u8; 32]);
    body.push(0);
    body.extend(u16::try_from(suites * 2).unwrap().to_be_bytes());
    for i in 0..suites {
        body.extend(u16::try_from(i).unwrap().to_be_bytes());
    }
    body.extend([1, 0]);
    let mut exts = Vec::new();
    for (ty, data) in extensions {
        exts.extend(ty.to_be_bytes());
        exts.extend(u16::try_from(data.len()).unwrap().to_be_bytes());
        exts.extend(data);
    }
    body.extend(u16::try_from(exts.len()).unwrap().to_be_bytes());
    body.extend(exts);
    let mut hs = vec![1u8];
    hs.extend(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
    hs.extend(body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend(u16::try_from(hs.len()).unwrap().to_be_bytes());
    record.extend(hs);
    record
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = screen_client_hello(&bytes);
    }

    #[test]
    fn arbitrary_handshake_records_never_panic(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut record = vec![0x16, 0x03, 0x01];
        record.extend(u16::try_from(body.len()).unwrap().to_be_bytes());
        record.extend(&body);
        let _ = screen_client_hello(&record);
    }

    #[test]
    fn tls12_legacy_version_always_proceeds(
        legacy in 0x0303u16..=0x03ff,
        suites in 1usize..40,
        filler in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let record = hello(legacy, suites, &[(0xfe00, filler)]);
        prop_assert_eq!(screen_client_hello(&record), HelloVerdict::Proceed);
    }

    #[test]
    fn pre_tls12_offers_are_refused_unless_supported_versions_offers_tls12(
        legacy in 0x0300u16..0x0303,
        suites in 1usize..40,
        versions in proptest::collection::vec(0x0300u16..0x0305, 0..6),
    ) {
        let mut list = vec![u8::try_from(versions.len() * 2).unwrap()];
        for v in &versions {
            list.extend(v.to_be_bytes());
        }
        let record = hello(legacy, suites, &[(0xfe00, vec![1, 2, 3]), (43, list)]);
        let expected = if versions.iter().any(|v| *v >= 0x0303) {
            HelloVerdict::Proceed
        } else {
            HelloVerdict::RefuseProtocolVersion
        };
        prop_assert_eq!(screen_client_hello(&record), expected);
        // Any strict prefix is incomplete.
        prop_assert_eq!(screen_client_hello(&record[..record.len() - 1]), HelloVerdict::NeedMore);
    }
}

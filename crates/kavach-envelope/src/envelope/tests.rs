//! Unit tests of format detection.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::mosip::{self, MosipLayout};
use crate::test_support::{RSA_A, l, store};
use crate::{Envelope, Error, OpenedKind, jwe};

#[test]
fn envelope_detects_the_format() {
    let keys = store(&[&RSA_A]);
    let m = mosip::seal(&RSA_A.recipient(), b"m", None).unwrap().to_text();
    let j = jwe::seal(&RSA_A.recipient(), b"j").unwrap().to_string();
    let o = Envelope::parse(&m, &l()).unwrap().open(&keys, None).unwrap();
    assert_eq!(
        (o.plaintext().as_bytes(), o.kind()),
        (&b"m"[..], OpenedKind::Mosip(MosipLayout::VerR2))
    );
    let o = Envelope::parse(&j, &l()).unwrap().open(&keys, None).unwrap();
    assert_eq!(o.plaintext().as_bytes(), b"j");
    assert!(matches!(
        Envelope::parse(&j, &l()).unwrap().open(&keys, Some(b"x")),
        Err(Error::AadNotBound { .. })
    ));
}

//! Unit tests of the hazmat primitives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::Error;
use crate::hazmat::{self, GcmIv};

#[test]
fn hazmat_refuses_other_iv_lengths_and_short_inputs() {
    assert!(GcmIv::from_slice(&[0u8; 8]).is_err());
    assert!(matches!(
        hazmat::aes256_gcm_open(&[0u8; 32], &GcmIv::Standard([0; 12]), &[], &[0u8; 15]),
        Err(Error::OpenFailed)
    ));
    assert!(hazmat::aes256_key_wrap(&[0u8; 32], &[0u8; 8]).is_err());
    assert!(matches!(
        hazmat::aes256_key_unwrap(&[0u8; 32], &[0u8; 17]),
        Err(Error::OpenFailed)
    ));
    assert!(hazmat::hardware_accelerated() || cfg!(not(target_arch = "x86_64")));
}

//! The platform side APIs of the device-management protocol (WIRE.md §5, §5b, rule 26).
//!
//! - §5, the encryption-certificate API: the management server's signed request
//!   ([`EncryptionCertificateRequest`]) and its check of the answer
//!   ([`PendingCertificateRequest::accept_response`], which returns the
//!   [`crate::PlatformCertificate`] to relay verbatim), and the platform's endpoint
//!   ([`EncryptionCertificateService`]).
//! - §5b, MOSIP 1.1.x's device register and deregister API: [`DeviceRegisterRequest`],
//!   [`DeviceDeregisterRequest`] and their pending checks on the management server, and the
//!   platform's [`DeviceRegisterService`].
//! - Rule 26, on the device: [`PlatformAnchors`] checks a relayed platform certificate against
//!   the device's own platform entries, and [`PlatformCertificateStore`] keeps the current one.
//!
//! Every body is read strictly (one bounded JSON reader, duplicates refused at every level, no
//! member outside the wrapper's schema), every time is the caller's, and every verification
//! failure is the one opaque [`PlatformApiError::Refused`].

mod anchors;
mod encryption;
mod error;
mod register;
mod wire;

pub use anchors::{
    AnchoredPlatformTrust, MAX_EXPECTED_NAME_LEN, MAX_PLATFORM_ENTRIES, PlatformAnchors, PlatformCertificateStore,
    PlatformEntry, VerifiedPlatformCertificate,
};
pub use encryption::{
    ENCRYPTION_CERTIFICATE_API_ID, ENCRYPTION_CERTIFICATE_PATH, EncryptionCertificateRequest,
    EncryptionCertificateService, FetchedPlatformCertificate, MAX_SERVED_DOMAINS, PendingCertificateRequest,
};
pub use error::{PlatformApiError, Result};
pub use register::{
    DEVICE_DEREGISTER_API_ID, DEVICE_DEREGISTER_PATH, DEVICE_REGISTER_API_ID, DEVICE_REGISTER_PATH, DeregisteredDevice,
    DeviceDeregisterRequest, DeviceRegisterRequest, DeviceRegisterService, DeviceRegistration, MAX_REGISTERED_DEVICES,
    PendingDeviceDeregister, PendingDeviceRegister, RegisteredDevice,
};
pub use wire::{
    FRESHNESS_WINDOW, MAX_API_JWS_LEN, MAX_BODY_LEN, MAX_PLATFORM_CERTIFICATE_DER, MAX_PLATFORM_CERTIFICATES,
    parse_certificate_list,
};

//! WIRE.md §5b: MOSIP 1.1.x's device register and deregister API, both ends.
//!
//! The management server signs a [`DeviceRegisterRequest`] or a [`DeviceDeregisterRequest`]
//! with the device provider's key and checks the platform's answer; a kavach platform answers
//! with [`DeviceRegisterService`], which keeps the registered devices in memory.
//!
//! The deregister request carries its JWS in `request.device`, as MOSIP 1.1.x's
//! `DeRegisterDevicePostDto` names it.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use kavach_jws::{JwsVerifier, Timestamp};
use kavach_keys::{Sha256Thumbprint, Signer};
use kavach_pki::Certificate;
use serde_json::{Map, Value};

use crate::grammar::{Certification, CompactJwsText, DevicePurpose, Env, HttpsUri, Label, Uuid, read_time};
use crate::limits::MAX_EMBEDDED_JWS_LEN;
use crate::platform::error::{PlatformApiError, Result};
use crate::platform::wire::{
    FRESHNESS_WINDOW, header_member, payload_members, read_request, read_response, request_body, response_body,
    sign_payload, timestamp, within,
};
use crate::reader::{ObjectReader, Schema, as_str};

/// The `id` of the register wrappers.
pub const DEVICE_REGISTER_API_ID: &str = "io.mosip.deviceregister";
/// The `id` of the deregister wrappers.
pub const DEVICE_DEREGISTER_API_ID: &str = "io.mosip.devicederegister";
/// The register path under the platform's base URL.
pub const DEVICE_REGISTER_PATH: &str = "/v1/masterdata/registereddevices";
/// The deregister path under the platform's base URL.
pub const DEVICE_DEREGISTER_PATH: &str = "/v1/masterdata/device/deregister";
/// Most devices a [`DeviceRegisterService`] holds.
pub const MAX_REGISTERED_DEVICES: usize = 4096;
/// Most `deviceSubId` entries.
const MAX_SUB_IDS: usize = 4;

/// What the device provider declares about a device (the `deviceData` payload of §5b).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRegistration {
    /// `deviceId`.
    pub device_id: Label,
    /// `purpose`.
    pub purpose: DevicePurpose,
    /// `deviceInfo.deviceSubId` (0–3 each).
    pub device_sub_id: Vec<u8>,
    /// `deviceInfo.certification`.
    pub certification: Certification,
    /// `deviceInfo.digitalId`: the signed digital ID, compared byte for byte with the answer's.
    pub digital_id: CompactJwsText,
    /// `deviceInfo.firmware`.
    pub firmware: Label,
    /// `deviceInfo.deviceExpiry`.
    pub device_expiry: Timestamp,
    /// `foundationalTrustProviderId` (written as `""` when absent, as MOSIP does for L0).
    pub foundational_trust_provider_id: Option<Label>,
}

impl DeviceRegistration {
    fn to_payload(&self, now: Timestamp) -> Vec<u8> {
        let mut info = Map::new();
        info.insert(
            "deviceSubId".into(),
            self.device_sub_id.iter().map(|&id| Value::from(id)).collect(),
        );
        info.insert("certification".into(), self.certification.as_str().into());
        info.insert("digitalId".into(), self.digital_id.as_str().into());
        info.insert("firmware".into(), self.firmware.as_str().into());
        info.insert("deviceExpiry".into(), self.device_expiry.to_string().into());
        info.insert("timestamp".into(), now.to_string().into());
        let mut m = Map::new();
        m.insert("deviceId".into(), self.device_id.as_str().into());
        m.insert("purpose".into(), self.purpose.as_str().into());
        m.insert("deviceInfo".into(), Value::Object(info));
        m.insert(
            "foundationalTrustProviderId".into(),
            self.foundational_trust_provider_id
                .as_ref()
                .map_or("", Label::as_str)
                .into(),
        );
        Value::Object(m).to_string().into_bytes()
    }

    /// Reads the payload (MOSIP's schema: unknown members ignored) and its `timestamp`.
    fn read(payload: &[u8]) -> Result<(Self, Timestamp)> {
        let members = payload_members(payload)?;
        let mut r = ObjectReader::over("deviceData", &members, Schema::Lenient);
        let device_id = Label::read("deviceId", r.required("deviceId")?)?;
        let purpose = DevicePurpose::read("purpose", r.required("purpose")?)?;
        // Absent, `null` or `""` for a device without a foundational trust module (L0).
        let foundational_trust_provider_id = match r.optional("foundationalTrustProviderId") {
            None | Some(Value::Null) => None,
            Some(value) => match as_str("foundationalTrustProviderId", value, 64)? {
                "" => None,
                text => Some(Label::parse("foundationalTrustProviderId", text)?),
            },
        };
        let mut info = r.object("deviceInfo", Schema::Lenient)?;
        let device_sub_id = info
            .array("deviceSubId", MAX_SUB_IDS)?
            .iter()
            .map(|v| crate::device_info::read_sub_id(v).map_err(PlatformApiError::from))
            .collect::<Result<Vec<u8>>>()?;
        let registration = Self {
            device_id,
            purpose,
            device_sub_id,
            certification: Certification::read("certification", info.required("certification")?)?,
            digital_id: CompactJwsText::read("digitalId", info.required("digitalId")?, MAX_EMBEDDED_JWS_LEN)?,
            firmware: Label::read("firmware", info.required("firmware")?)?,
            device_expiry: read_time("deviceExpiry", info.required("deviceExpiry")?)?,
            foundational_trust_provider_id,
        };
        let time = read_time("timestamp", info.required("timestamp")?)?;
        info.finish()?;
        r.finish()?;
        Ok((registration, time))
    }
}

/// A §5b register request, on the management server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRegisterRequest {
    /// The platform's base URL (`aud`).
    pub base: HttpsUri,
    /// The environment the platform must answer for.
    pub env: Env,
    /// The device.
    pub device: DeviceRegistration,
}

impl DeviceRegisterRequest {
    /// Signs the request with the device provider's key (`timestamp` and `ts` = `now`, a fresh
    /// `jti`, `aud` = the base URL) and returns the HTTP JSON body and what the answer is
    /// checked against.
    pub fn sign(
        &self,
        signer: &dyn Signer,
        chain: Vec<Certificate>,
        now: SystemTime,
    ) -> Result<(Vec<u8>, PendingDeviceRegister)> {
        let ts = timestamp(now)?;
        let jws = sign_payload(
            signer,
            chain,
            &self.device.to_payload(ts),
            now,
            &[("aud", self.base.as_str())],
        )?;
        Ok((
            request_body(DEVICE_REGISTER_API_ID, "deviceData", &jws, ts),
            PendingDeviceRegister {
                env: self.env,
                digital_id: self.device.digital_id.clone(),
            },
        ))
    }
}

/// A register request sent and not yet answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingDeviceRegister {
    env: Env,
    digital_id: CompactJwsText,
}

/// The platform's verified register answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredDevice {
    /// `deviceCode`: the platform's UUIDv4 for the device.
    pub device_code: Uuid,
    /// `timestamp` of the answer.
    pub timestamp: Timestamp,
}

struct Answer {
    status: String,
    device_code: Uuid,
    env: Env,
    timestamp: Timestamp,
    digital_id: Option<String>,
}

fn read_answer(
    body: &[u8],
    id: &'static str,
    verifier: &JwsVerifier,
    now: SystemTime,
    register: bool,
) -> Result<Answer> {
    let (_, jws) = read_response(body, id)?;
    let verified = verifier
        .verify_attached_at(&jws, now)
        .map_err(|_| PlatformApiError::Refused)?;
    let members = payload_members(verified.payload())?;
    let mut r = ObjectReader::over("response", &members, Schema::Lenient);
    let status = as_str("status", r.required("status")?, 32)?.to_owned();
    let device_code = Uuid::read("deviceCode", r.required("deviceCode")?)?;
    let env = Env::read("env", r.required("env")?)?;
    let timestamp = read_time("timestamp", r.required("timestamp")?)?;
    let digital_id = if register {
        Some(as_str("digitalId", r.required("digitalId")?, MAX_EMBEDDED_JWS_LEN)?.to_owned())
    } else {
        None
    };
    r.finish()?;
    Ok(Answer {
        status,
        device_code,
        env,
        timestamp,
        digital_id,
    })
}

impl PendingDeviceRegister {
    /// Checks the platform's answer: signed by the platform (`platform_verifier`, at `now`),
    /// `status` `Registered`, `digitalId` byte-equal to the one sent, `env` the configured one,
    /// `timestamp` within 5 minutes of `now`, `deviceCode` a UUIDv4.
    pub fn accept_response(
        &self,
        body: &[u8],
        platform_verifier: &JwsVerifier,
        now: SystemTime,
    ) -> Result<RegisteredDevice> {
        let answer = read_answer(body, DEVICE_REGISTER_API_ID, platform_verifier, now, true)?;
        if answer.status != "Registered" {
            return Err(PlatformApiError::Mismatch { member: "status" });
        }
        if answer.digital_id.as_deref() != Some(self.digital_id.as_str()) {
            return Err(PlatformApiError::Mismatch { member: "digitalId" });
        }
        if answer.env != self.env {
            return Err(PlatformApiError::Mismatch { member: "env" });
        }
        if !within(answer.timestamp.to_system_time(), now, FRESHNESS_WINDOW) {
            return Err(PlatformApiError::Mismatch { member: "timestamp" });
        }
        Ok(RegisteredDevice {
            device_code: answer.device_code,
            timestamp: answer.timestamp,
        })
    }
}

/// A §5b deregister request, on the management server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceDeregisterRequest {
    /// The platform's base URL (`aud`).
    pub base: HttpsUri,
    /// `deviceCode`.
    pub device_code: Uuid,
    /// `env`.
    pub env: Env,
}

impl DeviceDeregisterRequest {
    /// Signs `{deviceCode, env}` with the device provider's key (`ts` = `now`, a fresh `jti`,
    /// `aud` = the base URL) and returns the HTTP JSON body and what the answer is checked
    /// against.
    pub fn sign(
        &self,
        signer: &dyn Signer,
        chain: Vec<Certificate>,
        now: SystemTime,
    ) -> Result<(Vec<u8>, PendingDeviceDeregister)> {
        let mut m = Map::new();
        m.insert("deviceCode".into(), self.device_code.to_text().into());
        m.insert("env".into(), self.env.as_str().into());
        let payload = Value::Object(m).to_string().into_bytes();
        let jws = sign_payload(signer, chain, &payload, now, &[("aud", self.base.as_str())])?;
        Ok((
            request_body(DEVICE_DEREGISTER_API_ID, "device", &jws, timestamp(now)?),
            PendingDeviceDeregister {
                device_code: self.device_code,
                env: self.env,
            },
        ))
    }
}

/// A deregister request sent and not yet answered. Anything but a verified `Success` leaves
/// the device "not yet deregistered at the platform" (retry, alert).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingDeviceDeregister {
    device_code: Uuid,
    env: Env,
}

/// The platform's verified deregister answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeregisteredDevice {
    /// `deviceCode`.
    pub device_code: Uuid,
    /// `timestamp` of the answer.
    pub timestamp: Timestamp,
}

impl PendingDeviceDeregister {
    /// Checks the platform's answer: signed by the platform, `status` `Success`, the same
    /// `deviceCode` and `env` as the request.
    pub fn accept_response(
        &self,
        body: &[u8],
        platform_verifier: &JwsVerifier,
        now: SystemTime,
    ) -> Result<DeregisteredDevice> {
        let answer = read_answer(body, DEVICE_DEREGISTER_API_ID, platform_verifier, now, false)?;
        if answer.status != "Success" {
            return Err(PlatformApiError::Mismatch { member: "status" });
        }
        if answer.device_code != self.device_code {
            return Err(PlatformApiError::Mismatch { member: "deviceCode" });
        }
        if answer.env != self.env {
            return Err(PlatformApiError::Mismatch { member: "env" });
        }
        Ok(DeregisteredDevice {
            device_code: answer.device_code,
            timestamp: answer.timestamp,
        })
    }
}

#[derive(Clone, Debug)]
struct Registered {
    device_code: Uuid,
    digital_id: CompactJwsText,
    provider: Sha256Thumbprint,
}

/// The §5b endpoints on a kavach platform, with the registered devices in memory.
///
/// A request is refused ([`PlatformApiError::Refused`]) unless its JWS verifies with the device
/// providers' verifier (signature, chain, `ts` within its window — 5 minutes by default — and a
/// `jti` not seen), its `aud` is this platform's base URL, and (register) its `timestamp` is
/// within 5 minutes. A device is deregistered only by the provider that registered it; any
/// other `deviceCode` is [`PlatformApiError::UnknownDevice`].
pub struct DeviceRegisterService {
    providers: JwsVerifier,
    signer: Arc<dyn Signer>,
    chain: Vec<Certificate>,
    env: Env,
    base: HttpsUri,
    devices: Mutex<Vec<Registered>>,
}

impl core::fmt::Debug for DeviceRegisterService {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeviceRegisterService")
            .field("providers", &self.providers)
            .field("env", &self.env)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl DeviceRegisterService {
    /// A service for the platform at `base` serving `env`, accepting requests verified by
    /// `providers` (`strict`) and signing answers with `signer`, `chain` in `x5c`.
    pub fn new(
        providers: JwsVerifier,
        signer: Arc<dyn Signer>,
        chain: Vec<Certificate>,
        env: Env,
        base: HttpsUri,
    ) -> Self {
        Self {
            providers,
            signer,
            chain,
            env,
            base,
            devices: Mutex::new(Vec::new()),
        }
    }

    /// Whether `device_code` is registered.
    pub fn is_registered(&self, device_code: &Uuid) -> bool {
        self.devices
            .lock()
            .map(|d| d.iter().any(|r| r.device_code == *device_code))
            .unwrap_or(false)
    }

    /// Verifies a request JWS and its `aud`; returns the payload and the signer's thumbprint.
    fn verify(&self, jws: &kavach_jws::CompactJws, now: SystemTime) -> Result<(Vec<u8>, Sha256Thumbprint)> {
        let verified = self
            .providers
            .verify_attached_at(jws, now)
            .map_err(|_| PlatformApiError::Refused)?;
        if verified.jti().is_none() || verified.signed_at().is_none() {
            return Err(PlatformApiError::Refused);
        }
        let aud = header_member(verified.header(), "aud").map_err(|_| PlatformApiError::Refused)?;
        if aud.as_deref() != Some(self.base.as_str()) {
            return Err(PlatformApiError::Refused);
        }
        let provider = verified.signer().sha256_thumbprint();
        Ok((verified.into_payload(), provider))
    }

    fn answer(&self, id: &str, payload: Map<String, Value>, now: SystemTime) -> Result<Vec<u8>> {
        let payload = Value::Object(payload).to_string().into_bytes();
        let jws = sign_payload(self.signer.as_ref(), self.chain.clone(), &payload, now, &[])?;
        Ok(response_body(id, &jws, timestamp(now)?))
    }

    /// Answers a register request `body` at `now` with a `deviceCode` (UUIDv4, 16 fresh random
    /// bytes). A retry for a digital ID already registered by the same provider gets the same
    /// `deviceCode`.
    pub fn handle_register(&self, body: &[u8], now: SystemTime) -> Result<Vec<u8>> {
        let (_, jws) = read_request(body, DEVICE_REGISTER_API_ID, "deviceData")?;
        let (payload, provider) = self.verify(&jws, now)?;
        let (registration, time) = DeviceRegistration::read(&payload)?;
        if !within(time.to_system_time(), now, FRESHNESS_WINDOW) {
            return Err(PlatformApiError::Refused);
        }
        let device_code = {
            let mut devices = self
                .devices
                .lock()
                .map_err(|_| PlatformApiError::Internal { what: "device table" })?;
            match devices
                .iter()
                .find(|r| r.provider == provider && r.digital_id == registration.digital_id)
            {
                Some(r) => r.device_code,
                None => {
                    if devices.len() >= MAX_REGISTERED_DEVICES {
                        return Err(PlatformApiError::Full {
                            what: "registered devices",
                        });
                    }
                    let random = crate::entropy::random_bytes().ok_or(PlatformApiError::Internal { what: "random" })?;
                    let device_code = Uuid::from_random_bytes(random);
                    devices.push(Registered {
                        device_code,
                        digital_id: registration.digital_id.clone(),
                        provider,
                    });
                    device_code
                }
            }
        };
        let mut m = Map::new();
        m.insert("status".into(), "Registered".into());
        m.insert("digitalId".into(), registration.digital_id.as_str().into());
        m.insert("deviceCode".into(), device_code.to_text().into());
        m.insert("timestamp".into(), timestamp(now)?.to_string().into());
        m.insert("env".into(), self.env.as_str().into());
        self.answer(DEVICE_REGISTER_API_ID, m, now)
    }

    /// Answers a deregister request `body` at `now`: the device leaves the table.
    pub fn handle_deregister(&self, body: &[u8], now: SystemTime) -> Result<Vec<u8>> {
        let (_, jws) = read_request(body, DEVICE_DEREGISTER_API_ID, "device")?;
        let (payload, provider) = self.verify(&jws, now)?;
        let members = payload_members(&payload)?;
        let mut r = ObjectReader::over("device", &members, Schema::Lenient);
        let device_code = Uuid::read("deviceCode", r.required("deviceCode")?)?;
        let env = Env::read("env", r.required("env")?)?;
        r.finish()?;
        if env != self.env {
            return Err(PlatformApiError::UnknownDevice);
        }
        {
            let mut devices = self
                .devices
                .lock()
                .map_err(|_| PlatformApiError::Internal { what: "device table" })?;
            let index = devices
                .iter()
                .position(|r| r.device_code == device_code && r.provider == provider)
                .ok_or(PlatformApiError::UnknownDevice)?;
            devices.swap_remove(index);
        }
        let mut m = Map::new();
        m.insert("status".into(), "Success".into());
        m.insert("deviceCode".into(), device_code.to_text().into());
        m.insert("env".into(), self.env.as_str().into());
        m.insert("timestamp".into(), timestamp(now)?.to_string().into());
        self.answer(DEVICE_DEREGISTER_API_ID, m, now)
    }
}

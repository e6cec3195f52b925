//! What the Management Server remembers (seed 004's "central repository of all the approved
//! devices"): providers' approved models, the FTM provisioning records, the devices with their
//! certificates, marks and command queues, the challenges issued, and the revocations.
//!
//! [`DeviceRegistry`] is the seam: [`MemoryRegistry`] here, SQLite and PostgreSQL in the
//! runtime. Every write of a device is one call with the whole [`DeviceRecord`] (its state, its
//! marks and its queue together), so a store that makes each call one transaction can never hold
//! a device half updated.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::command::Command;
use crate::device_info::DeviceInfo;
use crate::grammar::{Certification, ChallengeValue, Label, Outcome, SemVer, Uuid};

/// The SHA-256 of a certificate's DER: how the registry names FTM and device certificates.
pub type CertificateId = [u8; 32];

/// What kind of certificate a provisioning record lists (rules 9, 12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProvisionedKey {
    /// An FTM chip certificate, under the provider's FTM trust domain.
    Ftm,
    /// An L0 device's per-device certificate, under the provider's `l0-provisioning` CA.
    L0Provisioning,
}

/// One FTM provisioning record (rule 9): the certificate, the identity it was provisioned with
/// and its certification level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvisioningRecord {
    /// SHA-256 of the FTM (or L0 provisioning) certificate.
    pub certificate: CertificateId,
    /// What kind of certificate it is.
    pub kind: ProvisionedKey,
    /// The provider (`deviceProviderId`) it was provisioned for.
    pub provider_id: Label,
    /// `serialNo`.
    pub serial_no: Label,
    /// `make`.
    pub make: Label,
    /// `model`.
    pub model: Label,
    /// The certification level: the device's level comes from here, never from `deviceInfo`.
    pub level: Certification,
}

/// A device's life (rules 21, 22).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceState {
    /// Enrolled: a certificate was issued; no status poll yet.
    Enrolled,
    /// Active: polling.
    Active,
    /// Deregistered: its certificate is revoked; only the deregistration report is accepted.
    Deregistered,
}

impl DeviceState {
    /// The name used in stores and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enrolled => "enrolled",
            Self::Active => "active",
            Self::Deregistered => "deregistered",
        }
    }
}

/// A command in a device's queue (rule 20) and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedCommand {
    /// The command as sent.
    pub command: Command,
    /// When it was first sent in a `commands` answer.
    pub delivered_at: Option<SystemTime>,
    /// Its outcome once the result arrived (or `expired`).
    pub outcome: Option<Outcome>,
    /// When the outcome was recorded.
    pub done_at: Option<SystemTime>,
}

/// A certificate the server issued to a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The certificate's SHA-256.
    pub id: CertificateId,
    /// Its DER.
    pub der: Vec<u8>,
    /// Its serial number (big-endian bytes), for the CRL.
    pub serial: Vec<u8>,
    /// Its notAfter.
    pub not_after: SystemTime,
}

/// One device: identity, certificates, marks and queue, written as one unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    /// `deviceCode` (kept across re-enrollment after an expired certificate, rule 21).
    pub device_code: Uuid,
    /// The provider.
    pub provider_id: Label,
    /// SHA-256 of the FTM (or L0 provisioning) certificate it enrolled with.
    pub ftm: CertificateId,
    /// The digital ID JWS recorded at enrollment: later messages must carry it byte for byte
    /// (rule 4).
    pub digital_id: String,
    /// `serialNo`, `make`, `model` from the provisioning record.
    pub serial_no: Label,
    /// `make`.
    pub make: Label,
    /// `model`.
    pub model: Label,
    /// The level from the provisioning record (L0 without a key attestation, rule 11).
    pub level: Certification,
    /// The state.
    pub state: DeviceState,
    /// The device certificate in use.
    pub certificate: IssuedCertificate,
    /// The certificate issued after `rotate-key`, until its `install-cert` result verifies.
    pub next_certificate: Option<IssuedCertificate>,
    /// Highest `seq` accepted from the device (rule 5).
    pub highest_device_seq: u64,
    /// Last `seq` the server sent to the device.
    pub server_seq: u64,
    /// Last `cmdSeq` assigned.
    pub last_cmd_seq: u64,
    /// The queue, oldest first (bounded by the server's queue limit).
    pub commands: Vec<QueuedCommand>,
    /// `firmware` from the last `status`.
    pub firmware: Option<SemVer>,
    /// The `deviceInfo` of the enrollment or the last `collect-info`.
    pub device_info: DeviceInfo,
    /// Last time a verified message arrived.
    pub last_seen: SystemTime,
    /// The exact bytes of the accepted deregistration report, answered again if resent.
    pub deregistration_report: Option<Vec<u8>>,
    /// Whether the platform has registered the device (§5b); false until a verified answer.
    pub registered_at_platform: bool,
}

/// A challenge issued to one FTM certificate (rule 10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedChallenge {
    /// The challenge.
    pub challenge: ChallengeValue,
    /// The FTM certificate it was issued to.
    pub ftm: CertificateId,
    /// Its expiry.
    pub expires: SystemTime,
}

/// A revoked certificate on a provider's CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// The certificate's SHA-256.
    pub id: CertificateId,
    /// Its serial number.
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub revoked_at: SystemTime,
}

/// The store could not answer (a database error): the request fails closed with HTTP 500.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("device registry unavailable: {0}")]
pub struct RegistryError(pub String);

/// The registry's result.
pub type RegistryResult<T> = Result<T, RegistryError>;

/// What the Management Server stores. Implementations must be safe to share between threads;
/// each method is one transaction.
pub trait DeviceRegistry: Send + Sync {
    /// The provisioning record of the certificate with this SHA-256.
    fn provisioning_record(&self, certificate: &CertificateId) -> RegistryResult<Option<ProvisioningRecord>>;
    /// Whether `provider` has approved `make`/`model`.
    fn is_model_approved(&self, provider: &Label, make: &Label, model: &Label) -> RegistryResult<bool>;
    /// The device that enrolled with this FTM certificate.
    fn device_by_ftm(&self, ftm: &CertificateId) -> RegistryResult<Option<DeviceRecord>>;
    /// The device holding this certificate (current or pending after rotation).
    fn device_by_certificate(&self, certificate: &CertificateId) -> RegistryResult<Option<DeviceRecord>>;
    /// The device with this `deviceCode`.
    fn device_by_code(&self, code: &Uuid) -> RegistryResult<Option<DeviceRecord>>;
    /// Writes a device whole (insert or replace by `deviceCode`), in one transaction.
    fn save_device(&self, device: &DeviceRecord) -> RegistryResult<()>;
    /// Stores a challenge, replacing any earlier one of the same FTM certificate.
    fn put_challenge(&self, challenge: &IssuedChallenge) -> RegistryResult<()>;
    /// Removes and returns the challenge if it was issued to `ftm` (single use, rule 10).
    fn take_challenge(
        &self,
        ftm: &CertificateId,
        challenge: &ChallengeValue,
    ) -> RegistryResult<Option<IssuedChallenge>>;
    /// Counts an enrollment attempt at `now` and returns the attempts inside `window` for this
    /// FTM certificate and for its provider (this one included).
    fn count_enrollment_attempt(
        &self,
        provider: &Label,
        ftm: &CertificateId,
        now: SystemTime,
        window: Duration,
    ) -> RegistryResult<(u32, u32)>;
    /// Records a revocation in `provider`'s CRL.
    fn revoke(&self, provider: &Label, revocation: &Revocation) -> RegistryResult<()>;
    /// The revocations of `provider`, for its CRL (bounded by the store).
    fn revocations(&self, provider: &Label) -> RegistryResult<Vec<Revocation>>;
    /// Whether the certificate with this SHA-256 is revoked.
    fn is_revoked(&self, certificate: &CertificateId) -> RegistryResult<bool>;
    /// Whether an operator re-approved the deregistered FTM certificate `ftm` for a new
    /// enrollment (rule 22); taking it consumes the approval.
    fn take_reapproval(&self, ftm: &CertificateId) -> RegistryResult<bool>;
}

#[derive(Default)]
struct MemoryInner {
    records: HashMap<CertificateId, ProvisioningRecord>,
    models: Vec<(Label, Label, Label)>,
    devices: HashMap<String, DeviceRecord>,
    challenges: HashMap<CertificateId, IssuedChallenge>,
    attempts: Vec<(Label, CertificateId, SystemTime)>,
    revocations: Vec<(Label, Revocation)>,
    reapproved: Vec<CertificateId>,
}

/// An in-memory [`DeviceRegistry`] for tests and examples (SQLite and PostgreSQL are the
/// runtime's). Bounded by [`MemoryRegistry::MAX_ATTEMPTS_KEPT`] for the rate-limit log.
#[derive(Default)]
pub struct MemoryRegistry {
    inner: Mutex<MemoryInner>,
}

impl core::fmt::Debug for MemoryRegistry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryRegistry").finish_non_exhaustive()
    }
}

impl MemoryRegistry {
    /// Enrollment attempts remembered for rate limiting; older ones are dropped first.
    pub const MAX_ATTEMPTS_KEPT: usize = 100_000;

    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> RegistryResult<std::sync::MutexGuard<'_, MemoryInner>> {
        self.inner
            .lock()
            .map_err(|_| RegistryError("a writer panicked while holding the registry".into()))
    }

    /// Adds (or replaces) a provisioning record (the provider's FTM provisioning upload).
    pub fn add_provisioning_record(&self, record: ProvisioningRecord) -> RegistryResult<()> {
        self.lock()?.records.insert(record.certificate, record);
        Ok(())
    }

    /// Approves a device model for a provider.
    pub fn approve_model(&self, provider: Label, make: Label, model: Label) -> RegistryResult<()> {
        let mut inner = self.lock()?;
        if !inner
            .models
            .iter()
            .any(|(p, m, d)| *p == provider && *m == make && *d == model)
        {
            inner.models.push((provider, make, model));
        }
        Ok(())
    }

    /// Withdraws a model's approval.
    pub fn withdraw_model(&self, provider: &Label, make: &Label, model: &Label) -> RegistryResult<()> {
        self.lock()?
            .models
            .retain(|(p, m, d)| !(p == provider && m == make && d == model));
        Ok(())
    }

    /// An operator re-approves a deregistered FTM certificate for one new enrollment.
    pub fn reapprove(&self, ftm: CertificateId) -> RegistryResult<()> {
        self.lock()?.reapproved.push(ftm);
        Ok(())
    }

    /// Every device, for tests and operator listings.
    pub fn devices(&self) -> RegistryResult<Vec<DeviceRecord>> {
        Ok(self.lock()?.devices.values().cloned().collect())
    }
}

impl DeviceRegistry for MemoryRegistry {
    fn provisioning_record(&self, certificate: &CertificateId) -> RegistryResult<Option<ProvisioningRecord>> {
        Ok(self.lock()?.records.get(certificate).cloned())
    }

    fn is_model_approved(&self, provider: &Label, make: &Label, model: &Label) -> RegistryResult<bool> {
        Ok(self
            .lock()?
            .models
            .iter()
            .any(|(p, m, d)| p == provider && m == make && d == model))
    }

    fn device_by_ftm(&self, ftm: &CertificateId) -> RegistryResult<Option<DeviceRecord>> {
        Ok(self.lock()?.devices.values().find(|d| d.ftm == *ftm).cloned())
    }

    fn device_by_certificate(&self, certificate: &CertificateId) -> RegistryResult<Option<DeviceRecord>> {
        Ok(self
            .lock()?
            .devices
            .values()
            .find(|d| {
                d.certificate.id == *certificate || d.next_certificate.as_ref().is_some_and(|n| n.id == *certificate)
            })
            .cloned())
    }

    fn device_by_code(&self, code: &Uuid) -> RegistryResult<Option<DeviceRecord>> {
        Ok(self.lock()?.devices.get(&code.to_text()).cloned())
    }

    fn save_device(&self, device: &DeviceRecord) -> RegistryResult<()> {
        self.lock()?
            .devices
            .insert(device.device_code.to_text(), device.clone());
        Ok(())
    }

    fn put_challenge(&self, challenge: &IssuedChallenge) -> RegistryResult<()> {
        self.lock()?.challenges.insert(challenge.ftm, challenge.clone());
        Ok(())
    }

    fn take_challenge(
        &self,
        ftm: &CertificateId,
        challenge: &ChallengeValue,
    ) -> RegistryResult<Option<IssuedChallenge>> {
        let mut inner = self.lock()?;
        match inner.challenges.get(ftm) {
            Some(issued) if issued.challenge == *challenge => Ok(inner.challenges.remove(ftm)),
            _ => Ok(None),
        }
    }

    fn count_enrollment_attempt(
        &self,
        provider: &Label,
        ftm: &CertificateId,
        now: SystemTime,
        window: Duration,
    ) -> RegistryResult<(u32, u32)> {
        let mut inner = self.lock()?;
        let since = now.checked_sub(window).unwrap_or(SystemTime::UNIX_EPOCH);
        inner.attempts.retain(|(_, _, at)| *at > since);
        if inner.attempts.len() >= Self::MAX_ATTEMPTS_KEPT {
            inner.attempts.remove(0);
        }
        inner.attempts.push((provider.clone(), *ftm, now));
        let per_device = inner.attempts.iter().filter(|(_, f, _)| f == ftm).count();
        let per_provider = inner.attempts.iter().filter(|(p, _, _)| p == provider).count();
        Ok((
            u32::try_from(per_device).unwrap_or(u32::MAX),
            u32::try_from(per_provider).unwrap_or(u32::MAX),
        ))
    }

    fn revoke(&self, provider: &Label, revocation: &Revocation) -> RegistryResult<()> {
        let mut inner = self.lock()?;
        if !inner.revocations.iter().any(|(_, r)| r.id == revocation.id) {
            inner.revocations.push((provider.clone(), revocation.clone()));
        }
        Ok(())
    }

    fn revocations(&self, provider: &Label) -> RegistryResult<Vec<Revocation>> {
        Ok(self
            .lock()?
            .revocations
            .iter()
            .filter(|(p, _)| p == provider)
            .map(|(_, r)| r.clone())
            .collect())
    }

    fn is_revoked(&self, certificate: &CertificateId) -> RegistryResult<bool> {
        Ok(self.lock()?.revocations.iter().any(|(_, r)| r.id == *certificate))
    }

    fn take_reapproval(&self, ftm: &CertificateId) -> RegistryResult<bool> {
        let mut inner = self.lock()?;
        match inner.reapproved.iter().position(|f| f == ftm) {
            Some(i) => {
                inner.reapproved.remove(i);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

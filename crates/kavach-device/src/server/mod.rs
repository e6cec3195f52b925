//! The Management Server, sans-IO (WIRE.md §6): [`ManagementServer::handle`] takes the bytes of
//! one request, the path it arrived on, the TLS client certificate if any and the time, and
//! returns the bytes to answer with and the tasks the runtime must carry out (registering a
//! device with the platform, publishing a CRL). It never reads a clock, a socket or a file.
//!
//! Each request is checked in this order, and the first failure decides the answer:
//! 1. the JWS shape, `typ`, path and direction (rules 3, 18);
//! 2. who claims to sign: an FTM (or L0 provisioning) certificate listed in the provisioning
//!    records for `challenge.request` and `enroll` (rules 9, 12), a device certificate of a
//!    device record for everything else (rule 4); a TLS client certificate, when presented,
//!    must be that certificate;
//! 3. the signature and the signer's chain, for its role, at the server's time, with the `ts`
//!    window and the `jti` replay cache (rules 5, 6);
//! 4. `to` (rule 1), the digital ID (rule 4), `seq` and `nonce` (rule 5);
//! 5. the rules of the message type.
//!
//! Refusals before the device is identified are all answered `KVC-DEV-000` (rule 27); the
//! reason is in [`ServerResponse::refusal`] for the server's log.

mod config;
mod issuer;
mod registry;

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use kavach_jws::danger::{BareKey, verify_with_bare_key};
use kavach_jws::{CompactJws, Jti, JwsVerifier, MemoryReplayCache, ReplayCache, ReplayKey};
use kavach_pki::issue::{CertificateProfile, CertificateRequest, Issuer as PkiIssuer, RevokedEntry, Validity};
use kavach_pki::{Certificate, Crl, Purpose, ValidationOptions, Validator};

pub use self::config::{MAX_PROVIDERS, Provider, ServerConfig};
pub use self::issuer::{Issuer, SignerIssuer};
pub use self::registry::{
    CertificateId, DeviceRecord, DeviceRegistry, DeviceState, IssuedCertificate, IssuedChallenge, MemoryRegistry,
    ProvisionedKey, ProvisioningRecord, QueuedCommand, RegistryError, RegistryResult, Revocation,
};
use crate::command::{Action, Command, CommandResult, GeneralJws, MAX_COMMANDS, PlatformCertificate};
use crate::device_info::DigitalId;
use crate::grammar::{Certification, ChallengeValue, Label, Nonce, Outcome, Sha256Digest, Uuid};
use crate::message::{
    Body, ChallengeBody, CommandsBody, Direction, EnrolledBody, ErrorBody, Message, MessageType, Path, TimeBody,
};
use crate::refusal::Refusal;
use crate::signed::{Unverified, read_signed, recipient_id, sign_message, timestamp};

/// The content type of every signed answer.
pub const CONTENT_TYPE_JOSE: &str = "application/jose";

/// One request as the transport received it.
#[derive(Clone, Copy, Debug)]
pub struct ServerRequest<'a> {
    /// The path it arrived on.
    pub path: Path,
    /// The body: the JWS text.
    pub body: &'a [u8],
    /// The DER of the TLS client certificate, when the device presented one.
    pub tls_client_certificate: Option<&'a [u8]>,
}

/// Work the runtime must do after an answer (sans-IO: the server decides, the runtime acts).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerTask {
    /// Register the device with the platform (§5b), where configured.
    RegisterAtPlatform {
        /// The device.
        device_code: Uuid,
    },
    /// Deregister the device at the platform (§5b), where configured; retry until a verified
    /// `Success`.
    DeregisterAtPlatform {
        /// The device.
        device_code: Uuid,
    },
    /// The provider's revocations changed: publish a new CRL ([`ManagementServer::crl`]).
    PublishCrl {
        /// The provider.
        provider_id: Label,
    },
}

/// What to answer a request with.
#[derive(Clone, Debug)]
pub struct ServerResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body: a signed message, or (for a request too malformed to answer it) a small
    /// unsigned JSON error that clients treat as a transport failure (rule 28).
    pub body: Vec<u8>,
    /// The content type of `body`.
    pub content_type: &'static str,
    /// Work for the runtime.
    pub tasks: Vec<ServerTask>,
    /// Why the request was refused, for the server's log (never sent).
    pub refusal: Option<Refusal>,
    /// The device concerned, once identified.
    pub device_code: Option<Uuid>,
}

/// Why a command could not be queued.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// No device with that `deviceCode`.
    #[error("no such device")]
    UnknownDevice,
    /// The device is deregistered.
    #[error("the device is deregistered")]
    Deregistered,
    /// The queue holds [`MAX_COMMANDS`] open commands.
    #[error("the device's command queue is full")]
    QueueFull,
    /// `install-cert` is the server's answer to a `rotate-key` result, never queued by hand.
    #[error("install-cert cannot be queued by an operator")]
    NotQueueable,
    /// A `rotate-key` while a rotation is under way (one queued, or its certificate not yet
    /// installed): a second would replace the new certificate while the device installs the
    /// first, and the device could sign with neither the current nor the next certificate.
    #[error("a key rotation is already under way")]
    RotationInProgress,
    /// The store failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The clock is outside the representable range, or the randomness source failed.
    #[error("time or randomness unavailable")]
    Environment,
}

/// A server setup that cannot work.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The signing chain is empty.
    #[error("the server's signing certificate chain is empty")]
    NoCertificate,
    /// More than [`MAX_PROVIDERS`] providers, or two with one id.
    #[error("too many providers, or two providers with one id")]
    Providers,
    /// A window above 5 minutes or a zero limit.
    #[error("invalid limit: {0}")]
    Limit(&'static str),
}

struct ProviderVerifiers {
    ftm: JwsVerifier,
    l0: Option<JwsVerifier>,
    device: JwsVerifier,
}

/// The Management Server's protocol logic over a [`DeviceRegistry`].
pub struct ManagementServer<R: DeviceRegistry> {
    config: ServerConfig,
    registry: R,
    validator: Arc<Validator>,
    replay: Arc<dyn ReplayCache>,
    verifiers: Vec<ProviderVerifiers>,
    own_id: Sha256Digest,
    platform: RwLock<Vec<PlatformCertificate>>,
    latest: RwLock<Option<GeneralJws>>,
}

impl<R: DeviceRegistry> core::fmt::Debug for ManagementServer<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ManagementServer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

use crate::entropy::random_bytes as random;

fn jws_refusal(error: &kavach_jws::Error, highest_seq: u64) -> Refusal {
    match error {
        kavach_jws::Error::Replay | kavach_jws::Error::TimestampOutsideWindow { .. } => Refusal::Replay { highest_seq },
        kavach_jws::Error::ReplayCacheFull { .. } | kavach_jws::Error::ReplaySignerShareFull { .. } => {
            Refusal::ReplayCacheFull
        }
        other => Refusal::BadSignature { detail: other.code() },
    }
}

/// Before the device is identified every refusal is `KVC-DEV-000` (rule 27).
///
/// A replay refusal passes through with its `highestSeq` (rule 5): it is only ever raised once
/// the FTM (or L0) signature and chain verified — the sender is identified — and without it a
/// device whose state was wiped (re-provisioned after deregistration, or a clone) would send
/// `seq` 1 below the record's mark forever and never reach the clone or deregistration check.
fn unidentified(refusal: Refusal) -> Refusal {
    match refusal {
        Refusal::ReplayCacheFull => Refusal::ReplayCacheFull,
        Refusal::Replay { .. } => refusal,
        Refusal::Unidentified { .. }
        | Refusal::RateLimited
        | Refusal::ModelNotApproved
        | Refusal::Deregistered
        | Refusal::Clone => refusal,
        other => Refusal::Unidentified { detail: other.detail() },
    }
}

/// The answer to a device's message, or the refusal, each with the device once identified.
type DeviceOutcome = Result<(Vec<u8>, Option<Uuid>), (Refusal, Option<Uuid>)>;

/// A verified request from an identified sender.
struct Accepted {
    unverified: Unverified,
    signer: Certificate,
}

impl<R: DeviceRegistry> ManagementServer<R> {
    /// A server with `config`, storing in `registry`, validating chains with `validator`, with
    /// its own in-memory replay cache ([`ManagementServer::with_replay_cache`] shares one
    /// between instances).
    pub fn new(config: ServerConfig, registry: R, validator: Arc<Validator>) -> Result<Self, ConfigError> {
        Self::with_replay_cache(config, registry, validator, Arc::new(MemoryReplayCache::default()))
    }

    /// [`ManagementServer::new`] with a shared replay cache.
    pub fn with_replay_cache(
        config: ServerConfig,
        registry: R,
        validator: Arc<Validator>,
        replay: Arc<dyn ReplayCache>,
    ) -> Result<Self, ConfigError> {
        let leaf = config.chain.first().ok_or(ConfigError::NoCertificate)?;
        if config.providers.len() > MAX_PROVIDERS
            || config
                .providers
                .iter()
                .enumerate()
                .any(|(i, p)| config.providers[..i].iter().any(|q| q.id == p.id))
        {
            return Err(ConfigError::Providers);
        }
        if config.window > Duration::from_secs(300) || config.window.is_zero() {
            return Err(ConfigError::Limit("the window must be 1 ms to 5 minutes"));
        }
        if config.attempts_per_device == 0 || config.attempts_per_provider == 0 {
            return Err(ConfigError::Limit("enrollment rate limits must allow one attempt"));
        }
        let verifier = |domain: &kavach_pki::TrustDomain, purpose| -> Result<JwsVerifier, ConfigError> {
            JwsVerifier::new(validator.clone(), domain.clone())
                .with_purpose(purpose)
                .with_replay_cache(replay.clone())
                .with_window(config.window)
                .map_err(|_| ConfigError::Limit("window"))
        };
        let mut verifiers = Vec::with_capacity(config.providers.len());
        for p in &config.providers {
            verifiers.push(ProviderVerifiers {
                ftm: verifier(&p.ftm, Purpose::Ftm)?,
                l0: p.l0.as_ref().map(|d| verifier(d, Purpose::Device)).transpose()?,
                device: verifier(&p.device_domain, Purpose::Device)?,
            });
        }
        Ok(Self {
            own_id: recipient_id(leaf),
            config,
            registry,
            validator,
            replay,
            verifiers,
            platform: RwLock::new(Vec::new()),
            latest: RwLock::new(None),
        })
    }

    /// The registry.
    pub fn registry(&self) -> &R {
        &self.registry
    }

    /// The server's configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Sets the platform's encryption certificate for its (`env`, `domainUri`), as fetched and
    /// verified through §5 ([`crate::platform`]); handed to devices in `enrolled` and
    /// `update-platform-cert`. Replaces the earlier one of the same pair.
    pub fn set_platform_certificate(&self, certificate: PlatformCertificate) {
        if let Ok(mut list) = self.platform.write() {
            list.retain(|p| !(p.env == certificate.env && p.domain_uri == certificate.domain_uri));
            if list.len() < 16 {
                list.push(certificate);
            }
        }
    }

    /// Sets the release-signed `latest` document sent with every `commands` answer (rule 25).
    pub fn set_latest(&self, latest: Option<GeneralJws>) {
        if let Ok(mut slot) = self.latest.write() {
            *slot = latest;
        }
    }

    fn provider_index(&self, id: &Label) -> Option<usize> {
        self.config.providers.iter().position(|p| p.id == *id)
    }

    /// Answers one request at the server's time `now`.
    pub fn handle(&self, request: &ServerRequest<'_>, now: SystemTime) -> ServerResponse {
        let unverified = match read_signed(request.body, request.path, Direction::Request) {
            Ok(u) => u,
            Err(refusal) => return self.unbound(unidentified(refusal)),
        };
        let mut tasks = Vec::new();
        let outcome = match unverified.message().message_type() {
            // Rule 4 holds for enrollment too: a TLS client certificate, when presented, must
            // be the signer's (here the FTM or L0 provisioning certificate).
            MessageType::ChallengeRequest | MessageType::Enroll
                if request
                    .tls_client_certificate
                    .is_some_and(|tls| unverified.claimed_signer_der() != Some(tls)) =>
            {
                Err((
                    Refusal::Unidentified {
                        detail: "the TLS client certificate is not the signer's",
                    },
                    None,
                ))
            }
            MessageType::ChallengeRequest | MessageType::Enroll => self
                .handle_enrollment(&unverified, now, &mut tasks)
                .map_err(|e| (unidentified(e), None)),
            _ => self.handle_device(request, &unverified, now, &mut tasks),
        };
        match outcome {
            Ok((body, device_code)) => ServerResponse {
                status: 200,
                body,
                content_type: CONTENT_TYPE_JOSE,
                tasks,
                refusal: None,
                device_code,
            },
            Err((refusal, device_code)) => {
                tracing::debug!(
                    code = refusal.wire_code().as_str(),
                    reason = refusal.detail(),
                    "request refused"
                );
                let mut response = self.error_reply(&unverified, refusal, now);
                response.device_code = device_code;
                response
            }
        }
    }

    /// An answer to bytes too malformed to bind an answer to (rule 28: the client treats it as
    /// a transport failure).
    fn unbound(&self, refusal: Refusal) -> ServerResponse {
        tracing::debug!(reason = refusal.detail(), "unparseable request refused");
        let code = refusal.wire_code();
        ServerResponse {
            status: refusal.http_status(),
            body: format!(r#"{{"errorCode":"{}","message":"{}"}}"#, code.as_str(), code.message()).into_bytes(),
            content_type: "application/json",
            tasks: Vec::new(),
            refusal: Some(refusal),
            device_code: None,
        }
    }

    /// A signed `error` bound to the request by `re` (rule 27). Errors carry `seq` 0: they
    /// change no state on either side (rule 28), so they neither take nor need a `seq` mark.
    fn error_reply(&self, unverified: &Unverified, refusal: Refusal, now: SystemTime) -> ServerResponse {
        let code = refusal.wire_code();
        let body = Body::Error(ErrorBody {
            code: code.into(),
            message: code.message().to_owned(),
            highest_seq: match &refusal {
                Refusal::Replay { highest_seq } => Some(*highest_seq),
                _ => None,
            },
        });
        let to = unverified
            .claimed_signer_sha256()
            .map(Sha256Digest::from_bytes)
            .unwrap_or(Sha256Digest::from_bytes([0; 32]));
        match self.sign_reply(unverified.message(), to, 0, body, now) {
            Ok(bytes) => ServerResponse {
                status: refusal.http_status(),
                body: bytes,
                content_type: CONTENT_TYPE_JOSE,
                tasks: Vec::new(),
                refusal: Some(refusal),
                device_code: None,
            },
            Err(_) => self.internal_error(refusal),
        }
    }

    fn internal_error(&self, refusal: Refusal) -> ServerResponse {
        ServerResponse {
            status: 500,
            body: br#"{"errorCode":"KVC-DEV-000","message":"internal error"}"#.to_vec(),
            content_type: "application/json",
            tasks: Vec::new(),
            refusal: Some(refusal),
            device_code: None,
        }
    }

    fn sign_reply(
        &self,
        request: &Message,
        to: Sha256Digest,
        seq: u64,
        body: Body,
        now: SystemTime,
    ) -> Result<Vec<u8>, Refusal> {
        let ts = match &body {
            Body::Time(t) => t.time,
            _ => timestamp(now)?,
        };
        let message = Message {
            to,
            re: Some(request.nonce),
            digital_id: request.digital_id.clone(),
            ts,
            nonce: Nonce::from_bytes(random().ok_or(Refusal::Client("randomness unavailable"))?),
            seq,
            body,
        };
        sign_message(self.config.signer.as_ref(), &self.config.chain, &message)
            .map(String::into_bytes)
            .map_err(|_| Refusal::Client("the server's signer failed"))
    }

    /// Records the request's nonce for its signer (rule 6), after its signature verified.
    fn check_nonce(
        &self,
        signer: &Certificate,
        message: &Message,
        now: SystemTime,
        highest_seq: u64,
    ) -> Result<(), Refusal> {
        let jti = Jti::parse(&message.nonce.to_base64url()).map_err(|_| Refusal::Replay { highest_seq })?;
        let key = ReplayKey::new(&signer.sha256_thumbprint(), &jti);
        let expires = message.ts.to_system_time() + self.config.window;
        self.replay
            .check_and_record(key, now, expires)
            .map_err(|e| jws_refusal(&e, highest_seq))
    }

    // ----- enrollment: challenge.request and enroll, signed by an FTM or L0 key -----

    fn handle_enrollment(
        &self,
        unverified: &Unverified,
        now: SystemTime,
        tasks: &mut Vec<ServerTask>,
    ) -> Result<(Vec<u8>, Option<Uuid>), Refusal> {
        let (record, provider, signer) = self.identify_ftm(unverified, now)?;
        let message = unverified.message();
        let existing = self
            .registry
            .device_by_ftm(&record.certificate)
            .map_err(registry_refusal)?;
        if let Some(d) = &existing
            && message.seq <= d.highest_device_seq
        {
            return Err(Refusal::Replay {
                highest_seq: d.highest_device_seq,
            });
        }
        self.check_nonce(
            &signer,
            message,
            now,
            existing.as_ref().map_or(0, |d| d.highest_device_seq),
        )?;
        let to = recipient_id(&signer);
        match &message.body {
            Body::ChallengeRequest => {
                let (per_device, per_provider) = self
                    .registry
                    .count_enrollment_attempt(
                        &record.provider_id,
                        &record.certificate,
                        now,
                        self.config.attempt_window,
                    )
                    .map_err(registry_refusal)?;
                if per_device > self.config.attempts_per_device || per_provider > self.config.attempts_per_provider {
                    return Err(Refusal::RateLimited);
                }
                let challenge = ChallengeValue::from_bytes(random().ok_or(Refusal::Client("randomness unavailable"))?);
                let expires = now + self.config.challenge_lifetime;
                self.registry
                    .put_challenge(&IssuedChallenge {
                        challenge,
                        ftm: record.certificate,
                        expires,
                    })
                    .map_err(registry_refusal)?;
                tracing::debug!(provider = record.provider_id.as_str(), "enrollment challenge issued");
                let body = Body::Challenge(ChallengeBody {
                    challenge,
                    server_id: self.config.server_id.clone(),
                    expires: timestamp(expires)?,
                });
                let seq = existing.as_ref().map_or(1, |d| d.server_seq + 1);
                if let Some(mut d) = existing {
                    d.server_seq = seq;
                    d.highest_device_seq = message.seq;
                    self.registry.save_device(&d).map_err(registry_refusal)?;
                }
                Ok((self.sign_reply(message, to, seq, body, now)?, None))
            }
            Body::Enroll(enroll) => {
                if enroll.server_id != self.config.server_id {
                    return Err(Refusal::Unidentified {
                        detail: "serverId names another server",
                    });
                }
                let issued = self
                    .registry
                    .take_challenge(&record.certificate, &enroll.challenge)
                    .map_err(registry_refusal)?
                    .ok_or(Refusal::Unidentified {
                        detail: "challenge unknown, used, or issued to another FTM",
                    })?;
                if issued.expires < now {
                    return Err(Refusal::Unidentified {
                        detail: "challenge expired",
                    });
                }
                if !self
                    .registry
                    .is_model_approved(&record.provider_id, &record.make, &record.model)
                    .map_err(registry_refusal)?
                {
                    return Err(Refusal::ModelNotApproved);
                }
                let csr = CertificateRequest::from_der(&enroll.csr).map_err(|_| Refusal::Unidentified {
                    detail: "CSR malformed",
                })?;
                if csr.challenge_password().ok().flatten().as_deref() != Some(enroll.challenge.to_base64url().as_str())
                {
                    return Err(Refusal::Unidentified {
                        detail: "CSR not bound to the challenge",
                    });
                }
                let key = csr.verify_proof_of_possession().map_err(|_| Refusal::Unidentified {
                    detail: "CSR without proof of possession",
                })?;
                let ftm_key = signer.public_key().map_err(|_| Refusal::Unidentified {
                    detail: "FTM key unsupported",
                })?;
                let level = match (record.kind, record.level, &enroll.attestation) {
                    (ProvisionedKey::Ftm, Certification::L1, Some(a))
                        if crate::attestation::attestation_holds(a, ftm_key, &key) =>
                    {
                        Certification::L1
                    }
                    _ => Certification::L0,
                };
                // The server's `seq` to this FTM continues from the challenge's (1 for a new
                // device) whether the record is kept, replaced or new.
                let prior_seq = existing.as_ref().map_or(1, |d| d.server_seq);
                let mut device = match existing {
                    Some(d) if d.state == DeviceState::Deregistered => {
                        if !self
                            .registry
                            .take_reapproval(&record.certificate)
                            .map_err(registry_refusal)?
                        {
                            return Err(Refusal::Deregistered);
                        }
                        None
                    }
                    Some(d) => {
                        let revoked = self.registry.is_revoked(&d.certificate.id).map_err(registry_refusal)?;
                        if d.certificate.not_after > now && !revoked {
                            tracing::warn!(
                                provider = record.provider_id.as_str(),
                                "FTM certificate enrolling twice: clone"
                            );
                            return Err(Refusal::Clone);
                        }
                        // Rule 21: an expired, unrevoked device re-enrolls and keeps its record.
                        Some(d)
                    }
                    None => None,
                };
                let provider_cfg = &self.config.providers[provider];
                let ca = provider_cfg.device_ca.as_ref();
                let issued_cert = self.issue_device_certificate(ca, &record.serial_no, &key, now)?;
                let device_code = match &device {
                    Some(d) => d.device_code,
                    None => Uuid::from_random_bytes(random().ok_or(Refusal::Client("randomness unavailable"))?),
                };
                let server_seq = prior_seq + 1;
                let mut record_out = DeviceRecord {
                    device_code,
                    provider_id: record.provider_id.clone(),
                    ftm: record.certificate,
                    digital_id: message.digital_id.as_str().to_owned(),
                    serial_no: record.serial_no.clone(),
                    make: record.make.clone(),
                    model: record.model.clone(),
                    level,
                    state: DeviceState::Enrolled,
                    certificate: issued_cert.clone(),
                    next_certificate: None,
                    highest_device_seq: message.seq,
                    server_seq,
                    last_cmd_seq: 0,
                    commands: Vec::new(),
                    firmware: Some(enroll.device_info.firmware.clone()),
                    device_info: enroll.device_info.clone(),
                    last_seen: now,
                    deregistration_report: None,
                    registered_at_platform: false,
                };
                if let Some(d) = device.take() {
                    record_out.last_cmd_seq = d.last_cmd_seq;
                    record_out.commands = d.commands;
                    record_out.registered_at_platform = d.registered_at_platform;
                }
                self.registry.save_device(&record_out).map_err(registry_refusal)?;
                if !record_out.registered_at_platform {
                    tasks.push(ServerTask::RegisterAtPlatform { device_code });
                }
                tracing::info!(
                    provider = record.provider_id.as_str(),
                    device = %device_code,
                    level = level.as_str(),
                    "device enrolled"
                );
                let chain = delivered_chain(&issued_cert, ca);
                let platform = self.platform_for(&enroll.device_info.env);
                let body = Body::Enrolled(EnrolledBody {
                    device_cert: chain,
                    device_code,
                    platform,
                });
                Ok((self.sign_reply(message, to, server_seq, body, now)?, Some(device_code)))
            }
            _ => Err(Refusal::Unidentified {
                detail: "not an enrollment message",
            }),
        }
    }

    fn platform_for(&self, env: &crate::grammar::Env) -> Option<PlatformCertificate> {
        self.platform
            .read()
            .ok()
            .and_then(|list| list.iter().find(|p| p.env == *env).cloned())
    }

    fn issue_device_certificate(
        &self,
        ca: &dyn Issuer,
        serial_no: &Label,
        key: &kavach_keys::PublicKey,
        now: SystemTime,
    ) -> Result<IssuedCertificate, Refusal> {
        let failed = |_| Refusal::Client("the device CA could not issue");
        let subject = crate::naming::device_subject(serial_no).map_err(failed)?;
        // Backdated by the window, as CAs do, so that a device whose trusted time is a little
        // behind sees notBefore as begun.
        let not_before = now.checked_sub(self.config.window).unwrap_or(now);
        let validity = Validity::new(not_before, now + self.config.certificate_lifetime).map_err(failed)?;
        let issuer = PkiIssuer::new(ca.certificate(), ca.signer()).map_err(failed)?;
        let certificate = CertificateProfile::new(subject, key, validity)
            .with_end_entity(Purpose::Device)
            .and_then(|p| p.issue(&issuer))
            .map_err(failed)?;
        Ok(issued(&certificate))
    }

    /// Identifies the FTM (or L0 provisioning) signer of an enrollment message: listed in the
    /// provisioning records, chaining to its provider's FTM (or L0) domain, the digital ID
    /// signed by the same key and matching the record field for field (rules 9, 10, 12).
    fn identify_ftm(
        &self,
        unverified: &Unverified,
        now: SystemTime,
    ) -> Result<(ProvisioningRecord, usize, Certificate), Refusal> {
        let id = unverified
            .claimed_signer_sha256()
            .ok_or(Refusal::Unidentified { detail: "no x5c" })?;
        let record = self
            .registry
            .provisioning_record(&id)
            .map_err(registry_refusal)?
            .ok_or(Refusal::Unidentified {
                detail: "FTM certificate not in the provisioning records",
            })?;
        let provider = self.provider_index(&record.provider_id).ok_or(Refusal::Unidentified {
            detail: "provisioning record of a provider this server does not serve",
        })?;
        let verifiers = &self.verifiers[provider];
        let verifier = match record.kind {
            ProvisionedKey::Ftm => &verifiers.ftm,
            ProvisionedKey::L0Provisioning => verifiers.l0.as_ref().ok_or(Refusal::Unidentified {
                detail: "provider has no L0 provisioning CA",
            })?,
        };
        // The enrolling device has no trusted time yet (its clock is its floor until the first
        // `time` answer): its `ts` is not window-checked. Freshness comes from the single-use,
        // 5-minute challenge instead (rule 10), and a replayed challenge.request only earns the
        // FTM key's holder another challenge.
        let provider_cfg = &self.config.providers[provider];
        let (domain, purpose) = match record.kind {
            ProvisionedKey::Ftm => (&provider_cfg.ftm, Purpose::Ftm),
            ProvisionedKey::L0Provisioning => (
                provider_cfg.l0.as_ref().ok_or(Refusal::Unidentified {
                    detail: "provider has no L0 provisioning CA",
                })?,
                Purpose::Device,
            ),
        };
        let signer = self.verify_without_window(verifier, domain, purpose, unverified, now, 0)?;
        let message = unverified.message();
        if message.to != self.own_id {
            return Err(Refusal::Misdirected);
        }
        let digital_id = self.verify_digital_id(message.digital_id.as_str(), &signer)?;
        if digital_id.serial_no != record.serial_no
            || digital_id.make != record.make
            || digital_id.model != record.model
            || digital_id.device_provider_id != record.provider_id
        {
            return Err(Refusal::Unidentified {
                detail: "digitalId differs from its provisioning record",
            });
        }
        Ok((record, provider, signer))
    }

    /// The digital ID must be signed by the key of `signer` (the FTM, or the L0 key).
    fn verify_digital_id(&self, text: &str, signer: &Certificate) -> Result<DigitalId, Refusal> {
        let bad = Refusal::Unidentified {
            detail: "digitalId not signed by the enrolling key",
        };
        let jws = CompactJws::parse(text).map_err(|_| bad.clone())?;
        let key = signer.public_key().map_err(|_| bad.clone())?;
        let bare = BareKey::with_fitting_algorithms(key.clone()).map_err(|_| bad.clone())?;
        let verified = verify_with_bare_key(&jws, &bare).map_err(|_| bad.clone())?;
        DigitalId::from_json(verified.payload()).map_err(|_| bad)
    }

    // ----- messages signed by an enrolled device -----

    fn handle_device(
        &self,
        request: &ServerRequest<'_>,
        unverified: &Unverified,
        now: SystemTime,
        tasks: &mut Vec<ServerTask>,
    ) -> DeviceOutcome {
        let id = unverified
            .claimed_signer_sha256()
            .ok_or((Refusal::Unidentified { detail: "no x5c" }, None))?;
        let Some(mut device) = self
            .registry
            .device_by_certificate(&id)
            .map_err(|e| (registry_refusal(e), None))?
        else {
            return Err((self.unknown_device(unverified, now), None));
        };
        let code = Some(device.device_code);
        let fail = |r: Refusal| (r, code);
        if let Some(tls) = request.tls_client_certificate
            && unverified.claimed_signer_der() != Some(tls)
        {
            return Err(fail(Refusal::Unidentified {
                detail: "the TLS client certificate is not the signer's",
            }));
        }
        // Rule 22: a byte-identical resend of the accepted deregistration report is answered
        // again, outside the window; nothing else signed by a revoked key is accepted.
        if device.state == DeviceState::Deregistered && device.deregistration_report.as_deref() == Some(request.body) {
            let body = Body::Ack {
                command_id: match &unverified.message().body {
                    Body::Result(r) => r.command_id,
                    _ => return Err(fail(Refusal::Deregistered)),
                },
            };
            device.server_seq += 1;
            self.registry
                .save_device(&device)
                .map_err(|e| fail(registry_refusal(e)))?;
            let to = Sha256Digest::from_bytes(id);
            return self
                .sign_reply(unverified.message(), to, device.server_seq, body, now)
                .map(|b| (b, code))
                .map_err(fail);
        }
        let accepted = self.verify_device(unverified, &device, now).map_err(fail)?;
        let message = accepted.unverified.message();
        let pending_deregister = device
            .commands
            .iter()
            .find(|q| matches!(q.command.action, Action::Deregister) && q.outcome.is_none())
            .map(|q| q.command.clone());
        if device.state == DeviceState::Deregistered {
            let allowed = match (&message.body, &pending_deregister) {
                (Body::Status(_), Some(_)) => true,
                (Body::Result(r), Some(c)) => r.command_id == c.id,
                _ => false,
            };
            if !allowed {
                return Err(fail(Refusal::Deregistered));
            }
        } else if self.registry.is_revoked(&id).map_err(|e| fail(registry_refusal(e)))? {
            return Err(fail(Refusal::BadSignature {
                detail: "signer certificate revoked",
            }));
        }
        let signed_by_next = device.next_certificate.as_ref().is_some_and(|n| n.id == id);
        // A device that installed the new certificate signs with the new key from then on; it
        // may need trusted time before it can send its install-cert result (a time sync due,
        // or a restart), so a time request is answered too — it changes no device state.
        if signed_by_next && !matches!(&message.body, Body::Result(_) | Body::TimeRequest { .. }) {
            return Err(fail(Refusal::BadSignature {
                detail: "the rotated key signs only its install-cert result and time requests until then",
            }));
        }
        device.highest_device_seq = message.seq;
        device.last_seen = now;
        let body = match &message.body {
            Body::TimeRequest { nonce } => {
                let time = timestamp(now).map_err(fail)?;
                Body::Time(TimeBody {
                    nonce: *nonce,
                    time,
                    radius_ms: self.config.time_radius_ms,
                })
            }
            Body::Status(status) => {
                if device.state == DeviceState::Enrolled {
                    device.state = DeviceState::Active;
                }
                device.firmware = Some(status.firmware.clone());
                self.schedule_rotation(&mut device, now).map_err(fail)?;
                let commands = open_commands(&mut device, now);
                let commands = if device.state == DeviceState::Deregistered {
                    commands
                        .into_iter()
                        .filter(|c| matches!(c.action, Action::Deregister))
                        .collect()
                } else {
                    commands
                };
                Body::Commands(CommandsBody {
                    commands,
                    latest: self.latest.read().ok().and_then(|l| l.clone()),
                })
            }
            Body::Result(result) => {
                let command_id = result.command_id;
                self.apply_result(
                    &mut device,
                    result,
                    &accepted.signer,
                    signed_by_next,
                    request.body,
                    now,
                    tasks,
                )
                .map_err(fail)?;
                Body::Ack { command_id }
            }
            _ => {
                return Err(fail(Refusal::Unidentified {
                    detail: "unexpected type",
                }));
            }
        };
        device.server_seq += 1;
        let seq = device.server_seq;
        self.registry
            .save_device(&device)
            .map_err(|e| fail(registry_refusal(e)))?;
        tracing::debug!(device = %device.device_code, message_type = message.message_type().as_str(), "request answered");
        self.sign_reply(message, Sha256Digest::from_bytes(id), seq, body, now)
            .map(|b| (b, code))
            .map_err(fail)
    }

    /// A signer with no device record: `KVC-DEV-001` when its certificate validates under one
    /// of the providers' device CAs, `KVC-DEV-000` otherwise.
    fn unknown_device(&self, unverified: &Unverified, now: SystemTime) -> Refusal {
        let Some(der) = unverified.claimed_signer_der() else {
            return Refusal::Unidentified { detail: "no x5c" };
        };
        let Ok(cert) = self.validator.parse_certificate_uncached(der) else {
            return Refusal::Unidentified {
                detail: "signer certificate malformed",
            };
        };
        let options = ValidationOptions::new(Purpose::Device, now);
        if self
            .config
            .providers
            .iter()
            .any(|p| self.validator.verify(&p.device_domain, &cert, &[], &options).is_ok())
        {
            Refusal::UnknownDevice
        } else {
            Refusal::Unidentified {
                detail: "signer is no device of this server",
            }
        }
    }

    /// Signature and chain checked at the message's own `ts` (with the jti cache), then the
    /// chain again at the server's time `now`: for the messages a device sends before it has
    /// trusted time (`challenge.request`, `enroll`, `time.request`), whose freshness is a
    /// single-use challenge or the client's own nonce rather than `ts` (rules 10, 14). A
    /// replayed `time.request` earns only an answer bound to a nonce the client no longer
    /// waits for.
    fn verify_without_window(
        &self,
        verifier: &JwsVerifier,
        domain: &kavach_pki::TrustDomain,
        purpose: Purpose,
        unverified: &Unverified,
        now: SystemTime,
        highest_seq: u64,
    ) -> Result<Certificate, Refusal> {
        let verified = verifier
            .verify_attached_at(unverified.jws(), unverified.message().ts.to_system_time())
            .map_err(|e| jws_refusal(&e, highest_seq))?;
        let signer = verified.signer().clone();
        let intermediates: Vec<Certificate> = verified.path().chain().iter().skip(1).cloned().collect();
        self.validator
            .verify(domain, &signer, &intermediates, &ValidationOptions::new(purpose, now))
            .map_err(|_| Refusal::BadSignature {
                detail: "signer chain not valid at the server's time",
            })?;
        Ok(signer)
    }

    fn verify_device(
        &self,
        unverified: &Unverified,
        device: &DeviceRecord,
        now: SystemTime,
    ) -> Result<Accepted, Refusal> {
        let provider = self.provider_index(&device.provider_id).ok_or(Refusal::Unidentified {
            detail: "device of a provider this server no longer serves",
        })?;
        let highest = device.highest_device_seq;
        let verifier = &self.verifiers[provider].device;
        let signer = if matches!(unverified.message().body, Body::TimeRequest { .. }) {
            let domain = &self.config.providers[provider].device_domain;
            self.verify_without_window(verifier, domain, Purpose::Device, unverified, now, highest)?
        } else {
            verifier
                .verify_attached_at(unverified.jws(), now)
                .map_err(|e| jws_refusal(&e, highest))?
                .signer()
                .clone()
        };
        let message = unverified.message();
        if message.to != self.own_id {
            return Err(Refusal::Misdirected);
        }
        if message.digital_id.as_str() != device.digital_id {
            return Err(Refusal::BadSignature {
                detail: "digitalId differs from the one recorded at enrollment",
            });
        }
        if message.seq <= highest {
            return Err(Refusal::Replay { highest_seq: highest });
        }
        self.check_nonce(&signer, message, now, highest)?;
        Ok(Accepted {
            unverified: unverified.clone(),
            signer,
        })
    }

    /// Rule 21: queue `rotate-key` when the certificate is in its last third.
    fn schedule_rotation(&self, device: &mut DeviceRecord, now: SystemTime) -> Result<(), Refusal> {
        let rotate_before = self.config.certificate_lifetime / 3;
        let due = device
            .certificate
            .not_after
            .duration_since(now)
            .map_or(true, |left| left <= rotate_before);
        if due && !rotation_in_progress(device) && device.state != DeviceState::Deregistered {
            self.push_command(device, Action::RotateKey, now)?;
        }
        Ok(())
    }

    fn push_command(&self, device: &mut DeviceRecord, action: Action, now: SystemTime) -> Result<Command, Refusal> {
        if device.commands.iter().filter(|q| q.outcome.is_none()).count() >= MAX_COMMANDS {
            return Err(Refusal::Client("command queue full"));
        }
        let command = Command {
            id: Uuid::from_random_bytes(random().ok_or(Refusal::Client("randomness unavailable"))?),
            cmd_seq: device.last_cmd_seq + 1,
            expires_at: timestamp(now + self.config.command_lifetime)?,
            action,
        };
        device.last_cmd_seq += 1;
        // Keep the queue bounded: finished commands beyond the newest 64 are dropped.
        device.commands.push(QueuedCommand {
            command: command.clone(),
            delivered_at: None,
            outcome: None,
            done_at: None,
        });
        let finished = device.commands.iter().filter(|q| q.outcome.is_some()).count();
        if finished > 64
            && let Some(i) = device.commands.iter().position(|q| q.outcome.is_some())
        {
            device.commands.remove(i);
        }
        Ok(command)
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_result(
        &self,
        device: &mut DeviceRecord,
        result: &CommandResult,
        signer: &Certificate,
        signed_by_next: bool,
        raw: &[u8],
        now: SystemTime,
        tasks: &mut Vec<ServerTask>,
    ) -> Result<(), Refusal> {
        let index = device
            .commands
            .iter()
            .position(|q| q.command.id == result.command_id && q.command.cmd_seq == result.cmd_seq)
            .ok_or(Refusal::Misdirected)?;
        if device.commands[index].outcome.is_some() {
            // A result we already recorded (our ack was lost): acknowledge again, change nothing.
            return Ok(());
        }
        let action = device.commands[index].command.action.clone();
        if signed_by_next != matches!(action, Action::InstallCert { .. }) {
            return Err(Refusal::BadSignature {
                detail: "install-cert results are signed by the new key, others by the current one",
            });
        }
        if result.outcome == Outcome::Done {
            match action {
                Action::RotateKey => {
                    let csr = result
                        .data
                        .csr
                        .as_deref()
                        .ok_or(Refusal::Client("rotate-key result without a CSR"))?;
                    let csr =
                        CertificateRequest::from_der(csr).map_err(|_| Refusal::Client("rotate-key CSR malformed"))?;
                    let key = csr
                        .verify_proof_of_possession()
                        .map_err(|_| Refusal::Client("rotate-key CSR without proof of possession"))?;
                    if signer.public_key().is_ok_and(|old| *old == key) {
                        return Err(Refusal::Client("rotate-key CSR for the key in use"));
                    }
                    let provider = self
                        .provider_index(&device.provider_id)
                        .ok_or(Refusal::Client("provider gone"))?;
                    let ca = self.config.providers[provider].device_ca.clone();
                    let next = self.issue_device_certificate(ca.as_ref(), &device.serial_no, &key, now)?;
                    let chain = delivered_chain(&next, ca.as_ref());
                    device.next_certificate = Some(next);
                    self.push_command(device, Action::InstallCert { device_cert: chain }, now)?;
                }
                Action::InstallCert { .. } => {
                    let next = device.next_certificate.take().ok_or(Refusal::Misdirected)?;
                    let old = core::mem::replace(&mut device.certificate, next);
                    self.registry
                        .revoke(
                            &device.provider_id,
                            &Revocation {
                                id: old.id,
                                serial: old.serial,
                                revoked_at: now,
                            },
                        )
                        .map_err(registry_refusal)?;
                    tasks.push(ServerTask::PublishCrl {
                        provider_id: device.provider_id.clone(),
                    });
                    tracing::info!(device = %device.device_code, "device key rotated");
                }
                Action::CollectInfo => {
                    if let Some(info) = &result.data.device_info {
                        device.device_info = info.clone();
                    }
                }
                Action::Deregister => {
                    device.deregistration_report = Some(raw.to_vec());
                    tracing::info!(device = %device.device_code, "deregistration report received");
                }
                Action::SyncTime | Action::Upgrade { .. } | Action::UpdatePlatformCert { .. } => {}
            }
        } else if matches!(action, Action::Deregister) {
            device.deregistration_report = Some(raw.to_vec());
        }
        let q = &mut device.commands[index];
        q.outcome = Some(result.outcome);
        q.done_at = Some(now);
        Ok(())
    }

    // ----- operator actions -----

    /// Queues `action` for the device `device_code` (rules 19, 20). `deregister` takes effect
    /// at once (rule 22): the device certificate (and a pending rotated one) is revoked, the
    /// FTM certificate marked deregistered, and the tasks say to publish the CRL and to
    /// deregister the device at the platform.
    pub fn queue_command(
        &self,
        device_code: &Uuid,
        action: Action,
        now: SystemTime,
    ) -> Result<(Command, Vec<ServerTask>), QueueError> {
        if matches!(action, Action::InstallCert { .. }) {
            return Err(QueueError::NotQueueable);
        }
        let mut device = self
            .registry
            .device_by_code(device_code)?
            .ok_or(QueueError::UnknownDevice)?;
        if device.state == DeviceState::Deregistered {
            return Err(QueueError::Deregistered);
        }
        if matches!(action, Action::RotateKey) && rotation_in_progress(&device) {
            return Err(QueueError::RotationInProgress);
        }
        let deregister = matches!(action, Action::Deregister);
        let command = self.push_command(&mut device, action, now).map_err(|r| match r {
            Refusal::Client("command queue full") => QueueError::QueueFull,
            _ => QueueError::Environment,
        })?;
        let mut tasks = Vec::new();
        if deregister {
            for cert in core::iter::once(&device.certificate).chain(device.next_certificate.as_ref()) {
                self.registry.revoke(
                    &device.provider_id,
                    &Revocation {
                        id: cert.id,
                        serial: cert.serial.clone(),
                        revoked_at: now,
                    },
                )?;
            }
            device.state = DeviceState::Deregistered;
            tasks.push(ServerTask::PublishCrl {
                provider_id: device.provider_id.clone(),
            });
            tasks.push(ServerTask::DeregisterAtPlatform {
                device_code: device.device_code,
            });
            tracing::info!(device = %device.device_code, "device deregistered");
        }
        self.registry.save_device(&device)?;
        Ok((command, tasks))
    }

    /// Records the platform's verified answer to a [`ServerTask::RegisterAtPlatform`] (true:
    /// a verified `Registered`) or [`ServerTask::DeregisterAtPlatform`] (false: a verified
    /// `Success`). Anything but a verified answer is never recorded: the runtime retries the
    /// task and raises an alert (WIRE.md §5b).
    pub fn record_platform_registration(&self, device_code: &Uuid, registered: bool) -> Result<(), QueueError> {
        let mut device = self
            .registry
            .device_by_code(device_code)?
            .ok_or(QueueError::UnknownDevice)?;
        device.registered_at_platform = registered;
        self.registry.save_device(&device)?;
        Ok(())
    }

    /// The CRL of `provider_id`'s device CA: every revocation recorded, valid from `now` to
    /// `next_update`, numbered `crl_number` (the caller keeps the counter).
    pub fn crl(
        &self,
        provider_id: &Label,
        now: SystemTime,
        next_update: SystemTime,
        crl_number: u64,
    ) -> Result<Crl, kavach_pki::Error> {
        let provider = self
            .provider_index(provider_id)
            .ok_or(kavach_pki::Error::InvalidIssuanceInput {
                what: "provider",
                reason: "not served by this server",
            })?;
        let ca = self.config.providers[provider].device_ca.as_ref();
        let revocations =
            self.registry
                .revocations(provider_id)
                .map_err(|_| kavach_pki::Error::InvalidIssuanceInput {
                    what: "registry",
                    reason: "unavailable",
                })?;
        let entries = revocations
            .iter()
            .map(|r| RevokedEntry::from_serial(&r.serial, r.revoked_at))
            .collect::<Result<Vec<_>, _>>()?;
        let issuer = PkiIssuer::new(ca.certificate(), ca.signer())?;
        kavach_pki::issue::issue_crl(&issuer, &entries, now, next_update, crl_number)
    }
}

/// Every command without a result yet, marking its first delivery (rule 20). A command past
/// its `expiresAt` is still sent until the device answers it: the device reports it `expired`
/// and moves its cursor past it (rule 19), which it could not do for a command it never saw.
fn open_commands(device: &mut DeviceRecord, now: SystemTime) -> Vec<Command> {
    let mut open = Vec::new();
    for q in &mut device.commands {
        if q.outcome.is_some() {
            continue;
        }
        if q.delivered_at.is_none() {
            q.delivered_at = Some(now);
        }
        if open.len() < MAX_COMMANDS {
            open.push(q.command.clone());
        }
    }
    open
}

/// What a device receives for `certificate`: it, the device CA and the CA's chain (DER, at most
/// [`crate::command::MAX_CHAIN_LEN`]).
fn delivered_chain(certificate: &IssuedCertificate, ca: &dyn Issuer) -> Vec<Vec<u8>> {
    let mut chain = vec![certificate.der.clone(), ca.certificate().der().to_vec()];
    chain.extend(ca.chain().iter().map(|c| c.der().to_vec()));
    chain.truncate(crate::command::MAX_CHAIN_LEN);
    chain
}

fn issued(certificate: &Certificate) -> IssuedCertificate {
    IssuedCertificate {
        id: *certificate.sha256_thumbprint().as_bytes(),
        der: certificate.der().to_vec(),
        serial: certificate
            .inner()
            .tbs_certificate()
            .serial_number()
            .as_bytes()
            .to_vec(),
        not_after: certificate.not_after(),
    }
}

fn registry_refusal(error: RegistryError) -> Refusal {
    tracing::error!(error = %error, "device registry unavailable");
    Refusal::Client("device registry unavailable")
}

/// Whether a key rotation is under way: a certificate issued but not yet installed, or a
/// `rotate-key` or `install-cert` not yet answered (one rotation at a time, rule 21).
fn rotation_in_progress(device: &DeviceRecord) -> bool {
    device.next_certificate.is_some()
        || device
            .commands
            .iter()
            .any(|q| q.outcome.is_none() && matches!(q.command.action, Action::RotateKey | Action::InstallCert { .. }))
}

//! The Management Client, sans-IO (WIRE.md §6): [`ManagementClient::next_request`] says what to
//! send (path and bytes), [`ManagementClient::handle_response`] takes what came back. One request
//! is in flight at a time (rule 2). The client never reads the wall clock: trusted time is an
//! interval kept on the device's boot clock from signed `time` answers only (rules 14–17).
//!
//! A server message counts only when (rules 1, 2, 4, 5, 7, 24):
//! - it is a `kavach-mgmt+jws` JWS for the path and direction of the outstanding request;
//! - its signer certificate is issued **directly** by the pinned management-server CA, names
//!   the pinned server name as a dNSName, has no codeSigning or clientAuth EKU, is not in the
//!   release-root's `revokedMgmtKeys`, and is valid at the lower bound of trusted time and at
//!   its upper bound when known (for `time` answers: at lo and at the answered time);
//! - its `ts` is inside the window around trusted time (except `time` answers, whose `ts` must
//!   equal `time`);
//! - `to` is the certificate the client signed its request with, `re` the request's nonce,
//!   `digitalId` the client's own, and `seq` above every `seq` accepted before.
//!
//! Anything else is a transport failure ([`ClientError::Transport`]): the client changes no
//! state and the caller retries with back-off (rule 28). A signed `error` changes nothing
//! either, except that `KVC-REPLAY-001` moves the next `seq` above the server's mark (rule 5).

mod device;
mod state;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kavach_jws::JwsVerifier;
use kavach_keys::Signer;
use kavach_pki::issue::create_csr_with_challenge_password;
use kavach_pki::{Certificate, Purpose, TrustDomain, ValidationOptions, Validator};

pub use self::device::{
    DeviceEvent, DeviceWatcher, InstallError, KeyStore, KeyStoreError, MemoryInstaller, MemoryWatcher, PlatformTrust,
    SoftwareKeyStore, TrustedClock, UpdateInstaller,
};
pub use self::state::{ClientState, KeyRef, MemoryClientState, SavedState, StateError};
use crate::attestation::spki_sha256;
use crate::command::{Action, Command, CommandResult, GeneralJws, ResultData};
use crate::command_order::{CommandCursor, CommandStep};
use crate::device_info::DeviceInfo;
use crate::error::WireCode;
use crate::grammar::{
    ChallengeValue, CompactJwsText, DnsName, ErrorCode, Health, Label, Nonce, Outcome, SemVer, Sha256Digest, Uuid,
};
use crate::message::{Body, ChallengeBody, Direction, EnrollBody, Message, Path, StatusBody};
use crate::refusal::Refusal;
use crate::release::verified_signers;
use crate::signed::{Unverified, read_signed, recipient_id, sign_message, timestamp};
use crate::trusted_time::{BootInstant, TimeAnswer, TimeInterval, TimePolicy, TimeRequest, TimeUpdate, TrustedTime};
use crate::upgrade::{DeviceTarget, Profile, ReleaseRoot, ReleaseTrust, UpgradeError};

/// How a client is provisioned (in firmware or at the factory; nothing here comes from the
/// management server).
#[derive(Clone)]
pub struct ClientConfig {
    server_name: DnsName,
    mgmt_ca: Certificate,
    device_ca: Certificate,
    server_certificate: Sha256Digest,
    serial_no: Label,
    digital_id: CompactJwsText,
    device_info: DeviceInfo,
    target: DeviceTarget,
    firmware: SemVer,
    release_root: GeneralJws,
    profile: Profile,
    firmware_build_time_ms: u64,
    time_policy: TimePolicy,
    window: Duration,
    max_image_size: u64,
}

impl core::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("server_name", &self.server_name)
            .field("serial_no", &self.serial_no)
            .field("firmware", &self.firmware)
            .finish_non_exhaustive()
    }
}

/// What a device is provisioned with, to build a [`ClientConfig`].
#[derive(Clone, Debug)]
pub struct Provisioning {
    /// The management server's DNS name (rule 7).
    pub server_name: DnsName,
    /// The CA that issues management-server certificates, pinned (rule 7).
    pub mgmt_ca: Certificate,
    /// The provider's device CA, pinned (rule 13).
    pub device_ca: Certificate,
    /// SHA-256 of the management server's signing certificate: the `to` of the first request.
    pub server_certificate: Sha256Digest,
    /// The device's digital ID, FTM-signed.
    pub digital_id: CompactJwsText,
    /// `serialNo` of the digital ID.
    pub serial_no: Label,
    /// The device's `deviceInfo`.
    pub device_info: DeviceInfo,
    /// Product and hardware, for manifests (rule 25).
    pub target: DeviceTarget,
    /// The running firmware's version.
    pub firmware: SemVer,
    /// Release-root version 1, from the firmware (rule 23).
    pub release_root: GeneralJws,
    /// The firmware's build time (Unix milliseconds): a floor for trusted time (rule 17).
    pub firmware_build_time_ms: u64,
}

impl ClientConfig {
    /// A configuration from `provisioning`, in the [`Profile::Production`] profile with
    /// [`TimePolicy::default`], a ±5 minute window and images up to 64 MiB.
    pub fn new(provisioning: Provisioning) -> Self {
        Self {
            server_name: provisioning.server_name,
            mgmt_ca: provisioning.mgmt_ca,
            device_ca: provisioning.device_ca,
            server_certificate: provisioning.server_certificate,
            serial_no: provisioning.serial_no,
            digital_id: provisioning.digital_id,
            device_info: provisioning.device_info,
            target: provisioning.target,
            firmware: provisioning.firmware,
            release_root: provisioning.release_root,
            profile: Profile::Production,
            firmware_build_time_ms: provisioning.firmware_build_time_ms,
            time_policy: TimePolicy::default(),
            window: Duration::from_secs(300),
            max_image_size: 64 * 1024 * 1024,
        }
    }

    /// The release profile (`dev` allows a threshold below 2 and pre-releases, and is reported).
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// The trusted-time policy.
    pub fn with_time_policy(mut self, policy: TimePolicy) -> Self {
        self.time_policy = policy;
        self
    }

    /// The largest image the client reads.
    pub fn with_max_image_size(mut self, max: u64) -> Self {
        self.max_image_size = max;
        self
    }
}

/// Why the client could not go on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The answer does not count (rule 28): nothing changed; retry with back-off.
    #[error("transport failure (KVC-NET-001): {0}")]
    Transport(Refusal),
    /// No request is outstanding (an answer nobody asked for is dropped).
    #[error("no request is outstanding")]
    NothingOutstanding,
    /// The state store failed: the client stops.
    #[error(transparent)]
    State(#[from] StateError),
    /// The key store failed.
    #[error(transparent)]
    Keys(#[from] KeyStoreError),
    /// The provisioning is unusable (the release-root does not verify, ...).
    #[error("provisioning: {0}")]
    Provisioning(&'static str),
    /// Signing a request failed.
    #[error("signing failed: {0}")]
    Sign(&'static str),
}

/// One request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingRequest {
    /// Where.
    pub path: Path,
    /// The JWS text.
    pub body: Vec<u8>,
}

/// What an accepted answer did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// A challenge arrived; `enroll` is next.
    Challenged,
    /// Enrolled with this `deviceCode`.
    Enrolled {
        /// The device code.
        device_code: Uuid,
    },
    /// A `time` answer was accepted.
    TimeSet {
        /// True when the step is provisional (rule 17).
        provisional: bool,
    },
    /// A `commands` answer: the command run (its `type`) if any.
    Commands {
        /// The command executed now, or `None` when nothing was due.
        ran: Option<&'static str>,
        /// Its outcome.
        outcome: Option<Outcome>,
    },
    /// The server acknowledged a result.
    Acknowledged {
        /// The command.
        command_id: Uuid,
    },
    /// The server acknowledged the deregistration report: the client is done.
    Deregistered,
    /// A signed error from the server (nothing changed).
    ServerError {
        /// Its code.
        code: ErrorCode,
    },
}

#[derive(Clone, Debug)]
struct Outstanding {
    path: Path,
    nonce: Nonce,
    signed_with: Sha256Digest,
    time: Option<TimeRequest>,
}

/// The Management Client of one device.
pub struct ManagementClient<S: ClientState, K: KeyStore, C: TrustedClock, U: UpdateInstaller> {
    config: ClientConfig,
    store: S,
    keys: K,
    clock: C,
    installer: U,
    platform: Option<Box<dyn PlatformTrust>>,
    saved: SavedState,
    trusted: TrustedTime,
    release: ReleaseTrust,
    validator: Arc<Validator>,
    mgmt_domain: TrustDomain,
    device_domain: TrustDomain,
    verifier: JwsVerifier,
    outstanding: Option<Outstanding>,
    connection: u64,
    attached: bool,
    challenge: Option<ChallengeBody>,
    pending_result: Option<(Action, CommandResult)>,
    time_sync_requested: bool,
    last_time_sync: Option<BootInstant>,
    degraded: bool,
}

impl<S: ClientState, K: KeyStore, C: TrustedClock, U: UpdateInstaller> core::fmt::Debug
    for ManagementClient<S, K, C, U>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ManagementClient")
            .field("config", &self.config)
            .field("enrolled", &self.saved.key.is_some())
            .finish_non_exhaustive()
    }
}

fn random<const N: usize>() -> Result<[u8; N], ClientError> {
    crate::entropy::random_bytes().ok_or(ClientError::Sign("randomness unavailable"))
}

fn millis_to_time(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// The earliest time a certificate is checked at: lo (notBefore must surely have begun, rule
/// 16) — except while hi is unknown (before the first `time` answer after boot), when no time
/// can be shown to be after notBefore: then the certificate is checked at the later of lo and
/// its notBefore, i.e. "valid at some time the true time may be". Upper bounds are checked at
/// hi whenever hi is known.
fn validation_start(interval: &TimeInterval, certificate: &Certificate) -> u64 {
    let not_before = u64::try_from(
        certificate
            .not_before()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(u64::MAX);
    match interval.hi {
        Some(_) => interval.lo,
        None => interval.lo.max(not_before),
    }
}

/// The interval a message signed with `signer` is dated in: `interval`, except that while hi
/// is unknown its lo is raised to the signer certificate's notBefore ([`validation_start`]), so
/// that the receiver can check the chain at the message's `ts`.
fn sending_interval(interval: &TimeInterval, signer: Option<&Certificate>) -> TimeInterval {
    let mut interval = *interval;
    if interval.hi.is_none()
        && let Some(certificate) = signer
    {
        interval.lo = validation_start(&interval, certificate);
    }
    interval
}

fn transport(refusal: Refusal) -> ClientError {
    tracing::debug!(reason = refusal.detail(), "server answer refused");
    ClientError::Transport(refusal)
}

fn upgrade_code(error: &UpgradeError) -> ErrorCode {
    match error.wire_code() {
        Some(code) => code.into(),
        None => ErrorCode::parse("code", "KVC-UPG-001").unwrap_or_else(|_| WireCode::WrongTarget.into()),
    }
}

impl<S: ClientState, K: KeyStore, C: TrustedClock, U: UpdateInstaller> ManagementClient<S, K, C, U> {
    /// A client over its provisioning, state store, keys, boot clock and installer, with
    /// `validator` for chains. Loads the saved state (an empty device starts enrolling).
    pub fn new(
        config: ClientConfig,
        store: S,
        keys: K,
        clock: C,
        installer: U,
        validator: Arc<Validator>,
    ) -> Result<Self, ClientError> {
        let saved = store.load()?.unwrap_or_default();
        let (root_payload, root_keys) =
            verified_signers(&config.release_root).ok_or(ClientError::Provisioning("release-root unreadable"))?;
        let root =
            ReleaseRoot::from_json(&root_payload).map_err(|_| ClientError::Provisioning("release-root malformed"))?;
        root.require(&root_keys)
            .map_err(|_| ClientError::Provisioning("release-root not signed by its threshold"))?;
        let mut release =
            ReleaseTrust::new(root, config.profile).map_err(|_| ClientError::Provisioning("release-root threshold"))?;
        if let Some(newer) = &saved.release_root {
            let root = ReleaseRoot::from_json(newer).map_err(|_| ClientError::Provisioning("saved release-root"))?;
            if root.version > release.root().version {
                release = ReleaseTrust::new(root, config.profile)
                    .map_err(|_| ClientError::Provisioning("saved release-root threshold"))?;
            }
        }
        let floor = saved
            .time_floor_ms
            .max(config.firmware_build_time_ms)
            .max(release.root().time_floor.unix_millis());
        let trusted = TrustedTime::at_boot(config.time_policy, floor);
        let mgmt_domain = TrustDomain::new("mgmt-ca", vec![config.mgmt_ca.clone()])
            .map_err(|_| ClientError::Provisioning("management-server CA"))?;
        let device_domain = TrustDomain::new("device-ca", vec![config.device_ca.clone()])
            .map_err(|_| ClientError::Provisioning("device CA"))?;
        let verifier = JwsVerifier::new(validator.clone(), mgmt_domain.clone()).with_purpose(Purpose::Signing);
        Ok(Self {
            config,
            store,
            keys,
            clock,
            installer,
            platform: None,
            saved,
            trusted,
            release,
            validator,
            mgmt_domain,
            device_domain,
            verifier,
            outstanding: None,
            connection: 0,
            attached: true,
            challenge: None,
            pending_result: None,
            time_sync_requested: false,
            last_time_sync: None,
            degraded: false,
        })
    }

    /// Verifies relayed platform certificates through `trust` (rule 26); without one the
    /// client refuses every relayed certificate.
    pub fn with_platform_trust(mut self, trust: Box<dyn PlatformTrust>) -> Self {
        self.platform = Some(trust);
        self
    }

    /// The persisted state as it is now.
    pub fn state(&self) -> &SavedState {
        &self.saved
    }

    /// The key store.
    pub fn keys(&self) -> &K {
        &self.keys
    }

    /// The installer.
    pub fn installer(&self) -> &U {
        &self.installer
    }

    /// Trusted time now.
    pub fn trusted_time(&self) -> TimeInterval {
        self.trusted.interval(self.clock.now())
    }

    /// The current release-root.
    pub fn release_root(&self) -> &ReleaseRoot {
        self.release.root()
    }

    /// The running firmware version.
    pub fn firmware(&self) -> &SemVer {
        &self.config.firmware
    }

    /// The transport opened a new TLS connection (a provisional time step is confirmed only
    /// over another connection, rule 17).
    pub fn new_connection(&mut self) {
        self.connection += 1;
    }

    /// Takes plug-and-play events: a detached device sends nothing; an attached device that is
    /// not enrolled starts enrolling (auto-registration).
    pub fn observe(&mut self, watcher: &mut dyn DeviceWatcher) {
        for event in watcher.poll().into_iter().take(64) {
            self.attached = event == DeviceEvent::Attached;
        }
    }

    /// The key generated for an enrollment or a rotation, made and persisted on first use so
    /// that a resent request carries the same key.
    fn pending_key(&mut self) -> Result<KeyRef, ClientError> {
        if let Some(key) = self.saved.pending_key.clone() {
            return Ok(key);
        }
        let key = self.keys.generate()?;
        self.saved.pending_key = Some(key.clone());
        self.save()?;
        Ok(key)
    }

    fn save(&mut self) -> Result<(), ClientError> {
        self.store.save(&self.saved)?;
        Ok(())
    }

    fn interval(&self) -> TimeInterval {
        self.trusted.interval(self.clock.now())
    }

    fn current_signer(&self) -> Option<&dyn Signer> {
        self.saved.key.as_ref().and_then(|k| self.keys.signer(k))
    }

    /// The next request to send, or `None` when there is nothing to do (not attached, or
    /// deregistered with the report acknowledged). Any earlier outstanding request is
    /// abandoned: its answer, if one still comes, no longer counts.
    pub fn next_request(&mut self) -> Result<Option<OutgoingRequest>, ClientError> {
        if !self.attached {
            return Ok(None);
        }
        if self.saved.deregistered {
            let Some(report) = self.saved.deregistration_report.clone() else {
                return Ok(None);
            };
            let u = read_signed(&report, Path::Result, Direction::Request).map_err(transport)?;
            let signed_with = u
                .claimed_signer_sha256()
                .map(Sha256Digest::from_bytes)
                .ok_or(ClientError::Sign("report without x5c"))?;
            self.outstanding = Some(Outstanding {
                path: Path::Result,
                nonce: u.message().nonce,
                signed_with,
                time: None,
            });
            return Ok(Some(OutgoingRequest {
                path: Path::Result,
                body: report,
            }));
        }
        let now = self.clock.now();
        let interval = self.trusted.interval(now);
        if self.saved.key.is_none() || self.saved.certificate_chain.is_empty() {
            return self.enrollment_request(&interval).map(Some);
        }
        let provisional_due = interval.provisional
            && self
                .last_time_sync
                .is_none_or(|at| now.0.saturating_sub(at.0) >= self.config.time_policy.confirm_after());
        if interval.hi.is_none() || self.time_sync_requested || provisional_due {
            let nonce = Nonce::from_bytes(random()?);
            let request = TimeRequest {
                nonce,
                sent_at: now,
                connection: self.connection,
            };
            return self
                .device_request(Path::Time, Body::TimeRequest { nonce }, Some(request))
                .map(Some);
        }
        if let Some((_, result)) = &self.pending_result {
            let body = Body::Result(result.clone());
            return self.device_request(Path::Result, body, None).map(Some);
        }
        let cert_expiry = self
            .saved
            .certificate_chain
            .first()
            .and_then(|der| Certificate::from_der(der).ok())
            .map(|c| c.not_after())
            .ok_or(ClientError::Provisioning("device certificate unreadable"))?;
        let body = Body::Status(StatusBody {
            firmware: self.config.firmware.clone(),
            cert_expiry: timestamp(cert_expiry).map_err(transport)?,
            health: if self.degraded { Health::Degraded } else { Health::Ok },
        });
        self.device_request(Path::Status, body, None).map(Some)
    }

    fn next_message(&mut self, to: Sha256Digest, body: Body, interval: &TimeInterval) -> Result<Message, ClientError> {
        let seq = self.saved.next_seq.max(1);
        self.saved.next_seq = seq + 1;
        self.save()?;
        // `ts`: the middle of the trusted interval, or its floor when hi is unknown.
        let ms = interval
            .hi
            .map_or(interval.lo, |hi| interval.lo + (hi - interval.lo) / 2);
        Ok(Message {
            to,
            re: None,
            digital_id: self.config.digital_id.clone(),
            ts: timestamp(millis_to_time(ms)).map_err(transport)?,
            nonce: Nonce::from_bytes(random()?),
            seq,
            body,
        })
    }

    fn server_to(&self) -> Sha256Digest {
        self.saved.server_certificate.unwrap_or(self.config.server_certificate)
    }

    fn enrollment_request(&mut self, interval: &TimeInterval) -> Result<OutgoingRequest, ClientError> {
        let to = self.server_to();
        let usable = self
            .challenge
            .as_ref()
            .filter(|c| !interval.may_have_passed(c.expires.unix_millis()) || interval.hi.is_none());
        let (path, body) = match usable.cloned() {
            None => (Path::Challenge, Body::ChallengeRequest),
            Some(challenge) => {
                let key = self.pending_key()?;
                let csr = {
                    let signer = self
                        .keys
                        .signer(&key)
                        .ok_or(ClientError::Sign("enrollment key missing"))?;
                    let subject = crate::naming::device_subject(&self.config.serial_no)
                        .map_err(|_| ClientError::Sign("serial number not a name"))?;
                    create_csr_with_challenge_password(signer, &subject, &challenge.challenge.to_base64url())
                        .map_err(|_| ClientError::Sign("CSR"))?
                };
                let attestation = self
                    .keys
                    .attestation(&key)
                    .and_then(|a| CompactJwsText::parse("attestation", &a, crate::limits::MAX_EMBEDDED_JWS_LEN).ok());
                (
                    Path::Enroll,
                    Body::Enroll(Box::new(EnrollBody {
                        challenge: challenge.challenge,
                        server_id: challenge.server_id.clone(),
                        device_info: self.config.device_info.clone(),
                        csr: csr.der().to_vec(),
                        attestation,
                    })),
                )
            }
        };
        // Before the first `time` answer the clock is only a floor: enrollment messages carry
        // at least the FTM certificate's notBefore, a time at which the server can check the
        // chain (the server judges their freshness by the challenge, not by `ts`).
        let chain = self.keys.ftm_chain().to_vec();
        let message = self.next_message(to, body, &sending_interval(interval, chain.first()))?;
        let signed_with = recipient_id(chain.first().ok_or(ClientError::Provisioning("no FTM certificate"))?);
        let text = sign_message(self.keys.ftm(), &chain, &message).map_err(|_| ClientError::Sign("FTM signer"))?;
        self.outstanding = Some(Outstanding {
            path,
            nonce: message.nonce,
            signed_with,
            time: None,
        });
        Ok(OutgoingRequest {
            path,
            body: text.into_bytes(),
        })
    }

    fn device_chain(&self) -> Result<Vec<Certificate>, ClientError> {
        self.saved
            .certificate_chain
            .iter()
            .take(1)
            .map(|der| {
                Certificate::from_der(der).map_err(|_| ClientError::Provisioning("device certificate unreadable"))
            })
            .collect()
    }

    fn device_request(
        &mut self,
        path: Path,
        body: Body,
        time: Option<TimeRequest>,
    ) -> Result<OutgoingRequest, ClientError> {
        let interval = self.interval();
        let chain = self.device_chain()?;
        // As for enrollment: before the first `time` answer, `ts` is at least notBefore.
        let interval = sending_interval(&interval, chain.first());
        let message = self.next_message(self.server_to(), body, &interval)?;
        let signed_with = recipient_id(
            chain
                .first()
                .ok_or(ClientError::Provisioning("no device certificate"))?,
        );
        let signer = self.current_signer().ok_or(ClientError::Sign("device key missing"))?;
        let text = sign_message(signer, &chain, &message).map_err(|_| ClientError::Sign("device signer"))?;
        self.outstanding = Some(Outstanding {
            path,
            nonce: message.nonce,
            signed_with,
            time,
        });
        Ok(OutgoingRequest {
            path,
            body: text.into_bytes(),
        })
    }

    /// Takes the answer to the outstanding request. An answer that does not count is
    /// [`ClientError::Transport`] and changes nothing (rule 28).
    pub fn handle_response(&mut self, body: &[u8]) -> Result<ClientEvent, ClientError> {
        let outstanding = self.outstanding.clone().ok_or(ClientError::NothingOutstanding)?;
        let received_at = self.clock.now();
        let interval = self.trusted.interval(received_at);
        let unverified = read_signed(body, outstanding.path, Direction::Response).map_err(transport)?;
        let is_time = matches!(unverified.message().body, Body::Time(_));
        let signer = self.verify_server(&unverified, &interval, is_time).map_err(transport)?;
        let message = unverified.message();
        if message.re != Some(outstanding.nonce) {
            return Err(transport(Refusal::NotOurRequest));
        }
        if message.to != outstanding.signed_with {
            return Err(transport(Refusal::Misdirected));
        }
        if message.digital_id != self.config.digital_id {
            return Err(transport(Refusal::BadSignature {
                detail: "digitalId is not this device's",
            }));
        }
        if let Body::Error(error) = &message.body {
            // Rule 28: an error changes nothing but the next `seq` (rule 5).
            self.outstanding = None;
            // Rule 10: a challenge is single use, and the server took it whatever its answer
            // to `enroll` was: ask for a new one rather than resend a dead one forever. (In
            // memory only; nothing persisted changes.)
            if outstanding.path == Path::Enroll {
                self.challenge = None;
            }
            if let Some(highest) = error.highest_seq
                && highest >= self.saved.next_seq
            {
                self.saved.next_seq = highest + 1;
                self.save()?;
            }
            tracing::debug!(code = error.code.as_str(), "server answered with an error");
            return Ok(ClientEvent::ServerError {
                code: error.code.clone(),
            });
        }
        if message.seq <= self.saved.server_seq_mark {
            return Err(transport(Refusal::Replay {
                highest_seq: self.saved.server_seq_mark,
            }));
        }
        let event = match (&message.body, outstanding.path) {
            (Body::Challenge(challenge), Path::Challenge) => {
                self.challenge = Some(challenge.clone());
                ClientEvent::Challenged
            }
            (Body::Enrolled(enrolled), Path::Enroll) => self.accept_enrolled(enrolled, &interval)?,
            (Body::Time(answer), Path::Time) => {
                let request = outstanding.time.ok_or(transport(Refusal::NotOurRequest))?;
                if message.ts != answer.time {
                    return Err(transport(Refusal::Client("time answer ts differs from its time")));
                }
                let update = self
                    .trusted
                    .accept(
                        &request,
                        &TimeAnswer {
                            nonce: answer.nonce,
                            time: answer.time.unix_millis(),
                            radius_ms: answer.radius_ms,
                            received_at,
                        },
                    )
                    .map_err(|_| transport(Refusal::Client("time answer refused (rules 14-17)")))?;
                self.time_sync_requested = false;
                self.last_time_sync = Some(received_at);
                match update {
                    TimeUpdate::Trusted { floor } => {
                        self.saved.time_floor_ms = self.saved.time_floor_ms.max(floor);
                        ClientEvent::TimeSet { provisional: false }
                    }
                    _ => ClientEvent::TimeSet { provisional: true },
                }
            }
            (Body::Commands(commands), Path::Status) => {
                self.degraded = match &commands.latest {
                    Some(latest) => !verified_signers(latest).is_some_and(|(payload, keys)| {
                        self.release
                            .latest_is_current(&payload, &keys, &interval)
                            .unwrap_or(false)
                    }),
                    None => false,
                };
                self.run_commands(&commands.commands, &interval)?
            }
            (Body::Ack { command_id }, Path::Result) => self.accept_ack(command_id)?,
            _ => return Err(transport(Refusal::Client("answer type does not fit the request"))),
        };
        self.saved.server_seq_mark = message.seq;
        self.saved.server_certificate = Some(recipient_id(&signer));
        if !self.saved.deregistered || matches!(event, ClientEvent::Deregistered) {
            self.outstanding = None;
        }
        if matches!(event, ClientEvent::Deregistered) {
            self.saved.server_seq_mark = 0;
            self.saved.server_certificate = None;
        }
        self.save()?;
        Ok(event)
    }

    /// Rules 7, 15, 16, 24: the signer is the right server, valid at trusted time.
    fn verify_server(
        &self,
        unverified: &Unverified,
        interval: &TimeInterval,
        is_time: bool,
    ) -> Result<Certificate, Refusal> {
        let ts = unverified.message().ts.unix_millis();
        let window = u64::try_from(self.config.window.as_millis()).unwrap_or(u64::MAX);
        if !is_time
            && (ts.saturating_add(window) < interval.lo || interval.hi.is_some_and(|hi| ts > hi.saturating_add(window)))
        {
            return Err(Refusal::Replay { highest_seq: 0 });
        }
        let verified = self
            .verifier
            .verify_attached_at(unverified.jws(), millis_to_time(ts))
            .map_err(|e| Refusal::BadSignature { detail: e.code() })?;
        let path = verified.path();
        let signer = verified.signer().clone();
        let not_the_server = |detail| Err(Refusal::BadSignature { detail });
        if path.chain().len() != 2
            || spki_sha256(
                path.trust_anchor()
                    .public_key()
                    .map_err(|_| Refusal::BadSignature { detail: "anchor key" })?,
            ) != spki_sha256(
                self.config
                    .mgmt_ca
                    .public_key()
                    .map_err(|_| Refusal::BadSignature { detail: "pin" })?,
            )
        {
            return not_the_server("signer not issued directly by the pinned management-server CA");
        }
        let named = signer.subject_alt_names().is_some_and(|sans| {
            sans.iter().any(|n| {
                matches!(n, kavach_pki::GeneralName::DnsName(d) if d.as_str().eq_ignore_ascii_case(self.config.server_name.as_str()))
            })
        });
        if !named {
            return not_the_server("signer does not carry the pinned server name");
        }
        let forbidden = [
            const_oid::db::rfc5280::ID_KP_CODE_SIGNING,
            const_oid::db::rfc5280::ID_KP_CLIENT_AUTH,
        ];
        if signer
            .extended_key_usage()
            .is_some_and(|ekus| ekus.iter().any(|e| forbidden.contains(e)))
        {
            return not_the_server("signer has a codeSigning or clientAuth EKU");
        }
        let key = signer
            .public_key()
            .map_err(|_| Refusal::BadSignature { detail: "signer key" })?;
        if self.release.root().revoked_mgmt_keys.contains(&spki_sha256(key)) {
            return not_the_server("signer key revoked by the release-root");
        }
        let mut times = vec![validation_start(interval, &signer)];
        if let Some(hi) = interval.hi
            && !is_time
        {
            times.push(hi);
        }
        for t in times {
            let options = ValidationOptions::new(Purpose::Signing, millis_to_time(t));
            self.validator
                .verify(&self.mgmt_domain, &signer, &[], &options)
                .map_err(|_| Refusal::BadSignature {
                    detail: "signer not valid at trusted time",
                })?;
        }
        Ok(signer)
    }

    /// Rule 13 and 26.
    fn accept_enrolled(
        &mut self,
        enrolled: &crate::message::EnrolledBody,
        interval: &TimeInterval,
    ) -> Result<ClientEvent, ClientError> {
        let key = self
            .saved
            .pending_key
            .clone()
            .ok_or(transport(Refusal::Client("enrolled without an enrollment")))?;
        let public = self
            .keys
            .signer(&key)
            .map(|s| s.public_key().clone())
            .ok_or(ClientError::Sign("enrollment key missing"))?;
        let leaf = enrolled
            .device_cert
            .first()
            .and_then(|der| Certificate::from_der(der).ok())
            .ok_or(transport(Refusal::Client("deviceCert unreadable")))?;
        self.check_device_certificate(&leaf, &public, interval)?;
        self.saved.key = Some(key);
        self.saved.pending_key = None;
        self.saved.certificate_chain = enrolled.device_cert.clone();
        self.saved.device_code = Some(enrolled.device_code);
        self.challenge = None;
        if let Some(platform) = &enrolled.platform {
            self.accept_platform(platform, interval);
        }
        tracing::info!(device = %enrolled.device_code, "enrolled");
        Ok(ClientEvent::Enrolled {
            device_code: enrolled.device_code,
        })
    }

    fn check_device_certificate(
        &self,
        leaf: &Certificate,
        key: &kavach_keys::PublicKey,
        interval: &TimeInterval,
    ) -> Result<(), ClientError> {
        if leaf.public_key().ok() != Some(key) {
            return Err(transport(Refusal::Client("deviceCert is not for this device's key")));
        }
        if !crate::naming::names_serial(leaf, &self.config.serial_no) {
            return Err(transport(Refusal::Client(
                "deviceCert does not name this device's serialNo",
            )));
        }
        let mut times = vec![validation_start(interval, leaf)];
        times.extend(interval.hi);
        for t in times {
            let options = ValidationOptions::new(Purpose::Device, millis_to_time(t));
            self.validator
                .verify(&self.device_domain, leaf, &[], &options)
                .map_err(|_| {
                    transport(Refusal::Client(
                        "deviceCert not valid for device under the pinned device CA",
                    ))
                })?;
        }
        Ok(())
    }

    /// Rule 26: keep a relayed platform certificate only when the device's own anchors accept
    /// it and it is newer than the one held.
    fn accept_platform(&mut self, platform: &crate::command::PlatformCertificate, interval: &TimeInterval) -> bool {
        let Some(trust) = &self.platform else {
            return false;
        };
        match trust.verify(platform, interval.lo, interval.hi) {
            Some(not_before)
                if self
                    .saved
                    .platform_certificate
                    .as_ref()
                    .is_none_or(|(_, nb)| not_before > *nb) =>
            {
                self.saved.platform_certificate = Some((platform.clone(), not_before));
                true
            }
            _ => false,
        }
    }

    fn run_commands(&mut self, commands: &[Command], interval: &TimeInterval) -> Result<ClientEvent, ClientError> {
        let mut cursor = match &self.saved.last_command {
            Some((seq, id, result)) => CommandCursor::restored(*seq, *id, result.clone()),
            None => CommandCursor::new(),
        };
        let step = cursor
            .next(commands, interval)
            .map_err(|_| transport(Refusal::Client("ambiguous commands answer (rule 19)")))?;
        match step {
            CommandStep::Wait => Ok(ClientEvent::Commands {
                ran: None,
                outcome: None,
            }),
            CommandStep::AnswerAgain(result) => {
                let action = commands
                    .iter()
                    .find(|c| c.id == result.command_id)
                    .map(|c| c.action.clone())
                    .unwrap_or(Action::SyncTime);
                self.pending_result = Some((action, result));
                Ok(ClientEvent::Commands {
                    ran: None,
                    outcome: None,
                })
            }
            CommandStep::Expired(command) => {
                let result = CommandResult {
                    command_id: command.id,
                    cmd_seq: command.cmd_seq,
                    outcome: Outcome::Expired,
                    data: ResultData::default(),
                };
                self.record(&mut cursor, &command, result)?;
                Ok(ClientEvent::Commands {
                    ran: Some(command.action.name()),
                    outcome: Some(Outcome::Expired),
                })
            }
            CommandStep::Run(command) => {
                let (outcome, data) = self.execute(&command, interval)?;
                let result = CommandResult {
                    command_id: command.id,
                    cmd_seq: command.cmd_seq,
                    outcome,
                    data,
                };
                if matches!(command.action, Action::Deregister) {
                    self.deregister(&command, result.clone(), &mut cursor)?;
                } else {
                    self.record(&mut cursor, &command, result)?;
                }
                Ok(ClientEvent::Commands {
                    ran: Some(command.action.name()),
                    outcome: Some(outcome),
                })
            }
        }
    }

    fn record(
        &mut self,
        cursor: &mut CommandCursor,
        command: &Command,
        result: CommandResult,
    ) -> Result<(), ClientError> {
        cursor.record(command, result.clone());
        self.saved.last_command = Some((command.cmd_seq, command.id, result.clone()));
        self.pending_result = Some((command.action.clone(), result));
        self.save()
    }

    fn execute(&mut self, command: &Command, interval: &TimeInterval) -> Result<(Outcome, ResultData), ClientError> {
        let failed = |code: ErrorCode| {
            (
                Outcome::Failed,
                ResultData {
                    code: Some(code),
                    ..ResultData::default()
                },
            )
        };
        tracing::info!(
            command = command.action.name(),
            cmd_seq = command.cmd_seq,
            "running command"
        );
        Ok(match &command.action {
            Action::RotateKey => {
                // Rule 21: a new key, the old one kept; a CSR for it.
                let key = self.pending_key()?;
                let signer = self.keys.signer(&key).ok_or(ClientError::Sign("new key missing"))?;
                let subject = crate::naming::device_subject(&self.config.serial_no)
                    .map_err(|_| ClientError::Sign("serial number not a name"))?;
                let csr = kavach_pki::issue::create_csr(signer, &subject).map_err(|_| ClientError::Sign("CSR"))?;
                (
                    Outcome::Done,
                    ResultData {
                        csr: Some(csr.der().to_vec()),
                        ..ResultData::default()
                    },
                )
            }
            Action::InstallCert { device_cert } => {
                let Some(key) = self.saved.pending_key.clone() else {
                    return Ok(failed(WireCode::BadSignature.into()));
                };
                let public = self
                    .keys
                    .signer(&key)
                    .map(|s| s.public_key().clone())
                    .ok_or(ClientError::Sign("new key missing"))?;
                let leaf = device_cert.first().and_then(|der| Certificate::from_der(der).ok());
                match leaf.map(|leaf| self.check_device_certificate(&leaf, &public, interval)) {
                    Some(Ok(())) => {
                        self.saved.previous_key = self.saved.key.replace(key);
                        self.saved.pending_key = None;
                        self.saved.certificate_chain = device_cert.clone();
                        (Outcome::Done, ResultData::default())
                    }
                    _ => failed(WireCode::BadSignature.into()),
                }
            }
            Action::CollectInfo => (
                Outcome::Done,
                ResultData {
                    device_info: Some(self.config.device_info.clone()),
                    ..ResultData::default()
                },
            ),
            Action::SyncTime => {
                self.time_sync_requested = true;
                (Outcome::Done, ResultData::default())
            }
            Action::Upgrade {
                manifest,
                release_roots,
            } => match self.upgrade(manifest, release_roots, interval) {
                Ok(()) => (Outcome::Done, ResultData::default()),
                Err(e) => {
                    tracing::warn!(error = %e, "upgrade refused");
                    failed(upgrade_code(&e))
                }
            },
            Action::UpdatePlatformCert { platform } => {
                if self.accept_platform(platform, interval) {
                    (Outcome::Done, ResultData::default())
                } else {
                    failed(WireCode::BadSignature.into())
                }
            }
            Action::Deregister => (Outcome::Done, ResultData::default()),
        })
    }

    /// Rules 23–25.
    fn upgrade(
        &mut self,
        manifest: &GeneralJws,
        roots: &[GeneralJws],
        interval: &TimeInterval,
    ) -> Result<(), UpgradeError> {
        let mut advanced = false;
        for root in roots.iter().take(crate::command::MAX_RELEASE_ROOTS) {
            let (payload, keys) = verified_signers(root).ok_or(UpgradeError::BelowThreshold {
                counted: 0,
                threshold: 1,
            })?;
            self.release.advance(&payload, &keys)?;
            self.saved.release_root = Some(payload);
            self.trusted.raise_floor(self.release.root().time_floor.unix_millis());
            self.saved.time_floor_ms = self.saved.time_floor_ms.max(self.trusted.floor());
            advanced = true;
        }
        if advanced {
            self.store.save(&self.saved).map_err(|_| UpgradeError::ImageMismatch)?;
        }
        let (payload, keys) = verified_signers(manifest).ok_or(UpgradeError::BelowThreshold {
            counted: 0,
            threshold: 1,
        })?;
        let floor = match &self.saved.version_floor {
            Some(v) if v.precedence(&self.config.firmware) == core::cmp::Ordering::Greater => v.clone(),
            _ => self.config.firmware.clone(),
        };
        let approved = self
            .release
            .approve(&payload, &keys, &self.config.target, &floor, interval)?;
        let mut check = approved.image_check(self.config.max_image_size);
        let image = self
            .installer
            .fetch(&approved.manifest().url, check.remaining())
            .map_err(|_| UpgradeError::ImageMismatch)?;
        check.update(&image)?;
        check.finish()?;
        self.installer
            .install(approved.manifest(), &image)
            .map_err(|_| UpgradeError::ImageMismatch)?;
        self.saved.version_floor = Some(approved.manifest().version.clone());
        self.config.firmware = approved.manifest().version.clone();
        tracing::info!(version = %approved.manifest().version, "upgrade installed");
        Ok(())
    }

    /// Rule 22: build and persist the signed report, destroy the key, then resend the report
    /// until acknowledged.
    fn deregister(
        &mut self,
        command: &Command,
        result: CommandResult,
        cursor: &mut CommandCursor,
    ) -> Result<(), ClientError> {
        cursor.record(command, result.clone());
        self.saved.last_command = Some((command.cmd_seq, command.id, result.clone()));
        let interval = self.interval();
        let message = self.next_message(self.server_to(), Body::Result(result), &interval)?;
        let chain = self.device_chain()?;
        let signer = self.current_signer().ok_or(ClientError::Sign("device key missing"))?;
        let report = sign_message(signer, &chain, &message).map_err(|_| ClientError::Sign("device signer"))?;
        self.saved.deregistration_report = Some(report.into_bytes());
        self.saved.deregistered = true;
        self.save()?;
        for key in [
            self.saved.key.take(),
            self.saved.previous_key.take(),
            self.saved.pending_key.take(),
        ]
        .into_iter()
        .flatten()
        {
            self.keys.destroy(&key)?;
        }
        self.saved.certificate_chain.clear();
        self.saved.device_code = None;
        self.saved.platform_certificate = None;
        self.pending_result = None;
        self.save()?;
        tracing::info!("deregistered: key destroyed, report pending");
        Ok(())
    }

    fn accept_ack(&mut self, command_id: &Uuid) -> Result<ClientEvent, ClientError> {
        if self.saved.deregistered {
            if self.saved.last_command.as_ref().map(|(_, id, _)| id) != Some(command_id) {
                return Err(transport(Refusal::Client("ack for another command")));
            }
            self.saved.deregistration_report = None;
            return Ok(ClientEvent::Deregistered);
        }
        match &self.pending_result {
            Some((action, result)) if result.command_id == *command_id => {
                if matches!(action, Action::InstallCert { .. })
                    && result.outcome == Outcome::Done
                    && let Some(old) = self.saved.previous_key.take()
                {
                    // Rule 21: the old key goes only once the server acknowledged the new one.
                    self.keys.destroy(&old)?;
                }
                self.pending_result = None;
                Ok(ClientEvent::Acknowledged {
                    command_id: *command_id,
                })
            }
            _ => Err(transport(Refusal::Client("ack for another command"))),
        }
    }

    /// The challenge value a test or simulator may want to see.
    #[doc(hidden)]
    pub fn pending_challenge(&self) -> Option<ChallengeValue> {
        self.challenge.as_ref().map(|c| c.challenge)
    }
}

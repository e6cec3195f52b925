//! How a Management Server is set up: its name and signing key, its providers, its limits.

use std::sync::Arc;
use std::time::Duration;

use kavach_keys::Signer;
use kavach_pki::{Certificate, TrustDomain};

use crate::grammar::{DnsName, Label};
use crate::server::issuer::Issuer;

/// Most providers one server serves (a server looks a device up among them, so this bounds a
/// request's work).
pub const MAX_PROVIDERS: usize = 16;

/// A device provider the server serves: its FTM trust domain, its optional L0 provisioning CA
/// (rule 12) and its device CA.
#[derive(Clone)]
pub struct Provider {
    pub(crate) id: Label,
    pub(crate) ftm: TrustDomain,
    pub(crate) l0: Option<TrustDomain>,
    pub(crate) device_ca: Arc<dyn Issuer>,
    pub(crate) device_domain: TrustDomain,
}

impl core::fmt::Debug for Provider {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("ftm", &self.ftm.name())
            .field("l0", &self.l0.as_ref().map(TrustDomain::name))
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// Provider `id` (its `deviceProviderId`), whose FTM chips chain to `ftm` and whose devices
    /// are issued by `device_ca`.
    pub fn new(id: Label, ftm: TrustDomain, device_ca: Arc<dyn Issuer>) -> Result<Self, kavach_pki::Error> {
        let device_domain = TrustDomain::new(
            &format!("device-ca:{}", id.as_str()),
            vec![device_ca.certificate().clone()],
        )?;
        Ok(Self {
            id,
            ftm,
            l0: None,
            device_ca,
            device_domain,
        })
    }

    /// The provider's `l0-provisioning` CA (rule 12): L0 devices sign enrollment with a
    /// per-device certificate under it in place of an FTM chain.
    pub fn with_l0_provisioning(mut self, l0: TrustDomain) -> Self {
        self.l0 = Some(l0);
        self
    }

    /// The provider's id.
    pub fn id(&self) -> &Label {
        &self.id
    }

    /// The device CA.
    pub fn device_ca(&self) -> &Arc<dyn Issuer> {
        &self.device_ca
    }
}

/// A Management Server's configuration. Defaults: a ±5 minute window, challenges valid 5
/// minutes, device certificates for 365 days rotated in their last third, commands valid 7
/// days, a time radius of 50 ms, and at most 5 enrollment attempts per device and 1,000 per
/// provider in an hour.
#[derive(Clone)]
pub struct ServerConfig {
    pub(crate) server_id: DnsName,
    pub(crate) signer: Arc<dyn Signer>,
    pub(crate) chain: Vec<Certificate>,
    pub(crate) providers: Vec<Provider>,
    pub(crate) window: Duration,
    pub(crate) challenge_lifetime: Duration,
    pub(crate) certificate_lifetime: Duration,
    pub(crate) command_lifetime: Duration,
    pub(crate) time_radius_ms: u64,
    pub(crate) attempts_per_device: u32,
    pub(crate) attempts_per_provider: u32,
    pub(crate) attempt_window: Duration,
}

impl core::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("server_id", &self.server_id)
            .field("providers", &self.providers)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// A server named `server_id` (its dNSName, the `serverId` of challenges) signing with
    /// `signer`, whose certificate chain is `chain` (leaf first: the leaf is what devices
    /// address as `to`).
    pub fn new(server_id: DnsName, signer: Arc<dyn Signer>, chain: Vec<Certificate>) -> Self {
        Self {
            server_id,
            signer,
            chain,
            providers: Vec::new(),
            window: Duration::from_secs(300),
            challenge_lifetime: Duration::from_secs(300),
            certificate_lifetime: Duration::from_secs(365 * 86_400),
            command_lifetime: Duration::from_secs(7 * 86_400),
            time_radius_ms: 50,
            attempts_per_device: 5,
            attempts_per_provider: 1_000,
            attempt_window: Duration::from_secs(3_600),
        }
    }

    /// Serves `provider` (at most [`MAX_PROVIDERS`]).
    pub fn with_provider(mut self, provider: Provider) -> Self {
        self.providers.push(provider);
        self
    }

    /// The `ts` window either side of the server's clock (at most 5 minutes, the verifier's
    /// bound is 1 hour).
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// How long a device certificate is valid; `rotate-key` is queued in its last third.
    pub fn with_certificate_lifetime(mut self, lifetime: Duration) -> Self {
        self.certificate_lifetime = lifetime;
        self
    }

    /// How long a queued command stays valid.
    pub fn with_command_lifetime(mut self, lifetime: Duration) -> Self {
        self.command_lifetime = lifetime;
        self
    }

    /// Enrollment attempts allowed per device and per provider inside `window`.
    pub fn with_enrollment_rate_limit(mut self, per_device: u32, per_provider: u32, window: Duration) -> Self {
        self.attempts_per_device = per_device;
        self.attempts_per_provider = per_provider;
        self.attempt_window = window;
        self
    }

    /// The `radiusMs` of the server's `time` answers (its own clock's uncertainty).
    pub fn with_time_radius_ms(mut self, radius_ms: u64) -> Self {
        self.time_radius_ms = radius_ms;
        self
    }
}

//! What the client needs from the device it runs on: its keys, its boot clock, its installer and
//! its plug-and-play events.

use std::collections::HashMap;

use kavach_keys::{KeyKind, PrivateKey, Signer};
use kavach_pki::Certificate;

use crate::client::state::KeyRef;
use crate::grammar::{HttpsUri, Label};
use crate::trusted_time::BootInstant;
use crate::upgrade::Manifest;

/// A key store failure (the FTM or token refused).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("key store: {0}")]
pub struct KeyStoreError(pub &'static str);

/// The device's keys: the FTM (or L0 provisioning) key that signs enrollment, and the device
/// keys the client generates, uses and destroys by reference.
pub trait KeyStore: Send {
    /// The FTM key (or the L0 provisioning key, rule 12).
    fn ftm(&self) -> &dyn Signer;
    /// Its certificate chain, FTM certificate first (the `x5c` of enrollment messages).
    fn ftm_chain(&self) -> &[Certificate];
    /// Generates a new device key (in the FTM where it can) and returns its reference.
    fn generate(&mut self) -> Result<KeyRef, KeyStoreError>;
    /// The signer of a key.
    fn signer(&self, key: &KeyRef) -> Option<&dyn Signer>;
    /// Destroys a key for good.
    fn destroy(&mut self, key: &KeyRef) -> Result<(), KeyStoreError>;
    /// For an L1 device: the FTM's key-attestation statement for `key` (rule 11).
    fn attestation(&self, key: &KeyRef) -> Option<String>;
}

/// A [`KeyStore`] of software keys in memory (tests, simulators). Device keys are P-256;
/// `attests` makes it produce FTM key attestations (an L1 device).
pub struct SoftwareKeyStore {
    ftm: PrivateKey,
    chain: Vec<Certificate>,
    keys: HashMap<String, PrivateKey>,
    counter: u64,
    attests: bool,
    destroyed: Vec<KeyRef>,
}

impl core::fmt::Debug for SoftwareKeyStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SoftwareKeyStore")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl SoftwareKeyStore {
    /// A store whose FTM key is `ftm` with certificate chain `chain`.
    pub fn new(ftm: PrivateKey, chain: Vec<Certificate>, attests: bool) -> Self {
        Self {
            ftm,
            chain,
            keys: HashMap::new(),
            counter: 0,
            attests,
            destroyed: Vec::new(),
        }
    }

    /// Keys that exist now.
    pub fn live_keys(&self) -> usize {
        self.keys.len()
    }

    /// Keys destroyed so far.
    pub fn destroyed(&self) -> &[KeyRef] {
        &self.destroyed
    }
}

impl KeyStore for SoftwareKeyStore {
    fn ftm(&self) -> &dyn Signer {
        &self.ftm
    }

    fn ftm_chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn generate(&mut self) -> Result<KeyRef, KeyStoreError> {
        self.counter += 1;
        let label = Label::parse("key", &format!("device-key-{}", self.counter)).map_err(|_| KeyStoreError("label"))?;
        let key = PrivateKey::generate(KeyKind::P256).map_err(|_| KeyStoreError("key generation failed"))?;
        self.keys.insert(label.as_str().to_owned(), key);
        Ok(label)
    }

    fn signer(&self, key: &KeyRef) -> Option<&dyn Signer> {
        self.keys.get(key.as_str()).map(|k| k as &dyn Signer)
    }

    fn destroy(&mut self, key: &KeyRef) -> Result<(), KeyStoreError> {
        if self.keys.remove(key.as_str()).is_some() {
            self.destroyed.push(key.clone());
        }
        Ok(())
    }

    fn attestation(&self, key: &KeyRef) -> Option<String> {
        if !self.attests {
            return None;
        }
        let public = self.keys.get(key.as_str())?.public_key().clone();
        crate::attestation::attest_key(&self.ftm, &public).ok()
    }
}

/// The device's boot clock: monotonic, counting suspend (CLOCK_BOOTTIME). Trusted time is kept
/// on it (rule 16); the wall clock is never read.
pub trait TrustedClock: Send {
    /// Time since boot.
    fn now(&self) -> BootInstant;
}

/// Why an image could not be fetched or installed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("update installer: {0}")]
pub struct InstallError(pub &'static str);

/// Fetches and installs firmware images. The client calls `install` only with an image whose
/// length and SHA-256 matched the approved manifest (rule 25): nothing reaches the boot slot
/// before that.
pub trait UpdateInstaller: Send {
    /// Fetches at most `max_len` bytes from `url` (the runtime's HTTPS client; stops at the
    /// limit rather than buffer more).
    fn fetch(&mut self, url: &HttpsUri, max_len: u64) -> Result<Vec<u8>, InstallError>;
    /// Writes the verified image to the boot slot for `manifest`'s version.
    fn install(&mut self, manifest: &Manifest, image: &[u8]) -> Result<(), InstallError>;
}

/// An [`UpdateInstaller`] serving images from memory and recording what it installed.
#[derive(Clone, Debug, Default)]
pub struct MemoryInstaller {
    images: Vec<(String, Vec<u8>)>,
    installed: Vec<String>,
}

impl MemoryInstaller {
    /// An installer with no images.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `image` at `url`.
    pub fn serve(&mut self, url: &str, image: Vec<u8>) {
        self.images.push((url.to_owned(), image));
    }

    /// The versions installed, in order.
    pub fn installed(&self) -> &[String] {
        &self.installed
    }
}

impl UpdateInstaller for MemoryInstaller {
    fn fetch(&mut self, url: &HttpsUri, max_len: u64) -> Result<Vec<u8>, InstallError> {
        let (_, image) = self
            .images
            .iter()
            .find(|(u, _)| u == url.as_str())
            .ok_or(InstallError("no image at that URL"))?;
        let limit = usize::try_from(max_len).unwrap_or(usize::MAX).min(image.len());
        // Read one byte past the limit when there is one, so that an oversized image is seen.
        let end = image.len().min(limit.saturating_add(1));
        Ok(image[..end].to_vec())
    }

    fn install(&mut self, manifest: &Manifest, _image: &[u8]) -> Result<(), InstallError> {
        self.installed.push(manifest.version.to_string());
        Ok(())
    }
}

/// A device attached or detached (plug-and-play).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceEvent {
    /// The device appeared: the client enrolls it if it is not enrolled.
    Attached,
    /// The device went away: the client sends nothing until it is back.
    Detached,
}

/// Detects the device being plugged in and out (USB hotplug, udev, a vendor SDK callback).
pub trait DeviceWatcher: Send {
    /// Events since the last call, oldest first (at most a few: a watcher coalesces).
    fn poll(&mut self) -> Vec<DeviceEvent>;
}

/// A [`DeviceWatcher`] fed by hand (tests, simulators).
#[derive(Clone, Debug, Default)]
pub struct MemoryWatcher {
    events: Vec<DeviceEvent>,
}

impl MemoryWatcher {
    /// A watcher with no events.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues an event.
    pub fn push(&mut self, event: DeviceEvent) {
        self.events.push(event);
    }
}

impl DeviceWatcher for MemoryWatcher {
    fn poll(&mut self) -> Vec<DeviceEvent> {
        core::mem::take(&mut self.events)
    }
}

/// Verifies a relayed platform certificate through the device's own platform anchors
/// (rule 26): the implementation is [`crate::platform`]'s, behind this seam so that a device
/// can also use its own.
pub trait PlatformTrust: Send {
    /// The notBefore (Unix milliseconds) of the certificate the device would use from
    /// `relayed`, when it verifies at trusted time [lo, hi]; `None` when it does not.
    fn verify(&self, relayed: &crate::command::PlatformCertificate, lo_ms: u64, hi_ms: Option<u64>) -> Option<u64>;
}

//! What a Management Client persists, as one unit (WIRE.md §6): a crash loses nothing and never
//! leaves a mix of old and new.

use std::sync::{Arc, Mutex};

use crate::command::{CommandResult, PlatformCertificate};
use crate::grammar::{Label, SemVer, Sha256Digest, Uuid};

/// A reference to a device key held by the [`crate::client::KeyStore`] (a label in the FTM or a
/// token; never the key itself).
pub type KeyRef = Label;

/// The client's whole persisted state. [`ClientState::save`] writes it as one atomic unit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavedState {
    /// The device key in use.
    pub key: Option<KeyRef>,
    /// The key replaced by a rotation, kept until the server acknowledges the `install-cert`
    /// result (rule 21).
    pub previous_key: Option<KeyRef>,
    /// The key generated for `rotate-key`, until its certificate is installed.
    pub pending_key: Option<KeyRef>,
    /// The device certificate and its chain (DER), device certificate first.
    pub certificate_chain: Vec<Vec<u8>>,
    /// `deviceCode`.
    pub device_code: Option<Uuid>,
    /// The next `seq` to send (persisted before sending, rule 5).
    pub next_seq: u64,
    /// The highest `seq` accepted from the server (cleared by deregistration, rule 22).
    pub server_seq_mark: u64,
    /// SHA-256 of the management-server signing certificate, learned from its verified messages.
    pub server_certificate: Option<Sha256Digest>,
    /// The version floor: highest firmware version installed (never lowered, rule 25).
    pub version_floor: Option<SemVer>,
    /// The last executed command: its `cmdSeq`, id and result (rule 19).
    pub last_command: Option<(u64, Uuid, CommandResult)>,
    /// The payload of the newest accepted release-root (JSON), when above the firmware's.
    pub release_root: Option<Vec<u8>>,
    /// The trusted-time floor in Unix milliseconds (rule 17).
    pub time_floor_ms: u64,
    /// The platform's encryption certificate, verified through the device's own anchors, with
    /// its notBefore in Unix milliseconds (rule 26).
    pub platform_certificate: Option<(PlatformCertificate, u64)>,
    /// True once deregistered: the key is destroyed; only the report is resent.
    pub deregistered: bool,
    /// The signed deregistration report, resent byte for byte until acknowledged (rule 22).
    pub deregistration_report: Option<Vec<u8>>,
}

/// The client's store could not read or write: the client stops (fail closed).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("client state unavailable: {0}")]
pub struct StateError(pub String);

/// Where a client keeps its [`SavedState`]. `save` must be atomic (write a new file and rename
/// it, or one database transaction): after a crash `load` returns either the old or the new
/// state, whole.
pub trait ClientState: Send {
    /// The saved state; `None` on a device that never saved one.
    fn load(&self) -> Result<Option<SavedState>, StateError>;
    /// Saves `state` whole.
    fn save(&mut self, state: &SavedState) -> Result<(), StateError>;
}

/// A [`ClientState`] in memory, shareable so that a test can "restart" a client on the same
/// state or take a snapshot of it.
#[derive(Clone, Debug, Default)]
pub struct MemoryClientState {
    saved: Arc<Mutex<Option<SavedState>>>,
}

impl MemoryClientState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// What is saved now.
    pub fn snapshot(&self) -> Option<SavedState> {
        self.saved.lock().ok().and_then(|s| s.clone())
    }

    /// Replaces what is saved (tests: a state reset, an old backup restored).
    pub fn restore(&self, state: Option<SavedState>) {
        if let Ok(mut s) = self.saved.lock() {
            *s = state;
        }
    }
}

impl ClientState for MemoryClientState {
    fn load(&self) -> Result<Option<SavedState>, StateError> {
        self.saved
            .lock()
            .map(|s| s.clone())
            .map_err(|_| StateError("poisoned".into()))
    }

    fn save(&mut self, state: &SavedState) -> Result<(), StateError> {
        let mut s = self.saved.lock().map_err(|_| StateError("poisoned".into()))?;
        *s = Some(state.clone());
        Ok(())
    }
}

//! The peer paths the verifiers validated, kept for the application: a bounded map from the
//! end-entity certificate's SHA-256 to its [`VerifiedPath`].

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use kavach_pki::{ServerName, VerifiedPath};

/// How many recorded paths a verifier keeps (the oldest recorded is dropped first). A path
/// that fell out is validated again on request ([`crate::tls::PkiClientVerifier::peer_path`]),
/// so the bound costs time, never correctness.
pub const MAX_RECORDED_PATHS: usize = 4096;

/// One recorded validation: the path, and the server name it was validated for (client side).
#[derive(Clone, Debug)]
pub(crate) struct Recorded {
    pub(crate) path: VerifiedPath,
    pub(crate) server_name: Option<ServerName>,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<[u8; 32], Recorded>,
    order: VecDeque<[u8; 32]>,
}

/// Bounded, FIFO-evicting record of validated paths.
#[derive(Debug, Default)]
pub(crate) struct PathRecord {
    inner: Mutex<Inner>,
}

impl PathRecord {
    pub(crate) fn insert(&self, recorded: Recorded) {
        let key = *recorded.path.end_entity().sha256_thumbprint().as_bytes();
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.map.insert(key, recorded).is_none() {
            inner.order.push_back(key);
            while inner.order.len() > MAX_RECORDED_PATHS {
                if let Some(old) = inner.order.pop_front() {
                    inner.map.remove(&old);
                }
            }
        }
    }

    /// The record for the end entity whose DER is `der` (compared byte for byte).
    pub(crate) fn get(&self, der: &[u8]) -> Option<Recorded> {
        let key = *kavach_keys::Sha256Thumbprint::of_der(der).as_bytes();
        let inner = self.inner.lock().ok()?;
        inner
            .map
            .get(&key)
            .filter(|r| r.path.end_entity().der() == der)
            .cloned()
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.map.clear();
            inner.order.clear();
        }
    }
}

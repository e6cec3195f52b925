//! Replay detection for `jti`: a trait a server can back with shared storage, and a bounded
//! in-memory implementation.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use kavach_keys::Sha256Thumbprint;
use sha2::Digest;

use crate::error::{Error, Result};
use crate::header::Jti;

/// What a replay cache remembers about one signature: SHA-256 over the signer certificate's
/// SHA-256 thumbprint and the `jti`, so that one signer cannot burn another signer's `jti`s.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayKey([u8; 32]);

impl ReplayKey {
    /// The key for `jti` signed by the certificate with thumbprint `signer`.
    pub fn new(signer: &Sha256Thumbprint, jti: &Jti) -> Self {
        let mut h = sha2::Sha256::new();
        h.update(b"kavach-jws replay v1\0");
        h.update(signer.as_bytes());
        h.update(jti.as_bytes());
        Self(h.finalize().into())
    }

    /// The 32 bytes (for a shared store's key).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl core::fmt::Debug for ReplayKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ReplayKey(")?;
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "..)")
    }
}

/// Remembers which signatures were accepted, until the time their `ts` leaves the window.
///
/// An implementation must be atomic per key: of two concurrent calls with the same key, at most
/// one may succeed.
pub trait ReplayCache: Send + Sync {
    /// Records `key` as used until `expires`. Returns [`Error::Replay`] when `key` is already
    /// recorded with an expiry after `now`, and may return [`Error::ReplayCacheFull`] rather
    /// than forget an unexpired key.
    fn check_and_record(&self, key: ReplayKey, now: SystemTime, expires: SystemTime) -> Result<()>;
}

/// Default capacity of [`MemoryReplayCache`]: 2^18 entries (about 16 MiB). With the default
/// ±5 minute window an entry lives at most 10 minutes, so this holds a sustained 430 signed
/// messages per second; busier servers set a larger capacity or share a cache.
pub const DEFAULT_REPLAY_CAPACITY: usize = 1 << 18;

/// A [`ReplayCache`] in this process's memory, bounded: when full, expired entries are dropped;
/// when it is still full, new signatures are refused ([`Error::ReplayCacheFull`]) — an unexpired
/// entry is never evicted, since forgetting it would let its signature be replayed.
#[derive(Debug)]
pub struct MemoryReplayCache {
    capacity: usize,
    entries: Mutex<HashMap<ReplayKey, SystemTime>>,
}

impl Default for MemoryReplayCache {
    fn default() -> Self {
        Self::new(DEFAULT_REPLAY_CAPACITY)
    }
}

impl MemoryReplayCache {
    /// A cache holding at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Number of entries held (expired ones included until the next purge).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ReplayKey, SystemTime>> {
        // A panic while holding the lock cannot leave the map inconsistent (every update is a
        // single insert or retain), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl ReplayCache for MemoryReplayCache {
    fn check_and_record(&self, key: ReplayKey, now: SystemTime, expires: SystemTime) -> Result<()> {
        let mut map = self.lock();
        if map.get(&key).is_some_and(|&until| until > now) {
            return Err(Error::Replay);
        }
        if map.len() >= self.capacity && !map.contains_key(&key) {
            // Bounded by capacity: one pass over the map.
            map.retain(|_, until| *until > now);
            if map.len() >= self.capacity {
                return Err(Error::ReplayCacheFull {
                    capacity: self.capacity,
                });
            }
        }
        map.insert(key, expires);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::time::Duration;

    fn key(n: u8) -> ReplayKey {
        ReplayKey::new(
            &Sha256Thumbprint([n; 32]),
            &Jti::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap(),
        )
    }

    #[test]
    fn second_use_inside_window_is_a_replay() {
        let c = MemoryReplayCache::new(4);
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let exp = t0 + Duration::from_secs(600);
        c.check_and_record(key(1), t0, exp).unwrap();
        assert!(matches!(c.check_and_record(key(1), t0, exp), Err(Error::Replay)));
        // Another signer with the same jti is a different key.
        c.check_and_record(key(2), t0, exp).unwrap();
        // After expiry the key may be recorded again (the ts window refuses it anyway).
        c.check_and_record(key(1), exp + Duration::from_secs(1), exp + Duration::from_secs(601))
            .unwrap();
    }

    #[test]
    fn full_cache_refuses_instead_of_forgetting() {
        let c = MemoryReplayCache::new(2);
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let exp = t0 + Duration::from_secs(600);
        c.check_and_record(key(1), t0, exp).unwrap();
        c.check_and_record(key(2), t0, exp).unwrap();
        assert!(matches!(
            c.check_and_record(key(3), t0, exp),
            Err(Error::ReplayCacheFull { capacity: 2 })
        ));
        // Still remembers the first two.
        assert!(matches!(c.check_and_record(key(1), t0, exp), Err(Error::Replay)));
        // Once they expire, room is made.
        let later = exp + Duration::from_secs(1);
        c.check_and_record(key(3), later, later + Duration::from_secs(600))
            .unwrap();
        assert_eq!(c.len(), 1);
    }
}

//! Replay detection for `jti`: a trait a server can back with shared storage, and a bounded
//! in-memory implementation that no single signer can fill.

use std::collections::hash_map::Entry as MapEntry;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use kavach_keys::Sha256Thumbprint;
use sha2::Digest;

use crate::error::{Error, Result};
use crate::header::Jti;

/// What a replay cache remembers about one signature: SHA-256 over the signer certificate's
/// SHA-256 thumbprint and the `jti` (so that one signer cannot burn another signer's `jti`s),
/// carried with the signer's thumbprint (so that a cache can bound what each signer holds).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayKey {
    hash: [u8; 32],
    signer: Sha256Thumbprint,
}

impl ReplayKey {
    /// The key for `jti` signed by the certificate with thumbprint `signer`.
    pub fn new(signer: &Sha256Thumbprint, jti: &Jti) -> Self {
        let mut h = sha2::Sha256::new();
        h.update(b"kavach-jws replay v1\0");
        h.update(signer.as_bytes());
        h.update(jti.as_bytes());
        Self {
            hash: h.finalize().into(),
            signer: *signer,
        }
    }

    /// The 32 bytes (for a shared store's key): SHA-256 over the signer's thumbprint and the
    /// `jti`, unchanged from earlier versions.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.hash
    }

    /// The SHA-256 thumbprint of the signer certificate (for a shared store that bounds what
    /// each signer may hold, as [`MemoryReplayCache`] does).
    pub fn signer(&self) -> &Sha256Thumbprint {
        &self.signer
    }
}

impl core::fmt::Debug for ReplayKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use kavach_keys::encoding::hex_lower;
        write!(
            f,
            "ReplayKey({}.. signer {}..)",
            hex_lower(&self.hash[..8]),
            hex_lower(&self.signer.as_bytes()[..8])
        )
    }
}

/// Remembers which signatures were accepted, until the time their `ts` leaves the window.
///
/// An implementation must be atomic per key: of two concurrent calls with the same key, at most
/// one may succeed.
pub trait ReplayCache: Send + Sync {
    /// Records `key` as used until `expires`. Returns [`Error::Replay`] when `key` is already
    /// recorded with an expiry at or after `now`, and may return [`Error::ReplayCacheFull`] or
    /// [`Error::ReplaySignerShareFull`] rather than forget an unexpired key.
    fn check_and_record(&self, key: ReplayKey, now: SystemTime, expires: SystemTime) -> Result<()>;
}

/// Default capacity of [`MemoryReplayCache`]: 2^18 entries (roughly 35 to 45 MiB when full, see
/// [`MemoryReplayCache`]). With the default ±5 minute window an entry lives at most 10 minutes,
/// so this holds a sustained 430 signed messages per second from all signers together; busier
/// servers set a larger capacity or share a cache.
pub const DEFAULT_REPLAY_CAPACITY: usize = 1 << 18;

/// Entries examined by the purge that opens every call (its own shard only).
const PURGE_BUDGET: usize = 32;
/// Entries examined in the caller's shard before a call is refused for lack of room.
const REFUSAL_PURGE_BUDGET: usize = 1024;
/// Entries examined in each other shard when the whole cache is full, before refusing.
const SWEEP_PURGE_BUDGET: usize = 64;

/// A [`ReplayCache`] in this process's memory, bounded in total and per signer.
///
/// - **Capacity** (all signers together, [`DEFAULT_REPLAY_CAPACITY`] by default): exact, kept
///   by one atomic counter that a call increments only below the capacity.
/// - **Signer share**: no signer (signer certificate, by its SHA-256 thumbprint) holds more than
///   [`MemoryReplayCache::signer_share`] entries; a signer over its share is refused with
///   [`Error::ReplaySignerShareFull`] while every other signer is unaffected. The default is
///   [`MemoryReplayCache::default_signer_share`]: capacity / 64, but at least 1,024 (or the
///   whole capacity when smaller), so that filling the cache and refusing everyone
///   ([`Error::ReplayCacheFull`]) takes 64 distinct, validly certified signers. At the default
///   capacity that is 4,096 entries per signer: about 6.8 messages per second sustained at the
///   longest lifetime (10 minutes with the ±5 minute window), about 13 per second for a `ts`
///   close to the verification time. A server whose partners send more sets a larger capacity
///   or [`MemoryReplayCache::with_signer_share`].
/// - **Never forgets an unexpired entry** (that would let its signature be replayed): when
///   there is no room, the new signature is refused instead.
/// - **Expiry costs O(expired)**: each shard keeps its entries ordered by expiry; a call removes
///   expired entries from the front of that order only (at most 32 per call, up to 1,024 in the
///   caller's shard and 64 in each other shard before a call is refused for lack of room), so
///   no call scans the cache and every call's work is bounded by a constant, whatever signers
///   send.
/// - **Sharded**: [`MemoryReplayCache::SHARDS`] mutexes, the shard chosen by the signer's
///   thumbprint, so a signer's entries and its count live in one shard and the share is checked
///   and taken under one lock (exact, and atomic per key: the same key always lands in the same
///   shard). Verifier threads for different signers do not contend; threads verifying the same
///   signer share its shard's lock for the few hash-map and B-tree operations of one call.
///
/// Memory: each entry is a hash-map row (key hash, expiry, signer thumbprint: 72 bytes plus the
/// table's slack) and an expiry-index element (40 bytes plus B-tree node overhead), roughly 130
/// to 170 bytes (an estimate from these layouts); a full default cache takes roughly 35 to 45 MiB.
pub struct MemoryReplayCache {
    capacity: usize,
    signer_share: usize,
    /// Entries held by all shards (expired ones included until purged); never above capacity.
    held: AtomicUsize,
    shards: Box<[Mutex<Shard>]>,
}

/// One shard: the entries of the signers whose thumbprint selects it.
#[derive(Default)]
struct Shard {
    /// Key hash -> entry.
    entries: HashMap<[u8; 32], Entry>,
    /// Every entry once, ordered by (expiry, key hash): purging pops from the front.
    by_expiry: BTreeSet<(u64, [u8; 32])>,
    /// Entries held per signer (a signer with none has no row).
    per_signer: HashMap<Sha256Thumbprint, usize>,
    /// Entries the purge has examined (for the tests of its cost).
    #[cfg(test)]
    purge_work: usize,
}

#[derive(Clone, Copy)]
struct Entry {
    /// Nanoseconds since the Unix epoch; the entry is remembered through this instant.
    expires: u64,
    signer: Sha256Thumbprint,
}

/// Why a call could not record its key.
enum Refusal {
    Replay,
    SignerShare,
    Capacity,
}

impl Default for MemoryReplayCache {
    fn default() -> Self {
        Self::new(DEFAULT_REPLAY_CAPACITY)
    }
}

impl core::fmt::Debug for MemoryReplayCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryReplayCache")
            .field("capacity", &self.capacity)
            .field("signer_share", &self.signer_share)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl MemoryReplayCache {
    /// Number of shards (independent locks).
    pub const SHARDS: usize = 32;

    /// A cache holding at most `capacity` entries (at least one), each signer at most
    /// [`MemoryReplayCache::default_signer_share`]`(capacity)` of them.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            signer_share: Self::default_signer_share(capacity),
            held: AtomicUsize::new(0),
            shards: (0..Self::SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }

    /// The default signer share of a cache of `capacity` entries: `capacity / 64`, but at least
    /// 1,024 or the whole capacity when that is smaller.
    pub fn default_signer_share(capacity: usize) -> usize {
        (capacity / 64).max(capacity.min(1024)).max(1)
    }

    /// Sets how many entries one signer may hold (clamped to 1..=capacity).
    pub fn with_signer_share(mut self, share: usize) -> Self {
        self.signer_share = share.clamp(1, self.capacity);
        self
    }

    /// The most entries held at once, all signers together.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The most entries one signer holds at once.
    pub fn signer_share(&self) -> usize {
        self.signer_share
    }

    /// Number of entries held (expired ones included until they are purged).
    pub fn len(&self) -> usize {
        self.held.load(Ordering::Acquire)
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of entries held for `signer` (expired ones included until they are purged).
    pub fn signer_len(&self, signer: &Sha256Thumbprint) -> usize {
        self.lock(Self::shard_of(signer))
            .per_signer
            .get(signer)
            .copied()
            .unwrap_or(0)
    }

    fn shard_of(signer: &Sha256Thumbprint) -> usize {
        // The thumbprint is a SHA-256 output: its first bytes are as good as any hash of it.
        let b = signer.as_bytes();
        usize::from(u16::from_le_bytes([b[0], b[1]])) % Self::SHARDS
    }

    fn lock(&self, shard: usize) -> MutexGuard<'_, Shard> {
        // No code run under a shard's lock panics (allocation failure aborts), so a poisoned
        // lock cannot hide a half-made update and is still usable.
        self.shards[shard].lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes one unit of capacity, if any is left.
    fn reserve(&self) -> bool {
        self.held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.capacity).then_some(n + 1)
            })
            .is_ok()
    }

    /// Purges up to [`SWEEP_PURGE_BUDGET`] expired entries from every shard but `except`, one
    /// lock at a time (never while holding another shard's lock).
    fn sweep(&self, except: usize, now: u64) {
        for i in (0..Self::SHARDS).filter(|&i| i != except) {
            self.lock(i).purge(now, SWEEP_PURGE_BUDGET, &self.held);
        }
    }

    /// Purge work done so far in all shards (entries examined).
    #[cfg(test)]
    fn purge_work(&self) -> usize {
        (0..Self::SHARDS).map(|i| self.lock(i).purge_work).sum()
    }
}

impl Shard {
    /// Removes expired entries from the front of the expiry order, examining at most `budget`:
    /// the work is the number of expired entries removed, never the number held. Returns how
    /// many were removed.
    fn purge(&mut self, now: u64, budget: usize, held: &AtomicUsize) -> usize {
        let mut removed = 0;
        while removed < budget {
            match self.by_expiry.first() {
                Some(&(expires, _)) if expires < now => {}
                _ => break,
            }
            let Some((_, hash)) = self.by_expiry.pop_first() else {
                break;
            };
            removed += 1;
            // The index and the map hold the same keys; a missing entry would be a bug, and
            // is then not counted twice.
            if let Some(entry) = self.entries.remove(&hash) {
                self.release(&entry.signer);
                held.fetch_sub(1, Ordering::AcqRel);
            }
        }
        #[cfg(test)]
        {
            self.purge_work += removed;
        }
        removed
    }

    fn release(&mut self, signer: &Sha256Thumbprint) {
        if let MapEntry::Occupied(mut n) = self.per_signer.entry(*signer) {
            *n.get_mut() -= 1;
            if *n.get() == 0 {
                n.remove();
            }
        }
    }

    fn signer_held(&self, signer: &Sha256Thumbprint) -> usize {
        self.per_signer.get(signer).copied().unwrap_or(0)
    }

    /// The check and the record, under this shard's lock.
    fn try_record(
        &mut self,
        cache: &MemoryReplayCache,
        key: &ReplayKey,
        now: u64,
        expires: u64,
    ) -> core::result::Result<(), Refusal> {
        self.purge(now, PURGE_BUDGET, &cache.held);
        if let Some(entry) = self.entries.get_mut(&key.hash) {
            if entry.expires >= now {
                return Err(Refusal::Replay);
            }
            // Expired but not yet purged: record again in place (it already holds its slot).
            let old = entry.expires;
            entry.expires = expires;
            self.by_expiry.remove(&(old, key.hash));
            self.by_expiry.insert((expires, key.hash));
            return Ok(());
        }
        if self.signer_held(&key.signer) >= cache.signer_share {
            self.purge(now, REFUSAL_PURGE_BUDGET, &cache.held);
            if self.signer_held(&key.signer) >= cache.signer_share {
                return Err(Refusal::SignerShare);
            }
        }
        if !cache.reserve() {
            self.purge(now, REFUSAL_PURGE_BUDGET, &cache.held);
            if !cache.reserve() {
                return Err(Refusal::Capacity);
            }
        }
        self.entries.insert(
            key.hash,
            Entry {
                expires,
                signer: key.signer,
            },
        );
        self.by_expiry.insert((expires, key.hash));
        *self.per_signer.entry(key.signer).or_insert(0) += 1;
        Ok(())
    }
}

/// Nanoseconds since the Unix epoch, saturating (0 before the epoch, `u64::MAX` after 2554).
fn nanos(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

impl ReplayCache for MemoryReplayCache {
    fn check_and_record(&self, key: ReplayKey, now: SystemTime, expires: SystemTime) -> Result<()> {
        let now = nanos(now);
        // An expiry before now would be forgotten at once: remember the key through now.
        let expires = nanos(expires).max(now);
        let shard = Self::shard_of(&key.signer);
        let mut swept = false;
        loop {
            let outcome = self.lock(shard).try_record(self, &key, now, expires);
            return match outcome {
                Ok(()) => Ok(()),
                Err(Refusal::Replay) => Err(Error::Replay),
                Err(Refusal::SignerShare) => Err(Error::ReplaySignerShareFull {
                    signer: key.signer,
                    share: self.signer_share,
                }),
                // Full: expired entries may sit in shards no call has visited lately. Purge a
                // bounded number from each (the caller's lock is released), then try once more.
                Err(Refusal::Capacity) if !swept => {
                    swept = true;
                    self.sweep(shard, now);
                    continue;
                }
                Err(Refusal::Capacity) => Err(Error::ReplayCacheFull {
                    capacity: self.capacity,
                }),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    const WINDOW: Duration = Duration::from_secs(600);

    fn t0() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000)
    }

    fn jti(n: u64) -> Jti {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&n.to_be_bytes());
        Jti::parse(&kavach_jose::base64::encode_url(&b)).unwrap()
    }

    /// Signer `s`'s key for jti `n`. Signer `s` (below 32) lives in shard `s`.
    fn key_of(s: u8, n: u64) -> ReplayKey {
        ReplayKey::new(&Sha256Thumbprint([s; 32]), &jti(n))
    }

    fn key(n: u8) -> ReplayKey {
        ReplayKey::new(
            &Sha256Thumbprint([n; 32]),
            &Jti::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap(),
        )
    }

    #[test]
    fn key_bytes_are_unchanged_and_carry_the_signer() {
        let k = key(7);
        let mut h = sha2::Sha256::new();
        h.update(b"kavach-jws replay v1\0");
        h.update([7u8; 32]);
        h.update([0u8; 16]);
        assert_eq!(k.as_bytes(), &<[u8; 32]>::from(h.finalize()));
        assert_eq!(k.signer(), &Sha256Thumbprint([7; 32]));
        assert_eq!(MemoryReplayCache::shard_of(k.signer()), 7);
    }

    #[test]
    fn second_use_inside_window_is_a_replay() {
        let c = MemoryReplayCache::new(4);
        let t0 = t0();
        let exp = t0 + WINDOW;
        c.check_and_record(key(1), t0, exp).unwrap();
        assert!(matches!(c.check_and_record(key(1), t0, exp), Err(Error::Replay)));
        // Remembered through its expiry instant.
        assert!(matches!(
            c.check_and_record(key(1), exp, exp + WINDOW),
            Err(Error::Replay)
        ));
        // Another signer with the same jti is a different key.
        c.check_and_record(key(2), t0, exp).unwrap();
        // After expiry the key may be recorded again (the ts window refuses it anyway), in the
        // slot it held.
        c.check_and_record(key(1), exp + Duration::from_secs(1), exp + Duration::from_secs(601))
            .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.signer_len(key(1).signer()), 1);
    }

    #[test]
    fn full_cache_refuses_instead_of_forgetting() {
        let c = MemoryReplayCache::new(2);
        let t0 = t0();
        let exp = t0 + WINDOW;
        c.check_and_record(key(1), t0, exp).unwrap();
        c.check_and_record(key(2), t0, exp).unwrap();
        assert!(matches!(
            c.check_and_record(key(3), t0, exp),
            Err(Error::ReplayCacheFull { capacity: 2 })
        ));
        // Still remembers the first two.
        assert!(matches!(c.check_and_record(key(1), t0, exp), Err(Error::Replay)));
        // Once they expire, room is made (they sit in other shards than key 3's: the full
        // cache sweeps them).
        let later = exp + Duration::from_secs(1);
        c.check_and_record(key(3), later, later + WINDOW).unwrap();
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn signer_over_its_share_is_refused_and_others_are_not() {
        let c = MemoryReplayCache::new(100).with_signer_share(3);
        let t0 = t0();
        for n in 0..3 {
            c.check_and_record(key_of(1, n), t0, t0 + WINDOW).unwrap();
        }
        let e = c.check_and_record(key_of(1, 3), t0, t0 + WINDOW).unwrap_err();
        assert!(
            matches!(e, Error::ReplaySignerShareFull { signer, share: 3 } if signer == Sha256Thumbprint([1; 32])),
            "{e:?}"
        );
        assert_eq!(e.code(), "KVC-JWS-REPLAY-SIGNER");
        // A replay is still reported as a replay, not as a full share.
        assert!(matches!(
            c.check_and_record(key_of(1, 0), t0, t0 + WINDOW),
            Err(Error::Replay)
        ));
        // Another signer, in the same shard (33 = 1 + 32) or another, is unaffected.
        for s in [2, 33] {
            for n in 0..3 {
                c.check_and_record(key_of(s, n), t0, t0 + WINDOW).unwrap();
            }
        }
        // One expired entry of signer 1 frees one place in its share, exactly.
        let c = MemoryReplayCache::new(100).with_signer_share(3);
        c.check_and_record(key_of(1, 0), t0, t0 + Duration::from_secs(10))
            .unwrap();
        c.check_and_record(key_of(1, 1), t0, t0 + WINDOW).unwrap();
        c.check_and_record(key_of(1, 2), t0, t0 + WINDOW).unwrap();
        let t1 = t0 + Duration::from_secs(11);
        c.check_and_record(key_of(1, 3), t1, t1 + WINDOW).unwrap();
        assert!(matches!(
            c.check_and_record(key_of(1, 4), t1, t1 + WINDOW),
            Err(Error::ReplaySignerShareFull { .. })
        ));
        assert_eq!(c.signer_len(&Sha256Thumbprint([1; 32])), 3);
    }

    #[test]
    fn default_share_is_a_64th_with_a_floor() {
        assert_eq!(
            MemoryReplayCache::default().signer_share(),
            DEFAULT_REPLAY_CAPACITY / 64
        );
        assert_eq!(MemoryReplayCache::default_signer_share(1 << 20), 1 << 14);
        assert_eq!(MemoryReplayCache::default_signer_share(10_000), 1024);
        assert_eq!(MemoryReplayCache::default_signer_share(16), 16);
        assert_eq!(MemoryReplayCache::new(0).signer_share(), 1);
        assert_eq!(MemoryReplayCache::new(10).with_signer_share(0).signer_share(), 1);
        assert_eq!(MemoryReplayCache::new(10).with_signer_share(99).signer_share(), 10);
    }

    #[test]
    fn expiry_purges_only_expired_entries() {
        let c = MemoryReplayCache::new(1 << 16).with_signer_share(1 << 16);
        let t0 = t0();
        // 10,000 long-lived entries and 10 short-lived ones, all in shard 5.
        for n in 0..10_000 {
            c.check_and_record(key_of(5, n), t0, t0 + WINDOW).unwrap();
        }
        for n in 0..10 {
            c.check_and_record(key_of(5, 1_000_000 + n), t0, t0 + Duration::from_secs(10))
                .unwrap();
        }
        assert_eq!(c.purge_work(), 0);
        assert_eq!(c.len(), 10_010);
        // Later, calls remove the 10 expired entries and examine nothing else.
        let t1 = t0 + Duration::from_secs(11);
        for n in 0..100 {
            c.check_and_record(key_of(5, 2_000_000 + n), t1, t1 + WINDOW).unwrap();
        }
        assert_eq!(c.purge_work(), 10);
        assert_eq!(c.len(), 10_100);
        // The expired entries left the map too, not only the expiry order.
        assert_eq!(c.lock(5).entries.len(), 10_100);
    }

    #[test]
    fn one_call_purges_a_bounded_number_of_entries() {
        let c = MemoryReplayCache::new(1 << 16).with_signer_share(1 << 16);
        let t0 = t0();
        for n in 0..5_000 {
            c.check_and_record(key_of(5, n), t0, t0 + Duration::from_secs(10))
                .unwrap();
        }
        let t1 = t0 + Duration::from_secs(11);
        c.check_and_record(key_of(5, 10_000), t1, t1 + WINDOW).unwrap();
        assert_eq!(c.purge_work(), PURGE_BUDGET);
        // The backlog goes at PURGE_BUDGET per call, each call adding at most one.
        for n in 1..200 {
            c.check_and_record(key_of(5, 10_000 + n), t1, t1 + WINDOW).unwrap();
        }
        assert_eq!(c.purge_work(), 5_000);
        assert_eq!(c.len(), 200);
        // A full cache refused after the bounded sweep: the shard's refusal purge and one
        // sweep budget per other shard, whatever the cache holds.
        let c = MemoryReplayCache::new(4_000).with_signer_share(4_000);
        for n in 0..4_000 {
            c.check_and_record(key_of(5, n), t0, t0 + WINDOW).unwrap();
        }
        for n in 0..100 {
            assert!(matches!(
                c.check_and_record(key_of(6, n), t0, t0 + WINDOW),
                Err(Error::ReplayCacheFull { capacity: 4_000 })
            ));
        }
        assert_eq!(c.purge_work(), 0);
    }

    #[test]
    fn capacity_and_share_are_exact_under_concurrency() {
        let t0 = t0();
        // Eight signers in eight shards race for 1,000 places.
        let c = Arc::new(MemoryReplayCache::new(1_000));
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8u8)
            .map(|s| {
                let (c, barrier) = (c.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..500)
                        .filter(|&n| c.check_and_record(key_of(s, n), t0, t0 + WINDOW).is_ok())
                        .count()
                })
            })
            .collect();
        let accepted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(accepted, 1_000);
        assert_eq!(c.len(), 1_000);
        // Eight threads of one signer race for its share of 100.
        let c = Arc::new(MemoryReplayCache::new(1_000).with_signer_share(100));
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8u64)
            .map(|t| {
                let (c, barrier) = (c.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..50)
                        .filter(|&n| c.check_and_record(key_of(9, t * 1_000 + n), t0, t0 + WINDOW).is_ok())
                        .count()
                })
            })
            .collect();
        let accepted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(accepted, 100);
        assert_eq!(c.signer_len(&Sha256Thumbprint([9; 32])), 100);
    }

    #[test]
    fn an_expiry_before_now_is_remembered_through_now() {
        let c = MemoryReplayCache::new(4);
        let t0 = t0();
        c.check_and_record(key(1), t0, t0 - WINDOW).unwrap();
        assert!(matches!(c.check_and_record(key(1), t0, t0), Err(Error::Replay)));
        // Before the epoch and far in the future saturate rather than wrap.
        c.check_and_record(key(2), SystemTime::UNIX_EPOCH - WINDOW, SystemTime::UNIX_EPOCH - WINDOW)
            .unwrap();
        assert!(matches!(
            c.check_and_record(key(2), SystemTime::UNIX_EPOCH - WINDOW, t0),
            Err(Error::Replay)
        ));
    }
}

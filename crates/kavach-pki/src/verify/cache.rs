//! Bounded caches of the [`crate::Validator`]: parsed certificates, and signatures already
//! verified.
//!
//! Only facts that cannot change with the time, the trust domain, the purpose, the name or the
//! CRLs are cached: "the DER certificate X parses to this", and "the signature on the DER
//! object X verifies with the key of the DER certificate Y". The key of the second is the
//! SHA-256 of X's exact DER followed by the SHA-256 of Y's exact DER, so a different
//! certificate (one byte changed) or a different issuer certificate (even with the same key)
//! is a miss.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::RwLock;

/// A map holding at most `capacity` entries and at most `max_weight` in the sum of their
/// weights (e.g. bytes); when full, the oldest insertions are evicted (FIFO: simple, O(1) per
/// eviction, and an attacker who floods it only costs the victims a re-verification).
#[derive(Debug)]
pub(crate) struct Bounded<K, V> {
    map: HashMap<K, (V, usize)>,
    order: VecDeque<K>,
    capacity: usize,
    max_weight: usize,
    weight: usize,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self::with_max_weight(capacity, usize::MAX)
    }

    pub(crate) fn with_max_weight(capacity: usize, max_weight: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            capacity,
            max_weight,
            weight: 0,
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key).map(|(v, _)| v)
    }

    /// Inserts an entry of weight 1.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        self.insert_weighted(key, value, 1);
    }

    /// Inserts an entry of weight `weight`; one heavier than the whole cache is not kept.
    pub(crate) fn insert_weighted(&mut self, key: K, value: V, weight: usize) {
        if self.capacity == 0 || weight > self.max_weight || self.map.contains_key(&key) {
            return;
        }
        while self.map.len() >= self.capacity || self.max_weight - self.weight < weight {
            match self.order.pop_front() {
                Some(old) => {
                    if let Some((_, w)) = self.map.remove(&old) {
                        self.weight -= w;
                    }
                }
                None => break,
            }
        }
        self.order.push_back(key.clone());
        self.map.insert(key, (value, weight));
        self.weight += weight;
    }

    pub(crate) fn weight(&self) -> usize {
        self.weight
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
        self.weight = 0;
    }
}

/// The verified-signature cache, shared by the validations of one [`crate::Validator`]: keys
/// of [`signature_key`], at most a fixed number of them. A poisoned lock reads as empty and
/// takes no insertion (the signature is then verified again).
#[derive(Debug)]
pub(crate) struct SignatureCache(RwLock<Bounded<[u8; 64], ()>>);

impl SignatureCache {
    /// A cache of at most `capacity` signatures (0 disables it).
    pub(crate) fn new(capacity: usize) -> Self {
        Self(RwLock::new(Bounded::new(capacity)))
    }

    /// Whether the signature of `key` was verified before.
    pub(crate) fn contains(&self, key: &[u8; 64]) -> bool {
        self.0.read().is_ok_and(|c| c.get(key).is_some())
    }

    /// Remembers that the signature of `key` verified.
    pub(crate) fn remember(&self, key: [u8; 64]) {
        if let Ok(mut c) = self.0.write() {
            c.insert(key, ());
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.0.read().map(|c| c.len()).unwrap_or(0)
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut c) = self.0.write() {
            c.clear();
        }
    }
}

/// Key of a verified signature: SHA-256 of the signed object's DER, then SHA-256 of the
/// issuer certificate's DER.
pub(crate) fn signature_key(signed_sha256: &[u8; 32], issuer_sha256: &[u8; 32]) -> [u8; 64] {
    let mut k = [0u8; 64];
    k[..32].copy_from_slice(signed_sha256);
    k[32..].copy_from_slice(issuer_sha256);
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_oldest_beyond_capacity() {
        let mut c = Bounded::new(2);
        c.insert(1, "a");
        c.insert(2, "b");
        c.insert(3, "c");
        assert_eq!(c.len(), 2);
        assert!(c.get(&1).is_none());
        assert_eq!(c.get(&3), Some(&"c"));
        c.insert(3, "again");
        assert_eq!(c.get(&3), Some(&"c"));
        let mut z: Bounded<u8, u8> = Bounded::new(0);
        z.insert(1, 1);
        assert_eq!(z.len(), 0);
    }

    #[test]
    fn evicts_the_oldest_beyond_the_weight_bound() {
        let mut c = Bounded::with_max_weight(100, 10);
        c.insert_weighted(1, "a", 4);
        c.insert_weighted(2, "b", 4);
        assert_eq!(c.weight(), 8);
        c.insert_weighted(3, "c", 4);
        assert!(c.get(&1).is_none(), "the oldest makes room");
        assert_eq!((c.len(), c.weight()), (2, 8));
        c.insert_weighted(4, "too heavy", 11);
        assert!(c.get(&4).is_none());
        assert_eq!((c.len(), c.weight()), (2, 8));
        c.clear();
        assert_eq!(c.weight(), 0);
    }
}

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

/// A map holding at most `capacity` entries; when full, the oldest insertion is evicted (FIFO:
/// simple, O(1), and an attacker who floods it only costs the victims a re-verification).
#[derive(Debug)]
pub(crate) struct Bounded<K, V> {
    map: HashMap<K, V>,
    order: VecDeque<K>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    pub(crate) fn insert(&mut self, key: K, value: V) {
        if self.capacity == 0 || self.map.contains_key(&key) {
            return;
        }
        while self.map.len() >= self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        self.order.push_back(key.clone());
        self.map.insert(key, value);
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
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
}

//! Shared by the format modules' unit tests: parties whose recipients are built by the
//! crate-private unchecked constructor (the public-API tests in `tests/` build them from
//! kavach-pki proofs), key stores holding them, and the default limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, LazyLock};

use kavach_keys::{KeyKind, MemoryKeyStore, PrivateKey, Signer};

use crate::{Limits, Recipient};

pub(crate) struct Party {
    pub(crate) key: Arc<PrivateKey>,
    pub(crate) cert: Vec<u8>,
}

impl Party {
    pub(crate) fn new(kind: KeyKind, name: &str) -> Self {
        Self {
            key: Arc::new(PrivateKey::generate(kind).unwrap()),
            cert: format!("fake certificate DER of {name}").into_bytes(),
        }
    }
    pub(crate) fn recipient(&self) -> Recipient {
        Recipient::from_certificate_unchecked(&self.cert, Signer::public_key(&*self.key).clone())
    }
}

pub(crate) static RSA_A: LazyLock<Party> = LazyLock::new(|| Party::new(KeyKind::Rsa { bits: 2048 }, "rsa a"));
pub(crate) static RSA_B: LazyLock<Party> = LazyLock::new(|| Party::new(KeyKind::Rsa { bits: 3072 }, "rsa b"));
pub(crate) static EC_A: LazyLock<Party> = LazyLock::new(|| Party::new(KeyKind::P256, "ec a"));

pub(crate) fn store(parties: &[&Party]) -> MemoryKeyStore {
    let mut s = MemoryKeyStore::new();
    for (i, p) in parties.iter().enumerate() {
        s.insert(format!("k{i}"), p.key.clone(), Some(&p.cert)).unwrap();
    }
    s
}

/// A store whose keys have no certificate (so thumbprint lookups miss).
pub(crate) fn store_without_certs(parties: &[&Party]) -> MemoryKeyStore {
    let mut s = MemoryKeyStore::new();
    for (i, p) in parties.iter().enumerate() {
        s.insert(format!("k{i}"), p.key.clone(), None).unwrap();
    }
    s
}

pub(crate) fn l() -> Limits {
    Limits::DEFAULT
}

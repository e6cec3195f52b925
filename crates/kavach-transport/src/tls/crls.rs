//! CRLs that can be replaced while servers and clients run: [`CrlStore`].

use std::sync::{Arc, RwLock};

use kavach_pki::{Crl, MAX_BUNDLE_CRLS};

use crate::tls::error::Error;

/// The CRLs a verifier checks revocation against, replaceable at any time
/// ([`CrlStore::reload`]): the next handshake is checked against the new list, without a
/// restart. Cloning gives another handle on the same list, so one store can serve a server
/// verifier and a client verifier at once.
///
/// As in [`kavach_pki::ValidationOptions::with_crls`], an empty list checks no revocation,
/// and once any CRL is given the end entity must be covered by a current CRL of its issuer.
#[derive(Clone, Debug, Default)]
pub struct CrlStore {
    crls: Arc<RwLock<Arc<[Crl]>>>,
}

impl CrlStore {
    /// A store holding `crls` (at most [`MAX_BUNDLE_CRLS`]).
    pub fn new(crls: Vec<Crl>) -> Result<Self, Error> {
        check_count(&crls)?;
        Ok(Self {
            crls: Arc::new(RwLock::new(crls.into())),
        })
    }

    /// Replaces the list (at most [`MAX_BUNDLE_CRLS`]); handshakes verified from now on use
    /// it. A refused list leaves the current one in place.
    pub fn reload(&self, crls: Vec<Crl>) -> Result<(), Error> {
        check_count(&crls)?;
        let new: Arc<[Crl]> = crls.into();
        match self.crls.write() {
            Ok(mut guard) => *guard = new,
            // A writer never panics while holding the lock (it only swaps an `Arc`), but a
            // poisoned lock must not keep the old list alive either.
            Err(poisoned) => *poisoned.into_inner() = new,
        }
        Ok(())
    }

    /// The current list (a cheap shared snapshot).
    pub fn current(&self) -> Arc<[Crl]> {
        match self.crls.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

fn check_count(crls: &[Crl]) -> Result<(), Error> {
    if crls.len() > MAX_BUNDLE_CRLS {
        return Err(Error::TooManyCrls {
            count: crls.len(),
            max: MAX_BUNDLE_CRLS,
        });
    }
    Ok(())
}

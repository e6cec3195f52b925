//! A logged-in token as its keys use it: the shared state ([`TokenInner`]: context, slot, PIN,
//! session pool), the PIN type and the mapping of PKCS#11 failures. A leaf of `pkcs11`: the
//! token type (`mod.rs`) and the keys (`key.rs`) both use it, and it imports neither.

use core::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::session::Session;
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Idle sessions kept open per token for reuse. More concurrent operations open extra
/// sessions, which are closed after use; 8 covers the worker threads of a typical service.
pub const MAX_IDLE_SESSIONS: usize = 8;

/// The user PIN of a token. Not `Clone`; `Debug` is redacted; zeroized on drop.
pub struct Pkcs11Pin(Zeroizing<String>);

impl Pkcs11Pin {
    /// Wraps `pin`.
    pub fn new(pin: impl Into<String>) -> Self {
        Self(Zeroizing::new(pin.into()))
    }

    pub(super) fn auth(&self) -> AuthPin {
        AuthPin::from(self.0.as_str())
    }

    /// Constant-time equality (the SHA-256 of both PINs is compared, so lengths do not leak).
    pub(super) fn ct_eq(&self, other: &Self) -> bool {
        use sha2::Digest;
        use subtle::ConstantTimeEq;
        let a = Zeroizing::new(<[u8; 32]>::from(sha2::Sha256::digest(self.0.as_bytes())));
        let b = Zeroizing::new(<[u8; 32]>::from(sha2::Sha256::digest(other.0.as_bytes())));
        a.ct_eq(&*b).into()
    }
}

impl fmt::Debug for Pkcs11Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pkcs11Pin([redacted])")
    }
}

/// Maps a PKCS#11 failure of `context` to [`Error::Pkcs11`].
pub(crate) fn ck(context: &'static str) -> impl FnOnce(CkError) -> Error {
    move |source| Error::Pkcs11 { context, source }
}

/// True when the token lists `mechanism` with the `CKF_DECRYPT` flag.
pub(super) fn decrypts_with(ctx: &Pkcs11, slot: Slot, mechanism: cryptoki::mechanism::MechanismType) -> Result<bool> {
    match ctx.get_mechanism_info(slot, mechanism) {
        Ok(info) => Ok(info.decrypt()),
        Err(CkError::Pkcs11(RvError::MechanismInvalid, _)) => Ok(false),
        Err(source) => Err(Error::Pkcs11 {
            context: "C_GetMechanismInfo",
            source,
        }),
    }
}

/// A logged-in token of this process, shared by its [`Pkcs11Token`](super::Pkcs11Token)s and keys.
pub(crate) struct TokenInner {
    pub(super) ctx: Pkcs11,
    pub(super) slot: Slot,
    pub(super) module: PathBuf,
    pub(super) label: String,
    pub(super) pin: Pkcs11Pin,
    /// Keeps the application logged in for as long as this token is in use.
    pub(super) _login: Mutex<Session>,
    pub(super) idle: Mutex<Vec<Session>>,
}

impl TokenInner {
    /// Runs `f` with a read-only session of this token (logged in as the user).
    pub(super) fn with_session<R>(&self, f: impl FnOnce(&Session) -> Result<R, CkError>) -> Result<R, CkError> {
        let pooled = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let session = match pooled {
            Some(session) => session,
            None => self.ctx.open_ro_session(self.slot)?,
        };
        let result = f(&session);
        let broken = matches!(
            &result,
            Err(CkError::Pkcs11(
                RvError::SessionHandleInvalid
                    | RvError::SessionClosed
                    | RvError::DeviceRemoved
                    | RvError::DeviceError
                    | RvError::TokenNotPresent
                    | RvError::UserNotLoggedIn,
                _
            ))
        );
        if !broken {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE_SESSIONS {
                idle.push(session);
            }
        }
        result
    }

    /// Runs `f` with a fresh read-write session (key generation).
    pub(super) fn with_rw_session<R>(&self, f: impl FnOnce(&Session) -> Result<R>) -> Result<R> {
        let session = self
            .ctx
            .open_rw_session(self.slot)
            .map_err(ck("C_OpenSession (read-write)"))?;
        f(&session)
    }
}

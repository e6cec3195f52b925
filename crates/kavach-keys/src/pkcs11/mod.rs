//! Keys in a PKCS#11 token (feature `pkcs11`): they sign, decrypt and agree keys without ever
//! leaving the hardware.
//!
//! - [`Pkcs11Token::open`] loads a PKCS#11 module, finds the token **by its label** (slot
//!   numbers are not stable: SoftHSM2 renumbers them when a token is created) and logs in as
//!   the user with a [`Pkcs11Pin`].
//! - [`Pkcs11Token::open_key`] finds a private key by `CKA_LABEL` and/or `CKA_ID`;
//!   [`Pkcs11Token::generate_key_pair`] makes one on the token (P-256, P-384, RSA 2048–4096;
//!   private key `CKA_SENSITIVE`, not `CKA_EXTRACTABLE`).
//! - A [`Pkcs11Key`] is a [`crate::Signer`] and a [`crate::Decrypter`], so it is a
//!   [`crate::KeyPair`] and goes into a [`crate::MemoryKeyStore`] like a software key. Its
//!   signatures verify with [`crate::PublicKey::verify`], the same check as software keys.
//!
//! # Processes, threads and sessions
//!
//! A module is loaded and `C_Initialize`d once per process (a process-wide map keyed by the
//! module's canonical path) and never finalized: tests run as threads of one process, and
//! several [`Pkcs11Token`]s may use one module. A token is logged in once per process: a second
//! [`Pkcs11Token::open`] of the same token shares the first login and must present the same PIN
//! (compared in constant time), because PKCS#11 login state belongs to the whole application
//! and the token would not check the PIN again. Operations take a session from a small
//! per-token pool (or open one), so keys can be used from many threads at once.
//!
//! # RSA-OAEP and the raw-RSA fallback
//!
//! How a key decrypts RSA-OAEP (SHA-256, MGF1-SHA-256) is decided **once, when the key is
//! opened**, never after a failed decryption (a retry on failure would be an oracle):
//!
//! 1. If the token lists `CKM_RSA_PKCS_OAEP` for decryption, kavach encrypts a fresh random
//!    value to the key's public key (with a label) and asks the token to decrypt it with
//!    SHA-256/MGF1-SHA-256. Mechanism lists do not say which hashes a token accepts (SoftHSM2
//!    2.6.1 lists the mechanism but refuses SHA-256 with `CKR_ARGUMENTS_BAD`), so this
//!    self-test, on data kavach made itself, is what decides. Right answer:
//!    [`OaepPath::TokenMechanism`]. A wrong answer fails the open ([`crate::Error::Pkcs11SelfTest`]).
//! 2. Otherwise, only when the options say [`OaepFallback::RawRsaAllowed`] (off by default:
//!    many production HSMs forbid raw RSA, rightly) and the token lists `CKM_RSA_X_509`, the
//!    key uses the raw RSA private operation on the token and decodes OAEP in software with a
//!    constant-time decoder ([`OaepPath::RawRsaWithSoftwareDecoding`], the path MOSIP's
//!    keymanager takes with HSMs). This path is self-tested the same way.
//! 3. Otherwise [`OaepPath::Unavailable`]: the key opens (it may still sign) and
//!    [`crate::Decrypter::decrypt_rsa_oaep_sha256`] fails with
//!    [`crate::Error::UnsupportedOperation`] saying why.
//!
//! Every failure of a decryption itself is the opaque [`crate::Error::DecryptionFailed`].

use core::fmt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::session::UserType;
use cryptoki::slot::Slot;

use crate::{Error, Result};

mod key;
mod token;

pub use key::{
    GENERATED_ID_LEN, KeyGenSpec, KeyProtection, KeySelector, KeyUsage, MAX_KEY_LABEL_OR_ID_LEN, OaepFallback,
    OaepPath, OaepUnavailable, Pkcs11Key, Pkcs11KeyOptions,
};
pub use token::{MAX_IDLE_SESSIONS, Pkcs11Pin};
use token::{TokenInner, ck, decrypts_with};

/// Most slots examined when looking a token up by label: the slot list comes from the module;
/// real deployments have a handful, SoftHSM2 one per token plus one free slot.
pub const MAX_SLOTS_SCANNED: usize = 1024;

/// Longest token label: PKCS#11 `CK_TOKEN_INFO.label` is 32 bytes, blank padded.
pub const MAX_TOKEN_LABEL_LEN: usize = 32;

/// One initialized context per module, for the whole process.
static MODULES: LazyLock<Mutex<HashMap<PathBuf, Pkcs11>>> = LazyLock::new(Default::default);

/// A token of this process: (canonical module path, slot id).
type TokenKey = (PathBuf, u64);

/// The logged-in tokens of this process.
static TOKENS: LazyLock<Mutex<HashMap<TokenKey, Weak<TokenInner>>>> = LazyLock::new(Default::default);

/// Loads and initializes `path` once per process.
fn module(path: &Path) -> Result<(PathBuf, Pkcs11)> {
    let canonical = std::fs::canonicalize(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut modules = MODULES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(ctx) = modules.get(&canonical) {
        return Ok((canonical, ctx.clone()));
    }
    let ctx = Pkcs11::new(&canonical).map_err(ck("loading the PKCS#11 module"))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Already initialized by other code of this process (not through kavach): share it.
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(source) => {
            return Err(Error::Pkcs11 {
                context: "C_Initialize",
                source,
            });
        }
    }
    modules.insert(canonical.clone(), ctx.clone());
    Ok((canonical, ctx))
}

fn find_slot(ctx: &Pkcs11, label: &str) -> Result<Slot> {
    let not_found = || Error::Pkcs11NotFound(format!("token with label {label:?}"));
    if label.is_empty() || label.len() > MAX_TOKEN_LABEL_LEN {
        return Err(not_found());
    }
    let slots = ctx.get_slots_with_token().map_err(ck("C_GetSlotList"))?;
    let mut found = None;
    for slot in slots.into_iter().take(MAX_SLOTS_SCANNED) {
        // A slot whose token cannot be read (removed meanwhile, in error) is not the one.
        let Ok(info) = ctx.get_token_info(slot) else { continue };
        if info.token_initialized() && info.label() == label {
            if found.is_some() {
                return Err(Error::Pkcs11Ambiguous(format!("token with label {label:?}")));
            }
            found = Some(slot);
        }
    }
    found.ok_or_else(not_found)
}

/// A logged-in PKCS#11 token, found by its label.
///
/// Not `Clone` (it holds the PIN); keys opened from it keep it alive.
pub struct Pkcs11Token {
    inner: Arc<TokenInner>,
}

impl fmt::Debug for Pkcs11Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Token")
            .field("label", &self.inner.label)
            .field("module", &self.inner.module)
            .field("slot", &self.inner.slot.id())
            .field("pin", &self.inner.pin)
            .finish()
    }
}

impl Pkcs11Token {
    /// Loads the PKCS#11 module at `module` (once per process), finds the token labelled
    /// `token_label` and logs in as the user with `pin`.
    ///
    /// Errors: [`Error::Io`] when the module path does not resolve, [`Error::Pkcs11NotFound`] /
    /// [`Error::Pkcs11Ambiguous`] for the label, [`Error::Pkcs11PinIncorrect`] for a refused
    /// PIN (or, when this process is already logged in to the token, a PIN different from the
    /// one it logged in with), [`Error::Pkcs11`] for anything else the module reports.
    pub fn open(module: impl AsRef<Path>, token_label: &str, pin: Pkcs11Pin) -> Result<Self> {
        let (module_path, ctx) = self::module(module.as_ref())?;
        let slot = find_slot(&ctx, token_label)?;
        let registry_key = (module_path.clone(), slot.id());
        let mut tokens = TOKENS.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.retain(|_, weak| weak.strong_count() > 0);
        if let Some(inner) = tokens.get(&registry_key).and_then(Weak::upgrade) {
            return if inner.pin.ct_eq(&pin) {
                Ok(Self { inner })
            } else {
                Err(Error::Pkcs11PinIncorrect {
                    token: token_label.to_owned(),
                })
            };
        }
        let session = ctx.open_ro_session(slot).map_err(ck("C_OpenSession"))?;
        match session.login(UserType::User, Some(&pin.auth())) {
            // Already logged in by code of this process that does not go through kavach.
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange, _)) => {
                return Err(Error::Pkcs11PinIncorrect {
                    token: token_label.to_owned(),
                });
            }
            Err(source) => {
                return Err(Error::Pkcs11 {
                    context: "C_Login (user)",
                    source,
                });
            }
        }
        let inner = Arc::new(TokenInner {
            ctx,
            slot,
            module: module_path,
            label: token_label.to_owned(),
            pin,
            _login: Mutex::new(session),
            idle: Mutex::new(Vec::new()),
        });
        tokens.insert(registry_key, Arc::downgrade(&inner));
        Ok(Self { inner })
    }

    /// The token's label.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// The canonical path of the PKCS#11 module.
    pub fn module_path(&self) -> &Path {
        &self.inner.module
    }

    /// The slot the token was found in (for logs only: look tokens up by label).
    pub fn slot_id(&self) -> u64 {
        self.inner.slot.id()
    }

    /// True when the token lists `CKM_RSA_PKCS_OAEP` for decryption. That says nothing about
    /// the hashes it accepts: [`Pkcs11Key::oaep_path`] is what a key actually uses.
    pub fn lists_rsa_oaep(&self) -> Result<bool> {
        decrypts_with(
            &self.inner.ctx,
            self.inner.slot,
            cryptoki::mechanism::MechanismType::RSA_PKCS_OAEP,
        )
    }

    /// Opens the private key that `selector` names (exactly one must match), with its public
    /// key, and decides how it decrypts RSA-OAEP (see the [module docs](self)).
    pub fn open_key(&self, selector: &KeySelector, options: Pkcs11KeyOptions) -> Result<Pkcs11Key> {
        key::open(&self.inner, selector, options)
    }

    /// Generates a key pair on the token (`CKA_TOKEN`; private key `CKA_PRIVATE`,
    /// `CKA_SENSITIVE`, not `CKA_EXTRACTABLE`) and opens it.
    ///
    /// Refused with [`Error::Pkcs11KeyExists`] when a key with the same label or id is already
    /// on the token (checked before generating; not atomic against another process generating
    /// at the same moment).
    pub fn generate_key_pair(&self, spec: &KeyGenSpec, options: Pkcs11KeyOptions) -> Result<Pkcs11Key> {
        key::generate(&self.inner, spec, options)
    }
}

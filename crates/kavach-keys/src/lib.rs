#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod algorithm;
pub mod encoding;
mod error;
pub mod file;
mod oaep;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
mod private;
mod public;
mod store;
mod traits;

pub use algorithm::{EcdsaEncoding, HashAlgorithm, KeyFamily, KeyKind, PssSaltLength, SignatureAlgorithm};
pub use error::{Error, Result};
pub use private::{MAX_KEY_FILE_LEN, PrivateKey, RSA_BITS_RANGE};
pub use public::{PublicKey, ecdh_p256_ephemeral};
pub use store::{KeyHandle, KeyPair, KeyStore, MAX_KEYS_IN_MEMORY_STORE, MemoryKeyStore, Sha256Thumbprint};
pub use traits::{Decrypter, Signer};
pub use zeroize::Zeroizing;

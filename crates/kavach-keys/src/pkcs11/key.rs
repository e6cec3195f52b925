//! Keys on a PKCS#11 token: lookup, generation, signing, decryption, ECDH.

use core::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;

use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode};
use zeroize::Zeroizing;

use crate::encoding::hex_lower;

use super::token::{TokenInner, ck, decrypts_with};
use crate::{
    Decrypter, EcdsaEncoding, Error, HashAlgorithm, KeyKind, PssSaltLength, PublicKey, RSA_BITS_RANGE, Result,
    SignatureAlgorithm, Signer,
};

const OID_SECP256R1: ObjectIdentifier = const_oid::db::rfc5912::SECP_256_R_1;
const OID_SECP384R1: ObjectIdentifier = const_oid::db::rfc5912::SECP_384_R_1;

/// Label used in the OAEP self-test, so that label support is part of what is tested.
const OAEP_PROBE_LABEL: &[u8] = b"kavach RSA-OAEP self-test";

/// Length of a `CKA_ID` kavach makes when the caller names none (random bytes).
pub const GENERATED_ID_LEN: usize = 16;

/// Longest `CKA_LABEL` / `CKA_ID` accepted in a [`KeySelector`] or [`KeyGenSpec`]: far above
/// what HSM tools write (labels are names, ids are hashes of at most 64 bytes).
pub const MAX_KEY_LABEL_OR_ID_LEN: usize = 256;

/// Whether a key may decrypt RSA-OAEP with the raw RSA private operation (`CKM_RSA_X_509`) and
/// OAEP decoding in software, when the token cannot do OAEP with SHA-256 itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OaepFallback {
    /// Never use raw RSA (the default).
    #[default]
    Forbidden,
    /// Use raw RSA plus constant-time software decoding when, and only when, the token has no
    /// working `CKM_RSA_PKCS_OAEP` with SHA-256 (decided when the key is opened).
    RawRsaAllowed,
}

/// How a key opened on a token is used. Built with [`Pkcs11KeyOptions::new`] and the `with_*`
/// methods (its fields are private).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Pkcs11KeyOptions {
    /// Raw-RSA fallback for OAEP decryption.
    oaep_fallback: OaepFallback,
}

impl Pkcs11KeyOptions {
    /// The defaults: no raw-RSA fallback.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the raw-RSA fallback for OAEP decryption.
    pub fn with_oaep_fallback(mut self, fallback: OaepFallback) -> Self {
        self.oaep_fallback = fallback;
        self
    }
}

/// Why a key has no RSA-OAEP decryption path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OaepUnavailable {
    /// The key is not an RSA key.
    NotAnRsaKey,
    /// The private key's `CKA_DECRYPT` is false.
    KeyNotForDecryption,
    /// The token has no working `CKM_RSA_PKCS_OAEP` with SHA-256 and the options forbid the
    /// raw-RSA fallback.
    TokenLacksOaepSha256AndFallbackForbidden,
    /// The token has neither a working `CKM_RSA_PKCS_OAEP` with SHA-256 nor `CKM_RSA_X_509`.
    TokenLacksOaepSha256AndRawRsa,
}

impl OaepUnavailable {
    fn operation(self) -> &'static str {
        match self {
            Self::NotAnRsaKey => "RSA-OAEP decryption",
            Self::KeyNotForDecryption => "RSA-OAEP decryption: the token key has CKA_DECRYPT false",
            Self::TokenLacksOaepSha256AndFallbackForbidden => {
                "RSA-OAEP SHA-256 decryption: the token does not support CKM_RSA_PKCS_OAEP with \
                 SHA-256/MGF1-SHA-256, and the raw-RSA fallback is not enabled \
                 (Pkcs11KeyOptions::with_oaep_fallback(OaepFallback::RawRsaAllowed))"
            }
            Self::TokenLacksOaepSha256AndRawRsa => {
                "RSA-OAEP SHA-256 decryption: the token supports neither CKM_RSA_PKCS_OAEP with \
                 SHA-256/MGF1-SHA-256 nor raw RSA (CKM_RSA_X_509)"
            }
        }
    }
}

/// How a key decrypts RSA-OAEP (SHA-256, MGF1-SHA-256), decided when it is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OaepPath {
    /// The token decrypts with `CKM_RSA_PKCS_OAEP` (SHA-256, MGF1-SHA-256, label).
    TokenMechanism,
    /// The token does the raw RSA private operation (`CKM_RSA_X_509`); kavach decodes OAEP in
    /// constant time.
    RawRsaWithSoftwareDecoding,
    /// No way to decrypt; decryption fails with [`Error::UnsupportedOperation`].
    Unavailable(OaepUnavailable),
}

/// Which private key to open: by `CKA_LABEL`, by `CKA_ID`, or by both.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeySelector {
    label: Option<String>,
    id: Option<Vec<u8>>,
}

impl fmt::Debug for KeySelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.label, &self.id) {
            (Some(l), Some(id)) => write!(f, "key with label {l:?} and id {}", hex_lower(id)),
            (Some(l), None) => write!(f, "key with label {l:?}"),
            (None, Some(id)) => write!(f, "key with id {}", hex_lower(id)),
            (None, None) => f.write_str("key"),
        }
    }
}

impl KeySelector {
    /// The key whose `CKA_LABEL` is `label`.
    pub fn by_label(label: impl Into<String>) -> Self {
        Self {
            label: Some(label.into()),
            id: None,
        }
    }

    /// The key whose `CKA_ID` is `id`.
    pub fn by_id(id: impl Into<Vec<u8>>) -> Self {
        Self {
            label: None,
            id: Some(id.into()),
        }
    }

    /// The key with both this `CKA_LABEL` and this `CKA_ID`.
    pub fn by_label_and_id(label: impl Into<String>, id: impl Into<Vec<u8>>) -> Self {
        Self {
            label: Some(label.into()),
            id: Some(id.into()),
        }
    }

    fn template(&self, class: ObjectClass) -> Vec<Attribute> {
        let mut t = vec![Attribute::Class(class)];
        if let Some(l) = &self.label {
            t.push(Attribute::Label(l.as_bytes().to_vec()));
        }
        if let Some(id) = &self.id {
            t.push(Attribute::Id(id.clone()));
        }
        t
    }

    fn check(&self) -> Result<()> {
        let too_long = self.label.as_ref().is_some_and(|l| l.len() > MAX_KEY_LABEL_OR_ID_LEN)
            || self.id.as_ref().is_some_and(|i| i.len() > MAX_KEY_LABEL_OR_ID_LEN);
        let empty = self.label.as_ref().is_none_or(String::is_empty) && self.id.as_ref().is_none_or(Vec::is_empty);
        if too_long || empty {
            return Err(Error::Pkcs11NotFound(format!("{self:?}")));
        }
        Ok(())
    }
}

/// What a generated key may do. Keeping signing and decryption keys apart is good practice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyUsage {
    /// Sign only (`CKA_SIGN`).
    Sign,
    /// Decrypt only: RSA-OAEP for RSA keys (`CKA_DECRYPT`), ECDH for EC keys (`CKA_DERIVE`).
    Decrypt,
    /// Both.
    SignAndDecrypt,
}

impl KeyUsage {
    fn sign(self) -> bool {
        matches!(self, Self::Sign | Self::SignAndDecrypt)
    }
    fn decrypt(self) -> bool {
        matches!(self, Self::Decrypt | Self::SignAndDecrypt)
    }
}

/// A key pair to generate on a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyGenSpec {
    kind: KeyKind,
    label: String,
    id: Option<Vec<u8>>,
    usage: KeyUsage,
}

impl KeyGenSpec {
    /// A key of `kind` (P-256, P-384, or RSA of 2048 to 4096 bits) labelled `label` (set on both
    /// halves), for `usage`. The `CKA_ID` is [`GENERATED_ID_LEN`] random bytes unless
    /// [`KeyGenSpec::with_id`] names one.
    pub fn new(kind: KeyKind, label: impl Into<String>, usage: KeyUsage) -> Self {
        Self {
            kind,
            label: label.into(),
            id: None,
            usage,
        }
    }

    /// Sets the `CKA_ID` of both halves.
    pub fn with_id(mut self, id: impl Into<Vec<u8>>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// The protection attributes of a token private key, read back from the token. An attribute
/// the token does not report reads as the unsafe value (not sensitive, extractable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyProtection {
    /// `CKA_SENSITIVE`: the key value cannot be read in plaintext.
    pub sensitive: bool,
    /// `CKA_EXTRACTABLE`: the key can be wrapped out of the token.
    pub extractable: bool,
    /// `CKA_ALWAYS_SENSITIVE`: the key has been sensitive since it was made.
    pub always_sensitive: bool,
    /// `CKA_NEVER_EXTRACTABLE`: the key has never been extractable.
    pub never_extractable: bool,
    /// `CKA_TOKEN`: a token (persistent) object.
    pub token_object: bool,
    /// `CKA_PRIVATE`: visible only after login.
    pub private_object: bool,
}

/// A private key on a PKCS#11 token, with its public key.
///
/// Signs with one [`SignatureAlgorithm`] ([`KeyKind::default_signature_algorithm`] unless
/// [`Pkcs11Key::with_signature_algorithm`] says otherwise). ECDSA hashes in software and signs
/// the digest with `CKM_ECDSA`; RSA uses `CKM_SHA*_RSA_PKCS` and `CKM_SHA*_RSA_PKCS_PSS`.
pub struct Pkcs11Key {
    token: Arc<TokenInner>,
    private: ObjectHandle,
    public: PublicKey,
    algorithm: SignatureAlgorithm,
    label: Option<String>,
    id: Vec<u8>,
    can_sign: bool,
    can_derive: bool,
    oaep: OaepPath,
}

impl fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("token", &self.token.label)
            .field("kind", &self.public.kind())
            .field("label", &self.label)
            .field("id", &hex_lower(&self.id))
            .field("algorithm", &self.algorithm)
            .field("oaep", &self.oaep)
            .finish()
    }
}

impl Pkcs11Key {
    /// What kind of key this is.
    pub fn kind(&self) -> KeyKind {
        self.public.kind()
    }

    /// The private key's `CKA_LABEL`, if it has one.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The private key's `CKA_ID` (empty if it has none).
    pub fn id(&self) -> &[u8] {
        &self.id
    }

    /// Label of the token the key lives on.
    pub fn token_label(&self) -> &str {
        &self.token.label
    }

    /// How this key decrypts RSA-OAEP, as decided when it was opened.
    pub fn oaep_path(&self) -> OaepPath {
        self.oaep
    }

    /// Returns this key set to sign with `algorithm`, which must fit the key (e.g.
    /// [`SignatureAlgorithm::RS256`] for an RSA key). PSS with
    /// [`PssSaltLength::AnyOnVerify`] signs with a salt as long as the hash.
    pub fn with_signature_algorithm(mut self, algorithm: SignatureAlgorithm) -> Result<Self> {
        self.public.check_algorithm(algorithm)?;
        self.algorithm = match algorithm {
            SignatureAlgorithm::RsaPss {
                hash,
                salt: PssSaltLength::AnyOnVerify,
            } => SignatureAlgorithm::RsaPss {
                hash,
                salt: PssSaltLength::Exactly(hash.output_len() as u16),
            },
            other => other,
        };
        Ok(self)
    }

    /// Reads the private key's protection attributes back from the token.
    pub fn protection(&self) -> Result<KeyProtection> {
        let attrs = self
            .token
            .with_session(|s| {
                s.get_attributes(
                    self.private,
                    &[
                        AttributeType::Sensitive,
                        AttributeType::Extractable,
                        AttributeType::AlwaysSensitive,
                        AttributeType::NeverExtractable,
                        AttributeType::Token,
                        AttributeType::Private,
                    ],
                )
            })
            .map_err(ck("C_GetAttributeValue (protection attributes)"))?;
        let mut p = KeyProtection {
            sensitive: false,
            extractable: true,
            always_sensitive: false,
            never_extractable: false,
            token_object: false,
            private_object: false,
        };
        for a in attrs {
            match a {
                Attribute::Sensitive(v) => p.sensitive = v,
                Attribute::Extractable(v) => p.extractable = v,
                Attribute::AlwaysSensitive(v) => p.always_sensitive = v,
                Attribute::NeverExtractable(v) => p.never_extractable = v,
                Attribute::Token(v) => p.token_object = v,
                Attribute::Private(v) => p.private_object = v,
                _ => {}
            }
        }
        Ok(p)
    }

    fn modulus_len(&self) -> usize {
        match self.public.kind() {
            KeyKind::Rsa { bits } => bits.div_ceil(8),
            _ => 0,
        }
    }

    /// The raw RSA private operation on the token, as a block of exactly the modulus length.
    fn raw_rsa(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let k = self.modulus_len();
        if ciphertext.len() != k {
            // Public information (RFC 8017 §7.1.2 step 1.b): not an oracle.
            return Err(Error::DecryptionFailed);
        }
        let out = Zeroizing::new(
            self.token
                .with_session(|s| s.decrypt(&Mechanism::RsaX509, self.private, ciphertext))
                .map_err(|_| Error::DecryptionFailed)?,
        );
        // PKCS#11 says k bytes; tolerate a token that drops leading zero bytes.
        if out.len() > k {
            return Err(Error::DecryptionFailed);
        }
        let mut block = Zeroizing::new(vec![0u8; k]);
        block[k - out.len()..].copy_from_slice(&out);
        Ok(block)
    }

    fn oaep_with_mechanism(&self, label: Option<&[u8]>, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, CkError> {
        let source = match label {
            Some(l) if !l.is_empty() => PkcsOaepSource::data_specified(l),
            _ => PkcsOaepSource::empty(),
        };
        let params = PkcsOaepParams::new(MechanismType::SHA256, PkcsMgfType::MGF1_SHA256, source);
        self.token
            .with_session(|s| s.decrypt(&Mechanism::RsaPkcsOaep(params), self.private, ciphertext))
            .map(Zeroizing::new)
    }

    fn oaep_with_raw_rsa(&self, label: Option<&[u8]>, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let block = self.raw_rsa(ciphertext)?;
        crate::oaep::decode_sha256(&block, label.unwrap_or_default())
    }
}

impl Signer for Pkcs11Key {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        if !self.can_sign {
            return Err(Error::UnsupportedOperation {
                key: self.kind(),
                operation: "signing: the token key has CKA_SIGN false",
            });
        }
        match (self.kind(), self.algorithm) {
            (kind @ (KeyKind::P256 | KeyKind::P384), SignatureAlgorithm::Ecdsa { hash, encoding }) => {
                let digest = hash.digest(message);
                let raw = self
                    .token
                    .with_session(|s| s.sign(&Mechanism::Ecdsa, self.private, &digest))
                    .map_err(ck("C_Sign (CKM_ECDSA)"))?;
                ecdsa_encode(kind, &raw, encoding)
            }
            (KeyKind::Rsa { .. }, SignatureAlgorithm::RsaPkcs1v15(hash)) => {
                let mechanism = match hash {
                    HashAlgorithm::Sha256 => Mechanism::Sha256RsaPkcs,
                    HashAlgorithm::Sha384 => Mechanism::Sha384RsaPkcs,
                    HashAlgorithm::Sha512 => Mechanism::Sha512RsaPkcs,
                };
                self.token
                    .with_session(|s| s.sign(&mechanism, self.private, message))
                    .map_err(ck("C_Sign (CKM_SHA*_RSA_PKCS)"))
            }
            (KeyKind::Rsa { .. }, SignatureAlgorithm::RsaPss { hash, salt }) => {
                let salt = match salt {
                    PssSaltLength::Exactly(n) => u64::from(n),
                    PssSaltLength::AnyOnVerify => hash.output_len() as u64,
                };
                let (hash_alg, mgf) = match hash {
                    HashAlgorithm::Sha256 => (MechanismType::SHA256, PkcsMgfType::MGF1_SHA256),
                    HashAlgorithm::Sha384 => (MechanismType::SHA384, PkcsMgfType::MGF1_SHA384),
                    HashAlgorithm::Sha512 => (MechanismType::SHA512, PkcsMgfType::MGF1_SHA512),
                };
                let params = PkcsPssParams {
                    hash_alg,
                    mgf,
                    s_len: salt.into(),
                };
                let mechanism = match hash {
                    HashAlgorithm::Sha256 => Mechanism::Sha256RsaPkcsPss(params),
                    HashAlgorithm::Sha384 => Mechanism::Sha384RsaPkcsPss(params),
                    HashAlgorithm::Sha512 => Mechanism::Sha512RsaPkcsPss(params),
                };
                self.token
                    .with_session(|s| s.sign(&mechanism, self.private, message))
                    .map_err(ck("C_Sign (CKM_SHA*_RSA_PKCS_PSS)"))
            }
            _ => Err(Error::AlgorithmKeyMismatch {
                algorithm: self.algorithm,
                key: self.kind(),
            }),
        }
    }
}

/// Turns the `r || s` that `CKM_ECDSA` returns into the configured encoding (checking that
/// it is a well-formed signature for the curve).
fn ecdsa_encode(kind: KeyKind, raw: &[u8], encoding: EcdsaEncoding) -> Result<Vec<u8>> {
    match kind {
        KeyKind::P256 => {
            let sig = p256::ecdsa::Signature::from_slice(raw).map_err(|_| Error::SigningFailed)?;
            Ok(match encoding {
                EcdsaEncoding::Fixed => sig.to_vec(),
                EcdsaEncoding::Der => sig.to_der().as_bytes().to_vec(),
            })
        }
        KeyKind::P384 => {
            let sig = p384::ecdsa::Signature::from_slice(raw).map_err(|_| Error::SigningFailed)?;
            Ok(match encoding {
                EcdsaEncoding::Fixed => sig.to_vec(),
                EcdsaEncoding::Der => sig.to_der().as_bytes().to_vec(),
            })
        }
        _ => Err(Error::SigningFailed),
    }
}

impl Decrypter for Pkcs11Key {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn decrypt_rsa_oaep_sha256(&self, label: Option<&[u8]>, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        match self.oaep {
            // One attempt on the path chosen at open; any failure is the same opaque error.
            OaepPath::TokenMechanism => self
                .oaep_with_mechanism(label, ciphertext)
                .map_err(|_| Error::DecryptionFailed),
            OaepPath::RawRsaWithSoftwareDecoding => self.oaep_with_raw_rsa(label, ciphertext),
            OaepPath::Unavailable(why) => Err(Error::UnsupportedOperation {
                key: self.kind(),
                operation: why.operation(),
            }),
        }
    }

    fn ecdh_p256(&self, peer: &PublicKey) -> Result<Zeroizing<[u8; 32]>> {
        if self.kind() != KeyKind::P256 {
            return Err(Error::UnsupportedOperation {
                key: self.kind(),
                operation: "ECDH on P-256",
            });
        }
        if !self.can_derive {
            return Err(Error::UnsupportedOperation {
                key: self.kind(),
                operation: "ECDH on P-256: the token key has CKA_DERIVE false",
            });
        }
        let Some(point) = peer.ec_point_uncompressed().filter(|_| peer.kind() == KeyKind::P256) else {
            return Err(Error::DecryptionFailed);
        };
        let params = Ecdh1DeriveParams::new(EcKdf::null(), &point);
        // The shared x coordinate, as a session object that may be read once, then destroyed.
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::GENERIC_SECRET),
            Attribute::ValueLen(32u64.into()),
            Attribute::Token(false),
            Attribute::Sensitive(false),
            Attribute::Extractable(true),
        ];
        let shared = self
            .token
            .with_session(|s| {
                let secret = s.derive_key(&Mechanism::Ecdh1Derive(params), self.private, &template)?;
                // The value is taken into a `Zeroizing` before any `?`: a failed destroy must
                // not drop the shared secret unzeroized.
                let value = s.get_attributes(secret, &[AttributeType::Value]).map(shared_secret);
                let destroyed = s.destroy_object(secret);
                let value = value?;
                destroyed?;
                Ok(value)
            })
            .map_err(|_| Error::DecryptionFailed)?;
        shared.ok_or(Error::DecryptionFailed)
    }
}

/// The 32-byte `CKA_VALUE` among `attrs` (the ECDH shared secret), or `None`. Every value
/// attribute is zeroized, whatever its length, before this returns.
fn shared_secret(attrs: Vec<Attribute>) -> Option<Zeroizing<[u8; 32]>> {
    let mut out = None;
    for attr in attrs {
        if let Attribute::Value(v) = attr {
            let v = Zeroizing::new(v);
            if v.len() == 32 {
                // Copied straight into its zeroizing home (no array moved through the stack).
                let mut secret = Zeroizing::new([0u8; 32]);
                secret.copy_from_slice(&v);
                out = Some(secret);
            }
        }
    }
    out
}

/// Attributes of a private key that decide what it is and what it may do.
struct PrivateAttrs {
    key_type: Option<KeyType>,
    label: Option<String>,
    id: Vec<u8>,
    sign: bool,
    decrypt: bool,
    derive: bool,
    modulus: Option<Vec<u8>>,
    public_exponent: Option<Vec<u8>>,
    ec_params: Option<Vec<u8>>,
}

fn read_private_attrs(session: &Session, handle: ObjectHandle) -> Result<PrivateAttrs, CkError> {
    let attrs = session.get_attributes(
        handle,
        &[
            AttributeType::KeyType,
            AttributeType::Label,
            AttributeType::Id,
            AttributeType::Sign,
            AttributeType::Decrypt,
            AttributeType::Derive,
        ],
    )?;
    let mut p = PrivateAttrs {
        key_type: None,
        label: None,
        id: Vec::new(),
        sign: false,
        decrypt: false,
        derive: false,
        modulus: None,
        public_exponent: None,
        ec_params: None,
    };
    for a in attrs {
        match a {
            Attribute::KeyType(t) => p.key_type = Some(t),
            Attribute::Label(l) => p.label = String::from_utf8(l).ok().filter(|l| !l.is_empty()),
            Attribute::Id(id) => p.id = id,
            Attribute::Sign(v) => p.sign = v,
            Attribute::Decrypt(v) => p.decrypt = v,
            Attribute::Derive(v) => p.derive = v,
            _ => {}
        }
    }
    // Type-specific public attributes, asked separately: a token may refuse a whole template
    // that names attributes the object type does not have.
    if p.key_type == Some(KeyType::RSA) {
        for a in session.get_attributes(handle, &[AttributeType::Modulus, AttributeType::PublicExponent])? {
            match a {
                Attribute::Modulus(n) => p.modulus = Some(n),
                Attribute::PublicExponent(e) => p.public_exponent = Some(e),
                _ => {}
            }
        }
    } else if p.key_type == Some(KeyType::EC) {
        for a in session.get_attributes(handle, &[AttributeType::EcParams])? {
            if let Attribute::EcParams(params) = a {
                p.ec_params = Some(params);
            }
        }
    }
    Ok(p)
}

/// Finds at most two objects matching `template`: enough to tell "none", "one" and "more".
fn find_up_to_two(session: &Session, template: &[Attribute]) -> Result<Vec<ObjectHandle>, CkError> {
    const TWO: NonZeroUsize = NonZeroUsize::MIN.saturating_add(1);
    session.iter_objects_with_cache_size(template, TWO)?.take(2).collect()
}

fn one(found: Vec<ObjectHandle>, what: impl FnOnce() -> String) -> Result<ObjectHandle> {
    match found.as_slice() {
        [h] => Ok(*h),
        [] => Err(Error::Pkcs11NotFound(what())),
        _ => Err(Error::Pkcs11Ambiguous(what())),
    }
}

pub(super) fn open(token: &Arc<TokenInner>, selector: &KeySelector, options: Pkcs11KeyOptions) -> Result<Pkcs11Key> {
    selector.check()?;
    let found = token
        .with_session(|s| find_up_to_two(s, &selector.template(ObjectClass::PRIVATE_KEY)))
        .map_err(ck("C_FindObjects (private key)"))?;
    let private = one(found, || format!("private {selector:?}"))?;
    from_private_handle(token, private, None, options)
}

/// Builds the key from its private key handle (and its public key handle when known).
fn from_private_handle(
    token: &Arc<TokenInner>,
    private: ObjectHandle,
    public_handle: Option<ObjectHandle>,
    options: Pkcs11KeyOptions,
) -> Result<Pkcs11Key> {
    let attrs = token
        .with_session(|s| read_private_attrs(s, private))
        .map_err(ck("C_GetAttributeValue (private key)"))?;
    let public = match attrs.key_type {
        Some(KeyType::RSA) => {
            let (Some(n), Some(e)) = (&attrs.modulus, &attrs.public_exponent) else {
                return Err(Error::MalformedKey {
                    format: "PKCS#11 RSA private key",
                    reason: "no CKA_MODULUS / CKA_PUBLIC_EXPONENT",
                });
            };
            let key = PublicKey::from_rsa_components(n, e)?;
            if let KeyKind::Rsa { bits } = key.kind()
                && !RSA_BITS_RANGE.contains(&bits)
            {
                return Err(Error::UnsupportedRsaKeySize {
                    bits,
                    min: *RSA_BITS_RANGE.start(),
                    max: *RSA_BITS_RANGE.end(),
                });
            }
            key
        }
        Some(KeyType::EC) => ec_public_key(token, &attrs, public_handle)?,
        Some(other) => return Err(Error::UnsupportedKeyAlgorithm(format!("PKCS#11 key type {other}"))),
        None => {
            return Err(Error::MalformedKey {
                format: "PKCS#11 private key",
                reason: "no CKA_KEY_TYPE",
            });
        }
    };
    let mut key = Pkcs11Key {
        token: Arc::clone(token),
        private,
        algorithm: public.kind().default_signature_algorithm(),
        public,
        label: attrs.label,
        id: attrs.id,
        can_sign: attrs.sign,
        can_derive: attrs.derive,
        oaep: OaepPath::Unavailable(OaepUnavailable::NotAnRsaKey),
    };
    if key.public.kind().ec_field_len().is_some() && (key.can_sign || key.can_derive) {
        check_ec_pair(&key)?;
    }
    key.oaep = decide_oaep_path(&key, attrs.decrypt, options.oaep_fallback)?;
    Ok(key)
}

/// The public key of an EC private key: from the public key object with the same `CKA_ID`
/// (or, without an id, the same label), whose `CKA_EC_PARAMS` must match.
fn ec_public_key(
    token: &Arc<TokenInner>,
    attrs: &PrivateAttrs,
    public_handle: Option<ObjectHandle>,
) -> Result<PublicKey> {
    let bad = |reason| Error::MalformedKey {
        format: "PKCS#11 EC key",
        reason,
    };
    let params = attrs.ec_params.as_deref().ok_or(bad("no CKA_EC_PARAMS"))?;
    let curve = ObjectIdentifier::from_der(params).map_err(|_| bad("CKA_EC_PARAMS is not a named curve"))?;
    let (kind, field_len) = if curve == OID_SECP256R1 {
        (KeyKind::P256, 32)
    } else if curve == OID_SECP384R1 {
        (KeyKind::P384, 48)
    } else {
        return Err(Error::UnsupportedKeyAlgorithm(format!("EC curve {curve}")));
    };
    let public_handle = match public_handle {
        Some(h) => h,
        None => {
            let mut template = vec![
                Attribute::Class(ObjectClass::PUBLIC_KEY),
                Attribute::KeyType(KeyType::EC),
            ];
            let what = if !attrs.id.is_empty() {
                template.push(Attribute::Id(attrs.id.clone()));
                format!("EC public key with id {}", hex_lower(&attrs.id))
            } else if let Some(l) = &attrs.label {
                template.push(Attribute::Label(l.as_bytes().to_vec()));
                format!("EC public key with label {l:?}")
            } else {
                return Err(bad(
                    "private key has neither CKA_ID nor CKA_LABEL to find its public key by",
                ));
            };
            let found = token
                .with_session(|s| find_up_to_two(s, &template))
                .map_err(ck("C_FindObjects (public key)"))?;
            one(found, || what)?
        }
    };
    let pub_attrs = token
        .with_session(|s| s.get_attributes(public_handle, &[AttributeType::EcParams, AttributeType::EcPoint]))
        .map_err(ck("C_GetAttributeValue (EC public key)"))?;
    let mut point = None;
    let mut pub_params = None;
    for a in pub_attrs {
        match a {
            Attribute::EcPoint(p) => point = Some(p),
            Attribute::EcParams(p) => pub_params = Some(p),
            _ => {}
        }
    }
    if pub_params.as_deref() != Some(params) {
        return Err(bad("public key object is on another curve"));
    }
    let point = point.ok_or(bad("public key object has no CKA_EC_POINT"))?;
    let raw = unwrap_ec_point(&point, field_len).ok_or(bad("CKA_EC_POINT is not an uncompressed point"))?;
    PublicKey::from_ec_point(kind, raw)
}

/// `CKA_EC_POINT` is a DER OCTET STRING around the SEC1 point (`04 41 04 x y` for P-256);
/// some tokens return the bare point. Returns the uncompressed point.
fn unwrap_ec_point(value: &[u8], field_len: usize) -> Option<&[u8]> {
    let uncompressed_len = 1 + 2 * field_len;
    let point = if value.len() == uncompressed_len && value[0] == 0x04 {
        value
    } else {
        <&OctetStringRef>::from_der(value).ok()?.as_bytes()
    };
    (point.len() == uncompressed_len && point[0] == 0x04).then_some(point)
}

/// Checks that the public key object found for an EC private key belongs to it: signs a
/// random digest on the token and verifies it, or (for a key that only derives) agrees a key
/// with a fresh ephemeral key in software and compares.
fn check_ec_pair(key: &Pkcs11Key) -> Result<()> {
    use subtle::ConstantTimeEq;
    let mismatch = || Error::Pkcs11SelfTest {
        token: key.token.label.clone(),
        operation: "EC key pair consistency (the public key object does not match the private key)",
    };
    if key.can_sign {
        let mut probe = [0u8; 32];
        getrandom::fill(&mut probe).map_err(|_| Error::Rng)?;
        let sig = key.sign(&probe)?;
        key.public.verify(key.algorithm, &probe, &sig).map_err(|_| mismatch())
    } else if key.kind() == KeyKind::P256 {
        let (ephemeral, expected) = crate::ecdh_p256_ephemeral(&key.public)?;
        let on_token = key.ecdh_p256(&ephemeral)?;
        if bool::from(on_token.ct_eq(&*expected)) {
            Ok(())
        } else {
            Err(mismatch())
        }
    } else {
        Ok(())
    }
}

/// Decides once, at open, how this key decrypts RSA-OAEP (see the module docs).
fn decide_oaep_path(key: &Pkcs11Key, can_decrypt: bool, fallback: OaepFallback) -> Result<OaepPath> {
    use subtle::ConstantTimeEq;
    if !matches!(key.kind(), KeyKind::Rsa { .. }) {
        return Ok(OaepPath::Unavailable(OaepUnavailable::NotAnRsaKey));
    }
    if !can_decrypt {
        return Ok(OaepPath::Unavailable(OaepUnavailable::KeyNotForDecryption));
    }
    let token = &key.token;
    let self_test_failed = |operation| Error::Pkcs11SelfTest {
        token: token.label.clone(),
        operation,
    };
    let mut secret = Zeroizing::new([0u8; 32]);
    getrandom::fill(secret.as_mut()).map_err(|_| Error::Rng)?;
    let ciphertext = key
        .public
        .encrypt_rsa_oaep_sha256(Some(OAEP_PROBE_LABEL), secret.as_ref())?;

    if decrypts_with(&token.ctx, token.slot, MechanismType::RSA_PKCS_OAEP)? {
        match key.oaep_with_mechanism(Some(OAEP_PROBE_LABEL), &ciphertext) {
            Ok(plain) if bool::from(plain.as_slice().ct_eq(secret.as_slice())) => return Ok(OaepPath::TokenMechanism),
            Ok(_) => return Err(self_test_failed("RSA-OAEP SHA-256 decryption (CKM_RSA_PKCS_OAEP)")),
            // The token refuses SHA-256/MGF1-SHA-256 (or labels): SoftHSM2 2.6.1 answers
            // CKR_ARGUMENTS_BAD. Fall through to the fallback decision.
            Err(CkError::Pkcs11(
                RvError::ArgumentsBad
                | RvError::MechanismParamInvalid
                | RvError::MechanismInvalid
                | RvError::FunctionNotSupported,
                _,
            )) => {}
            Err(source) => {
                return Err(Error::Pkcs11 {
                    context: "RSA-OAEP self-test (CKM_RSA_PKCS_OAEP)",
                    source,
                });
            }
        }
    }
    if fallback != OaepFallback::RawRsaAllowed {
        return Ok(OaepPath::Unavailable(
            OaepUnavailable::TokenLacksOaepSha256AndFallbackForbidden,
        ));
    }
    if !decrypts_with(&token.ctx, token.slot, MechanismType::RSA_X_509)? {
        return Ok(OaepPath::Unavailable(OaepUnavailable::TokenLacksOaepSha256AndRawRsa));
    }
    match key.oaep_with_raw_rsa(Some(OAEP_PROBE_LABEL), &ciphertext) {
        Ok(plain) if bool::from(plain.as_slice().ct_eq(secret.as_slice())) => Ok(OaepPath::RawRsaWithSoftwareDecoding),
        _ => Err(self_test_failed(
            "RSA-OAEP SHA-256 decryption (CKM_RSA_X_509 and software decoding)",
        )),
    }
}

pub(super) fn generate(token: &Arc<TokenInner>, spec: &KeyGenSpec, options: Pkcs11KeyOptions) -> Result<Pkcs11Key> {
    if spec.label.is_empty() || spec.label.len() > MAX_KEY_LABEL_OR_ID_LEN {
        return Err(Error::KeyGeneration("the key label must be 1 to 256 bytes"));
    }
    let id = match &spec.id {
        Some(id) if id.is_empty() || id.len() > MAX_KEY_LABEL_OR_ID_LEN => {
            return Err(Error::KeyGeneration("the key id must be 1 to 256 bytes"));
        }
        Some(id) => id.clone(),
        None => {
            let mut id = vec![0u8; GENERATED_ID_LEN];
            getrandom::fill(&mut id).map_err(|_| Error::Rng)?;
            id
        }
    };
    let label = spec.label.as_bytes().to_vec();
    // Refuse to shadow an existing key: lookups by label or id must stay unambiguous.
    for (class, attribute, what) in [
        (
            ObjectClass::PRIVATE_KEY,
            Attribute::Label(label.clone()),
            format!("label {:?}", spec.label),
        ),
        (
            ObjectClass::PUBLIC_KEY,
            Attribute::Label(label.clone()),
            format!("label {:?}", spec.label),
        ),
        (
            ObjectClass::PRIVATE_KEY,
            Attribute::Id(id.clone()),
            format!("id {}", hex_lower(&id)),
        ),
        (
            ObjectClass::PUBLIC_KEY,
            Attribute::Id(id.clone()),
            format!("id {}", hex_lower(&id)),
        ),
    ] {
        let template = [Attribute::Class(class), attribute];
        let found = token
            .with_session(|s| find_up_to_two(s, &template))
            .map_err(ck("C_FindObjects (existing keys)"))?;
        if !found.is_empty() {
            return Err(Error::Pkcs11KeyExists {
                token: token.label.clone(),
                what,
            });
        }
    }

    let usage = spec.usage;
    let common_private = [
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Label(label.clone()),
        Attribute::Id(id.clone()),
        Attribute::Sign(usage.sign()),
    ];
    let common_public = [
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Label(label),
        Attribute::Id(id),
        Attribute::Verify(usage.sign()),
    ];
    let (mechanism, public_template, private_template) = match spec.kind {
        KeyKind::P256 | KeyKind::P384 => {
            let curve = if spec.kind == KeyKind::P256 {
                OID_SECP256R1
            } else {
                OID_SECP384R1
            };
            let params = curve
                .to_der()
                .map_err(|_| Error::KeyGeneration("encoding the curve OID failed"))?;
            let mut public = common_public.to_vec();
            public.push(Attribute::EcParams(params));
            let mut private = common_private.to_vec();
            private.push(Attribute::Derive(usage.decrypt()));
            (Mechanism::EccKeyPairGen, public, private)
        }
        KeyKind::Rsa { bits } => {
            if !RSA_BITS_RANGE.contains(&bits) {
                return Err(Error::UnsupportedRsaKeySize {
                    bits,
                    min: *RSA_BITS_RANGE.start(),
                    max: *RSA_BITS_RANGE.end(),
                });
            }
            let mut public = common_public.to_vec();
            public.push(Attribute::ModulusBits((bits as u64).into()));
            public.push(Attribute::PublicExponent(vec![0x01, 0x00, 0x01]));
            public.push(Attribute::Encrypt(usage.decrypt()));
            let mut private = common_private.to_vec();
            private.push(Attribute::Decrypt(usage.decrypt()));
            (Mechanism::RsaPkcsKeyPairGen, public, private)
        }
        other => {
            return Err(Error::UnsupportedKeyAlgorithm(format!(
                "{other} key generation on a PKCS#11 token"
            )));
        }
    };
    let (public, private) = token.with_rw_session(|s| {
        s.generate_key_pair(&mechanism, &public_template, &private_template)
            .map_err(ck("C_GenerateKeyPair"))
    })?;
    from_private_handle(token, private, Some(public), options).inspect_err(|_| {
        // Do not leave a key behind that could not be opened.
        let _ = token.with_rw_session(|s| {
            let _ = s.destroy_object(private);
            let _ = s.destroy_object(public);
            Ok(())
        });
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The ECDH path takes the shared secret out of the token's attributes with this helper
    /// before the `destroy_object` result is looked at (a failed destroy used to drop the
    /// secret unzeroized): it finds the 32-byte value and only that.
    #[test]
    fn shared_secret_takes_the_32_byte_value_only() {
        let attrs = vec![
            Attribute::Label(b"x".to_vec()),
            Attribute::Value(vec![1u8; 31]),
            Attribute::Value(vec![2u8; 32]),
        ];
        assert_eq!(*shared_secret(attrs).unwrap(), [2u8; 32]);
        assert!(shared_secret(vec![Attribute::Value(vec![3u8; 33])]).is_none());
        assert!(shared_secret(Vec::new()).is_none());
    }
}

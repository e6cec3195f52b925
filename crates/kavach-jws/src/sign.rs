//! Signing: a JWS compact serialization from any [`kavach_keys::Signer`].

use std::time::SystemTime;

use kavach_keys::Signer;
use kavach_pki::Certificate;

use crate::alg::JwsAlgorithm;
use crate::compact::{CompactJws, PayloadMode, UnsignedJws};
use crate::error::{Error, Result};
use crate::header::{Header, HeaderParams, Jti, MAX_X5C_CERTIFICATES};
use crate::time::Timestamp;

/// Header members an application may not set through [`SignOptions::with_header_member`]: the
/// ones RFC 7515 §4.1 and RFC 7797 register, and kavach's `ts` and `jti`.
pub const RESERVED_HEADER_MEMBERS: [&str; 15] = [
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "b64", "ts", "jti", "",
];

/// Whether a signature carries kavach's freshness members `ts` and `jti` (WIRE.md §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Freshness {
    /// `ts` = the current time and `jti` = 16 fresh random bytes (the default; what a `strict`
    /// verifier requires).
    #[default]
    TimestampAndJti,
    /// `ts` = the given time and a fresh `jti` (a signer whose clock is kept elsewhere, tests).
    TimestampAndJtiAt(SystemTime),
    /// Neither, like MOSIP's `jwtSign`: only a `compat-mosip` verifier accepts such a JWS.
    Omit,
}

/// How [`sign`] builds a JWS. The default is attached, base64url payload, with `ts` and `jti`,
/// and no certificate.
#[derive(Clone, Debug, Default)]
pub struct SignOptions {
    mode: PayloadMode,
    unencoded: bool,
    chain: Vec<Certificate>,
    x5t_s256: bool,
    kid: Option<String>,
    typ: Option<String>,
    freshness: Freshness,
    extra: Vec<(String, String)>,
}

impl SignOptions {
    /// Attached, base64url payload, `ts` and `jti`, no certificate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets where the payload goes: [`PayloadMode::Attached`] (the default) or
    /// [`PayloadMode::Detached`], which leaves it out of the serialization (`header..signature`,
    /// RFC 7515 Appendix F).
    pub fn with_payload_mode(mut self, mode: PayloadMode) -> Self {
        self.mode = mode;
        self
    }

    /// Signs the payload unencoded (RFC 7797: `"b64": false`, listed in `crit`). Attached, the
    /// payload must then be UTF-8 without `.`.
    pub fn with_unencoded_payload(mut self) -> Self {
        self.unencoded = true;
        self
    }

    /// Puts the signer's certificate and the chain after it in `x5c` (leaf first). The leaf
    /// must hold the signer's public key.
    pub fn with_certificate_chain(mut self, chain: Vec<Certificate>) -> Self {
        self.chain = chain;
        self
    }

    /// Adds `x5t#S256`, the SHA-256 thumbprint of the leaf certificate (what MOSIP's response
    /// signatures carry).
    pub fn with_x5t_s256(mut self) -> Self {
        self.x5t_s256 = true;
        self
    }

    /// Sets `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Sets `typ` (e.g. `JOSE`).
    pub fn with_typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Adds an application member with a string value to the protected header (`req`, `aud`,
    /// `env`, `domainUri`, `htm`, `htu`: WIRE.md §4b, §5, §5b). It is never listed in `crit`.
    /// [`sign`] refuses a name that kavach writes itself or that RFC 7515 registers
    /// ([`RESERVED_HEADER_MEMBERS`]) and a name given twice. Read back with
    /// [`crate::Header::string_member`].
    pub fn with_header_member(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Sets whether `ts` and `jti` are written.
    pub fn with_freshness(mut self, freshness: Freshness) -> Self {
        self.freshness = freshness;
        self
    }
}

/// Signs `payload` with `signer`; the signer's [`Signer::algorithm`] decides `alg`
/// ([`JwsAlgorithm::from_signature_algorithm`]), so a key in an HSM signs exactly like a key in
/// memory.
///
/// Refuses a signer whose scheme has no accepted JWS algorithm (ECDSA in DER, PSS with a salt
/// other than 32), whose key does not fit the algorithm (ES256 on P-384, RSA under 2048 bits),
/// a leaf certificate whose key is not the signer's, an attached unencoded payload containing
/// `.`, and a signer that returns a signature of the wrong length for ES256/ES384/EdDSA.
pub fn sign(signer: &dyn Signer, payload: &[u8], options: &SignOptions) -> Result<CompactJws> {
    let alg = JwsAlgorithm::from_signature_algorithm(signer.algorithm())?;
    alg.check_key(signer.public_key())?;
    if options.chain.len() > MAX_X5C_CERTIFICATES {
        return Err(Error::InvalidHeaderMember {
            name: "x5c",
            reason: "more certificates than MAX_X5C_CERTIFICATES",
        });
    }
    let leaf = options.chain.first();
    if let Some(leaf) = leaf {
        let key = leaf
            .public_key()
            .map_err(|source| Error::Certificate { index: 0, source })?;
        if key != signer.public_key() {
            return Err(Error::CertificateKeyMismatch);
        }
    }
    if options.x5t_s256 && leaf.is_none() {
        return Err(Error::MissingCertificateChain);
    }
    for (i, (name, _)) in options.extra.iter().enumerate() {
        if RESERVED_HEADER_MEMBERS.contains(&name.as_str()) || options.extra[..i].iter().any(|(n, _)| n == name) {
            return Err(Error::InvalidHeaderMember {
                name: "application member",
                reason: "reserved by RFC 7515 or kavach, or given twice",
            });
        }
    }
    let (ts, jti) = match options.freshness {
        Freshness::TimestampAndJti => (Some(Timestamp::now()?), Some(Jti::generate()?)),
        Freshness::TimestampAndJtiAt(t) => (Some(Timestamp::from_system_time(t)?), Some(Jti::generate()?)),
        Freshness::Omit => (None, None),
    };
    let x5c: Vec<&[u8]> = options.chain.iter().map(Certificate::der).collect();
    let json = HeaderParams {
        alg: alg.name(),
        unencoded: options.unencoded,
        typ: options.typ.as_deref(),
        kid: options.kid.as_deref(),
        x5c: &x5c,
        x5t_s256: leaf.filter(|_| options.x5t_s256).map(Certificate::sha256_thumbprint),
        ts,
        jti,
        extra: &options.extra,
    }
    .to_json();
    // Through the parser: what kavach writes is exactly what kavach reads.
    let header = Header::from_json(&json)?;
    let unsigned = UnsignedJws::new(header, payload, options.mode)?;
    let signature = signer.sign(unsigned.signing_input())?;
    let expected_len = match alg {
        JwsAlgorithm::ES256 | JwsAlgorithm::EdDSA => Some(64),
        JwsAlgorithm::ES384 => Some(96),
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => None,
    };
    if expected_len.is_some_and(|n| signature.len() != n) {
        return Err(Error::Key(kavach_keys::Error::SigningFailed));
    }
    unsigned.finish(&signature)
}

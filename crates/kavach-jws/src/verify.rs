//! Verification of a JWS signed by a certificate: the `x5c` chain validated by kavach-pki for a
//! purpose and a trust domain, at the signing time and at the verification time, with kavach's
//! freshness policy on `ts` and `jti`.

use core::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kavach_keys::Sha256Thumbprint;
use kavach_pki::{Certificate, Crl, Purpose, TrustDomain, ValidationOptions, Validator, VerifiedPath};

use crate::alg::{ALL_ALGORITHMS, JwsAlgorithm};
use crate::check::{PayloadSource, check_signature};
use crate::compact::CompactJws;
use crate::error::{ChainCheckTime, Error, Result};
use crate::header::{Header, Jti};
use crate::replay::{MemoryReplayCache, ReplayCache, ReplayKey};
use crate::time::Timestamp;

/// Default freshness window: a `ts` up to five minutes before or after the verification time
/// is accepted (WIRE.md §4).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);

/// Largest window a verifier accepts: one day. A window is a replay-cache lifetime, and a
/// wider one is a mis-configuration rather than a clock-skew allowance.
pub const MAX_WINDOW: Duration = Duration::from_secs(86_400);

/// How much freshness a verifier demands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Policy {
    /// `ts` and `jti` required; `ts` inside the window; `jti` not seen inside the window
    /// (the default).
    #[default]
    Strict,
    /// Accepts what MOSIP's `jwtSign` writes: `ts` and `jti` optional, checked when present;
    /// [`Verified::timestamp_checked`] says whether a `ts` was checked. Also reads the attached
    /// form of MOSIP's `jwsSign` (`b64:false` in the header, base64url in the payload segment,
    /// [`PayloadEncoding::MosipBase64UnderB64False`]) and says so in
    /// [`Verified::payload_encoding`].
    CompatMosip,
}

impl Policy {
    /// The policy's name on the command line: `strict` or `compat-mosip`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::CompatMosip => "compat-mosip",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Policy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "strict" => Ok(Self::Strict),
            "compat-mosip" => Ok(Self::CompatMosip),
            _ => Err(Error::InvalidPolicy),
        }
    }
}

/// How the payload of a verified JWS was carried in its compact serialization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadEncoding {
    /// base64url (RFC 7515 §3; `b64` absent or true), attached or detached.
    Base64Url,
    /// Unencoded (RFC 7797, `"b64": false`): attached as the payload segment itself, or
    /// detached. The signing input is the header segment, `.`, and the payload bytes.
    Unencoded,
    /// MOSIP's attached `b64:false` quirk, read only under [`Policy::CompatMosip`]: the header
    /// says `"b64": false` (with `"crit": ["b64"]`), the payload segment is the **base64url** of
    /// the payload, and the signature is over the header segment, `.`, and the **decoded**
    /// payload bytes. No RFC 7797 verifier accepts such a token, and [`Policy::Strict`] refuses
    /// it ([`Error::BadSignature`], as before this reading existed).
    ///
    /// How MOSIP builds it (mosip/keymanager, `kernel-keymanager-service`,
    /// `io.mosip.kernel.signature.service.impl.SignatureServiceImpl#jwsSign` and
    /// `io.mosip.kernel.signature.util.SignatureUtil`): the request's `dataToSign` is base64url
    /// text; `dataToSign = CryptoUtil.decodeURLSafeBase64(reqDataToSign)`; unless the request sets
    /// `b64JWSHeaderParam` (absent means false, `SignatureConstant.DEFAULT_INCLUDES`),
    /// `SignatureUtil.getJWSHeader` builds a nimbus `JWSHeader` with
    /// `base64URLEncodePayload(false).criticalParams({"b64"})` — `"b64":false,"crit":["b64"]` —
    /// plus `alg` (PS256 by default, or RS256 / ES256 / ES256K / EdDSA by reference id),
    /// `x5c` (the signing certificate only, when `includeCertificate`), `x5t#S256` (when
    /// `includeCertHash`), `x5u` (when a certificate URL is given) and `kid` (its own key
    /// identifier with an optional prefix, when `includeKeyId`), and no `ts` or `jti`;
    /// `SignatureUtil.buildSignData` signs `ASCII(header.toBase64URL()) || '.' || dataToSign`
    /// (the raw bytes); and the token is `header.toBase64URL() + "." + (includePayload ?
    /// reqDataToSign : "") + "." + signature` — the base64url text in the middle. Detached
    /// (`includePayload` false) the same token is a correct RFC 7797 detached JWS, read as
    /// [`PayloadEncoding::Unencoded`]; with `b64JWSHeaderParam` true it is a plain RFC 7515
    /// JWS ([`PayloadEncoding::Base64Url`]).
    ///
    /// An application that must not accept the quirk (or wants to log it) checks
    /// [`Verified::payload_encoding`].
    MosipBase64UnderB64False,
}

impl PayloadEncoding {
    /// A short name for logs and the command line: `base64url`, `unencoded` or
    /// `mosip-base64-under-b64-false`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Base64Url => "base64url",
            Self::Unencoded => "unencoded",
            Self::MosipBase64UnderB64False => "mosip-base64-under-b64-false",
        }
    }
}

impl fmt::Display for PayloadEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A caller's rule for `kid`: true when `kid` names the certificate.
pub type KidMatcher = Arc<dyn Fn(&str, &Certificate) -> bool + Send + Sync>;

/// How a `kid` header must relate to the signer certificate `x5c[0]`.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum KidRule {
    /// `kid` is the SHA-256 thumbprint of `x5c[0]`'s DER, as base64url (like `x5t#S256`) or as
    /// hex in either case (the default).
    #[default]
    Sha256Thumbprint,
    /// The caller's rule: `kid` is accepted when the function returns true.
    Custom(KidMatcher),
    /// `kid` is not compared with `x5c[0]`: for producers whose `kid` is an opaque key
    /// identifier rather than a certificate name — MOSIP's `jwtSign` with `includeKeyId` writes
    /// a configured prefix and its own key identifier. The signature and the chain are still
    /// checked against `x5c[0]`; `kid` is then only a label, and must not be used to look
    /// anything up.
    Unchecked,
}

impl fmt::Debug for KidRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sha256Thumbprint => f.write_str("Sha256Thumbprint"),
            Self::Custom(_) => f.write_str("Custom(..)"),
            Self::Unchecked => f.write_str("Unchecked"),
        }
    }
}

impl KidRule {
    fn matches(&self, kid: &str, cert: &Certificate) -> bool {
        match self {
            Self::Sha256Thumbprint => {
                let t = cert.sha256_thumbprint();
                let b64 = t.to_base64url();
                let hex = t.to_hex();
                use subtle::ConstantTimeEq;
                bool::from(kid.as_bytes().ct_eq(b64.as_bytes()))
                    || (kid.len() == hex.len() && bool::from(kid.to_ascii_lowercase().as_bytes().ct_eq(hex.as_bytes())))
            }
            Self::Custom(f) => f(kid, cert),
            Self::Unchecked => true,
        }
    }
}

/// Proof that a JWS was signed by the holder of a certificate that validated for the
/// verifier's purpose and trust domain, under the verifier's freshness policy.
///
/// Fields are private: only [`JwsVerifier`] makes one. Code that acts on signed data should
/// take a `Verified<T>`, not bytes.
pub struct Verified<T> {
    payload: T,
    path: VerifiedPath,
    verified_at: SystemTime,
    signed_at: Option<Timestamp>,
    jti: Option<Jti>,
    alg: JwsAlgorithm,
    policy: Policy,
    timestamp_checked: bool,
    payload_encoding: PayloadEncoding,
    header: Header,
}

impl<T> fmt::Debug for Verified<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("signer", &self.path.end_entity().subject())
            .field("alg", &self.alg)
            .field("policy", &self.policy)
            .field("signed_at", &self.signed_at)
            .field("timestamp_checked", &self.timestamp_checked)
            .field("payload_encoding", &self.payload_encoding)
            .finish_non_exhaustive()
    }
}

impl<T> Verified<T> {
    /// The verified payload.
    pub fn payload(&self) -> &T {
        &self.payload
    }

    /// The verified payload, by value.
    pub fn into_payload(self) -> T {
        self.payload
    }

    /// The signer's validated certificate path (end entity first), as validated at the
    /// verification time.
    pub fn path(&self) -> &VerifiedPath {
        &self.path
    }

    /// The signer's certificate (`x5c[0]`).
    pub fn signer(&self) -> &Certificate {
        self.path.end_entity()
    }

    /// The verification time ("now" of the check).
    pub fn verified_at(&self) -> SystemTime {
        self.verified_at
    }

    /// The signing time the JWS claims (`ts`), when it had one.
    pub fn signed_at(&self) -> Option<Timestamp> {
        self.signed_at
    }

    /// The `jti`, when the JWS had one (recorded in the replay cache).
    pub fn jti(&self) -> Option<Jti> {
        self.jti
    }

    /// The algorithm.
    pub fn algorithm(&self) -> JwsAlgorithm {
        self.alg
    }

    /// The policy the JWS was verified under.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// True when a `ts` was checked against the window (always under [`Policy::Strict`]; under
    /// [`Policy::CompatMosip`] only when the JWS had a `ts`).
    pub fn timestamp_checked(&self) -> bool {
        self.timestamp_checked
    }

    /// How the payload was carried: base64url, unencoded (RFC 7797), or — under
    /// [`Policy::CompatMosip`] only — MOSIP's attached `b64:false` quirk
    /// ([`PayloadEncoding::MosipBase64UnderB64False`]), which an application may log or refuse.
    pub fn payload_encoding(&self) -> PayloadEncoding {
        self.payload_encoding
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }
}

/// Verifies JWS signed by certificates of one trust domain, for one purpose.
///
/// ```no_run
/// # use std::sync::Arc;
/// # fn demo(domain: kavach_pki::TrustDomain, jws_text: &str, body: &[u8]) -> Result<(), kavach_jws::Error> {
/// use kavach_jws::{CompactJws, JwsVerifier};
/// let verifier = JwsVerifier::new(Arc::new(kavach_pki::Validator::new()), domain);
/// let jws = CompactJws::parse(jws_text)?;
/// let verified = verifier.verify_detached_at(&jws, body, std::time::SystemTime::now())?;
/// println!("signed by {}", verified.signer().subject());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JwsVerifier {
    validator: Arc<Validator>,
    domain: TrustDomain,
    purpose: Purpose,
    policy: Policy,
    window: Duration,
    pin: Option<Sha256Thumbprint>,
    kid_rule: KidRule,
    replay: Arc<dyn ReplayCache>,
    algorithms: Vec<JwsAlgorithm>,
    crls: Vec<Crl>,
}

impl fmt::Debug for JwsVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwsVerifier")
            .field("domain", &self.domain.name())
            .field("purpose", &self.purpose)
            .field("policy", &self.policy)
            .field("window", &self.window)
            .field("pin", &self.pin)
            .field("kid_rule", &self.kid_rule)
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

impl JwsVerifier {
    /// A verifier for `domain`, purpose [`Purpose::Signing`], [`Policy::Strict`], window
    /// [`DEFAULT_WINDOW`], every accepted algorithm, and its own in-memory replay cache.
    pub fn new(validator: Arc<Validator>, domain: TrustDomain) -> Self {
        Self {
            validator,
            domain,
            purpose: Purpose::Signing,
            policy: Policy::Strict,
            window: DEFAULT_WINDOW,
            pin: None,
            kid_rule: KidRule::default(),
            replay: Arc::new(MemoryReplayCache::default()),
            algorithms: ALL_ALGORITHMS.to_vec(),
            crls: Vec::new(),
        }
    }

    /// CRLs to check the signer's chain against at verification time (kavach-pki's rules: with
    /// any CRL given, the signer certificate must be covered by a current CRL of its issuer, and
    /// a certificate listed on any of them is revoked). Revocation is judged with these CRLs at
    /// the time of verification, not at the JWS's `ts`: a signature made shortly before the
    /// CRL's thisUpdate is accepted when its certificate is not listed, and one whose
    /// certificate is listed is refused, whenever it was made.
    pub fn with_crls(mut self, crls: Vec<Crl>) -> Self {
        self.crls = crls;
        self
    }

    /// The purpose the signer certificate must validate for (e.g. [`Purpose::Device`]).
    pub fn with_purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = purpose;
        self
    }

    /// The freshness policy.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The `ts` window, either side of the verification time (at most [`MAX_WINDOW`]).
    pub fn with_window(mut self, window: Duration) -> Result<Self> {
        if window > MAX_WINDOW {
            return Err(Error::InvalidWindow {
                secs: window.as_secs(),
                max_secs: MAX_WINDOW.as_secs(),
            });
        }
        self.window = window;
        Ok(self)
    }

    /// Accepts only the certificate with this SHA-256 thumbprint as `x5c[0]` (MOSIP matches a
    /// partner's signature against the certificate registered for it).
    pub fn with_pinned_certificate(mut self, thumbprint: Sha256Thumbprint) -> Self {
        self.pin = Some(thumbprint);
        self
    }

    /// How `kid`, when present, must match `x5c[0]`.
    pub fn with_kid_rule(mut self, rule: KidRule) -> Self {
        self.kid_rule = rule;
        self
    }

    /// Shares a replay cache (e.g. between the workers of a server).
    pub fn with_replay_cache(mut self, cache: Arc<dyn ReplayCache>) -> Self {
        self.replay = cache;
        self
    }

    /// Restricts the accepted algorithms (non-empty).
    pub fn with_algorithms(mut self, algorithms: &[JwsAlgorithm]) -> Result<Self> {
        if algorithms.is_empty() {
            return Err(Error::NoAlgorithmAllowed);
        }
        self.algorithms = algorithms.to_vec();
        Ok(self)
    }

    /// Verifies an attached JWS as of `now` (the chain and the `ts` window are checked at `now`).
    /// The time is always the caller's (the system clock on a server, the trusted clock on a
    /// device): the verifier never reads a clock of its own.
    pub fn verify_attached_at(&self, jws: &CompactJws, now: SystemTime) -> Result<Verified<Vec<u8>>> {
        let (v, mosip_payload) = self.verify_inner(jws, &PayloadSource::Attached, now)?;
        let payload = match mosip_payload {
            Some(decoded) => decoded,
            None => jws.attached_payload()?,
        };
        Ok(v.with_payload(payload))
    }

    /// Verifies a detached JWS over `payload` as of `now`.
    pub fn verify_detached_at<'p>(
        &self,
        jws: &CompactJws,
        payload: &'p [u8],
        now: SystemTime,
    ) -> Result<Verified<&'p [u8]>> {
        if !jws.is_detached() {
            return Err(Error::WrongPayloadMode { expected: "detached" });
        }
        let (v, _) = self.verify_inner(jws, &PayloadSource::Detached(payload), now)?;
        Ok(v.with_payload(payload))
    }

    /// The checks every verification makes. Returns the proof without its payload and, when the
    /// signature verified over MOSIP's `jwsSign` reading (attached, `b64:false`, base64url
    /// segment; [`PayloadEncoding::MosipBase64UnderB64False`]), the decoded payload.
    fn verify_inner(
        &self,
        jws: &CompactJws,
        payload: &PayloadSource<'_>,
        now: SystemTime,
    ) -> Result<(Verified<()>, Option<Vec<u8>>)> {
        let header = jws.header();
        // 1. The algorithm must be one kavach accepts: `none` and HS* end here, before any
        //    certificate is parsed.
        header.algorithm()?;

        // 2. Freshness, before any certificate is parsed or signature checked: ts inside the
        //    window, ts and jti present (strict). Cheap, and a stale or future JWS costs nothing.
        let signed_at = header.ts();
        let jti = header.jti();
        if self.policy == Policy::Strict {
            if signed_at.is_none() {
                return Err(Error::MissingTimestamp);
            }
            if jti.is_none() {
                return Err(Error::MissingJti);
            }
        }
        if let Some(ts) = signed_at {
            let t = ts.to_system_time();
            let skew = t
                .duration_since(now)
                .or_else(|_| now.duration_since(t))
                .unwrap_or_default();
            if skew > self.window {
                return Err(Error::TimestampOutsideWindow {
                    signed_at: t,
                    now,
                    window_secs: self.window.as_secs(),
                });
            }
        }

        // 3. The signer certificate is x5c[0], parsed without filling the validator's cache
        //    (nothing about the sender is proven yet); x5t#S256, kid and the caller's pin must
        //    all name it.
        let x5c = header.x5c();
        let Some(leaf_der) = x5c.first() else {
            return Err(Error::MissingCertificateChain);
        };
        let leaf = self
            .validator
            .parse_certificate_uncached(leaf_der.der())
            .map_err(|source| Error::Certificate { index: 0, source })?;
        let thumbprint = leaf.sha256_thumbprint();
        if header.x5t_s256().is_some_and(|t| !t.ct_eq(&thumbprint)) {
            return Err(Error::CertificateMismatch { what: "x5t#S256" });
        }
        if header.kid().is_some_and(|kid| !self.kid_rule.matches(kid, &leaf)) {
            return Err(Error::CertificateMismatch { what: "kid" });
        }
        if self.pin.as_ref().is_some_and(|pin| !pin.ct_eq(&thumbprint)) {
            return Err(Error::CertificateMismatch {
                what: "pinned thumbprint",
            });
        }

        // 4. The signature, with x5c[0]'s key: one verification (two for MOSIP's jwsSign form
        //    under compat-mosip, see `check_signature_for_policy`), before any path building.
        let key = leaf
            .public_key()
            .map_err(|source| Error::Certificate { index: 0, source })?;
        let (alg, mosip_payload) = self.check_signature_for_policy(jws, key, payload)?;
        let payload_encoding = if mosip_payload.is_some() {
            PayloadEncoding::MosipBase64UnderB64False
        } else if header.b64() {
            PayloadEncoding::Base64Url
        } else {
            PayloadEncoding::Unencoded
        };

        // 5. The rest of x5c are untrusted intermediates, parsed through the cache now that the
        //    sender holds x5c[0]'s key (the cache is bounded in entries and in bytes).
        let leaf = self.validator.remember_certificate(leaf);
        let mut intermediates = Vec::with_capacity(x5c.len() - 1);
        for (index, c) in x5c.iter().enumerate().skip(1) {
            intermediates.push(
                self.validator
                    .parse_certificate(c.der())
                    .map_err(|source| Error::Certificate { index, source })?,
            );
        }

        // 6. The chain, for the purpose. At the signing time (when the JWS names one) the path
        //    must be valid — validity periods, constraints, purpose — without revocation; at
        //    verification time it must be valid again, and revocation is judged then, with the
        //    CRLs the verifier holds now: a certificate revoked by them is refused whatever the
        //    signing time (kavach does not accept signatures made before a revocation date: a
        //    signer's `ts` is its own claim).
        if let Some(ts) = signed_at {
            let options = ValidationOptions::new(self.purpose, ts.to_system_time());
            self.validator
                .verify(&self.domain, &leaf, &intermediates, &options)
                .map_err(|source| Error::Chain {
                    when: ChainCheckTime::Signing,
                    source,
                })?;
        }
        let options = ValidationOptions::new(self.purpose, now).with_crls(&self.crls);
        let path = self
            .validator
            .verify(&self.domain, &leaf, &intermediates, &options)
            .map_err(|source| Error::Chain {
                when: ChainCheckTime::Verification,
                source,
            })?;

        // 7. Replay: recorded last, so that only a JWS that passed every other check can use
        //    up its jti.
        if let Some(jti) = jti {
            let base = signed_at.map_or(now, Timestamp::to_system_time);
            let expires = base.checked_add(self.window).unwrap_or(base);
            self.replay
                .check_and_record(ReplayKey::new(&thumbprint, &jti), now, expires.max(now))?;
        }

        let verified = Verified {
            payload: (),
            path,
            verified_at: now,
            signed_at,
            jti,
            alg,
            policy: self.policy,
            timestamp_checked: signed_at.is_some(),
            payload_encoding,
            header: header.clone(),
        };
        Ok((verified, mosip_payload))
    }

    /// The signature check of step 4, with the one reading the policy adds.
    ///
    /// Every JWS is first checked as RFC 7515 / RFC 7797 say (for `b64:false` attached: over
    /// the header segment, `.`, and the payload segment as it is). Only when that fails with
    /// [`Error::BadSignature`], the policy is [`Policy::CompatMosip`], the JWS is attached
    /// with `b64:false`, and its payload segment is strict unpadded base64url, is it checked
    /// once more over the header segment, `.`, and the *decoded* segment — MOSIP's `jwsSign`
    /// form ([`PayloadEncoding::MosipBase64UnderB64False`]) — and the decoded bytes are the
    /// payload.
    ///
    /// Unambiguous: the RFC 7797 reading wins when both would verify, which needs the signer to
    /// have signed both `header.S` and `header.decode(S)`; whichever reading verified, the
    /// payload returned is bytes the key signed under this header, and the result says which
    /// reading it was. A token that verifies under neither is the one opaque
    /// [`Error::BadSignature`], whether or not its segment was base64url, so the second reading
    /// gives no oracle. Under [`Policy::Strict`] nothing changes: such a token is
    /// [`Error::BadSignature`]. The cost of a forged token under `compat-mosip` is at most two
    /// signature verifications, still before any certificate path is built.
    fn check_signature_for_policy(
        &self,
        jws: &CompactJws,
        key: &kavach_keys::PublicKey,
        payload: &PayloadSource<'_>,
    ) -> Result<(JwsAlgorithm, Option<Vec<u8>>)> {
        match check_signature(jws, key, &self.algorithms, payload) {
            Ok(alg) => Ok((alg, None)),
            Err(Error::BadSignature) => {
                let decoded = match payload {
                    PayloadSource::Attached if self.policy == Policy::CompatMosip => jws.mosip_base64_payload(),
                    _ => None,
                };
                let Some(decoded) = decoded else {
                    return Err(Error::BadSignature);
                };
                let alg = check_signature(jws, key, &self.algorithms, &PayloadSource::MosipBase64(&decoded))?;
                Ok((alg, Some(decoded)))
            }
            Err(e) => Err(e),
        }
    }
}

impl Verified<()> {
    fn with_payload<T>(self, payload: T) -> Verified<T> {
        Verified {
            payload,
            path: self.path,
            verified_at: self.verified_at,
            signed_at: self.signed_at,
            jti: self.jti,
            alg: self.alg,
            policy: self.policy,
            timestamp_checked: self.timestamp_checked,
            payload_encoding: self.payload_encoding,
            header: self.header,
        }
    }
}

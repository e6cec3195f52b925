//! WIRE.md §5: the encryption-certificate API, both ends.
//!
//! The management server signs `{env, domainUri}` ([`EncryptionCertificateRequest`]) and checks
//! the platform's answer ([`PendingCertificateRequest::accept_response`]); the platform answers
//! white-listed management servers ([`EncryptionCertificateService`]).

use std::sync::Arc;
use std::time::SystemTime;

use kavach_jws::{CompactJws, JwsVerifier};
use kavach_keys::Signer;
use kavach_pki::Certificate;
use serde_json::{Map, Value};

use crate::command::{MAX_PLATFORM_JWS_LEN, PlatformCertificate};
use crate::grammar::{CompactJwsText, Env, HttpsUri};
use crate::platform::error::{PlatformApiError, Result};
use crate::platform::wire::{
    MAX_PLATFORM_CERTIFICATES, certificate_list, header_member, jti_text, jti_to_text, parse_certificate_list,
    payload_members, read_request, read_response, request_body, response_body, sign_payload, timestamp,
};
use crate::reader::{ObjectReader, Schema};

/// The `id` of both wrappers of §5.
pub const ENCRYPTION_CERTIFICATE_API_ID: &str = "io.mosip.auth.country.certificate";
/// The path of §5 under the platform's base URL (spelled as the specification spells it).
pub const ENCRYPTION_CERTIFICATE_PATH: &str = "/v1/masterdata/device/encryptioncertficates";
/// Most (`env`, `domainUri`) pairs an [`EncryptionCertificateService`] serves.
pub const MAX_SERVED_DOMAINS: usize = 64;

/// A §5 request, on the management server: which environment and authentication server the
/// platform's encryption certificate is wanted for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptionCertificateRequest {
    env: Env,
    domain_uri: HttpsUri,
}

impl EncryptionCertificateRequest {
    /// A request for (`env`, `domain_uri`).
    pub fn new(env: Env, domain_uri: HttpsUri) -> Self {
        Self { env, domain_uri }
    }

    /// Signs the request with the management server's key (`chain` in `x5c`, leaf first; `ts`
    /// = `now`, a fresh `jti`) and returns the HTTP JSON body and what the answer is checked
    /// against.
    pub fn sign(
        &self,
        signer: &dyn Signer,
        chain: Vec<Certificate>,
        now: SystemTime,
    ) -> Result<(Vec<u8>, PendingCertificateRequest)> {
        let mut payload = Map::new();
        payload.insert("env".into(), self.env.as_str().into());
        payload.insert("domainUri".into(), self.domain_uri.as_str().into());
        let payload = Value::Object(payload).to_string().into_bytes();
        let jws = sign_payload(signer, chain, &payload, now, &[])?;
        let jti = jti_text(&jws)?;
        let body = request_body(ENCRYPTION_CERTIFICATE_API_ID, "data", &jws, timestamp(now)?);
        Ok((
            body,
            PendingCertificateRequest {
                env: self.env,
                domain_uri: self.domain_uri.clone(),
                jti,
            },
        ))
    }
}

/// A §5 request sent and not yet answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingCertificateRequest {
    env: Env,
    domain_uri: HttpsUri,
    jti: String,
}

/// The platform's verified §5 answer, on the management server.
#[derive(Clone, Debug)]
pub struct FetchedPlatformCertificate {
    /// What to relay to devices verbatim (rule 26): `env`, `domainUri` and the response JWS.
    pub relay: PlatformCertificate,
    /// The certificates of the answer, parsed.
    pub certificates: Vec<Certificate>,
    /// True when the answer carried kavach's `env`, `domainUri` and `req` header members (all
    /// equal to the request's); false for a MOSIP answer, which carries none of them and is
    /// accepted as it arrives.
    pub bound: bool,
}

impl PendingCertificateRequest {
    /// The `jti` of the request (base64url).
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// Checks the platform's answer `body` (`{id, version, responsetime, response: JWS}`):
    /// the JWS must verify with `platform_verifier` (the platform's signing trust domain,
    /// purpose signing, configured by the caller: `strict` for a kavach platform,
    /// `compat-mosip` for MOSIP) at `now`; its payload must be the certificate list. When the
    /// header carries any of `env`, `domainUri`, `req`, all three must be there and equal the
    /// request's.
    pub fn accept_response(
        &self,
        body: &[u8],
        platform_verifier: &JwsVerifier,
        now: SystemTime,
    ) -> Result<FetchedPlatformCertificate> {
        let (_, jws) = read_response(body, ENCRYPTION_CERTIFICATE_API_ID)?;
        if jws.as_str().len() > MAX_PLATFORM_JWS_LEN {
            return Err(PlatformApiError::TooLarge {
                what: "response",
                max: MAX_PLATFORM_JWS_LEN,
            });
        }
        let verified = platform_verifier
            .verify_attached_at(&jws, now)
            .map_err(|_| PlatformApiError::Refused)?;
        let header = verified.header();
        let env = header_member(header, "env")?;
        let domain_uri = header_member(header, "domainUri")?;
        let req = header_member(header, "req")?;
        let bound = match (env, domain_uri, req) {
            (None, None, None) => false,
            (env, domain_uri, req) => {
                if env.as_deref() != Some(self.env.as_str()) {
                    return Err(PlatformApiError::Mismatch { member: "env" });
                }
                if domain_uri.as_deref() != Some(self.domain_uri.as_str()) {
                    return Err(PlatformApiError::Mismatch { member: "domainUri" });
                }
                if req.as_deref() != Some(self.jti.as_str()) {
                    return Err(PlatformApiError::Mismatch { member: "req" });
                }
                true
            }
        };
        let certificates = parse_certificate_list(verified.payload())?;
        let response = CompactJwsText::parse("response", jws.as_str(), MAX_PLATFORM_JWS_LEN)?;
        Ok(FetchedPlatformCertificate {
            relay: PlatformCertificate {
                env: self.env,
                domain_uri: self.domain_uri.clone(),
                response,
            },
            certificates,
            bound,
        })
    }
}

/// The §5 endpoint, on a kavach platform: answers white-listed management servers with the
/// encryption certificates configured per (`env`, `domainUri`).
pub struct EncryptionCertificateService {
    servers: JwsVerifier,
    signer: Arc<dyn Signer>,
    chain: Vec<Certificate>,
    served: Vec<(Env, HttpsUri, Vec<Certificate>)>,
}

impl core::fmt::Debug for EncryptionCertificateService {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EncryptionCertificateService")
            .field("servers", &self.servers)
            .field("served", &self.served.len())
            .finish_non_exhaustive()
    }
}

impl EncryptionCertificateService {
    /// A service that accepts requests verified by `servers` (the white-listed management
    /// servers' trust domain, `strict` policy: `ts` window and `jti` replay checked by its
    /// replay cache) and signs answers with `signer`, `chain` in `x5c`.
    pub fn new(servers: JwsVerifier, signer: Arc<dyn Signer>, chain: Vec<Certificate>) -> Self {
        Self {
            servers,
            signer,
            chain,
            served: Vec::new(),
        }
    }

    /// Serves `certificates` (1 to [`MAX_PLATFORM_CERTIFICATES`]) for (`env`, `domain_uri`),
    /// replacing what was served for that pair.
    pub fn with_certificates(mut self, env: Env, domain_uri: HttpsUri, certificates: Vec<Certificate>) -> Result<Self> {
        if certificates.is_empty() || certificates.len() > MAX_PLATFORM_CERTIFICATES {
            return Err(PlatformApiError::Configuration {
                what: "1 to 8 encryption certificates per domainUri",
            });
        }
        self.served.retain(|(e, d, _)| !(*e == env && *d == domain_uri));
        if self.served.len() >= MAX_SERVED_DOMAINS {
            return Err(PlatformApiError::Full { what: "served domains" });
        }
        self.served.push((env, domain_uri, certificates));
        Ok(self)
    }

    /// Answers one request `body` at `now`: the request JWS must verify (signature, chain, `ts`
    /// window, `jti` not seen: [`PlatformApiError::Refused`] otherwise), its payload be
    /// `{env, domainUri}` with `env` one of the four exact spellings and `domainUri` served. The
    /// answer's header adds `ts`, `jti`, `env`, `domainUri` and `req` (the request's `jti`).
    pub fn handle(&self, body: &[u8], now: SystemTime) -> Result<Vec<u8>> {
        let (_, jws) = read_request(body, ENCRYPTION_CERTIFICATE_API_ID, "data")?;
        let verified = self
            .servers
            .verify_attached_at(&jws, now)
            .map_err(|_| PlatformApiError::Refused)?;
        let jti = verified.jti().ok_or(PlatformApiError::Refused)?;
        let members = payload_members(verified.payload())?;
        let mut r = ObjectReader::over("request", &members, Schema::Closed);
        let env = Env::read("env", r.required("env")?)?;
        let domain_uri = HttpsUri::read("domainUri", r.required("domainUri")?)?;
        r.finish()?;
        let (_, _, certificates) = self
            .served
            .iter()
            .find(|(e, d, _)| *e == env && *d == domain_uri)
            .ok_or(PlatformApiError::UnknownDomain)?;
        let req = jti_to_text(&jti);
        let answer: CompactJws = sign_payload(
            self.signer.as_ref(),
            self.chain.clone(),
            &certificate_list(certificates),
            now,
            &[("env", env.as_str()), ("domainUri", domain_uri.as_str()), ("req", &req)],
        )?;
        Ok(response_body(ENCRYPTION_CERTIFICATE_API_ID, &answer, timestamp(now)?))
    }
}

//! The partner <-> platform exchange of seed 000, end to end, in one process.
//!
//! ```sh
//! cargo run --example partner_exchange            # RSA-2048 keys, as MOSIP deployments use
//! cargo run --example partner_exchange -- p256    # P-256 keys (JWE with ECDH-ES+A256KW)
//! ```
//!
//! 1. A demo PKI for both parties is issued (`kavach_pki::demo`).
//! 2. The partner validates the platform's *encryption certificate* for the `encryption`
//!    purpose, seals its JSON request to it, and signs the exact body bytes with its *signing
//!    certificate* (a detached JWS, the `signature` header of WIRE.md §4).
//! 3. The platform verifies the signature and the signer's chain for the `signing` purpose,
//!    checks the signer is the registered partner, opens the body with its key store, and answers
//!    the same way (`response-signature`, sealed to the partner's encryption certificate).
//! 4. The partner verifies and opens the response.
//! 5. Then the attacks the layers refuse: a modified body, a replayed request, a request sealed
//!    to a signing certificate, a response signed by a certificate from another root.
//!
//! Mutual TLS (the third certificate of each party) belongs to the transport layer, which will
//! carry these same bytes.

use std::sync::Arc;
use std::time::SystemTime;

use kavach::envelope::{Envelope, Limits, Recipient, jwe, mosip};
use kavach::jws::{CompactJws, JwsVerifier, PayloadMode, SignOptions, Verified, sign};
use kavach::keys::{KeyHandle, KeyKind, MemoryKeyStore};
use kavach::pki::demo::{DemoEntity, DemoPki};
use kavach::pki::{Certificate, Purpose, TrustDomain, ValidationOptions, Validator};

type Error = Box<dyn std::error::Error>;

/// What crosses the wire: the body text (an envelope) and its detached signature header.
struct HttpMessage {
    body: String,
    signature: String,
}

/// One party: its signing and encryption identities, what it trusts, and its key store.
struct Party<'a> {
    name: &'static str,
    signing: &'a DemoEntity,
    encryption: &'a DemoEntity,
    keys: MemoryKeyStore,
    verifier: JwsVerifier,
    validator: Arc<Validator>,
    trust: TrustDomain,
}

impl<'a> Party<'a> {
    /// `name`'s identities from `pki`, trusting `root` for its peers.
    fn new(pki: &'a DemoPki, name: &'static str, domain: &str, root: &Certificate) -> Result<Self, Error> {
        let signing = pki.entity(&format!("{name}.signing"))?;
        let encryption = pki.entity(&format!("{name}.encryption"))?;
        let mut keys = MemoryKeyStore::new();
        let handle: KeyHandle = encryption.key.clone();
        keys.insert(format!("{name}-encryption"), handle, Some(encryption.certificate.der()))?;
        let trust = TrustDomain::new(domain, vec![root.clone()])?;
        let validator = Arc::new(Validator::new());
        let verifier = JwsVerifier::new(Arc::clone(&validator), trust.clone());
        Ok(Self {
            name,
            signing,
            encryption,
            keys,
            verifier,
            validator,
            trust,
        })
    }

    /// Validates the peer's encryption certificate, seals `json` to it, signs the sealed body.
    fn send(&self, peer_encryption: &DemoEntity, json: &str, format: BodyFormat) -> Result<HttpMessage, Error> {
        let options = ValidationOptions::new(Purpose::Encryption, SystemTime::now());
        let path = self.validator.verify(
            &self.trust,
            &peer_encryption.certificate,
            &peer_encryption.chain,
            &options,
        )?;
        let recipient = Recipient::from_verified(&path)?;
        let body = match format {
            BodyFormat::Mosip => mosip::seal(&recipient, json.as_bytes(), None)?.to_text(),
            BodyFormat::Jwe => jwe::seal(&recipient, json.as_bytes())?.to_string(),
        };
        let mut x5c = vec![self.signing.certificate.clone()];
        x5c.extend(self.signing.chain.iter().cloned());
        let options = SignOptions::new()
            .with_payload_mode(PayloadMode::Detached)
            .with_certificate_chain(x5c)
            .with_x5t_s256();
        let signature = sign(&*self.signing.key, body.as_bytes(), &options)?.to_string();
        Ok(HttpMessage { body, signature })
    }

    /// Verifies the signature (chain, purpose, freshness, replay) and the expected signer, then
    /// opens the body with this party's key store.
    fn receive(&self, message: &HttpMessage, expected_signer: &Certificate) -> Result<String, Error> {
        let jws = CompactJws::parse(&message.signature)?;
        let verified: Verified<&[u8]> =
            self.verifier
                .verify_detached_at(&jws, message.body.as_bytes(), std::time::SystemTime::now())?;
        // MOSIP matches the signer against the partner's registered certificate.
        if !verified
            .signer()
            .sha256_thumbprint()
            .ct_eq(&expected_signer.sha256_thumbprint())
        {
            return Err("signer is not the registered peer".into());
        }
        println!(
            "  {}: signature {} by \"{}\" verified (chain of {}, signed at {})",
            self.name,
            verified.algorithm().name(),
            verified.signer().subject(),
            verified.path().chain().len(),
            verified.signed_at().map(|t| t.to_string()).unwrap_or_default(),
        );
        let opened = Envelope::parse(&message.body, &Limits::DEFAULT)?.open(&self.keys, None)?;
        Ok(String::from_utf8(opened.plaintext().as_bytes().to_vec())?)
    }
}

#[derive(Clone, Copy)]
enum BodyFormat {
    /// MOSIP keymanager `VER_R2`, base64url (RSA recipients).
    Mosip,
    /// JWE compact (`ECDH-ES+A256KW` for P-256 recipients).
    Jwe,
}

fn main() -> Result<(), Error> {
    let kind = match std::env::args().nth(1).as_deref() {
        None | Some("rsa2048") => KeyKind::Rsa { bits: 2048 },
        Some("p256") => KeyKind::P256,
        Some(other) => return Err(format!("unknown key type {other:?} (use rsa2048 or p256)").into()),
    };
    let format = if matches!(kind, KeyKind::P256) {
        BodyFormat::Jwe
    } else {
        BodyFormat::Mosip
    };

    println!("1. issuing the demo PKI ({kind} keys, 18 roles)");
    let pki = DemoPki::generate(kind)?;
    let partner = Party::new(&pki, "partner", "AUTH", pki.root())?;
    let platform = Party::new(&pki, "platform", "PARTNER", pki.root())?;
    println!(
        "  platform encryption certificate {} (SHA-256 {})",
        platform.encryption.certificate.subject(),
        platform.encryption.certificate.sha256_thumbprint()
    );

    println!("2. partner -> platform: sealed to the platform's encryption certificate, signed");
    let request_json = r#"{"id":"mosip.identity.auth","version":"1.0","transactionID":"1234567890"}"#;
    let request = partner.send(platform.encryption, request_json, format)?;
    println!("  body: {} bytes of {}", request.body.len(), body_kind(format));
    println!(
        "  signature header: {}…",
        &request.signature[..request.signature.len().min(60)]
    );

    println!("3. platform: verify, open, answer");
    let opened = platform.receive(&request, &partner.signing.certificate)?;
    assert_eq!(opened, request_json);
    println!("  request: {opened}");
    let response_json = r#"{"id":"mosip.identity.auth","response":{"authStatus":true}}"#;
    let response = platform.send(partner.encryption, response_json, format)?;

    println!("4. partner: verify the response-signature, open");
    let answer = partner.receive(&response, &platform.signing.certificate)?;
    assert_eq!(answer, response_json);
    println!("  response: {answer}");

    println!("5. what the layers refuse");
    let tampered = HttpMessage {
        body: flip_last_char(&request.body),
        signature: request.signature.clone(),
    };
    refused(
        "a body changed in transit",
        platform.receive(&tampered, &partner.signing.certificate),
    )?;
    refused(
        "the same request replayed",
        platform.receive(&request, &partner.signing.certificate),
    )?;
    refused(
        "a request signed by someone other than the registered partner",
        platform.receive(
            &partner.send(platform.encryption, request_json, format)?,
            &pki.entity("mgmt-server.signing")?.certificate,
        ),
    )?;
    refused(
        "sealing to a signing-only certificate",
        partner.send(platform.signing, request_json, format).map(|_| ()),
    )?;
    let foreign = DemoPki::generate(KeyKind::P256)?;
    // Same names, same trust in the real root, but identities issued under another root.
    let stranger = Party::new(&foreign, "platform", "PARTNER", pki.root())?;
    refused(
        "a response signed under another root",
        partner.receive(
            &stranger.send(partner.encryption, response_json, format)?,
            &platform.signing.certificate,
        ),
    )?;
    println!("done: every message verified and opened, every attack refused");
    Ok(())
}

fn body_kind(format: BodyFormat) -> &'static str {
    match format {
        BodyFormat::Mosip => "MOSIP VER_R2 (base64url)",
        BodyFormat::Jwe => "JWE compact (ECDH-ES+A256KW, A256GCM)",
    }
}

fn flip_last_char(text: &str) -> String {
    let mut s = text.to_owned();
    let last = s.pop().map_or('A', |c| if c == 'A' { 'B' } else { 'A' });
    s.push(last);
    s
}

fn refused<T>(what: &str, outcome: Result<T, Error>) -> Result<(), Error> {
    match outcome {
        Ok(_) => Err(format!("ACCEPTED {what}: this must be refused").into()),
        Err(e) => {
            println!("  refused {what}: {e}");
            Ok(())
        }
    }
}

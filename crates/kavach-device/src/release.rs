//! Release documents on the wire (WIRE.md §6.7): the release-root, the manifest and `latest`
//! are JWS in the general JSON serialization, one signature per release key. This module turns
//! one into its payload and the set of keys whose signatures verify over it, which
//! [`crate::upgrade::ReleaseTrust`] counts against the release-root; and signs one.
//!
//! Each signature is checked on its own with the key of its `x5c[0]` (the certificate is
//! informational: what counts is the key's SPKI SHA-256 being listed in the release-root). A
//! signature that does not verify is left out of the set — never a reason to accept, never a
//! reason to refuse the others.

use kavach_jws::danger::{BareKey, verify_with_bare_key};
use kavach_jws::{CompactJws, Freshness, SignOptions, sign_json};
use kavach_keys::Signer;
use kavach_pki::Certificate;

use crate::attestation::spki_sha256;
use crate::command::GeneralJws;
use crate::grammar::Sha256Digest;

/// The payload of `document` and the SPKI SHA-256 of every distinct key whose signature over it
/// verifies (at most [`crate::command::MAX_SIGNATURES`] signatures are read).
pub fn verified_signers(document: &GeneralJws) -> Option<(Vec<u8>, Vec<Sha256Digest>)> {
    let payload = kavach_jose::base64::decode_url(&document.payload).ok()?;
    let mut keys: Vec<Sha256Digest> = Vec::new();
    for (protected, signature) in document.signatures.iter().take(crate::command::MAX_SIGNATURES) {
        let compact = format!("{protected}.{}.{signature}", document.payload);
        let Ok(jws) = CompactJws::parse(&compact) else { continue };
        let Some(leaf) = jws.header().x5c().first() else {
            continue;
        };
        let Ok(certificate) = Certificate::from_der(leaf.der()) else {
            continue;
        };
        let Ok(key) = certificate.public_key() else { continue };
        let Ok(bare) = BareKey::with_fitting_algorithms(key.clone()) else {
            continue;
        };
        if verify_with_bare_key(&jws, &bare).is_ok() {
            let digest = spki_sha256(key);
            if !keys.contains(&digest) {
                keys.push(digest);
            }
        }
    }
    Some((payload, keys))
}

/// Signs `payload` (a release-root, manifest or `latest` JSON document) with every release key
/// in `signers`, each with its certificate in `x5c`.
pub fn sign_release_document(
    signers: &[(&dyn Signer, &Certificate)],
    payload: &[u8],
) -> Result<GeneralJws, kavach_jws::Error> {
    let options: Vec<SignOptions> = signers
        .iter()
        .map(|(_, certificate)| {
            SignOptions::new()
                .with_certificate_chain(vec![(*certificate).clone()])
                .with_freshness(Freshness::Omit)
        })
        .collect();
    let pairs: Vec<(&dyn Signer, &SignOptions)> = signers.iter().zip(&options).map(|((s, _), o)| (*s, o)).collect();
    let json = sign_json(&pairs, payload)?;
    Ok(GeneralJws {
        payload: json
            .signatures()
            .first()
            .map(|s| s.payload_segment().to_owned())
            .unwrap_or_default(),
        signatures: json
            .signatures()
            .iter()
            .map(|s| {
                let text = s.as_str();
                let protected = text.split('.').next().unwrap_or_default().to_owned();
                let signature = text.rsplit('.').next().unwrap_or_default().to_owned();
                (protected, signature)
            })
            .collect(),
    })
}

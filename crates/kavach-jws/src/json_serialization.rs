//! The JWS JSON serializations (RFC 7515 §7.2): general (several signatures over one payload)
//! and flattened (one signature).
//!
//! Each signature of a JSON JWS signs exactly what the compact serialization signs —
//! `ASCII(BASE64URL(protected)) || '.' || payload segment` (RFC 7515 §5.2) — so kavach reads each
//! signature as the compact JWS `protected.payload.signature` and verifies it with the same
//! code, under the same header rules ([`crate::JwsVerifier`], [`crate::danger`]): `alg`, `crit`,
//! `b64`, duplicate members, `x5c`, `ts`, `jti`, each signature on its own.
//!
//! Rules of this reader:
//!
//! 1. The text is one strict JSON object (duplicate members refused at every level), at most
//!    [`MAX_JSON_JWS_LEN`] bytes, with a string `payload`.
//! 2. General: `signatures` is an array of 1 to [`MAX_JSON_SIGNATURES`] objects. Flattened:
//!    `protected` and `signature` at the top level, and no `signatures` (RFC 7515 §7.2.2).
//! 3. Every signature has a non-empty `protected` header. An unprotected `header` member is
//!    refused: nothing unsigned takes part in verification here, and compact has none.
//! 4. Other members are ignored, as RFC 7515 §7.2.1 requires.
//!
//! ```
//! use kavach_jws::danger::{BareKey, verify_with_bare_key};
//! use kavach_jws::{JsonJws, JwsAlgorithm, SignOptions, sign_json};
//! use kavach_keys::{KeyKind, PrivateKey, Signer};
//!
//! let a = PrivateKey::generate(KeyKind::P256)?;
//! let b = PrivateKey::generate(KeyKind::Ed25519)?;
//! let options = SignOptions::new();
//! let jws = sign_json(&[(&a as &dyn Signer, &options), (&b, &options)], b"release")?;
//! let text = jws.to_general_json();
//!
//! let parsed = JsonJws::parse(&text)?;
//! assert_eq!(parsed.signatures().len(), 2);
//! let key = BareKey::new(b.public_key().clone(), &[JwsAlgorithm::EdDSA])?;
//! let verified = verify_with_bare_key(&parsed.signatures()[1], &key)?;
//! assert_eq!(verified.payload(), b"release");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use kavach_keys::Signer;
use serde_json::{Map, Value};

use crate::compact::{CompactJws, MAX_COMPACT_LEN};
use crate::error::{Error, Part, Result};
use crate::json::parse_object;
use crate::sign::{SignOptions, sign};

/// Most signatures in a general JSON JWS.
pub const MAX_JSON_SIGNATURES: usize = 16;

/// Largest JSON serialization read.
pub const MAX_JSON_JWS_LEN: usize = MAX_COMPACT_LEN;

/// A JWS in a JSON serialization: one payload segment and its signatures, each readable as a
/// compact JWS.
#[derive(Clone, Debug)]
pub struct JsonJws {
    signatures: Vec<CompactJws>,
}

fn malformed(reason: &'static str) -> Error {
    Error::malformed(Part::Json, reason)
}

fn string<'a>(members: &'a Map<String, Value>, name: &'static str, reason: &'static str) -> Result<&'a str> {
    match members.get(name) {
        Some(Value::String(text)) => Ok(text),
        _ => Err(malformed(reason)),
    }
}

fn signature_pair(members: &Map<String, Value>) -> Result<(&str, &str)> {
    if members.contains_key("header") {
        return Err(malformed("an unprotected header is not accepted"));
    }
    let protected = string(members, "protected", "a signature without a protected header")?;
    let signature = string(members, "signature", "a signature member that is not a string")?;
    if protected.is_empty() {
        return Err(malformed("a signature without a protected header"));
    }
    Ok((protected, signature))
}

impl JsonJws {
    /// Parses the general or the flattened JSON serialization.
    pub fn parse(text: &str) -> Result<Self> {
        if text.len() > MAX_JSON_JWS_LEN {
            return Err(Error::TooLarge {
                what: "JWS JSON serialization",
                len: text.len(),
                max: MAX_JSON_JWS_LEN,
            });
        }
        let members = parse_object(text.as_bytes(), Part::Json)?;
        let payload = string(&members, "payload", "payload is missing or not a string")?;
        let pairs: Vec<(&str, &str)> = match members.get("signatures") {
            Some(Value::Array(items)) => {
                if members.contains_key("signature") || members.contains_key("protected") {
                    return Err(malformed("both the general and the flattened form"));
                }
                if items.is_empty() {
                    return Err(malformed("signatures is empty"));
                }
                if items.len() > MAX_JSON_SIGNATURES {
                    return Err(malformed("more signatures than MAX_JSON_SIGNATURES"));
                }
                items
                    .iter()
                    .map(|item| match item {
                        Value::Object(m) => signature_pair(m),
                        _ => Err(malformed("a signature that is not an object")),
                    })
                    .collect::<Result<_>>()?
            }
            Some(_) => return Err(malformed("signatures is not an array")),
            None => vec![signature_pair(&members)?],
        };
        let signatures = pairs
            .into_iter()
            .map(|(protected, signature)| CompactJws::parse(&format!("{protected}.{payload}.{signature}")))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { signatures })
    }

    /// A JSON JWS made of compact JWS over one payload (all attached, the same payload segment).
    pub fn from_compact(signatures: Vec<CompactJws>) -> Result<Self> {
        let Some(first) = signatures.first() else {
            return Err(malformed("signatures is empty"));
        };
        if signatures.len() > MAX_JSON_SIGNATURES {
            return Err(malformed("more signatures than MAX_JSON_SIGNATURES"));
        }
        let segment = first.payload_segment();
        if first.is_detached() || signatures.iter().any(|s| s.payload_segment() != segment) {
            return Err(malformed("signatures over different payload segments"));
        }
        Ok(Self { signatures })
    }

    /// Each signature as the compact JWS it is equivalent to, in order.
    pub fn signatures(&self) -> &[CompactJws] {
        &self.signatures
    }

    fn signature_members(jws: &CompactJws) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("protected".into(), jws.header().encoded().into());
        m.insert(
            "signature".into(),
            kavach_jose::base64::encode_url(jws.signature()).into(),
        );
        m
    }

    /// The general JSON serialization (RFC 7515 §7.2.1).
    pub fn to_general_json(&self) -> String {
        let mut m = Map::new();
        m.insert("payload".into(), self.signatures[0].payload_segment().into());
        m.insert(
            "signatures".into(),
            self.signatures
                .iter()
                .map(|s| Value::Object(Self::signature_members(s)))
                .collect(),
        );
        Value::Object(m).to_string()
    }

    /// The flattened JSON serialization (RFC 7515 §7.2.2); only for a single signature.
    pub fn to_flattened_json(&self) -> Result<String> {
        let [only] = self.signatures.as_slice() else {
            return Err(malformed("the flattened form holds exactly one signature"));
        };
        let mut m = Self::signature_members(only);
        m.insert("payload".into(), only.payload_segment().into());
        Ok(Value::Object(m).to_string())
    }
}

/// Signs `payload` once per `(signer, options)` (each with its own protected header) into one
/// JSON JWS. Every option set must leave the payload attached and encoded the same way.
pub fn sign_json(signers: &[(&dyn Signer, &SignOptions)], payload: &[u8]) -> Result<JsonJws> {
    if signers.len() > MAX_JSON_SIGNATURES {
        return Err(malformed("more signatures than MAX_JSON_SIGNATURES"));
    }
    let signatures = signers
        .iter()
        .map(|(signer, options)| sign(*signer, payload, options))
        .collect::<Result<Vec<_>>>()?;
    JsonJws::from_compact(signatures)
}

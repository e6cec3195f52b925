//! A minimal JSON Web Key reader (RFC 7517, RFC 7518 §6, RFC 8037): public RSA, EC P-256/P-384
//! and OKP Ed25519 keys, turned into a [`kavach_keys::PublicKey`] by its raw-component
//! constructors (the same checks as a `SubjectPublicKeyInfo`).
//!
//! It exists for vectors and pinned keys given as JWK ([`crate::danger::BareKey::from_jwk`]).
//! Private members (`d`, `p`, ...) are ignored; symmetric (`oct`) keys are refused.

use kavach_keys::{KeyKind, PublicKey};
use serde_json::Value;

use crate::error::{Error, Part, Result};
use crate::json::{Members, parse_object};

/// Largest JWK text accepted: an RSA-8192 public JWK with every optional member is under 2 KiB;
/// a private one under 8 KiB.
pub const MAX_JWK_LEN: usize = 16 * 1024;

/// Most `key_ops` entries read: RFC 7517 §4.3 registers eight operations.
const MAX_KEY_OPS: usize = 8;

fn bad(reason: &'static str) -> Error {
    Error::malformed(Part::Jwk, reason)
}

/// A public key read from a JWK, with the members that restrict its use.
#[derive(Clone, Debug)]
pub struct Jwk {
    key: PublicKey,
    kid: Option<String>,
    alg: Option<String>,
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
}

impl Jwk {
    /// Parses a JWK JSON object (duplicate member names refused).
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > MAX_JWK_LEN {
            return Err(Error::TooLarge {
                what: "JWK",
                len: json.len(),
                max: MAX_JWK_LEN,
            });
        }
        let m = parse_object(json.as_bytes(), Part::Jwk)?;
        Self::from_members(&m)
    }

    fn from_members(m: &Members) -> Result<Self> {
        let s = |name: &'static str| -> Result<Option<&str>> {
            match m.get(name) {
                None => Ok(None),
                Some(Value::String(v)) => Ok(Some(v.as_str())),
                Some(_) => Err(bad("member is not a string")),
            }
        };
        let need = |name: &'static str| -> Result<Vec<u8>> {
            let text = s(name)?.ok_or(bad("required member missing"))?;
            kavach_jose::base64::decode_url(text).map_err(|_| bad("member is not base64url"))
        };
        let kty = s("kty")?.ok_or(bad("kty missing"))?;
        let key = match kty {
            "RSA" => {
                let (n, e) = (need("n")?, need("e")?);
                // RFC 7518 §2 Base64urlUInt: the minimum number of octets, so no leading zero.
                for v in [&n, &e] {
                    if v.first().is_none_or(|&b| b == 0) {
                        return Err(bad("RSA n or e is empty or has a leading zero octet"));
                    }
                }
                PublicKey::from_rsa_components(&n, &e)?
            }
            "EC" => {
                let (kind, len) = match s("crv")?.ok_or(bad("crv missing"))? {
                    "P-256" => (KeyKind::P256, 32),
                    "P-384" => (KeyKind::P384, 48),
                    _ => return Err(bad("EC curve other than P-256 or P-384")),
                };
                let (x, y) = (need("x")?, need("y")?);
                // RFC 7518 §6.2.1.2/3: x and y are the full field length.
                if x.len() != len || y.len() != len {
                    return Err(bad("EC x or y is not the curve's field length"));
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                PublicKey::from_ec_point(kind, &point)?
            }
            "OKP" => {
                if s("crv")? != Some("Ed25519") {
                    return Err(bad("OKP curve other than Ed25519"));
                }
                let x: [u8; 32] = need("x")?
                    .as_slice()
                    .try_into()
                    .map_err(|_| bad("Ed25519 x is not 32 bytes"))?;
                PublicKey::from_ed25519_bytes(&x)?
            }
            "oct" => return Err(bad("symmetric (oct) keys are not accepted")),
            _ => return Err(bad("unknown kty")),
        };
        let key_ops = match m.get("key_ops") {
            None => None,
            Some(Value::Array(items)) => {
                if items.len() > MAX_KEY_OPS {
                    return Err(bad("key_ops has more entries than RFC 7517 registers"));
                }
                let mut ops = Vec::with_capacity(items.len());
                for i in items {
                    let Value::String(op) = i else {
                        return Err(bad("key_ops entry is not a string"));
                    };
                    ops.push(op.clone());
                }
                Some(ops)
            }
            Some(_) => return Err(bad("key_ops is not an array")),
        };
        Ok(Self {
            key,
            kid: s("kid")?.map(str::to_owned),
            alg: s("alg")?.map(str::to_owned),
            use_: s("use")?.map(str::to_owned),
            key_ops,
        })
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// `kid`, when present.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// `alg`, when present, as written.
    pub fn alg(&self) -> Option<&str> {
        self.alg.as_deref()
    }

    /// Checks that the key may verify signatures: `use`, when present, is `sig`
    /// (RFC 7517 §4.2), and `key_ops`, when present, contains `verify` (§4.3).
    pub fn check_verification_use(&self) -> Result<()> {
        if self.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err(Error::JwkNotForVerification {
                reason: "\"use\" is not \"sig\"",
            });
        }
        if self
            .key_ops
            .as_ref()
            .is_some_and(|ops| !ops.iter().any(|o| o == "verify"))
        {
            return Err(Error::JwkNotForVerification {
                reason: "\"key_ops\" does not contain \"verify\"",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use kavach_keys::KeyKind;

    const EC: &str = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;

    #[test]
    fn ec_rfc7515_a3_key() {
        let j = Jwk::from_json(EC).unwrap();
        assert_eq!(j.public_key().kind(), KeyKind::P256);
        j.check_verification_use().unwrap();
    }

    #[test]
    fn okp_ed25519_rfc8037_a2_key() {
        let j = Jwk::from_json(r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#)
            .unwrap();
        assert_eq!(j.public_key().kind(), KeyKind::Ed25519);
    }

    #[test]
    fn refusals() {
        for bad in [
            r#"{"kty":"oct","k":"AAAA"}"#,
            r#"{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}"#,
            r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"}"#,
            r#"{"kty":"EC","crv":"P-256","x":"AAf83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
            r#"{"kty":"RSA","n":"AAEB","e":"AQAB"}"#,
            r#"{"kty":"RSA","n":"","e":"AQAB"}"#,
            r#"{"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
            r#"{"kty":"EC","kty":"EC","crv":"P-256"}"#,
            r#"[]"#,
        ] {
            assert!(Jwk::from_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn use_and_key_ops() {
        let with = |extra: &str| Jwk::from_json(&EC.replace("{\"kty\"", &format!("{{{extra},\"kty\""))).unwrap();
        assert!(with(r#""use":"enc""#).check_verification_use().is_err());
        assert!(with(r#""key_ops":["encrypt"]"#).check_verification_use().is_err());
        assert!(
            with(r#""use":"sig","key_ops":["sign","verify"]"#)
                .check_verification_use()
                .is_ok()
        );
    }
}

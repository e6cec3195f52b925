//! The JWS Protected Header: parsed strictly, and written by kavach's signer.

use core::fmt;

use kavach_jose::base64;
use kavach_keys::Sha256Thumbprint;
use serde_json::Value;

use crate::alg::JwsAlgorithm;
use crate::error::{Error, Part, Result, truncate};
use crate::json::{Members, parse_object};
use crate::time::Timestamp;

/// Largest decoded protected header accepted, in bytes. A header with an `x5c` of ten RSA-4096
/// certificates (about 2 KiB of DER each, 2.7 KiB in base64) stays under 32 KiB; HTTP servers
/// commonly cap a whole header block at 8 to 16 KiB, so nothing legitimate comes close.
pub const MAX_JWS_HEADER_LEN: usize = 32 * 1024;

/// Most certificates accepted in `x5c`. RFC 5280 sets no limit; real chains are 2 to 4 long and
/// kavach-pki refuses deeper paths anyway, so ten bounds the parsing work without refusing any
/// chain a validator would accept.
pub const MAX_X5C_CERTIFICATES: usize = 10;

/// Length of a kavach `jti` in bytes (WIRE.md §4: 16 random bytes).
pub const JTI_LEN: usize = 16;

/// The header parameters kavach understands when listed in `crit`: only `b64` (RFC 7797).
pub const UNDERSTOOD_CRITICAL: [&str; 1] = ["b64"];

/// A `jti`: 16 random bytes, written as 22 base64url characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Jti([u8; JTI_LEN]);

impl Jti {
    /// 16 fresh bytes from the operating system's random number generator.
    pub fn generate() -> Result<Self> {
        let mut b = [0u8; JTI_LEN];
        getrandom::fill(&mut b).map_err(|_| Error::Rng)?;
        Ok(Self(b))
    }

    /// Parses the base64url text of exactly 16 bytes (22 characters, no padding).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |reason| Error::InvalidHeaderMember { name: "jti", reason };
        if s.len() != 22 {
            return Err(bad("not base64url of 16 bytes (22 characters)"));
        }
        base64::decode_url_exact::<JTI_LEN>(s)
            .map(Self)
            .map_err(|_| bad("not base64url of 16 bytes"))
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; JTI_LEN] {
        &self.0
    }
}

impl fmt::Display for Jti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&base64::encode_url(&self.0))
    }
}

impl fmt::Debug for Jti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Jti({self})")
    }
}

/// The DER bytes of one `x5c` certificate (decoded from the standard base64 of the header).
#[derive(Clone, PartialEq, Eq)]
pub struct X5cCertificate(Vec<u8>);

impl X5cCertificate {
    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.0
    }

    /// SHA-256 of the DER bytes.
    pub fn sha256_thumbprint(&self) -> Sha256Thumbprint {
        Sha256Thumbprint::of_der(&self.0)
    }
}

impl fmt::Debug for X5cCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "X5cCertificate({} bytes)", self.0.len())
    }
}

/// A parsed JWS Protected Header (RFC 7515 §4).
///
/// Parsing refuses duplicate members, members of the wrong type, `crit` lists naming anything
/// but `b64`, `b64:false` not listed in `crit`, `x5c` entries in base64url (they must be standard
/// base64, RFC 7515 §4.1.6), and a `ts` or `jti` not in kavach's format. The `alg` value is kept
/// as written and checked by [`Header::algorithm`], so that a JWS naming `HS256` still parses and
/// is refused by every verification path.
///
/// `jwk`, `jku` and `x5u` are ignored: kavach never takes a key from the message it verifies.
#[derive(Clone)]
pub struct Header {
    encoded: String,
    json: Vec<u8>,
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
    x5c: Vec<X5cCertificate>,
    x5t_s256: Option<Sha256Thumbprint>,
    ts: Option<Timestamp>,
    jti: Option<Jti>,
    b64: bool,
    crit: Vec<String>,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("x5c", &self.x5c.len())
            .field("x5t#S256", &self.x5t_s256)
            .field("ts", &self.ts)
            .field("jti", &self.jti)
            .field("b64", &self.b64)
            .field("crit", &self.crit)
            .finish_non_exhaustive()
    }
}

fn invalid(name: &'static str, reason: &'static str) -> Error {
    Error::InvalidHeaderMember { name, reason }
}

fn string_member<'a>(m: &'a Members, name: &'static str) -> Result<Option<&'a str>> {
    match m.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(name, "not a string")),
    }
}

impl Header {
    /// Parses the base64url text of a protected header (the first segment of a compact JWS).
    pub fn from_encoded(encoded: &str) -> Result<Self> {
        if encoded.is_empty() {
            return Err(Error::malformed(Part::Header, "empty"));
        }
        let max_encoded = MAX_JWS_HEADER_LEN.div_ceil(3) * 4;
        if encoded.len() > max_encoded {
            return Err(Error::TooLarge {
                what: "protected header",
                len: encoded.len(),
                max: max_encoded,
            });
        }
        let json =
            base64::decode_url(encoded).map_err(|_| Error::malformed(Part::Header, "not base64url without padding"))?;
        Self::parse_json(encoded.to_owned(), json)
    }

    /// Parses a protected header from its JSON text; the encoded form is the base64url of
    /// exactly these bytes.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        if json.len() > MAX_JWS_HEADER_LEN {
            return Err(Error::TooLarge {
                what: "protected header",
                len: json.len(),
                max: MAX_JWS_HEADER_LEN,
            });
        }
        Self::parse_json(base64::encode_url(json), json.to_vec())
    }

    fn parse_json(encoded: String, json: Vec<u8>) -> Result<Self> {
        if json.len() > MAX_JWS_HEADER_LEN {
            return Err(Error::TooLarge {
                what: "protected header",
                len: json.len(),
                max: MAX_JWS_HEADER_LEN,
            });
        }
        let m = parse_object(&json, Part::Header)?;

        let alg = string_member(&m, "alg")?
            .ok_or(Error::MissingHeaderMember { name: "alg" })?
            .to_owned();
        let kid = string_member(&m, "kid")?.map(str::to_owned);
        let typ = string_member(&m, "typ")?.map(str::to_owned);
        string_member(&m, "cty")?;

        let b64 = match m.get("b64") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(invalid("b64", "not a boolean")),
        };

        // RFC 7515 §4.1.11: crit is a non-empty array of distinct names, each of which must be
        // understood and present in the header.
        let mut crit = Vec::new();
        if let Some(v) = m.get("crit") {
            let Value::Array(items) = v else {
                return Err(invalid("crit", "not an array"));
            };
            if items.is_empty() {
                return Err(invalid("crit", "empty list"));
            }
            // Bounded by MAX_JSON_MEMBERS through the header size; each entry is checked
            // against UNDERSTOOD_CRITICAL before anything else, so at most one is kept.
            for item in items {
                let Value::String(name) = item else {
                    return Err(invalid("crit", "entry is not a string"));
                };
                if !UNDERSTOOD_CRITICAL.contains(&name.as_str()) {
                    return Err(Error::UnknownCritical {
                        name: truncate(name, 64),
                    });
                }
                if crit.contains(name) {
                    return Err(invalid("crit", "duplicate entry"));
                }
                if m.get(name).is_none() {
                    return Err(invalid("crit", "names a member the header does not have"));
                }
                crit.push(name.clone());
            }
        }
        if !b64 && !crit.iter().any(|c| c == "b64") {
            return Err(Error::UnencodedPayloadNotCritical);
        }

        let mut x5c = Vec::new();
        if let Some(v) = m.get("x5c") {
            let Value::Array(items) = v else {
                return Err(invalid("x5c", "not an array"));
            };
            if items.is_empty() {
                return Err(invalid("x5c", "empty list"));
            }
            if items.len() > MAX_X5C_CERTIFICATES {
                return Err(invalid("x5c", "more certificates than MAX_X5C_CERTIFICATES"));
            }
            for item in items {
                let Value::String(text) = item else {
                    return Err(invalid("x5c", "entry is not a string"));
                };
                if text.contains(['-', '_']) {
                    return Err(invalid(
                        "x5c",
                        "entry is base64url; RFC 7515 §4.1.6 requires standard base64",
                    ));
                }
                let der =
                    base64::decode_std(text).map_err(|_| invalid("x5c", "entry is not standard padded base64"))?;
                if der.is_empty() {
                    return Err(invalid("x5c", "empty entry"));
                }
                x5c.push(X5cCertificate(der));
            }
        }

        let x5t_s256 = match string_member(&m, "x5t#S256")? {
            None => None,
            Some(s) => {
                let b =
                    base64::decode_url_exact::<32>(s).map_err(|_| invalid("x5t#S256", "not base64url of 32 bytes"))?;
                Some(Sha256Thumbprint(b))
            }
        };

        let ts = string_member(&m, "ts")?.map(Timestamp::parse).transpose()?;
        let jti = string_member(&m, "jti")?.map(Jti::parse).transpose()?;

        Ok(Self {
            encoded,
            json,
            alg,
            kid,
            typ,
            x5c,
            x5t_s256,
            ts,
            jti,
            b64,
            crit,
        })
    }

    /// The algorithm, if it is one kavach accepts ([`JwsAlgorithm::from_name`]).
    pub fn algorithm(&self) -> Result<JwsAlgorithm> {
        JwsAlgorithm::from_name(&self.alg)
    }

    /// The `alg` value as written.
    pub fn alg_name(&self) -> &str {
        &self.alg
    }

    /// The base64url text of the header, as it appears in the JWS.
    pub fn encoded(&self) -> &str {
        &self.encoded
    }

    /// The header's JSON bytes.
    pub fn json(&self) -> &[u8] {
        &self.json
    }

    /// `kid`, when present.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// `typ`, when present.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// The `x5c` certificates (leaf first), decoded from base64; empty when absent.
    pub fn x5c(&self) -> &[X5cCertificate] {
        &self.x5c
    }

    /// `x5t#S256`, when present.
    pub fn x5t_s256(&self) -> Option<&Sha256Thumbprint> {
        self.x5t_s256.as_ref()
    }

    /// kavach's `ts` signing time, when present.
    pub fn ts(&self) -> Option<Timestamp> {
        self.ts
    }

    /// kavach's `jti`, when present.
    pub fn jti(&self) -> Option<Jti> {
        self.jti
    }

    /// False for an unencoded payload (RFC 7797 `"b64": false`).
    pub fn b64(&self) -> bool {
        self.b64
    }

    /// The `crit` list (empty when absent).
    pub fn crit(&self) -> &[String] {
        &self.crit
    }

    /// An application member with a string value (`req`, `aud`, `env`, ...: WIRE.md §4b, §5,
    /// §5b), read from the protected header; `None` when absent, an error when present with
    /// another type. The header is bounded by [`MAX_JWS_HEADER_LEN`], so this costs at most one
    /// bounded parse.
    pub fn string_member(&self, name: &str) -> Result<Option<String>> {
        let m = parse_object(&self.json, Part::Header)?;
        match m.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid("application member", "not a string")),
        }
    }
}

/// What kavach's signer puts in a header. Written as JSON in this member order:
/// `alg`, `b64`, `crit`, `typ`, `kid`, `x5c`, `x5t#S256`, `ts`, `jti`.
pub(crate) struct HeaderParams<'a> {
    pub(crate) alg: &'a str,
    pub(crate) unencoded: bool,
    pub(crate) typ: Option<&'a str>,
    pub(crate) kid: Option<&'a str>,
    pub(crate) x5c: &'a [&'a [u8]],
    pub(crate) x5t_s256: Option<Sha256Thumbprint>,
    pub(crate) ts: Option<Timestamp>,
    pub(crate) jti: Option<Jti>,
    /// Application members (string valued, never `crit`), written last in this order.
    pub(crate) extra: &'a [(String, String)],
}

impl HeaderParams<'_> {
    pub(crate) fn to_json(&self) -> Vec<u8> {
        fn push_str(out: &mut String, name: &str, value: &str) {
            out.push_str(&format!(",{}:{}", json_string(name), json_string(value)));
        }
        let mut out = format!("{{\"alg\":{}", json_string(self.alg));
        if self.unencoded {
            out.push_str(",\"b64\":false,\"crit\":[\"b64\"]");
        }
        if let Some(t) = self.typ {
            push_str(&mut out, "typ", t);
        }
        if let Some(k) = self.kid {
            push_str(&mut out, "kid", k);
        }
        if !self.x5c.is_empty() {
            let certs: Vec<String> = self
                .x5c
                .iter()
                .map(|der| format!("\"{}\"", base64::encode_std(der)))
                .collect();
            out.push_str(&format!(",\"x5c\":[{}]", certs.join(",")));
        }
        if let Some(t) = self.x5t_s256 {
            push_str(&mut out, "x5t#S256", &t.to_base64url());
        }
        if let Some(ts) = self.ts {
            push_str(&mut out, "ts", &ts.to_string());
        }
        if let Some(j) = self.jti {
            push_str(&mut out, "jti", &j.to_string());
        }
        for (name, value) in self.extra {
            push_str(&mut out, name, value);
        }
        out.push('}');
        out.into_bytes()
    }
}

fn json_string(s: &str) -> String {
    // serde_json escapes quotes, backslashes and control characters; it cannot fail for &str.
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn h(json: &str) -> Result<Header> {
        Header::from_json(json.as_bytes())
    }

    #[test]
    fn minimal_and_full() {
        let x = h(r#"{"alg":"ES256"}"#).unwrap();
        assert_eq!(x.algorithm().unwrap(), JwsAlgorithm::ES256);
        assert!(x.b64() && x.x5c().is_empty() && x.ts().is_none());
        let x = h(
            r#"{"alg":"PS256","b64":false,"crit":["b64"],"kid":"k","x5c":["MIIB","AAE="],
                "x5t#S256":"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU","ts":"2026-11-23T19:00:00.123Z",
                "jti":"AAAAAAAAAAAAAAAAAAAAAA","unknown":{"x":1}}"#,
        )
        .unwrap();
        assert!(!x.b64());
        assert_eq!(x.x5c().len(), 2);
        assert_eq!(x.x5c()[1].der(), [0, 1]);
        assert_eq!(x.kid(), Some("k"));
        assert_eq!(x.jti().unwrap().as_bytes(), &[0; 16]);
    }

    #[test]
    fn alg_none_and_hs256_parse_but_are_refused_as_algorithms() {
        assert!(matches!(
            h(r#"{"alg":"none"}"#).unwrap().algorithm(),
            Err(Error::AlgorithmNone)
        ));
        assert!(matches!(
            h(r#"{"alg":"HS256"}"#).unwrap().algorithm(),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
        assert!(matches!(
            h(r#"{"kid":"x"}"#),
            Err(Error::MissingHeaderMember { name: "alg" })
        ));
        assert!(matches!(
            h(r#"{"alg":256}"#),
            Err(Error::InvalidHeaderMember { name: "alg", .. })
        ));
    }

    #[test]
    fn crit_rules() {
        assert!(matches!(
            h(r#"{"alg":"ES256","crit":["exp"],"exp":1}"#),
            Err(Error::UnknownCritical { .. })
        ));
        assert!(matches!(
            h(r#"{"alg":"ES256","crit":[]}"#),
            Err(Error::InvalidHeaderMember { .. })
        ));
        assert!(matches!(
            h(r#"{"alg":"ES256","crit":["b64"]}"#),
            Err(Error::InvalidHeaderMember { .. })
        ));
        assert!(matches!(
            h(r#"{"alg":"ES256","b64":false,"crit":["b64","b64"]}"#),
            Err(Error::InvalidHeaderMember { .. })
        ));
        assert!(matches!(
            h(r#"{"alg":"ES256","b64":false}"#),
            Err(Error::UnencodedPayloadNotCritical)
        ));
        assert!(matches!(
            h(r#"{"alg":"ES256","b64":"false","crit":["b64"]}"#),
            Err(Error::InvalidHeaderMember { .. })
        ));
        assert!(h(r#"{"alg":"ES256","b64":true}"#).unwrap().b64());
    }

    #[test]
    fn x5c_must_be_standard_base64() {
        // 0xfb 0xff encodes as "+/8=" in base64 and "-_8" in base64url.
        assert!(h(r#"{"alg":"ES256","x5c":["+/8="]}"#).is_ok());
        assert!(matches!(
            h(r#"{"alg":"ES256","x5c":["-_8="]}"#),
            Err(Error::InvalidHeaderMember { name: "x5c", .. })
        ));
        assert!(matches!(
            h(r#"{"alg":"ES256","x5c":["-_8"]}"#),
            Err(Error::InvalidHeaderMember { name: "x5c", .. })
        ));
        assert!(matches!(
            h(r#"{"alg":"ES256","x5c":["+/8"]}"#),
            Err(Error::InvalidHeaderMember { name: "x5c", .. })
        ));
        assert!(matches!(
            h(r#"{"alg":"ES256","x5c":[]}"#),
            Err(Error::InvalidHeaderMember { name: "x5c", .. })
        ));
        assert!(matches!(
            h(r#"{"alg":"ES256","x5c":"AAE="}"#),
            Err(Error::InvalidHeaderMember { name: "x5c", .. })
        ));
        let eleven = ["\"AAE=\""; MAX_X5C_CERTIFICATES + 1].join(",");
        assert!(h(&format!(r#"{{"alg":"ES256","x5c":[{eleven}]}}"#)).is_err());
    }

    #[test]
    fn ts_and_jti_formats() {
        assert!(h(r#"{"alg":"ES256","ts":"2026-11-23T19:00:00Z"}"#).is_err());
        assert!(h(r#"{"alg":"ES256","ts":1795460400}"#).is_err());
        assert!(h(r#"{"alg":"ES256","jti":"AAAAAAAAAAAAAAAAAAAA"}"#).is_err());
        assert!(h(r#"{"alg":"ES256","jti":"AAAAAAAAAAAAAAAAAAAAAA=="}"#).is_err());
        assert!(h(r#"{"alg":"ES256","x5t#S256":"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="}"#).is_err());
    }

    #[test]
    fn params_round_trip_through_the_parser() {
        let jti = Jti::generate().unwrap();
        let ts = Timestamp::parse("2026-11-23T19:00:00.123Z").unwrap();
        let json = HeaderParams {
            alg: "ES256",
            unencoded: true,
            typ: Some("JOSE"),
            kid: Some("a\"b\\c\u{1}"),
            x5c: &[&[1, 2, 3], &[0xfb, 0xff]],
            x5t_s256: Some(Sha256Thumbprint([7; 32])),
            ts: Some(ts),
            jti: Some(jti),
            extra: &[("req".to_owned(), "r\"1".to_owned())],
        }
        .to_json();
        let x = Header::from_json(&json).unwrap();
        assert_eq!(x.string_member("req").unwrap(), Some("r\"1".to_owned()));
        assert_eq!(x.string_member("absent").unwrap(), None);
        assert!(x.string_member("x5c").is_err(), "an array is not a string member");
        assert_eq!(x.kid(), Some("a\"b\\c\u{1}"));
        assert_eq!(x.x5c()[1].der(), [0xfb, 0xff]);
        assert_eq!(x.x5t_s256().unwrap().as_bytes(), &[7; 32]);
        assert_eq!(
            (x.ts(), x.jti(), x.b64(), x.typ()),
            (Some(ts), Some(jti), false, Some("JOSE"))
        );
    }
}

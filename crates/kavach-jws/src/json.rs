//! A JSON object reader that refuses duplicate member names.
//!
//! `serde_json` keeps the last of two members with the same name; RFC 7515 §4 says a JOSE
//! header with duplicate names must be rejected (or the last one used — kavach rejects, since
//! two parsers that pick differently is how signature bypasses start). Names are compared after
//! JSON unescaping, so `"alg"` and `"\u0061lg"` are the same member.

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, Visitor};
use serde_json::Value;

use crate::error::{Error, Part, Result, truncate};

/// Most members a JSON object read here may have. A kavach header has at most nine (`alg`,
/// `b64`, `crit`, `kid`, `x5c`, `x5t#S256`, `ts`, `jti`, `typ`); JWKs have a dozen; 64 leaves
/// room for other producers' private members while bounding the duplicate check (quadratic in
/// the member count) at 2,016 comparisons.
pub const MAX_JSON_MEMBERS: usize = 64;

/// The members of one JSON object, in document order, without duplicates.
#[derive(Debug, Clone)]
pub(crate) struct Members(pub(crate) Vec<(String, Value)>);

impl Members {
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    #[cfg(test)]
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

enum Failure {
    Duplicate(String),
    TooMany,
}

struct Seed<'a> {
    failure: &'a mut Option<Failure>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Members;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> core::result::Result<Members, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Members;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> core::result::Result<Members, A::Error> {
        let mut out: Vec<(String, Value)> = Vec::new();
        // Bounded: each iteration consumes one member and the loop stops at MAX_JSON_MEMBERS.
        while let Some(key) = map.next_key::<String>()? {
            if out.len() >= MAX_JSON_MEMBERS {
                *self.failure = Some(Failure::TooMany);
                return Err(A::Error::custom("too many members"));
            }
            if out.iter().any(|(k, _)| *k == key) {
                *self.failure = Some(Failure::Duplicate(truncate(&key, 64)));
                return Err(A::Error::custom("duplicate member"));
            }
            let value: Value = map.next_value()?;
            out.push((key, value));
        }
        Ok(Members(out))
    }
}

/// Parses `bytes` as exactly one JSON object (whitespace around it allowed, nothing else) and
/// returns its members; a repeated member name is [`Error::DuplicateHeaderMember`] (for a JWK,
/// [`Error::Malformed`]).
pub(crate) fn parse_object(bytes: &[u8], part: Part) -> Result<Members> {
    let mut failure = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Seed { failure: &mut failure }
        .deserialize(&mut de)
        .and_then(|m| de.end().map(|()| m));
    match (parsed, failure) {
        (Ok(m), _) => Ok(m),
        (Err(_), Some(Failure::Duplicate(name))) => Err(match part {
            Part::Header => Error::DuplicateHeaderMember { name },
            _ => Error::malformed(part, "duplicate member name"),
        }),
        (Err(_), Some(Failure::TooMany)) => Err(Error::malformed(part, "too many JSON members")),
        (Err(_), None) => Err(Error::malformed(part, "not a JSON object")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn duplicates_are_refused_even_when_escaped() {
        for text in [
            r#"{"alg":"ES256","alg":"none"}"#,
            r#"{"alg":"ES256","\u0061lg":"none"}"#,
            r#"{"kid":"a","x":1,"kid":"a"}"#,
        ] {
            let e = parse_object(text.as_bytes(), Part::Header).unwrap_err();
            assert!(matches!(e, Error::DuplicateHeaderMember { .. }), "{text}: {e:?}");
        }
    }

    #[test]
    fn objects_only_and_nothing_after() {
        for text in ["[]", "\"alg\"", "{", "{}x", "{} {}", "", "null", "{\"a\":1,}"] {
            assert!(parse_object(text.as_bytes(), Part::Header).is_err(), "{text}");
        }
        let m = parse_object(b" {\"a\":1, \"b\":[2]}\n", Part::Header).unwrap();
        assert_eq!(m.names().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn member_count_is_bounded() {
        let body: Vec<String> = (0..=MAX_JSON_MEMBERS).map(|i| format!("\"m{i}\":0")).collect();
        let text = format!("{{{}}}", body.join(","));
        assert!(matches!(
            parse_object(text.as_bytes(), Part::Header),
            Err(Error::Malformed { .. })
        ));
        let ok: Vec<String> = (0..MAX_JSON_MEMBERS).map(|i| format!("\"m{i}\":0")).collect();
        assert!(parse_object(format!("{{{}}}", ok.join(",")).as_bytes(), Part::Header).is_ok());
    }
}

//! The strict JSON object reader of kavach's JOSE headers and JWKs.
//!
//! `serde_json` keeps the last of two members with the same name; RFC 7515 §4 and RFC 7516 §4
//! say a header with duplicate names must be rejected (or the lexically last used). kavach
//! rejects, at every nesting level (an `epk` or a `jwk` inside a header too), since two parsers
//! that pick differently is how signature bypasses start. Names are compared after JSON
//! unescaping, so `"alg"` and `"\u0061lg"` are the same member.
//!
//! Every object may have at most [`MAX_JSON_MEMBERS`] members and every array at most as many
//! elements; nesting is bounded by `serde_json`'s recursion limit (128), and the whole text by the
//! caller's size cap (each caller caps its input before parsing). Failures are reported through a
//! side channel of the visitor, never by reading `serde_json`'s messages.

use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Most members in one JSON object, and most elements in one array, anywhere in a text read
/// here. A kavach JWS header has at most nine members and a JWE header registers 17 parameters
/// (RFC 7516 §4.1, RFC 7518 §4.6.1); JWKs have a dozen, `x5c` at most ten entries. 64 leaves room
/// for other producers' private members while bounding the work on a hostile text.
pub const MAX_JSON_MEMBERS: usize = 64;

/// Longest duplicate member name echoed in [`JsonError::DuplicateMember`], in characters.
pub const MAX_ECHOED_NAME: usize = 64;

/// Why a text is not a strict JSON object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// A member name appears twice in one object (at any nesting level).
    #[error("duplicate member name {name:?}")]
    DuplicateMember {
        /// The name, unescaped and truncated to [`MAX_ECHOED_NAME`] characters.
        name: String,
    },
    /// An object has more than [`MAX_JSON_MEMBERS`] members, or an array more elements.
    #[error("{count} {what}, more than the {max} allowed")]
    TooMany {
        /// What was counted: `members in one JSON object` or `elements in one JSON array`.
        what: &'static str,
        /// How many were read when reading stopped: always `max + 1` (the first one too many).
        count: usize,
        /// The largest number allowed ([`MAX_JSON_MEMBERS`]).
        max: usize,
    },
    /// Valid JSON, but the top-level value is not an object.
    #[error("not a JSON object")]
    NotAnObject,
    /// Not one valid JSON text (RFC 8259, UTF-8): bad syntax, truncated, nested too deep, or
    /// followed by anything but whitespace.
    #[error("not valid JSON (UTF-8, RFC 8259)")]
    Invalid,
}

impl JsonError {
    /// A fixed description, for errors that carry a `&'static str` reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::DuplicateMember { .. } => "duplicate member name",
            Self::TooMany { .. } => "more than 64 members or elements",
            Self::NotAnObject => "not a JSON object",
            Self::Invalid => "not valid JSON (UTF-8, RFC 8259)",
        }
    }
}

/// Parses `bytes` as exactly one JSON object (whitespace around it allowed, nothing else) with
/// no duplicate member names at any level and every object and array within
/// [`MAX_JSON_MEMBERS`]. Nested values are plain [`Value`]s.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonError> {
    let mut failure = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = (&mut de)
        .deserialize_map(Strict { failure: &mut failure })
        .and_then(|v| de.end().map(|()| v));
    match (parsed, failure) {
        (Ok(Value::Object(m)), _) => Ok(m),
        (Ok(_), _) => Err(JsonError::NotAnObject),
        (Err(_), Some(f)) => Err(f),
        // No failure of ours recorded: a data error can only be the top-level type mismatch
        // (every nested value is accepted whatever its type).
        (Err(e), None) if e.classify() == serde_json::error::Category::Data => Err(JsonError::NotAnObject),
        (Err(_), None) => Err(JsonError::Invalid),
    }
}

/// The error of one object or array with more than [`MAX_JSON_MEMBERS`] entries, found when
/// reading the first one too many.
fn too_many(what: &'static str) -> JsonError {
    JsonError::TooMany {
        what,
        count: MAX_JSON_MEMBERS + 1,
        max: MAX_JSON_MEMBERS,
    }
}

/// Reads any JSON value, refusing duplicates and oversized containers; records why in
/// `failure` (the error returned to `serde_json` only stops the parse).
struct Strict<'a> {
    failure: &'a mut Option<JsonError>,
}

impl Strict<'_> {
    fn fail<E: de::Error>(self, why: JsonError) -> E {
        let msg = why.reason();
        *self.failure = Some(why);
        E::custom(msg)
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        // Bounded: each iteration consumes one element and the loop stops at MAX_JSON_MEMBERS.
        while let Some(v) = seq.next_element_seed(Strict {
            failure: &mut *self.failure,
        })? {
            if out.len() == MAX_JSON_MEMBERS {
                return Err(self.fail(too_many("elements in one JSON array")));
            }
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        // Bounded: each iteration consumes one member and the loop stops at MAX_JSON_MEMBERS.
        while let Some(key) = map.next_key::<String>()? {
            if out.len() == MAX_JSON_MEMBERS {
                return Err(self.fail(too_many("members in one JSON object")));
            }
            if out.contains_key(&key) {
                let name = key.chars().take(MAX_ECHOED_NAME).collect();
                return Err(self.fail(JsonError::DuplicateMember { name }));
            }
            let v = map.next_value_seed(Strict {
                failure: &mut *self.failure,
            })?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn members(n: usize) -> String {
        (0..n).map(|i| format!("\"m{i}\":0")).collect::<Vec<_>>().join(",")
    }

    #[test]
    fn duplicates_are_refused_at_every_level_even_when_escaped() {
        for (text, dup) in [
            (r#"{"alg":"ES256","alg":"none"}"#, "alg"),
            (r#"{"alg":"ES256","\u0061lg":"none"}"#, "alg"),
            (r#"{"kid":"a","x":1,"kid":"a"}"#, "kid"),
            (r#"{"epk":{"x":"1","x":"2"}}"#, "x"),
            (r#"{"l":[{"x":"1","x":"2"}]}"#, "x"),
            (r#"{"a":{"b":{"c":{"d":1,"d":2}}}}"#, "d"),
        ] {
            assert_eq!(
                parse_object(text.as_bytes()),
                Err(JsonError::DuplicateMember { name: dup.into() }),
                "{text}"
            );
        }
        // The same name in two different objects is no duplicate.
        assert!(parse_object(br#"{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}"#).is_ok());
    }

    #[test]
    fn echoed_duplicate_name_is_truncated() {
        let long = "n".repeat(1000);
        let text = format!("{{\"{long}\":1,\"{long}\":2}}");
        let Err(JsonError::DuplicateMember { name }) = parse_object(text.as_bytes()) else {
            panic!("not a duplicate");
        };
        assert_eq!(name.chars().count(), MAX_ECHOED_NAME);
    }

    #[test]
    fn only_one_object_with_nothing_after_it() {
        for text in ["[]", "[1]", "\"alg\"", "null", "1"] {
            assert_eq!(parse_object(text.as_bytes()), Err(JsonError::NotAnObject), "{text}");
        }
        for text in ["{", "{}x", "{} {}", "", "{\"a\":1,}", "{\"a\":", "\u{feff}{}"] {
            assert_eq!(parse_object(text.as_bytes()), Err(JsonError::Invalid), "{text:?}");
        }
        assert_eq!(parse_object(b"{\"a\":\"\xff\"}"), Err(JsonError::Invalid));
        let m = parse_object(b" {\"a\":1, \"b\":[2, {\"c\":null}]}\n").unwrap();
        assert_eq!(m["b"][1]["c"], Value::Null);
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn nesting_beyond_the_recursion_limit_is_invalid_not_a_crash() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse_object(deep.as_bytes()), Err(JsonError::Invalid));
    }

    #[test]
    fn members_and_elements_are_bounded_at_every_level() {
        let at_cap = format!("{{{}}}", members(MAX_JSON_MEMBERS));
        assert_eq!(parse_object(at_cap.as_bytes()).unwrap().len(), MAX_JSON_MEMBERS);
        for (text, what) in [
            (
                format!("{{{}}}", members(MAX_JSON_MEMBERS + 1)),
                "members in one JSON object",
            ),
            (
                format!("{{\"epk\":{{{}}}}}", members(MAX_JSON_MEMBERS + 1)),
                "members in one JSON object",
            ),
            (
                format!("{{\"x5c\":[{}]}}", vec!["0"; MAX_JSON_MEMBERS + 1].join(",")),
                "elements in one JSON array",
            ),
        ] {
            let e = parse_object(text.as_bytes()).unwrap_err();
            assert_eq!(
                e,
                JsonError::TooMany {
                    what,
                    count: MAX_JSON_MEMBERS + 1,
                    max: MAX_JSON_MEMBERS
                }
            );
            assert_eq!(e.to_string(), format!("65 {what}, more than the 64 allowed"));
        }
        let array_at_cap = format!("{{\"x5c\":[{}]}}", vec!["0"; MAX_JSON_MEMBERS].join(","));
        assert!(parse_object(array_at_cap.as_bytes()).is_ok());
    }
}

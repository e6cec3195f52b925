//! Strict JSON objects for JOSE headers: duplicate member names are refused at every nesting
//! level (RFC 7515 §4 / RFC 7516 §4: a header with duplicate names MUST be rejected, or only the
//! lexically last used — kavach rejects), and every object and array is bounded.

use core::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Most members in one JSON object, and most elements in one array, of a JOSE header: the
/// registered JWE header parameters number 17 (RFC 7516 §4.1 and RFC 7518 §4.6.1); 64 leaves
/// room for private ones and bounds the work on a hostile header.
pub(crate) const MAX_MEMBERS: usize = 64;

const DUPLICATE: &str = "duplicate member name";
const TOO_MANY: &str = "more than 64 members or elements";

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
        Ok(Strict(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
        Ok(Strict(Value::String(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Strict, E> {
        Ok(Strict(Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Strict, E> {
        Ok(Strict(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            if out.len() == MAX_MEMBERS {
                return Err(de::Error::custom(TOO_MANY));
            }
            out.push(v);
        }
        Ok(Strict(Value::Array(out)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.len() == MAX_MEMBERS {
                return Err(de::Error::custom(TOO_MANY));
            }
            if out.contains_key(&key) {
                return Err(de::Error::custom(DUPLICATE));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Strict(Value::Object(out)))
    }
}

/// Parses `bytes` as one JSON object with no duplicate member names anywhere.
/// `Err(reason)` says what is wrong.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, &'static str> {
    match serde_json::from_slice::<Strict>(bytes) {
        Ok(Strict(Value::Object(m))) => Ok(m),
        Ok(_) => Err("not a JSON object"),
        Err(e) if e.is_data() && e.to_string().starts_with(DUPLICATE) => Err("duplicate member name"),
        Err(e) if e.is_data() && e.to_string().starts_with(TOO_MANY) => Err(TOO_MANY),
        Err(_) => Err("not valid JSON (UTF-8, RFC 8259)"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn rejects_duplicates_at_any_depth() {
        assert_eq!(parse_object(br#"{"a":1,"a":2}"#), Err("duplicate member name"));
        assert_eq!(
            parse_object(br#"{"epk":{"x":"1","x":"2"}}"#),
            Err("duplicate member name")
        );
        assert_eq!(
            parse_object(br#"{"l":[{"x":"1","x":"2"}]}"#),
            Err("duplicate member name")
        );
        assert!(parse_object(br#"{"a":1,"b":{"a":2}}"#).is_ok());
    }

    #[test]
    fn rejects_non_objects_and_bad_json() {
        assert_eq!(parse_object(b"[1]"), Err("not a JSON object"));
        assert!(parse_object(b"{\"a\":").is_err());
        assert!(parse_object(b"{\"a\":1} x").is_err());
        assert!(parse_object(b"\xff").is_err());
    }

    #[test]
    fn bounds_members() {
        let many: String = (0..65).map(|i| format!("\"k{i}\":0")).collect::<Vec<_>>().join(",");
        assert_eq!(parse_object(format!("{{{many}}}").as_bytes()), Err(TOO_MANY));
    }
}

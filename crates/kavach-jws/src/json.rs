//! JSON objects of JWS headers and JWKs, read by kavach-jose's strict reader (duplicate member
//! names refused at every nesting level, [`MAX_JSON_MEMBERS`] members or elements per object or
//! array), with its typed failures mapped to this crate's errors.

use kavach_jose::json::JsonError;
pub use kavach_jose::json::MAX_JSON_MEMBERS;
use serde_json::{Map, Value};

use crate::error::{Error, Part, Result};

/// The members of one JSON object, without duplicates (at any level).
pub(crate) type Members = Map<String, Value>;

/// Parses `bytes` as exactly one JSON object (whitespace around it allowed, nothing else) and
/// returns its members; a repeated member name is [`Error::DuplicateHeaderMember`] in a header
/// and [`Error::Malformed`] elsewhere (a JWK).
pub(crate) fn parse_object(bytes: &[u8], part: Part) -> Result<Members> {
    kavach_jose::json::parse_object(bytes).map_err(|e| match e {
        JsonError::DuplicateMember { name } => match part {
            Part::Header => Error::DuplicateHeaderMember { name },
            _ => Error::malformed(part, "duplicate member name"),
        },
        JsonError::TooMany { .. } => Error::malformed(part, "too many JSON members"),
        _ => Error::malformed(part, "not a JSON object"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn duplicates_are_refused_even_when_escaped_or_nested() {
        for text in [
            r#"{"alg":"ES256","alg":"none"}"#,
            r#"{"alg":"ES256","\u0061lg":"none"}"#,
            r#"{"kid":"a","x":1,"kid":"a"}"#,
            r#"{"alg":"ES256","jwk":{"kty":"EC","kty":"RSA"}}"#,
        ] {
            let e = parse_object(text.as_bytes(), Part::Header).unwrap_err();
            assert!(matches!(e, Error::DuplicateHeaderMember { .. }), "{text}: {e:?}");
        }
        let e = parse_object(br#"{"kty":"EC","kty":"EC"}"#, Part::Jwk).unwrap_err();
        assert!(matches!(e, Error::Malformed { part: Part::Jwk, .. }), "{e:?}");
    }

    #[test]
    fn objects_only_and_nothing_after() {
        for text in ["[]", "\"alg\"", "{", "{}x", "{} {}", "", "null", "{\"a\":1,}"] {
            assert!(
                matches!(
                    parse_object(text.as_bytes(), Part::Header),
                    Err(Error::Malformed { part: Part::Header, .. })
                ),
                "{text}"
            );
        }
        let m = parse_object(b" {\"a\":1, \"b\":[2]}\n", Part::Header).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
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

//! What the platform APIs share: MOSIP's request and response wrappers, the signing of a payload
//! with kavach's header members, and the certificate list of a §5 response.

use std::time::{Duration, SystemTime};

use kavach_jose::base64;
use kavach_jws::{CompactJws, Freshness, Header, Jti, SignOptions, Timestamp};
use kavach_keys::Signer;
use kavach_pki::Certificate;
use serde_json::{Map, Value};

use crate::grammar::read_der;
use crate::platform::error::{PlatformApiError, Result};
use crate::reader::{ObjectReader, Schema, as_array, as_str};

/// Largest HTTP body read by any platform API parser.
pub const MAX_BODY_LEN: usize = 64 * 1024;
/// Largest JWS carried in a body.
pub const MAX_API_JWS_LEN: usize = 48 * 1024;
/// Most certificates in a §5 response.
pub const MAX_PLATFORM_CERTIFICATES: usize = 8;
/// Largest DER certificate in a §5 response.
pub const MAX_PLATFORM_CERTIFICATE_DER: usize = 8 * 1024;
/// The freshness window of §5b (`timestamp`, and the `ts` a kavach platform checks): 5 minutes.
pub const FRESHNESS_WINDOW: Duration = Duration::from_secs(300);
/// The `version` of every wrapper.
pub(crate) const VERSION: &str = "v1";

/// `a` and `b` are at most `window` apart.
pub(crate) fn within(a: SystemTime, b: SystemTime, window: Duration) -> bool {
    let skew = a
        .duration_since(b)
        .or_else(|_| b.duration_since(a))
        .unwrap_or(Duration::MAX);
    skew <= window
}

/// `now` as a wire timestamp.
pub(crate) fn timestamp(now: SystemTime) -> Result<Timestamp> {
    Timestamp::from_system_time(now).map_err(|_| PlatformApiError::Configuration {
        what: "the time is not representable as a timestamp",
    })
}

fn parse_members(bytes: &[u8]) -> Result<Map<String, Value>> {
    if bytes.len() > MAX_BODY_LEN {
        return Err(PlatformApiError::TooLarge {
            what: "body",
            max: MAX_BODY_LEN,
        });
    }
    kavach_jose::json::parse_object(bytes).map_err(|e| PlatformApiError::Malformed {
        field: "JSON",
        rule: e.reason(),
    })
}

fn check_id(r: &mut ObjectReader<'_>, id: &'static str) -> Result<()> {
    if r.string("id", 128)? != id {
        return Err(PlatformApiError::Malformed {
            field: "id",
            rule: "the API's id",
        });
    }
    if r.string("version", 16)? != VERSION {
        return Err(PlatformApiError::Malformed {
            field: "version",
            rule: "v1",
        });
    }
    Ok(())
}

fn read_wire_time(field: &'static str, value: &Value) -> Result<Timestamp> {
    crate::grammar::read_time(field, value).map_err(PlatformApiError::from)
}

fn parse_jws(field: &'static str, value: &Value) -> Result<CompactJws> {
    let text = as_str(field, value, MAX_API_JWS_LEN)?;
    // The shape first (three base64url segments), then kavach-jws's own parse.
    crate::grammar::CompactJwsText::parse(field, text, MAX_API_JWS_LEN)?;
    CompactJws::parse(text).map_err(|_| PlatformApiError::Malformed {
        field,
        rule: "a compact JWS",
    })
}

/// Reads MOSIP's request wrapper `{id, version, requesttime, request: {<member>: JWS}}`
/// strictly (duplicates refused, no other member, `id` and `version` exact).
pub(crate) fn read_request(bytes: &[u8], id: &'static str, member: &'static str) -> Result<(Timestamp, CompactJws)> {
    let members = parse_members(bytes)?;
    let mut r = ObjectReader::over("body", &members, Schema::Closed);
    check_id(&mut r, id)?;
    let time = read_wire_time("requesttime", r.required("requesttime")?)?;
    let mut request = r.object("request", Schema::Closed)?;
    let jws = parse_jws(member, request.required(member)?)?;
    request.finish()?;
    r.finish()?;
    Ok((time, jws))
}

/// Reads MOSIP's response wrapper `{id, version, responsetime, response: JWS}` strictly;
/// MOSIP's `metadata` (null) and `errors` (null or empty) are allowed, anything else refused.
pub(crate) fn read_response(bytes: &[u8], id: &'static str) -> Result<(Timestamp, CompactJws)> {
    let members = parse_members(bytes)?;
    let mut r = ObjectReader::over("body", &members, Schema::Closed);
    check_id(&mut r, id)?;
    let time = read_wire_time("responsetime", r.required("responsetime")?)?;
    if let Some(metadata) = r.optional("metadata")
        && !metadata.is_null()
    {
        return Err(PlatformApiError::Malformed {
            field: "metadata",
            rule: "null",
        });
    }
    if let Some(errors) = r.optional("errors")
        && !errors.is_null()
        && !as_array("errors", errors, 0)?.is_empty()
    {
        return Err(PlatformApiError::Malformed {
            field: "errors",
            rule: "null or empty",
        });
    }
    let jws = parse_jws("response", r.required("response")?)?;
    r.finish()?;
    Ok((time, jws))
}

/// The JSON of a request wrapper.
pub(crate) fn request_body(id: &str, member: &str, jws: &CompactJws, now: Timestamp) -> Vec<u8> {
    let mut request = Map::new();
    request.insert(member.into(), jws.as_str().into());
    let mut m = Map::new();
    m.insert("id".into(), id.into());
    m.insert("version".into(), VERSION.into());
    m.insert("requesttime".into(), now.to_string().into());
    m.insert("request".into(), Value::Object(request));
    Value::Object(m).to_string().into_bytes()
}

/// The JSON of a response wrapper.
pub(crate) fn response_body(id: &str, jws: &CompactJws, now: Timestamp) -> Vec<u8> {
    let mut m = Map::new();
    m.insert("id".into(), id.into());
    m.insert("version".into(), VERSION.into());
    m.insert("responsetime".into(), now.to_string().into());
    m.insert("response".into(), jws.as_str().into());
    Value::Object(m).to_string().into_bytes()
}

/// Signs `payload`: attached, `x5c` = `chain`, `ts` = `now`, a fresh `jti`, and `members`
/// (string values, never `crit`).
pub(crate) fn sign_payload(
    signer: &dyn Signer,
    chain: Vec<Certificate>,
    payload: &[u8],
    now: SystemTime,
    members: &[(&str, &str)],
) -> Result<CompactJws> {
    let mut options = SignOptions::new()
        .with_certificate_chain(chain)
        .with_freshness(Freshness::TimestampAndJtiAt(now));
    for (name, value) in members {
        options = options.with_header_member(*name, *value);
    }
    kavach_jws::sign(signer, payload, &options).map_err(|_| PlatformApiError::Internal { what: "signing" })
}

/// The `jti` of a JWS kavach signed, as base64url text.
pub(crate) fn jti_text(jws: &CompactJws) -> Result<String> {
    jws.header()
        .jti()
        .map(|jti| base64::encode_url(jti.as_bytes()))
        .ok_or(PlatformApiError::Internal {
            what: "signing without jti",
        })
}

/// `jti` as base64url text.
pub(crate) fn jti_to_text(jti: &Jti) -> String {
    base64::encode_url(jti.as_bytes())
}

/// A string member of a verified header; a non-string value is malformed.
pub(crate) fn header_member(header: &Header, name: &'static str) -> Result<Option<String>> {
    header.string_member(name).map_err(|_| PlatformApiError::Malformed {
        field: name,
        rule: "a string header member",
    })
}

/// Reads a JSON object payload (strict: duplicates refused, bounded).
pub(crate) fn payload_members(payload: &[u8]) -> Result<Map<String, Value>> {
    parse_members(payload)
}

/// Reads the payload of a §5 response: a JSON array of 1 to [`MAX_PLATFORM_CERTIFICATES`]
/// objects `{"certificate": "<standard base64 DER>"}` (MOSIP's schema: other members ignored),
/// each certificate at most [`MAX_PLATFORM_CERTIFICATE_DER`] bytes and parsed by kavach-pki.
pub fn parse_certificate_list(payload: &[u8]) -> Result<Vec<Certificate>> {
    if payload.len() > MAX_BODY_LEN {
        return Err(PlatformApiError::TooLarge {
            what: "certificate list",
            max: MAX_BODY_LEN,
        });
    }
    // The strict reader reads objects only: the array is read as the one member of an object
    // wrapped around it. Anything that would add a member (`[], "b": 1`) is refused below, and
    // anything that is not one JSON value fails to parse.
    let mut wrapped = Vec::with_capacity(payload.len() + 6);
    wrapped.extend_from_slice(b"{\"a\":");
    wrapped.extend_from_slice(payload);
    wrapped.push(b'}');
    let members = kavach_jose::json::parse_object(&wrapped).map_err(|e| PlatformApiError::Malformed {
        field: "JSON",
        rule: e.reason(),
    })?;
    let (Some(value), 1) = (members.get("a"), members.len()) else {
        return Err(PlatformApiError::Malformed {
            field: "certificates",
            rule: "one JSON array",
        });
    };
    let items = as_array("certificates", value, MAX_PLATFORM_CERTIFICATES)?;
    if items.is_empty() {
        return Err(PlatformApiError::Malformed {
            field: "certificates",
            rule: "at least one certificate",
        });
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let mut r = ObjectReader::new("certificates[]", item, Schema::Lenient)?;
        let der = read_der("certificate", r.required("certificate")?, MAX_PLATFORM_CERTIFICATE_DER)?;
        if der.len() > MAX_PLATFORM_CERTIFICATE_DER {
            return Err(PlatformApiError::TooLarge {
                what: "certificate",
                max: MAX_PLATFORM_CERTIFICATE_DER,
            });
        }
        r.finish()?;
        let cert = Certificate::from_der(&der).map_err(|_| PlatformApiError::Malformed {
            field: "certificate",
            rule: "an X.509 v3 certificate (DER)",
        })?;
        out.push(cert);
    }
    Ok(out)
}

/// The payload of a §5 response for `certificates`.
pub(crate) fn certificate_list(certificates: &[Certificate]) -> Vec<u8> {
    let items: Vec<Value> = certificates
        .iter()
        .map(|c| {
            let mut m = Map::new();
            m.insert("certificate".into(), base64::encode_std(c.der()).into());
            Value::Object(m)
        })
        .collect();
    Value::Array(items).to_string().into_bytes()
}

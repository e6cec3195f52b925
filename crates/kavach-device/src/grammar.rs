//! The grammar of every string in a device-management message (WIRE.md §6, rule 18): an
//! enumeration where the set is known, SemVer for versions, `KVC-[A-Z]+-[0-9]{3}` for codes,
//! UUIDs, fixed-length base64url for nonces and digests, and a narrow character set with a length
//! cap for the digital-ID fields. A value that does not match is refused, so no member can carry
//! free text, let alone biometric data.

use core::cmp::Ordering;
use core::fmt;

use kavach_jose::base64;
use kavach_jws::Timestamp;
use kavach_keys::encoding::{hex_decode_exact, hex_lower};
use serde_json::Value;

use crate::error::{MessageError, Result};
use crate::reader::as_str;

fn grammar(field: &'static str, rule: &'static str) -> MessageError {
    MessageError::Grammar { field, rule }
}

/// Defines a closed enumeration of wire strings.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident, $rule:literal, { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in the order of the specification.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the wire spelling exactly (case and spacing included).
            pub fn parse(field: &'static str, text: &str) -> Result<Self> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(grammar(field, $rule)),
                }
            }

            pub(crate) fn read(field: &'static str, value: &Value) -> Result<Self> {
                Self::parse(field, as_str(field, value, 32)?)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// The target environment of the encryption-certificate API and of `deviceInfo` (seed 004:
    /// exactly these four spellings).
    Env, "one of Staging, Developer, Pre-Production, Production", {
        /// `Staging`.
        Staging => "Staging",
        /// `Developer`.
        Developer => "Developer",
        /// `Pre-Production`.
        PreProduction => "Pre-Production",
        /// `Production`.
        Production => "Production",
    }
);

wire_enum!(
    /// A device's health in `status` (WIRE.md §6.5).
    Health, "one of ok, degraded, failed", {
        /// `ok`.
        Ok => "ok",
        /// `degraded` (among others: the release-signed `latest` has expired, rule 25).
        Degraded => "degraded",
        /// `failed`.
        Failed => "failed",
    }
);

wire_enum!(
    /// MOSIP's `deviceStatus`.
    DeviceStatus, "one of Ready, Busy, Not Ready, Not Registered", {
        /// `Ready`.
        Ready => "Ready",
        /// `Busy`.
        Busy => "Busy",
        /// `Not Ready`.
        NotReady => "Not Ready",
        /// `Not Registered`.
        NotRegistered => "Not Registered",
    }
);

wire_enum!(
    /// MOSIP's certification level. The server takes the level from the FTM provisioning record,
    /// never from `deviceInfo` (rule 9).
    Certification, "one of L0, L1", {
        /// `L0`: software key, no FTM attestation.
        L0 => "L0",
        /// `L1`: key in an FTM.
        L1 => "L1",
    }
);

wire_enum!(
    /// MOSIP's device `purpose`.
    DevicePurpose, "one of Auth, Registration", {
        /// `Auth`.
        Auth => "Auth",
        /// `Registration`.
        Registration => "Registration",
    }
);

wire_enum!(
    /// The outcome of a command in `result` (WIRE.md §6.6).
    Outcome, "one of done, failed, expired", {
        /// `done`: the command ran.
        Done => "done",
        /// `failed`: it did not; `data.code` says why.
        Failed => "failed",
        /// `expired`: its `expiresAt` passed before it ran (rule 20).
        Expired => "expired",
    }
);

/// A time on the wire: `YYYY-MM-DDTHH:MM:SS.mmmZ`, exactly millisecond precision (seed 004).
pub(crate) fn read_time(field: &'static str, value: &Value) -> Result<Timestamp> {
    let text = as_str(field, value, 64)?;
    Timestamp::parse(text).map_err(|_| grammar(field, "YYYY-MM-DDTHH:MM:SS.mmmZ (UTC, milliseconds)"))
}

/// Defines a fixed-length byte string written as unpadded base64url.
macro_rules! fixed_b64url {
    ($(#[$meta:meta])* $name:ident, $len:literal, $rule:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name([u8; $len]);

        impl $name {
            /// The value made of these bytes.
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// Parses the unpadded base64url form (exactly the canonical encoding).
            pub fn parse(field: &'static str, text: &str) -> Result<Self> {
                base64::decode_url_exact::<$len>(text).map(Self).map_err(|_| grammar(field, $rule))
            }

            /// The unpadded base64url form.
            pub fn to_base64url(&self) -> String {
                base64::encode_url(&self.0)
            }

            pub(crate) fn read(field: &'static str, value: &Value) -> Result<Self> {
                Self::parse(field, as_str(field, value, 64)?)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.to_base64url())
            }
        }
    };
}

fixed_b64url!(
    /// A 16-byte nonce (`nonce`, `re`, `time.request.nonce`): unpadded base64url of 16 bytes.
    Nonce, 16, "unpadded base64url of 16 bytes"
);
fixed_b64url!(
    /// A SHA-256 digest (`to`: of the recipient's certificate; release-root `keys`: of an SPKI).
    Sha256Digest, 32, "unpadded base64url of a 32-byte SHA-256 digest"
);
fixed_b64url!(
    /// An enrollment challenge: 32 random bytes chosen by the server, single use (rule 10).
    ChallengeValue, 32, "unpadded base64url of 32 bytes"
);

/// A version number per SemVer 2.0.0 (`firmware`, `serviceVersion`, manifest `version`).
///
/// Ordered by SemVer precedence (build metadata ignored, pre-releases below their release);
/// `Eq` compares the text, so two versions that differ only in build metadata are not equal but
/// compare [`Ordering::Equal`] through [`SemVer::precedence`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SemVer {
    text: String,
    core: [u64; 3],
    pre_len: usize,
    build_len: usize,
}

/// Longest SemVer text accepted.
pub const MAX_SEMVER_LEN: usize = 64;

const SEMVER_RULE: &str = "SemVer 2.0.0 (MAJOR.MINOR.PATCH[-PRE][+BUILD])";

impl SemVer {
    /// Parses `text` (at most [`MAX_SEMVER_LEN`] bytes).
    pub fn parse(field: &'static str, text: &str) -> Result<Self> {
        if text.len() > MAX_SEMVER_LEN {
            return Err(MessageError::TooLarge {
                what: field,
                len: text.len(),
                max: MAX_SEMVER_LEN,
            });
        }
        let bad = || grammar(field, SEMVER_RULE);
        let (rest, build) = match text.split_once('+') {
            Some((rest, build)) => (rest, Some(build)),
            None => (text, None),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (rest, None),
        };
        let mut numbers = [0u64; 3];
        let mut parts = core.split('.');
        for number in &mut numbers {
            let part = parts.next().ok_or_else(bad)?;
            if !is_numeric_identifier(part) {
                return Err(bad());
            }
            *number = part.parse().map_err(|_| bad())?;
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        let pre_ok = pre.is_none_or(|pre| {
            pre.split('.')
                .all(|id| is_identifier(id) && (!is_digits(id) || is_numeric_identifier(id)))
        });
        let build_ok = build.is_none_or(|build| build.split('.').all(is_identifier));
        if !pre_ok || !build_ok {
            return Err(bad());
        }
        Ok(Self {
            text: text.to_owned(),
            core: numbers,
            pre_len: pre.map_or(0, str::len),
            build_len: build.map_or(0, str::len),
        })
    }

    pub(crate) fn read(field: &'static str, value: &Value) -> Result<Self> {
        Self::parse(field, as_str(field, value, MAX_SEMVER_LEN)?)
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// MAJOR, MINOR and PATCH.
    pub fn core(&self) -> [u64; 3] {
        self.core
    }

    /// The pre-release part (after `-`), if any.
    pub fn pre_release(&self) -> Option<&str> {
        let core_len = self.text.len() - self.build_len - usize::from(self.build_len > 0);
        (self.pre_len > 0).then(|| &self.text[core_len - self.pre_len..core_len])
    }

    /// The build metadata (after `+`), if any.
    pub fn build(&self) -> Option<&str> {
        (self.build_len > 0).then(|| &self.text[self.text.len() - self.build_len..])
    }

    /// SemVer 2.0.0 §11 precedence: build metadata ignored, a pre-release below its release,
    /// pre-release identifiers compared numerically or in ASCII order, numeric below
    /// alphanumeric, a shorter list of equal identifiers first.
    pub fn precedence(&self, other: &Self) -> Ordering {
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre_release(), other.pre_release()) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => {
                    let mut a = a.split('.');
                    let mut b = b.split('.');
                    loop {
                        match (a.next(), b.next()) {
                            (None, None) => return Ordering::Equal,
                            (None, Some(_)) => return Ordering::Less,
                            (Some(_), None) => return Ordering::Greater,
                            (Some(x), Some(y)) => {
                                let order = match (is_digits(x), is_digits(y)) {
                                    (true, true) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
                                    (true, false) => Ordering::Less,
                                    (false, true) => Ordering::Greater,
                                    (false, false) => x.cmp(y),
                                };
                                if order != Ordering::Equal {
                                    return order;
                                }
                            }
                        }
                    }
                }
            })
    }
}

impl fmt::Display for SemVer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn is_digits(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

fn is_numeric_identifier(id: &str) -> bool {
    is_digits(id) && (id == "0" || !id.starts_with('0'))
}

fn is_identifier(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// An error code: `KVC-[A-Z]+-[0-9]{3}`, at most 24 bytes (rule 18). Codes outside WIRE.md
/// §6.9's table are well-formed but unknown ([`crate::error::WireCode::from_wire`] says which).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ErrorCode(String);

/// Longest error code accepted.
pub const MAX_ERROR_CODE_LEN: usize = 24;

impl ErrorCode {
    /// Parses `text`.
    pub fn parse(field: &'static str, text: &str) -> Result<Self> {
        let bad = || grammar(field, "KVC-[A-Z]+-[0-9]{3}");
        if text.len() > MAX_ERROR_CODE_LEN {
            return Err(MessageError::TooLarge {
                what: field,
                len: text.len(),
                max: MAX_ERROR_CODE_LEN,
            });
        }
        let rest = text.strip_prefix("KVC-").ok_or_else(bad)?;
        let (family, number) = rest.split_once('-').ok_or_else(bad)?;
        if family.is_empty()
            || !family.bytes().all(|b| b.is_ascii_uppercase())
            || number.len() != 3
            || !number.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        Ok(Self(text.to_owned()))
    }

    pub(crate) fn read(field: &'static str, value: &Value) -> Result<Self> {
        Self::parse(field, as_str(field, value, MAX_ERROR_CODE_LEN)?)
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<crate::error::WireCode> for ErrorCode {
    fn from(code: crate::error::WireCode) -> Self {
        Self(code.as_str().to_owned())
    }
}

/// A UUID version 4 in canonical lowercase form (`deviceCode`, command ids).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid([u8; 16]);

impl Uuid {
    /// A version-4 UUID from 16 random bytes (the version and variant bits are set here).
    pub fn from_random_bytes(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Self(bytes)
    }

    /// Parses `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx` in lowercase hex.
    pub fn parse(field: &'static str, text: &str) -> Result<Self> {
        let bad = || grammar(field, "a lowercase version-4 UUID");
        let b = text.as_bytes();
        if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
            return Err(bad());
        }
        if !b
            .iter()
            .all(|&c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        {
            return Err(bad());
        }
        let hex: String = text.chars().filter(|&c| c != '-').collect();
        let bytes = hex_decode_exact::<16>(&hex).ok_or_else(bad)?;
        if bytes[6] >> 4 != 4 || bytes[8] >> 6 != 0b10 {
            return Err(bad());
        }
        Ok(Self(bytes))
    }

    pub(crate) fn read(field: &'static str, value: &Value) -> Result<Self> {
        Self::parse(field, as_str(field, value, 36)?)
    }

    /// The canonical lowercase text.
    pub fn to_text(&self) -> String {
        let hex = hex_lower(&self.0);
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({})", self.to_text())
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A digital-ID or `deviceInfo` field (serialNo, make, model, deviceId, ...): 1 to
/// [`MAX_LABEL_LEN`] bytes of printable ASCII without `"`, `\`, `<`, `>`, `{`, `}` or a leading
/// or trailing space. Identifiers, not prose.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(String);

/// Longest [`Label`].
pub const MAX_LABEL_LEN: usize = 64;

impl Label {
    /// Parses `text`.
    pub fn parse(field: &'static str, text: &str) -> Result<Self> {
        if text.len() > MAX_LABEL_LEN {
            return Err(MessageError::TooLarge {
                what: field,
                len: text.len(),
                max: MAX_LABEL_LEN,
            });
        }
        let ok = !text.is_empty()
            && !text.starts_with(' ')
            && !text.ends_with(' ')
            && text
                .bytes()
                .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'<' | b'>' | b'{' | b'}'));
        if !ok {
            return Err(grammar(field, "1-64 printable ASCII characters without \" \\ < > { }"));
        }
        Ok(Self(text.to_owned()))
    }

    pub(crate) fn read(field: &'static str, value: &Value) -> Result<Self> {
        Self::parse(field, as_str(field, value, MAX_LABEL_LEN)?)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A DNS name (`serverId`: the management server's name, rule 10): LDH labels of 1–63 bytes,
/// at most 253 bytes, lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DnsName(String);

impl DnsName {
    /// Parses `text`.
    pub fn parse(field: &'static str, text: &str) -> Result<Self> {
        if text.len() > 253 {
            return Err(MessageError::TooLarge {
                what: field,
                len: text.len(),
                max: 253,
            });
        }
        let ok = !text.is_empty()
            && text.split('.').all(|label| {
                (1..=63).contains(&label.len())
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !ok {
            return Err(grammar(field, "a lowercase DNS name"));
        }
        Ok(Self(text.to_owned()))
    }

    pub(crate) fn read(field: &'static str, value: &Value) -> Result<Self> {
        Self::parse(field, as_str(field, value, 253)?)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An `https://` URI of at most [`MAX_HTTPS_URI_LEN`] bytes in RFC 3986's character set, no
/// userinfo: a `domainUri` (seed 004: the URI of an authentication server, unique per provider)
/// or a manifest's `url`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HttpsUri(String);

/// Longest [`HttpsUri`].
pub const MAX_HTTPS_URI_LEN: usize = 256;

impl HttpsUri {
    /// Parses `text`.
    pub fn parse(field: &'static str, text: &str) -> Result<Self> {
        if text.len() > MAX_HTTPS_URI_LEN {
            return Err(MessageError::TooLarge {
                what: field,
                len: text.len(),
                max: MAX_HTTPS_URI_LEN,
            });
        }
        let bad = || grammar(field, "an https:// URI");
        let rest = text.strip_prefix("https://").ok_or_else(bad)?;
        let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..host_end];
        if authority.is_empty() || authority.contains('@') {
            return Err(bad());
        }
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b);
        if !rest.bytes().all(allowed) {
            return Err(bad());
        }
        Ok(Self(text.to_owned()))
    }

    pub(crate) fn read(field: &'static str, value: &Value) -> Result<Self> {
        Self::parse(field, as_str(field, value, MAX_HTTPS_URI_LEN)?)
    }

    /// The URI.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A JWS in compact serialization, carried as a string (the digital ID, an attestation, the
/// platform's §5 response): three segments of base64url characters separated by `.`. Only its
/// shape is checked here; its signature is checked by whoever trusts it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CompactJwsText(String);

impl CompactJwsText {
    /// Parses `text`, at most `max` bytes.
    pub fn parse(field: &'static str, text: &str, max: usize) -> Result<Self> {
        if text.len() > max {
            return Err(MessageError::TooLarge {
                what: field,
                len: text.len(),
                max,
            });
        }
        let segments: Vec<&str> = text.splitn(4, '.').collect();
        let ok = segments.len() == 3
            && !segments[0].is_empty()
            && !segments[2].is_empty()
            && segments
                .iter()
                .all(|s| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        if !ok {
            return Err(grammar(field, "a compact JWS (three base64url segments)"));
        }
        Ok(Self(text.to_owned()))
    }

    pub(crate) fn read(field: &'static str, value: &Value, max: usize) -> Result<Self> {
        Self::parse(field, as_str(field, value, max)?, max)
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// DER bytes carried as standard padded base64 (a certificate, a PKCS#10 CSR), like `x5c`
/// (RFC 7515 §4.1.6).
pub(crate) fn read_der(field: &'static str, value: &Value, max_der: usize) -> Result<Vec<u8>> {
    let max_text = max_der.div_ceil(3) * 4;
    let text = as_str(field, value, max_text)?;
    let der = base64::decode_std(text).map_err(|_| grammar(field, "standard padded base64 of DER"))?;
    if der.is_empty() {
        return Err(grammar(field, "standard padded base64 of DER"));
    }
    Ok(der)
}

/// An ISO-8601 date-time as MOSIP devices write it in the digital ID's `dateTime` (any offset,
/// any precision): digits and `-:T.+Z` only, 10 to 40 bytes. Carried, not interpreted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IsoDateTime(String);

impl IsoDateTime {
    /// Parses `text`.
    pub fn parse(field: &'static str, text: &str) -> Result<Self> {
        let ok = (10..=40).contains(&text.len())
            && text.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && text.bytes().all(|b| b.is_ascii_digit() || b"-:T.+Z".contains(&b));
        if !ok {
            return Err(grammar(field, "an ISO-8601 date-time"));
        }
        Ok(Self(text.to_owned()))
    }

    pub(crate) fn read(field: &'static str, value: &Value) -> Result<Self> {
        Self::parse(field, as_str(field, value, 40)?)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

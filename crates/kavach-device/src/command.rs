//! The closed command set of WIRE.md §6.6 and the documents commands carry.
//!
//! There is no generic "execute" and no capture: [`Action`] lists every command a server can
//! send, and none of them can ask for, or carry, a biometric sample — the types make it
//! impossible rather than a check refusing it.

use kavach_jws::Timestamp;
use serde_json::{Map, Value};

use crate::device_info::DeviceInfo;
use crate::error::{MessageError, Result};
use crate::grammar::{CompactJwsText, Env, ErrorCode, HttpsUri, Outcome, Uuid, read_der, read_time};
use crate::limits::MAX_SAFE_INTEGER;
use crate::reader::{ObjectReader, Schema, as_str};

/// Most commands in one `commands` answer.
pub const MAX_COMMANDS: usize = 16;
/// Most certificates in a `deviceCert` chain (the device certificate and its CAs below the
/// root).
pub const MAX_CHAIN_LEN: usize = 4;
/// Largest DER certificate or CSR carried in a message.
pub const MAX_DER_LEN: usize = 8 * 1024;
/// Largest platform §5 response JWS carried verbatim (rule 26).
pub const MAX_PLATFORM_JWS_LEN: usize = 32 * 1024;
/// Largest manifest (rule 25: 64 KiB).
pub const MAX_MANIFEST_LEN: usize = 64 * 1024;
/// Most signatures on a manifest or a release-root (rule 25: 16).
pub const MAX_SIGNATURES: usize = 16;
/// Most release-roots in one `upgrade` (the chain from the client's version upward, rule 24).
pub const MAX_RELEASE_ROOTS: usize = 8;
/// Largest release-root or `latest` document.
pub const MAX_RELEASE_DOCUMENT_LEN: usize = 16 * 1024;

/// A JWS in the general JSON serialization (RFC 7515 §7.2.1) as a message carries it: the
/// payload and one protected header and signature per signer, all base64url text. Unprotected
/// `header` members are not allowed (nothing unsigned rides along). Only the shape is checked
/// here; the signatures are counted against the release-root by the client (rules 23–25).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneralJws {
    /// `payload` (base64url).
    pub payload: String,
    /// `signatures`: (`protected`, `signature`), both base64url.
    pub signatures: Vec<(String, String)>,
}

fn is_base64url(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl GeneralJws {
    pub(crate) fn read(field: &'static str, value: &Value, max_len: usize) -> Result<Self> {
        let mut r = ObjectReader::new(field, value, Schema::Closed)?;
        let payload = r.string("payload", max_len)?;
        let mut total = payload.len();
        let mut signatures = Vec::new();
        for item in r.array("signatures", MAX_SIGNATURES)? {
            let mut s = ObjectReader::new("signatures[]", item, Schema::Closed)?;
            let protected = s.string("protected", max_len)?;
            let signature = s.string("signature", max_len)?;
            s.finish()?;
            total += protected.len() + signature.len();
            if total > max_len {
                return Err(MessageError::TooLarge {
                    what: field,
                    len: total,
                    max: max_len,
                });
            }
            if protected.is_empty() || signature.is_empty() || !is_base64url(protected) || !is_base64url(signature) {
                return Err(MessageError::Grammar {
                    field: "signatures[]",
                    rule: "base64url text",
                });
            }
            signatures.push((protected.to_owned(), signature.to_owned()));
        }
        r.finish()?;
        if !is_base64url(payload) || signatures.is_empty() {
            return Err(MessageError::Grammar {
                field,
                rule: "a general JSON JWS with at least one signature",
            });
        }
        Ok(Self {
            payload: payload.to_owned(),
            signatures,
        })
    }

    pub(crate) fn to_value(&self) -> Value {
        let signatures = self
            .signatures
            .iter()
            .map(|(protected, signature)| {
                let mut m = Map::new();
                m.insert("protected".into(), protected.as_str().into());
                m.insert("signature".into(), signature.as_str().into());
                Value::Object(m)
            })
            .collect();
        let mut m = Map::new();
        m.insert("payload".into(), self.payload.as_str().into());
        m.insert("signatures".into(), Value::Array(signatures));
        Value::Object(m)
    }
}

/// The platform's encryption certificate as the management server relays it (rule 26): the
/// platform's §5 response JWS verbatim, with the `env` and `domainUri` it was fetched for. The
/// device trusts it through its own platform anchors only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformCertificate {
    /// The environment it was fetched for.
    pub env: Env,
    /// The authentication server it was fetched for.
    pub domain_uri: HttpsUri,
    /// The platform's signed response, verbatim.
    pub response: CompactJwsText,
}

impl PlatformCertificate {
    pub(crate) fn read(field: &'static str, value: &Value) -> Result<Self> {
        let mut r = ObjectReader::new(field, value, Schema::Closed)?;
        let platform = Self {
            env: Env::read("env", r.required("env")?)?,
            domain_uri: HttpsUri::read("domainUri", r.required("domainUri")?)?,
            response: CompactJwsText::read("response", r.required("response")?, MAX_PLATFORM_JWS_LEN)?,
        };
        r.finish()?;
        Ok(platform)
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("env".into(), self.env.as_str().into());
        m.insert("domainUri".into(), self.domain_uri.as_str().into());
        m.insert("response".into(), self.response.as_str().into());
        Value::Object(m)
    }
}

pub(crate) fn read_chain(field: &'static str, value: &Value) -> Result<Vec<Vec<u8>>> {
    let items = crate::reader::as_array(field, value, MAX_CHAIN_LEN)?;
    if items.is_empty() {
        return Err(MessageError::Grammar {
            field,
            rule: "at least one certificate",
        });
    }
    items.iter().map(|item| read_der(field, item, MAX_DER_LEN)).collect()
}

pub(crate) fn chain_value(chain: &[Vec<u8>]) -> Value {
    chain
        .iter()
        .map(|der| Value::from(kavach_jose::base64::encode_std(der)))
        .collect()
}

/// What a command asks the device to do: the closed set of WIRE.md §6.6.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `rotate-key`: generate a new key (in the FTM where it can), keep the old one, answer
    /// with a CSR (rule 21).
    RotateKey,
    /// `deregister`: build and persist the signed result, destroy the key, resend the result
    /// until acknowledged (rule 22).
    Deregister,
    /// `collect-info`: answer with `deviceInfo`.
    CollectInfo,
    /// `sync-time`: run a `time` exchange now (rule 14).
    SyncTime,
    /// `upgrade`: a manifest and the release-roots above the client's (rules 24, 25).
    Upgrade {
        /// The manifest.
        manifest: GeneralJws,
        /// Release-roots from the client's version + 1 upward, in order.
        release_roots: Vec<GeneralJws>,
    },
    /// `install-cert`: the certificate issued for the CSR of a `rotate-key` (rule 21).
    InstallCert {
        /// The new device certificate and its chain (DER), device certificate first.
        device_cert: Vec<Vec<u8>>,
    },
    /// `update-platform-cert`: the platform's encryption certificate (rule 26).
    UpdatePlatformCert {
        /// The relayed §5 response.
        platform: PlatformCertificate,
    },
}

impl Action {
    /// The command's `type` on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Self::RotateKey => "rotate-key",
            Self::Deregister => "deregister",
            Self::CollectInfo => "collect-info",
            Self::SyncTime => "sync-time",
            Self::Upgrade { .. } => "upgrade",
            Self::InstallCert { .. } => "install-cert",
            Self::UpdatePlatformCert { .. } => "update-platform-cert",
        }
    }
}

/// One command in a `commands` answer (rule 19).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// `id`.
    pub id: Uuid,
    /// `cmdSeq`: 1, 2, ... per device; the client runs only last executed + 1.
    pub cmd_seq: u64,
    /// `expiresAt`.
    pub expires_at: Timestamp,
    /// What to do (`type` and its members).
    pub action: Action,
}

impl Command {
    pub(crate) fn read(value: &Value) -> Result<Self> {
        let mut r = ObjectReader::new("commands[]", value, Schema::Closed)?;
        let id = Uuid::read("id", r.required("id")?)?;
        let cmd_seq = r.integer("cmdSeq", MAX_SAFE_INTEGER)?;
        if cmd_seq == 0 {
            return Err(MessageError::Grammar {
                field: "cmdSeq",
                rule: "an integer from 1",
            });
        }
        let expires_at = read_time("expiresAt", r.required("expiresAt")?)?;
        let action = match as_str("type", r.required("type")?, 32)? {
            "rotate-key" => Action::RotateKey,
            "deregister" => Action::Deregister,
            "collect-info" => Action::CollectInfo,
            "sync-time" => Action::SyncTime,
            "upgrade" => {
                let manifest = GeneralJws::read("manifest", r.required("manifest")?, MAX_MANIFEST_LEN)?;
                let release_roots = r
                    .optional_array("releaseRoots", MAX_RELEASE_ROOTS)?
                    .unwrap_or_default()
                    .iter()
                    .map(|v| GeneralJws::read("releaseRoots", v, MAX_RELEASE_DOCUMENT_LEN))
                    .collect::<Result<Vec<_>>>()?;
                Action::Upgrade {
                    manifest,
                    release_roots,
                }
            }
            "install-cert" => Action::InstallCert {
                device_cert: read_chain("deviceCert", r.required("deviceCert")?)?,
            },
            "update-platform-cert" => Action::UpdatePlatformCert {
                platform: PlatformCertificate::read("platform", r.required("platform")?)?,
            },
            _ => {
                return Err(MessageError::Grammar {
                    field: "type",
                    rule: "one of the commands of WIRE.md §6.6",
                });
            }
        };
        r.finish()?;
        Ok(Self {
            id,
            cmd_seq,
            expires_at,
            action,
        })
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), self.id.to_text().into());
        m.insert("cmdSeq".into(), self.cmd_seq.into());
        m.insert("expiresAt".into(), self.expires_at.to_string().into());
        m.insert("type".into(), self.action.name().into());
        match &self.action {
            Action::RotateKey | Action::Deregister | Action::CollectInfo | Action::SyncTime => {}
            Action::Upgrade {
                manifest,
                release_roots,
            } => {
                m.insert("manifest".into(), manifest.to_value());
                if !release_roots.is_empty() {
                    m.insert(
                        "releaseRoots".into(),
                        release_roots.iter().map(GeneralJws::to_value).collect(),
                    );
                }
            }
            Action::InstallCert { device_cert } => {
                m.insert("deviceCert".into(), chain_value(device_cert));
            }
            Action::UpdatePlatformCert { platform } => {
                m.insert("platform".into(), platform.to_value());
            }
        }
        Value::Object(m)
    }
}

/// The `data` of a `result`: what the command produced, a closed set of members (no free-form
/// value). Which member a command's result must carry is a protocol rule of the receiver.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResultData {
    /// `csr`: the PKCS#10 request after `rotate-key` (DER).
    pub csr: Option<Vec<u8>>,
    /// `deviceInfo` after `collect-info`.
    pub device_info: Option<DeviceInfo>,
    /// `code` of a `failed` outcome.
    pub code: Option<ErrorCode>,
}

/// The body of a `result` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandResult {
    /// `commandId`.
    pub command_id: Uuid,
    /// `cmdSeq` of the command.
    pub cmd_seq: u64,
    /// `outcome`.
    pub outcome: Outcome,
    /// `data`.
    pub data: ResultData,
}

impl CommandResult {
    pub(crate) fn read(r: &mut ObjectReader<'_>) -> Result<Self> {
        let command_id = Uuid::read("commandId", r.required("commandId")?)?;
        let cmd_seq = r.integer("cmdSeq", MAX_SAFE_INTEGER)?;
        if cmd_seq == 0 {
            return Err(MessageError::Grammar {
                field: "cmdSeq",
                rule: "an integer from 1",
            });
        }
        let outcome = Outcome::read("outcome", r.required("outcome")?)?;
        let mut d = r.object("data", Schema::Closed)?;
        let data = ResultData {
            csr: d.optional("csr").map(|v| read_der("csr", v, MAX_DER_LEN)).transpose()?,
            device_info: d.optional("deviceInfo").map(DeviceInfo::read_value).transpose()?,
            code: d.optional("code").map(|v| ErrorCode::read("code", v)).transpose()?,
        };
        d.finish()?;
        if (outcome == Outcome::Failed) != data.code.is_some() {
            return Err(MessageError::Grammar {
                field: "code",
                rule: "present exactly when the outcome is failed",
            });
        }
        Ok(Self {
            command_id,
            cmd_seq,
            outcome,
            data,
        })
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut data = Map::new();
        if let Some(csr) = &self.data.csr {
            data.insert("csr".into(), kavach_jose::base64::encode_std(csr).into());
        }
        if let Some(info) = &self.data.device_info {
            data.insert("deviceInfo".into(), info.to_value());
        }
        if let Some(code) = &self.data.code {
            data.insert("code".into(), code.as_str().into());
        }
        let mut m = Map::new();
        m.insert("commandId".into(), self.command_id.to_text().into());
        m.insert("cmdSeq".into(), self.cmd_seq.into());
        m.insert("outcome".into(), self.outcome.as_str().into());
        m.insert("data".into(), Value::Object(data));
        Value::Object(m)
    }
}

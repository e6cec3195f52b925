//! `kavach pki init DIR [--algo p256|rsa2048|rsa3072] [--force]`: a complete demo PKI for both
//! seeds (the partner exchange and device management) and its manifest `DIR/pki.json`.
//!
//! The hierarchy (every CA certificate's pathLenConstraint allows exactly what is below it):
//!
//! ```text
//! root ─┬─ platform.ca ─┬─ platform.tls, platform.encryption, platform.signing
//!       │               ├─ mgmt-server.tls, mgmt-server.client, mgmt-server.signing
//!       │               └─ release
//!       ├─ partner.ca ──── partner.tls, partner.encryption, partner.signing
//!       └─ provider.ca ─── device.ca ─── device
//! ftm.root ─── ftm.chip                     (its own trust anchor)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use kavach_keys::{KeyKind, PrivateKey, SignatureAlgorithm, Signer};
use kavach_pki::issue::{
    DistinguishedName, Issuer, SubjectAltName, Validity, issue_end_entity, issue_intermediate, issue_root,
};
use kavach_pki::{Certificate, Purpose};
use serde::{Deserialize, Serialize};

use crate::report::{Failure, Outcome, Success, code};

/// `kavach pki ...`
#[derive(Debug, Subcommand)]
pub(crate) enum PkiCommand {
    /// Write a complete demo PKI for both seeds into DIR, with the manifest DIR/pki.json.
    Init(InitArgs),
}

/// Arguments of `kavach pki init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Directory to write into (created if missing).
    dir: PathBuf,
    /// Key type of every key.
    #[arg(long, value_enum, default_value_t = Algo::Rsa2048)]
    algo: Algo,
    /// Overwrite files of an existing PKI in DIR.
    #[arg(long)]
    force: bool,
}

/// Key types `pki init` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Algo {
    /// NIST P-256 keys, ECDSA SHA-256 signatures.
    #[value(name = "p256")]
    P256,
    /// RSA-2048 keys, RSASSA-PKCS1-v1_5 SHA-256 signatures (what MOSIP deployments use).
    #[value(name = "rsa2048")]
    Rsa2048,
    /// RSA-3072 keys, RSASSA-PKCS1-v1_5 SHA-256 signatures.
    #[value(name = "rsa3072")]
    Rsa3072,
}

impl Algo {
    fn kind(self) -> KeyKind {
        match self {
            Self::P256 => KeyKind::P256,
            Self::Rsa2048 => KeyKind::Rsa { bits: 2048 },
            Self::Rsa3072 => KeyKind::Rsa { bits: 3072 },
        }
    }
}

/// The manifest `DIR/pki.json` (CLI.md): file names are relative to DIR.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Manifest {
    /// The root CA certificate (trust anchor of every role except the `ftm.*` ones).
    pub(crate) root: String,
    /// Every role by name.
    pub(crate) entities: BTreeMap<String, Entity>,
}

/// One role of the manifest.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Entity {
    /// Its certificate.
    pub(crate) cert: String,
    /// Its private key (PKCS#8 PEM, mode 0600).
    pub(crate) key: String,
    /// The intermediates between the certificate and its trust anchor (empty for a
    /// certificate issued directly by its anchor, and for the anchors themselves).
    pub(crate) chain: String,
    /// The purpose of an end entity; absent for CAs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) purpose: Option<String>,
}

/// The manifest's file name inside DIR.
pub(crate) const MANIFEST: &str = "pki.json";

#[derive(Clone, Copy)]
enum Kind {
    /// A CA with this pathLenConstraint.
    Ca(Option<u8>),
    /// An end entity for this purpose.
    Leaf(Purpose),
}

struct Role {
    name: &'static str,
    /// `None`: self-signed (a trust anchor).
    issuer: Option<&'static str>,
    kind: Kind,
    subject: &'static str,
    sans: &'static [&'static str],
    days: u32,
}

const LOCAL_SANS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Every role of CLI.md, issuers before what they issue.
const ROLES: [Role; 18] = [
    Role {
        name: "root",
        issuer: None,
        kind: Kind::Ca(None),
        subject: "CN=Kavach Demo Root CA,O=Kavach Demo,C=IN",
        sans: &[],
        days: 3650,
    },
    Role {
        name: "platform.ca",
        issuer: Some("root"),
        kind: Kind::Ca(Some(0)),
        subject: "CN=Kavach Demo Platform CA,O=Kavach Demo Platform,C=IN",
        sans: &[],
        days: 1825,
    },
    Role {
        name: "platform.tls",
        issuer: Some("platform.ca"),
        kind: Kind::Leaf(Purpose::TlsServer),
        subject: "CN=platform.kavach.test,O=Kavach Demo Platform,C=IN",
        sans: &["platform.kavach.test", LOCAL_SANS[0], LOCAL_SANS[1], LOCAL_SANS[2]],
        days: 365,
    },
    Role {
        name: "platform.encryption",
        issuer: Some("platform.ca"),
        kind: Kind::Leaf(Purpose::Encryption),
        subject: "CN=Kavach Demo Platform Encryption,O=Kavach Demo Platform,C=IN",
        sans: &[],
        days: 365,
    },
    Role {
        name: "platform.signing",
        issuer: Some("platform.ca"),
        kind: Kind::Leaf(Purpose::Signing),
        subject: "CN=Kavach Demo Platform Signing,O=Kavach Demo Platform,C=IN",
        sans: &[],
        days: 365,
    },
    Role {
        name: "partner.ca",
        issuer: Some("root"),
        kind: Kind::Ca(Some(0)),
        subject: "CN=Kavach Demo Partner CA,O=Kavach Demo Partner,C=IN",
        sans: &[],
        days: 1825,
    },
    Role {
        name: "partner.tls",
        issuer: Some("partner.ca"),
        kind: Kind::Leaf(Purpose::TlsClient),
        subject: "CN=partner.kavach.test,O=Kavach Demo Partner,C=IN",
        sans: &["partner.kavach.test"],
        days: 365,
    },
    Role {
        name: "partner.encryption",
        issuer: Some("partner.ca"),
        kind: Kind::Leaf(Purpose::Encryption),
        subject: "CN=Kavach Demo Partner Encryption,O=Kavach Demo Partner,C=IN",
        sans: &[],
        days: 365,
    },
    Role {
        name: "partner.signing",
        issuer: Some("partner.ca"),
        kind: Kind::Leaf(Purpose::Signing),
        subject: "CN=Kavach Demo Partner Signing,O=Kavach Demo Partner,C=IN",
        sans: &[],
        days: 365,
    },
    Role {
        name: "provider.ca",
        issuer: Some("root"),
        kind: Kind::Ca(Some(1)),
        subject: "CN=Kavach Demo Device Provider CA,O=Kavach Demo Device Provider,C=IN",
        sans: &[],
        days: 1825,
    },
    Role {
        name: "mgmt-server.tls",
        issuer: Some("platform.ca"),
        kind: Kind::Leaf(Purpose::TlsServer),
        subject: "CN=mgmt.kavach.test,O=Kavach Demo Platform,C=IN",
        sans: &["mgmt.kavach.test", LOCAL_SANS[0], LOCAL_SANS[1], LOCAL_SANS[2]],
        days: 365,
    },
    Role {
        name: "mgmt-server.client",
        issuer: Some("platform.ca"),
        kind: Kind::Leaf(Purpose::TlsClient),
        subject: "CN=mgmt.kavach.test,OU=Management Server Client,O=Kavach Demo Platform,C=IN",
        sans: &["mgmt.kavach.test"],
        days: 365,
    },
    Role {
        name: "mgmt-server.signing",
        issuer: Some("platform.ca"),
        kind: Kind::Leaf(Purpose::Signing),
        subject: "CN=Kavach Demo Management Server Signing,O=Kavach Demo Platform,C=IN",
        sans: &[],
        days: 365,
    },
    Role {
        name: "device.ca",
        issuer: Some("provider.ca"),
        kind: Kind::Ca(Some(0)),
        subject: "CN=Kavach Demo Device CA,O=Kavach Demo Device Provider,C=IN",
        sans: &[],
        days: 1825,
    },
    Role {
        name: "ftm.root",
        issuer: None,
        kind: Kind::Ca(Some(0)),
        subject: "CN=Kavach Demo FTM Root,O=Kavach Demo FTM Provider,C=IN",
        sans: &[],
        days: 3650,
    },
    Role {
        name: "ftm.chip",
        issuer: Some("ftm.root"),
        kind: Kind::Leaf(Purpose::Ftm),
        subject: "CN=Kavach Demo FTM Chip 0001,O=Kavach Demo FTM Provider,C=IN",
        sans: &[],
        days: 1825,
    },
    Role {
        name: "device",
        issuer: Some("device.ca"),
        kind: Kind::Leaf(Purpose::Device),
        subject: "CN=Kavach Demo Device 0001,O=Kavach Demo Device Provider,C=IN",
        sans: &[],
        days: 365,
    },
    Role {
        name: "release",
        issuer: Some("platform.ca"),
        kind: Kind::Leaf(Purpose::CodeSigning),
        subject: "CN=Kavach Demo Release Signing,O=Kavach Demo Platform,C=IN",
        sans: &[],
        days: 730,
    },
];

/// The file names of a role inside DIR: (certificate, key, chain).
fn file_names(role: &str) -> (String, String, String) {
    let stem = if role == "root" { "root-ca" } else { role };
    (
        format!("{stem}.pem"),
        format!("{stem}.key.pem"),
        format!("{stem}.chain.pem"),
    )
}

/// Runs `kavach pki ...`.
pub(crate) fn run(command: PkiCommand) -> Outcome {
    match command {
        PkiCommand::Init(args) => init(&args),
    }
}

struct Issued {
    certificate: Certificate,
    key: PrivateKey,
    /// Intermediates between the certificate and its anchor, nearest first.
    chain: Vec<Certificate>,
}

fn init(args: &InitArgs) -> Outcome {
    let dir = &args.dir;
    let mut targets = vec![dir.join(MANIFEST)];
    for role in &ROLES {
        let (c, k, ch) = file_names(role.name);
        targets.extend([dir.join(c), dir.join(k), dir.join(ch)]);
    }
    if let Some(existing) = targets.iter().find(|p| p.exists())
        && !args.force
    {
        return Err(Failure::usage(
            code::EXISTS,
            format_args!(
                "{}: already exists; pass --force to overwrite the PKI in {}",
                existing.display(),
                dir.display()
            ),
        ));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::usage(code::IO, format_args!("{}: cannot create: {e}", dir.display())))?;

    let keys = generate_keys(args.algo)?;
    let mut issued: BTreeMap<&'static str, Issued> = BTreeMap::new();
    for (role, key) in ROLES.iter().zip(keys) {
        let entity = issue(role, key, &issued)
            .map_err(|e| Failure::usage(e.code(), format_args!("issuing {}: {e}", role.name)))?;
        issued.insert(role.name, entity);
    }

    let mut manifest = Manifest {
        root: file_names("root").0,
        entities: BTreeMap::new(),
    };
    for role in &ROLES {
        let Some(entity) = issued.get(role.name) else {
            continue;
        };
        let (cert_name, key_name, chain_name) = file_names(role.name);
        write(dir, &cert_name, entity.certificate.to_pem().as_bytes())?;
        let key_path = dir.join(&key_name);
        entity
            .key
            .write_pkcs8_pem(&key_path)
            .map_err(|e| Failure::usage(code::IO, format_args!("{}: {e}", key_path.display())))?;
        let chain: String = entity.chain.iter().map(Certificate::to_pem).collect();
        write(dir, &chain_name, chain.as_bytes())?;
        manifest.entities.insert(
            role.name.to_owned(),
            Entity {
                cert: cert_name,
                key: key_name,
                chain: chain_name,
                purpose: match role.kind {
                    Kind::Leaf(p) => Some(p.to_string()),
                    Kind::Ca(_) => None,
                },
            },
        );
    }
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| Failure::usage(code::IO, format_args!("encoding the manifest: {e}")))?;
    write(dir, MANIFEST, format!("{text}\n").as_bytes())?;

    let manifest_path = dir.join(MANIFEST);
    Ok(Success::new()
        .line(format_args!(
            "wrote {} roles ({}) to {}",
            ROLES.len(),
            args.algo
                .to_possible_value()
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default(),
            dir.display()
        ))
        .line(format_args!("manifest: {}", manifest_path.display()))
        .field("dir", dir.display().to_string())
        .field("manifest", manifest_path.display().to_string())
        .field("roles", ROLES.iter().map(|r| r.name).collect::<Vec<_>>()))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Failure> {
    let path = dir.join(name);
    std::fs::write(&path, bytes)
        .map_err(|e| Failure::usage(code::IO, format_args!("{}: cannot write: {e}", path.display())))
}

/// One key per role, generated on every available core (RSA generation dominates the time).
fn generate_keys(algo: Algo) -> Result<Vec<PrivateKey>, Failure> {
    let kind = algo.kind();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(ROLES.len());
    let per_thread = ROLES.len().div_ceil(threads);
    let results: Vec<kavach_keys::Result<Vec<PrivateKey>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let count = per_thread.min(ROLES.len().saturating_sub(t * per_thread));
                scope.spawn(move || (0..count).map(|_| new_key(kind)).collect())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or(Err(kavach_keys::Error::KeyGeneration("key generation thread panicked")))
            })
            .collect()
    });
    let mut keys = Vec::with_capacity(ROLES.len());
    for r in results {
        keys.extend(r.map_err(|e| Failure::usage(code::IO, format_args!("key generation: {e}")))?);
    }
    Ok(keys)
}

fn new_key(kind: KeyKind) -> kavach_keys::Result<PrivateKey> {
    let key = PrivateKey::generate(kind)?;
    match kind {
        // MOSIP's CAs sign with sha256WithRSAEncryption.
        KeyKind::Rsa { .. } => key.with_signature_algorithm(SignatureAlgorithm::RS256),
        _ => Ok(key),
    }
}

fn issue(role: &Role, key: PrivateKey, issued: &BTreeMap<&'static str, Issued>) -> kavach_pki::Result<Issued> {
    let subject = DistinguishedName::parse(role.subject)?;
    let validity = Validity::starting_now(Duration::from_secs(u64::from(role.days) * 86_400))?;
    let Some(issuer_name) = role.issuer else {
        let path_len = match role.kind {
            Kind::Ca(p) => p,
            Kind::Leaf(_) => None,
        };
        return Ok(Issued {
            certificate: issue_root(&key, &subject, validity, path_len)?,
            key,
            chain: Vec::new(),
        });
    };
    let parent = issued.get(issuer_name).ok_or(kavach_pki::Error::InvalidIssuanceInput {
        what: "role table",
        reason: "an issuer is listed after what it issues",
    })?;
    let issuer = Issuer::new(&parent.certificate, &parent.key as &dyn Signer)?;
    let certificate = match role.kind {
        Kind::Ca(path_len) => issue_intermediate(&issuer, key.public_key(), &subject, validity, path_len)?,
        Kind::Leaf(purpose) => {
            let sans = role
                .sans
                .iter()
                .map(|s| SubjectAltName::parse(s))
                .collect::<kavach_pki::Result<Vec<_>>>()?;
            issue_end_entity(&issuer, key.public_key(), &subject, validity, purpose, &sans)?
        }
    };
    // The chain of what this role's issuer is: the issuer itself unless it is an anchor.
    let mut chain = Vec::new();
    if issued_is_anchor(issuer_name) {
        // Issued directly by a trust anchor: no intermediates.
    } else {
        chain.push(parent.certificate.clone());
        chain.extend(parent.chain.iter().cloned());
    }
    Ok(Issued {
        certificate,
        key,
        chain,
    })
}

fn issued_is_anchor(name: &str) -> bool {
    ROLES.iter().any(|r| r.name == name && r.issuer.is_none())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn roles_are_the_cli_md_list_with_issuers_first() {
        let names: Vec<&str> = ROLES.iter().map(|r| r.name).collect();
        for expected in [
            "root",
            "platform.ca",
            "platform.tls",
            "platform.encryption",
            "platform.signing",
            "partner.ca",
            "partner.tls",
            "partner.encryption",
            "partner.signing",
            "provider.ca",
            "mgmt-server.tls",
            "mgmt-server.client",
            "mgmt-server.signing",
            "device.ca",
            "ftm.root",
            "ftm.chip",
            "device",
            "release",
        ] {
            assert!(names.contains(&expected), "{expected}");
        }
        for (i, role) in ROLES.iter().enumerate() {
            if let Some(issuer) = role.issuer {
                let pos = names.iter().position(|n| *n == issuer).unwrap();
                assert!(pos < i, "{} before its issuer {issuer}", role.name);
                assert!(matches!(ROLES[pos].kind, Kind::Ca(_)), "{issuer} is a CA");
            }
        }
    }
}

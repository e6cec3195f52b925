//! `kavach pki init DIR [--algo p256|rsa2048|rsa3072] [--force]`: a complete demo PKI for both
//! seeds (the partner exchange and device management) and its manifest `DIR/pki.json`.
//!
//! The hierarchy and the roles are [`kavach_pki::demo`]'s; this command only writes them out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use kavach_keys::KeyKind;
use kavach_pki::Certificate;
use kavach_pki::demo::{DemoPki, ROLES};
use serde::{Deserialize, Serialize};

use crate::report::{Failure, Outcome, Success, code};

/// `kavach pki ...`
#[derive(Debug, Subcommand)]
#[command(after_help = "Example:\n  kavach pki init demo-pki --algo p256")]
pub(crate) enum PkiCommand {
    /// Write a complete demo PKI for both seeds into DIR, with the manifest DIR/pki.json.
    Init(InitArgs),
}

/// Arguments of `kavach pki init`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  kavach pki init demo-pki --algo p256")]
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

fn init(args: &InitArgs) -> Outcome {
    let dir = &args.dir;
    let mut targets = vec![dir.join(MANIFEST)];
    for role in &ROLES {
        let (c, k, ch) = file_names(role.name);
        targets.extend([dir.join(c), dir.join(k), dir.join(ch)]);
    }
    // A symbolic link where a file goes is refused before anything is generated: a key is
    // never written through a link (the writer refuses it too, and its rename would replace a
    // link made later rather than follow it). `symlink_metadata` also sees a dangling link.
    if let Some(link) = targets
        .iter()
        .find(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))
    {
        return Err(Failure::usage(
            code::IO,
            format_args!(
                "{}: is a symbolic link: refusing to write the PKI through it",
                link.display()
            ),
        ));
    }
    if let Some(existing) = targets.iter().find(|p| std::fs::symlink_metadata(p).is_ok())
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

    let pki = DemoPki::generate(args.algo.kind())
        .map_err(|e| Failure::usage(e.code(), format_args!("building the demo PKI: {e}")))?;

    let mut manifest = Manifest {
        root: file_names("root").0,
        entities: BTreeMap::new(),
    };
    for entity in pki.entities() {
        let role = entity.role;
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
                purpose: entity.purpose().map(|p| p.to_string()),
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

/// Writes a certificate, chain or the manifest (keys go through
/// [`kavach_keys::PrivateKey::write_pkcs8_pem`]: atomic too, mode 0600).
fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Failure> {
    crate::output::write_file(&dir.join(name), bytes, crate::output::Access::Default)
}

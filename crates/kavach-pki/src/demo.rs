//! A complete demo PKI for both seeds: every role of the partner exchange and of device
//! management, issued in memory. `kavach pki init` writes it to disk; the examples use it directly.
//!
//! **For demos and tests only, never for production trust**: its keys are generated in memory
//! and written out unprotected, its names are fixed, and nothing about it is a deployment's
//! policy. It is compiled only with the `demo` feature (off by default; kavach-cli and the
//! examples of the root package enable it), so a validation library built without it carries
//! no issuing hierarchy of its own.
//!
//! ```text
//! root ─┬─ platform.ca ─┬─ platform.tls, platform.encryption, platform.signing
//!       ├─ partner.ca ──┴─ partner.tls, partner.encryption, partner.signing
//!       └─ provider.ca ─┬─ mgmt-server.tls, mgmt-server.client, mgmt-server.signing, release
//!                       └─ device.ca ─── device
//! ftm.root ─── ftm.chip                     (its own trust anchor)
//! ```
//!
//! Every CA's pathLenConstraint allows exactly what is below it. Encryption certificates carry
//! keyEncipherment (RSA) or keyAgreement (EC) only, signing certificates digitalSignature only
//! (see [`crate::issue`]). The device provider's management server and release key chain to
//! `provider.ca`, the root a Management Client pins.
//!
//! ```
//! use kavach_keys::KeyKind;
//! use kavach_pki::{Purpose, TrustDomain, ValidationOptions, Validator, demo::DemoPki};
//!
//! # fn main() -> Result<(), kavach_pki::Error> {
//! let pki = DemoPki::generate(KeyKind::P256)?;
//! let encryption = pki.entity("platform.encryption")?;
//! let domain = TrustDomain::new("PARTNER", vec![pki.root().clone()])?;
//! let options = ValidationOptions::new(Purpose::Encryption, std::time::SystemTime::now());
//! let path = Validator::new().verify(&domain, &encryption.certificate, &encryption.chain, &options)?;
//! assert_eq!(path.chain().len(), 3);
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;
use std::time::Duration;

use kavach_keys::{KeyKind, PrivateKey, SignatureAlgorithm, Signer};

use crate::issue::{
    DistinguishedName, Issuer, SubjectAltName, Validity, issue_end_entity, issue_intermediate, issue_root,
};
use crate::{Certificate, Error, Purpose, Result};

/// What a role is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoleKind {
    /// A CA with this pathLenConstraint.
    Ca(Option<u8>),
    /// An end entity for this purpose.
    EndEntity(Purpose),
}

/// One role of the demo PKI.
#[derive(Debug)]
#[non_exhaustive]
pub struct Role {
    /// Its name, as CLI.md spells it (`platform.encryption`).
    pub name: &'static str,
    /// The role that issues it; `None` for a trust anchor.
    pub issuer: Option<&'static str>,
    /// CA or end entity.
    pub kind: RoleKind,
    /// Subject DN (RFC 4514).
    pub subject: &'static str,
    /// subjectAltNames (DNS names and IP addresses).
    pub sans: &'static [&'static str],
    /// Validity in days from now.
    pub days: u32,
}

const fn ca(
    name: &'static str,
    issuer: Option<&'static str>,
    path_len: Option<u8>,
    subject: &'static str,
    days: u32,
) -> Role {
    Role {
        name,
        issuer,
        kind: RoleKind::Ca(path_len),
        subject,
        sans: &[],
        days,
    }
}

const fn leaf(
    name: &'static str,
    issuer: &'static str,
    purpose: Purpose,
    subject: &'static str,
    sans: &'static [&'static str],
) -> Role {
    Role {
        name,
        issuer: Some(issuer),
        kind: RoleKind::EndEntity(purpose),
        subject,
        sans,
        days: 365,
    }
}

/// Every role of CLI.md, issuers before what they issue.
pub const ROLES: [Role; 18] = [
    ca("root", None, None, "CN=Kavach Demo Root CA,O=Kavach Demo,C=IN", 3650),
    ca(
        "platform.ca",
        Some("root"),
        Some(0),
        "CN=Kavach Demo Platform CA,O=Kavach Demo Platform,C=IN",
        1825,
    ),
    leaf(
        "platform.tls",
        "platform.ca",
        Purpose::TlsServer,
        "CN=platform.kavach.test,O=Kavach Demo Platform,C=IN",
        &["platform.kavach.test", "localhost", "127.0.0.1", "::1"],
    ),
    leaf(
        "platform.encryption",
        "platform.ca",
        Purpose::Encryption,
        "CN=Kavach Demo Platform Encryption,O=Kavach Demo Platform,C=IN",
        &[],
    ),
    leaf(
        "platform.signing",
        "platform.ca",
        Purpose::Signing,
        "CN=Kavach Demo Platform Signing,O=Kavach Demo Platform,C=IN",
        &[],
    ),
    ca(
        "partner.ca",
        Some("root"),
        Some(0),
        "CN=Kavach Demo Partner CA,O=Kavach Demo Partner,C=IN",
        1825,
    ),
    leaf(
        "partner.tls",
        "partner.ca",
        Purpose::TlsClient,
        "CN=partner.kavach.test,O=Kavach Demo Partner,C=IN",
        &["partner.kavach.test"],
    ),
    leaf(
        "partner.encryption",
        "partner.ca",
        Purpose::Encryption,
        "CN=Kavach Demo Partner Encryption,O=Kavach Demo Partner,C=IN",
        &[],
    ),
    leaf(
        "partner.signing",
        "partner.ca",
        Purpose::Signing,
        "CN=Kavach Demo Partner Signing,O=Kavach Demo Partner,C=IN",
        &[],
    ),
    ca(
        "provider.ca",
        Some("root"),
        Some(1),
        "CN=Kavach Demo Device Provider CA,O=Kavach Demo Device Provider,C=IN",
        1825,
    ),
    leaf(
        "mgmt-server.tls",
        "provider.ca",
        Purpose::TlsServer,
        "CN=mgmt.kavach.test,O=Kavach Demo Device Provider,C=IN",
        &["mgmt.kavach.test", "localhost", "127.0.0.1", "::1"],
    ),
    leaf(
        "mgmt-server.client",
        "provider.ca",
        Purpose::TlsClient,
        "CN=mgmt.kavach.test,OU=Management Server Client,O=Kavach Demo Device Provider,C=IN",
        &["mgmt.kavach.test"],
    ),
    leaf(
        "mgmt-server.signing",
        "provider.ca",
        Purpose::Signing,
        "CN=Kavach Demo Management Server Signing,O=Kavach Demo Device Provider,C=IN",
        &[],
    ),
    ca(
        "device.ca",
        Some("provider.ca"),
        Some(0),
        "CN=Kavach Demo Device CA,O=Kavach Demo Device Provider,C=IN",
        1825,
    ),
    ca(
        "ftm.root",
        None,
        Some(0),
        "CN=Kavach Demo FTM Root,O=Kavach Demo FTM Provider,C=IN",
        3650,
    ),
    Role {
        name: "ftm.chip",
        issuer: Some("ftm.root"),
        kind: RoleKind::EndEntity(Purpose::Ftm),
        subject: "CN=Kavach Demo FTM Chip 0001,O=Kavach Demo FTM Provider,C=IN",
        sans: &[],
        days: 1825,
    },
    leaf(
        "device",
        "device.ca",
        Purpose::Device,
        "CN=Kavach Demo Device 0001,O=Kavach Demo Device Provider,C=IN",
        &[],
    ),
    Role {
        name: "release",
        issuer: Some("provider.ca"),
        kind: RoleKind::EndEntity(Purpose::CodeSigning),
        subject: "CN=Kavach Demo Release Signing,O=Kavach Demo Device Provider,C=IN",
        sans: &[],
        days: 730,
    },
];

/// One issued role: its certificate, its key, and the intermediates up to its trust anchor.
#[derive(Debug)]
#[non_exhaustive]
pub struct DemoEntity {
    /// The role.
    pub role: &'static Role,
    /// Its certificate.
    pub certificate: Certificate,
    /// Its private key (shared, so it can also go into a [`kavach_keys::KeyStore`]).
    pub key: Arc<PrivateKey>,
    /// Intermediates between the certificate and its trust anchor, nearest first (empty when the
    /// anchor issued it, and for the anchors themselves).
    pub chain: Vec<Certificate>,
    /// The name of its trust anchor's role (`root` or `ftm.root`).
    pub anchor: &'static str,
}

impl DemoEntity {
    /// The purpose of an end entity; `None` for a CA.
    pub fn purpose(&self) -> Option<Purpose> {
        match self.role.kind {
            RoleKind::EndEntity(p) => Some(p),
            RoleKind::Ca(_) => None,
        }
    }
}

/// Every role of [`ROLES`], issued.
#[derive(Debug)]
pub struct DemoPki {
    kind: KeyKind,
    entities: Vec<DemoEntity>,
}

impl DemoPki {
    /// Generates one key of `kind` per role (on every available core: RSA generation dominates)
    /// and issues every role. RSA keys sign with `sha256WithRSAEncryption`, as MOSIP's CAs do.
    pub fn generate(kind: KeyKind) -> Result<Self> {
        let keys = generate_keys(kind)?;
        let mut entities: Vec<DemoEntity> = Vec::with_capacity(ROLES.len());
        for (role, key) in ROLES.iter().zip(keys) {
            let entity = issue(role, key, &entities)?;
            entities.push(entity);
        }
        Ok(Self { kind, entities })
    }

    /// The key kind of every key.
    pub fn key_kind(&self) -> KeyKind {
        self.kind
    }

    /// Every entity, in [`ROLES`] order.
    pub fn entities(&self) -> &[DemoEntity] {
        &self.entities
    }

    /// The entity of role `name`.
    pub fn entity(&self, name: &str) -> Result<&DemoEntity> {
        self.entities
            .iter()
            .find(|e| e.role.name == name)
            .ok_or(Error::InvalidIssuanceInput {
                what: "demo PKI role",
                reason: "no role of that name (see kavach_pki::demo::ROLES)",
            })
    }

    /// The root CA certificate: the trust anchor of every role but the `ftm.*` ones.
    pub fn root(&self) -> &Certificate {
        &self.entities[0].certificate
    }
}

fn generate_keys(kind: KeyKind) -> Result<Vec<PrivateKey>> {
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
        keys.extend(r.map_err(|e| Error::Key {
            context: "generating a demo key",
            source: e,
        })?);
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

fn issue(role: &'static Role, key: PrivateKey, issued: &[DemoEntity]) -> Result<DemoEntity> {
    let subject = DistinguishedName::parse(role.subject)?;
    let validity = Validity::starting_now(Duration::from_secs(u64::from(role.days) * 86_400))?;
    let Some(issuer_name) = role.issuer else {
        let path_len = match role.kind {
            RoleKind::Ca(p) => p,
            RoleKind::EndEntity(_) => None,
        };
        let certificate = issue_root(&key, &subject, validity, path_len)?;
        return Ok(DemoEntity {
            role,
            certificate,
            key: Arc::new(key),
            chain: Vec::new(),
            anchor: role.name,
        });
    };
    let parent = issued
        .iter()
        .find(|e| e.role.name == issuer_name)
        .ok_or(Error::InvalidIssuanceInput {
            what: "demo role table",
            reason: "an issuer is listed after what it issues",
        })?;
    let issuer = Issuer::new(&parent.certificate, &*parent.key as &dyn Signer)?;
    let certificate = match role.kind {
        RoleKind::Ca(path_len) => issue_intermediate(&issuer, key.public_key(), &subject, validity, path_len)?,
        RoleKind::EndEntity(purpose) => {
            let sans = role
                .sans
                .iter()
                .map(|s| SubjectAltName::parse(s))
                .collect::<Result<Vec<_>>>()?;
            issue_end_entity(&issuer, key.public_key(), &subject, validity, purpose, &sans)?
        }
    };
    // The intermediates up to the anchor: the issuer and its own chain, unless it is the anchor.
    let chain = if parent.role.issuer.is_none() {
        Vec::new()
    } else {
        std::iter::once(parent.certificate.clone())
            .chain(parent.chain.iter().cloned())
            .collect()
    };
    Ok(DemoEntity {
        role,
        certificate,
        key: Arc::new(key),
        chain,
        anchor: parent.anchor,
    })
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
        assert_eq!(names.len(), 18);
        for (i, role) in ROLES.iter().enumerate() {
            if let Some(issuer) = role.issuer {
                let pos = names.iter().position(|n| *n == issuer).unwrap();
                assert!(pos < i, "{} before its issuer {issuer}", role.name);
                assert!(matches!(ROLES[pos].kind, RoleKind::Ca(_)), "{issuer} is a CA");
            }
        }
    }

    #[test]
    fn every_demo_entity_validates_for_its_purpose() {
        use crate::{TrustDomain, ValidationOptions, Validator};
        let pki = DemoPki::generate(KeyKind::P256).unwrap();
        let validator = Validator::new();
        let now = std::time::SystemTime::now();
        for entity in pki.entities() {
            let Some(purpose) = entity.purpose() else { continue };
            let anchor = pki.entity(entity.anchor).unwrap();
            let domain = TrustDomain::new("DEMO", vec![anchor.certificate.clone()]).unwrap();
            let path = validator
                .verify(
                    &domain,
                    &entity.certificate,
                    &entity.chain,
                    &ValidationOptions::new(purpose, now),
                )
                .unwrap_or_else(|e| panic!("{}: {e}", entity.role.name));
            assert_eq!(path.chain().len(), entity.chain.len() + 2, "{}", entity.role.name);
        }
        // The management server and the release key chain to the provider CA the client pins.
        for name in ["mgmt-server.signing", "release", "device"] {
            let e = pki.entity(name).unwrap();
            assert!(
                e.chain
                    .iter()
                    .any(|c| c.der() == pki.entity("provider.ca").unwrap().certificate.der()),
                "{name}"
            );
        }
    }
}

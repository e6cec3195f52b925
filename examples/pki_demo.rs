//! A small PKI for both seeds, end to end: `cargo run --example pki_demo`.
//!
//! 1. A root CA and, under it, the platform's and a partner's CAs (partner exchange) and a
//!    device provider's CA with a device CA (device management); an FTM provider's own root.
//! 2. End-entity certificates per purpose, one of them from a partner's PKCS#10 request.
//! 3. Everything written to a temporary directory as PEM and read back, as a deployment would.
//! 4. Each certificate validated for its purpose in its trust domain; the paths printed.
//! 5. What is refused: an encryption certificate used for signing, a wrong TLS name, and a
//!    device certificate after its CA revoked it.

use std::path::Path;
use std::time::{Duration, SystemTime};

use kavach::keys::{KeyKind, PrivateKey, SignatureAlgorithm, Signer};
use kavach::pki::issue::{
    DistinguishedName, Issuer, RevokedEntry, SubjectAltName, Validity, create_csr, issue_crl, issue_end_entity,
    issue_from_csr, issue_intermediate, issue_root,
};
use kavach::pki::{Certificate, Purpose, ServerName, TrustDomain, ValidationOptions, Validator};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A CA: its certificate and key.
struct Ca {
    cert: Certificate,
    key: PrivateKey,
}

impl Ca {
    fn issuer(&self) -> Result<Issuer<'_>> {
        Ok(Issuer::new(&self.cert, &self.key)?)
    }
}

fn rsa() -> Result<PrivateKey> {
    // MOSIP's CAs and encryption keys are RSA; CAs sign with sha256WithRSAEncryption.
    Ok(PrivateKey::generate(KeyKind::Rsa { bits: 2048 })?.with_signature_algorithm(SignatureAlgorithm::RS256)?)
}

fn p256() -> Result<PrivateKey> {
    Ok(PrivateKey::generate(KeyKind::P256)?)
}

fn dn(s: &str) -> Result<DistinguishedName> {
    Ok(DistinguishedName::parse(s)?)
}

fn ca(parent: Option<&Ca>, key: PrivateKey, subject: &str, path_len: Option<u8>) -> Result<Ca> {
    let validity = Validity::days_from_now(1825)?;
    let cert = match parent {
        None => issue_root(&key, &dn(subject)?, validity, path_len)?,
        Some(p) => issue_intermediate(&p.issuer()?, key.public_key(), &dn(subject)?, validity, path_len)?,
    };
    Ok(Ca { cert, key })
}

fn leaf(ca: &Ca, key: &PrivateKey, subject: &str, purpose: Purpose, sans: &[&str]) -> Result<Certificate> {
    let sans = sans
        .iter()
        .map(|s| SubjectAltName::parse(s))
        .collect::<kavach::pki::Result<Vec<_>>>()?;
    Ok(issue_end_entity(
        &ca.issuer()?,
        key.public_key(),
        &dn(subject)?,
        Validity::days_from_now(365)?,
        purpose,
        &sans,
    )?)
}

fn write_pem(dir: &Path, name: &str, certs: &[&Certificate]) -> Result<std::path::PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, certs.iter().map(|c| c.to_pem()).collect::<String>())?;
    Ok(path)
}

fn read_pem(path: &Path) -> Result<Vec<Certificate>> {
    Ok(Certificate::parse_bundle(&std::fs::read(path)?)?)
}

fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    println!("== issuing into {}", dir.path().display());

    // 1. CAs.
    let root = ca(None, rsa()?, "CN=Demo Root CA,O=Demo,C=IN", None)?;
    let platform_ca = ca(Some(&root), rsa()?, "CN=Demo Platform CA,O=Demo Platform,C=IN", Some(0))?;
    let partner_ca = ca(Some(&root), rsa()?, "CN=Demo Partner CA,O=Demo Partner,C=IN", Some(0))?;
    let provider_ca = ca(
        Some(&root),
        p256()?,
        "CN=Demo Device Provider CA,O=Demo Provider,C=IN",
        Some(1),
    )?;
    let device_ca = ca(
        Some(&provider_ca),
        p256()?,
        "CN=Demo Device CA,O=Demo Provider,C=IN",
        Some(0),
    )?;
    let ftm_root = ca(None, p256()?, "CN=Demo FTM Root,O=Demo FTM Provider,C=IN", Some(0))?;

    // 2. End entities: (name, certificate, its intermediates, anchor file, purpose).
    let platform_enc = leaf(
        &platform_ca,
        &rsa()?,
        "CN=Demo Platform Encryption,O=Demo Platform,C=IN",
        Purpose::Encryption,
        &[],
    )?;
    let platform_tls = leaf(
        &platform_ca,
        &p256()?,
        "CN=platform.demo.test,O=Demo Platform,C=IN",
        Purpose::TlsServer,
        &["platform.demo.test", "127.0.0.1"],
    )?;
    let partner_sign = leaf(
        &partner_ca,
        &p256()?,
        "CN=Demo Partner Signing,O=Demo Partner,C=IN",
        Purpose::Signing,
        &[],
    )?;
    // The partner's TLS client key never leaves the partner: it sends a CSR, the CA checks the
    // proof of possession and chooses the names.
    let partner_tls_key = p256()?;
    let csr = create_csr(&partner_tls_key, &dn("CN=partner.demo.test,O=Demo Partner,C=IN")?)?;
    let partner_tls = issue_from_csr(
        &partner_ca.issuer()?,
        &csr,
        Validity::days_from_now(365)?,
        Purpose::TlsClient,
        &[SubjectAltName::parse("partner.demo.test")?],
    )?;
    let device = leaf(
        &device_ca,
        &p256()?,
        "CN=Demo Device 0001,O=Demo Provider,C=IN",
        Purpose::Device,
        &[],
    )?;
    let ftm_chip = leaf(
        &ftm_root,
        &p256()?,
        "CN=Demo FTM Chip 0001,O=Demo FTM Provider,C=IN",
        Purpose::Ftm,
        &[],
    )?;

    // 3. To disk and back.
    let root_file = write_pem(dir.path(), "root.pem", &[&root.cert])?;
    let ftm_root_file = write_pem(dir.path(), "ftm-root.pem", &[&ftm_root.cert])?;
    let cases: Vec<(&str, &Certificate, Vec<&Certificate>, &Path, Purpose)> = vec![
        (
            "platform.encryption",
            &platform_enc,
            vec![&platform_ca.cert],
            &root_file,
            Purpose::Encryption,
        ),
        (
            "platform.tls",
            &platform_tls,
            vec![&platform_ca.cert],
            &root_file,
            Purpose::TlsServer,
        ),
        (
            "partner.signing",
            &partner_sign,
            vec![&partner_ca.cert],
            &root_file,
            Purpose::Signing,
        ),
        (
            "partner.tls (from CSR)",
            &partner_tls,
            vec![&partner_ca.cert],
            &root_file,
            Purpose::TlsClient,
        ),
        (
            "device",
            &device,
            vec![&device_ca.cert, &provider_ca.cert],
            &root_file,
            Purpose::Device,
        ),
        ("ftm.chip", &ftm_chip, vec![], &ftm_root_file, Purpose::Ftm),
    ];

    // 4. Validate each for its purpose, in its trust domain.
    let validator = Validator::new();
    let now = SystemTime::now();
    for (name, cert, chain, anchor_file, purpose) in &cases {
        let cert_file = write_pem(dir.path(), &format!("{name}.pem"), &[cert])?;
        let chain_file = write_pem(dir.path(), &format!("{name}.chain.pem"), chain)?;
        let domain_name = if *purpose == Purpose::Ftm { "FTM" } else { "DEMO" };
        let domain = TrustDomain::new(domain_name, read_pem(anchor_file)?)?;
        let end_entity = read_pem(&cert_file)?.remove(0);
        let intermediates = if chain.is_empty() {
            Vec::new()
        } else {
            read_pem(&chain_file)?
        };
        let path = validator.verify(
            &domain,
            &end_entity,
            &intermediates,
            &ValidationOptions::new(*purpose, now),
        )?;
        println!("\n{name}: valid for {purpose} in {}", path.domain_name());
        for (depth, c) in path.chain().iter().enumerate() {
            println!("  {}{}", "  ".repeat(depth), c.subject());
        }
    }

    // 5. Refusals.
    println!("\n== refused, as they should be");
    let domain = TrustDomain::new("DEMO", vec![root.cert.clone()])?;
    let refuse = |what: &str, result: kavach::pki::Result<kavach::pki::VerifiedPath>| -> Result<()> {
        match result {
            Ok(_) => Err(format!("{what}: accepted, but it must be refused").into()),
            Err(e) => {
                println!("{what}: {} — {e}", e.code());
                Ok(())
            }
        }
    };
    refuse(
        "encryption certificate used for signing",
        validator.verify(
            &domain,
            &platform_enc,
            std::slice::from_ref(&platform_ca.cert),
            &ValidationOptions::new(Purpose::Signing, now),
        ),
    )?;
    let wrong_name = ServerName::parse("evil.demo.test")?;
    refuse(
        "TLS server certificate for another name",
        validator.verify(
            &domain,
            &platform_tls,
            std::slice::from_ref(&platform_ca.cert),
            &ValidationOptions::new(Purpose::TlsServer, now).with_server_name(&wrong_name),
        ),
    )?;
    let crl = issue_crl(
        &device_ca.issuer()?,
        &[RevokedEntry::new(&device, now - Duration::from_secs(60))],
        now - Duration::from_secs(60),
        now + Duration::from_secs(86_400),
        1,
    )?;
    let crls = [crl];
    refuse(
        "device certificate revoked by its CA",
        validator.verify(
            &domain,
            &device,
            &[device_ca.cert.clone(), provider_ca.cert.clone()],
            &ValidationOptions::new(Purpose::Device, now).with_crls(&crls),
        ),
    )?;
    println!(
        "\n(every CA signed through the `Signer` trait; the root key is {})",
        root.key.public_key().kind()
    );
    Ok(())
}

//! `kavach cert show CERT` and `kavach cert verify --trust ROOTS ... CERT`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::SystemTime;

use clap::builder::TypedValueParser as _;
use clap::{Args, Subcommand};
use kavach_pki::{Certificate, KeyUsages, Purpose, ServerName, TrustDomain, ValidationOptions, Validator};
use serde_json::{Value, json};
use x509_cert::ext::pkix::name::GeneralName;

use crate::input::{BlankFile, Inputs, display_name, parse_time, read_certificates, read_crls};
use crate::report::{Failure, Outcome, Success, code};

/// `kavach cert ...`
#[derive(Debug, Subcommand)]
#[command(after_help = "Example:\n  kavach cert show demo-pki/platform.tls.pem")]
pub(crate) enum CertCommand {
    /// Print subject, issuer, serial, validity, key, constraints, usages, SANs and thumbprints.
    Show(ShowArgs),
    /// Validate CERT for a purpose against trust anchors; print the path on success.
    Verify(VerifyArgs),
}

/// Arguments of `kavach cert show`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  kavach cert show demo-pki/platform.tls.pem")]
pub(crate) struct ShowArgs {
    /// Certificate file: PEM (one or more certificates), DER or PKCS#7; `-` for standard input.
    cert: PathBuf,
}

/// Arguments of `kavach cert verify`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  kavach cert verify --trust demo-pki/root-ca.pem \\
      --untrusted demo-pki/partner.signing.chain.pem --purpose signing demo-pki/partner.signing.pem")]
pub(crate) struct VerifyArgs {
    /// Trust anchors (PEM, may hold several certificates).
    #[arg(long, value_name = "ROOTS")]
    trust: PathBuf,
    /// Untrusted intermediates (PEM, may hold several; an empty file holds none). Repeatable.
    #[arg(long, value_name = "CERTS")]
    untrusted: Vec<PathBuf>,
    /// CRLs (PEM or DER). Repeatable. Once any is given, the end entity must be covered by a
    /// current CRL of its issuer.
    #[arg(long, value_name = "CRLS")]
    crl: Vec<PathBuf>,
    /// What the certificate must be valid for.
    #[arg(long, value_parser = purpose_parser())]
    purpose: Purpose,
    /// DNS name or IP address the certificate must be valid for (checked against
    /// subjectAltName only).
    #[arg(long, value_name = "DNS-NAME|IP")]
    name: Option<String>,
    /// Validation time, RFC 3339 (e.g. 2026-11-23T19:00:00Z); default now.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// The certificate to validate (the first one in the file; any others are used as
    /// untrusted intermediates). `-` for standard input.
    cert: PathBuf,
}

/// Parses `--purpose` with [`Purpose`]'s own names (CLI.md's table), listing them in `--help`.
fn purpose_parser() -> impl clap::builder::TypedValueParser<Value = Purpose> {
    clap::builder::PossibleValuesParser::new(Purpose::ALL.map(Purpose::as_str)).try_map(|name| name.parse::<Purpose>())
}

/// Runs `kavach cert ...`.
pub(crate) fn run(command: CertCommand) -> Outcome {
    match command {
        CertCommand::Show(args) => show(&args),
        CertCommand::Verify(args) => verify(&args),
    }
}

fn show(args: &ShowArgs) -> Outcome {
    let certs = read_certificates(&mut Inputs::new(), &args.cert, BlankFile::Malformed)?;
    let mut success = Success::new();
    let mut described = Vec::with_capacity(certs.len());
    for (i, cert) in certs.iter().enumerate() {
        if i > 0 {
            success = success.line("");
        }
        let d = describe(cert);
        for (label, value) in d.text_lines() {
            success = success.line(format_args!("{label:<20} {value}"));
        }
        described.push(d.json);
    }
    Ok(success.field("certificates", described))
}

/// A certificate's description, for text and JSON.
struct Description {
    json: Value,
}

impl Description {
    fn text_lines(&self) -> Vec<(&'static str, String)> {
        let j = &self.json;
        let s = |v: &Value| v.as_str().map(str::to_owned).unwrap_or_else(|| "-".into());
        let list = |v: &Value| match v.as_array() {
            Some(a) => a
                .iter()
                .map(|x| x.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", "),
            None => "(absent)".into(),
        };
        let key = &j["key"];
        let key_text = match (key["type"].as_str(), key["curve"].as_str(), key["bits"].as_u64()) {
            (Some(t), Some(c), _) => format!("{t} {c}"),
            (Some(t), None, Some(b)) => format!("{t} {b} bits"),
            (Some(t), None, None) => format!("{t} {}", s(&key["algorithm"])),
            _ => "-".into(),
        };
        let bc = &j["basic_constraints"];
        let bc_text = if bc.is_null() {
            "(absent)".into()
        } else if bc["ca"].as_bool() == Some(true) {
            match bc["path_len"].as_u64() {
                Some(n) => format!("CA:TRUE, pathlen:{n}"),
                None => "CA:TRUE".into(),
            }
        } else {
            "CA:FALSE".into()
        };
        vec![
            ("subject:", s(&j["subject"])),
            ("issuer:", s(&j["issuer"])),
            ("serial:", s(&j["serial"])),
            ("not before:", s(&j["not_before"])),
            ("not after:", s(&j["not_after"])),
            ("key:", key_text),
            ("basic constraints:", bc_text),
            ("key usage:", list(&j["key_usage"])),
            ("extended key usage:", list(&j["extended_key_usage"])),
            ("subject alt names:", list(&j["subject_alt_names"])),
            ("sha256:", s(&j["thumbprints"]["sha256_hex"])),
            ("sha256 (base64url):", s(&j["thumbprints"]["sha256_base64url"])),
            ("sha1:", s(&j["thumbprints"]["sha1_hex"])),
        ]
    }
}

/// `t` as RFC 3339 UTC: jiff's form (fractional seconds kept, for `--at`), or kavach-pki's
/// whole-second form where jiff's range ends (it stops at 9999-12-30T22:00:00Z, before the
/// 99991231235959Z notAfter of RFC 5280 §4.1.2.5), never a `SystemTime` debug value.
fn rfc3339(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t).map_or_else(|_| kavach_pki::rfc3339(t), |ts| ts.to_string())
}

fn describe(cert: &Certificate) -> Description {
    let key = match cert.public_key() {
        Ok(k) => match k.kind() {
            kavach_keys::KeyKind::Rsa { bits } => json!({"type": "RSA", "bits": bits}),
            kavach_keys::KeyKind::P256 => json!({"type": "EC", "curve": "P-256", "bits": 256}),
            kavach_keys::KeyKind::P384 => json!({"type": "EC", "curve": "P-384", "bits": 384}),
            kavach_keys::KeyKind::Ed25519 => json!({"type": "Ed25519", "bits": 256}),
            other => json!({"type": other.to_string()}),
        },
        Err(_) => json!({
            "type": "unsupported",
            "algorithm": cert.inner().tbs_certificate().subject_public_key_info().algorithm.oid.to_string(),
        }),
    };
    let thumb = cert.sha256_thumbprint();
    let json = json!({
        "subject": cert.subject().to_string(),
        "issuer": cert.issuer().to_string(),
        "serial": cert.serial_hex(),
        "not_before": rfc3339(cert.not_before()),
        "not_after": rfc3339(cert.not_after()),
        "key": key,
        "basic_constraints": cert.basic_constraints().map(|(ca, path_len)| json!({"ca": ca, "path_len": path_len})),
        "key_usage": cert.key_usage().map(key_usage_names),
        "extended_key_usage": cert.extended_key_usage().map(|eku| eku.iter().map(eku_name).collect::<Vec<_>>()),
        "subject_alt_names": cert.subject_alt_names().map(|sans| sans.iter().map(san_text).collect::<Vec<_>>()),
        "thumbprints": {
            "sha256_hex": thumb.to_hex(),
            "sha256_base64url": thumb.to_base64url(),
            "sha1_hex": cert.sha1_thumbprint_hex(),
        },
    });
    Description { json }
}

fn key_usage_names(ku: x509_cert::ext::pkix::KeyUsage) -> Vec<&'static str> {
    [
        (KeyUsages::DigitalSignature, "digitalSignature"),
        (KeyUsages::NonRepudiation, "nonRepudiation"),
        (KeyUsages::KeyEncipherment, "keyEncipherment"),
        (KeyUsages::DataEncipherment, "dataEncipherment"),
        (KeyUsages::KeyAgreement, "keyAgreement"),
        (KeyUsages::KeyCertSign, "keyCertSign"),
        (KeyUsages::CRLSign, "cRLSign"),
        (KeyUsages::EncipherOnly, "encipherOnly"),
        (KeyUsages::DecipherOnly, "decipherOnly"),
    ]
    .into_iter()
    .filter(|(flag, _)| ku.0.contains(*flag))
    .map(|(_, name)| name)
    .collect()
}

fn eku_name(oid: &const_oid::ObjectIdentifier) -> String {
    use const_oid::db::rfc5280 as o;
    match *oid {
        o::ID_KP_SERVER_AUTH => "serverAuth".into(),
        o::ID_KP_CLIENT_AUTH => "clientAuth".into(),
        o::ID_KP_CODE_SIGNING => "codeSigning".into(),
        o::ID_KP_EMAIL_PROTECTION => "emailProtection".into(),
        o::ID_KP_TIME_STAMPING => "timeStamping".into(),
        o::ID_KP_OCSP_SIGNING => "OCSPSigning".into(),
        o::ANY_EXTENDED_KEY_USAGE => "anyExtendedKeyUsage".into(),
        other => other.to_string(),
    }
}

fn san_text(name: &GeneralName) -> String {
    match name {
        GeneralName::DnsName(d) => format!("DNS:{}", d.as_str()),
        GeneralName::IpAddress(octets) => {
            let b = octets.as_bytes();
            let ip: Option<IpAddr> = <[u8; 4]>::try_from(b)
                .map(IpAddr::from)
                .ok()
                .or_else(|| <[u8; 16]>::try_from(b).map(IpAddr::from).ok());
            match ip {
                Some(ip) => format!("IP:{ip}"),
                None => format!("IP:<{} octets>", b.len()),
            }
        }
        GeneralName::Rfc822Name(m) => format!("email:{}", m.as_str()),
        GeneralName::UniformResourceIdentifier(u) => format!("URI:{}", u.as_str()),
        GeneralName::DirectoryName(n) => format!("DirName:{n}"),
        GeneralName::RegisteredId(oid) => format!("RID:{oid}"),
        GeneralName::OtherName(o) => format!("othername:{}", o.type_id),
        GeneralName::EdiPartyName(_) => "EdiPartyName".into(),
    }
}

fn verify(args: &VerifyArgs) -> Outcome {
    let mut inputs = Inputs::new();
    let anchors = read_certificates(&mut inputs, &args.trust, BlankFile::Malformed)?;
    let mut intermediates = Vec::new();
    for path in &args.untrusted {
        intermediates.extend(read_certificates(&mut inputs, path, BlankFile::HoldsNone)?);
    }
    let crls = read_crls(&mut inputs, &args.crl)?;
    let mut certs = read_certificates(&mut inputs, &args.cert, BlankFile::Malformed)?.into_iter();
    let Some(end_entity) = certs.next() else {
        return Err(Failure::usage(
            code::BAD_ARGUMENT,
            format_args!("{}: no certificate", display_name(&args.cert)),
        ));
    };
    intermediates.extend(certs);
    let name = match &args.name {
        Some(n) => Some(ServerName::parse(n).map_err(|e| Failure::pki_input("--name", &e))?),
        None => None,
    };
    let time = match &args.at {
        Some(t) => parse_time(t)?,
        None => SystemTime::now(),
    };
    let domain = TrustDomain::new("cli", anchors).map_err(|e| Failure::pki_input(display_name(&args.trust), &e))?;
    let purpose = args.purpose;
    let mut options = ValidationOptions::new(purpose, time).with_crls(&crls);
    if let Some(name) = &name {
        options = options.with_server_name(name);
    }
    let path = Validator::new()
        .verify(&domain, &end_entity, &intermediates, &options)
        .map_err(|e| Failure::pki_refused(&e))?;
    let subjects: Vec<String> = path.chain().iter().map(|c| c.subject().to_string()).collect();
    let mut success = Success::new();
    for s in &subjects {
        success = success.line(s);
    }
    Ok(success
        .field("purpose", purpose.to_string())
        .field("verified_at", rfc3339(time))
        .field("path", subjects))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn purpose_argument_takes_exactly_the_library_names() {
        let cmd = clap::Command::new("t");
        let parser = purpose_parser();
        for p in Purpose::ALL {
            let parsed = parser.parse_ref(&cmd, None, std::ffi::OsStr::new(p.as_str())).unwrap();
            assert_eq!(parsed, p);
        }
        for bad in ["", "signature", "TLS-SERVER", "tls_server"] {
            assert!(
                parser.parse_ref(&cmd, None, std::ffi::OsStr::new(bad)).is_err(),
                "{bad:?}"
            );
        }
    }
}

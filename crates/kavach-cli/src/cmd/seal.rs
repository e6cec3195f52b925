//! `kavach seal --to CERT --trust ROOTS [--untrusted CERTS]... [--format mosip|jwe]
//! [--aad TEXT] [--in FILE] [--out FILE]` (CLI.md, Content encryption).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use kavach_envelope::{Recipient, jwe, mosip};
use kavach_pki::{Purpose, TrustDomain, ValidationOptions, Validator};

use crate::input::{BlankFile, Inputs, display_name, read_certificates};
use crate::output::{Access, write_file};
use crate::report::{Failure, Outcome, Success, code};

/// Arguments of `kavach seal`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  kavach seal --to demo-pki/platform.encryption.pem --trust demo-pki/root-ca.pem \\
      --untrusted demo-pki/platform.encryption.chain.pem --in batch.bin --out batch.env"
)]
pub(crate) struct SealArgs {
    /// The recipient's encryption certificate (PEM or DER; the first certificate of the file,
    /// any others are taken as untrusted intermediates).
    #[arg(long, value_name = "CERT")]
    to: PathBuf,
    /// Trust anchors the recipient certificate must chain to (PEM, may hold several).
    #[arg(long, value_name = "ROOTS")]
    trust: PathBuf,
    /// Untrusted intermediates (PEM, may hold several). Repeatable.
    #[arg(long, value_name = "CERTS")]
    untrusted: Vec<PathBuf>,
    /// Envelope format: `mosip` (base64url of MOSIP's VER_R2 layout) or `jwe` (JWE compact).
    #[arg(long, value_enum, default_value = "mosip")]
    format: FormatArg,
    /// Caller AAD to bind (MOSIP's aad layout; `--format mosip` only).
    #[arg(long, value_name = "TEXT")]
    aad: Option<String>,
    /// Payload file; default standard input.
    #[arg(long = "in", value_name = "FILE", default_value = "-")]
    input: PathBuf,
    /// Where to write the envelope; default standard output.
    #[arg(long, value_name = "FILE", default_value = "-")]
    out: PathBuf,
}

/// The formats of `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// MOSIP keymanager `VER_R2`, base64url without padding.
    Mosip,
    /// JWE compact, `RSA-OAEP-256` or `ECDH-ES+A256KW` with `A256GCM`.
    Jwe,
}

/// Runs `kavach seal`.
pub(crate) fn run(args: &SealArgs, json: bool) -> Outcome {
    if args.aad.is_some() && args.format == FormatArg::Jwe {
        return Err(Failure::usage(
            code::BAD_ARGUMENT,
            "--aad works with --format mosip only: compact JWE has no place for caller AAD",
        ));
    }
    let mut inputs = Inputs::new();
    let mut to = read_certificates(&mut inputs, &args.to, BlankFile::HoldsNone)?;
    if to.is_empty() {
        return Err(Failure::usage(
            code::BAD_ARGUMENT,
            format_args!("{}: no certificate", display_name(&args.to)),
        ));
    }
    let cert = to.remove(0);
    let anchors = read_certificates(&mut inputs, &args.trust, BlankFile::HoldsNone)?;
    let domain = TrustDomain::new("trust", anchors).map_err(|e| Failure::pki_input(display_name(&args.trust), &e))?;
    let mut untrusted = to;
    for path in &args.untrusted {
        untrusted.extend(read_certificates(&mut inputs, path, BlankFile::HoldsNone)?);
    }
    let payload = inputs.read(&args.input)?;

    // 1. The recipient certificate must validate for the encryption purpose, now.
    let path = Validator::new()
        .verify(
            &domain,
            &cert,
            &untrusted,
            &ValidationOptions::new(Purpose::Encryption, SystemTime::now()),
        )
        .map_err(|e| Failure::refused(e.code(), format_args!("{}: {e}", display_name(&args.to))))?;
    let recipient = Recipient::from_verified(&path).map_err(|e| Failure::envelope(display_name(&args.to), &e))?;

    // 2. Seal.
    let (text, format) = match args.format {
        FormatArg::Mosip => {
            let env = mosip::seal(&recipient, &payload, args.aad.as_deref().map(str::as_bytes)).map_err(|e| {
                if matches!(e, kavach_envelope::Error::UnsupportedRecipientKey { .. }) {
                    Failure::refused(
                        e.code(),
                        format_args!("{}: {e}; use --format jwe", display_name(&args.to)),
                    )
                } else {
                    Failure::envelope("seal", &e)
                }
            })?;
            (env.to_text(), if args.aad.is_some() { "mosip-aad" } else { "mosip" })
        }
        FormatArg::Jwe => (
            jwe::seal(&recipient, &payload)
                .map_err(|e| Failure::envelope("seal", &e))?
                .to_string(),
            "jwe",
        ),
    };

    let mut success = Success::new()
        .field("format", format)
        .field("recipient", recipient.thumbprint().to_base64url());
    if args.out == Path::new("-") {
        success = if json {
            success.field("envelope", text)
        } else {
            success.line(text)
        };
    } else {
        let mut text = text;
        text.push('\n');
        // Written only now that sealing succeeded, atomically (no partial envelope).
        write_file(&args.out, text.as_bytes(), Access::Default)?;
        success = success.field("out", display_name(&args.out));
    }
    Ok(success)
}

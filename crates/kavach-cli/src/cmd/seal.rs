//! `kavach seal --to CERT --trust ROOTS [--untrusted CERTS]... [--format mosip|jwe|stream]
//! [--aad TEXT] [--in FILE] [--out FILE]` (CLI.md, Content encryption).
//!
//! `mosip` and `jwe` read the whole payload (at most [`crate::input::MAX_INPUT_LEN`]) and
//! write the envelope as text; `stream` seals from the input to the output as it reads, in
//! constant memory, whatever the payload's size (kavach's chunked format,
//! [`kavach_envelope::stream`]).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use kavach_envelope::{Recipient, jwe, mosip, stream};
use kavach_keys::Zeroizing;
use kavach_pki::{Purpose, TrustDomain, ValidationOptions, Validator};

use crate::input::{BlankFile, Inputs, Source, display_name, read_certificates};
use crate::output::{Access, write_file, write_stream};
use crate::progress;
use crate::report::{Failure, Outcome, Success, code};

/// Arguments of `kavach seal`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example (a file of any size, in constant memory):\n  kavach seal --to demo-pki/platform.encryption.pem --trust demo-pki/root-ca.pem \\
      --untrusted demo-pki/platform.encryption.chain.pem --format stream --in batch.bin --out batch.kvs"
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
    /// Envelope format: `mosip` (base64url of MOSIP's VER_R2 layout), `jwe` (JWE compact) —
    /// both text, for payloads of at most 64 MiB — or `stream` (binary, any size, sealed in
    /// constant memory as it is read; with a progress bar on a terminal for inputs over
    /// 8 MiB). `--json` with `stream` needs `--out FILE`.
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
    /// kavach's chunked stream: AES-256-GCM chunks of 64 KiB, RSA-OAEP or ECDH-ES+A256KW.
    Stream,
}

/// The payload in the form its `--format` seals: read whole for a text envelope, opened for
/// a stream.
enum Payload {
    Mosip(Zeroizing<Vec<u8>>),
    Jwe(Zeroizing<Vec<u8>>),
    Stream(Source),
}

/// Runs `kavach seal`.
pub(crate) fn run(args: &SealArgs, json: bool) -> Outcome {
    if args.aad.is_some() && args.format != FormatArg::Mosip {
        return Err(Failure::usage(
            code::BAD_ARGUMENT,
            match args.format {
                FormatArg::Stream => "--aad works with --format mosip only: the stream has no place for caller AAD",
                _ => "--aad works with --format mosip only: compact JWE has no place for caller AAD",
            },
        ));
    }
    if json && args.format == FormatArg::Stream && args.out == Path::new("-") {
        return Err(Failure::usage(
            code::BAD_ARGUMENT,
            "--json with --format stream needs --out FILE: the binary stream and the JSON object cannot share standard output",
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
    // The payload is read (a stream's input only opened) before the certificate is validated.
    let payload = match args.format {
        FormatArg::Stream => Payload::Stream(inputs.open(&args.input)?),
        FormatArg::Mosip => Payload::Mosip(inputs.read(&args.input)?),
        FormatArg::Jwe => Payload::Jwe(inputs.read(&args.input)?),
    };

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
    let (text, format) = match payload {
        Payload::Stream(source) => return seal_stream(args, source, &recipient, json),
        Payload::Mosip(payload) => {
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
        Payload::Jwe(payload) => (
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

/// `--format stream`: from the input to the output as it is read, in constant memory.
fn seal_stream(args: &SealArgs, mut source: Source, recipient: &Recipient, json: bool) -> Outcome {
    let len = source.len();
    let bytes = write_stream(&args.out, Access::Default, |sink| {
        let sealed = {
            let input = progress::reader(&mut source, len, json, "sealing");
            stream::seal_stream(recipient, input, sink)
        };
        // An input that could not be read is named as such, not as a sealing failure.
        sealed.map_err(|e| source.failure().unwrap_or_else(|| Failure::envelope("seal", &e)))
    })?;
    let mut success = Success::new()
        .field("format", "stream")
        .field("recipient", recipient.thumbprint().to_base64url())
        .field("bytes", bytes);
    if args.out != Path::new("-") {
        success = success.field("out", display_name(&args.out));
    }
    Ok(success)
}

//! `kavach open --key KEY --cert CERT [--key KEY --cert CERT]... [--aad TEXT] [--in FILE]
//! [--out FILE]` (CLI.md, Content encryption).
//!
//! The format is detected: a kavach stream (it starts with `KVCHSTRM`) is opened as it is
//! read, in constant memory, whatever its size; anything else is read whole (at most
//! [`MAX_INPUT_LEN`]) as a MOSIP or JWE text envelope.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64ct::{Base64UrlUnpadded, Encoding};
use clap::Args;
use kavach_envelope::stream::{self, StreamHeader};
use kavach_envelope::{Envelope, Limits, OpenedKind};
use kavach_keys::{MemoryKeyStore, Signer};

use crate::input::{BlankFile, Inputs, MAX_INPUT_LEN, Source, display_name, read_certificates, read_key};
use crate::output::{Access, write_file, write_stdout, write_stream};
use crate::progress;
use crate::report::{Failure, Outcome, Success, code};

/// Arguments of `kavach open`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example (what `kavach seal --help` sealed):\n  kavach open --key demo-pki/platform.encryption.key.pem --cert demo-pki/platform.encryption.pem \\
      --in batch.kvs --out batch.bin",
    after_long_help = "A stream (`kavach seal --format stream`) is opened as it is read, in constant memory. With \
--out FILE the plaintext goes to a temporary file that becomes FILE only once the whole stream \
has authenticated: a truncated or tampered stream leaves no FILE (exit 1). On standard output \
the plaintext is written chunk by chunk as each chunk authenticates: when the stream turns out \
truncated or tampered, standard output has received the payload of the authenticated chunks \
before the damage, nothing of the failing chunk, and the exit status is 1 — act on standard \
output only after exit status 0, or use --out.\n\n\
Example (what `kavach seal --help` sealed):\n  kavach open --key demo-pki/platform.encryption.key.pem --cert demo-pki/platform.encryption.pem \\
      --in batch.kvs --out batch.bin"
)]
pub(crate) struct OpenArgs {
    /// A private key (PKCS#8, PKCS#1 or SEC1; PEM or DER). Repeatable, one per `--cert`.
    #[arg(long, value_name = "KEY", required = true)]
    key: Vec<PathBuf>,
    /// The certificate of the `--key` at the same position. Repeatable.
    #[arg(long, value_name = "CERT", required = true)]
    cert: Vec<PathBuf>,
    /// The caller AAD the envelope was sealed with (MOSIP aad layout).
    #[arg(long, value_name = "TEXT")]
    aad: Option<String>,
    /// The envelope (MOSIP base64, JWE compact or a kavach stream, detected); default standard
    /// input.
    #[arg(long = "in", value_name = "FILE", default_value = "-")]
    input: PathBuf,
    /// Where to write the payload (mode 0600, replaced atomically, only once it all
    /// authenticated); default standard output (see below for a stream). `--json` with a
    /// stream needs `--out FILE`.
    #[arg(long, value_name = "FILE", default_value = "-")]
    out: PathBuf,
}

/// Runs `kavach open`.
pub(crate) fn run(args: &OpenArgs, json: bool) -> Outcome {
    if args.key.len() != args.cert.len() {
        return Err(Failure::usage(
            code::BAD_ARGUMENT,
            format_args!(
                "{} --key and {} --cert given: give them in pairs",
                args.key.len(),
                args.cert.len()
            ),
        ));
    }
    let mut inputs = Inputs::new();
    let mut keys = MemoryKeyStore::new();
    for (i, (key_path, cert_path)) in args.key.iter().zip(&args.cert).enumerate() {
        let key = read_key(&mut inputs, key_path)?;
        let cert = read_certificates(&mut inputs, cert_path, BlankFile::HoldsNone)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Failure::usage(
                    code::BAD_ARGUMENT,
                    format_args!("{}: no certificate", display_name(cert_path)),
                )
            })?;
        let cert_key = cert
            .public_key()
            .map_err(|e| Failure::pki_input(display_name(cert_path), &e))?;
        if cert_key != Signer::public_key(&key) {
            return Err(Failure::usage(
                code::KEY_MISMATCH,
                format_args!(
                    "{} does not match the certificate {}",
                    display_name(key_path),
                    display_name(cert_path)
                ),
            ));
        }
        keys.insert(format!("key{i}"), Arc::new(key), Some(cert.der()))
            .map_err(|e| Failure::key(display_name(cert_path), &e))?;
    }

    let mut source = inputs.open(&args.input)?;
    if source.starts_with(stream::MAGIC)? {
        return open_stream(args, source, &keys, json);
    }
    let name = display_name(&args.input);
    let bytes = source.read_all(MAX_INPUT_LEN)?;
    let text = core::str::from_utf8(&bytes).map_err(|_| {
        Failure::usage(
            "KVC-ENV-MALFORMED",
            format_args!("{name}: not UTF-8 text, not an envelope"),
        )
    })?;
    let envelope = Envelope::parse(text, &Limits::DEFAULT).map_err(|e| Failure::envelope(&name, &e))?;
    let aad = args.aad.as_deref().map(str::as_bytes);
    if aad.is_some() && matches!(envelope, Envelope::Jwe(_)) {
        return Err(Failure::usage(
            code::BAD_ARGUMENT,
            "--aad works with MOSIP envelopes only: compact JWE has no place for caller AAD",
        ));
    }
    let opened = envelope.open(&keys, aad).map_err(|e| Failure::envelope(&name, &e))?;

    let (format, layout) = match opened.kind() {
        OpenedKind::Mosip(layout) => ("mosip", layout.name().to_owned()),
        OpenedKind::Jwe(alg) => ("jwe", alg.name().to_owned()),
        other => ("other", other.to_string()),
    };
    let payload = opened.plaintext().as_bytes();
    let mut success = Success::new()
        .field("format", format)
        .field("layout", layout)
        .field("bytes", payload.len());
    if let Some(t) = opened.recipient_thumbprint() {
        success = success.field("recipient", t.to_base64url());
    }
    if args.out == Path::new("-") {
        if json {
            success = success.field("payload", Base64UrlUnpadded::encode_string(payload));
        } else {
            // Checked: `open ... > /dev/full` must not exit 0 with the plaintext lost.
            write_stdout(payload)?;
        }
    } else {
        // The plaintext is a secret: 0600 whatever the umask, never a partial file.
        write_file(&args.out, payload, Access::OwnerOnly)?;
        success = success.field("out", display_name(&args.out));
    }
    Ok(success)
}

/// A kavach stream: opened as it is read, each chunk written out once it authenticated.
fn open_stream(args: &OpenArgs, mut source: Source, keys: &MemoryKeyStore, json: bool) -> Outcome {
    if args.aad.is_some() {
        return Err(Failure::usage(
            code::BAD_ARGUMENT,
            "--aad works with MOSIP envelopes only: the stream has no place for caller AAD",
        ));
    }
    if json && args.out == Path::new("-") {
        return Err(Failure::usage(
            code::BAD_ARGUMENT,
            "--json with a stream needs --out FILE: the payload and the JSON object cannot share standard output",
        ));
    }
    // The header is checked (and its recipient read) before any output is created; the
    // library reads it again.
    let header = source
        .look_ahead(|mut r| StreamHeader::read_from(&mut r))
        .map_err(|e| source.failure().unwrap_or_else(|| Failure::envelope(source.name(), &e)))?;
    let len = source.len();
    let bytes = write_stream(&args.out, Access::OwnerOnly, |sink| {
        let opened = {
            let input = progress::reader(&mut source, len, json, "opening");
            stream::open_stream(keys, input, sink)
        };
        opened.map_err(|e| source.failure().unwrap_or_else(|| Failure::envelope(source.name(), &e)))
    })?;
    let mut success = Success::new()
        .field("format", "stream")
        .field("layout", "v1")
        .field("bytes", bytes)
        .field("recipient", header.recipient_thumbprint().to_base64url());
    if args.out != Path::new("-") {
        success = success.field("out", display_name(&args.out));
    }
    Ok(success)
}

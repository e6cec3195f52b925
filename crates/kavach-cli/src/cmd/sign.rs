//! `kavach sign --key KEY --cert CERT [--chain CERTS] [--alg ALG] [--detached] [--unencoded]
//! [--in FILE] [--out FILE]` (CLI.md, Signatures).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use kavach_jws::{JwsAlgorithm, PayloadMode, SignOptions};

use crate::input::{BlankFile, Inputs, display_name, read_certificates, read_key};
use crate::output::{Access, write_file};
use crate::report::{Failure, Outcome, Success, code};

/// Arguments of `kavach sign`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example (a detached signature of request.json):\n  kavach sign --key demo-pki/partner.signing.key.pem --cert demo-pki/partner.signing.pem \\
      --chain demo-pki/partner.signing.chain.pem --detached --in request.json --out request.jws"
)]
pub(crate) struct SignArgs {
    /// Private key (PKCS#8, PKCS#1 or SEC1; PEM or DER).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The signer's certificate (PEM or DER; the first certificate of the file; any others
    /// follow it in x5c).
    #[arg(long, value_name = "CERT")]
    cert: PathBuf,
    /// Certificates to put after the signer's in x5c (PEM, may hold several).
    #[arg(long, value_name = "CERTS")]
    chain: Option<PathBuf>,
    /// Algorithm; default follows the key (ES256 for P-256, ES384 for P-384, PS256 for RSA,
    /// EdDSA for Ed25519).
    #[arg(long, value_enum)]
    alg: Option<AlgArg>,
    /// Leave the payload out (`header..signature`).
    #[arg(long)]
    detached: bool,
    /// Sign the payload unencoded (RFC 7797 `b64:false`).
    #[arg(long)]
    unencoded: bool,
    /// Payload file; default standard input.
    #[arg(long = "in", value_name = "FILE", default_value = "-")]
    input: PathBuf,
    /// Where to write the JWS; default standard output.
    #[arg(long, value_name = "FILE", default_value = "-")]
    out: PathBuf,
}

/// The JWS algorithms of `--alg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum AlgArg {
    /// RSASSA-PKCS1-v1_5 SHA-256.
    #[value(name = "RS256")]
    Rs256,
    /// RSASSA-PSS SHA-256, salt 32.
    #[value(name = "PS256")]
    Ps256,
    /// ECDSA P-256 SHA-256.
    #[value(name = "ES256")]
    Es256,
    /// ECDSA P-384 SHA-384.
    #[value(name = "ES384")]
    Es384,
    /// Ed25519.
    #[value(name = "EdDSA")]
    EdDsa,
}

impl From<AlgArg> for JwsAlgorithm {
    fn from(a: AlgArg) -> Self {
        match a {
            AlgArg::Rs256 => JwsAlgorithm::RS256,
            AlgArg::Ps256 => JwsAlgorithm::PS256,
            AlgArg::Es256 => JwsAlgorithm::ES256,
            AlgArg::Es384 => JwsAlgorithm::ES384,
            AlgArg::EdDsa => JwsAlgorithm::EdDSA,
        }
    }
}

/// Runs `kavach sign`.
pub(crate) fn run(args: &SignArgs, json: bool) -> Outcome {
    let mut inputs = Inputs::new();
    let mut key = read_key(&mut inputs, &args.key)?;
    if let Some(alg) = args.alg {
        let alg = JwsAlgorithm::from(alg);
        key = key
            .with_signature_algorithm(alg.signature_algorithm())
            .map_err(|e| Failure::key(format_args!("--alg {alg}"), &e))?;
    }
    let mut chain = read_certificates(&mut inputs, &args.cert, BlankFile::HoldsNone)?;
    if chain.is_empty() {
        return Err(Failure::usage(
            code::BAD_ARGUMENT,
            format_args!("{}: no certificate", display_name(&args.cert)),
        ));
    }
    if let Some(extra) = &args.chain {
        chain.extend(read_certificates(&mut inputs, extra, BlankFile::HoldsNone)?);
    }
    let payload = inputs.read(&args.input)?;

    let mut options = SignOptions::new().with_certificate_chain(chain);
    if args.detached {
        options = options.with_payload_mode(PayloadMode::Detached);
    }
    if args.unencoded {
        options = options.with_unencoded_payload();
    }
    let jws = kavach_jws::sign(&key, &payload, &options).map_err(|e| match &e {
        // RFC 7797 §5.2: exit 2, the payload cannot be attached unencoded.
        kavach_jws::Error::UnencodedPayloadContainsDot => Failure::usage(
            e.code(),
            format_args!("{}: {e}; use --detached", display_name(&args.input)),
        ),
        kavach_jws::Error::AlgorithmKeyMismatch { .. } | kavach_jws::Error::UnsupportedSignatureScheme(_) => {
            Failure::usage(e.code(), format_args!("{}: {e}", display_name(&args.key)))
        }
        _ => Failure::jws("sign", &e),
    })?;
    let alg = jws.header().alg_name().to_owned();

    let mut success = Success::new().field("alg", alg).field("detached", jws.is_detached());
    if args.out == Path::new("-") {
        if json {
            success = success.field("jws", jws.as_str());
        } else {
            success = success.line(jws.as_str());
        }
    } else {
        // Written only now that signing succeeded (a refused sign leaves --out untouched), and
        // atomically (a failed write leaves no partial JWS).
        let mut text = jws.to_string();
        text.push('\n');
        write_file(&args.out, text.as_bytes(), Access::Default)?;
        success = success.field("out", display_name(&args.out));
    }
    Ok(success)
}

//! `kavach verify --trust ROOTS [--untrusted CERTS]... [--crl CRLS]... [--payload FILE]
//! [--policy POLICY] [--window SECONDS] [--at RFC3339] [--json] JWS_FILE` (CLI.md, Signatures).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::{Args, ValueEnum};
use kavach_jws::{CompactJws, JwsVerifier, KidRule, PayloadEncoding, Policy};
use kavach_pki::{Purpose, TrustDomain, Validator};

use crate::input::{BlankFile, Inputs, display_name, parse_time, read_certificates, read_crls};
use crate::output::write_stdout;
use crate::report::{Failure, Outcome, Success, code};

/// Arguments of `kavach verify`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example (the detached signature that `kavach sign --help` makes):\n  kavach verify --trust demo-pki/root-ca.pem --payload request.json request.jws"
)]
pub(crate) struct VerifyArgs {
    /// Trust anchors (PEM, may hold several certificates).
    #[arg(long, value_name = "ROOTS")]
    trust: PathBuf,
    /// Untrusted intermediates besides those in x5c (PEM, may hold several). Repeatable.
    #[arg(long, value_name = "CERTS")]
    untrusted: Vec<PathBuf>,
    /// CRLs (PEM, DER or PKCS#7). Repeatable. Once any is given, the signer certificate must be
    /// covered by a current CRL of its issuer, and a certificate listed on any is revoked
    /// (judged at verification time, as `cert verify` does).
    #[arg(long, value_name = "CRLS")]
    crl: Vec<PathBuf>,
    /// The payload of a detached JWS (`header..signature`).
    #[arg(long, value_name = "FILE")]
    payload: Option<PathBuf>,
    /// Freshness policy: `strict` requires ts and jti, `compat-mosip` accepts MOSIP's jwtSign
    /// (and reads jwsSign's attached `b64:false` form with a base64url payload).
    #[arg(long, value_enum, default_value = "strict")]
    policy: PolicyArg,
    /// The ts window, in seconds either side of now.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    window: u64,
    /// "Now" for the chain and the ts window, RFC 3339; default the current time.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// The JWS (compact serialization; surrounding whitespace ignored). `-` for standard input.
    jws: PathBuf,
}

/// The policies of `--policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum PolicyArg {
    /// ts and jti required, ts inside the window, jti not replayed.
    Strict,
    /// MOSIP jwtSign output accepted without ts and jti; jwsSign's attached b64:false form read.
    CompatMosip,
}

/// Runs `kavach verify`. In text mode it writes `signer: <subject>` to standard error (and a
/// `payload:` line when the payload was read in MOSIP jwsSign's form) and an attached payload,
/// byte for byte, to standard output; with `--json` one object, whose `payload_encoding` says how
/// the payload was carried (`base64url`, `unencoded`, `mosip-base64-under-b64-false`).
pub(crate) fn run(args: &VerifyArgs, json: bool) -> Outcome {
    let now = match &args.at {
        Some(at) => parse_time(at)?,
        None => SystemTime::now(),
    };
    let mut inputs = Inputs::new();
    let anchors = read_certificates(&mut inputs, &args.trust, BlankFile::HoldsNone)?;
    let domain = TrustDomain::new("trust", anchors).map_err(|e| Failure::pki_input(display_name(&args.trust), &e))?;
    let mut untrusted = Vec::new();
    for path in &args.untrusted {
        untrusted.extend(read_certificates(&mut inputs, path, BlankFile::HoldsNone)?);
    }
    let domain = domain.with_intermediates(untrusted);
    let crls = read_crls(&mut inputs, &args.crl)?;
    // MOSIP's jwtSign writes `kid` as its own key identifier, not a certificate thumbprint:
    // under compat-mosip the kid is a label only (the signature and chain are still checked
    // against x5c[0]); under strict it must name x5c[0].
    let (policy, kid_rule) = match args.policy {
        PolicyArg::Strict => (Policy::Strict, KidRule::Sha256Thumbprint),
        PolicyArg::CompatMosip => (Policy::CompatMosip, KidRule::Unchecked),
    };
    let verifier = JwsVerifier::new(Arc::new(Validator::new()), domain)
        .with_purpose(Purpose::Signing)
        .with_policy(policy)
        .with_kid_rule(kid_rule)
        .with_crls(crls)
        .with_window(Duration::from_secs(args.window))
        .map_err(|e| Failure::usage(code::BAD_ARGUMENT, format_args!("--window: {e}")))?;

    let name = display_name(&args.jws);
    let bytes = inputs.read(&args.jws)?;
    let text = core::str::from_utf8(&bytes)
        .map_err(|_| Failure::usage("KVC-JWS-MALFORMED", format_args!("{name}: not UTF-8 text, not a JWS")))?
        .trim();
    let jws = CompactJws::parse(text).map_err(|e| Failure::jws(&name, &e))?;

    let (summary, payload) = match &args.payload {
        Some(path) => {
            let body = inputs.read(path)?;
            let v = verifier
                .verify_detached_at(&jws, &body, now)
                .map_err(|e| Failure::jws(&name, &e))?;
            (Summary::of(&v), None)
        }
        None => {
            let v = verifier.verify_attached_at(&jws, now).map_err(|e| {
                if jws.is_detached() {
                    // An empty payload segment: most likely a detached JWS given without its payload.
                    Failure::jws(format_args!("{name} (detached: give its payload with --payload)"), &e)
                } else {
                    Failure::jws(&name, &e)
                }
            })?;
            (Summary::of(&v), Some(v.into_payload()))
        }
    };

    let subject = summary.subject;
    let mut success = Success::new()
        .field("signer", subject.clone())
        .field("alg", summary.alg)
        .field("policy", summary.policy)
        .field("timestamp_checked", summary.timestamp_checked)
        .field("payload_encoding", summary.payload_encoding.name());
    if let Some(p) = &payload {
        success = success.field("payload", kavach_jose::base64::encode_url(p));
    }
    if !json {
        // Standard error is best effort (see `output::finish`); the payload on standard output
        // is checked: a verified payload that could not be written is exit 2, not 0.
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "signer: {subject}");
        if summary.payload_encoding == PayloadEncoding::MosipBase64UnderB64False {
            let _ = writeln!(
                err,
                "payload: read in MOSIP jwsSign's form (base64url under b64:false, not RFC 7797)"
            );
        }
        drop(err);
        if let Some(p) = &payload {
            write_stdout(p)?;
        }
    }
    Ok(success)
}

/// What the command prints about a verification.
struct Summary {
    subject: String,
    alg: &'static str,
    policy: &'static str,
    timestamp_checked: bool,
    payload_encoding: PayloadEncoding,
}

impl Summary {
    fn of<T>(v: &kavach_jws::Verified<T>) -> Self {
        Self {
            subject: v.signer().subject().to_string(),
            alg: v.algorithm().name(),
            policy: v.policy().name(),
            timestamp_checked: v.timestamp_checked(),
            payload_encoding: v.payload_encoding(),
        }
    }
}

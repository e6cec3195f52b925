//! Reading what the command line names: files (`-` is standard input) with a size bound, the
//! certificates, CRLs and private keys in them, and argument values such as `--at`. Every
//! command reads through these; none reads a file its own way.

use std::path::Path;
use std::time::SystemTime;

use kavach_keys::Zeroizing;
use kavach_pki::{Certificate, Crl};

use crate::report::{Failure, code};

/// Largest input read from one file or from standard input: 64 MiB (a private key:
/// [`kavach_keys::MAX_KEY_FILE_LEN`]). The largest objects
/// kavach parses are a CRL (16 MiB, `kavach_pki::MAX_CRL_LEN`) and a certificate bundle
/// (8 MiB, `kavach_pki::MAX_BUNDLE_LEN`); envelopes and payloads of the partner exchange are
/// far smaller. Anything larger is refused before it is parsed.
pub(crate) const MAX_INPUT_LEN: usize = 64 * 1024 * 1024;

/// Reads the inputs of one command; remembers whether standard input was already used.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    stdin_used: bool,
}

impl Inputs {
    /// Inputs with standard input still unread.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Reads `path` (`-`: standard input, once per command), at most [`MAX_INPUT_LEN`] bytes.
    ///
    /// Inputs may be secrets (a payload to seal or sign, a private key): they are read into a
    /// [`Zeroizing`] buffer that is never reallocated with the bytes in it (a file's buffer is
    /// sized from its length; standard input's grows by copying and zeroizing the old one),
    /// see [`kavach_keys::file::read_bounded`].
    pub(crate) fn read(&mut self, path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
        self.read_at_most(path, MAX_INPUT_LEN)
    }

    /// [`Inputs::read`] with a lower bound `max_len`.
    pub(crate) fn read_at_most(&mut self, path: &Path, max_len: usize) -> Result<Zeroizing<Vec<u8>>, Failure> {
        let name = display_name(path);
        let result = if path == Path::new("-") {
            if self.stdin_used {
                return Err(Failure::usage(
                    code::STDIN_TWICE,
                    "standard input (-) can be named only once per command",
                ));
            }
            self.stdin_used = true;
            kavach_keys::file::read_bounded(std::io::stdin().lock(), None, max_len)
        } else {
            kavach_keys::file::read_file_bounded(path, max_len)
        };
        result.map_err(|e| {
            if e.kind() == std::io::ErrorKind::FileTooLarge {
                Failure::usage(code::TOO_LARGE, format_args!("{name}: larger than {max_len} bytes"))
            } else {
                Failure::usage(code::IO, format_args!("{name}: cannot read: {e}"))
            }
        })
    }
}

/// How a path is named in messages: `standard input` for `-`.
pub(crate) fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    }
}

/// True when `bytes` holds only whitespace (an empty chain file names no certificate).
fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Exit-2 code for a private key file that does not parse or does not fit its use.
pub(crate) const KEY: &str = "KVC-CLI-KEY";

/// Reads a private key (PKCS#8, PKCS#1 or SEC1; PEM or DER) from `path`.
pub(crate) fn read_key(inputs: &mut Inputs, path: &Path) -> Result<kavach_keys::PrivateKey, Failure> {
    let bytes = inputs.read_at_most(path, kavach_keys::MAX_KEY_FILE_LEN)?;
    kavach_keys::PrivateKey::from_pem_or_der(&bytes)
        .map_err(|e| Failure::usage(KEY, format_args!("{}: {e}", display_name(path))))
}

/// What a blank file (only whitespace) means where certificates are expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlankFile {
    /// No certificates (an empty chain or intermediates file).
    HoldsNone,
    /// Malformed, like any other file that holds no certificate (exit 2).
    Malformed,
}

/// Reads the certificates of `path` (PEM, DER or PKCS#7); `blank` says what a file of only
/// whitespace means.
pub(crate) fn read_certificates(
    inputs: &mut Inputs,
    path: &Path,
    blank: BlankFile,
) -> Result<Vec<Certificate>, Failure> {
    let bytes = inputs.read(path)?;
    if blank == BlankFile::HoldsNone && is_blank(&bytes) {
        return Ok(Vec::new());
    }
    Certificate::parse_bundle(&bytes).map_err(|e| Failure::pki_input(display_name(path), &e))
}

/// Reads the CRLs of every file of `paths` (PEM, DER or PKCS#7), in order.
pub(crate) fn read_crls(inputs: &mut Inputs, paths: &[std::path::PathBuf]) -> Result<Vec<Crl>, Failure> {
    let mut crls = Vec::new();
    for path in paths {
        let bytes = inputs.read(path)?;
        crls.extend(Crl::parse_bundle(&bytes).map_err(|e| Failure::pki_input(display_name(path), &e))?);
    }
    Ok(crls)
}

/// Parses an RFC 3339 time (`--at`; fractional seconds and offsets allowed).
pub(crate) fn parse_time(text: &str) -> Result<SystemTime, Failure> {
    text.trim()
        .parse::<jiff::Timestamp>()
        .map(SystemTime::from)
        .map_err(|e| {
            Failure::usage(
                code::BAD_ARGUMENT,
                format_args!("--at {text:?}: not an RFC 3339 time: {e}"),
            )
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn rfc3339_times_with_fractions_and_offsets_parse() {
        let z = parse_time("2026-11-23T19:00:00Z").unwrap();
        assert_eq!(parse_time("2026-11-24T00:30:00+05:30").unwrap(), z);
        let frac = parse_time("2026-11-23T19:00:00.250Z").unwrap();
        assert_eq!(frac.duration_since(z).unwrap().as_millis(), 250);
        for bad in ["", "tomorrow", "2026-13-01T00:00:00Z", "2026-11-23"] {
            let err = parse_time(bad).unwrap_err();
            assert_eq!(err.code(), code::BAD_ARGUMENT, "{bad:?}");
        }
    }
}

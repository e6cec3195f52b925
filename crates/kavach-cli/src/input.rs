//! Reading what the command line names: files (`-` is standard input) with a size bound, the
//! certificates, CRLs and private keys in them, and argument values such as `--at`. Every
//! command reads through these; none reads a file its own way.

use std::io::Read;
use std::path::Path;
use std::time::SystemTime;

use kavach_keys::Zeroizing;
use kavach_pki::{Certificate, Crl};

use crate::report::{Failure, code};

/// Largest input read from one file or from standard input: 64 MiB (a private key:
/// [`kavach_keys::MAX_KEY_FILE_LEN`]). The largest objects
/// kavach parses are a CRL (16 MiB, `kavach_pki::MAX_CRL_LEN`) and a certificate bundle
/// (16 MiB, `kavach_pki::MAX_BUNDLE_LEN`); envelopes and payloads of the partner exchange are
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
        self.open(path)?.read_all(max_len)
    }

    /// Opens `path` (`-`: standard input, once per command) to be read as it is consumed, in
    /// constant memory, whatever its size: the payload of `seal --format stream`, the envelope
    /// of `open`.
    pub(crate) fn open(&mut self, path: &Path) -> Result<Source, Failure> {
        let name = display_name(path);
        let (reader, len): (Box<dyn Read>, _) = if path == Path::new("-") {
            if self.stdin_used {
                return Err(Failure::usage(
                    code::STDIN_TWICE,
                    "standard input (-) can be named only once per command",
                ));
            }
            self.stdin_used = true;
            // The length of a file redirected to standard input (`< FILE`), for the progress
            // bar and the buffer size; a pipe or terminal has none.
            let len = std::fs::metadata("/dev/stdin")
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len());
            (Box::new(std::io::stdin().lock()), len)
        } else {
            let file = std::fs::File::open(path).map_err(|e| read_failure(&name, &e))?;
            let meta = file.metadata().map_err(|e| read_failure(&name, &e))?;
            (Box::new(file), meta.is_file().then_some(meta.len()))
        };
        Ok(Source {
            name,
            reader,
            len,
            pending: Vec::new(),
            error: None,
        })
    }
}

/// An input opened by [`Inputs::open`]: read as it is consumed. It remembers the first read
/// error, so that a failure inside a library call that read from it can be named as this
/// input's ([`Source::failure`]).
pub(crate) struct Source {
    name: String,
    reader: Box<dyn Read>,
    len: Option<u64>,
    /// Bytes read ahead ([`Source::starts_with`], [`Source::look_ahead`]), returned first.
    pending: Vec<u8>,
    error: Option<String>,
}

impl core::fmt::Debug for Source {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Source")
            .field("name", &self.name)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Source {
    /// How the input is named in messages.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The length of a regular file (also redirected to standard input), if known.
    pub(crate) fn len(&self) -> Option<u64> {
        self.len
    }

    /// Reads the rest of the input, at most `max_len` bytes, without leaving copies (see
    /// [`Inputs::read`]).
    pub(crate) fn read_all(mut self, max_len: usize) -> Result<Zeroizing<Vec<u8>>, Failure> {
        if self.len.is_some_and(|len| len > max_len as u64) {
            return Err(too_large(&self.name, max_len));
        }
        let hint = self.len;
        let name = self.name.clone();
        kavach_keys::file::read_bounded(&mut self, hint, max_len).map_err(|e| {
            if e.kind() == std::io::ErrorKind::FileTooLarge {
                too_large(&name, max_len)
            } else {
                read_failure(&name, &e)
            }
        })
    }

    /// True when the input starts with `prefix`; nothing is consumed.
    pub(crate) fn starts_with(&mut self, prefix: &[u8]) -> Result<bool, Failure> {
        while self.pending.len() < prefix.len() {
            let mut byte = [0u8; 64];
            let want = (prefix.len() - self.pending.len()).min(byte.len());
            match self.reader.read(&mut byte[..want]) {
                Ok(0) => break,
                Ok(n) => self.pending.extend_from_slice(&byte[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(read_failure(&self.name, &e)),
            }
        }
        Ok(self.pending.starts_with(prefix))
    }

    /// Runs `parse` on the input and puts back what it read: the next read starts where this
    /// call started (for reading a header ahead of the library that reads it again).
    pub(crate) fn look_ahead<T>(&mut self, parse: impl FnOnce(&mut dyn Read) -> T) -> T {
        let mut recorder = Recorder {
            source: self,
            seen: Vec::new(),
        };
        let parsed = parse(&mut recorder);
        let mut seen = recorder.seen;
        seen.extend_from_slice(&self.pending);
        self.pending = seen;
        parsed
    }

    /// The read error this input met, as a failure naming it (exit 2), if any.
    pub(crate) fn failure(&self) -> Option<Failure> {
        self.error
            .as_ref()
            .map(|e| Failure::usage(code::IO, format_args!("{}: cannot read: {e}", self.name)))
    }
}

impl Read for Source {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if !self.pending.is_empty() {
            let n = out.len().min(self.pending.len());
            out[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            return Ok(n);
        }
        self.reader.read(out).inspect_err(|e| {
            if e.kind() != std::io::ErrorKind::Interrupted && self.error.is_none() {
                self.error = Some(e.to_string());
            }
        })
    }
}

/// Reads through to a [`Source`], keeping a copy of what was read.
struct Recorder<'a> {
    source: &'a mut Source,
    seen: Vec<u8>,
}

impl Read for Recorder<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.source.read(out)?;
        self.seen.extend_from_slice(&out[..n]);
        Ok(n)
    }
}

fn too_large(name: &str, max_len: usize) -> Failure {
    Failure::usage(code::TOO_LARGE, format_args!("{name}: larger than {max_len} bytes"))
}

fn read_failure(name: &str, e: &std::io::Error) -> Failure {
    Failure::usage(code::IO, format_args!("{name}: cannot read: {e}"))
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

/// Reads a private key (PKCS#8, PKCS#1 or SEC1; PEM or DER) from `path`. A file that does not
/// hold one is exit 2 with the key error's own code (`KVC-KEY-MALFORMED`, ...).
pub(crate) fn read_key(inputs: &mut Inputs, path: &Path) -> Result<kavach_keys::PrivateKey, Failure> {
    let bytes = inputs.read_at_most(path, kavach_keys::MAX_KEY_FILE_LEN)?;
    kavach_keys::PrivateKey::from_pem_or_der(&bytes).map_err(|e| Failure::key(display_name(path), &e))
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

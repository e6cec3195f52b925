//! Writing what a command produces: files named by `--out` (or by `pki init`), standard output,
//! and the report every command ends with ([`finish`]). Every write is checked; a failure is
//! exit 2 naming what could not be written.
//!
//! Files go through [`kavach_keys::file::write_atomically`], the one atomic writer of the
//! workspace (it also stores private keys): a temporary file in the same directory, fsynced,
//! renamed over the destination, so a failed write leaves no partial file; a symbolic link at
//! the destination is refused, never written through; devices such as `/dev/null` are
//! written in place.
//!
//! Output of any size ([`write_stream`]) is written as it is produced, in constant memory:
//! into the same temporary file (then fsynced and renamed, as above, so a failure mid-stream
//! leaves no file), or to standard output as it comes (there a failure mid-stream leaves what
//! was already written: the command's help says what a reader of its standard output sees).

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

pub(crate) use kavach_keys::file::Access;

use crate::input::display_name;
use crate::report::{Failure, Outcome, code};

/// Writes `bytes` to the file `path` (not standard output), atomically, with `access`:
/// [`Access::OwnerOnly`] (0600) for decrypted payloads and keys.
pub(crate) fn write_file(path: &Path, bytes: &[u8], access: Access) -> Result<(), Failure> {
    kavach_keys::file::write_atomically(path, bytes, access)
        .map_err(|e| Failure::usage(code::IO, format_args!("{}: cannot write: {e}", display_name(path))))
}

/// Writes `bytes` to standard output and flushes it; a failure (a full disk, a closed pipe) is
/// exit 2: a pipeline must not carry on with truncated output.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::usage(code::IO, format_args!("standard output: cannot write: {e}")))
}

/// Prints `outcome` (as one JSON object when `json`) and returns the exit status (CLI.md; see
/// [`crate::report`]).
///
/// Standard output is checked ([`write_stdout`]): when the success report cannot be written
/// (`> /dev/full`, a closed pipe) the status is 2 and the failure is named on standard error,
/// never 0. When a failure's JSON object cannot be written, the failure and the output error
/// both go to standard error and the failure's own status stands. Standard error itself is best
/// effort: there is nowhere left to report its failure.
pub(crate) fn finish(json: bool, outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(success) => match write_stdout(success.render(json).as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                to_stderr(&failure);
                failure.exit_status()
            }
        },
        Err(failure) => {
            if json {
                if let Err(output) = write_stdout(format!("{}\n", failure.to_json()).as_bytes()) {
                    to_stderr(&failure);
                    to_stderr(&output);
                }
            } else {
                to_stderr(&failure);
            }
            failure.exit_status()
        }
    }
}

/// `kavach: CODE: sentence` on standard error (best effort).
fn to_stderr(failure: &Failure) {
    let _ = writeln!(io::stderr().lock(), "{}", failure.stderr_line());
}

/// A destination [`write_stream`] hands to its producer: it remembers the first write error,
/// so that a failure inside a library call that wrote to it is reported as this output's.
pub(crate) struct Sink<'a> {
    inner: &'a mut dyn Write,
    error: Option<String>,
}

impl Write for Sink<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(data);
        self.record(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        let flushed = self.inner.flush();
        self.record(flushed)
    }
}

impl Sink<'_> {
    fn record<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result
            && e.kind() != io::ErrorKind::Interrupted
            && self.error.is_none()
        {
            self.error = Some(e.to_string());
        }
        result
    }

    /// The producer's failure, or this output's own write error when it met one (a failure
    /// to write is what stopped the producer then, whatever it reported).
    fn outcome<T>(&self, name: &str, produced: Result<T, Failure>) -> Result<T, Failure> {
        match (&self.error, produced) {
            (Some(e), _) => Err(Failure::usage(code::IO, format_args!("{name}: cannot write: {e}"))),
            (None, produced) => produced,
        }
    }
}

/// The failure of a streamed write into a file: the producer's, or the atomic write's own.
enum FileStream {
    Produce(Failure),
    Io(io::Error),
}

impl From<io::Error> for FileStream {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// Writes what `produce` writes into its [`Sink`] to `path` (`-`: standard output), as it is
/// produced. A file is written atomically with `access` (see the module docs): when
/// `produce` fails, the temporary file is removed and `path` stays as it was. Standard output
/// receives the bytes as they come and is flushed at the end; every write is checked.
pub(crate) fn write_stream<T>(
    path: &Path,
    access: Access,
    produce: impl FnOnce(&mut Sink<'_>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let name = display_name(path);
    if path == Path::new("-") {
        let mut out = io::stdout().lock();
        let mut sink = Sink {
            inner: &mut out,
            error: None,
        };
        let produced = produce(&mut sink);
        if produced.is_ok() {
            // A flush error is recorded by the sink and reported by `outcome`.
            let _ = sink.flush();
        }
        return sink.outcome(&name, produced);
    }
    kavach_keys::file::write_atomically_with(path, access, |file| {
        let mut sink = Sink {
            inner: file,
            error: None,
        };
        let produced = produce(&mut sink);
        sink.outcome(&name, produced).map_err(FileStream::Produce)
    })
    .map_err(|e| match e {
        FileStream::Produce(failure) => failure,
        FileStream::Io(e) => Failure::usage(code::IO, format_args!("{name}: cannot write: {e}")),
    })
}

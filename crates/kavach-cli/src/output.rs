//! Writing what a command produces: files named by `--out` (or by `pki init`) and standard
//! output. Every write is checked; a failure is exit 2 naming what could not be written.
//!
//! Files go through [`kavach_keys::file::write_atomically`], the one atomic writer of the
//! workspace (it also stores private keys): a temporary file in the same directory, fsynced,
//! renamed over the destination, so a failed write leaves no partial file; a symbolic link at
//! the destination is refused, never written through; devices such as `/dev/null` are
//! written in place.

use std::io::Write;
use std::path::Path;

pub(crate) use kavach_keys::file::Access;

use crate::input::display_name;
use crate::report::{Failure, code};

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

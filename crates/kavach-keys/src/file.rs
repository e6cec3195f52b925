//! Reading and writing files that hold keys and other secrets, for every kavach crate and the
//! `kavach` CLI.
//!
//! - Reads ([`read_bounded`], [`read_file_bounded`]) are bounded and **never leave a copy
//!   behind**: the buffer is sized from the file's length (plus one byte, to see the end of
//!   the file) and read into without reallocating; when it must grow (a pipe, a file that
//!   grew), [`grow_zeroized`] copies into a new buffer and zeroizes the old one before it is
//!   freed. `read_to_end` into a `Zeroizing<Vec>` would instead free each outgrown buffer with
//!   the secret still in it: `Zeroizing` clears only the last one.
//! - Writes ([`write_atomically`], and [`write_atomically_with`] for contents written as they
//!   are produced) go to a new temporary file in the destination's directory
//!   (created with `O_CREAT | O_EXCL`, which never follows a symbolic link, with the requested
//!   [`Access`]), are fsynced, and are renamed over the destination: a failure leaves the
//!   destination as it was (absent or old), never a partial file, and a symbolic link at the
//!   destination is refused rather than written through.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use zeroize::Zeroizing;

/// Buffer size [`read_bounded`] starts with when the reader's length is unknown.
const UNKNOWN_LEN_START: usize = 8 * 1024;

/// Replaces `buf` by a zero-filled buffer of `new_len` bytes that starts with `buf`'s bytes.
/// The old buffer is zeroized (its whole capacity) before it is freed; the secret is never
/// left in freed memory, as `Vec`'s own growth (`realloc`) would leave it. Does nothing when
/// `new_len` is not larger than `buf.len()`.
pub fn grow_zeroized(buf: &mut Zeroizing<Vec<u8>>, new_len: usize) {
    if new_len <= buf.len() {
        return;
    }
    let mut bigger = Zeroizing::new(vec![0u8; new_len]);
    bigger[..buf.len()].copy_from_slice(buf);
    // The old buffer drops here, and `Zeroizing` clears it before the allocator gets it back.
    *buf = bigger;
}

/// Reads all of `reader`, at most `max_len` bytes, into a [`Zeroizing`] buffer that is never
/// reallocated with the secret in it (see the module docs).
///
/// `len_hint` is the expected length (a file's metadata length): the buffer is allocated once
/// at `min(len_hint, max_len) + 1` bytes, so a reader of exactly that length is read without
/// any growth. Input longer than `max_len` fails with [`io::ErrorKind::FileTooLarge`] after
/// reading at most `max_len + 1` bytes.
pub fn read_bounded(mut reader: impl Read, len_hint: Option<u64>, max_len: usize) -> io::Result<Zeroizing<Vec<u8>>> {
    let limit = max_len.saturating_add(1);
    let start = match len_hint {
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX).saturating_add(1),
        None => UNKNOWN_LEN_START,
    };
    let mut buf = Zeroizing::new(vec![0u8; start.min(limit)]);
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            if filled >= limit {
                return Err(too_large(max_len));
            }
            let new_len = filled.saturating_mul(2).clamp(1, limit);
            grow_zeroized(&mut buf, new_len);
        }
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n.min(buf.len() - filled),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if filled > max_len {
        return Err(too_large(max_len));
    }
    // `truncate` keeps the allocation (no copy); the spare capacity is zeroized on drop too.
    buf.truncate(filled);
    Ok(buf)
}

/// Reads the file at `path`, at most `max_len` bytes, with [`read_bounded`] (the buffer sized
/// from the file's length). A larger file fails with [`io::ErrorKind::FileTooLarge`].
pub fn read_file_bounded(path: &Path, max_len: usize) -> io::Result<Zeroizing<Vec<u8>>> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > max_len as u64 {
        return Err(too_large(max_len));
    }
    read_bounded(file, Some(len), max_len)
}

fn too_large(max_len: usize) -> io::Error {
    io::Error::new(io::ErrorKind::FileTooLarge, format!("larger than {max_len} bytes"))
}

/// Who may read a file [`write_atomically`] creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Mode 0600 whatever the umask: private keys, decrypted payloads.
    OwnerOnly,
    /// Mode 0666 less the umask, as any new file: certificates, envelopes, signatures.
    Default,
}

/// Writes `contents` to `path` so that a reader sees the old file or the complete new one,
/// never a partial file: a temporary file is created in `path`'s directory (`O_EXCL`, mode
/// from `access`), written, fsynced and renamed over `path`, and the directory is fsynced. On
/// any failure the temporary file is removed and `path` is left as it was.
///
/// - A symbolic link at `path` is refused ([`io::ErrorKind::InvalidInput`]): nothing is ever
///   written through it, and it is not replaced either. (A link that appears after the check
///   is replaced by the rename, not followed.)
/// - An existing `path` that is neither a regular file nor a directory (a character device
///   such as `/dev/null` or `/dev/full`, a FIFO) cannot be replaced: it is opened without
///   creating or truncating and written in place, every error reported.
pub fn write_atomically(path: &Path, contents: &[u8], access: Access) -> io::Result<()> {
    write_atomically_with(path, access, |file| file.write_all(contents))
}

/// [`write_atomically`] for contents too large to hold in memory: `write` writes them into the
/// temporary file (or, for a special file, into it in place) as it produces them. When
/// `write` fails, its error is returned, the temporary file is removed and `path` is left as
/// it was; any I/O error of the atomic write itself (creating the temporary file, fsync,
/// rename) is returned through `E`'s `From<io::Error>`.
pub fn write_atomically_with<T, E: From<io::Error>>(
    path: &Path,
    access: Access,
    write: impl FnOnce(&mut File) -> Result<T, E>,
) -> Result<T, E> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a symbolic link: refusing to write through it or replace it",
            )
            .into());
        }
        Ok(meta) if meta.is_dir() => {
            return Err(io::Error::new(io::ErrorKind::IsADirectory, "is a directory").into());
        }
        Ok(meta) if !meta.is_file() => return write_special(path, &meta, write),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(path.file_name().unwrap_or_default());
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(match access {
            Access::OwnerOnly => 0o600,
            Access::Default => 0o666,
        }));
    }
    #[cfg(not(unix))]
    let _ = access;
    // Dropped on any error below: the temporary file is removed.
    let mut temp = builder.tempfile_in(dir)?;
    let written = write(temp.as_file_mut())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(written)
}

/// Writes into an existing special file (device, FIFO) in place.
fn write_special<T, E: From<io::Error>>(
    path: &Path,
    checked: &std::fs::Metadata,
    write: impl FnOnce(&mut File) -> Result<T, E>,
) -> Result<T, E> {
    let mut file = OpenOptions::new().write(true).open(path)?;
    // The path may have been swapped (for a link to a regular file) since it was checked:
    // write only into what was checked. Opening without truncation changed nothing.
    let opened = file.metadata()?;
    #[cfg(unix)]
    let same = {
        use std::os::unix::fs::MetadataExt;
        opened.dev() == checked.dev() && opened.ino() == checked.ino()
    };
    #[cfg(not(unix))]
    let same = opened.file_type() == checked.file_type();
    if !same || opened.is_file() {
        return Err(io::Error::other("changed while it was being opened").into());
    }
    let written = write(&mut file)?;
    file.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A reader that hands out at most 100 bytes a call, like a pipe.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(out.len()).min(100);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn grow_keeps_the_bytes_and_zero_fills() {
        let mut buf = Zeroizing::new(vec![1u8, 2, 3]);
        grow_zeroized(&mut buf, 6);
        assert_eq!(&buf[..], &[1, 2, 3, 0, 0, 0]);
        grow_zeroized(&mut buf, 2);
        assert_eq!(buf.len(), 6);
    }

    #[test]
    fn a_reader_of_the_hinted_length_is_read_into_one_buffer() {
        let data = vec![7u8; 5000];
        let buf = read_bounded(Trickle(&data), Some(5000), 1 << 20).unwrap();
        assert_eq!(&buf[..], &data[..]);
        assert_eq!(buf.capacity(), 5001, "allocated once: length + 1");
    }

    #[test]
    fn unknown_and_wrong_lengths_still_read_everything() {
        let data: Vec<u8> = (0..50_000u32).map(|i| i as u8).collect();
        for hint in [None, Some(0), Some(10), Some(49_999), Some(50_000), Some(1 << 40)] {
            let buf = read_bounded(Trickle(&data), hint, 50_000).unwrap();
            assert_eq!(&buf[..], &data[..], "{hint:?}");
        }
    }

    #[test]
    fn input_over_the_cap_is_refused() {
        let data = vec![0u8; 1001];
        for hint in [None, Some(1001), Some(0)] {
            let e = read_bounded(Trickle(&data), hint, 1000).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::FileTooLarge, "{hint:?}");
        }
        assert_eq!(read_bounded(Trickle(&data[..1000]), None, 1000).unwrap().len(), 1000);
        assert!(read_bounded(Trickle(&[]), None, 0).unwrap().is_empty());
    }

    #[test]
    fn atomic_write_replaces_and_sets_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        write_atomically(&path, b"one", Access::OwnerOnly).unwrap();
        write_atomically(&path, b"two", Access::OwnerOnly).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out"], "no temporary file left");
    }

    #[cfg(unix)]
    #[test]
    fn streamed_atomic_write_that_fails_midway_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let e = write_atomically_with(&path, Access::OwnerOnly, |f| {
            f.write_all(&[1u8; 100_000])?;
            Err::<(), _>(io::Error::other("input ended early"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "input ended early");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no file, no temporary"
        );
        // An old file stays as it was.
        std::fs::write(&path, b"old").unwrap();
        write_atomically_with(&path, Access::OwnerOnly, |f| {
            f.write_all(b"partial")?;
            Err::<(), _>(io::Error::other("failed"))
        })
        .unwrap_err();
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let n = write_atomically_with(&path, Access::OwnerOnly, |f| {
            for _ in 0..4 {
                f.write_all(&[7u8; 1000])?;
            }
            Ok::<_, io::Error>(4000)
        })
        .unwrap();
        assert_eq!(n, 4000);
        assert_eq!(std::fs::read(&path).unwrap(), vec![7u8; 4000]);
    }

    #[test]
    fn atomic_write_refuses_a_symlink_and_writes_devices_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let e = write_atomically(&link, b"secret", Access::OwnerOnly).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());

        write_atomically(Path::new("/dev/null"), b"x", Access::Default).unwrap();
        if Path::new("/dev/full").exists() {
            assert!(write_atomically(Path::new("/dev/full"), b"x", Access::Default).is_err());
        }
        assert!(write_atomically(dir.path(), b"x", Access::Default).is_err());
    }
}

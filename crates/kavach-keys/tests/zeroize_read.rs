//! Reading a key file leaves no copy of it in this process's memory once the key and the
//! buffer are dropped (issue 8, item 9b).
//!
//! Before the fix, the CLI read `--key` with `read_to_end` on a `Take<File>` (or standard input)
//! into a growing `Vec`: each outgrown buffer was freed with the key file's text in it. The
//! check scans every writable mapping for a line of the PEM text ([`kavach_testkit::memscan`]:
//! no counting allocator, since the workspace forbids the unsafe code a `GlobalAlloc` needs).
//! Each test uses its own freshly generated key, so their markers differ and tests running in
//! parallel cannot see each other's copies.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, Read};

use kavach_keys::file::{read_bounded, read_file_bounded};
use kavach_keys::{KeyKind, MAX_KEY_FILE_LEN, PrivateKey, Zeroizing};
use kavach_testkit::memscan::{self, MASK};

/// A reader that hands out at most 100 bytes a call and gives no length, like a pipe, and
/// allocates a small block after each read, as the rest of a program does between reads: the
/// reader's buffer then cannot grow in place (`realloc` at the top of the heap would extend it
/// without a copy) and every growth moves it, freeing the old block.
struct Pipe<'a> {
    data: &'a [u8],
    fences: Vec<Vec<u8>>,
}

impl<'a> Pipe<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            fences: Vec::with_capacity(data.len() / 100 + 1),
        }
    }
}

impl Read for Pipe<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.data.len().min(out.len()).min(100);
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        if self.fences.len() < self.fences.capacity() {
            self.fences.push(Vec::with_capacity(24));
        }
        Ok(n)
    }
}

/// A new RSA-2048 key's PKCS#8 PEM (about 1.7 KiB, so a growing buffer is reallocated several
/// times) and, masked, its third base64 line: a marker no other test shares.
fn key_pem() -> (Zeroizing<String>, Vec<u8>) {
    let pem = PrivateKey::generate(KeyKind::Rsa { bits: 2048 })
        .unwrap()
        .to_pkcs8_pem()
        .unwrap();
    let line = pem.lines().nth(3).unwrap();
    assert_eq!(line.len(), 64);
    let masked = line.bytes().map(|b| b ^ MASK).collect();
    (pem, masked)
}

fn copies_left(masked: &[u8]) -> usize {
    memscan::find_masked(masked, 1000).unwrap().len()
}

#[test]
fn key_read_from_a_pipe_leaves_no_copy_in_freed_memory() {
    let (pem, marker) = key_pem();
    let bytes = read_bounded(Pipe::new(pem.as_bytes()), None, MAX_KEY_FILE_LEN).unwrap();
    assert!(bytes[..] == *pem.as_bytes());
    drop(bytes);
    drop(pem);
    assert_eq!(copies_left(&marker), 0, "copies of the key file's text left in memory");
}

#[test]
fn key_file_read_leaves_no_copy_in_freed_memory() {
    let (pem, marker) = key_pem();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    std::fs::write(&path, pem.as_bytes()).unwrap();
    drop(pem);
    let key = PrivateKey::load(&path).unwrap();
    drop(key);
    let bytes = read_file_bounded(&path, MAX_KEY_FILE_LEN).unwrap();
    assert!(PrivateKey::from_pem_or_der(&bytes).is_ok());
    drop(bytes);
    assert_eq!(copies_left(&marker), 0, "copies of the key file's text left in memory");
}

/// The control: the pattern the CLI used before the fix (`read_to_end` into a growing
/// `Zeroizing<Vec>`, there on a `Take<File>` or standard input) leaves copies that the scan
/// finds, under the same conditions as the pipe test above. (The parse is left out of both:
/// parsing allocates blocks of the same sizes, which may overwrite the leftovers by chance.)
#[test]
fn read_to_end_from_the_same_pipe_leaves_copies_the_scan_finds() {
    let (pem, marker) = key_pem();
    {
        let mut bytes = Zeroizing::new(Vec::new());
        Pipe::new(pem.as_bytes())
            .take(MAX_KEY_FILE_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .unwrap();
        assert!(bytes[..] == *pem.as_bytes());
    }
    drop(pem);
    let left = copies_left(&marker);
    assert!(left > 0, "read_to_end's outgrown buffers should hold the key text");
}

//! Finding copies of a secret left anywhere in this process's memory (Linux), without unsafe
//! code: every readable and writable mapping listed in `/proc/self/maps` is read through
//! `/proc/self/mem` and searched for a marker.
//!
//! A test puts a marker in a secret (a plaintext, a key file), runs the code under test, drops
//! every value holding the secret (each zeroizes itself), and then asks [`find_masked`] where
//! the marker still is. Freed heap blocks are part of the mappings scanned (the allocator
//! keeps them mapped), so a buffer that was reallocated or freed without being zeroized is
//! found — the property a counting `#[global_allocator]` would check on each `dealloc`, which
//! the workspace cannot write: every crate forbids `unsafe_code`, and a `GlobalAlloc` impl is
//! unsafe. The scan is stricter than that check: it sees live copies and stacks too.
//!
//! The marker is passed **masked** (each byte XOR [`MASK`]) so that the scanner's own needle is
//! not a copy of it; the test must build its secret from the masked form as well (unmask one
//! byte at a time, straight into the buffer the code under test reads).

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::os::unix::fs::FileExt;

/// The byte every marker byte is XORed with before it is handed to [`find_masked`].
pub const MASK: u8 = 0xA5;

/// Bytes read from `/proc/self/mem` at a time.
const CHUNK: usize = 1 << 20;

/// One copy of the marker found in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Its address.
    pub address: u64,
    /// The mapping it lies in, as `/proc/self/maps` names it (`[heap]`, `[stack]`, a file, or
    /// empty for anonymous memory).
    pub mapping: String,
}

/// Every place in this process's writable memory that holds the marker whose masked form is
/// `masked` (at most `limit` hits are returned). Fails when `/proc/self/maps` or
/// `/proc/self/mem` cannot be opened (not Linux, or no procfs).
pub fn find_masked(masked: &[u8], limit: usize) -> io::Result<Vec<Hit>> {
    if masked.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty marker"));
    }
    let regions = writable_regions()?;
    let mem = File::open("/proc/self/mem")?;
    let mut buf = vec![0u8; CHUNK + masked.len()];
    let mut hits = Vec::new();
    'regions: for (start, end, mapping) in &regions {
        let mut at = *start;
        while at < *end {
            let want = usize::try_from((end - at).min((CHUNK + masked.len() - 1) as u64)).unwrap_or(CHUNK);
            let got = match read_full(&mem, &mut buf[..want], at) {
                Ok(n) => n,
                // Guard pages and special mappings ([vvar]) do not read: skip the rest.
                Err(_) => break,
            };
            for i in find_all(&buf[..got], masked) {
                hits.push(Hit {
                    address: at + i as u64,
                    mapping: mapping.clone(),
                });
                if hits.len() >= limit {
                    break 'regions;
                }
            }
            if got < want || at + got as u64 >= *end {
                break;
            }
            // Overlap by the marker's length less one, so a copy across two chunks is found
            // (here `got` is a full chunk, longer than the marker).
            at += (got - (masked.len() - 1)) as u64;
        }
    }
    // The buffer holds copies of memory (of a hit, if any): clear it before it is freed so a
    // later scan in the same process does not find it.
    buf.fill(0);
    std::hint::black_box(&buf);
    Ok(hits)
}

/// The `rw` mappings of this process: (start, end, name).
fn writable_regions() -> io::Result<Vec<(u64, u64, String)>> {
    let maps = BufReader::new(File::open("/proc/self/maps")?);
    let mut out = Vec::new();
    for line in maps.lines() {
        let line = line?;
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let name = fields.nth(3).unwrap_or_default().to_owned();
        if !perms.starts_with("rw") || name.starts_with("[vvar") || name == "[vsyscall]" {
            continue;
        }
        let Some((a, b)) = range.split_once('-') else {
            continue;
        };
        if let (Ok(a), Ok(b)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) {
            out.push((a, b, name));
        }
    }
    Ok(out)
}

/// Reads up to `buf.len()` bytes at `offset`, stopping at the first short or failed read.
fn read_full(mem: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match mem.read_at(&mut buf[n..], offset + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if n == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(n)
}

/// Offsets in `hay` where the unmasked form of `masked` starts.
fn find_all<'a>(hay: &'a [u8], masked: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let first = masked[0] ^ MASK;
    hay.windows(masked.len())
        .enumerate()
        .filter_map(move |(i, w)| (w[0] == first && w.iter().zip(masked).all(|(&h, &m)| h ^ MASK == m)).then_some(i))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn finds_a_live_copy_and_not_the_masked_needle() {
        let masked: Vec<u8> = b"kavach-memscan-self-test-marker!".iter().map(|b| b ^ MASK).collect();
        assert!(find_masked(&masked, 8).unwrap().is_empty(), "no copy yet");
        let plain: Vec<u8> = masked.iter().map(|b| b ^ MASK).collect();
        let hits = find_masked(&masked, 8).unwrap();
        assert!(!hits.is_empty(), "the live copy is found");
        let mut plain = std::hint::black_box(plain);
        plain.fill(0);
        std::hint::black_box(&plain);
    }
}

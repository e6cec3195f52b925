//! Inflating a JWE `zip:"DEF"` payload leaves no copy of the plaintext in this process's memory
//! once the opened value is dropped (issue 8, item 9a).
//!
//! Before the fix, `read_to_end` into a `Zeroizing<Vec>` reallocated its buffer as it grew, and
//! the DEFLATE decoder kept the last 32 KiB of plaintext in its own window: every replaced
//! buffer and the window were freed without being zeroized, so plaintext stayed in freed heap
//! memory. The check is a scan of every writable mapping for a marker
//! ([`kavach_testkit::memscan`]), not a counting allocator: the workspace forbids unsafe code,
//! which a `GlobalAlloc` impl needs, and the scan also sees what an allocator hook would not
//! (live copies, the decoder's state).
//!
//! One test in its own binary: no other test's allocations share the process.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64ct::{Base64UrlUnpadded, Encoding};
use kavach_envelope::hazmat::{self, GcmIv};
use kavach_envelope::{Limits, jwe};
use kavach_keys::{KeyKind, MemoryKeyStore, PrivateKey, Signer, Zeroizing};
use kavach_testkit::memscan::{self, MASK};

/// The marker, masked (each byte XOR [`MASK`]): 32 bytes, all below 144 (8-bit fixed-Huffman
/// literals). Built by a const fn so that its plain form is never a value of this program.
const MASKED_MARKER: [u8; 32] = mask(*b"KAVACH-INFLATE-MARKER-0123456789");

const fn mask(plain: [u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = plain[i] ^ MASK;
        i += 1;
    }
    out
}

/// 1 MiB of plaintext: the marker repeated (the size the review measured with).
const PLAINTEXT_LEN: usize = 1 << 20;

/// LSB-first bit writer for a DEFLATE stream (RFC 1951 §3.1.1).
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.acc |= ((value >> i) & 1) << self.n;
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
    }

    /// A Huffman code, most significant bit first (RFC 1951 §3.1.1).
    fn code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.put((code >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A fixed-Huffman DEFLATE stream of the marker repeated to `len` bytes: the marker as 32
/// literals, then back-references at distance 32. Literal bytes are Huffman codes, so the
/// compressed stream holds no copy of the marker; written by hand (not by a compressor) so no
/// compressor window holds the plaintext either.
fn deflate_marker(len: usize) -> Zeroizing<Vec<u8>> {
    // (base length, code, extra bits) for the length codes used (RFC 1951 §3.2.5).
    const LENGTHS: [(usize, u32, u32); 29] = [
        (3, 257, 0),
        (4, 258, 0),
        (5, 259, 0),
        (6, 260, 0),
        (7, 261, 0),
        (8, 262, 0),
        (9, 263, 0),
        (10, 264, 0),
        (11, 265, 1),
        (13, 266, 1),
        (15, 267, 1),
        (17, 268, 1),
        (19, 269, 2),
        (23, 270, 2),
        (27, 271, 2),
        (31, 272, 2),
        (35, 273, 3),
        (43, 274, 3),
        (51, 275, 3),
        (59, 276, 3),
        (67, 277, 4),
        (83, 278, 4),
        (99, 279, 4),
        (115, 280, 4),
        (131, 281, 5),
        (163, 282, 5),
        (195, 283, 5),
        (227, 284, 5),
        (258, 285, 0),
    ];
    let mut b = Bits {
        out: Vec::with_capacity(len / 258 * 3 + 64),
        acc: 0,
        n: 0,
    };
    b.put(1, 1); // BFINAL
    b.put(1, 2); // BTYPE = 01, fixed Huffman codes
    for m in MASKED_MARKER {
        let literal = u32::from(m ^ MASK);
        assert!(literal < 144);
        b.code(0x30 + literal, 8);
    }
    let mut left = len - MASKED_MARKER.len();
    while left > 0 {
        // A match of 3..=258 bytes; never leave 1 or 2 bytes, which no match can cover.
        let mut n = left.min(258);
        if left - n > 0 && left - n < 3 {
            n -= 3;
        }
        let &(base, code, extra) = LENGTHS.iter().rev().find(|(base, _, _)| *base <= n).unwrap();
        if code < 280 {
            b.code(code - 256, 7);
        } else {
            b.code(0xC0 + code - 280, 8);
        }
        b.put((n - base) as u32, extra);
        // Distance 32: code 9 (25..=32), 3 extra bits.
        b.code(9, 5);
        b.put(32 - 25, 3);
        left -= n;
    }
    b.code(0, 7); // end of block (256)
    Zeroizing::new(b.finish())
}

/// A `zip:"DEF"` JWE (RSA-OAEP-256, A256GCM, no kid) of `compressed` to `key`.
fn zipped_jwe(key: &PrivateKey, compressed: &[u8]) -> String {
    let cek = [7u8; 32];
    let iv = [9u8; 12];
    let ek = Signer::public_key(key).encrypt_rsa_oaep_sha256(None, &cek).unwrap();
    let h = Base64UrlUnpadded::encode_string(br#"{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF"}"#);
    let sealed = hazmat::aes256_gcm_seal(&cek, &GcmIv::Standard(iv), h.as_bytes(), compressed).unwrap();
    let (ct, tag) = sealed.split_at(sealed.len() - 16);
    [
        h,
        Base64UrlUnpadded::encode_string(&ek),
        Base64UrlUnpadded::encode_string(&iv),
        Base64UrlUnpadded::encode_string(ct),
        Base64UrlUnpadded::encode_string(tag),
    ]
    .join(".")
}

/// A position-weighted checksum of the expected plaintext, computed from the masked marker one
/// byte at a time (the plain marker is never held whole).
fn expected_checksum(len: usize) -> u64 {
    (0..len).fold(0u64, |acc, i| {
        acc.wrapping_mul(31)
            .wrapping_add(u64::from(MASKED_MARKER[i % 32] ^ MASK))
    })
}

fn checksum(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0u64, |acc, &b| acc.wrapping_mul(31).wrapping_add(u64::from(b)))
}

#[test]
fn inflated_plaintext_leaves_no_copy_in_freed_memory() {
    let key = Arc::new(PrivateKey::generate(KeyKind::Rsa { bits: 2048 }).unwrap());
    let mut keys = MemoryKeyStore::new();
    keys.insert("k", key.clone(), None).unwrap();
    let text = zipped_jwe(&key, &deflate_marker(PLAINTEXT_LEN));
    assert!(
        memscan::find_masked(&MASKED_MARKER, 1).unwrap().is_empty(),
        "the marker is in memory before anything was inflated: the test leaks it itself"
    );

    let parsed = jwe::JweCompact::parse(&text, &Limits::DEFAULT).unwrap();
    assert!(parsed.is_compressed());
    let opened = jwe::open(&parsed, &keys).unwrap();
    let plaintext = opened.plaintext().as_bytes();
    assert_eq!(plaintext.len(), PLAINTEXT_LEN);
    assert_eq!(checksum(plaintext), expected_checksum(PLAINTEXT_LEN));
    // Sanity: the scan finds the live plaintext (32,768 copies of the marker).
    assert!(!memscan::find_masked(&MASKED_MARKER, 1).unwrap().is_empty());
    drop(opened);

    let left = memscan::find_masked(&MASKED_MARKER, 100_000).unwrap();
    let mut by_mapping = std::collections::BTreeMap::<&str, usize>::new();
    for hit in &left {
        *by_mapping.entry(hit.mapping.as_str()).or_default() += 1;
    }
    assert!(
        left.is_empty(),
        "{} copies of the marker ({} bytes of plaintext) left in memory after the opened JWE was \
         dropped, by mapping: {by_mapping:?}",
        left.len(),
        left.len() * MASKED_MARKER.len()
    );
}

//! Unit tests of streams.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};

use kavach_keys::MemoryKeyStore;

use crate::test_support::{EC_A, Party, RSA_A, store};
use crate::{Error, stream};

fn seal_stream_to(p: &Party, payload: &[u8], chunk: stream::ChunkSize) -> Vec<u8> {
    let mut s = stream::StreamSealer::with_chunk_size(&p.recipient(), Vec::new(), chunk).unwrap();
    // Odd write sizes, to exercise the buffering.
    for part in payload.chunks(1000) {
        s.write_all(part).unwrap();
    }
    s.finish().unwrap()
}

fn open_stream_bytes(keys: &MemoryKeyStore, sealed: &[u8]) -> crate::Result<Vec<u8>> {
    let mut out = Vec::new();
    stream::open_stream(keys, sealed, &mut out)?;
    Ok(out)
}

#[test]
fn stream_round_trips_at_every_boundary() {
    let chunk = stream::ChunkSize::from_log2(12).unwrap();
    let keys = store(&[&RSA_A, &EC_A]);
    for len in [0usize, 1, 4095, 4096, 4097, 8192, 3 * 4096 + 17] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        for p in [&*RSA_A, &*EC_A] {
            let sealed = seal_stream_to(p, &payload, chunk);
            let chunks = len.div_ceil(4096).max(1);
            assert_eq!(
                sealed.len() - (len + 16 * chunks),
                52 + if std::ptr::eq(p, &*RSA_A) { 256 } else { 105 }
            );
            assert_eq!(open_stream_bytes(&keys, &sealed).unwrap(), payload, "len {len}");
        }
    }
}

#[test]
fn stream_refuses_truncation_reordering_extension_and_header_swap() {
    let chunk = stream::ChunkSize::from_log2(12).unwrap();
    let keys = store(&[&RSA_A]);
    let payload = vec![5u8; 3 * 4096 + 100];
    let sealed = seal_stream_to(&RSA_A, &payload, chunk);
    let h = 52 + 256;
    let c = 4096 + 16;
    // Truncated at a chunk boundary (final chunk dropped).
    assert!(matches!(
        open_stream_bytes(&keys, &sealed[..h + 3 * c]),
        Err(Error::OpenFailed)
    ));
    // Truncated inside a chunk and at the header end.
    assert!(open_stream_bytes(&keys, &sealed[..sealed.len() - 1]).is_err());
    assert!(open_stream_bytes(&keys, &sealed[..h]).is_err());
    // Chunks 0 and 1 swapped.
    let mut swapped = sealed[..h].to_vec();
    swapped.extend_from_slice(&sealed[h + c..h + 2 * c]);
    swapped.extend_from_slice(&sealed[h..h + c]);
    swapped.extend_from_slice(&sealed[h + 2 * c..]);
    assert!(matches!(open_stream_bytes(&keys, &swapped), Err(Error::OpenFailed)));
    // A chunk dropped.
    let mut dropped = sealed[..h + c].to_vec();
    dropped.extend_from_slice(&sealed[h + 2 * c..]);
    assert!(matches!(open_stream_bytes(&keys, &dropped), Err(Error::OpenFailed)));
    // Bytes after the final chunk.
    let mut extended = sealed.clone();
    extended.push(0);
    assert!(open_stream_bytes(&keys, &extended).is_err());
    // The chunks of one stream under another stream's header (same key, same chunk size).
    let other = seal_stream_to(&RSA_A, &payload, chunk);
    let mut mixed = other[..h].to_vec();
    mixed.extend_from_slice(&sealed[h..]);
    assert!(matches!(open_stream_bytes(&keys, &mixed), Err(Error::OpenFailed)));
    // Header fields.
    let mut bad = sealed.clone();
    bad[0] = b'X';
    assert!(matches!(
        open_stream_bytes(&keys, &bad),
        Err(Error::Malformed { field: "magic", .. })
    ));
    let mut bad = sealed.clone();
    bad[10] = 30;
    assert!(matches!(
        open_stream_bytes(&keys, &bad),
        Err(Error::Malformed {
            field: "chunk size",
            ..
        })
    ));
    let mut bad = sealed.clone();
    bad[11] ^= 1;
    assert!(matches!(
        open_stream_bytes(&keys, &bad),
        Err(Error::UnknownRecipient(_))
    ));
}

#[test]
fn stream_reader_stops_at_the_damage() {
    let chunk = stream::ChunkSize::from_log2(12).unwrap();
    let keys = store(&[&RSA_A]);
    let payload = vec![6u8; 2 * 4096 + 1];
    let mut sealed = seal_stream_to(&RSA_A, &payload, chunk);
    let h = 52 + 256;
    sealed[h + 4096 + 16 + 10] ^= 1; // inside chunk 1
    let mut r = stream::StreamOpener::new(&sealed[..], &keys).unwrap();
    let mut first = vec![0u8; 4096];
    r.read_exact(&mut first).unwrap();
    assert_eq!(first, payload[..4096]);
    let mut rest = Vec::new();
    assert!(r.read_to_end(&mut rest).is_err());
    assert!(rest.is_empty());
    assert!(r.read(&mut [0u8; 10]).is_err(), "a failed reader stays failed");
}

#[test]
fn unfinished_sealer_yields_an_unopenable_stream() {
    let keys = store(&[&RSA_A]);
    let mut out = Vec::new();
    {
        let mut s = stream::StreamSealer::with_chunk_size(
            &RSA_A.recipient(),
            &mut out,
            stream::ChunkSize::from_log2(12).unwrap(),
        )
        .unwrap();
        s.write_all(&[1u8; 10_000]).unwrap();
        // dropped without finish()
    }
    assert!(open_stream_bytes(&keys, &out).is_err());
}

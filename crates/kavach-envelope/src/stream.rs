//! kavach's chunked streaming format, for payloads too large to hold in memory (biometric
//! record batches, files). Memory use is constant in the payload size: one chunk.
//!
//! # Format, version 1
//!
//! Header (all integers big-endian):
//!
//! | offset | length | field |
//! |---|---|---|
//! | 0 | 8 | ASCII `KVCHSTRM` |
//! | 8 | 1 | version: `1` |
//! | 9 | 1 | key transport: `1` = RSA-OAEP-SHA256/MGF1-SHA256, `2` = ECDH-ES+A256KW on P-256 |
//! | 10 | 1 | log2 of the chunk size, 12..=20 (4 KiB to 1 MiB; kavach writes 16 = 64 KiB) |
//! | 11 | 32 | SHA-256 thumbprint of the recipient certificate |
//! | 43 | 7 | nonce prefix (random) |
//! | 50 | 2 | length `L` of the key block (at most 1024) |
//! | 52 | L | key block: the RSA-OAEP block of the 32-byte content key (transport 1), or the ephemeral P-256 point, uncompressed (65 bytes), followed by the AES-256 key wrap (RFC 3394) of the content key (40 bytes) under the Concat KDF (RFC 7518 §4.6.2; AlgorithmID `ECDH-ES+A256KW`, PartyUInfo empty, PartyVInfo `kavach-stream-v1`) of the ECDH secret (transport 2) |
//!
//! Then the chunks, in order. Chunk `i` (from 0) is AES-256-GCM under the content key with
//!
//! - nonce = nonce prefix (7) || `i` as 32-bit big-endian (4) || `0x01` for the final chunk,
//!   `0x00` for every other (1) — the STREAM construction of Hoang, Reyhanitabar, Rogaway and
//!   Vizár (CRYPTO 2015, "online authenticated encryption and its nonce-reuse misuse-resistance");
//! - AAD = SHA-256 of the whole header, which binds the header (recipient, chunk size, key)
//!   to every chunk;
//!
//! and is stored as ciphertext || 16-byte tag. Every chunk but the last carries exactly one
//! chunk size of payload; the last carries 0 to one chunk size and is followed by the end of the
//! input. So reordering or dropping chunks breaks the counter, truncating at a chunk boundary
//! leaves no chunk flagged final, appending after the final chunk is refused, and the header
//! cannot be swapped.
//!
//! # What a reader of [`StreamOpener`] must know
//!
//! Each chunk is authenticated before any of its bytes are returned, but the chunks of a stream
//! are returned as they are checked: a truncated or tampered stream is detected when the reader
//! reaches the damage, after the earlier chunks were returned. `read` returns `Ok(0)` only after
//! the final chunk was authenticated and the input ended; a consumer that must not act on a
//! partial payload writes it aside and acts only after that `Ok(0)` (the CLI writes to a
//! temporary file and renames it).

use std::io::{self, Read, Write};

use kavach_keys::{Decrypter, KeyKind, KeyStore, PublicKey, Sha256Thumbprint, Zeroizing};

use crate::backend::{self, IV_LEN, KEY_LEN, TAG_LEN};
use crate::error::{Error, RecipientRef, Result};
use crate::format::Format;
use crate::recipient::{Recipient, rsa_ciphertext_len};

/// The magic bytes that start a stream.
pub const MAGIC: &[u8; 8] = b"KVCHSTRM";
/// The format version this crate reads and writes.
pub const VERSION: u8 = 1;
const TRANSPORT_RSA_OAEP: u8 = 1;
const TRANSPORT_ECDH_ES_A256KW: u8 = 2;
const PREFIX_LEN: usize = 7;
const FIXED_HEADER_LEN: usize = 52;
/// Longest key block: an RSA-8192 OAEP block.
pub const MAX_KEY_BLOCK_LEN: usize = 1024;
/// Concat KDF PartyVInfo of transport 2: separates stream keys from JWE keys.
const ECDH_PARTY_V: &[u8] = b"kavach-stream-v1";
const P256_POINT_LEN: usize = 65;
const KW_WRAPPED_LEN: usize = KEY_LEN + 8;

/// The chunk size: a power of two from 4 KiB to 1 MiB (memory use is about two chunks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkSize(u8);

impl ChunkSize {
    /// 64 KiB, what kavach writes by default.
    pub const DEFAULT: ChunkSize = ChunkSize(16);
    /// Smallest: 4 KiB (smaller chunks only add tag overhead).
    pub const MIN_LOG2: u8 = 12;
    /// Largest: 1 MiB (bounds a reader's buffer whatever the header says).
    pub const MAX_LOG2: u8 = 20;

    /// `2^log2` bytes; `log2` must lie in [`Self::MIN_LOG2`]`..=`[`Self::MAX_LOG2`].
    pub fn from_log2(log2: u8) -> Result<Self> {
        if (Self::MIN_LOG2..=Self::MAX_LOG2).contains(&log2) {
            Ok(Self(log2))
        } else {
            Err(Error::malformed(
                Format::Stream,
                "chunk size",
                "log2 outside 12..=20 (4 KiB to 1 MiB)",
            ))
        }
    }

    /// The size in bytes.
    pub fn bytes(self) -> usize {
        1usize << self.0
    }
}

fn nonce(prefix: &[u8; PREFIX_LEN], counter: u32, last: bool) -> [u8; IV_LEN] {
    let mut n = [0u8; IV_LEN];
    n[..PREFIX_LEN].copy_from_slice(prefix);
    n[PREFIX_LEN..PREFIX_LEN + 4].copy_from_slice(&counter.to_be_bytes());
    n[IV_LEN - 1] = u8::from(last);
    n
}

fn io_err(e: Error) -> io::Error {
    match e {
        Error::Io(e) => e,
        Error::OpenFailed | Error::Malformed { .. } => io::Error::new(io::ErrorKind::InvalidData, e),
        other => io::Error::other(other),
    }
}

/// Writes a stream sealed to one recipient. Call [`StreamSealer::finish`] at the end: a sealer
/// dropped without it leaves a stream with no final chunk, which every reader refuses.
pub struct StreamSealer<W: Write> {
    out: W,
    cipher: backend::Gcm,
    prefix: [u8; PREFIX_LEN],
    aad: [u8; 32],
    counter: u32,
    chunk: usize,
    buf: Zeroizing<Vec<u8>>,
    failed: bool,
}

impl<W: Write> core::fmt::Debug for StreamSealer<W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamSealer")
            .field("chunks_written", &self.counter)
            .finish_non_exhaustive()
    }
}

impl<W: Write> StreamSealer<W> {
    /// Starts a stream to `recipient` (RSA or P-256) with 64 KiB chunks, writing the header.
    pub fn new(recipient: &Recipient, out: W) -> Result<Self> {
        Self::with_chunk_size(recipient, out, ChunkSize::DEFAULT)
    }

    /// Starts a stream with the given chunk size, writing the header.
    pub fn with_chunk_size(recipient: &Recipient, mut out: W, chunk: ChunkSize) -> Result<Self> {
        let key = recipient.public_key();
        let cek = backend::random_key()?;
        let (transport, key_block) = if rsa_ciphertext_len(key).is_some() {
            let block = key.encrypt_rsa_oaep_sha256(None, cek.as_ref()).map_err(Error::Key)?;
            (TRANSPORT_RSA_OAEP, block)
        } else if key.kind() == KeyKind::P256 {
            let (ephemeral, z) = kavach_keys::ecdh_p256_ephemeral(key).map_err(Error::Key)?;
            let kek = backend::concat_kdf_sha256_256(z.as_ref(), b"ECDH-ES+A256KW", &[], ECDH_PARTY_V);
            let wrapped = backend::aes256_kw_wrap(&kek, cek.as_ref()).map_err(|_| {
                Error::Key(kavach_keys::Error::UnsupportedOperation {
                    key: KeyKind::P256,
                    operation: "AES-256 key wrap of the content key",
                })
            })?;
            let mut block = ephemeral.ec_point_uncompressed().unwrap_or_default();
            block.extend_from_slice(&wrapped);
            (TRANSPORT_ECDH_ES_A256KW, block)
        } else {
            return Err(Error::UnsupportedRecipientKey {
                key: key.kind(),
                format: Format::Stream,
            });
        };
        let key_block_len = u16::try_from(key_block.len())
            .ok()
            .filter(|&l| usize::from(l) <= MAX_KEY_BLOCK_LEN)
            .ok_or(Error::UnsupportedRecipientKey {
                key: key.kind(),
                format: Format::Stream,
            })?;
        let mut prefix = [0u8; PREFIX_LEN];
        backend::random_fill(&mut prefix)?;
        let mut header = Vec::with_capacity(FIXED_HEADER_LEN + key_block.len());
        header.extend_from_slice(MAGIC);
        header.push(VERSION);
        header.push(transport);
        header.push(chunk.0);
        header.extend_from_slice(recipient.thumbprint().as_bytes());
        header.extend_from_slice(&prefix);
        header.extend_from_slice(&key_block_len.to_be_bytes());
        header.extend_from_slice(&key_block);
        out.write_all(&header).map_err(Error::Io)?;
        Ok(Self {
            out,
            cipher: backend::Gcm::new(&cek),
            prefix,
            aad: backend::sha256(&header),
            counter: 0,
            chunk: chunk.bytes(),
            buf: Zeroizing::new(Vec::with_capacity(chunk.bytes() + TAG_LEN)),
            failed: false,
        })
    }

    fn emit(&mut self, last: bool) -> Result<()> {
        if self.failed {
            return Err(Error::StreamState("failed earlier"));
        }
        self.failed = true; // cleared on success below
        let n = nonce(&self.prefix, self.counter, last);
        let tag = self.cipher.seal_in_place(&n, &self.aad, &mut self.buf)?;
        self.buf.extend_from_slice(&tag);
        self.out.write_all(&self.buf).map_err(Error::Io)?;
        self.buf.clear();
        if !last {
            // 2^32 chunks of at least 4 KiB is 16 TiB: past that the counter would repeat. The
            // sizes are in bytes, like every `TooLarge`: at least one chunk more than the most.
            let max_chunks = u32::MAX as usize;
            self.counter = self.counter.checked_add(1).ok_or(Error::TooLarge {
                what: "stream payload",
                len: max_chunks.saturating_add(1).saturating_mul(self.chunk),
                max: max_chunks.saturating_mul(self.chunk),
            })?;
        }
        self.failed = false;
        Ok(())
    }

    /// Writes the final chunk, flushes, and returns the writer.
    pub fn finish(mut self) -> Result<W> {
        self.emit(true)?;
        self.failed = true; // nothing may follow the final chunk
        self.out.flush().map_err(Error::Io)?;
        Ok(self.out)
    }
}

impl<W: Write> Write for StreamSealer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut rest = data;
        while !rest.is_empty() {
            // A full buffer is emitted only once more data shows it is not the final chunk.
            if self.buf.len() == self.chunk {
                self.emit(false).map_err(io_err)?;
            }
            let take = (self.chunk - self.buf.len()).min(rest.len());
            self.buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The parsed header of a stream.
#[derive(Clone, Debug)]
pub struct StreamHeader {
    bytes: Vec<u8>,
    transport: u8,
    chunk: ChunkSize,
    thumbprint: Sha256Thumbprint,
    prefix: [u8; PREFIX_LEN],
}

impl StreamHeader {
    /// Reads and checks a header from the start of `input` (and nothing more).
    pub fn read_from(input: &mut impl Read) -> Result<Self> {
        let bad = |field, reason| Error::malformed(Format::Stream, field, reason);
        let eof = |e: io::Error| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                bad("header", "truncated")
            } else {
                Error::Io(e)
            }
        };
        let mut fixed = [0u8; FIXED_HEADER_LEN];
        input.read_exact(&mut fixed).map_err(eof)?;
        if &fixed[..8] != MAGIC {
            return Err(bad("magic", "not a kavach stream (KVCHSTRM)"));
        }
        if fixed[8] != VERSION {
            return Err(bad("version", "not version 1"));
        }
        let transport = fixed[9];
        let chunk = ChunkSize::from_log2(fixed[10])?;
        let mut t = [0u8; 32];
        t.copy_from_slice(&fixed[11..43]);
        let mut prefix = [0u8; PREFIX_LEN];
        prefix.copy_from_slice(&fixed[43..50]);
        let l = usize::from(u16::from_be_bytes([fixed[50], fixed[51]]));
        match transport {
            TRANSPORT_RSA_OAEP if (1..=MAX_KEY_BLOCK_LEN).contains(&l) => {}
            TRANSPORT_ECDH_ES_A256KW if l == P256_POINT_LEN + KW_WRAPPED_LEN => {}
            TRANSPORT_RSA_OAEP | TRANSPORT_ECDH_ES_A256KW => {
                return Err(bad("key block length", "does not fit the key transport"));
            }
            _ => return Err(bad("key transport", "neither 1 (RSA-OAEP) nor 2 (ECDH-ES+A256KW)")),
        }
        let mut bytes = Vec::with_capacity(FIXED_HEADER_LEN + l);
        bytes.extend_from_slice(&fixed);
        bytes.resize(FIXED_HEADER_LEN + l, 0);
        input.read_exact(&mut bytes[FIXED_HEADER_LEN..]).map_err(eof)?;
        Ok(Self {
            bytes,
            transport,
            chunk,
            thumbprint: Sha256Thumbprint(t),
            prefix,
        })
    }

    /// The recipient certificate thumbprint.
    pub fn recipient_thumbprint(&self) -> &Sha256Thumbprint {
        &self.thumbprint
    }

    /// The chunk size.
    pub fn chunk_size(&self) -> ChunkSize {
        self.chunk
    }

    fn key_block(&self) -> &[u8] {
        &self.bytes[FIXED_HEADER_LEN..]
    }

    /// Recovers the content key with `key`. Every failure is [`Error::OpenFailed`].
    fn content_key(&self, key: &dyn Decrypter) -> Result<Zeroizing<[u8; KEY_LEN]>> {
        let block = self.key_block();
        let cek = match self.transport {
            TRANSPORT_RSA_OAEP => {
                if rsa_ciphertext_len(key.public_key()) != Some(block.len()) {
                    return Err(Error::OpenFailed);
                }
                key.decrypt_rsa_oaep_sha256(None, block)
                    .map_err(|_| Error::OpenFailed)?
            }
            _ => {
                let (point, wrapped) = block.split_at(P256_POINT_LEN);
                let epk = p256_from_point(point).ok_or(Error::OpenFailed)?;
                let z = key.ecdh_p256(&epk).map_err(|_| Error::OpenFailed)?;
                let kek = backend::concat_kdf_sha256_256(z.as_ref(), b"ECDH-ES+A256KW", &[], ECDH_PARTY_V);
                backend::aes256_kw_unwrap(&kek, wrapped).map_err(|_| Error::OpenFailed)?
            }
        };
        Ok(Zeroizing::new(
            cek.as_slice().try_into().map_err(|_| Error::OpenFailed)?,
        ))
    }
}

/// The sender's ephemeral P-256 key: an uncompressed point only (what the sealer writes).
fn p256_from_point(point: &[u8]) -> Option<PublicKey> {
    if point.len() != P256_POINT_LEN || point[0] != 0x04 {
        return None;
    }
    PublicKey::from_ec_point(KeyKind::P256, point).ok()
}

/// Reads a stream, returning the payload as each chunk authenticates (see the module docs).
pub struct StreamOpener<R: Read> {
    input: R,
    header: StreamHeader,
    cipher: backend::Gcm,
    aad: [u8; 32],
    counter: u32,
    chunk: usize,
    /// Raw input: up to one sealed chunk plus one byte of look-ahead.
    raw: Vec<u8>,
    /// The current chunk's payload, and how much of it was returned.
    plain: Zeroizing<Vec<u8>>,
    pos: usize,
    done: bool,
    failed: bool,
}

impl<R: Read> core::fmt::Debug for StreamOpener<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamOpener")
            .field("header", &self.header)
            .field("chunks_read", &self.counter)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<R: Read> StreamOpener<R> {
    /// Reads the header, finds the key for its thumbprint in `keys` and recovers the content
    /// key. An unknown thumbprint is [`Error::UnknownRecipient`]; a key that does not open the
    /// key block is [`Error::OpenFailed`].
    pub fn new(mut input: R, keys: &dyn KeyStore) -> Result<Self> {
        let header = StreamHeader::read_from(&mut input)?;
        let key = keys
            .by_certificate_thumbprint(&header.thumbprint)
            .ok_or(Error::UnknownRecipient(RecipientRef::Thumbprint(header.thumbprint)))?;
        let cek = header.content_key(&*key)?;
        let chunk = header.chunk.bytes();
        Ok(Self {
            input,
            cipher: backend::Gcm::new(&cek),
            aad: backend::sha256(&header.bytes),
            header,
            counter: 0,
            chunk,
            raw: Vec::with_capacity(chunk + TAG_LEN + 1),
            plain: Zeroizing::new(Vec::with_capacity(chunk + TAG_LEN)),
            pos: 0,
            done: false,
            failed: false,
        })
    }

    /// The stream's header.
    pub fn header(&self) -> &StreamHeader {
        &self.header
    }

    /// Fills `raw` to one sealed chunk plus one look-ahead byte, or to the end of the input.
    fn fill_raw(&mut self) -> io::Result<()> {
        let want = self.chunk + TAG_LEN + 1;
        let mut have = self.raw.len();
        self.raw.resize(want, 0);
        while have < want {
            match self.input.read(&mut self.raw[have..]) {
                Ok(0) => break,
                Ok(n) => have += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.raw.truncate(have);
                    return Err(e);
                }
            }
        }
        self.raw.truncate(have);
        Ok(())
    }

    fn next_chunk(&mut self) -> Result<()> {
        self.fill_raw().map_err(Error::Io)?;
        let sealed = self.chunk + TAG_LEN;
        let last = self.raw.len() <= sealed;
        let len = self.raw.len().min(sealed);
        if len < TAG_LEN {
            // Fewer bytes than a tag where a chunk must be: truncated (or no final chunk).
            return Err(Error::OpenFailed);
        }
        let (ct, tag) = self.raw[..len].split_at(len - TAG_LEN);
        let mut t = [0u8; TAG_LEN];
        t.copy_from_slice(tag);
        self.plain.clear();
        self.plain.extend_from_slice(ct);
        let n = nonce(&self.header.prefix, self.counter, last);
        self.cipher
            .open_in_place(&n, &self.aad, &mut self.plain, &t)
            .map_err(|_| Error::OpenFailed)?;
        self.pos = 0;
        if last {
            self.done = true;
            self.raw.clear();
        } else {
            // Keep the look-ahead byte: it starts the next chunk.
            self.raw.drain(..sealed);
            self.counter = self.counter.checked_add(1).ok_or(Error::OpenFailed)?;
        }
        Ok(())
    }
}

impl<R: Read> Read for StreamOpener<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io_err(Error::StreamState("failed earlier")));
        }
        while self.pos == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            if let Err(e) = self.next_chunk() {
                self.failed = true;
                self.plain.clear();
                self.pos = 0;
                return Err(io_err(e));
            }
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Seals everything `input` yields to `recipient` into `output`; returns the payload length.
pub fn seal_stream(recipient: &Recipient, mut input: impl Read, output: impl Write) -> Result<u64> {
    let mut sealer = StreamSealer::new(recipient, output)?;
    let n = io::copy(&mut input, &mut sealer).map_err(Error::Io)?;
    sealer.finish()?;
    Ok(n)
}

/// Opens the stream `input` with a key of `keys` into `output`; returns the payload length.
/// On error, `output` may already hold the payload of the chunks before the damage.
pub fn open_stream(keys: &dyn KeyStore, input: impl Read, mut output: impl Write) -> Result<u64> {
    let mut opener = StreamOpener::new(input, keys)?;
    io::copy(&mut opener, &mut output).map_err(|e| {
        // Unwrap our own errors carried through io::Error.
        match e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
            Some(Error::OpenFailed) => Error::OpenFailed,
            Some(Error::StreamState(s)) => Error::StreamState(s),
            _ => Error::Io(e),
        }
    })
}

#[cfg(test)]
mod tests;

//! A first look at a client's first TLS record, before rustls sees it, so that a client
//! offering nothing above TLS 1.1 is refused with a `protocol_version` alert (RFC 5246
//! Appendix E.1, RFC 8446 §4.2.1 and §D.2) — rustls 0.23 answers such a ClientHello with
//! `handshake_failure`, because it misses the signature_algorithms extension first. The look
//! is sans-IO ([`screen_client_hello`]); [`screen_tls_client`] applies it to a `TcpStream`.
//!
//! Only the version is decided here. Anything this reader does not understand (another record
//! type, a fragmented or malformed ClientHello) is left to rustls, which refuses it.

use std::io::{self, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The alert record sent to a client that offers only versions below TLS 1.2: a fatal
/// (`2`) `protocol_version` (`70`) alert in a TLS 1.0 record (the record version a server
/// uses before a version is agreed).
pub const PROTOCOL_VERSION_ALERT: [u8; 7] = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];

/// Largest TLSPlaintext fragment (RFC 8446 §5.1: 2^14 bytes); a longer first record is left
/// to rustls.
const MAX_FRAGMENT: usize = 1 << 14;

/// Most bytes [`screen_tls_client`] looks at: one record header and one full fragment.
pub const MAX_SCREENED_BYTES: usize = 5 + MAX_FRAGMENT;

/// Most extensions read in a ClientHello (a real one has fewer than 30).
const MAX_HELLO_EXTENSIONS: usize = 128;

/// Most versions read in a supported_versions extension (RFC 8446 §4.2.1 allows 127).
const MAX_SUPPORTED_VERSIONS: usize = 127;

const TLS12: u16 = 0x0303;
const EXT_SUPPORTED_VERSIONS: u16 = 43;

/// What to do with a connection whose first bytes are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HelloVerdict {
    /// The first record is incomplete: look again when more bytes arrived.
    NeedMore,
    /// Hand the connection to rustls (which makes every other decision).
    Proceed,
    /// The client offers only versions below TLS 1.2: send [`PROTOCOL_VERSION_ALERT`] and
    /// close.
    RefuseProtocolVersion,
}

/// Decides from the first bytes a client sent whether it offers TLS 1.2 or later.
pub fn screen_client_hello(bytes: &[u8]) -> HelloVerdict {
    let Some(header) = bytes.get(..5) else {
        return HelloVerdict::NeedMore;
    };
    // Not a handshake record: rustls refuses it.
    if header[0] != 0x16 {
        return HelloVerdict::Proceed;
    }
    let record_len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    if record_len > MAX_FRAGMENT {
        return HelloVerdict::Proceed;
    }
    let Some(fragment) = bytes.get(5..5 + record_len) else {
        return HelloVerdict::NeedMore;
    };
    match offers_tls12_or_later(fragment) {
        Some(false) => HelloVerdict::RefuseProtocolVersion,
        // Offers TLS 1.2 or later, or not readable here: rustls decides.
        Some(true) | None => HelloVerdict::Proceed,
    }
}

/// `Some(offers)` when the fragment starts with a ClientHello whose offered versions could be
/// read; `None` otherwise.
fn offers_tls12_or_later(fragment: &[u8]) -> Option<bool> {
    let mut r = Reader(fragment);
    // Handshake header: msg_type client_hello (1), uint24 length.
    if r.u8()? != 1 {
        return None;
    }
    let len = r.u24()?;
    let mut hello = Reader(r.take(len)?);
    let legacy_version = hello.u16()?;
    if legacy_version >= TLS12 {
        return Some(true);
    }
    // A pre-TLS-1.2 legacy version: only a supported_versions extension could still offer
    // TLS 1.2 or 1.3.
    hello.take(32)?; // random
    let session_id = usize::from(hello.u8()?);
    hello.take(session_id)?;
    let suites = usize::from(hello.u16()?);
    hello.take(suites)?;
    let compression = usize::from(hello.u8()?);
    hello.take(compression)?;
    if hello.0.is_empty() {
        return Some(false);
    }
    let ext_len = usize::from(hello.u16()?);
    let mut exts = Reader(hello.take(ext_len)?);
    for _ in 0..MAX_HELLO_EXTENSIONS {
        if exts.0.is_empty() {
            return Some(false);
        }
        let ty = exts.u16()?;
        let len = usize::from(exts.u16()?);
        let body = exts.take(len)?;
        if ty == EXT_SUPPORTED_VERSIONS {
            let mut v = Reader(body);
            let list_len = usize::from(v.u8()?);
            let mut list = Reader(v.take(list_len)?);
            for _ in 0..MAX_SUPPORTED_VERSIONS {
                if list.0.is_empty() {
                    return Some(false);
                }
                if list.u16()? >= TLS12 {
                    return Some(true);
                }
            }
            return None;
        }
    }
    None
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self) -> Option<usize> {
        self.take(3)
            .map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
}

/// Most times [`screen_tls_client`] looks at a first record that is still incomplete.
const MAX_PEEKS: usize = 100;

/// Pause between two looks at an incomplete first record.
const PEEK_PAUSE: Duration = Duration::from_millis(10);

/// What [`screen_tls_client`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Screened {
    /// Nothing was consumed: hand the stream to a `rustls::ServerConnection`.
    Proceed,
    /// The client offered only versions below TLS 1.2; it was sent a `protocol_version` alert.
    /// Close the stream.
    Refused,
}

/// Looks at the client's first record with `TcpStream::peek` (nothing is consumed) and
/// refuses a client that offers only versions below TLS 1.2 with a `protocol_version` alert.
/// Call it on an accepted stream before giving it to rustls. Waits for the first record at
/// most 100 × 10 ms beyond the stream's read timeout; a record still incomplete
/// then is left to rustls.
pub fn screen_tls_client(tcp: &TcpStream) -> io::Result<Screened> {
    let mut buf = vec![0u8; MAX_SCREENED_BYTES];
    for _ in 0..MAX_PEEKS {
        let n = tcp.peek(&mut buf)?;
        if n == 0 {
            // Closed before sending anything: rustls reports it.
            return Ok(Screened::Proceed);
        }
        match screen_client_hello(&buf[..n]) {
            HelloVerdict::NeedMore => std::thread::sleep(PEEK_PAUSE),
            HelloVerdict::RefuseProtocolVersion => {
                tracing::warn!("TLS client refused: it offers no version above TLS 1.1");
                let mut w = tcp;
                w.write_all(&PROTOCOL_VERSION_ALERT)?;
                w.flush()?;
                return Ok(Screened::Refused);
            }
            _ => return Ok(Screened::Proceed),
        }
    }
    Ok(Screened::Proceed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ClientHello record with `legacy_version` and, when given, a supported_versions
    /// extension listing `versions`.
    fn hello(legacy_version: u16, versions: Option<&[u16]>) -> Vec<u8> {
        let mut body = legacy_version.to_be_bytes().to_vec();
        body.extend([7u8; 32]); // random
        body.push(0); // session id
        body.extend([0, 2, 0x00, 0x2f]); // one suite
        body.extend([1, 0]); // null compression
        let mut exts = Vec::new();
        // server_name-like filler extension first
        exts.extend([0xff, 0x01, 0, 1, 0]);
        if let Some(versions) = versions {
            let mut list = vec![u8::try_from(versions.len() * 2).unwrap_or(0)];
            for v in versions {
                list.extend(v.to_be_bytes());
            }
            exts.extend(EXT_SUPPORTED_VERSIONS.to_be_bytes());
            exts.extend(u16::try_from(list.len()).unwrap_or(0).to_be_bytes());
            exts.extend(list);
        }
        body.extend(u16::try_from(exts.len()).unwrap_or(0).to_be_bytes());
        body.extend(exts);
        let mut hs = vec![1u8];
        hs.extend(&u32::try_from(body.len()).unwrap_or(0).to_be_bytes()[1..]);
        hs.extend(body);
        let mut record = vec![0x16, 0x03, 0x01];
        record.extend(u16::try_from(hs.len()).unwrap_or(0).to_be_bytes());
        record.extend(hs);
        record
    }

    #[test]
    fn tls11_only_hello_is_refused_with_protocol_version() {
        assert_eq!(
            screen_client_hello(&hello(0x0302, None)),
            HelloVerdict::RefuseProtocolVersion
        );
        assert_eq!(
            screen_client_hello(&hello(0x0301, Some(&[0x0302, 0x0301]))),
            HelloVerdict::RefuseProtocolVersion
        );
    }

    #[test]
    fn tls12_and_tls13_hellos_proceed() {
        assert_eq!(screen_client_hello(&hello(0x0303, None)), HelloVerdict::Proceed);
        assert_eq!(
            screen_client_hello(&hello(0x0303, Some(&[0x0304, 0x0303]))),
            HelloVerdict::Proceed
        );
        // An old legacy_version with TLS 1.3 in supported_versions: rustls decides.
        assert_eq!(
            screen_client_hello(&hello(0x0301, Some(&[0x0304]))),
            HelloVerdict::Proceed
        );
    }

    #[test]
    fn incomplete_record_needs_more_and_foreign_bytes_go_to_rustls() {
        let full = hello(0x0302, None);
        for cut in [0, 3, 5, full.len() - 1] {
            assert_eq!(screen_client_hello(&full[..cut]), HelloVerdict::NeedMore, "cut {cut}");
        }
        assert_eq!(screen_client_hello(b"GET / HTTP/1.1\r\n"), HelloVerdict::Proceed);
        // A record claiming a ClientHello longer than itself: left to rustls.
        let mut truncated = full.clone();
        truncated[8] = 0xff;
        assert_eq!(screen_client_hello(&truncated), HelloVerdict::Proceed);
    }

    #[test]
    fn every_prefix_and_byte_flip_of_a_hello_is_screened_without_panic() {
        let full = hello(0x0302, Some(&[0x0302]));
        for i in 0..full.len() {
            let _ = screen_client_hello(&full[..i]);
            let mut flipped = full.clone();
            flipped[i] ^= 0xff;
            let _ = screen_client_hello(&flipped);
        }
    }
}

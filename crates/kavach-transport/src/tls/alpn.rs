//! Application protocols offered through ALPN (RFC 7301).

/// An application protocol to offer (client) or accept (server) through ALPN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Alpn {
    /// HTTP/2 (`h2`).
    H2,
    /// HTTP/1.1 (`http/1.1`).
    Http11,
}

impl Alpn {
    /// The protocol's ALPN identifier.
    pub fn id(self) -> &'static [u8] {
        match self {
            Self::H2 => b"h2",
            Self::Http11 => b"http/1.1",
        }
    }
}

pub(crate) fn ids(protocols: &[Alpn]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(protocols.len());
    for p in protocols {
        let id = p.id().to_vec();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

//! Criterion benchmarks of the mutual-TLS handshake (issue 13): kavach's verifiers
//! (`PkiClientVerifier` on the server, `PkiServerVerifier` on the client) against rustls's own
//! `WebPkiClientVerifier` / `WebPkiServerVerifier`, on the same certificates in the same run.
//!
//! Each iteration is one full handshake in memory, without sockets: a fresh
//! `rustls::ClientConnection` and `ServerConnection` exchange records through `write_tls` /
//! `read_tls` over a `Vec<u8>` until neither is handshaking. Both sides authenticate (the client
//! presents its tls-client leaf, the server its tls-server leaf, each with the test PKI's
//! intermediate).
//!
//! Only the verifiers differ between the variants: both use rustls's ring provider restricted
//! to kavach's approved suites (`restrict_provider`), kavach's protocol versions
//! (`PROTOCOL_VERSIONS`), the same own-key resolver (the test key as a kavach `TlsSigningKey`),
//! no ALPN and no session resumption (no server session storage, no TLS 1.3 tickets, client
//! resumption disabled), no CRLs. The webpki verifiers trust the same root.
//!
//! - `kavach`: the shipped configuration, `TlsServerConfig` / `TlsClientConfig` with verifiers
//!   sharing a default (warm-cache) `Validator` per side;
//! - `kavach-cold`: the same with `Validator::with_cache_capacity(0, 0)`, so every certificate
//!   is parsed and every chain signature verified on every handshake, as webpki does;
//! - `webpki`: rustls's `WebPkiClientVerifier` + `WebPkiServerVerifier`.
//!
//! PKIs: `TestPki::p256()` (all ECDSA P-256 SHA-256) and `TestPki::rsa()` (RSA-2048 chain
//! signatures in RSASSA-PKCS1-v1_5 SHA-256; the leaves' keys re-set to PS256 so TLS 1.3 can use
//! them). The negotiated version is TLS 1.3 (checked before timing).
//!
//! Run: `cargo bench --bench tls -- --warm-up-time 1 --measurement-time 5`
//! (figures recorded in BENCHMARKS.md under "kavach-transport").
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use kavach::keys::{PrivateKey, SignatureAlgorithm, Signer};
use kavach::pki::testing::{TLS_SERVER_NAME, TestPki, rsa_pool_key};
use kavach::pki::{Certificate, Purpose, TrustDomain, Validator};
use kavach::transport::tls::{
    ClientAuth, PROTOCOL_VERSIONS, PkiClientVerifier, PkiServerVerifier, SystemClock, TlsClientConfig, TlsServerConfig,
    TlsSigningKey, restrict_provider, ring_provider,
};
use rustls::client::WebPkiServerVerifier;
use rustls::server::WebPkiClientVerifier;
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{ClientConfig, ClientConnection, ProtocolVersion, RootCertStore, ServerConfig, ServerConnection};
use rustls_pki_types::{CertificateDer, ServerName};

/// Flights of a handshake: TLS 1.3 mutual authentication needs 2 round trips; a bound, so a
/// broken configuration fails instead of spinning.
const MAX_ROUNDS: usize = 8;

/// One PKI's material: the two identities (chain, key) and the trust anchors.
struct Material {
    name: &'static str,
    pki: &'static TestPki,
    server: (Vec<Certificate>, Arc<dyn Signer>),
    client: (Vec<Certificate>, Arc<dyn Signer>),
}

fn p256() -> Material {
    let pki = TestPki::p256();
    let identity = |purpose| {
        let leaf = pki.leaf(purpose).unwrap();
        let chain = vec![leaf.certificate.clone(), pki.intermediate().certificate.clone()];
        (chain, leaf.key.clone() as Arc<dyn Signer>)
    };
    Material {
        name: "p256",
        pki,
        server: identity(Purpose::TlsServer),
        client: identity(Purpose::TlsClient),
    }
}

fn rsa() -> Material {
    let pki = TestPki::rsa();
    // The RSA test PKI's leaves hold pool keys 2 + their index in LEAF_PURPOSES (tls-server 2,
    // tls-client 3), signing RS256; TLS 1.3 needs PSS.
    let identity = |purpose, pool| {
        let leaf = pki.leaf(purpose).unwrap();
        let key: PrivateKey = rsa_pool_key(pool)
            .unwrap()
            .with_signature_algorithm(SignatureAlgorithm::PS256)
            .unwrap();
        assert_eq!(key.public_key().spki_der(), leaf.public_key().spki_der());
        let chain = vec![leaf.certificate.clone(), pki.intermediate().certificate.clone()];
        (chain, Arc::new(key) as Arc<dyn Signer>)
    };
    Material {
        name: "rsa2048",
        pki,
        server: identity(Purpose::TlsServer, 2),
        client: identity(Purpose::TlsClient, 3),
    }
}

fn domain(m: &Material) -> TrustDomain {
    TrustDomain::new("BENCH", m.pki.trust_anchors()).unwrap()
}

/// kavach's configurations, with one validator per side built by `validator`.
fn kavach_configs(m: &Material, validator: fn() -> Validator) -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    let provider = ring_provider();
    let client_verifier = PkiClientVerifier::new(
        Arc::new(validator()),
        vec![domain(m)],
        Arc::new(SystemClock),
        ClientAuth::Required,
        &provider,
    )
    .unwrap();
    let server = TlsServerConfig::builder(
        Arc::clone(&provider),
        Arc::new(client_verifier),
        m.server.0.clone(),
        Arc::clone(&m.server.1),
    )
    .build()
    .unwrap();
    let server_verifier =
        PkiServerVerifier::new(Arc::new(validator()), vec![domain(m)], Arc::new(SystemClock), &provider).unwrap();
    let client = TlsClientConfig::builder(provider, Arc::new(server_verifier))
        .with_client_certificate(m.client.0.clone(), Arc::clone(&m.client.1))
        .build()
        .unwrap();
    (server.rustls_config(), client.rustls_config())
}

/// The same chain and key as the kavach configurations' own-key resolver builds.
fn resolver(identity: &(Vec<Certificate>, Arc<dyn Signer>)) -> Arc<SingleCertAndKey> {
    let ders = identity
        .0
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect();
    let key = TlsSigningKey::new(Arc::clone(&identity.1)).unwrap();
    Arc::new(SingleCertAndKey::from(CertifiedKey::new(ders, Arc::new(key))))
}

/// rustls's webpki verifiers on the same anchors, versions, suites, keys; no resumption.
fn webpki_configs(m: &Material) -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    let provider = restrict_provider(&ring_provider()).unwrap();
    let mut roots = RootCertStore::empty();
    for anchor in m.pki.trust_anchors() {
        roots.add(CertificateDer::from(anchor.der().to_vec())).unwrap();
    }
    let roots = Arc::new(roots);
    let client_verifier = WebPkiClientVerifier::builder_with_provider(Arc::clone(&roots), Arc::clone(&provider))
        .build()
        .unwrap();
    let mut server = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(PROTOCOL_VERSIONS)
        .unwrap()
        .with_client_cert_verifier(client_verifier)
        .with_cert_resolver(resolver(&m.server));
    server.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    server.send_tls13_tickets = 0;
    let server_verifier = WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(&provider))
        .build()
        .unwrap();
    let mut client = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(PROTOCOL_VERSIONS)
        .unwrap()
        .with_webpki_verifier(server_verifier)
        .with_client_cert_resolver(resolver(&m.client));
    client.resumption = rustls::client::Resumption::disabled();
    (Arc::new(server), Arc::new(client))
}

/// Moves every record `from` has to send into `to`, which processes them.
macro_rules! transfer {
    ($from:expr, $to:expr, $buf:expr) => {{
        $buf.clear();
        while $from.wants_write() {
            $from.write_tls(&mut $buf).unwrap();
        }
        let mut rd: &[u8] = &$buf;
        while !rd.is_empty() {
            $to.read_tls(&mut rd).unwrap();
            $to.process_new_packets().unwrap();
        }
    }};
}

/// One in-memory mutual-TLS handshake; returns the connections once both are done.
fn handshake(server: &Arc<ServerConfig>, client: &Arc<ClientConfig>) -> (ServerConnection, ClientConnection) {
    let name = ServerName::try_from(TLS_SERVER_NAME).unwrap();
    let mut c = ClientConnection::new(Arc::clone(client), name).unwrap();
    let mut s = ServerConnection::new(Arc::clone(server)).unwrap();
    let mut buf = Vec::with_capacity(16 * 1024);
    for _ in 0..MAX_ROUNDS {
        if !c.is_handshaking() && !s.is_handshaking() {
            return (s, c);
        }
        transfer!(c, s, buf);
        transfer!(s, c, buf);
    }
    panic!("handshake not finished after {MAX_ROUNDS} rounds");
}

fn bench_handshakes(c: &mut Criterion) {
    for m in [p256(), rsa()] {
        let variants = [
            ("kavach", kavach_configs(&m, Validator::new)),
            (
                "kavach-cold",
                kavach_configs(&m, || Validator::with_cache_capacity(0, 0)),
            ),
            ("webpki", webpki_configs(&m)),
        ];
        let mut group = c.benchmark_group(format!("tls-mutual-handshake/{}", m.name));
        for (label, (server, client)) in &variants {
            // Outside the timing: the handshake completes, with TLS 1.3, each side authenticated.
            let (s, cl) = handshake(server, client);
            assert_eq!(s.protocol_version(), Some(ProtocolVersion::TLSv1_3));
            assert_eq!(cl.protocol_version(), Some(ProtocolVersion::TLSv1_3));
            assert_eq!(s.peer_certificates().map(<[_]>::len), Some(2), "{label}: client chain");
            assert_eq!(cl.peer_certificates().map(<[_]>::len), Some(2), "{label}: server chain");
            group.bench_function(*label, |b| b.iter(|| black_box(handshake(server, client))));
        }
        group.finish();
    }
}

criterion_group!(benches, bench_handshakes);
criterion_main!(benches);

//! kavach's TLS configurations over real loopback TCP: a server thread per test, clients in
//! the test thread (rustls, and `openssl s_client` where named). Each test is named after the
//! attack or the property it checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use kavach_keys::{EcdsaEncoding, HashAlgorithm, KeyKind, PrivateKey, SignatureAlgorithm};
use kavach_pki::issue::{DistinguishedName, Issuer, SubjectAltName, Validity, issue_end_entity, issue_root};
use kavach_pki::testing::{TLS_CLIENT_NAME, TestPki};
use kavach_pki::{Certificate, Purpose, ServerName, TrustDomain, Validator, VerifiedPath};
use kavach_transport::tls::{
    Alpn, ClientAuth, CrlStore, HandshakeRefusal, PinKind, PkiClientVerifier, PkiServerVerifier, Screened, ServerPin,
    SharedClock, TlsClientConfig, TlsServerConfig, TlsSigningKey,
};
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, ClientConnection, ProtocolVersion, ServerConnection, StreamOwned};

const TIMEOUT: Duration = Duration::from_secs(10);

fn provider() -> Arc<CryptoProvider> {
    kavach_transport::tls::ring_provider()
}

/// The test clock: the real time (the test PKI is issued around it), given as a closure like
/// any caller-supplied clock.
fn clock() -> SharedClock {
    Arc::new(SystemTime::now)
}

fn pki() -> &'static TestPki {
    TestPki::p256()
}

fn domain() -> TrustDomain {
    TrustDomain::new("PARTNER", pki().trust_anchors()).expect("trust domain")
}

fn chain_of(leaf: &Certificate) -> Vec<Certificate> {
    vec![leaf.clone(), pki().intermediate().certificate.clone()]
}

fn client_verifier(auth: ClientAuth, crls: CrlStore) -> Arc<PkiClientVerifier> {
    client_verifier_at(auth, crls, clock())
}

fn client_verifier_at(auth: ClientAuth, crls: CrlStore, clock: SharedClock) -> Arc<PkiClientVerifier> {
    Arc::new(
        PkiClientVerifier::new(Arc::new(Validator::new()), vec![domain()], clock, auth, &provider())
            .expect("client verifier")
            .with_crls(crls),
    )
}

fn server_config(auth: ClientAuth, crls: CrlStore) -> TlsServerConfig {
    server_config_with(client_verifier(auth, crls))
}

fn server_config_with(verifier: Arc<PkiClientVerifier>) -> TlsServerConfig {
    let leaf = pki().leaf(Purpose::TlsServer).expect("server leaf");
    TlsServerConfig::builder(provider(), verifier, chain_of(&leaf.certificate), leaf.key.clone())
        .with_alpn(&[Alpn::H2, Alpn::Http11])
        .build()
        .expect("server config")
}

fn server_verifier(pin: Option<ServerPin>) -> Arc<PkiServerVerifier> {
    let mut v = PkiServerVerifier::new(Arc::new(Validator::new()), vec![domain()], clock(), &provider())
        .expect("server verifier");
    if let Some(pin) = pin {
        v = v.with_pin(pin).expect("pin");
    }
    Arc::new(v)
}

/// A client presenting `identity` (certificate chain, key), or none.
fn client_config(identity: Option<(Vec<Certificate>, Arc<PrivateKey>)>, pin: Option<ServerPin>) -> TlsClientConfig {
    let mut b = TlsClientConfig::builder(provider(), server_verifier(pin)).with_alpn(&[Alpn::H2]);
    if let Some((chain, key)) = identity {
        b = b.with_client_certificate(chain, key);
    }
    b.build().expect("client config")
}

fn valid_client_identity() -> (Vec<Certificate>, Arc<PrivateKey>) {
    let leaf = pki().leaf(Purpose::TlsClient).expect("client leaf");
    (chain_of(&leaf.certificate), leaf.key.clone())
}

/// What the server application saw on one connection.
#[derive(Debug)]
struct Seen {
    path: Option<VerifiedPath>,
    version: Option<ProtocolVersion>,
    alpn: Option<Vec<u8>>,
}

/// Starts a server accepting `connections` connections one after the other; `between` runs
/// after each one (to reload CRLs while the server runs).
fn serve(
    config: TlsServerConfig,
    connections: usize,
    between: impl Fn(usize, &TlsServerConfig) + Send + 'static,
) -> (SocketAddr, JoinHandle<Vec<io::Result<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = std::thread::spawn(move || {
        let mut outcomes = Vec::with_capacity(connections);
        for i in 0..connections {
            let outcome = listener.accept().and_then(|(tcp, _)| handle_connection(&config, tcp));
            outcomes.push(outcome);
            between(i, &config);
        }
        outcomes
    });
    (addr, handle)
}

fn handle_connection(config: &TlsServerConfig, tcp: TcpStream) -> io::Result<Seen> {
    tcp.set_read_timeout(Some(TIMEOUT))?;
    tcp.set_write_timeout(Some(TIMEOUT))?;
    if kavach_transport::tls::screen_tls_client(&tcp)? == Screened::Refused {
        return Err(io::Error::other(Refused));
    }
    let conn = ServerConnection::new(config.rustls_config()).map_err(io::Error::other)?;
    let mut s = StreamOwned::new(conn, tcp);
    while s.conn.is_handshaking() {
        s.conn.complete_io(&mut s.sock)?;
    }
    // The application's view of the client, with the connection.
    let path = config.peer_path(&s.conn);
    let mut ping = [0u8; 5];
    s.read_exact(&mut ping)?;
    if &ping != b"ping\n" {
        return Err(io::Error::other("no ping"));
    }
    s.write_all(b"pong\n")?;
    s.conn.send_close_notify();
    s.flush()?;
    Ok(Seen {
        path,
        version: s.conn.protocol_version(),
        alpn: s.conn.alpn_protocol().map(<[u8]>::to_vec),
    })
}

/// The server refused the client before rustls saw it (a TLS 1.1 ClientHello).
#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused with a protocol_version alert before rustls")
    }
}

impl std::error::Error for Refused {}

/// Connects, completes the handshake and one ping/pong exchange.
fn connect(
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
    name: &str,
) -> io::Result<StreamOwned<ClientConnection, TcpStream>> {
    let tcp = TcpStream::connect(addr)?;
    tcp.set_read_timeout(Some(TIMEOUT))?;
    tcp.set_write_timeout(Some(TIMEOUT))?;
    let name = rustls_pki_types::ServerName::try_from(name.to_owned()).map_err(io::Error::other)?;
    let conn = ClientConnection::new(config, name).map_err(io::Error::other)?;
    let mut s = StreamOwned::new(conn, tcp);
    while s.conn.is_handshaking() {
        s.conn.complete_io(&mut s.sock)?;
    }
    s.write_all(b"ping\n")?;
    s.flush()?;
    let mut pong = [0u8; 5];
    s.read_exact(&mut pong)?;
    if &pong != b"pong\n" {
        return Err(io::Error::other("no pong"));
    }
    Ok(s)
}

/// The rustls error inside an IO error.
fn tls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

fn only(outcomes: Vec<io::Result<Seen>>) -> io::Result<Seen> {
    let mut outcomes = outcomes;
    assert_eq!(outcomes.len(), 1);
    outcomes.remove(0)
}

fn join(handle: JoinHandle<Vec<io::Result<Seen>>>) -> Vec<io::Result<Seen>> {
    handle.join().expect("server thread")
}

fn assert_refused_with(outcome: &io::Result<Seen>, expected: &rustls::Error) {
    match outcome {
        Ok(seen) => panic!("the server accepted: {seen:?}"),
        Err(e) => assert_eq!(tls_error(e), Some(expected), "server error: {e}"),
    }
}

#[test]
fn no_client_certificate_is_refused() {
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    let client = client_config(None, None);
    assert!(connect(addr, client.rustls_config(), "localhost").is_err());
    assert_refused_with(&only(join(server)), &rustls::Error::NoCertificatesPresented);
}

/// A P-256 root of its own with a tls-client end entity under it.
fn foreign_client_identity() -> (Vec<Certificate>, Arc<PrivateKey>) {
    let p256 = |_| {
        PrivateKey::generate(KeyKind::P256)
            .and_then(|k| {
                k.with_signature_algorithm(SignatureAlgorithm::Ecdsa {
                    hash: HashAlgorithm::Sha256,
                    encoding: EcdsaEncoding::Der,
                })
            })
            .expect("P-256 key")
    };
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    let validity = Validity::new(now - day, now + 30 * day).expect("validity");
    let root_key = p256(0);
    let root = issue_root(
        &root_key,
        &DistinguishedName::parse("CN=Another Root,O=Elsewhere,C=IN").expect("dn"),
        validity,
        None,
    )
    .expect("root");
    let leaf_key = Arc::new(p256(1));
    let leaf = issue_end_entity(
        &Issuer::new(&root, &root_key).expect("issuer"),
        kavach_keys::Signer::public_key(leaf_key.as_ref()),
        &DistinguishedName::parse("CN=Impostor Client,O=Elsewhere,C=IN").expect("dn"),
        validity,
        Purpose::TlsClient,
        &[SubjectAltName::dns(TLS_CLIENT_NAME).expect("san")],
    )
    .expect("leaf");
    (vec![leaf], leaf_key)
}

#[test]
fn client_certificate_from_another_root_is_refused() {
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    let client = client_config(Some(foreign_client_identity()), None);
    assert!(connect(addr, client.rustls_config(), "localhost").is_err());
    assert_refused_with(
        &only(join(server)),
        &rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
    );
}

#[test]
fn expired_client_certificate_is_refused() {
    let expired = pki().expired(Purpose::TlsClient).expect("expired leaf");
    let key = pki().leaf(Purpose::TlsClient).expect("client leaf").key.clone();
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    let client = client_config(Some((chain_of(&expired), key)), None);
    assert!(connect(addr, client.rustls_config(), "localhost").is_err());
    assert_refused_with(
        &only(join(server)),
        &rustls::Error::InvalidCertificate(CertificateError::Expired),
    );
}

#[test]
fn revoked_client_certificate_is_refused_after_a_crl_reload_while_the_server_runs() {
    let (chain, key) = valid_client_identity();
    let current = CrlStore::new(vec![pki().crl(&[]).expect("empty CRL")]).expect("store");
    let revoking = pki().crl(&[&chain[0]]).expect("revoking CRL");
    // The server reloads the revoking CRL after the first connection, without a restart.
    let (addr, server) = serve(server_config(ClientAuth::Required, current), 2, move |i, config| {
        if i == 0 {
            config.reload_crls(vec![revoking.clone()]).expect("reload");
        }
    });
    let client = client_config(Some((chain, key)), None);
    connect(addr, client.rustls_config(), "localhost").expect("accepted before the reload");
    assert!(connect(addr, client.rustls_config(), "localhost").is_err());
    let outcomes = join(server);
    assert!(
        outcomes[0].as_ref().is_ok_and(|s| s.path.is_some()),
        "{:?}",
        outcomes[0]
    );
    assert_refused_with(
        &outcomes[1],
        &rustls::Error::InvalidCertificate(CertificateError::Revoked),
    );
}

fn assert_client_path(path: &VerifiedPath) {
    let leaf = pki().leaf(Purpose::TlsClient).expect("client leaf");
    assert_eq!(path.purpose(), Purpose::TlsClient);
    assert_eq!(path.end_entity(), &leaf.certificate);
    assert_eq!(path.chain().len(), 3, "end entity, intermediate, root");
    assert_eq!(path.chain()[1], pki().intermediate().certificate);
    assert_eq!(path.trust_anchor(), &pki().root().certificate);
    assert_eq!(path.domain_name(), "PARTNER");
}

#[test]
fn mutual_tls_gives_both_applications_the_peers_verified_path() {
    let server_leaf = pki().leaf(Purpose::TlsServer).expect("server leaf");
    let pin = ServerPin::of(&server_leaf.certificate, PinKind::SpkiSha256).expect("pin");
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    let client = client_config(Some(valid_client_identity()), Some(pin));
    let stream = connect(addr, client.rustls_config(), "server.kavach.test").expect("handshake");

    // The client application: the server's path, for the name it connected to.
    let name = ServerName::parse("server.kavach.test").expect("name");
    let server_path = client.peer_path(&stream.conn, &name).expect("server path");
    assert_eq!(server_path.purpose(), Purpose::TlsServer);
    assert_eq!(server_path.end_entity(), &server_leaf.certificate);
    assert_eq!(server_path.chain().len(), 3);
    assert_eq!(stream.conn.protocol_version(), Some(ProtocolVersion::TLSv1_3));

    // The server application: the client's path, with the connection.
    let seen = only(join(server)).expect("server accepted");
    assert_client_path(seen.path.as_ref().expect("client path"));
    assert_eq!(seen.version, Some(ProtocolVersion::TLSv1_3));
    assert_eq!(seen.alpn.as_deref(), Some(&b"h2"[..]));
}

#[test]
fn peer_path_after_a_crl_reload_revoking_the_peer_is_none() {
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    let client = client_config(Some(valid_client_identity()), None);
    let stream = connect(addr, client.rustls_config(), "localhost").expect("handshake");
    assert!(only(join(server)).is_ok());
    let name = ServerName::parse("localhost").expect("name");
    assert!(
        client.peer_path(&stream.conn, &name).is_some(),
        "recorded at the handshake"
    );
    // Another name than the one validated is never answered from the record.
    let other = ServerName::parse("other.kavach.test").expect("name");
    assert!(client.peer_path(&stream.conn, &other).is_none());
    // The server's certificate is revoked while the connection is open: the recorded path is
    // forgotten and validating it again fails.
    let server_leaf = &pki().leaf(Purpose::TlsServer).expect("server leaf").certificate;
    client
        .reload_crls(vec![pki().crl(&[server_leaf]).expect("CRL")])
        .expect("reload");
    assert!(client.peer_path(&stream.conn, &name).is_none());
}

#[test]
fn server_name_mismatch_is_refused_by_the_client() {
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    let client = client_config(Some(valid_client_identity()), None);
    let err = connect(addr, client.rustls_config(), "other.kavach.test").expect_err("name mismatch");
    assert_eq!(
        tls_error(&err),
        Some(&rustls::Error::InvalidCertificate(CertificateError::NotValidForName))
    );
    assert!(only(join(server)).is_err());
}

#[test]
fn server_pin_mismatch_is_refused_by_the_client() {
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    // The pin of another certificate (the client's own key), with a valid chain.
    let other = pki().leaf(Purpose::TlsClient).expect("client leaf");
    let pin = ServerPin::of(&other.certificate, PinKind::SpkiSha256).expect("pin");
    let client = client_config(Some(valid_client_identity()), Some(pin));
    let err = connect(addr, client.rustls_config(), "localhost").expect_err("pin mismatch");
    let Some(rustls::Error::InvalidCertificate(CertificateError::Other(inner))) = tls_error(&err) else {
        panic!("not a pin refusal: {err}");
    };
    let refusal = inner.0.downcast_ref::<HandshakeRefusal>().expect("a kavach refusal");
    assert!(
        matches!(
            refusal,
            HandshakeRefusal::PinMismatch {
                kind: PinKind::SpkiSha256,
                ..
            }
        ),
        "{refusal}"
    );
    assert_eq!(refusal.code(), "KVC-TLS-PIN-MISMATCH");
    assert!(refusal.to_string().contains("pin mismatch"), "{refusal}");
    assert!(only(join(server)).is_err());
}

#[test]
fn certificate_thumbprint_pin_of_the_server_is_accepted() {
    let server_leaf = pki().leaf(Purpose::TlsServer).expect("server leaf");
    let pin = ServerPin::certificate_sha256(*server_leaf.certificate.sha256_thumbprint().as_bytes());
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    let client = client_config(Some(valid_client_identity()), Some(pin));
    connect(addr, client.rustls_config(), "127.0.0.1").expect("pinned server accepted (IP name)");
    assert!(only(join(server)).is_ok());
}

#[test]
fn optional_client_certificate_accepts_an_anonymous_client_and_still_validates_a_presented_one() {
    let (addr, server) = serve(server_config(ClientAuth::Optional, CrlStore::default()), 3, |_, _| {});
    let anonymous = client_config(None, None);
    connect(addr, anonymous.rustls_config(), "localhost").expect("anonymous client accepted");
    let valid = client_config(Some(valid_client_identity()), None);
    connect(addr, valid.rustls_config(), "localhost").expect("valid client accepted");
    let expired = pki().expired(Purpose::TlsClient).expect("expired leaf");
    let key = pki().leaf(Purpose::TlsClient).expect("client leaf").key.clone();
    let invalid = client_config(Some((chain_of(&expired), key)), None);
    assert!(connect(addr, invalid.rustls_config(), "localhost").is_err());

    let outcomes = join(server);
    let anonymous = outcomes[0].as_ref().expect("anonymous accepted");
    assert!(anonymous.path.is_none(), "no certificate, no path");
    assert_client_path(
        outcomes[1]
            .as_ref()
            .expect("valid accepted")
            .path
            .as_ref()
            .expect("path"),
    );
    assert_refused_with(
        &outcomes[2],
        &rustls::Error::InvalidCertificate(CertificateError::Expired),
    );
}

#[test]
fn client_offering_only_tls12_is_accepted() {
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    let (chain, key) = valid_client_identity();
    let signing_key = TlsSigningKey::new(key).expect("signing key");
    let certified = rustls::sign::CertifiedKey::new(
        chain.iter().map(|c| c.der().to_vec().into()).collect(),
        Arc::new(signing_key),
    );
    let provider = kavach_transport::tls::restrict_provider(&provider()).expect("provider");
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .expect("TLS 1.2")
        .dangerous()
        .with_custom_certificate_verifier(server_verifier(None))
        .with_client_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
    let stream = connect(addr, Arc::new(config), "localhost").expect("TLS 1.2 handshake");
    assert_eq!(stream.conn.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    let seen = only(join(server)).expect("server accepted");
    assert_eq!(seen.version, Some(ProtocolVersion::TLSv1_2));
    assert_client_path(seen.path.as_ref().expect("client path"));
}

/// The PEM files `openssl s_client` needs: the client chain, its key, the root.
struct OpensslFiles {
    _dir: tempfile::TempDir,
    cert: std::path::PathBuf,
    chain: std::path::PathBuf,
    key: std::path::PathBuf,
    ca: std::path::PathBuf,
}

fn openssl_files() -> OpensslFiles {
    let dir = tempfile::tempdir().expect("tempdir");
    let (chain, key) = valid_client_identity();
    let cert = dir.path().join("client.pem");
    let chain_path = dir.path().join("chain.pem");
    let key_path = dir.path().join("client.key");
    let ca = dir.path().join("root.pem");
    std::fs::write(&cert, chain[0].to_pem()).expect("write");
    std::fs::write(
        &chain_path,
        chain[1..].iter().map(Certificate::to_pem).collect::<String>(),
    )
    .expect("write");
    key.write_pkcs8_pem(&key_path).expect("write key");
    std::fs::write(&ca, pki().root().certificate.to_pem()).expect("write");
    OpensslFiles {
        _dir: dir,
        cert,
        chain: chain_path,
        key: key_path,
        ca,
    }
}

/// Runs `openssl s_client` against `addr` with `args`, `ping` on its standard input; its
/// standard output and error together.
fn s_client(openssl: &std::path::Path, addr: SocketAddr, files: &OpensslFiles, args: &[&str]) -> String {
    let mut child = Command::new(openssl)
        .arg("s_client")
        .arg("-connect")
        .arg(addr.to_string())
        .arg("-cert")
        .arg(&files.cert)
        .arg("-cert_chain")
        .arg(&files.chain)
        .arg("-key")
        .arg(&files.key)
        .arg("-CAfile")
        .arg(&files.ca)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl s_client");
    if let Some(mut stdin) = child.stdin.take() {
        // The server may have closed already (refused handshakes): ignore a broken pipe.
        let _ = stdin.write_all(b"ping\n");
    }
    let out = child.wait_with_output().expect("openssl s_client output");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn tls11_offered_by_openssl_is_refused_with_a_protocol_version_alert() {
    let test = "tls11_offered_by_openssl_is_refused_with_a_protocol_version_alert";
    let Some(openssl) = kavach_testkit::program(test, "openssl") else {
        return;
    };
    let files = openssl_files();
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    let output = s_client(&openssl, addr, &files, &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]);
    assert!(
        output.contains("alert protocol version"),
        "s_client did not report a protocol_version alert:\n{output}"
    );
    let outcome = only(join(server));
    let refused = outcome
        .as_ref()
        .err()
        .and_then(|e| e.get_ref())
        .is_some_and(|e| e.is::<Refused>());
    assert!(refused, "{outcome:?}");
}

#[test]
fn openssl_s_client_with_a_valid_client_certificate_completes_the_handshake() {
    let test = "openssl_s_client_with_a_valid_client_certificate_completes_the_handshake";
    let Some(openssl) = kavach_testkit::program(test, "openssl") else {
        return;
    };
    let files = openssl_files();
    let (addr, server) = serve(server_config(ClientAuth::Required, CrlStore::default()), 1, |_, _| {});
    let output = s_client(
        &openssl,
        addr,
        &files,
        &["-verify_return_error", "-verify_ip", "127.0.0.1", "-ign_eof"],
    );
    assert!(
        output.contains("pong"),
        "no application data from the server:\n{output}"
    );
    assert!(output.contains("Verify return code: 0 (ok)"), "{output}");
    let seen = only(join(server)).expect("server accepted openssl's client certificate");
    assert_client_path(seen.path.as_ref().expect("client path"));
}

/// A server of the RSA test PKI whose key signs with `algorithm`, requiring P-256 clients.
fn rsa_server_config(algorithm: SignatureAlgorithm) -> TlsServerConfig {
    let rsa = TestPki::rsa();
    let leaf = rsa.leaf(Purpose::TlsServer).expect("server leaf");
    // The RSA test PKI's tls-server leaf holds pool key 2 (kavach_pki::testing).
    let key = kavach_pki::testing::rsa_pool_key(2)
        .and_then(|k| {
            k.with_signature_algorithm(algorithm)
                .map_err(|source| kavach_pki::Error::Signing {
                    what: "test key",
                    source,
                })
        })
        .expect("RSA key");
    TlsServerConfig::builder(
        provider(),
        client_verifier(ClientAuth::Required, CrlStore::default()),
        vec![leaf.certificate.clone(), rsa.intermediate().certificate.clone()],
        Arc::new(key),
    )
    .build()
    .expect("RSA server config")
}

fn rsa_trusting_client() -> TlsClientConfig {
    let domain = TrustDomain::new("AUTH", TestPki::rsa().trust_anchors()).expect("domain");
    let verifier = PkiServerVerifier::new(Arc::new(Validator::new()), vec![domain], clock(), &provider())
        .expect("server verifier");
    let (chain, key) = valid_client_identity();
    TlsClientConfig::builder(provider(), Arc::new(verifier))
        .with_client_certificate(chain, key)
        .build()
        .expect("client config")
}

#[test]
fn rsa_pss_server_key_completes_a_tls13_handshake() {
    let (addr, server) = serve(rsa_server_config(SignatureAlgorithm::PS256), 1, |_, _| {});
    let client = rsa_trusting_client();
    let stream = connect(addr, client.rustls_config(), "localhost").expect("handshake");
    assert_eq!(stream.conn.protocol_version(), Some(ProtocolVersion::TLSv1_3));
    let name = ServerName::parse("localhost").expect("name");
    let path = client.peer_path(&stream.conn, &name).expect("server path");
    assert_eq!(path.trust_anchor(), &TestPki::rsa().root().certificate);
    assert_client_path(
        only(join(server))
            .expect("accepted")
            .path
            .as_ref()
            .expect("client path"),
    );
}

#[test]
fn rsa_pkcs1_server_key_cannot_sign_a_tls13_handshake() {
    // RSASSA-PKCS1-v1_5 is not a TLS 1.3 CertificateVerify scheme (RFC 8446 §4.2.3): a kavach
    // signer answers one scheme, so such a key serves TLS 1.2 peers only.
    let (addr, server) = serve(rsa_server_config(SignatureAlgorithm::RS256), 1, |_, _| {});
    let client = rsa_trusting_client();
    assert!(connect(addr, client.rustls_config(), "localhost").is_err());
    assert!(only(join(server)).is_err());
}

#[test]
fn client_certificate_is_checked_at_the_callers_clock_not_the_system_time() {
    let day = Duration::from_secs(86_400);
    // Two years ahead: the (one-year) client certificate has expired by the caller's clock.
    let ahead: SharedClock = Arc::new(move || SystemTime::now() + 730 * day);
    let config = server_config_with(client_verifier_at(ClientAuth::Required, CrlStore::default(), ahead));
    let (addr, server) = serve(config, 1, |_, _| {});
    let client = client_config(Some(valid_client_identity()), None);
    assert!(connect(addr, client.rustls_config(), "localhost").is_err());
    assert_refused_with(
        &only(join(server)),
        &rustls::Error::InvalidCertificate(CertificateError::Expired),
    );

    // Ten days back: a certificate that expired yesterday by the system clock is still valid.
    let back: SharedClock = Arc::new(move || SystemTime::now() - 10 * day);
    let config = server_config_with(client_verifier_at(ClientAuth::Required, CrlStore::default(), back));
    let (addr, server) = serve(config, 1, |_, _| {});
    let expired = pki().expired(Purpose::TlsClient).expect("expired leaf");
    let key = pki().leaf(Purpose::TlsClient).expect("client leaf").key.clone();
    let client = client_config(Some((chain_of(&expired), key)), None);
    connect(addr, client.rustls_config(), "localhost").expect("valid at the caller's time");
    let seen = only(join(server)).expect("accepted");
    assert_eq!(seen.path.as_ref().map(VerifiedPath::end_entity), Some(&expired));
}

//! Criterion benchmarks of the device-management protocol's server side (kavach-device,
//! WIRE.md §6), on one thread, beside the bare JWS operations it is made of:
//!
//! - `status poll (server)`: one `ManagementServer::handle` of a fresh, valid `status` request
//!   from an enrolled, time-synced device: read the JWS, look the device up by its certificate,
//!   verify the signature and the device chain (warm validator, `ts` window, `jti` replay cache),
//!   check `to`, the digital ID, `seq` and the nonce, save the record and sign a `commands`
//!   answer. 16 devices of one provider poll in turn; every request is signed with
//!   `kavach_device::signed::sign_message` (the client's own signing function) before the timer
//!   starts, with the next `seq`, a fresh nonce/`jti` and a `ts` 10 ms (virtual) after the
//!   previous request's, and the server is called at that time. Each answer is checked (200, no
//!   refusal).
//! - `enrollment (server)`: `handle(challenge.request)` + `handle(enroll)` for a new device
//!   (FTM chain, digital ID, provisioning record): chain and digital-ID checks, the rate-limit
//!   count, the challenge, the CSR's proof of possession and challenge binding, the FTM key
//!   attestation (an L1 device), issuing the device certificate and the two signed answers.
//!   The device side (the client's `next_request` and `handle_response` for both steps: FTM
//!   signatures, device key generation, CSR, attestation, verifying both answers) runs between
//!   the two calls and after them, outside the timed region; `enrollment (client)` times exactly
//!   that device side with the server calls outside. Devices and their provisioning records are
//!   made before the timer; the server is replaced (untimed) every 64 enrollments so that the
//!   test registry (`MemoryRegistry`, which scans its devices linearly) stays small.
//! - `JWS sign ES256` and `JWS verify ES256 with chain`: `kavach_jws::sign` of a `commands`
//!   answer with the server's key (`typ`, `x5c` of 1, `ts` + `jti`), and
//!   `JwsVerifier::verify_attached_at` of a device's `status` JWS under the provider's device CA
//!   (warm validator, a replay cache that accepts everything, since the same JWS is verified
//!   again and again): the two signature operations inside one status poll.
//!
//! Run: `cargo bench --bench device -- --warm-up-time 1 --measurement-time 5`
//! (figures recorded in BENCHMARKS.md under "kavach-device").
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use kavach::device::client::{
    ClientEvent, KeyRef, KeyStore, ManagementClient, MemoryClientState, MemoryInstaller, SoftwareKeyStore,
};
use kavach::device::grammar::{Certification, Health, Nonce, SemVer};
use kavach::device::message::{Body, CommandsBody, Message, Path, StatusBody};
use kavach::device::server::{ManagementServer, MemoryRegistry, ServerRequest};
use kavach::device::signed::{MGMT_TYP, recipient_id, sign_message};
use kavach::device::testing::{DeviceWorld, FIRMWARE, PROVIDER_A, TestClock, TestDevice, VALIDATOR};
use kavach::jws::{CompactJws, Freshness, JwsVerifier, ReplayCache, ReplayKey, SignOptions, Timestamp, sign};
use kavach::pki::{Certificate, Purpose, TrustDomain};

type Client = ManagementClient<MemoryClientState, SoftwareKeyStore, TestClock, MemoryInstaller>;

/// Devices polling in turn in `status poll (server)`.
const POLLING_DEVICES: usize = 16;
/// Virtual time between two status requests (all devices together): each device then sends one
/// request every 160 ms, so its replay-cache entries (kept for `ts` + the 5-minute window)
/// stay far below its share of the cache (4,096) whatever the number of iterations.
const POLL_STEP: Duration = Duration::from_millis(10);
/// Enrollments per server before it is replaced (outside the timed region).
const ENROLLMENTS_PER_SERVER: u64 = 64;

/// Accepts every `jti`: the bare verify bench verifies one JWS repeatedly.
struct AcceptAll;
impl ReplayCache for AcceptAll {
    fn check_and_record(&self, _: ReplayKey, _: SystemTime, _: SystemTime) -> kavach::jws::Result<()> {
        Ok(())
    }
}

fn request<'a>(path: Path, body: &'a [u8]) -> ServerRequest<'a> {
    ServerRequest {
        path,
        body,
        tls_client_certificate: None,
    }
}

/// One request from `client` answered by `server` at `now`; returns the client's verdict.
fn step(client: &mut Client, server: &ManagementServer<MemoryRegistry>, now: SystemTime) -> (Path, ClientEvent) {
    let out = client
        .next_request()
        .unwrap()
        .expect("the client has something to send");
    let response = server.handle(&request(out.path, &out.body), now);
    assert!(
        response.refusal.is_none(),
        "{:?} refused: {:?}",
        out.path,
        response.refusal
    );
    (out.path, client.handle_response(&response.body).unwrap())
}

/// An enrolled, time-synced device that polls.
struct Poller {
    device: TestDevice,
    client: Client,
    key: KeyRef,
    chain: Vec<Certificate>,
    next_seq: u64,
}

/// Enrolls `n` devices with `server` through their clients, syncs their time and has each send
/// one status poll through its client, all at `now`.
fn enrolled_pollers(
    world: &DeviceWorld,
    server: &ManagementServer<MemoryRegistry>,
    n: usize,
    now: SystemTime,
) -> Vec<Poller> {
    (0..n)
        .map(|i| {
            let device = world.device(PROVIDER_A, &format!("SN-POLL-{i}"), Certification::L1, false);
            server
                .registry()
                .add_provisioning_record(device.record.clone())
                .unwrap();
            let clock = TestClock::new();
            let mut client = world.client(&device, MemoryClientState::new(), clock.clone(), MemoryInstaller::new());
            assert_eq!(
                step(&mut client, server, now),
                (Path::Challenge, ClientEvent::Challenged)
            );
            assert!(matches!(
                step(&mut client, server, now),
                (Path::Enroll, ClientEvent::Enrolled { .. })
            ));
            clock.advance(Duration::from_millis(20));
            assert!(matches!(
                step(&mut client, server, now),
                (Path::Time, ClientEvent::TimeSet { .. })
            ));
            clock.advance(Duration::from_millis(20));
            assert!(matches!(
                step(&mut client, server, now),
                (Path::Status, ClientEvent::Commands { ran: None, .. })
            ));
            let state = client.state();
            let key = state.key.clone().unwrap();
            let chain = vec![Certificate::from_der(&state.certificate_chain[0]).unwrap()];
            let next_seq = state.next_seq;
            Poller {
                device,
                client,
                key,
                chain,
                next_seq,
            }
        })
        .collect()
}

/// Nonces unique within the process: a per-run prefix and a counter.
struct Nonces {
    prefix: [u8; 8],
    counter: u64,
}

impl Nonces {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Self {
            prefix: (nanos as u64).to_be_bytes(),
            counter: 0,
        }
    }

    fn next(&mut self) -> Nonce {
        self.counter += 1;
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.prefix);
        bytes[8..].copy_from_slice(&self.counter.to_be_bytes());
        Nonce::from_bytes(bytes)
    }
}

/// A `status` request of `poller` signed at `at` with its next `seq`, as the client signs one.
fn status_request(
    poller: &mut Poller,
    to: kavach::device::grammar::Sha256Digest,
    nonce: Nonce,
    at: SystemTime,
) -> Vec<u8> {
    let seq = poller.next_seq;
    poller.next_seq += 1;
    let message = Message {
        to,
        re: None,
        digital_id: poller.device.digital_id.clone(),
        ts: Timestamp::from_system_time(at).unwrap(),
        nonce,
        seq,
        body: Body::Status(StatusBody {
            firmware: SemVer::parse("firmware", FIRMWARE).unwrap(),
            cert_expiry: Timestamp::from_system_time(poller.chain[0].not_after()).unwrap(),
            health: Health::Ok,
        }),
    };
    let signer = poller.client.keys().signer(&poller.key).unwrap();
    sign_message(signer, &poller.chain, &message).unwrap().into_bytes()
}

fn bench_status_and_jws(c: &mut Criterion) {
    let world = DeviceWorld::get();
    let server = world.server();
    let start = SystemTime::now();
    let mut pollers = enrolled_pollers(world, &server, POLLING_DEVICES, start);
    let to = recipient_id(&world.mgmt_signing.certificate);
    let mut nonces = Nonces::new();
    // The virtual time of the last request, carried over from one batch to the next.
    let mut clock = start + Duration::from_secs(1);
    let mut turn = 0usize;

    let mut group = c.benchmark_group("device");
    group.bench_function("status poll (server)", |b| {
        b.iter_custom(|iters| {
            let batch: Vec<(Vec<u8>, SystemTime)> = (0..iters)
                .map(|_| {
                    clock += POLL_STEP;
                    turn = (turn + 1) % pollers.len();
                    let nonce = nonces.next();
                    (status_request(&mut pollers[turn], to, nonce, clock), clock)
                })
                .collect();
            let timer = Instant::now();
            for (body, at) in &batch {
                let response = server.handle(&request(Path::Status, body), *at);
                assert!(
                    response.status == 200 && response.refusal.is_none(),
                    "{:?}",
                    response.refusal
                );
                black_box(response);
            }
            timer.elapsed()
        })
    });

    // The two signature operations of one poll, alone.
    let server_key = kavach::keys::PrivateKey::from_pkcs8_der(&world.mgmt_signing.key.to_pkcs8_der().unwrap()).unwrap();
    let answer = Message {
        to,
        re: Some(nonces.next()),
        digital_id: pollers[0].device.digital_id.clone(),
        ts: Timestamp::from_system_time(start).unwrap(),
        nonce: nonces.next(),
        seq: 2,
        body: Body::Commands(CommandsBody {
            commands: Vec::new(),
            latest: None,
        }),
    }
    .to_json();
    let options = SignOptions::new()
        .with_typ(MGMT_TYP)
        .with_certificate_chain(vec![world.mgmt_signing.certificate.clone()])
        .with_freshness(Freshness::TimestampAndJtiAt(start));
    group.bench_function("JWS sign ES256", |b| {
        b.iter(|| sign(&server_key, black_box(&answer), &options).unwrap())
    });

    let device_domain = TrustDomain::new(
        "device-ca:bench",
        vec![kavach::device::server::Issuer::certificate(world.device_ca_a.as_ref()).clone()],
    )
    .unwrap();
    let verifier = JwsVerifier::new(VALIDATOR.clone(), device_domain)
        .with_purpose(Purpose::Device)
        .with_replay_cache(Arc::new(AcceptAll))
        .with_window(Duration::from_secs(300))
        .unwrap();
    let at = start + Duration::from_secs(2);
    let nonce = nonces.next();
    let status = status_request(&mut pollers[0], to, nonce, at);
    let status = CompactJws::parse(std::str::from_utf8(&status).unwrap()).unwrap();
    group.bench_function("JWS verify ES256 with chain", |b| {
        b.iter(|| verifier.verify_attached_at(black_box(&status), at).unwrap())
    });
    group.finish();
}

/// The server and client time of one enrollment of a new device with `server` at `now`.
fn enroll_one(
    world: &DeviceWorld,
    server: &ManagementServer<MemoryRegistry>,
    serial: u64,
    now: SystemTime,
) -> (Duration, Duration) {
    // Factory provisioning: the FTM chip, the digital ID, the record the provider uploads.
    let device = world.device(PROVIDER_A, &format!("SN-ENROLL-{serial}"), Certification::L1, false);
    server
        .registry()
        .add_provisioning_record(device.record.clone())
        .unwrap();
    let mut client = world.client(
        &device,
        MemoryClientState::new(),
        TestClock::new(),
        MemoryInstaller::new(),
    );
    let (mut in_server, mut in_client) = (Duration::ZERO, Duration::ZERO);

    let t = Instant::now();
    let challenge_request = client.next_request().unwrap().unwrap();
    in_client += t.elapsed();
    let t = Instant::now();
    let challenge = server.handle(&request(challenge_request.path, &challenge_request.body), now);
    in_server += t.elapsed();
    let t = Instant::now();
    let event = client.handle_response(&challenge.body);
    let enroll = client.next_request().unwrap().unwrap();
    in_client += t.elapsed();
    assert_eq!(event, Ok(ClientEvent::Challenged), "{:?}", challenge.refusal);
    let t = Instant::now();
    let enrolled = server.handle(&request(enroll.path, &enroll.body), now);
    in_server += t.elapsed();
    let t = Instant::now();
    let event = client.handle_response(&enrolled.body);
    in_client += t.elapsed();
    assert!(
        matches!(event, Ok(ClientEvent::Enrolled { .. })),
        "{:?}",
        enrolled.refusal
    );
    (in_server, in_client)
}

fn bench_enrollment(c: &mut Criterion) {
    let world = DeviceWorld::get();
    let mut serial = 0u64;
    let mut group = c.benchmark_group("device");
    for (name, server_side) in [("enrollment (server)", true), ("enrollment (client)", false)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut server = world.server();
                for i in 0..iters {
                    if i > 0 && i % ENROLLMENTS_PER_SERVER == 0 {
                        server = world.server();
                    }
                    serial += 1;
                    let (s, c) = enroll_one(world, &server, serial, SystemTime::now());
                    total += if server_side { s } else { c };
                }
                total
            })
        });
    }
    group.finish();
}

criterion::criterion_group!(benches, bench_status_and_jws, bench_enrollment);
criterion::criterion_main!(benches);

//! Both ends of the device-management protocol (WIRE.md §6) driven through random interleavings
//! of clean exchanges, operator actions, clock advances and tampered messages in both directions,
//! for two devices on one server. Properties:
//! - nothing panics;
//! - the server never accepts a tampered request (status != 200), and a refused request leaves
//!   the registry's device records as they were;
//! - the client answers every tampered answer with [`ClientError::Transport`] (an answer
//!   delivered twice: with [`ClientError::NothingOutstanding`]) and its saved state unchanged, and
//!   then still accepts the genuine answer;
//! - every clean exchange works during the run, and after it (the protocol recovers): every
//!   queued command runs and is acknowledged, and a deregistration completes, its report resent
//!   byte for byte answered again without changing the registry (but for the answer's `seq`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use kavach_device::client::{
    ClientError, ClientEvent, ManagementClient, MemoryClientState, MemoryInstaller, OutgoingRequest, SoftwareKeyStore,
};
use kavach_device::grammar::{Certification, Uuid};
use kavach_device::message::Path;
use kavach_device::server::{DeviceRecord, ManagementServer, MemoryRegistry, QueueError, ServerRequest};
use kavach_device::signed::{read_signed, sign_message};
use kavach_device::testing::{DeviceWorld, PROVIDER_A, SUB_TYPE, TestClock};
use kavach_device::{Action, Direction};
use proptest::prelude::*;

type Client = ManagementClient<MemoryClientState, SoftwareKeyStore, TestClock, MemoryInstaller>;

const IMAGE: &[u8] = b"firmware image 2.0.0 for the state machines";
const IMAGE_URL: &str = "https://updates.example/fw-2.0.0.bin";

/// An operator action.
#[derive(Clone, Copy, Debug)]
enum Operator {
    CollectInfo,
    RotateKey,
    SyncTime,
    Upgrade,
}

/// How a message is tampered with.
#[derive(Clone, Copy, Debug)]
enum Tamper {
    /// XOR one byte of the JWS text (`mask` is never 0).
    Flip { at: usize, mask: u8 },
    /// An earlier message of the same direction, from either device.
    Replay { which: usize },
    /// The other device's message (its fresh answer, for answers; its fresh request over this
    /// device's TLS connection, for requests).
    Swap,
    /// Answers: the answer to a request the client has since abandoned. Requests: sent on another
    /// path.
    Misdelivered { path: usize },
    /// Cut short.
    Truncate { at: usize },
    /// The same payload signed by the look-alike server (same name, another root).
    Resign,
    /// Delivered twice: the genuine message first, then again.
    Duplicate,
}

#[derive(Clone, Copy, Debug)]
enum Act {
    Exchange { device: usize },
    Queue { device: usize, op: Operator },
    Advance { secs: u64 },
    TamperRequest { device: usize, tamper: Tamper },
    TamperAnswer { device: usize, tamper: Tamper },
}

fn operator() -> impl Strategy<Value = Operator> {
    prop_oneof![
        Just(Operator::CollectInfo),
        Just(Operator::RotateKey),
        Just(Operator::SyncTime),
        Just(Operator::Upgrade),
    ]
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        3 => (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Tamper::Flip { at, mask }),
        2 => any::<usize>().prop_map(|which| Tamper::Replay { which }),
        1 => Just(Tamper::Swap),
        1 => (1usize..Path::ALL.len()).prop_map(|path| Tamper::Misdelivered { path }),
        1 => any::<usize>().prop_map(|at| Tamper::Truncate { at }),
        1 => Just(Tamper::Resign),
        1 => Just(Tamper::Duplicate),
    ]
}

fn act() -> impl Strategy<Value = Act> {
    let device = 0usize..2;
    prop_oneof![
        4 => device.clone().prop_map(|device| Act::Exchange { device }),
        2 => (device.clone(), operator()).prop_map(|(device, op)| Act::Queue { device, op }),
        1 => (0u64..3600).prop_map(|secs| Act::Advance { secs }),
        3 => (device.clone(), tamper()).prop_map(|(device, tamper)| Act::TamperRequest { device, tamper }),
        3 => (device, tamper()).prop_map(|(device, tamper)| Act::TamperAnswer { device, tamper }),
    ]
}

/// The fields in which two records of one device differ (records are long: the whole
/// `Debug` of both hides the change).
fn describe_change(a: &DeviceRecord, b: &DeviceRecord) -> String {
    let mut changed = Vec::new();
    macro_rules! field {
        ($($name:ident),*) => {$(
            if a.$name != b.$name {
                changed.push(format!("{}: {:?} -> {:?}", stringify!($name), a.$name, b.$name));
            }
        )*};
    }
    field!(
        state,
        next_certificate,
        highest_device_seq,
        server_seq,
        last_cmd_seq,
        firmware,
        last_seen,
        deregistration_report,
        registered_at_platform,
        level
    );
    if a.commands != b.commands {
        changed.push("commands".to_owned());
    }
    if a.certificate != b.certificate {
        changed.push("certificate".to_owned());
    }
    changed.join("; ")
}

struct End {
    client: Client,
    clock: TestClock,
    device_code: Uuid,
}

struct World {
    server: ManagementServer<MemoryRegistry>,
    ends: Vec<End>,
    now: SystemTime,
    /// Every request sent to the server, from either device.
    requests: Vec<(Path, Vec<u8>)>,
    /// Every answer the server gave, to either device.
    answers: Vec<Vec<u8>>,
}

impl World {
    fn new() -> Self {
        let world = DeviceWorld::get();
        let server = world.server();
        let mut ends = Vec::new();
        for serial in ["SN-SM-1", "SN-SM-2"] {
            let device = world.device(PROVIDER_A, serial, Certification::L1, false);
            server
                .registry()
                .add_provisioning_record(device.record.clone())
                .unwrap();
            let clock = TestClock::new();
            let mut installer = MemoryInstaller::new();
            installer.serve(IMAGE_URL, IMAGE.to_vec());
            let client = world.client(&device, MemoryClientState::new(), clock.clone(), installer);
            ends.push(End {
                client,
                clock,
                device_code: Uuid::from_random_bytes([0; 16]),
            });
        }
        let mut w = Self {
            server,
            ends,
            now: SystemTime::now(),
            requests: Vec::new(),
            answers: Vec::new(),
        };
        for d in 0..2 {
            // challenge, enroll, time, status.
            assert_eq!(w.exchange(d), ClientEvent::Challenged);
            let ClientEvent::Enrolled { device_code } = w.exchange(d) else {
                panic!("device {d} did not enroll")
            };
            w.ends[d].device_code = device_code;
            assert!(matches!(w.exchange(d), ClientEvent::TimeSet { .. }));
            assert!(matches!(w.exchange(d), ClientEvent::Commands { .. }));
        }
        w
    }

    /// The device records, in `deviceCode` order.
    fn devices(&self) -> Vec<DeviceRecord> {
        let mut devices = self.server.registry().devices().unwrap();
        devices.sort_by_key(|r| r.device_code);
        devices
    }

    fn next_request(&mut self, d: usize) -> OutgoingRequest {
        self.ends[d]
            .client
            .next_request()
            .unwrap()
            .expect("an enrolled client always has something to send")
    }

    /// Sends `request` to the server as is; records it and the answer.
    fn send(&mut self, request: &OutgoingRequest) -> Vec<u8> {
        let response = self.server.handle(
            &ServerRequest {
                path: request.path,
                body: &request.body,
                tls_client_certificate: None,
            },
            self.now,
        );
        assert_eq!(
            response.status, 200,
            "a genuine {:?} request was refused: {:?}",
            request.path, response.refusal
        );
        self.requests.push((request.path, request.body.clone()));
        self.answers.push(response.body.clone());
        response.body
    }

    /// Delivers a genuine answer: the client must accept it.
    fn deliver(&mut self, d: usize, answer: &[u8]) -> ClientEvent {
        let event = self.ends[d].client.handle_response(answer);
        self.ends[d].clock.advance(Duration::from_millis(20));
        match event {
            Ok(ClientEvent::ServerError { code }) => panic!("device {d}: the server answered with {code:?}"),
            Ok(event) => event,
            Err(e) => panic!("device {d} refused a genuine answer: {e}"),
        }
    }

    /// One clean exchange.
    fn exchange(&mut self, d: usize) -> ClientEvent {
        let request = self.next_request(d);
        let answer = self.send(&request);
        self.deliver(d, &answer)
    }

    fn queue(&mut self, d: usize, op: Operator) {
        let world = DeviceWorld::get();
        let action = match op {
            Operator::CollectInfo => Action::CollectInfo,
            Operator::RotateKey => Action::RotateKey,
            Operator::SyncTime => Action::SyncTime,
            Operator::Upgrade => Action::Upgrade {
                manifest: world.release_document(
                    &world.manifest_payload("2.0.0", IMAGE, IMAGE_URL, "2099-01-01T00:00:00.000Z", SUB_TYPE),
                    &[0, 1],
                ),
                release_roots: Vec::new(),
            },
        };
        // A full queue is the operator's problem, not the protocol's.
        let _ = self.server.queue_command(&self.ends[d].device_code, action, self.now);
    }

    fn advance(&mut self, secs: u64) {
        let by = Duration::from_secs(secs);
        self.now += by;
        for end in &self.ends {
            end.clock.advance(by);
        }
    }

    /// Hands `body` on `path` to the server: it must refuse it and leave the registry as it was.
    fn refused_by_server(&self, path: Path, body: &[u8], what: &str) {
        self.refused_by_server_over(path, body, None, what);
    }

    /// [`World::refused_by_server`] with the TLS client certificate `tls`.
    fn refused_by_server_over(&self, path: Path, body: &[u8], tls: Option<&[u8]>, what: &str) {
        let before = self.devices();
        let response = self.server.handle(
            &ServerRequest {
                path,
                body,
                tls_client_certificate: tls,
            },
            self.now,
        );
        assert_ne!(response.status, 200, "the server accepted a tampered request ({what})");
        assert!(response.refusal.is_some(), "{what}: refused without a reason");
        assert_eq!(
            self.devices(),
            before,
            "a refused request ({what}) changed the registry"
        );
    }

    /// Hands `body` to client `d`: it must refuse it and keep its state.
    fn refused_by_client(&mut self, d: usize, body: &[u8], what: &str, duplicate: bool) {
        let before = self.ends[d].client.state().clone();
        let result = self.ends[d].client.handle_response(body);
        match result {
            Err(ClientError::Transport(_)) => {}
            Err(ClientError::NothingOutstanding) if duplicate => {}
            other => panic!("device {d} took a tampered answer ({what}): {other:?}"),
        }
        assert_eq!(
            self.ends[d].client.state(),
            &before,
            "{what} changed the client's state"
        );
    }

    fn tamper_request(&mut self, d: usize, tamper: Tamper) {
        let request = self.next_request(d);
        let what = format!("{tamper:?} of {:?}", request.path);
        match tamper {
            Tamper::Flip { at, mask } => {
                let mut body = request.body.clone();
                let at = at % body.len();
                body[at] ^= mask;
                self.refused_by_server(request.path, &body, &what);
            }
            Tamper::Replay { which } => {
                let (path, body) = self.requests[which % self.requests.len()].clone();
                self.refused_by_server(path, &body, &what);
            }
            Tamper::Swap => {
                // The other device's fresh request arriving on this device's TLS connection;
                // then, sent as itself, it is accepted.
                let other = self.next_request(1 - d);
                let tls = self.ends[d].client.state().certificate_chain[0].clone();
                self.refused_by_server_over(other.path, &other.body, Some(&tls), &what);
                let answer = self.send(&other);
                self.deliver(1 - d, &answer);
            }
            Tamper::Misdelivered { path } => {
                let index = Path::ALL.iter().position(|p| *p == request.path).unwrap();
                let wrong = Path::ALL[(index + path) % Path::ALL.len()];
                self.refused_by_server(wrong, &request.body, &what);
            }
            Tamper::Truncate { at } => {
                let at = at % request.body.len();
                self.refused_by_server(request.path, &request.body[..at], &what);
            }
            Tamper::Resign => {
                let world = DeviceWorld::get();
                let message = read_signed(&request.body, request.path, Direction::Request)
                    .unwrap()
                    .into_parts()
                    .1;
                let forged = sign_message(
                    &world.lookalike_signing.key,
                    std::slice::from_ref(&world.lookalike_signing.certificate),
                    &message,
                )
                .unwrap();
                self.refused_by_server(request.path, forged.as_bytes(), &what);
            }
            Tamper::Duplicate => {
                let answer = self.send(&request);
                self.refused_by_server(request.path, &request.body, &what);
                self.deliver(d, &answer);
            }
        }
    }

    fn tamper_answer(&mut self, d: usize, tamper: Tamper) {
        let request = self.next_request(d);
        let what = format!("{tamper:?} of the {:?} answer", request.path);
        match tamper {
            Tamper::Misdelivered { .. } => {
                // The answer to a request the client has abandoned (an answer that came late).
                let late = self.send(&request);
                let current = self.next_request(d);
                self.refused_by_client(d, &late, &what, false);
                let answer = self.send(&current);
                self.deliver(d, &answer);
                return;
            }
            Tamper::Duplicate => {
                let answer = self.send(&request);
                self.deliver(d, &answer);
                self.refused_by_client(d, &answer, &what, true);
                return;
            }
            Tamper::Swap => {
                let answer = self.send(&request);
                let other = self.next_request(1 - d);
                let other_answer = self.send(&other);
                self.refused_by_client(d, &other_answer, &what, false);
                self.deliver(1 - d, &other_answer);
                self.deliver(d, &answer);
                return;
            }
            _ => {}
        }
        let answer = self.send(&request);
        let tampered = match tamper {
            Tamper::Flip { at, mask } => {
                let mut body = answer.clone();
                let at = at % body.len();
                body[at] ^= mask;
                body
            }
            Tamper::Replay { which } => {
                // An earlier answer (the one just sent is the last: never picked).
                self.answers[which % (self.answers.len() - 1)].clone()
            }
            Tamper::Truncate { at } => answer[..at % answer.len()].to_vec(),
            Tamper::Resign => {
                let world = DeviceWorld::get();
                let message = read_signed(&answer, request.path, Direction::Response)
                    .unwrap()
                    .into_parts()
                    .1;
                sign_message(
                    &world.lookalike_signing.key,
                    std::slice::from_ref(&world.lookalike_signing.certificate),
                    &message,
                )
                .unwrap()
                .into_bytes()
            }
            Tamper::Misdelivered { .. } | Tamper::Duplicate | Tamper::Swap => unreachable!("handled above"),
        };
        self.refused_by_client(d, &tampered, &what, false);
        // The genuine answer still counts: a refused answer changed nothing.
        self.deliver(d, &answer);
    }

    fn run(&mut self, act: Act) {
        match act {
            Act::Exchange { device } => {
                self.exchange(device);
            }
            Act::Queue { device, op } => self.queue(device, op),
            Act::Advance { secs } => self.advance(secs),
            Act::TamperRequest { device, tamper } => self.tamper_request(device, tamper),
            Act::TamperAnswer { device, tamper } => self.tamper_answer(device, tamper),
        }
    }
}

proptest! {
    #![proptest_config(kavach_testkit::proptest_config(32))]

    #[test]
    fn tampered_messages_are_refused_and_the_protocol_recovers(
        acts in proptest::collection::vec(act(), 1..24),
    ) {
        let mut w = World::new();
        for act in acts {
            w.run(act);
        }
        // Clean exchanges still work, for both devices, until every queued command has run and
        // been acknowledged and a poll brings nothing.
        for d in 0..2 {
            let code = w.ends[d].device_code;
            let mut settled = false;
            for _ in 0..32 {
                let event = w.exchange(d);
                let open = w
                    .devices()
                    .into_iter()
                    .find(|r| r.device_code == code)
                    .unwrap()
                    .commands
                    .iter()
                    .any(|q| q.outcome.is_none());
                if matches!(event, ClientEvent::Commands { ran: None, .. }) && !open {
                    settled = true;
                    break;
                }
            }
            prop_assert!(settled, "device {} never settled", d);
        }
        // The one byte-identical resend the protocol allows: the deregistration report. Answered
        // again, and the registry unchanged by it.
        let code = w.ends[0].device_code;
        w.server.queue_command(&code, Action::Deregister, w.now).unwrap();
        let event = w.exchange(0);
        prop_assert!(
            matches!(event, ClientEvent::Commands { ran: Some("deregister"), .. }),
            "deregister: {:?}", event
        );
        let report = w.next_request(0);
        let answer = w.send(&report);
        let before = w.devices();
        let again = w.server.handle(
            &ServerRequest { path: report.path, body: &report.body, tls_client_certificate: None },
            w.now,
        );
        prop_assert_eq!(again.status, 200);
        // Only the answer counter moves: every answer, this one too, takes the next `seq`.
        let after = w.devices();
        for (a, b) in before.iter().zip(&after) {
            let mut b = b.clone();
            if a.device_code == code {
                prop_assert_eq!(b.server_seq, a.server_seq + 1);
                b.server_seq = a.server_seq;
            }
            prop_assert!(*a == b, "the resent report changed the record: {}", describe_change(a, &b));
        }
        prop_assert_eq!(w.deliver(0, &answer), ClientEvent::Deregistered);
        // The other device is unaffected.
        let event = w.exchange(1);
        prop_assert!(
            matches!(event, ClientEvent::Commands { ran: None, .. } | ClientEvent::TimeSet { .. }),
            "device 1 after device 0 left: {:?}", event
        );
    }
}

/// Found by the proptest: two `rotate-key`s queued back to back made the server replace the new
/// certificate while the device installed the first one, and every later request from the device
/// was refused as from an unknown device. A second rotation is now refused while one is under way.
#[test]
fn a_second_rotate_key_is_refused_while_one_is_under_way() {
    let mut w = World::new();
    let code = w.ends[0].device_code;
    w.server.queue_command(&code, Action::RotateKey, w.now).unwrap();
    let second = w.server.queue_command(&code, Action::RotateKey, w.now);
    assert!(matches!(second, Err(QueueError::RotationInProgress)), "{second:?}");
    // status (rotate-key), result (CSR: the new certificate issued, install-cert queued).
    w.exchange(0);
    w.exchange(0);
    let record = w.devices().into_iter().find(|r| r.device_code == code).unwrap();
    assert!(record.next_certificate.is_some());
    let third = w.server.queue_command(&code, Action::RotateKey, w.now);
    assert!(matches!(third, Err(QueueError::RotationInProgress)), "{third:?}");
    // status (install-cert), result (signed with the new key): the rotation is done.
    assert_eq!(
        w.exchange(0),
        ClientEvent::Commands {
            ran: Some("install-cert"),
            outcome: Some(kavach_device::grammar::Outcome::Done)
        }
    );
    assert!(matches!(w.exchange(0), ClientEvent::Acknowledged { .. }));
    let record = w.devices().into_iter().find(|r| r.device_code == code).unwrap();
    assert!(record.next_certificate.is_none());
    assert_eq!(w.ends[0].client.state().certificate_chain[0], record.certificate.der);
    // A new rotation may start, and the device keeps talking.
    w.server.queue_command(&code, Action::RotateKey, w.now).unwrap();
    assert!(matches!(
        w.exchange(0),
        ClientEvent::Commands {
            ran: Some("rotate-key"),
            ..
        }
    ));
}

/// Found by the proptest: a device that installed its new certificate and then needed a time
/// sync before sending the install-cert result signed the time request with the new key, which
/// the server refused until that result arrived — and the result waits for the time sync. The
/// server now answers time requests signed with the new key too.
#[test]
fn a_time_sync_between_install_cert_and_its_result_is_answered() {
    let mut w = World::new();
    let code = w.ends[0].device_code;
    w.server.queue_command(&code, Action::RotateKey, w.now).unwrap();
    assert!(matches!(
        w.exchange(0),
        ClientEvent::Commands {
            ran: Some("rotate-key"),
            ..
        }
    ));
    assert!(matches!(w.exchange(0), ClientEvent::Acknowledged { .. }));
    assert!(matches!(
        w.exchange(0),
        ClientEvent::Commands {
            ran: Some("install-cert"),
            ..
        }
    ));
    assert!(w.ends[0].client.state().previous_key.is_some());
    // Long enough for the provisional time to need confirming before the result goes out.
    w.advance(2676);
    let request = w.next_request(0);
    assert_eq!(request.path, Path::Time);
    let answer = w.send(&request);
    assert!(matches!(w.deliver(0, &answer), ClientEvent::TimeSet { .. }));
    assert!(matches!(w.exchange(0), ClientEvent::Acknowledged { .. }));
    let record = w.devices().into_iter().find(|r| r.device_code == code).unwrap();
    assert!(record.next_certificate.is_none(), "the rotation completed");
    assert_eq!(w.ends[0].client.state().certificate_chain[0], record.certificate.der);
    assert_eq!(w.ends[0].client.state().previous_key, None);
}

//! The device-management protocol's two ends (WIRE.md §6) under fuzzed bytes: a
//! [`ManagementServer`] with one enrolled device, and a [`ManagementClient`] with a request
//! outstanding. Both are built once per process over the `kavach_device::testing` world.
//!
//! The world's keys are made per process, so a valid message committed as a seed parses but never
//! verifies in another process. To reach the code behind the signature checks anyway, every input
//! is used twice: as the raw bytes, and as an edit script over messages made valid in this process
//! ([`edit_template`]): the first byte picks a template, each following three bytes overwrite one
//! byte of it (`position` big-endian, `xor`), a zero `xor` truncating there instead. An empty
//! script hands over the template itself.

use std::borrow::Cow;
use std::sync::{LazyLock, Mutex};
use std::time::SystemTime;

use kavach_device::client::{
    ClientEvent, ManagementClient, MemoryClientState, MemoryInstaller, SavedState, SoftwareKeyStore,
};
use kavach_device::grammar::Certification;
use kavach_device::server::{ManagementServer, MemoryRegistry, ServerRequest};
use kavach_device::signed::read_signed;
use kavach_device::testing::{DeviceWorld, PROVIDER_A, TestClock};
use kavach_device::{Action, Direction, Path, Refusal};

use crate::reached::Reached;

/// The most edits an input's script applies to a template (bounds the loop over the input).
pub const MAX_TEMPLATE_EDITS: usize = 16;

type Client = ManagementClient<MemoryClientState, SoftwareKeyStore, TestClock, MemoryInstaller>;

/// One enrolled device talking to a server at a fixed `now`: the exchanges of a short life.
pub struct DeviceExchanges {
    /// The server (one device enrolled, a `collect-info` done).
    pub server: ManagementServer<MemoryRegistry>,
    /// The client, idle (nothing outstanding).
    pub client: Client,
    /// The server's time for every request.
    pub now: SystemTime,
    /// Every request sent, in order, with its path.
    pub requests: Vec<(Path, Vec<u8>)>,
    /// The answer to each request, in order.
    pub answers: Vec<Vec<u8>>,
}

/// Enrolls a new device of the test world through a real client and runs it through a time
/// sync, a status poll and a `collect-info`, recording every request and answer. Panics if the
/// protocol fails (the world is broken, not the input).
pub fn device_exchanges(serial: &str) -> DeviceExchanges {
    let world = DeviceWorld::get();
    let server = world.server();
    let device = world.device(PROVIDER_A, serial, Certification::L1, false);
    server
        .registry()
        .add_provisioning_record(device.record.clone())
        .unwrap_or_else(|e| panic!("provisioning record: {e}"));
    let clock = TestClock::new();
    let client = world.client(&device, MemoryClientState::new(), clock, MemoryInstaller::new());
    let mut run = DeviceExchanges {
        server,
        client,
        now: SystemTime::now(),
        requests: Vec::new(),
        answers: Vec::new(),
    };
    // challenge, enroll, time, status.
    for _ in 0..4 {
        run.exchange();
    }
    let device_code = run
        .client
        .state()
        .device_code
        .unwrap_or_else(|| panic!("the fuzz device did not enroll"));
    run.server
        .queue_command(&device_code, Action::CollectInfo, run.now)
        .unwrap_or_else(|e| panic!("queue collect-info: {e}"));
    // status (runs collect-info), result.
    for _ in 0..2 {
        run.exchange();
    }
    run
}

impl DeviceExchanges {
    /// One request, its answer; both recorded. Panics when either end refuses.
    pub fn exchange(&mut self) -> ClientEvent {
        let request = self
            .client
            .next_request()
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("the fuzz client has nothing to send"));
        let response = self.server.handle(
            &ServerRequest {
                path: request.path,
                body: &request.body,
                tls_client_certificate: None,
            },
            self.now,
        );
        assert_eq!(response.status, 200, "{:?}: {:?}", request.path, response.refusal);
        let event = self
            .client
            .handle_response(&response.body)
            .unwrap_or_else(|e| panic!("the fuzz client refused its answer: {e}"));
        self.requests.push((request.path, request.body));
        self.answers.push(response.body);
        event
    }
}

/// The input as an edit script over one of `templates` (see the module documentation); `None`
/// for an empty input or no templates.
pub fn edit_template<'a>(templates: &'a [Vec<u8>], data: &[u8]) -> Option<Cow<'a, [u8]>> {
    let (&pick, script) = data.split_first()?;
    let template = templates.get(usize::from(pick) % templates.len().max(1))?;
    if script.len() < 3 {
        return Some(Cow::Borrowed(template));
    }
    let mut edited = template.clone();
    for op in script.chunks_exact(3).take(MAX_TEMPLATE_EDITS) {
        if edited.is_empty() {
            break;
        }
        let position = usize::from(u16::from_be_bytes([op[0], op[1]])) % edited.len();
        match op[2] {
            0 => edited.truncate(position),
            xor => edited[position] ^= xor,
        }
    }
    Some(Cow::Owned(edited))
}

struct ServerFixture {
    server: ManagementServer<MemoryRegistry>,
    now: SystemTime,
    templates: Vec<Vec<u8>>,
    tls: Vec<u8>,
}

static SERVER: LazyLock<ServerFixture> = LazyLock::new(|| {
    let mut run = device_exchanges("SN-FUZZ-SERVER");
    // Two more requests, made but never sent: fresh (their nonces and `seq`s unseen).
    let mut templates: Vec<Vec<u8>> = run.requests.iter().map(|(_, body)| body.clone()).collect();
    for _ in 0..2 {
        if let Ok(Some(request)) = run.client.next_request() {
            templates.push(request.body);
        }
    }
    let tls = run
        .client
        .state()
        .certificate_chain
        .first()
        .cloned()
        .unwrap_or_default();
    ServerFixture {
        server: run.server,
        now: run.now,
        templates,
        tls,
    }
});

/// The bytes (raw, and as an edit script over this process's valid requests) handed to a
/// [`ManagementServer`] with one enrolled device, on every path, with and without the device's
/// TLS client certificate. Every refusal must name its reason, and a refused request must leave
/// the registry's device records as they were. `parsed` counts the requests that read as a
/// management JWS on their path, `verified` the accepted ones.
pub fn device_server_handle(data: &[u8]) -> Reached {
    let fixture = &*SERVER;
    let mut reached = Reached::default();
    let edited = edit_template(&fixture.templates, data);
    let bodies = std::iter::once(data).chain(edited.as_deref());
    for body in bodies {
        for path in Path::ALL {
            if read_signed(body, path, Direction::Request).is_ok() {
                reached.parsed += 1;
            }
            for tls in [None, Some(fixture.tls.as_slice())] {
                let before = fixture.server.registry().devices().ok();
                let response = fixture.server.handle(
                    &ServerRequest {
                        path,
                        body,
                        tls_client_certificate: tls,
                    },
                    fixture.now,
                );
                if response.status == 200 {
                    reached.verified += 1;
                    continue;
                }
                assert!(
                    response.refusal.is_some(),
                    "a {} answer without a refusal",
                    response.status
                );
                assert_eq!(
                    fixture.server.registry().devices().ok(),
                    before,
                    "a refused request changed the registry"
                );
            }
        }
    }
    reached
}

struct ClientFixture {
    run: DeviceExchanges,
    /// The valid answer to the outstanding request, then every earlier answer.
    templates: Vec<Vec<u8>>,
}

impl ClientFixture {
    fn new() -> Self {
        let run = device_exchanges("SN-FUZZ-CLIENT");
        let templates = run.answers.clone();
        let mut fixture = ClientFixture { run, templates };
        fixture.prime();
        fixture
    }

    /// Sends the next request to the server and keeps its answer undelivered, as template 0.
    /// The server's time stands still, so its replay cache keeps every nonce: when the device's
    /// share of it is full (after many accepted answers), the fixture is built afresh.
    fn prime(&mut self) {
        let Ok(Some(request)) = self.run.client.next_request() else {
            panic!("the fuzz client has nothing to send");
        };
        let response = self.run.server.handle(
            &ServerRequest {
                path: request.path,
                body: &request.body,
                tls_client_certificate: None,
            },
            self.run.now,
        );
        if response.refusal == Some(Refusal::ReplayCacheFull) {
            *self = Self::new();
            return;
        }
        assert_eq!(response.status, 200, "{:?}", response.refusal);
        self.templates.insert(0, response.body);
        // Keep the set bounded: the current answer and the setup's.
        self.templates.truncate(self.run.answers.len() + 1);
    }
}

static CLIENT: LazyLock<Mutex<ClientFixture>> = LazyLock::new(|| Mutex::new(ClientFixture::new()));

/// The bytes (raw, and as an edit script over this process's answers: template 0 is the valid
/// answer to the outstanding request) handed to an enrolled, time-synced [`ManagementClient`]
/// with a status poll outstanding. An error must leave the client's saved state as it was; an
/// accepted answer (the template itself) is followed by a fresh request. `parsed` counts the
/// bodies that read as a management JWS answer on the status path, `verified` the accepted ones.
pub fn device_client_handle(data: &[u8]) -> Reached {
    let mut fixture = CLIENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut reached = Reached::default();
    let edited = edit_template(&fixture.templates, data).map(Cow::into_owned);
    for body in std::iter::once(data.to_vec()).chain(edited) {
        if read_signed(&body, Path::Status, Direction::Response).is_ok() {
            reached.parsed += 1;
        }
        let before: SavedState = fixture.run.client.state().clone();
        match fixture.run.client.handle_response(&body) {
            Ok(_) => {
                reached.verified += 1;
                fixture.prime();
            }
            Err(error) => assert_eq!(
                fixture.run.client.state(),
                &before,
                "the client's state changed on an error: {error}"
            ),
        }
    }
    reached
}

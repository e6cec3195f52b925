//! The harness shared by the protocol scenario tests: a real `ManagementServer` and a real
//! `ManagementClient` of the test world, driven one request at a time, plus the tools to
//! hand-build, re-sign and tamper with messages on either side.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use kavach_device::client::{
    ClientConfig, ClientError, ClientEvent, KeyRef, KeyStore, KeyStoreError, ManagementClient, MemoryClientState,
    MemoryInstaller, Provisioning, SoftwareKeyStore,
};
use kavach_device::grammar::{Label, Uuid};
use kavach_device::message::{Body, Direction, Message, Path};
use kavach_device::server::{
    DeviceRecord, ManagementServer, MemoryRegistry, ServerRequest, ServerResponse, ServerTask,
};
use kavach_device::signed::{read_signed, sign_message};
use kavach_device::testing::{DeviceWorld, TestClock, TestDevice, VALIDATOR};
use kavach_keys::{KeyKind, PrivateKey, Signer};
use kavach_pki::Certificate;

/// The client type of the world's own clients.
pub type Client<K = SoftwareKeyStore> = ManagementClient<MemoryClientState, K, TestClock, MemoryInstaller>;

/// Both ends of one device's protocol, in memory.
pub struct Harness<K: KeyStore = SoftwareKeyStore> {
    /// The server.
    pub server: ManagementServer<MemoryRegistry>,
    /// The client.
    pub client: Client<K>,
    /// The client's persisted state (shared with the client: a test can reset or inspect it).
    pub store: MemoryClientState,
    /// The client's boot clock.
    pub clock: TestClock,
    /// The server's time.
    pub now: SystemTime,
    /// Every task the server returned.
    pub tasks: Vec<ServerTask>,
}

impl Harness<SoftwareKeyStore> {
    /// The world's server with `device`'s provisioning record, and the world's client.
    pub fn new(device: &TestDevice, installer: MemoryInstaller) -> Self {
        Self::with_server(device, DeviceWorld::get().server(), installer)
    }

    /// [`Harness::new`] over another server (the record is added to it).
    pub fn with_server(
        device: &TestDevice,
        server: ManagementServer<MemoryRegistry>,
        installer: MemoryInstaller,
    ) -> Self {
        server
            .registry()
            .add_provisioning_record(device.record.clone())
            .unwrap();
        let clock = TestClock::new();
        let store = MemoryClientState::new();
        let client = DeviceWorld::get().client(device, store.clone(), clock.clone(), installer);
        Self::assemble(server, client, store, clock)
    }
}

impl Harness<SharedKeys> {
    /// A harness whose client keeps its keys across restarts ([`Harness::restart`]).
    pub fn restartable(device: &TestDevice, installer: MemoryInstaller) -> (Self, SharedKeys) {
        let world = DeviceWorld::get();
        let server = world.server();
        server
            .registry()
            .add_provisioning_record(device.record.clone())
            .unwrap();
        let clock = TestClock::new();
        let store = MemoryClientState::new();
        let keys = SharedKeys::new(device);
        let client = client_with(device, |_| {}, store.clone(), keys.clone(), clock.clone(), installer);
        (Self::assemble(server, client, store, clock), keys)
    }

    /// The device reboots: a new client on the same persisted state, keys and boot clock
    /// (in-memory state — the outstanding request, an unsent result — is lost).
    pub fn restart(&mut self, device: &TestDevice, keys: &SharedKeys, installer: MemoryInstaller) {
        self.client = client_with(
            device,
            |_| {},
            self.store.clone(),
            keys.clone(),
            self.clock.clone(),
            installer,
        );
    }
}

impl<K: KeyStore> Harness<K> {
    /// A harness over parts built by the test.
    pub fn assemble(
        server: ManagementServer<MemoryRegistry>,
        client: Client<K>,
        store: MemoryClientState,
        clock: TestClock,
    ) -> Self {
        Self {
            server,
            client,
            store,
            clock,
            now: SystemTime::now(),
            tasks: Vec::new(),
        }
    }

    /// Moves both clocks forward.
    pub fn advance(&mut self, by: Duration) {
        self.clock.advance(by);
        self.now += by;
    }

    /// The client's next request (it must have one).
    pub fn request(&mut self) -> kavach_device::client::OutgoingRequest {
        self.client
            .next_request()
            .unwrap()
            .expect("the client has something to send")
    }

    /// Delivers `body` on `path` to the server at its time, without a TLS client certificate.
    pub fn deliver(&mut self, path: Path, body: &[u8]) -> ServerResponse {
        self.deliver_tls(path, body, None)
    }

    /// [`Harness::deliver`] with a TLS client certificate.
    pub fn deliver_tls(&mut self, path: Path, body: &[u8], tls: Option<&[u8]>) -> ServerResponse {
        let response = self.server.handle(
            &ServerRequest {
                path,
                body,
                tls_client_certificate: tls,
            },
            self.now,
        );
        self.tasks.extend(response.tasks.clone());
        if let Some(refusal) = &response.refusal {
            eprintln!("server refused {path:?}: {}", refusal.detail());
        }
        response
    }

    /// Hands `body` to the client as the answer to its outstanding request, 20 ms later.
    pub fn answer(&mut self, body: &[u8]) -> Result<ClientEvent, ClientError> {
        self.clock.advance(Duration::from_millis(20));
        self.client.handle_response(body)
    }

    /// One request and its answer; returns the path used and the client's verdict.
    pub fn step(&mut self) -> (Path, Result<ClientEvent, ClientError>) {
        let request = self.request();
        let response = self.deliver(request.path, &request.body);
        (request.path, self.answer(&response.body))
    }

    /// The one device record.
    pub fn device(&self) -> DeviceRecord {
        let devices = self.server.registry().devices().unwrap();
        assert_eq!(devices.len(), 1);
        devices[0].clone()
    }

    /// challenge.request -> challenge, enroll -> enrolled; returns the device code.
    pub fn enroll(&mut self) -> Uuid {
        assert_eq!(self.step(), (Path::Challenge, Ok(ClientEvent::Challenged)));
        let (path, event) = self.step();
        assert_eq!(path, Path::Enroll);
        match event {
            Ok(ClientEvent::Enrolled { device_code }) => device_code,
            other => panic!("enrollment failed: {other:?}"),
        }
    }

    /// Enrolled, time set (provisionally, the first answer after boot) and one empty poll.
    pub fn ready(&mut self) -> Uuid {
        let code = self.enroll();
        assert_eq!(
            self.step(),
            (Path::Time, Ok(ClientEvent::TimeSet { provisional: true }))
        );
        assert_eq!(
            self.step(),
            (
                Path::Status,
                Ok(ClientEvent::Commands {
                    ran: None,
                    outcome: None
                })
            )
        );
        code
    }

    /// [`Harness::ready`], then the provisional time confirmed by a second answer 11 minutes
    /// later over a new connection (rule 17): trusted time with hi known.
    pub fn trusted(&mut self) -> Uuid {
        let code = self.ready();
        self.advance(Duration::from_secs(11 * 60));
        self.client.new_connection();
        assert_eq!(
            self.step(),
            (Path::Time, Ok(ClientEvent::TimeSet { provisional: false }))
        );
        code
    }

    /// The client's device key and certificate (enrolled).
    pub fn device_signer(&self) -> (&dyn Signer, Vec<Certificate>) {
        let key = self.client.state().key.clone().expect("enrolled");
        let signer = self.client.keys().signer(&key).expect("device key");
        let chain = vec![Certificate::from_der(&self.client.state().certificate_chain[0]).unwrap()];
        (signer, chain)
    }

    /// Re-signs `message` as the device (its current key and certificate).
    pub fn sign_as_device(&self, message: &Message) -> Vec<u8> {
        let (signer, chain) = self.device_signer();
        sign_message(signer, &chain, message).unwrap().into_bytes()
    }

    /// Hands `body` to the client and asserts it is refused as a transport failure (rule 28)
    /// that changed no state, in memory or persisted; returns the refusal.
    pub fn refuse(&mut self, body: &[u8]) -> kavach_device::Refusal {
        let before = self.client.state().clone();
        let stored = self.store.snapshot();
        let result = self.answer(body);
        let Err(ClientError::Transport(refusal)) = result else {
            panic!("expected a transport failure, got {result:?}")
        };
        assert_eq!(self.client.state(), &before, "the client's state did not change");
        assert_eq!(self.store.snapshot(), stored, "nothing was persisted");
        refusal
    }

    /// The client's next request, delivered; returns the request and the server's response.
    pub fn exchange(&mut self) -> (kavach_device::client::OutgoingRequest, ServerResponse) {
        let request = self.request();
        let response = self.deliver(request.path, &request.body);
        (request, response)
    }
}

/// A server answer on `path`, edited by `edit` and re-signed with the management server's key.
pub fn resign_answer(body: &[u8], path: Path, edit: impl FnOnce(&mut Message)) -> Vec<u8> {
    let mut message = decode(body, path, Direction::Response);
    edit(&mut message);
    sign_as_server(&message)
}

/// Reads a signed message without verifying it.
pub fn decode(body: &[u8], path: Path, direction: Direction) -> Message {
    read_signed(body, path, direction)
        .unwrap_or_else(|e| panic!("not a signed message: {e}"))
        .into_parts()
        .1
}

/// The code of the signed `error` in a server response.
pub fn error_code(response: &ServerResponse, path: Path) -> String {
    match decode(&response.body, path, Direction::Response).body {
        Body::Error(e) => e.code.as_str().to_owned(),
        other => panic!("not an error: {other:?}"),
    }
}

/// Signs `message` with the management server's key (the test plays the server).
pub fn sign_as_server(message: &Message) -> Vec<u8> {
    let world = DeviceWorld::get();
    sign_message(
        &world.mgmt_signing.key,
        std::slice::from_ref(&world.mgmt_signing.certificate),
        message,
    )
    .unwrap()
    .into_bytes()
}

/// Signs `message` with `device`'s FTM key and chain (an enrollment message).
pub fn sign_as_ftm(device: &TestDevice, message: &Message) -> Vec<u8> {
    sign_message(
        &device.chip.key,
        std::slice::from_ref(&device.chip.certificate),
        message,
    )
    .unwrap()
    .into_bytes()
}

/// Fresh random nonce.
pub fn fresh_nonce() -> kavach_device::grammar::Nonce {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).unwrap();
    kavach_device::grammar::Nonce::from_bytes(bytes)
}

/// A client for `device` over `state`, with its provisioning changed by `edit` and its keys in
/// `keys`.
pub fn client_with<K: KeyStore>(
    device: &TestDevice,
    edit: impl FnOnce(&mut Provisioning),
    state: MemoryClientState,
    keys: K,
    clock: TestClock,
    installer: MemoryInstaller,
) -> Client<K> {
    let mut provisioning = DeviceWorld::get().provisioning(device);
    edit(&mut provisioning);
    ManagementClient::new(
        ClientConfig::new(provisioning),
        state,
        keys,
        clock,
        installer,
        VALIDATOR.clone(),
    )
    .unwrap()
}

/// The world's software key store for `device`, attesting or not.
pub fn software_keys(device: &TestDevice, attests: bool) -> SoftwareKeyStore {
    SoftwareKeyStore::new(
        PrivateKey::from_pkcs8_der(&device.chip.key.to_pkcs8_der().unwrap()).unwrap(),
        vec![device.chip.certificate.clone()],
        attests,
    )
}

/// A key store whose keys outlive the client (shared between clones): a device restart keeps
/// its keys, as a real FTM does. Keys are leaked, which is fine in a test.
#[derive(Clone)]
pub struct SharedKeys {
    ftm: &'static PrivateKey,
    chain: Vec<Certificate>,
    keys: Arc<Mutex<HashMap<String, &'static PrivateKey>>>,
    destroyed: Arc<Mutex<HashMap<String, &'static PrivateKey>>>,
    counter: Arc<Mutex<u64>>,
}

impl SharedKeys {
    /// The key store of `device` (not attesting: enrolls at L0).
    pub fn new(device: &TestDevice) -> Self {
        let ftm: &'static PrivateKey = Box::leak(Box::new(
            PrivateKey::from_pkcs8_der(&device.chip.key.to_pkcs8_der().unwrap()).unwrap(),
        ));
        Self {
            ftm,
            chain: vec![device.chip.certificate.clone()],
            keys: Arc::default(),
            destroyed: Arc::default(),
            counter: Arc::default(),
        }
    }
}

impl SharedKeys {
    /// The key behind `key`, even after the client destroyed it (an attacker who kept a copy).
    pub fn private(&self, key: &KeyRef) -> Option<&'static PrivateKey> {
        let live = self.keys.lock().unwrap().get(key.as_str()).copied();
        live.or_else(|| self.destroyed.lock().unwrap().get(key.as_str()).copied())
    }

    /// Live keys.
    pub fn live_keys(&self) -> usize {
        self.keys.lock().unwrap().len()
    }
}

impl KeyStore for SharedKeys {
    fn ftm(&self) -> &dyn Signer {
        self.ftm
    }

    fn ftm_chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn generate(&mut self) -> Result<KeyRef, KeyStoreError> {
        let n = {
            let mut c = self.counter.lock().unwrap();
            *c += 1;
            *c
        };
        let label = Label::parse("key", &format!("shared-key-{n}")).unwrap();
        let key: &'static PrivateKey = Box::leak(Box::new(PrivateKey::generate(KeyKind::P256).unwrap()));
        self.keys.lock().unwrap().insert(label.as_str().to_owned(), key);
        Ok(label)
    }

    fn signer(&self, key: &KeyRef) -> Option<&dyn Signer> {
        let live: &'static PrivateKey = self.keys.lock().unwrap().get(key.as_str()).copied()?;
        Some(live)
    }

    fn destroy(&mut self, key: &KeyRef) -> Result<(), KeyStoreError> {
        let removed = self.keys.lock().unwrap().remove(key.as_str());
        if let Some(k) = removed {
            self.destroyed.lock().unwrap().insert(key.as_str().to_owned(), k);
        }
        Ok(())
    }

    fn attestation(&self, _key: &KeyRef) -> Option<String> {
        None
    }
}

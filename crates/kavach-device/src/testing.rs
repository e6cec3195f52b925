//! A complete device-provider world for tests, benches, fuzzing and examples (feature
//! `testing`): FTM roots, device CAs, the pinned management-server CA and its signing
//! certificate, a look-alike server under another root, release keys and a release-root, and
//! devices with FTM chips and digital IDs. **Never for production trust**: keys are generated in
//! memory, names are fixed.
//!
//! The CA hierarchy is built once per process ([`DeviceWorld::get`]); devices are cheap (one
//! P-256 key each).

use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kavach_jws::{SignOptions, sign};
use kavach_keys::{KeyKind, PrivateKey, Signer};
use kavach_pki::issue::{
    DistinguishedName, Issuer as PkiIssuer, SubjectAltName, Validity, issue_end_entity, issue_root,
};
use kavach_pki::{Certificate, Purpose, TrustDomain, Validator};

use crate::client::{
    ClientConfig, ManagementClient, MemoryClientState, MemoryInstaller, Provisioning, SoftwareKeyStore, TrustedClock,
};
use crate::command::GeneralJws;
use crate::device_info::{DeviceInfo, DigitalId};
use crate::grammar::{
    Certification, CompactJwsText, DevicePurpose, DeviceStatus, DnsName, Env, IsoDateTime, Label, SemVer, Sha256Digest,
};
use crate::release::sign_release_document;
use crate::server::{
    ManagementServer, MemoryRegistry, Provider, ProvisionedKey, ProvisioningRecord, ServerConfig, SignerIssuer,
};
use crate::signed::recipient_id;
use crate::trusted_time::BootInstant;
use crate::upgrade::{DeviceTarget, HardwareTarget};

/// The management server's DNS name in the test world.
pub const SERVER_NAME: &str = "mgmt.provider.example";
/// Provider A's id.
pub const PROVIDER_A: &str = "PROVIDER-A";
/// Provider B's id.
pub const PROVIDER_B: &str = "PROVIDER-B";
/// The approved make.
pub const MAKE: &str = "Kavach";
/// The approved model.
pub const MODEL: &str = "FP-100";
/// The device sub-type (hardware target).
pub const SUB_TYPE: &str = "Slap";
/// The product name of the release-root.
pub const PRODUCT: &str = "kavach-fp";
/// The firmware version devices start with.
pub const FIRMWARE: &str = "1.0.0";

fn label(text: &str) -> Label {
    Label::parse("label", text).unwrap_or_else(|_| panic!("test label {text:?} must parse"))
}

fn dn(text: &str) -> DistinguishedName {
    DistinguishedName::parse(text).unwrap_or_else(|e| panic!("test name {text}: {e}"))
}

/// A key and its certificate.
pub struct KeyAndCert {
    /// The key (signs JWS as ES256 and X.509 in DER).
    pub key: PrivateKey,
    /// The certificate.
    pub certificate: Certificate,
}

fn p256() -> PrivateKey {
    PrivateKey::generate(KeyKind::P256).unwrap_or_else(|e| panic!("P-256 generation: {e}"))
}

fn validity(from: SystemTime, days: u64) -> Validity {
    Validity::new(from, from + Duration::from_secs(days * 86_400)).unwrap_or_else(|e| panic!("validity: {e}"))
}

fn root(name: &str, from: SystemTime) -> KeyAndCert {
    let key = p256();
    let certificate =
        issue_root(&key, &dn(name), validity(from, 3650), Some(0)).unwrap_or_else(|e| panic!("root {name}: {e}"));
    KeyAndCert { key, certificate }
}

fn leaf(ca: &KeyAndCert, name: &str, purpose: Purpose, sans: &[SubjectAltName], from: SystemTime) -> KeyAndCert {
    let key = p256();
    let issuer = PkiIssuer::new(&ca.certificate, &ca.key).unwrap_or_else(|e| panic!("issuer: {e}"));
    let certificate = issue_end_entity(&issuer, key.public_key(), &dn(name), validity(from, 730), purpose, sans)
        .unwrap_or_else(|e| panic!("leaf {name}: {e}"));
    KeyAndCert { key, certificate }
}

/// Everything but the devices, built once.
pub struct DeviceWorld {
    /// When the world's certificates begin (a day before it was built).
    pub epoch: SystemTime,
    /// Provider A's FTM root.
    pub ftm_root_a: KeyAndCert,
    /// Provider B's FTM root.
    pub ftm_root_b: KeyAndCert,
    /// Provider A's L0 provisioning CA.
    pub l0_ca_a: KeyAndCert,
    /// Provider A's device CA.
    pub device_ca_a: Arc<SignerIssuer<PrivateKey>>,
    /// Provider B's device CA.
    pub device_ca_b: Arc<SignerIssuer<PrivateKey>>,
    /// The pinned management-server CA.
    pub mgmt_ca: KeyAndCert,
    /// The management server's signing certificate (dNSName [`SERVER_NAME`]).
    pub mgmt_signing: KeyAndCert,
    /// A look-alike: the same name under another root.
    pub lookalike_ca: KeyAndCert,
    /// The look-alike's signing certificate.
    pub lookalike_signing: KeyAndCert,
    /// A release CA (release certificates are informational).
    pub release_ca: KeyAndCert,
    /// Three release keys (code-signing certificates).
    pub release: Vec<KeyAndCert>,
}

/// A shared validator for the test world.
pub static VALIDATOR: LazyLock<Arc<Validator>> = LazyLock::new(|| Arc::new(Validator::new()));

static WORLD: LazyLock<DeviceWorld> = LazyLock::new(DeviceWorld::build);

impl DeviceWorld {
    /// The world, built on first use.
    pub fn get() -> &'static DeviceWorld {
        &WORLD
    }

    fn build() -> Self {
        let epoch = SystemTime::now() - Duration::from_secs(86_400);
        let ftm_root_a = root("CN=FTM Root A,O=Chipmaker A", epoch);
        let ftm_root_b = root("CN=FTM Root B,O=Chipmaker B", epoch);
        let l0_ca_a = root("CN=L0 Provisioning A,O=Provider A", epoch);
        let device_ca = |name: &str| {
            let ca = root(name, epoch);
            Arc::new(SignerIssuer::new(ca.certificate, Vec::new(), ca.key))
        };
        let device_ca_a = device_ca("CN=Device CA A,O=Provider A");
        let device_ca_b = device_ca("CN=Device CA B,O=Provider B");
        let mgmt_ca = root("CN=Management Server CA,O=Provider A", epoch);
        let san = SubjectAltName::dns(SERVER_NAME).unwrap_or_else(|e| panic!("san: {e}"));
        let mgmt_signing = leaf(
            &mgmt_ca,
            "CN=Management Server",
            Purpose::Signing,
            std::slice::from_ref(&san),
            epoch,
        );
        let lookalike_ca = root("CN=Management Server CA,O=Provider A", epoch);
        let lookalike_signing = leaf(&lookalike_ca, "CN=Management Server", Purpose::Signing, &[san], epoch);
        let release_ca = root("CN=Release CA,O=Provider A", epoch);
        let release = (1..=3)
            .map(|i| {
                leaf(
                    &release_ca,
                    &format!("CN=Release {i}"),
                    Purpose::CodeSigning,
                    &[],
                    epoch,
                )
            })
            .collect();
        Self {
            epoch,
            ftm_root_a,
            ftm_root_b,
            l0_ca_a,
            device_ca_a,
            device_ca_b,
            mgmt_ca,
            mgmt_signing,
            lookalike_ca,
            lookalike_signing,
            release_ca,
            release,
        }
    }

    /// A server configuration for providers A and B, signing with the management-server key.
    pub fn server_config(&self) -> ServerConfig {
        let provider = |id: &str, ftm: &KeyAndCert, ca: &Arc<SignerIssuer<PrivateKey>>| {
            let domain = TrustDomain::new(&format!("ftm:{id}"), vec![ftm.certificate.clone()])
                .unwrap_or_else(|e| panic!("ftm domain: {e}"));
            Provider::new(label(id), domain, ca.clone()).unwrap_or_else(|e| panic!("provider: {e}"))
        };
        let l0 = TrustDomain::new("l0:A", vec![self.l0_ca_a.certificate.clone()]).unwrap_or_else(|e| panic!("l0: {e}"));
        let signer: Arc<dyn Signer> = Arc::new(
            PrivateKey::from_pkcs8_der(&self.mgmt_signing.key.to_pkcs8_der().unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}")),
        );
        ServerConfig::new(
            DnsName::parse("serverId", SERVER_NAME).unwrap_or_else(|e| panic!("{e}")),
            signer,
            vec![self.mgmt_signing.certificate.clone()],
        )
        .with_provider(provider(PROVIDER_A, &self.ftm_root_a, &self.device_ca_a).with_l0_provisioning(l0))
        .with_provider(provider(PROVIDER_B, &self.ftm_root_b, &self.device_ca_b))
    }

    /// A server over a fresh [`MemoryRegistry`] with the test model approved for provider A.
    pub fn server(&self) -> ManagementServer<MemoryRegistry> {
        self.server_with(self.server_config())
    }

    /// [`DeviceWorld::server`] with another configuration.
    pub fn server_with(&self, config: ServerConfig) -> ManagementServer<MemoryRegistry> {
        let registry = MemoryRegistry::new();
        registry
            .approve_model(label(PROVIDER_A), label(MAKE), label(MODEL))
            .unwrap_or_else(|e| panic!("{e}"));
        ManagementServer::new(config, registry, VALIDATOR.clone()).unwrap_or_else(|e| panic!("server: {e}"))
    }

    /// Signs a release document with the release keys at `indexes`.
    pub fn release_document(&self, payload: &str, indexes: &[usize]) -> GeneralJws {
        let signers: Vec<(&dyn Signer, &Certificate)> = indexes
            .iter()
            .map(|&i| (&self.release[i].key as &dyn Signer, &self.release[i].certificate))
            .collect();
        sign_release_document(&signers, payload.as_bytes()).unwrap_or_else(|e| panic!("release document: {e}"))
    }

    /// The SPKI SHA-256 of release key `i`, as a release-root lists it.
    pub fn release_key_id(&self, i: usize) -> String {
        crate::attestation::spki_sha256(self.release[i].key.public_key()).to_base64url()
    }

    /// A release-root payload.
    pub fn release_root_payload(
        &self,
        version: u64,
        threshold: usize,
        keys: &[usize],
        revoked_mgmt: &[String],
    ) -> String {
        let keys: Vec<String> = keys
            .iter()
            .map(|&i| format!("\"{}\"", self.release_key_id(i)))
            .collect();
        let revoked: Vec<String> = revoked_mgmt.iter().map(|k| format!("\"{k}\"")).collect();
        let floor = kavach_jws::Timestamp::from_system_time(self.epoch).unwrap_or_else(|e| panic!("{e}"));
        format!(
            r#"{{"v":1,"type":"release-root","product":"{PRODUCT}","version":{version},"threshold":{threshold},"keys":[{}],"timeFloor":"{floor}","revokedMgmtKeys":[{}],"expires":"2099-01-01T00:00:00.000Z"}}"#,
            keys.join(","),
            revoked.join(",")
        )
    }

    /// Release-root version 1: keys 0 and 1, threshold 2, signed by both.
    pub fn release_root_v1(&self) -> GeneralJws {
        self.release_document(&self.release_root_payload(1, 2, &[0, 1], &[]), &[0, 1])
    }

    /// A manifest payload for `version` of `image`, expiring at `expires`.
    pub fn manifest_payload(&self, version: &str, image: &[u8], url: &str, expires: &str, sub_type: &str) -> String {
        use sha2::Digest;
        let digest = Sha256Digest::from_bytes(sha2::Sha256::digest(image).into());
        format!(
            r#"{{"product":"{PRODUCT}","hardware":[{{"make":"{MAKE}","model":"{MODEL}","deviceSubType":"{sub_type}"}}],"version":"{version}","sha256":"{}","size":{},"url":"{url}","expires":"{expires}"}}"#,
            digest.to_base64url(),
            image.len()
        )
    }

    /// A new device of `provider` (A or B) with serial `serial`: an FTM chip (or, for `l0`, a
    /// per-device key under the L0 provisioning CA), its digital ID and its provisioning record.
    pub fn device(&self, provider: &str, serial: &str, level: Certification, l0: bool) -> TestDevice {
        let now = SystemTime::now();
        let ftm_root = match (provider, l0) {
            (_, true) => &self.l0_ca_a,
            (PROVIDER_B, _) => &self.ftm_root_b,
            _ => &self.ftm_root_a,
        };
        let purpose = if l0 { Purpose::Device } else { Purpose::Ftm };
        let chip = leaf(ftm_root, &format!("CN=FTM {serial}"), purpose, &[], self.epoch);
        let digital_id = DigitalId {
            serial_no: label(serial),
            make: label(MAKE),
            model: label(MODEL),
            device_type: label("Finger"),
            device_sub_type: label(SUB_TYPE),
            device_provider: label("Provider"),
            device_provider_id: label(provider),
            date_time: IsoDateTime::parse(
                "dateTime",
                &kavach_jws::Timestamp::from_system_time(now)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            )
            .unwrap_or_else(|e| panic!("{e}")),
        };
        let jws = sign(
            &chip.key,
            &digital_id.to_json(),
            &SignOptions::new().with_certificate_chain(vec![chip.certificate.clone()]),
        )
        .unwrap_or_else(|e| panic!("digital id: {e}"));
        let record = ProvisioningRecord {
            certificate: *chip.certificate.sha256_thumbprint().as_bytes(),
            kind: if l0 {
                ProvisionedKey::L0Provisioning
            } else {
                ProvisionedKey::Ftm
            },
            provider_id: label(provider),
            serial_no: label(serial),
            make: label(MAKE),
            model: label(MODEL),
            level,
        };
        TestDevice {
            digital_id: CompactJwsText::parse("digitalId", jws.as_str(), crate::limits::MAX_EMBEDDED_JWS_LEN)
                .unwrap_or_else(|e| panic!("{e}")),
            digital_id_fields: digital_id,
            chip,
            record,
            level,
            provider: provider.to_owned(),
        }
    }

    /// The provisioning of `device` for a client of this world's server.
    pub fn provisioning(&self, device: &TestDevice) -> Provisioning {
        let device_ca = if device.provider == PROVIDER_B {
            &self.device_ca_b
        } else {
            &self.device_ca_a
        };
        use crate::server::Issuer;
        Provisioning {
            server_name: DnsName::parse("serverName", SERVER_NAME).unwrap_or_else(|e| panic!("{e}")),
            mgmt_ca: self.mgmt_ca.certificate.clone(),
            device_ca: device_ca.certificate().clone(),
            server_certificate: recipient_id(&self.mgmt_signing.certificate),
            digital_id: device.digital_id.clone(),
            serial_no: device.digital_id_fields.serial_no.clone(),
            device_info: device.device_info(),
            target: DeviceTarget {
                product: label(PRODUCT),
                hardware: HardwareTarget {
                    make: label(MAKE),
                    model: label(MODEL),
                    device_sub_type: label(SUB_TYPE),
                },
            },
            firmware: SemVer::parse("firmware", FIRMWARE).unwrap_or_else(|e| panic!("{e}")),
            release_root: self.release_root_v1(),
            firmware_build_time_ms: millis(self.epoch),
        }
    }

    /// A client for `device` on `state`, with a fresh key store, the shared boot `clock` and an
    /// in-memory installer.
    pub fn client(
        &self,
        device: &TestDevice,
        state: MemoryClientState,
        clock: TestClock,
        installer: MemoryInstaller,
    ) -> ManagementClient<MemoryClientState, SoftwareKeyStore, TestClock, MemoryInstaller> {
        let keys = SoftwareKeyStore::new(
            PrivateKey::from_pkcs8_der(&device.chip.key.to_pkcs8_der().unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}")),
            vec![device.chip.certificate.clone()],
            device.level == Certification::L1,
        );
        ManagementClient::new(
            ClientConfig::new(self.provisioning(device)),
            state,
            keys,
            clock,
            installer,
            VALIDATOR.clone(),
        )
        .unwrap_or_else(|e| panic!("client: {e}"))
    }
}

/// Unix milliseconds of `t`.
pub fn millis(t: SystemTime) -> u64 {
    u64::try_from(t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis()).unwrap_or(u64::MAX)
}

/// One test device.
pub struct TestDevice {
    /// The FTM chip (or L0 provisioning) key and certificate.
    pub chip: KeyAndCert,
    /// The digital ID JWS.
    pub digital_id: CompactJwsText,
    /// The digital ID's fields.
    pub digital_id_fields: DigitalId,
    /// The provisioning record the server needs.
    pub record: ProvisioningRecord,
    /// The level it is provisioned at.
    pub level: Certification,
    /// Its provider id.
    pub provider: String,
}

impl TestDevice {
    /// The device's `deviceInfo`.
    pub fn device_info(&self) -> DeviceInfo {
        DeviceInfo {
            device_id: self.digital_id_fields.serial_no.clone(),
            device_sub_id: vec![1],
            device_status: DeviceStatus::Ready,
            certification: self.level,
            service_version: SemVer::parse("serviceVersion", "1.0.0").unwrap_or_else(|e| panic!("{e}")),
            firmware: SemVer::parse("firmware", FIRMWARE).unwrap_or_else(|e| panic!("{e}")),
            spec_version: vec![SemVer::parse("specVersion", "0.9.5").unwrap_or_else(|e| panic!("{e}"))],
            purpose: DevicePurpose::Auth,
            env: Env::Staging,
        }
    }
}

/// A boot clock the test moves by hand, shared between clones.
#[derive(Clone, Debug, Default)]
pub struct TestClock(Arc<Mutex<Duration>>);

impl TestClock {
    /// A clock at boot + 1 s.
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(Duration::from_secs(1))))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl TrustedClock for TestClock {
    fn now(&self) -> BootInstant {
        BootInstant(self.0.lock().map(|t| *t).unwrap_or_default())
    }
}

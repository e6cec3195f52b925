//! The built `kavach` binary, run as a user would: `pki init`, `cert show`, `cert verify`,
//! exit statuses 0/1/2 and the `--json` shapes of CLI.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use common::{Pki, json, kavach, kavach_stdin, status, stderr, stdout};

const ROLES: [&str; 18] = [
    "root",
    "platform.ca",
    "platform.tls",
    "platform.encryption",
    "platform.signing",
    "partner.ca",
    "partner.tls",
    "partner.encryption",
    "partner.signing",
    "provider.ca",
    "mgmt-server.tls",
    "mgmt-server.client",
    "mgmt-server.signing",
    "device.ca",
    "ftm.root",
    "ftm.chip",
    "device",
    "release",
];

impl Pki {
    /// `cert verify` of `role` for `purpose` against its anchor.
    fn verify(&self, role: &str, purpose: &str, extra: &[&str]) -> Output {
        let anchor = if role.starts_with("ftm.") {
            self.file("ftm.root", "cert")
        } else {
            self.manifest["root"].as_str().unwrap().to_owned()
        };
        let chain = self.file(role, "chain");
        let cert = self.file(role, "cert");
        let mut args = vec![
            "cert",
            "verify",
            "--trust",
            &anchor,
            "--untrusted",
            &chain,
            "--purpose",
            purpose,
        ];
        args.extend_from_slice(extra);
        args.push(&cert);
        kavach(&args, &self.path)
    }
}

fn subject_of(path: &Path) -> String {
    kavach_pki::Certificate::from_pem(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .subject()
        .to_string()
}

/// One P-256 PKI shared by the read-only tests of this binary.
static P256: LazyLock<Pki> = LazyLock::new(|| Pki::init("p256"));

#[test]
fn pki_init_writes_the_manifest_with_every_role() {
    let pki = &*P256;
    assert_eq!(pki.manifest["root"], "root-ca.pem");
    let entities = pki.manifest["entities"].as_object().unwrap();
    assert_eq!(entities.len(), ROLES.len());
    for role in ROLES {
        let e = &entities[role];
        for field in ["cert", "key", "chain"] {
            let name = e[field].as_str().unwrap_or_else(|| panic!("{role}.{field}"));
            assert!(pki.path.join(name).is_file(), "{role}: {name}");
        }
        let is_ca = role == "root" || role.ends_with(".ca") || role == "ftm.root";
        assert_eq!(e.get("purpose").is_none(), is_ca, "{role}: CA entities have no purpose");
        // The key is PKCS#8, mode 0600, and belongs to the certificate.
        let key_path = pki.path.join(e["key"].as_str().unwrap());
        let key_pem = std::fs::read_to_string(&key_path).unwrap();
        assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{role}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777,
                0o600,
                "{role}"
            );
        }
        let key = kavach_keys::PrivateKey::from_pem(&key_pem).unwrap();
        assert_eq!(key.kind(), kavach_keys::KeyKind::P256);
        let cert = kavach_pki::Certificate::from_pem(
            &std::fs::read_to_string(pki.path.join(e["cert"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        assert_eq!(
            cert.public_key().unwrap(),
            kavach_keys::Signer::public_key(&key),
            "{role}"
        );
    }
    for (role, purpose) in [
        ("platform.tls", "tls-server"),
        ("platform.encryption", "encryption"),
        ("platform.signing", "signing"),
        ("partner.tls", "tls-client"),
        ("partner.encryption", "encryption"),
        ("partner.signing", "signing"),
        ("mgmt-server.tls", "tls-server"),
        ("mgmt-server.client", "tls-client"),
        ("mgmt-server.signing", "signing"),
        ("ftm.chip", "ftm"),
        ("device", "device"),
        ("release", "code-signing"),
    ] {
        assert_eq!(entities[role]["purpose"], purpose, "{role}");
    }
}

#[test]
fn every_role_verifies_for_its_purpose_and_cas_as_ca() {
    let pki = &*P256;
    for role in ROLES {
        let purpose = pki.entity(role)["purpose"].as_str().unwrap_or("ca").to_owned();
        let out = pki.verify(role, &purpose, &[]);
        assert_eq!(status(&out), 0, "{role} for {purpose}: {}", stderr(&out));
        let text = stdout(&out);
        // End entity first, the anchor last.
        let anchor_subject = if role.starts_with("ftm.") {
            "CN=Kavach Demo FTM Root,O=Kavach Demo FTM Provider,C=IN"
        } else {
            "CN=Kavach Demo Root CA,O=Kavach Demo,C=IN"
        };
        assert_eq!(
            text.lines().next().unwrap(),
            subject_of(&pki.path.join(pki.file(role, "cert"))),
            "{role}"
        );
        assert_eq!(text.lines().last().unwrap(), anchor_subject, "{role}");
    }
}

#[test]
fn encryption_certificate_verifies_for_encryption_and_is_refused_for_signing() {
    // The default key type (rsa2048), as in the issue's acceptance test.
    let pki = Pki::init("rsa2048");
    let out = pki.verify("platform.encryption", "encryption", &[]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        [
            "CN=Kavach Demo Platform Encryption,O=Kavach Demo Platform,C=IN",
            "CN=Kavach Demo Platform CA,O=Kavach Demo Platform,C=IN",
            "CN=Kavach Demo Root CA,O=Kavach Demo,C=IN",
        ]
    );
    let out = pki.verify("platform.encryption", "signing", &[]);
    assert_eq!(status(&out), 1);
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("KVC-PKI-PURPOSE") && err.contains("not valid for signing"),
        "{err}"
    );
    assert!(
        err.contains("digitalSignature"),
        "the reason names the missing usage: {err}"
    );
    // And the signing certificate the other way round.
    assert_eq!(status(&pki.verify("platform.signing", "encryption", &[])), 1);
    assert_eq!(status(&pki.verify("platform.signing", "signing", &[])), 0);
}

#[test]
fn a_garbage_file_exits_2_naming_the_file() {
    let pki = &*P256;
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, b"\x30\x82\x01\x00 this is not a certificate \xff\xfe").unwrap();
    let root = pki.path.join("root-ca.pem");
    let args = [
        "cert",
        "verify",
        "--trust",
        root.to_str().unwrap(),
        "--purpose",
        "signing",
        garbage.to_str().unwrap(),
    ];
    let out = kavach(&args, dir.path());
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("garbage.pem"), "{}", stderr(&out));
    // As the trust store, too.
    let out = kavach(
        &[
            "cert",
            "verify",
            "--trust",
            garbage.to_str().unwrap(),
            "--purpose",
            "signing",
            root.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(status(&out), 2);
    // A missing file.
    let out = kavach(&["cert", "show", "does-not-exist.pem"], dir.path());
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("does-not-exist.pem"));
    // A PEM text with no certificate.
    std::fs::write(
        &garbage,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    assert_eq!(
        status(&kavach(&["cert", "show", garbage.to_str().unwrap()], dir.path())),
        2
    );
}

#[test]
fn broken_certificate_and_crl_pem_is_named_as_such_never_as_a_key() {
    let pki = &*P256;
    let dir = tempfile::tempdir().unwrap();
    let root = pki.path.join("root-ca.pem");
    let root = root.to_str().unwrap();
    std::fs::write(
        dir.path().join("bad.pem"),
        "-----BEGIN CERTIFICATE-----\n!!!! not base64 !!!!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.crl"),
        "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n-----BEGIN X509 CRL-----\n",
    )
    .unwrap();
    let checks: [(&[&str], &str); 4] = [
        (&["cert", "show", "bad.pem"], "malformed PEM certificate bundle: "),
        (
            &["cert", "verify", "--trust", "bad.pem", "--purpose", "signing", root],
            "malformed PEM certificate bundle: ",
        ),
        (
            &["cert", "verify", "--trust", root, "--purpose", "signing", "bad.pem"],
            "malformed PEM certificate bundle: ",
        ),
        (
            &[
                "cert",
                "verify",
                "--trust",
                root,
                "--crl",
                "bad.crl",
                "--purpose",
                "signing",
                root,
            ],
            "malformed PEM CRL bundle: ",
        ),
    ];
    for (args, wording) in checks {
        let out = kavach(&[&["--json"], args].concat(), dir.path());
        assert_eq!(status(&out), 2, "{args:?}");
        let v = json(&out);
        assert_eq!(v["code"], "KVC-PKI-PEM", "{args:?}: {v}");
        let message = v["message"].as_str().unwrap();
        assert!(message.contains(wording), "{args:?}: {message}");
        assert!(!message.to_lowercase().contains("key"), "{args:?}: {message}");
    }
}

/// True when `text` holds a time written as RFC 3339 UTC in whole seconds
/// (`YYYY-MM-DDTHH:MM:SSZ`).
fn has_rfc3339_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(20).any(|w| {
        w.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
    })
}

#[test]
fn an_expired_certificate_is_refused_with_rfc3339_times() {
    let pki = &*P256;
    let out = pki.verify("device", "device", &["--at", "2099-01-01T00:00:00Z"]);
    assert_eq!(status(&out), 1);
    let line = stderr(&out);
    assert!(line.contains("KVC-PKI-EXPIRED"), "{line}");
    assert!(line.contains("(validation time 2099-01-01T00:00:00Z)"), "{line}");
    assert!(
        has_rfc3339_time(line.split("expired at ").nth(1).unwrap_or("")),
        "{line}"
    );
    assert!(!line.contains("SystemTime {"), "{line}");

    let out = pki.verify("device", "device", &["--json", "--at", "2099-01-01T00:00:00.5+05:30"]);
    assert_eq!(status(&out), 1);
    let v = json(&out);
    assert_eq!(v["code"], "KVC-PKI-EXPIRED");
    let message = v["message"].as_str().unwrap();
    // The validation time is floored to the second, as validation compares it.
    assert!(message.contains("(validation time 2098-12-31T18:30:00Z)"), "{message}");
    assert!(
        has_rfc3339_time(message.split("expired at ").nth(1).unwrap_or("")),
        "{message}"
    );
    assert!(!message.contains("SystemTime"), "{message}");

    let out = pki.verify("device", "device", &["--at", "2020-01-01T00:00:00Z"]);
    assert_eq!(status(&out), 1);
    let line = stderr(&out);
    assert!(line.contains("KVC-PKI-NOT-YET-VALID"), "{line}");
    assert!(
        has_rfc3339_time(line.split("not valid before ").nth(1).unwrap_or("")),
        "{line}"
    );
    assert!(line.contains("(validation time 2020-01-01T00:00:00Z)"), "{line}");
    assert!(!line.contains("SystemTime {"), "{line}");
}

#[test]
fn every_json_object_has_ok_as_its_first_key() {
    let pki = &*P256;
    let dir = tempfile::tempdir().unwrap();
    let outputs = [
        // Success objects whose other keys sort before `ok` (`certificates`, `alg`, `dir`...).
        kavach(&["--json", "cert", "show", "platform.ca.pem"], &pki.path),
        pki.verify("partner.signing", "signing", &["--json"]),
        kavach(
            &[
                "--json",
                "pki",
                "init",
                dir.path().join("p").to_str().unwrap(),
                "--algo",
                "p256",
            ],
            dir.path(),
        ),
        // A refusal (exit 1) and a malformed input (exit 2): `code` and `message` sort first.
        pki.verify("partner.signing", "encryption", &["--json"]),
        pki.verify("device", "device", &["--json", "--at", "2099-01-01T00:00:00Z"]),
        kavach(&["--json", "cert", "show", "pki.json"], &pki.path),
    ];
    for out in &outputs {
        let text = stdout(out);
        assert!(
            text.starts_with("{\"ok\":true,") || text.starts_with("{\"ok\":false,"),
            "{text}"
        );
        let v = json(out);
        assert_eq!(v["ok"], status(out) == 0, "{text}");
        assert_eq!(text.matches("\"ok\":").count(), 1, "{text}");
    }
}

#[test]
fn json_output_is_one_object_with_ok_code_and_message() {
    let pki = &*P256;
    let out = pki.verify("partner.signing", "signing", &["--json"]);
    assert_eq!(status(&out), 0);
    let v = json(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["path"].as_array().unwrap().len(), 3);
    assert_eq!(v["purpose"], "signing");

    let out = pki.verify("partner.signing", "encryption", &["--json"]);
    assert_eq!(status(&out), 1);
    let v = json(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["code"], "KVC-PKI-PURPOSE");
    assert!(v["message"].as_str().unwrap().contains("encryption"));
    assert!(stderr(&out).is_empty(), "with --json the failure goes to stdout only");

    // A content error (exit 2) is still one JSON object.
    let out = kavach(&["--json", "cert", "show", "pki.json"], &pki.path);
    assert_eq!(status(&out), 2);
    let v = json(&out);
    assert_eq!(v["ok"], false);
    assert!(v["code"].as_str().unwrap().starts_with("KVC-"));
    assert!(v["message"].as_str().unwrap().contains("pki.json"));

    // A bad --at is exit 2 with a CLI code.
    let out = pki.verify("device", "device", &["--json", "--at", "next tuesday"]);
    assert_eq!(status(&out), 2);
    assert_eq!(json(&out)["code"], "KVC-CLI-BAD-ARGUMENT");
}

#[test]
fn cert_show_prints_every_field_as_text_and_json() {
    let pki = &*P256;
    let out = kavach(&["cert", "show", "platform.tls.pem"], &pki.path);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "subject:             CN=platform.kavach.test,O=Kavach Demo Platform,C=IN",
        "issuer:              CN=Kavach Demo Platform CA",
        "key:                 EC P-256",
        "basic constraints:   CA:FALSE",
        "key usage:           digitalSignature",
        "extended key usage:  serverAuth",
        "DNS:platform.kavach.test, DNS:localhost, IP:127.0.0.1, IP:::1",
        "sha256:",
        "sha256 (base64url):",
        "sha1:",
        "not before:",
        "not after:",
        "serial:",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    let out = kavach(&["cert", "show", "--json", "platform.ca.pem"], &pki.path);
    let v = json(&out);
    let c = &v["certificates"][0];
    assert_eq!(c["basic_constraints"]["ca"], true);
    assert_eq!(c["basic_constraints"]["path_len"], 0);
    assert_eq!(c["key_usage"], serde_json::json!(["keyCertSign", "cRLSign"]));
    assert_eq!(c["key"]["curve"], "P-256");
    let cert =
        kavach_pki::Certificate::from_pem(&std::fs::read_to_string(pki.path.join("platform.ca.pem")).unwrap()).unwrap();
    assert_eq!(c["thumbprints"]["sha256_hex"], cert.sha256_thumbprint().to_hex());
    assert_eq!(
        c["thumbprints"]["sha256_base64url"],
        cert.sha256_thumbprint().to_base64url()
    );
    assert_eq!(c["thumbprints"]["sha1_hex"], cert.sha1_thumbprint_hex());
    assert_eq!(c["serial"], cert.serial_hex());
    assert!(c["not_after"].as_str().unwrap().ends_with('Z'));

    // A chain file shows every certificate; `-` reads standard input.
    let chain = std::fs::read(pki.path.join("device.chain.pem")).unwrap();
    let out = kavach_stdin(&["--json", "cert", "show", "-"], &pki.path, &chain);
    assert_eq!(json(&out)["certificates"].as_array().unwrap().len(), 2);
}

#[test]
fn names_times_and_stdin_are_honoured() {
    let pki = &*P256;
    assert_eq!(
        status(&pki.verify("platform.tls", "tls-server", &["--name", "platform.kavach.test"])),
        0
    );
    assert_eq!(
        status(&pki.verify("platform.tls", "tls-server", &["--name", "127.0.0.1"])),
        0
    );
    let out = pki.verify("platform.tls", "tls-server", &["--name", "partner.kavach.test"]);
    assert_eq!(status(&out), 1);
    assert!(stderr(&out).contains("KVC-PKI-NAME-MISMATCH"));
    // Before the PKI existed, and long after it expired.
    let out = pki.verify("device", "device", &["--at", "2020-01-01T00:00:00.5+05:30"]);
    assert_eq!(status(&out), 1);
    assert!(stderr(&out).contains("KVC-PKI-NOT-YET-VALID"), "{}", stderr(&out));
    let out = pki.verify("device", "device", &["--at", "2099-01-01T00:00:00Z"]);
    assert_eq!(status(&out), 1);
    assert!(stderr(&out).contains("KVC-PKI-EXPIRED"), "{}", stderr(&out));
    // The end entity from standard input.
    let cert = std::fs::read(pki.path.join("partner.tls.pem")).unwrap();
    let args = [
        "cert",
        "verify",
        "--trust",
        "root-ca.pem",
        "--untrusted",
        "partner.tls.chain.pem",
        "--purpose",
        "tls-client",
        "-",
    ];
    assert_eq!(status(&kavach_stdin(&args, &pki.path, &cert)), 0);
    // Standard input named twice.
    let args = ["cert", "verify", "--trust", "-", "--purpose", "tls-client", "-"];
    let out = kavach_stdin(&args, &pki.path, &cert);
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("KVC-CLI-STDIN-TWICE"));
}

#[test]
fn revoked_certificates_are_refused_once_a_crl_is_given() {
    use kavach_pki::issue::{Issuer, RevokedEntry, issue_crl};
    let pki = &*P256;
    let read_cert =
        |name: &str| kavach_pki::Certificate::from_pem(&std::fs::read_to_string(pki.path.join(name)).unwrap()).unwrap();
    let ca = read_cert("partner.ca.pem");
    let ca_key = kavach_keys::PrivateKey::load(pki.path.join("partner.ca.key.pem")).unwrap();
    let revoked = read_cert("partner.signing.pem");
    let now = SystemTime::now();
    let crl = issue_crl(
        &Issuer::new(&ca, &ca_key).unwrap(),
        &[RevokedEntry::new(&revoked, now - Duration::from_secs(60))],
        now - Duration::from_secs(60),
        now + Duration::from_secs(86_400),
        1,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let crl_path = dir.path().join("partner.crl");
    std::fs::write(&crl_path, crl.der()).unwrap();
    let crl_arg = crl_path.to_str().unwrap();
    let out = pki.verify("partner.signing", "signing", &["--crl", crl_arg]);
    assert_eq!(status(&out), 1);
    assert!(stderr(&out).contains("KVC-PKI-REVOKED"), "{}", stderr(&out));
    assert_eq!(
        status(&pki.verify("partner.encryption", "encryption", &["--crl", crl_arg])),
        0
    );
    // A CRL of another issuer leaves the status unknown: refused.
    let out = pki.verify("platform.signing", "signing", &["--crl", crl_arg]);
    assert_eq!(status(&out), 1);
    assert!(stderr(&out).contains("KVC-PKI-REVOCATION-UNKNOWN"), "{}", stderr(&out));
}

#[test]
fn pki_init_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("pki");
    let t = target.to_str().unwrap();
    assert_eq!(status(&kavach(&["pki", "init", t, "--algo", "p256"], dir.path())), 0);
    let before = std::fs::read(target.join("root-ca.pem")).unwrap();
    let out = kavach(&["pki", "init", t, "--algo", "p256"], dir.path());
    assert_eq!(status(&out), 2);
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(target.join("root-ca.pem")).unwrap(),
        before,
        "nothing overwritten"
    );
    let out = kavach(&["--json", "pki", "init", t, "--algo", "p256"], dir.path());
    assert_eq!(status(&out), 2);
    assert_eq!(json(&out)["code"], "KVC-CLI-EXISTS");
    // A single leftover file is enough to refuse.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("device.key.pem"), "keep me").unwrap();
    assert_eq!(
        status(&kavach(
            &["pki", "init", other.to_str().unwrap(), "--algo", "p256"],
            dir.path()
        )),
        2
    );
    assert_eq!(
        std::fs::read_to_string(other.join("device.key.pem")).unwrap(),
        "keep me"
    );
    // --force overwrites with a new PKI.
    let out = kavach(&["pki", "init", t, "--algo", "p256", "--force", "--json"], dir.path());
    assert_eq!(status(&out), 0);
    assert_eq!(json(&out)["roles"].as_array().unwrap().len(), ROLES.len());
    assert_ne!(std::fs::read(target.join("root-ca.pem")).unwrap(), before);
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["cert", "verify", "--purpose", "signing", "x.pem"][..],
        &["cert", "verify", "--trust", "r.pem", "--purpose", "nonsense", "x.pem"],
        &["pki", "init", "d", "--algo", "dsa"],
        &["frobnicate"],
        &[],
    ] {
        assert_eq!(status(&kavach(args, dir.path())), 2, "{args:?}");
    }
    assert_eq!(status(&kavach(&["--help"], dir.path())), 0);
}

#[test]
fn openssl_accepts_the_demo_pki() {
    let Some(openssl) = kavach_testkit::program("openssl_accepts_the_demo_pki", "openssl") else {
        return;
    };
    let pki = &*P256;
    for role in ROLES {
        let (anchor, purpose) = if role.starts_with("ftm.") {
            ("ftm.root.pem", "any")
        } else {
            ("root-ca.pem", "any")
        };
        let chain = pki.file(role, "chain");
        let mut cmd = Command::new(&openssl);
        cmd.current_dir(&pki.path)
            .args(["verify", "-x509_strict", "-purpose", purpose, "-CAfile", anchor]);
        if std::fs::metadata(pki.path.join(&chain)).unwrap().len() > 0 {
            cmd.args(["-untrusted", &chain]);
        }
        let out = cmd.arg(pki.file(role, "cert")).output().unwrap();
        assert!(out.status.success(), "{role}: {}{}", stdout(&out), stderr(&out));
    }
}

#[test]
fn every_subcommand_help_has_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        &[][..],
        &["pki"],
        &["pki", "init"],
        &["cert"],
        &["cert", "show"],
        &["cert", "verify"],
        &["sign"],
        &["verify"],
        &["seal"],
        &["open"],
    ] {
        for help in ["--help", "-h"] {
            let mut args = command.to_vec();
            args.push(help);
            let out = kavach(&args, dir.path());
            assert_eq!(status(&out), 0, "{args:?}");
            let text = stdout(&out);
            assert!(text.contains("Example"), "kavach {args:?} has no example:\n{text}");
            assert!(
                text.contains("  kavach "),
                "kavach {args:?}: the example is a command line:\n{text}"
            );
        }
    }
}

//! `kavach seal` / `kavach open` as a user runs them (CLI.md, Content encryption), on a PKI
//! made by `kavach pki init`: a 10 MiB round trip in both formats, rotation across two keys,
//! `--aad`, and the exit statuses 0 / 1 / 2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Output;
use std::sync::LazyLock;

use base64ct::{Base64UrlUnpadded, Encoding};
use common::{Pki, kavach, status, stderr};
use serde_json::Value;

impl Pki {
    /// `kavach seal` to `role` with the manifest's root and chain, plus `extra` arguments.
    fn seal(&self, role: &str, extra: &[&str]) -> Output {
        let (to, chain, root) = (self.file(role, "cert"), self.file(role, "chain"), self.root());
        let mut args = vec!["seal", "--to", &to, "--trust", &root, "--untrusted", &chain];
        args.extend_from_slice(extra);
        kavach(&args, &self.path)
    }

    /// `kavach open` with the keys of `roles`, plus `extra` arguments.
    fn open(&self, roles: &[&str], extra: &[&str]) -> Output {
        let files: Vec<(String, String)> = roles
            .iter()
            .map(|r| (self.file(r, "key"), self.file(r, "cert")))
            .collect();
        let mut args = vec!["open"];
        for (k, c) in &files {
            args.extend_from_slice(&["--key", k, "--cert", c]);
        }
        args.extend_from_slice(extra);
        kavach(&args, &self.path)
    }
}

static RSA_PKI: LazyLock<Pki> = LazyLock::new(|| Pki::init("rsa2048"));
static EC_PKI: LazyLock<Pki> = LazyLock::new(|| Pki::init("p256"));

fn ten_mib() -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..10 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn seal_and_open_round_trip_a_10_mib_file() {
    let pki = &*RSA_PKI;
    let dir = tempfile::tempdir().unwrap();
    let (plain, env, back) = (
        dir.path().join("plain"),
        dir.path().join("env"),
        dir.path().join("back"),
    );
    let payload = ten_mib();
    std::fs::write(&plain, &payload).unwrap();
    for format in ["mosip", "jwe"] {
        let out = pki.seal(
            "platform.encryption",
            &[
                "--format",
                format,
                "--in",
                plain.to_str().unwrap(),
                "--out",
                env.to_str().unwrap(),
            ],
        );
        assert_eq!(status(&out), 0, "{format}: {}", stderr(&out));
        let out = pki.open(
            &["partner.encryption", "platform.encryption"],
            &["--in", env.to_str().unwrap(), "--out", back.to_str().unwrap()],
        );
        assert_eq!(status(&out), 0, "{format}: {}", stderr(&out));
        assert!(std::fs::read(&back).unwrap() == payload, "{format}: payload differs");
        std::fs::remove_file(&back).unwrap();
    }
}

#[test]
fn sealing_to_a_signing_certificate_exits_1() {
    let pki = &*RSA_PKI;
    let out = pki.seal("platform.signing", &["--json", "--in", pki.root().as_str()]);
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    let v: Value = common::json(&out);
    assert_eq!(v["ok"], false);
    assert!(v["code"].as_str().unwrap().starts_with("KVC-"), "{v}");
}

#[test]
fn a_truncated_envelope_exits_1_and_writes_nothing() {
    let pki = &*RSA_PKI;
    let dir = tempfile::tempdir().unwrap();
    let (plain, env, back) = (
        dir.path().join("plain"),
        dir.path().join("env"),
        dir.path().join("back"),
    );
    std::fs::write(&plain, ten_mib()).unwrap();
    for format in ["mosip", "jwe"] {
        let out = pki.seal(
            "platform.encryption",
            &[
                "--format",
                format,
                "--in",
                plain.to_str().unwrap(),
                "--out",
                env.to_str().unwrap(),
            ],
        );
        assert_eq!(status(&out), 0, "{}", stderr(&out));
        let text = std::fs::read_to_string(&env).unwrap();
        let truncated = if format == "mosip" {
            // The decoded bytes lose their last 16 bytes (the GCM tag), re-encoded.
            let mut bytes = Base64UrlUnpadded::decode_vec(text.trim()).unwrap();
            bytes.truncate(bytes.len() - 16);
            Base64UrlUnpadded::encode_string(&bytes)
        } else {
            // The ciphertext segment loses its last 16 bytes.
            let mut parts: Vec<String> = text.trim().split('.').map(str::to_owned).collect();
            let mut ct = Base64UrlUnpadded::decode_vec(&parts[3]).unwrap();
            ct.truncate(ct.len() - 16);
            parts[3] = Base64UrlUnpadded::encode_string(&ct);
            parts.join(".")
        };
        std::fs::write(&env, truncated).unwrap();
        let out = pki.open(
            &["platform.encryption"],
            &["--in", env.to_str().unwrap(), "--out", back.to_str().unwrap()],
        );
        assert_eq!(status(&out), 1, "{format}: {}", stderr(&out));
        assert!(stderr(&out).contains("KVC-ENV-OPEN-FAILED"), "{}", stderr(&out));
        assert!(!back.exists(), "a refused open must not write --out");
    }
}

#[test]
fn text_that_is_not_base64_exits_2() {
    let pki = &*RSA_PKI;
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env");
    for text in ["this is not base64 at all!", "@@@@", "\u{00e9}t\u{00e9}"] {
        std::fs::write(&env, text).unwrap();
        let out = pki.open(&["platform.encryption"], &["--json", "--in", env.to_str().unwrap()]);
        assert_eq!(status(&out), 2, "{text}: {}", String::from_utf8_lossy(&out.stdout));
        let v: Value = common::json(&out);
        assert_eq!(v["code"], "KVC-ENV-MALFORMED", "{v}");
    }
}

#[test]
fn aad_binds_and_works_with_mosip_only() {
    let pki = &*RSA_PKI;
    let dir = tempfile::tempdir().unwrap();
    let (plain, env) = (dir.path().join("plain"), dir.path().join("env"));
    std::fs::write(&plain, b"{\"request\":\"auth\"}").unwrap();
    let out = pki.seal(
        "partner.encryption",
        &[
            "--aad",
            "txn-1",
            "--in",
            plain.to_str().unwrap(),
            "--out",
            env.to_str().unwrap(),
        ],
    );
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let ok = pki.open(
        &["partner.encryption"],
        &["--aad", "txn-1", "--in", env.to_str().unwrap()],
    );
    assert_eq!(status(&ok), 0, "{}", stderr(&ok));
    assert_eq!(ok.stdout, b"{\"request\":\"auth\"}");
    let json = pki.open(
        &["partner.encryption"],
        &["--json", "--aad", "txn-1", "--in", env.to_str().unwrap()],
    );
    let v: Value = common::json(&json);
    assert_eq!(
        (v["ok"].clone(), v["layout"].clone()),
        (Value::Bool(true), Value::from("aad"))
    );
    for wrong in [vec!["--aad", "txn-2"], vec![]] {
        let mut extra = wrong.clone();
        extra.extend_from_slice(&["--in", env.to_str().unwrap()]);
        let out = pki.open(&["partner.encryption"], &extra);
        assert_eq!(status(&out), 1, "{wrong:?}: {}", stderr(&out));
    }
    let out = pki.seal(
        "partner.encryption",
        &["--format", "jwe", "--aad", "x", "--in", plain.to_str().unwrap()],
    );
    assert_eq!(status(&out), 2, "{}", stderr(&out));
}

#[test]
fn mosip_to_an_ec_certificate_exits_1_and_jwe_works() {
    let pki = &*EC_PKI;
    let dir = tempfile::tempdir().unwrap();
    let (plain, env) = (dir.path().join("plain"), dir.path().join("env"));
    std::fs::write(&plain, b"to P-256").unwrap();
    let out = pki.seal("platform.encryption", &["--in", plain.to_str().unwrap()]);
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("--format jwe"), "{}", stderr(&out));
    let out = pki.seal(
        "platform.encryption",
        &[
            "--format",
            "jwe",
            "--in",
            plain.to_str().unwrap(),
            "--out",
            env.to_str().unwrap(),
        ],
    );
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let out = pki.open(&["platform.encryption"], &["--in", env.to_str().unwrap()]);
    assert_eq!(
        (status(&out), out.stdout.as_slice()),
        (0, &b"to P-256"[..]),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_key_that_does_not_match_its_certificate_exits_2() {
    let pki = &*RSA_PKI;
    let (key, cert) = (
        pki.file("partner.encryption", "key"),
        pki.file("platform.encryption", "cert"),
    );
    let out = kavach(&["open", "--key", &key, "--cert", &cert, "--in", &cert], &pki.path);
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("does not match"), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("kavach: KVC-CLI-KEY-MISMATCH: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_key_file_that_is_no_key_exits_2_with_the_key_error_code() {
    let pki = &*RSA_PKI;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n").unwrap();
    let cert = pki.file("partner.encryption", "cert");
    let out = kavach(
        &[
            "--json",
            "open",
            "--key",
            key.to_str().unwrap(),
            "--cert",
            &cert,
            "--in",
            &cert,
        ],
        &pki.path,
    );
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    let v: Value = common::json(&out);
    assert_eq!(v["code"], "KVC-KEY-MALFORMED", "{v}");
}

#[test]
fn the_wrong_key_exits_1() {
    let pki = &*RSA_PKI;
    let dir = tempfile::tempdir().unwrap();
    let (plain, env) = (dir.path().join("plain"), dir.path().join("env"));
    std::fs::write(&plain, b"for the platform").unwrap();
    let out = pki.seal(
        "platform.encryption",
        &["--in", plain.to_str().unwrap(), "--out", env.to_str().unwrap()],
    );
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let out = pki.open(&["partner.encryption"], &["--in", env.to_str().unwrap()]);
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("KVC-ENV-UNKNOWN-RECIPIENT"), "{}", stderr(&out));
}

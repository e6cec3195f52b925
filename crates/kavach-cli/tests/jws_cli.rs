//! `kavach sign` and `kavach verify` as CLI.md specifies them, run through the built binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Output;
use std::sync::LazyLock;

use common::{Pki, json, kavach, status, stderr};
use serde_json::Value;

impl Pki {
    /// `kavach sign` with partner.signing's key, certificate and chain, plus `extra`.
    fn sign(&self, extra: &[&str], cwd: &Path) -> Output {
        let (key, cert, chain) = (
            self.file("partner.signing", "key"),
            self.file("partner.signing", "cert"),
            self.file("partner.signing", "chain"),
        );
        let mut args = vec!["sign", "--key", &key, "--cert", &cert, "--chain", &chain];
        args.extend_from_slice(extra);
        kavach(&args, cwd)
    }
}

static PKI: LazyLock<Pki> = LazyLock::new(|| Pki::init("p256"));
static OTHER: LazyLock<Pki> = LazyLock::new(|| Pki::init("p256"));

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn sign_detached_then_verify_payload_then_one_byte_changed_then_other_root() {
    let pki = &*PKI;
    let dir = tempfile::tempdir().unwrap();
    let body = write(
        dir.path(),
        "body.json",
        br#"{"id":"mosip.partner","request":{"amount":100}}"#,
    );
    let sig = dir.path().join("sig.jws");
    let out = pki.sign(
        &["--detached", "--in", &body, "--out", sig.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let jws = std::fs::read_to_string(&sig).unwrap();
    assert!(jws.trim().contains(".."), "detached: {jws}");

    let root = pki.root();
    let sig = sig.to_str().unwrap();
    let out = kavach(&["verify", "--trust", &root, "--payload", &body, sig], dir.path());
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).starts_with("signer: "), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "detached: no payload on stdout");

    let out = kavach(
        &["verify", "--trust", &root, "--payload", &body, "--json", sig],
        dir.path(),
    );
    let v = json(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["alg"], "ES256");
    assert_eq!(v["policy"], "strict");
    assert_eq!(v["timestamp_checked"], true);
    assert!(v["signer"].as_str().unwrap().contains("CN="));
    assert!(v.get("payload").is_none(), "payload only for attached");

    // One byte of the payload changed: refused, exit 1.
    let mut changed = std::fs::read(&body).unwrap();
    changed[20] ^= 0x01;
    let changed = write(dir.path(), "changed.json", &changed);
    let out = kavach(&["verify", "--trust", &root, "--payload", &changed, sig], dir.path());
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    let out = kavach(
        &["verify", "--trust", &root, "--payload", &changed, "--json", sig],
        dir.path(),
    );
    assert_eq!(status(&out), 1);
    let v = json(&out);
    assert_eq!(
        (v["ok"].clone(), v["code"].clone()),
        (Value::Bool(false), Value::from("KVC-SIG-001"))
    );

    // A trust store with another root: refused, exit 1.
    let other = OTHER.root();
    let out = kavach(
        &["verify", "--trust", &other, "--payload", &body, "--json", sig],
        dir.path(),
    );
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    assert!(
        json(&out)["code"].as_str().unwrap().starts_with("KVC-PKI-"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn attached_prints_the_payload_and_json_carries_it() {
    let pki = &*PKI;
    let dir = tempfile::tempdir().unwrap();
    let payload = b"{\"v\":1}\n\x00binary\xff";
    let input = write(dir.path(), "p.bin", payload);
    let out = pki.sign(&["--in", &input], dir.path());
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let jws = write(dir.path(), "a.jws", &out.stdout);
    let out = kavach(&["verify", "--trust", &pki.root(), &jws], dir.path());
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(out.stdout, payload);
    // A second verification in another process is not a replay (the cache is per process).
    let out = kavach(&["verify", "--trust", &pki.root(), "--json", &jws], dir.path());
    let v = json(&out);
    use base64ct::{Base64UrlUnpadded, Encoding};
    assert_eq!(
        Base64UrlUnpadded::decode_vec(v["payload"].as_str().unwrap()).unwrap(),
        payload
    );

    // --json on sign without --out puts the JWS in the object.
    let out = pki.sign(&["--in", &input, "--json", "--alg", "ES256"], dir.path());
    let v = json(&out);
    assert_eq!(v["ok"], true);
    assert!(v["jws"].as_str().unwrap().split('.').count() == 3);
}

#[test]
fn unencoded_attached_payload_with_a_dot_is_exit_2_and_writes_nothing() {
    let pki = &*PKI;
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "p.txt", b"amount=1.50");
    let out_file = dir.path().join("never.jws");
    let out = pki.sign(
        &["--unencoded", "--in", &input, "--out", out_file.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(!out_file.exists(), "a refused sign writes nothing to --out");
    // Detached, the same payload signs and verifies.
    let out = pki.sign(
        &[
            "--unencoded",
            "--detached",
            "--in",
            &input,
            "--out",
            out_file.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let out = kavach(
        &[
            "verify",
            "--trust",
            &pki.root(),
            "--payload",
            &input,
            out_file.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    // Attached unencoded without a dot verifies and prints the payload.
    let plain = write(dir.path(), "plain.txt", b"no dots here");
    let out = pki.sign(&["--unencoded", "--in", &plain], dir.path());
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let jws = write(dir.path(), "u.jws", &out.stdout);
    let out = kavach(&["verify", "--trust", &pki.root(), &jws], dir.path());
    assert_eq!(
        (status(&out), out.stdout.as_slice()),
        (0, &b"no dots here"[..]),
        "{}",
        stderr(&out)
    );
}

#[test]
fn window_at_and_policy() {
    let pki = &*PKI;
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "p.json", b"{}");
    let out = pki.sign(&["--in", &input], dir.path());
    let jws = write(dir.path(), "a.jws", &out.stdout);
    let root = pki.root();
    // --at ten minutes from now: ts is outside the default 300 s window.
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(600);
    let later = later.to_string();
    let out = kavach(
        &["verify", "--trust", &root, "--at", &later, "--json", &jws],
        dir.path(),
    );
    assert_eq!(status(&out), 1);
    let v = json(&out);
    assert_eq!(v["code"], "KVC-JWS-TS-WINDOW");
    // Both times as RFC 3339 (`ts`'s own form), never a `SystemTime` debug value.
    let message = v["message"].as_str().unwrap();
    assert!(message.contains("signing time 20"), "{message}");
    assert!(
        message.contains(&format!(" s of {}", &later[..19])),
        "{message} / {later}"
    );
    assert!(!message.contains("SystemTime"), "{message}");
    let out = kavach(
        &["verify", "--trust", &root, "--at", &later, "--window", "900", &jws],
        dir.path(),
    );
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    // --at far in the future: the certificate has expired by then.
    let out = kavach(
        &[
            "verify",
            "--trust",
            &root,
            "--at",
            "2999-01-01T00:00:00Z",
            "--window",
            "86400",
            "--json",
            &jws,
        ],
        dir.path(),
    );
    assert_eq!(status(&out), 1);
    // Bad arguments: exit 2.
    for bad in [["--at", "yesterday"], ["--window", "999999"]] {
        let out = kavach(&["verify", "--trust", &root, bad[0], bad[1], &jws], dir.path());
        assert_eq!(status(&out), 2, "{bad:?}: {}", stderr(&out));
    }

    // A MOSIP jwtSign-like JWS (x5c, no ts/jti): strict refuses, compat-mosip accepts and says so.
    let key = kavach_keys::PrivateKey::load(pki.file("partner.signing", "key")).unwrap();
    let mut chain =
        kavach_pki::Certificate::parse_bundle(&std::fs::read(pki.file("partner.signing", "cert")).unwrap()).unwrap();
    chain.extend(
        kavach_pki::Certificate::parse_bundle(&std::fs::read(pki.file("partner.signing", "chain")).unwrap()).unwrap(),
    );
    let mosip = kavach_jws::sign(
        &key,
        b"{}",
        &kavach_jws::SignOptions::new()
            .with_certificate_chain(chain)
            .with_freshness(kavach_jws::Freshness::Omit),
    )
    .unwrap();
    let mosip = write(dir.path(), "mosip.jws", mosip.as_str().as_bytes());
    let out = kavach(&["verify", "--trust", &root, "--json", &mosip], dir.path());
    assert_eq!(
        (status(&out), json(&out)["code"].clone()),
        (1, Value::from("KVC-JWS-NO-TS"))
    );
    let out = kavach(
        &["verify", "--trust", &root, "--policy", "compat-mosip", "--json", &mosip],
        dir.path(),
    );
    let v = json(&out);
    assert_eq!(
        (v["ok"].clone(), v["policy"].clone(), v["timestamp_checked"].clone()),
        (Value::Bool(true), Value::from("compat-mosip"), Value::Bool(false))
    );

    // jwtSign with includeKeyId writes MOSIP's own key identifier as `kid`: compat-mosip takes it
    // as a label (signature and chain still checked on x5c[0]); strict needs a kid naming x5c[0].
    let chain: Vec<_> = [
        pki.file("partner.signing", "cert"),
        pki.file("partner.signing", "chain"),
    ]
    .iter()
    .flat_map(|f| kavach_pki::Certificate::parse_bundle(&std::fs::read(f).unwrap()).unwrap())
    .collect();
    let with_kid = kavach_jws::sign(
        &key,
        b"{}",
        &kavach_jws::SignOptions::new()
            .with_certificate_chain(chain)
            .with_kid("PARTNER#SIGN#0f2c1a")
            .with_freshness(kavach_jws::Freshness::Omit),
    )
    .unwrap();
    let with_kid = write(dir.path(), "mosip-kid.jws", with_kid.as_str().as_bytes());
    let out = kavach(
        &[
            "verify",
            "--trust",
            &root,
            "--policy",
            "compat-mosip",
            "--json",
            &with_kid,
        ],
        dir.path(),
    );
    assert_eq!(
        (status(&out), json(&out)["ok"].clone()),
        (0, Value::Bool(true)),
        "{}",
        stderr(&out)
    );
    let out = kavach(&["verify", "--trust", &root, "--json", &with_kid], dir.path());
    assert_eq!(status(&out), 1, "{}", stderr(&out));
}

#[test]
fn mosip_jwssign_attached_form_is_read_under_compat_mosip_only_and_reported() {
    use base64ct::{Base64, Base64UrlUnpadded, Encoding};
    use kavach_keys::Signer;
    let pki = &*PKI;
    let dir = tempfile::tempdir().unwrap();
    // Built the way MOSIP's jwsSign builds it with includePayload: "b64":false listed in crit,
    // x5c = the signing certificate only, MOSIP's own kid, no ts/jti; the middle segment is the
    // payload's base64url and the signature is over `header.` + the raw payload bytes.
    let key = kavach_keys::PrivateKey::load(pki.file("partner.signing", "key")).unwrap();
    let cert =
        kavach_pki::Certificate::parse_bundle(&std::fs::read(pki.file("partner.signing", "cert")).unwrap()).unwrap();
    let payload = br#"{"iss":"mosip.io","amount":"10.50"}"#;
    let header = Base64UrlUnpadded::encode_string(
        format!(
            r#"{{"b64":false,"crit":["b64"],"alg":"ES256","x5c":["{}"],"kid":"PARTNER#Hk3uXw2ZBdvwL0F6"}}"#,
            Base64::encode_string(cert[0].der())
        )
        .as_bytes(),
    );
    let mut input = format!("{header}.").into_bytes();
    input.extend_from_slice(payload);
    let sig = Base64UrlUnpadded::encode_string(&key.sign(&input).unwrap());
    let middle = Base64UrlUnpadded::encode_string(payload);
    let token = write(dir.path(), "mosip.jws", format!("{header}.{middle}.{sig}").as_bytes());
    let chain = pki.file("partner.signing", "chain");
    let root = pki.root();
    let verify = |extra: &[&str], jws: &str| {
        let mut args = vec!["verify", "--trust", &root, "--untrusted", &chain];
        args.extend_from_slice(extra);
        args.push(jws);
        kavach(&args, dir.path())
    };

    // strict: refused as before (MOSIP writes no ts).
    let out = verify(&["--json"], &token);
    assert_eq!(
        (status(&out), json(&out)["code"].clone()),
        (1, Value::from("KVC-JWS-NO-TS"))
    );
    // compat-mosip: accepted; the JSON says which form was read and carries the decoded payload.
    let out = verify(&["--policy", "compat-mosip", "--json"], &token);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["payload_encoding"], "mosip-base64-under-b64-false");
    assert_eq!(v["policy"], "compat-mosip");
    assert_eq!(
        Base64UrlUnpadded::decode_vec(v["payload"].as_str().unwrap()).unwrap(),
        payload
    );
    // Text mode: the raw payload on stdout, and a note on stderr.
    let out = verify(&["--policy", "compat-mosip"], &token);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(out.stdout, payload);
    assert!(stderr(&out).contains("MOSIP jwsSign"), "{}", stderr(&out));
    // A kavach-signed JWS reports its own encoding.
    let input = write(dir.path(), "p.json", b"{}");
    let signed = pki.sign(&["--in", &input], dir.path());
    let signed = write(dir.path(), "k.jws", &signed.stdout);
    let out = verify(&["--json"], &signed);
    assert_eq!(json(&out)["payload_encoding"], "base64url", "{}", stderr(&out));
    // Another payload under the same signature: the one opaque signature refusal.
    let other = Base64UrlUnpadded::encode_string(br#"{"iss":"mosip.io","amount":"99.50"}"#);
    let forged = write(dir.path(), "forged.jws", format!("{header}.{other}.{sig}").as_bytes());
    let out = verify(&["--policy", "compat-mosip", "--json"], &forged);
    assert_eq!(
        (status(&out), json(&out)["code"].clone()),
        (1, Value::from("KVC-SIG-001"))
    );
    assert!(json(&out).get("payload").is_none());
}

#[test]
fn not_a_jws_is_exit_2_and_alg_none_is_exit_1() {
    let pki = &*PKI;
    let dir = tempfile::tempdir().unwrap();
    let root = pki.root();
    for garbage in [&b"hello world"[..], b"a.b", b"\xff\xfe", b"eyJhbGciOiJFUzI1NiJ9.e30.!!"] {
        let f = write(dir.path(), "g.jws", garbage);
        let out = kavach(&["verify", "--trust", &root, "--json", &f], dir.path());
        assert_eq!(status(&out), 2, "{:?}", String::from_utf8_lossy(garbage));
        assert_eq!(json(&out)["ok"], false);
    }
    // alg:none (RFC 7515 A.5 shape), with a trailing newline (ignored).
    let none = write(dir.path(), "none.jws", b"eyJhbGciOiJub25lIn0.e30.\n");
    let out = kavach(&["verify", "--trust", &root, "--json", &none], dir.path());
    assert_eq!(status(&out), 1);
    assert_eq!(json(&out)["code"], "KVC-JWS-ALG-NONE");
    // A key that does not fit --alg: exit 2, with the key error's code.
    let input = write(dir.path(), "p.json", b"{}");
    let out = pki.sign(&["--in", &input, "--alg", "PS256", "--json"], dir.path());
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert_eq!(json(&out)["code"], "KVC-KEY-ALG-MISMATCH");
    // A key file that holds no key: exit 2, with the key error's code.
    let garbage = write(dir.path(), "garbage.key", b"not a key");
    let cert = pki.file("partner.signing", "cert");
    let out = kavach(
        &["sign", "--json", "--key", &garbage, "--cert", &cert, "--in", &input],
        dir.path(),
    );
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert_eq!(json(&out)["code"], "KVC-KEY-MALFORMED");
    // A certificate that is not the key's: exit 2.
    let key = pki.file("partner.signing", "key");
    let other_cert = pki.file("platform.signing", "cert");
    let out = kavach(
        &["sign", "--key", &key, "--cert", &other_cert, "--in", &input],
        dir.path(),
    );
    assert_eq!(status(&out), 2, "{}", stderr(&out));
}

/// A DER CRL of partner.ca listing `revoked` (roles), valid from a minute ago for `valid_for`
/// (a `valid_for` of zero makes a CRL whose nextUpdate has passed).
fn partner_crl(pki: &Pki, revoked: &[&str], valid_for: std::time::Duration, dir: &Path, name: &str) -> String {
    use kavach_pki::issue::{Issuer, RevokedEntry, issue_crl};
    use std::time::{Duration, SystemTime};
    let read_cert = |file: &str| kavach_pki::Certificate::from_pem(&std::fs::read_to_string(file).unwrap()).unwrap();
    let ca = read_cert(&pki.file("partner.ca", "cert"));
    let ca_key = kavach_keys::PrivateKey::load(pki.file("partner.ca", "key")).unwrap();
    let now = SystemTime::now();
    let listed: Vec<_> = revoked.iter().map(|r| read_cert(&pki.file(r, "cert"))).collect();
    let entries: Vec<_> = listed
        .iter()
        .map(|c| RevokedEntry::new(c, now - Duration::from_secs(120)))
        .collect();
    let this_update = now - Duration::from_secs(60);
    let crl = issue_crl(
        &Issuer::new(&ca, &ca_key).unwrap(),
        &entries,
        this_update,
        this_update + valid_for,
        1,
    )
    .unwrap();
    write(dir, name, crl.der())
}

#[test]
fn verify_with_crl_refuses_a_revoked_signer_and_accepts_a_current_crl() {
    use std::time::Duration;
    let pki = &*PKI;
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "p.json", br#"{"v":1}"#);
    let out = pki.sign(&["--in", &input], dir.path());
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let jws = write(dir.path(), "a.jws", &out.stdout);
    let root = pki.root();
    let day = Duration::from_secs(86_400);
    let verify = |crl: &str| kavach(&["verify", "--json", "--trust", &root, "--crl", crl, &jws], dir.path());

    // The signer (partner.signing) listed on a current CRL of its issuer: refused, exit 1.
    let revoked = partner_crl(pki, &["partner.signing"], day, dir.path(), "revoked.crl");
    let out = verify(&revoked);
    assert_eq!(status(&out), 1, "{}", stdout_text(&out));
    assert_eq!(json(&out)["code"], "KVC-PKI-REVOKED");

    // A current CRL that lists another certificate: accepted, the payload verified.
    let current = partner_crl(pki, &["partner.encryption"], day, dir.path(), "current.crl");
    let out = verify(&current);
    assert_eq!(status(&out), 0, "{}", stdout_text(&out));
    assert_eq!(json(&out)["ok"], true);

    // A CRL past its nextUpdate vouches for nothing: the signer's status is unknown, refused.
    let stale = partner_crl(pki, &[], Duration::from_secs(30), dir.path(), "stale.crl");
    let out = verify(&stale);
    assert_eq!(status(&out), 1, "{}", stdout_text(&out));
    assert_eq!(json(&out)["code"], "KVC-PKI-REVOCATION-UNKNOWN");

    // A file that is not a CRL: exit 2 naming it.
    let out = verify(&input);
    assert_eq!(status(&out), 2, "{}", stdout_text(&out));
    assert!(json(&out)["message"].as_str().unwrap().contains("p.json"));
}

fn stdout_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

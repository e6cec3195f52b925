//! The CLI never reports success when its output failed, and never leaves a partial or
//! readable-by-others file (issue 8, item 5): standard output is checked (`> /dev/full` is
//! exit 2), `--out` files are written to a temporary file and renamed (a failed write leaves
//! no partial file), decrypted payloads and keys are mode 0600 whatever the umask, and no file
//! is written through a symbolic link.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs::{File, OpenOptions};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::LazyLock;

use common::{Pki, kavach, kavach_after, kavach_stdout_to, status, stderr};

static PKI: LazyLock<Pki> = LazyLock::new(|| Pki::init("p256"));

/// `/dev/full`, where every write fails with ENOSPC.
fn dev_full() -> Option<Stdio> {
    OpenOptions::new().write(true).open("/dev/full").ok().map(Stdio::from)
}

/// `count` bytes of a non-repeating pattern.
fn payload(count: usize) -> Vec<u8> {
    (0..count).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Seals `plain` as JWE to platform.encryption into `dir/env`; returns the envelope's path.
fn sealed(dir: &Path, plain: &[u8]) -> String {
    let input = dir.join("plain");
    std::fs::write(&input, plain).unwrap();
    let env = dir.join("env").to_str().unwrap().to_owned();
    let (to, chain, root) = (
        PKI.file("platform.encryption", "cert"),
        PKI.file("platform.encryption", "chain"),
        PKI.root(),
    );
    let out = kavach(
        &[
            "seal",
            "--to",
            &to,
            "--trust",
            &root,
            "--untrusted",
            &chain,
            "--format",
            "jwe",
            "--in",
            input.to_str().unwrap(),
            "--out",
            &env,
        ],
        dir,
    );
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    env
}

/// The arguments of `kavach open` for platform.encryption's key, reading `env`.
fn open_args(env: &str) -> Vec<String> {
    [
        "open",
        "--key",
        &PKI.file("platform.encryption", "key"),
        "--cert",
        &PKI.file("platform.encryption", "cert"),
        "--in",
        env,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn run_to(args: &[String], dir: &Path, stdout: Stdio) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    kavach_stdout_to(&args, dir, stdout)
}

fn assert_output_failure(out: &Output, what: &str) {
    assert_eq!(status(out), 2, "{what}: {}", stderr(out));
    let err = stderr(out);
    assert!(
        err.contains("KVC-CLI-IO") && err.contains("standard output"),
        "{what}: the failure is named: {err}"
    );
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The names in `dir` (to see that no temporary file is left behind).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn open_to_dev_full_exits_2() {
    let Some(full) = dev_full() else {
        kavach_testkit::missing::<()>("open_to_dev_full_exits_2", "/dev/full", "a device whose writes fail");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let env = sealed(dir.path(), &payload(100_000));
    let out = run_to(&open_args(&env), dir.path(), full);
    assert_output_failure(&out, "open > /dev/full");
    let mut json = open_args(&env);
    json.push("--json".into());
    let out = run_to(&json, dir.path(), dev_full().unwrap());
    assert_output_failure(&out, "open --json > /dev/full");
}

#[test]
fn verify_and_cert_show_to_dev_full_exit_2() {
    if dev_full().is_none() {
        kavach_testkit::missing::<()>(
            "verify_and_cert_show_to_dev_full_exit_2",
            "/dev/full",
            "a device whose writes fail",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("payload");
    std::fs::write(&input, b"{\"request\":\"auth\"}").unwrap();
    let jws = dir.path().join("jws").to_str().unwrap().to_owned();
    let (key, cert, chain, root) = (
        PKI.file("partner.signing", "key"),
        PKI.file("partner.signing", "cert"),
        PKI.file("partner.signing", "chain"),
        PKI.root(),
    );
    let signed = kavach(
        &[
            "sign",
            "--key",
            &key,
            "--cert",
            &cert,
            "--chain",
            &chain,
            "--in",
            input.to_str().unwrap(),
            "--out",
            &jws,
        ],
        dir.path(),
    );
    assert_eq!(status(&signed), 0, "{}", stderr(&signed));
    let verify = ["verify", "--trust", root.as_str(), jws.as_str()].map(str::to_owned);
    let ok = run_to(&verify, dir.path(), Stdio::piped());
    assert_eq!(status(&ok), 0, "{}", stderr(&ok));
    let out = run_to(&verify, dir.path(), dev_full().unwrap());
    assert_output_failure(&out, "verify > /dev/full");
    let show = ["cert", "show", cert.as_str()].map(str::to_owned);
    let out = run_to(&show, dir.path(), dev_full().unwrap());
    assert_output_failure(&out, "cert show > /dev/full");
}

#[test]
fn out_file_failure_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let env = sealed(dir.path(), &payload(1 << 20));
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let target = work.join("plain.out");
    let mut args = open_args(&env);
    args.extend(["--out".into(), target.to_str().unwrap().to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // A file size limit of 16 blocks (8 or 16 KiB) makes the write of the 1 MiB payload fail
    // half-way with EFBIG (SIGXFSZ ignored), as a full disk would.
    let limited = "trap '' XFSZ; ulimit -f 16";
    let out = kavach_after(limited, &args, dir.path());
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
    assert!(!target.exists(), "a failed --out write must leave no partial file");
    assert!(names(&work).is_empty(), "no temporary file left: {:?}", names(&work));

    // An existing file stays as it was.
    std::fs::write(&target, b"previous contents").unwrap();
    let out = kavach_after(limited, &args, dir.path());
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert_eq!(std::fs::read(&target).unwrap(), b"previous contents");
    assert_eq!(names(&work), ["plain.out"]);

    // Without the limit the same command writes the whole payload.
    let out = kavach(&args, dir.path());
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(std::fs::read(&target).unwrap(), payload(1 << 20));
}

#[test]
fn decrypted_output_is_0600() {
    let dir = tempfile::tempdir().unwrap();
    let env = sealed(dir.path(), b"the decrypted payload");
    let target = dir.path().join("plain.out");
    let mut args = open_args(&env);
    args.extend(["--out".into(), target.to_str().unwrap().to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    for existing in [false, true] {
        if existing {
            // Replacing a world-readable file does not keep its mode.
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let out = kavach_after("umask 022", &args, dir.path());
        assert_eq!(status(&out), 0, "{}", stderr(&out));
        assert_eq!(std::fs::read(&target).unwrap(), b"the decrypted payload");
        assert_eq!(mode(&target), 0o600, "existing file: {existing}");
    }
    // Keys written by pki init are 0600 under the same umask; the envelope (public) follows it.
    let pki = dir.path().join("pki");
    let out = kavach_after(
        "umask 022",
        &["pki", "init", pki.to_str().unwrap(), "--algo", "p256"],
        dir.path(),
    );
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(mode(&pki.join("platform.encryption.key.pem")), 0o600);
    assert_eq!(mode(&pki.join("platform.encryption.pem")), 0o644);
}

#[test]
fn key_file_not_written_through_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    let out = kavach(&["pki", "init", pki.to_str().unwrap(), "--algo", "p256"], dir.path());
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    // Someone who can write into the PKI directory plants a link where a key goes, to a file
    // of theirs that they can read.
    let victim = dir.path().join("attacker-readable");
    std::fs::write(&victim, b"not a key").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let key = pki.join("platform.encryption.key.pem");
    std::fs::remove_file(&key).unwrap();
    std::os::unix::fs::symlink(&victim, &key).unwrap();

    let out = kavach(
        &["pki", "init", pki.to_str().unwrap(), "--algo", "p256", "--force"],
        dir.path(),
    );
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        b"not a key",
        "the key went through the link"
    );
    assert_eq!(mode(&victim), 0o644);
    assert!(std::fs::symlink_metadata(&key).unwrap().file_type().is_symlink());
}

#[test]
fn decrypted_output_not_written_through_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let env = sealed(dir.path(), b"secret plaintext");
    let victim = dir.path().join("attacker-readable");
    File::create(&victim).unwrap();
    let link = dir.path().join("plain.out");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let mut args = open_args(&env);
    args.extend(["--out".into(), link.to_str().unwrap().to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = kavach(&args, dir.path());
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert!(
        std::fs::read(&victim).unwrap().is_empty(),
        "the plaintext went through the link"
    );
}

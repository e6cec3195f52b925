//! `kavach seal --format stream` and `kavach open` of a stream (issue 9): multi-chunk round
//! trips through standard input/output and files, on RSA and P-256 recipients; a truncated
//! or tampered stream fails `open` (exit 1) with no `--out` file and, on standard output,
//! nothing of the failing chunk; a failed write mid-stream leaves no file; the progress bar
//! only on a terminal, never with `--json`.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::LazyLock;

use common::{Pki, json, kavach, kavach_after, kavach_stdin, status, stderr};

static RSA_PKI: LazyLock<Pki> = LazyLock::new(|| Pki::init("rsa2048"));
static EC_PKI: LazyLock<Pki> = LazyLock::new(|| Pki::init("p256"));

/// The library's chunk size (64 KiB) and its GCM tag: a sealed chunk is `CHUNK + TAG` bytes.
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

/// `count` bytes of a non-repeating pattern.
fn payload(count: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

impl Pki {
    /// `kavach seal --format stream` to platform.encryption, plus `extra`.
    fn seal_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "seal",
            "--format",
            "stream",
            "--to",
            &self.file("platform.encryption", "cert"),
            "--trust",
            &self.root(),
            "--untrusted",
            &self.file("platform.encryption", "chain"),
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    }

    /// `kavach open` with `role`'s key, plus `extra`.
    fn open_args(&self, role: &str, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "open",
            "--key",
            &self.file(role, "key"),
            "--cert",
            &self.file(role, "cert"),
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    }
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
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

/// Seals `plain` into `dir/stream.kvs` to platform.encryption of `pki`; returns the stream.
fn sealed_stream(pki: &Pki, dir: &Path, plain: &[u8]) -> Vec<u8> {
    let (input, out) = (dir.join("plain"), dir.join("stream.kvs"));
    std::fs::write(&input, plain).unwrap();
    let args = pki.seal_args(&["--in", path(&input), "--out", path(&out)]);
    let o = kavach(&strs(&args), dir);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    std::fs::remove_file(&input).unwrap();
    bytes
}

#[test]
fn stream_round_trips_a_multi_chunk_payload_through_stdin_stdout_and_files() {
    // Five full chunks and a partial sixth; an exact multiple of the chunk size; empty.
    for (pki, name) in [(&*RSA_PKI, "rsa2048"), (&*EC_PKI, "p256")] {
        for len in [5 * CHUNK + 1234, 3 * CHUNK, 0] {
            let plain = payload(len);
            let dir = tempfile::tempdir().unwrap();

            // Standard input to standard output, both ways.
            let seal = kavach_stdin(&strs(&pki.seal_args(&[])), dir.path(), &plain);
            assert_eq!(status(&seal), 0, "{name} {len}: {}", stderr(&seal));
            assert!(seal.stdout.starts_with(b"KVCHSTRM"), "{name} {len}: a kavach stream");
            let chunks = len / CHUNK + 1;
            assert!(seal.stdout.len() > len + chunks * TAG, "{name} {len}: header and tags");
            let open = kavach_stdin(
                &strs(&pki.open_args("platform.encryption", &[])),
                dir.path(),
                &seal.stdout,
            );
            assert_eq!(status(&open), 0, "{name} {len}: {}", stderr(&open));
            assert!(open.stdout == plain, "{name} {len}: the payload differs");

            // A file to a file, with the JSON reports.
            let (input, env, back) = (dir.path().join("in"), dir.path().join("env"), dir.path().join("back"));
            std::fs::write(&input, &plain).unwrap();
            let out = kavach(
                &strs(&pki.seal_args(&["--json", "--in", path(&input), "--out", path(&env)])),
                dir.path(),
            );
            assert_eq!(status(&out), 0, "{name} {len}: {}", stderr(&out));
            let v = json(&out);
            assert_eq!(
                (v["format"].as_str(), v["bytes"].as_u64()),
                (Some("stream"), Some(len as u64))
            );
            let recipient = v["recipient"].clone();
            let out = kavach(
                &strs(&pki.open_args(
                    "platform.encryption",
                    &["--json", "--in", path(&env), "--out", path(&back)],
                )),
                dir.path(),
            );
            assert_eq!(status(&out), 0, "{name} {len}: {}", stderr(&out));
            let v = json(&out);
            assert_eq!(
                (v["format"].as_str(), v["bytes"].as_u64()),
                (Some("stream"), Some(len as u64))
            );
            assert_eq!(v["recipient"], recipient);
            assert!(
                std::fs::read(&back).unwrap() == plain,
                "{name} {len}: the payload differs"
            );
            assert_eq!(
                std::fs::metadata(&back).unwrap().permissions().mode() & 0o777,
                0o600,
                "decrypted payload"
            );
            assert_eq!(names(dir.path()), ["back", "env", "in"], "no temporary file left");
        }
    }
}

#[test]
fn a_truncated_or_tampered_stream_fails_open_and_leaves_no_out_file() {
    let pki = &*EC_PKI;
    let dir = tempfile::tempdir().unwrap();
    let plain = payload(4 * CHUNK + 100);
    let stream = sealed_stream(pki, dir.path(), &plain);
    let header = stream.len() - plain.len() - 5 * TAG;
    let sealed_chunk = CHUNK + TAG;

    let mut flipped = stream.clone();
    flipped[header + 2 * sealed_chunk + 7] ^= 1; // in chunk 2
    let damaged: [(&str, Vec<u8>, usize); 5] = [
        // Cut at a chunk boundary: no chunk is flagged final (chunk 2, read as the last one,
        // fails: its nonce says final).
        ("cut after chunk 2", stream[..header + 3 * sealed_chunk].to_vec(), 2),
        // Cut inside a chunk: its tag is gone.
        (
            "cut inside chunk 3",
            stream[..header + 3 * sealed_chunk + 500].to_vec(),
            3,
        ),
        ("last byte cut", stream[..stream.len() - 1].to_vec(), 4),
        ("one bit flipped in chunk 2", flipped, 2),
        ("trailing byte", [&stream[..], b"x"].concat(), 4),
    ];
    for (what, bytes, good_chunks) in damaged {
        let env = dir.path().join("env");
        std::fs::write(&env, &bytes).unwrap();
        let back = dir.path().join("back");
        let out = kavach(
            &strs(&pki.open_args("platform.encryption", &["--in", path(&env), "--out", path(&back)])),
            dir.path(),
        );
        assert_eq!(status(&out), 1, "{what}: {}", stderr(&out));
        assert!(stderr(&out).contains("KVC-ENV-OPEN-FAILED"), "{what}: {}", stderr(&out));
        assert!(!back.exists(), "{what}: a failed open must leave no --out file");
        assert_eq!(names(dir.path()), ["env"], "{what}: no temporary file left");

        // On standard output: the authenticated chunks before the damage, nothing of the
        // failing chunk, and a non-zero exit.
        let out = kavach_stdin(&strs(&pki.open_args("platform.encryption", &[])), dir.path(), &bytes);
        assert_eq!(status(&out), 1, "{what}: {}", stderr(&out));
        assert!(
            out.stdout == plain[..good_chunks * CHUNK],
            "{what}: standard output has {} bytes, not the {good_chunks} authenticated chunks",
            out.stdout.len()
        );
        std::fs::remove_file(&env).unwrap();
    }

    // A stream is refused whole by a key it was not sealed to, before any output.
    let env = dir.path().join("env");
    std::fs::write(&env, &stream).unwrap();
    let back = dir.path().join("back");
    let out = kavach(
        &strs(&pki.open_args("partner.encryption", &["--in", path(&env), "--out", path(&back)])),
        dir.path(),
    );
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("KVC-ENV-UNKNOWN-RECIPIENT"), "{}", stderr(&out));
    assert!(!back.exists());
    // A header that does not parse: malformed input, exit 2.
    let mut bad = stream.clone();
    bad[8] = 9; // version
    std::fs::write(&env, &bad).unwrap();
    let out = kavach(
        &strs(&pki.open_args("platform.encryption", &["--in", path(&env), "--out", path(&back)])),
        dir.path(),
    );
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("KVC-ENV-MALFORMED"), "{}", stderr(&out));
    assert_eq!(names(dir.path()), ["env"]);
}

#[test]
fn a_failed_write_mid_stream_leaves_no_file() {
    let pki = &*EC_PKI;
    let dir = tempfile::tempdir().unwrap();
    let plain = payload(16 * CHUNK);
    let input = dir.path().join("plain");
    std::fs::write(&input, &plain).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let env = work.join("env");
    // A file size limit of 16 blocks (8 or 16 KiB) makes the write fail after the first
    // chunks with EFBIG (SIGXFSZ ignored), as a full disk would.
    let limited = "trap '' XFSZ; ulimit -f 16";
    let args = pki.seal_args(&["--in", path(&input), "--out", path(&env)]);
    let out = kavach_after(limited, &strs(&args), dir.path());
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("KVC-CLI-IO") && stderr(&out).contains("cannot write"),
        "{}",
        stderr(&out)
    );
    assert!(
        names(&work).is_empty(),
        "no envelope, no temporary file: {:?}",
        names(&work)
    );

    // The same for the plaintext of open.
    let out = kavach(&strs(&args), dir.path());
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let back = work.join("back");
    let args = pki.open_args("platform.encryption", &["--in", path(&env), "--out", path(&back)]);
    let out = kavach_after(limited, &strs(&args), dir.path());
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
    assert_eq!(names(&work), ["env"]);
}

#[test]
fn stream_arguments_that_cannot_work_exit_2() {
    let pki = &*EC_PKI;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("plain");
    std::fs::write(&input, b"payload").unwrap();
    let stream = sealed_stream(pki, dir.path(), b"payload");
    let env = dir.path().join("env");
    std::fs::write(&env, &stream).unwrap();
    for args in [
        // The stream has no caller AAD.
        pki.seal_args(&["--aad", "x", "--in", path(&input)]),
        pki.open_args("platform.encryption", &["--aad", "x", "--in", path(&env)]),
        // The binary stream and the JSON object cannot share standard output.
        pki.seal_args(&["--json", "--in", path(&input)]),
        pki.open_args("platform.encryption", &["--json", "--in", path(&env)]),
    ] {
        let out = kavach(&strs(&args), dir.path());
        assert_eq!(status(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty() || args.contains(&"--json".to_owned()), "{args:?}");
        let text = format!("{}{}", stderr(&out), String::from_utf8_lossy(&out.stdout));
        assert!(text.contains("KVC-CLI-BAD-ARGUMENT"), "{args:?}: {text}");
    }
}

/// Runs `args` under `script`, which gives the command a terminal for standard error (and
/// standard output); returns what the terminal showed, or `None` without `script`.
fn on_a_terminal(args: &[String], dir: &Path) -> Option<String> {
    let line = std::iter::once(env!("CARGO_BIN_EXE_kavach").to_owned())
        .chain(args.iter().cloned())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    assert!(out.status.success(), "{line}: {}", String::from_utf8_lossy(&out.stdout));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn progress_bar_only_on_a_terminal_without_json_for_inputs_over_8_mib() {
    let pki = &*EC_PKI;
    let dir = tempfile::tempdir().unwrap();
    let (big, small) = (dir.path().join("big"), dir.path().join("small"));
    std::fs::write(&big, payload(9 << 20)).unwrap();
    std::fs::write(&small, payload(CHUNK)).unwrap();
    let env = dir.path().join("env");
    let seal = |input: &Path, extra: &[&str]| {
        let mut a = vec!["--in", path(input), "--out", path(&env)];
        a.extend_from_slice(extra);
        pki.seal_args(&a)
    };

    // Standard error not a terminal: nothing on it.
    let out: Output = kavach(&strs(&seal(&big, &[])), dir.path());
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "no progress when piped: {}", stderr(&out));

    let Some(shown) = on_a_terminal(&seal(&big, &[]), dir.path()) else {
        eprintln!("no `script` command: the terminal cases are not run");
        return;
    };
    assert!(shown.contains("sealing") && shown.contains("MiB"), "a bar: {shown:?}");
    let open = pki.open_args(
        "platform.encryption",
        &["--in", path(&env), "--out", path(&dir.path().join("back"))],
    );
    let shown = on_a_terminal(&open, dir.path()).unwrap();
    assert!(shown.contains("opening"), "a bar: {shown:?}");
    let shown = on_a_terminal(&seal(&big, &["--json"]), dir.path()).unwrap();
    assert!(!shown.contains("sealing"), "never with --json: {shown:?}");
    assert!(shown.contains("\"ok\":true"), "{shown:?}");
    let shown = on_a_terminal(&seal(&small, &[]), dir.path()).unwrap();
    assert!(shown.is_empty(), "no bar for a small input: {shown:?}");
}

#[test]
fn open_help_says_what_standard_output_receives_from_a_failing_stream() {
    let dir = tempfile::tempdir().unwrap();
    let out = kavach(&["open", "--help"], dir.path());
    assert_eq!(status(&out), 0);
    let help = String::from_utf8(out.stdout).unwrap().replace('\n', " ");
    for needle in ["authenticated chunks", "nothing of the failing chunk", "exit status 0"] {
        assert!(help.contains(needle), "{needle:?} not in: {help}");
    }
}

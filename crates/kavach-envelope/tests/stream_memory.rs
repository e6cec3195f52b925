//! The streaming mode seals a 1 GiB file in constant memory: the peak resident set (VmHWM) of
//! the *sealing process* — `examples/stream_seal.rs`, run as a child — stays under 64 MiB.
//! The test process reads the child's output as it comes and opens it with `StreamOpener`,
//! checking every byte, so the sealed stream is also proven correct.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use kavach_envelope::stream::StreamOpener;

const GIB: u64 = 1 << 30;
const LIMIT_KB: u64 = 64 * 1024;

/// The `stream_seal` example binary, (re)built with the profile of this test binary: cargo
/// puts examples in `target/<profile>/examples/`, and a plain `cargo build` is a no-op when the
/// example is fresh.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = Command::new(cargo);
    build.args(["build", "-p", "kavach-envelope", "--example", "stream_seal"]);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    assert!(
        build.status().unwrap().success(),
        "building the stream_seal example failed"
    );
    let bin = profile_dir.join("examples").join("stream_seal");
    assert!(bin.is_file(), "{} not found", bin.display());
    bin
}

#[test]
fn sealing_1_gib_stays_under_64_mib_of_resident_memory() {
    if !cfg!(target_os = "linux") {
        kavach_testkit::missing::<()>(
            "sealing_1_gib_stays_under_64_mib_of_resident_memory",
            "Linux /proc",
            "VmHWM is read from /proc/<pid>/status",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("one-gib");
    // A sparse file: reads as 1 GiB of zeros without using the disk.
    std::fs::File::create(&input).unwrap().set_len(GIB).unwrap();
    let pki = kavach_pki::testing::TestPki::rsa();
    let (cert, roots, chain) = (
        dir.path().join("cert.pem"),
        dir.path().join("roots.pem"),
        dir.path().join("chain.pem"),
    );
    std::fs::write(
        &cert,
        pki.leaf(kavach_pki::Purpose::Encryption).unwrap().certificate.to_pem(),
    )
    .unwrap();
    std::fs::write(&roots, pki.root().certificate.to_pem()).unwrap();
    std::fs::write(&chain, pki.intermediate().certificate.to_pem()).unwrap();
    let mut child = Command::new(example_binary())
        .args([&cert, &roots, &chain, &input])
        .arg("-")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let keys = common::keys(&[pki]);
    let mut opener = StreamOpener::new(child.stdout.take().unwrap(), &keys).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = opener.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        assert!(
            buf[..n].iter().all(|&b| b == 0),
            "payload byte differs near offset {total}"
        );
        total += n as u64;
    }
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(child.wait().unwrap().success(), "{err}");
    assert_eq!(total, GIB);
    let hwm: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM_kB="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM line in: {err}"));
    kavach_testkit::report!("stream_seal of 1 GiB: peak RSS (VmHWM) of the sealing process = {hwm} kB");
    assert!(hwm < LIMIT_KB, "sealing process peak RSS {hwm} kB >= {LIMIT_KB} kB");
}

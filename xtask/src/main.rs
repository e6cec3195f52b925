//! `cargo xtask`: the project's own automation (the README's test command).
//!
//! - `cargo xtask test [ARGS...]`: installs the external parts the suite needs when they are
//!   missing (SoftHSM2, OpenSSL, a JDK, Python packages), then runs the whole test suite with every
//!   external part *required* (`KAVACH_REQUIRE_EXTERNAL=1`): a test whose part is missing fails
//!   instead of skipping. Extra arguments go to `cargo test`.
//! - `cargo xtask install`: only the installation step.
//! - `cargo xtask modules`: scans every crate's `src/` for module cycles and fails on one
//!   ([`modules`]).
//! - `cargo xtask corpus [DIR]`: writes the envelope fuzz targets' seed corpora into `DIR`
//!   (default `fuzz/corpus`) with kavach-fuzzing's seed writer ([`corpus`]).
#![forbid(unsafe_code)]

mod corpus;
mod modules;

use std::path::Path;
use std::process::{Command, ExitCode};

/// Debian packages and the file or program that shows each is installed.
const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    ("softhsm2", "/usr/lib/softhsm/libsofthsm2.so"),
    ("openssl", "/usr/bin/openssl"),
    ("default-jdk-headless", "javac"),
    ("python3-pip", "pip3"),
];

/// Python modules the interop tests import, and the PyPI packages that provide them.
const PYTHON_PACKAGES: &[(&str, &str)] = &[("cryptography", "cryptography"), ("jwcrypto", "jwcrypto")];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => install().and_then(|()| test(&args[1..])),
        Some("install") => install(),
        Some("modules") => modules::run(&workspace_root()),
        Some("corpus") => corpus::command(&workspace_root(), &args[1..]).and_then(|mut cmd| run(&mut cmd)),
        _ => {
            eprintln!("usage: cargo xtask test [cargo test args...] | install | modules | corpus [DIR]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace's directory (the xtask lives in `<workspace>/xtask`). Taken from the
/// `CARGO_MANIFEST_DIR` that `cargo run` sets at run time, so that a binary built in another
/// clone sharing the target directory scans this one; the compiled-in path is the fallback.
fn workspace_root() -> std::path::PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf());
    manifest_dir
        .parent()
        .map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf)
}

fn present(probe: &str) -> bool {
    if probe.starts_with('/') {
        return Path::new(probe).exists();
    }
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(probe).is_file()))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: running {shown}");
    let status = cmd.status().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

fn install() -> Result<(), String> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(_, probe)| !present(probe))
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        eprintln!(
            "xtask: Debian packages present: {}",
            DEBIAN_PACKAGES.iter().map(|p| p.0).collect::<Vec<_>>().join(", ")
        );
    } else {
        let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
        let apt = |args: &[&str]| {
            let mut all: Vec<&str> = sudo.to_vec();
            all.push("apt-get");
            all.extend_from_slice(args);
            let mut cmd = Command::new(all[0]);
            cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
            run(&mut cmd)
        };
        apt(&["update", "-qq"])?;
        let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
        args.extend(missing.iter().copied());
        apt(&args)?;
    }
    let missing_py: Vec<&str> = PYTHON_PACKAGES
        .iter()
        .filter(|(module, _)| {
            !Command::new("python3")
                .args(["-c", &format!("import {module}")])
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(|(_, package)| *package)
        .collect();
    if missing_py.is_empty() {
        eprintln!(
            "xtask: Python packages present: {}",
            PYTHON_PACKAGES.iter().map(|p| p.1).collect::<Vec<_>>().join(", ")
        );
    } else {
        run(Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args(&missing_py))?;
    }
    Ok(())
}

fn test(extra: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    run(Command::new(cargo)
        .args(["test", "--workspace", "--all-features", "--locked"])
        .args(extra)
        .env("KAVACH_REQUIRE_EXTERNAL", "1"))
}

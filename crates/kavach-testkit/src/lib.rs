//! Test support shared by the kavach crates' tests (a dev-dependency only).
//!
//! Tests that need something outside Rust — SoftHSM2, the public vectors in `../shared/vectors`,
//! the OpenSSL CLI, a JDK, Python packages — ask [`external`] for it. What happens when the part
//! is missing depends on how the suite runs:
//!
//! - under the README's test command (`cargo xtask test`, which sets
//!   `KAVACH_REQUIRE_EXTERNAL=1`), a missing part **fails** the test;
//! - under a plain `cargo test`, the test is skipped with a message on the real stderr (not the
//!   captured one, so it shows even when the test passes) naming the missing part.
#![forbid(unsafe_code)]

#[cfg(target_os = "linux")]
pub mod memscan;
mod proptest_support;
mod workspace;
pub mod wycheproof;

pub use proptest_support::{RegressionFiles, proptest_config};
pub use workspace::workspace_root;

use std::io::Write;
use std::path::{Path, PathBuf};

/// Environment variable that makes every external part required.
pub const REQUIRE_ENV: &str = "KAVACH_REQUIRE_EXTERNAL";

/// Environment variable naming the vectors folder (default: `../shared/vectors` from the
/// workspace root).
pub const VECTORS_ENV: &str = "KAVACH_VECTORS";

/// True when the suite runs with every external part required.
pub fn externals_required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1")
}

/// Reports a missing external part: panics when parts are required, otherwise prints a loud
/// `SKIPPED` line on the process's real stderr. Returns `None` so callers can write
/// `let Some(x) = ... else { return };`.
#[track_caller]
pub fn missing<T>(test: &str, part: &str, detail: &str) -> Option<T> {
    if externals_required() {
        panic!("{test}: required external part missing: {part} ({detail}); {REQUIRE_ENV}=1 makes it required");
    }
    // Written to the raw stderr handle: the test harness only captures the print macros.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED {test}: {part} is missing ({detail}). Run `cargo xtask test` to install it and require it. ***"
    );
    None
}

/// The public test vectors folder, or `None` (after [`missing`]) when it is absent.
#[track_caller]
pub fn vectors_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(VECTORS_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/vectors"));
    if dir.join("README.md").is_file() {
        Some(dir)
    } else {
        missing(
            test,
            "public test vectors",
            &format!("expected at {} (or set {VECTORS_ENV})", dir.display()),
        )
    }
}

/// A file inside the vectors folder. When the folder exists but the file does not, this
/// always panics: the vectors are pinned, so a missing file is a broken checkout, not a skip.
#[track_caller]
pub fn vector_file(test: &str, relative: &str) -> Option<PathBuf> {
    let dir = vectors_dir(test)?;
    let path = dir.join(relative);
    assert!(path.is_file(), "{test}: vector file {} is missing", path.display());
    Some(path)
}

/// Looks for a program on `PATH`; `None` (after [`missing`]) when absent.
#[track_caller]
pub fn program(test: &str, name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    missing(test, name, "not found on PATH")
}

/// A file that must exist (e.g. a PKCS#11 module); `None` (after [`missing`]) when absent.
#[track_caller]
pub fn file(test: &str, part: &str, path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        Some(path.to_owned())
    } else {
        missing(test, part, &format!("{} does not exist", path.display()))
    }
}

/// Writes one line to the process's real stderr, past the test harness's capture, so that the
/// figures a test measures (vector counts, interop counts, pass rates) show in every run's output
/// and not only when the test fails.
pub fn report_line(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `format!`-style [`report_line`].
#[macro_export]
macro_rules! report {
    ($($arg:tt)*) => {
        $crate::report_line(&format!($($arg)*))
    };
}

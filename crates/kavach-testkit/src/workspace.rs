//! Where the workspace is, found at run time.

use std::path::{Path, PathBuf};

/// The workspace root (the folder with the top-level `Cargo.toml`).
///
/// Found at run time from the `CARGO_MANIFEST_DIR` cargo gives the running test (the nearest
/// ancestor whose `Cargo.toml` declares `[workspace]`), so a test binary built in another clone
/// that shares the target directory still reads this clone's files; the folder this crate was
/// compiled in is the fallback.
pub fn workspace_root() -> PathBuf {
    let compiled_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let Some(start) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        return compiled_in;
    };
    start
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
        })
        .map(Path::to_path_buf)
        .unwrap_or(compiled_in)
}

//! `cargo xtask corpus [DIR]`: writes the seed corpora of the `envelope_*` fuzz targets into
//! `DIR` (default: the workspace's `fuzz/corpus`), by running kavach-fuzzing's seed writer
//! (`crates/kavach-fuzzing/examples/envelope_seeds.rs`). Run it when an envelope format changes;
//! `cargo test -p kavach-fuzzing` then replays what it wrote.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The command that writes the seeds: `cargo run` of the seed writer, with `DIR` made absolute
/// (relative to the directory `cargo xtask` was started in).
pub(crate) fn command(workspace: &Path, args: &[String]) -> Result<Command, String> {
    let dir = match args {
        [] => workspace.join("fuzz/corpus"),
        [dir] => {
            let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
            cwd.join(PathBuf::from(dir))
        }
        _ => return Err("usage: cargo xtask corpus [DIR]".to_owned()),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "run",
        "--quiet",
        "--locked",
        "--package",
        "kavach-fuzzing",
        "--example",
        "envelope_seeds",
        "--",
    ])
    .arg(dir)
    .current_dir(workspace);
    Ok(cmd)
}

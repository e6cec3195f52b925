//! What the CLI tests share: running the built `kavach` binary, reading its output, and a demo
//! PKI written by `kavach pki init`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Runs `kavach ARGS` in `cwd` with an empty standard input.
pub(crate) fn kavach(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kavach"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Runs `kavach ARGS` in `cwd` with `stdin` as standard input. Standard input is written
/// from another thread while the output is read: a command that streams (writes output before
/// it has read all its input) would otherwise deadlock on a full pipe. A command that exits
/// before reading everything closes the pipe; that write error is ignored.
pub(crate) fn kavach_stdin(args: &[&str], cwd: &Path, stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kavach"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    std::thread::scope(|s| {
        s.spawn(move || {
            let _ = pipe.write_all(stdin);
        });
        child.wait_with_output().unwrap()
    })
}

/// Runs `kavach ARGS` in `cwd` with its standard output sent to `stdout` (e.g. `/dev/full`);
/// standard error is captured.
pub(crate) fn kavach_stdout_to(args: &[&str], cwd: &Path, stdout: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kavach"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(stdout)
        .output()
        .unwrap()
}

/// Runs `kavach ARGS` in `cwd` from `sh` after the shell commands `setup` (a umask, a
/// `ulimit`), which apply to the kavach process only.
pub(crate) fn kavach_after(setup: &str, args: &[&str], cwd: &Path) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("{setup}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_kavach"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The exit status.
pub(crate) fn status(out: &Output) -> i32 {
    out.status.code().unwrap()
}

/// Standard output as text.
pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Standard error as text.
pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output as the one JSON object on one line that `--json` promises, whose first key
/// is `ok` (checked on the text itself: a parsed `Value` sorts its keys).
pub(crate) fn json(out: &Output) -> Value {
    let text = stdout(out);
    assert_eq!(text.lines().count(), 1, "one JSON object on one line: {text}");
    assert!(
        text.starts_with("{\"ok\":true,") || text.starts_with("{\"ok\":false,"),
        "`ok` is the first key: {text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// A demo PKI written by `kavach pki init` into a temporary directory.
pub(crate) struct Pki {
    _dir: tempfile::TempDir,
    /// The PKI's directory.
    pub(crate) path: PathBuf,
    /// `pki.json`.
    pub(crate) manifest: Value,
}

impl Pki {
    /// `kavach pki init DIR --algo ALGO`.
    pub(crate) fn init(algo: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pki");
        let out = kavach(&["pki", "init", path.to_str().unwrap(), "--algo", algo], dir.path());
        assert_eq!(status(&out), 0, "{}", stderr(&out));
        let manifest = serde_json::from_slice(&std::fs::read(path.join("pki.json")).unwrap()).unwrap();
        Self {
            _dir: dir,
            path,
            manifest,
        }
    }

    /// The manifest entry of `role`.
    pub(crate) fn entity(&self, role: &str) -> &Value {
        &self.manifest["entities"][role]
    }

    /// The absolute path of `role`'s `field` (`cert`, `key` or `chain`).
    pub(crate) fn file(&self, role: &str, field: &str) -> String {
        self.path
            .join(self.entity(role)[field].as_str().unwrap())
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// The absolute path of the root CA certificate.
    pub(crate) fn root(&self) -> String {
        self.path
            .join(self.manifest["root"].as_str().unwrap())
            .to_str()
            .unwrap()
            .to_owned()
    }
}

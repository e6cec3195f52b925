//! How every subcommand ends: one [`Outcome`], printed by [`crate::output::finish`] as text or as
//! one JSON object, with CLI.md's exit status.
//!
//! | status | meaning | text mode | `--json` |
//! |---|---|---|---|
//! | 0 | success / valid | the subcommand's text on stdout | `{"ok":true, ...fields}` on stdout |
//! | 1 | refused: a verification, decryption or policy check failed | `kavach: CODE: sentence` on stderr | `{"ok":false,"code":…,"message":…}` on stdout |
//! | 2 | usage error or malformed input (which argument or file, and why) | same as 1 | same as 1 |
//!
//! Output that cannot be written — standard output (`> /dev/full`, a closed pipe) or a
//! `--out` file — is exit 2 naming it (`KVC-CLI-IO`), never a success: see [`crate::output`].
//!
//! Argument errors found by clap itself (unknown flag, missing value) are printed by clap as
//! plain text with status 2, which CLI.md allows.
//!
//! A new subcommand builds a [`Success`] (text lines and JSON fields) or a [`Failure`]
//! ([`Failure::refused`] / [`Failure::usage`], or the `kavach-pki` conversions) and returns it;
//! it never prints its result or calls `std::process::exit` itself.

use std::fmt::Display;
use std::process::ExitCode;

use serde_json::{Map, Value};

/// Codes of failures that the CLI itself detects (library failures carry the library's code,
/// e.g. `KVC-PKI-EXPIRED`).
pub(crate) mod code {
    /// A file could not be read or written.
    pub(crate) const IO: &str = "KVC-CLI-IO";
    /// An input is larger than the CLI reads.
    pub(crate) const TOO_LARGE: &str = "KVC-CLI-TOO-LARGE";
    /// Standard input was named twice.
    pub(crate) const STDIN_TWICE: &str = "KVC-CLI-STDIN-TWICE";
    /// `pki init` would overwrite files without `--force`.
    pub(crate) const EXISTS: &str = "KVC-CLI-EXISTS";
    /// An argument value that does not parse (e.g. `--at`).
    pub(crate) const BAD_ARGUMENT: &str = "KVC-CLI-BAD-ARGUMENT";
    /// A private key given with a certificate (`open --key K --cert C`) is not the key of
    /// that certificate.
    pub(crate) const KEY_MISMATCH: &str = "KVC-CLI-KEY-MISMATCH";
}

/// Exit status of a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// 1: a check refused.
    Refused,
    /// 2: usage error or malformed input.
    Usage,
}

/// Why a subcommand failed.
#[derive(Debug)]
pub(crate) struct Failure {
    status: Status,
    code: String,
    message: String,
}

impl Failure {
    /// Exit 1: a verification, decryption or policy check refused.
    pub(crate) fn refused(code: impl Into<String>, message: impl Display) -> Self {
        Self {
            status: Status::Refused,
            code: code.into(),
            message: message.to_string(),
        }
    }

    /// Exit 2: a usage error or malformed input; `message` names the argument or file.
    pub(crate) fn usage(code: impl Into<String>, message: impl Display) -> Self {
        Self {
            status: Status::Usage,
            code: code.into(),
            message: message.to_string(),
        }
    }

    /// Exit 1 with a kavach-pki refusal's code and sentence.
    pub(crate) fn pki_refused(error: &kavach_pki::Error) -> Self {
        Self::refused(error.code(), error)
    }

    /// Exit 2: the content of `source` (a file name or argument) is malformed.
    pub(crate) fn pki_input(source: impl Display, error: &kavach_pki::Error) -> Self {
        Self::usage(error.code(), format_args!("{source}: {error}"))
    }

    /// Exit 2 with a kavach-keys error's code: a key file or key argument (`source`) that
    /// cannot be used as given, whatever the reason (CLI.md: a malformed file).
    pub(crate) fn key(source: impl Display, error: &kavach_keys::Error) -> Self {
        Self::usage(error.code(), format_args!("{source}: {error}"))
    }

    /// A kavach-envelope error about `source`: exit 2 for input that does not parse, 1 otherwise.
    pub(crate) fn envelope(source: impl Display, error: &kavach_envelope::Error) -> Self {
        if error.is_malformed_input() {
            Self::usage(error.code(), format_args!("{source}: {error}"))
        } else {
            Self::refused(error.code(), format_args!("{source}: {error}"))
        }
    }

    /// A kavach-jws error about `source`: exit 2 for malformed input or a key, certificate or
    /// payload that cannot be used as given, 1 for a refusal.
    pub(crate) fn jws(source: impl Display, error: &kavach_jws::Error) -> Self {
        if error.is_malformed_input() {
            Self::usage(error.code(), format_args!("{source}: {error}"))
        } else {
            Self::refused(error.code(), format_args!("{source}: {error}"))
        }
    }

    /// The stable code.
    #[cfg(test)]
    pub(crate) fn code(&self) -> &str {
        &self.code
    }

    /// `kavach: CODE: sentence`, the line standard error gets.
    pub(crate) fn stderr_line(&self) -> String {
        format!("kavach: {}: {}", self.code, self.message)
    }

    /// `{"ok":false,"code":…,"message":…}`, the object standard output gets under `--json`
    /// (one line, `ok` first, no newline).
    pub(crate) fn to_json(&self) -> String {
        ok_first(
            false,
            [
                ("code", &Value::from(self.code.as_str())),
                ("message", &Value::from(self.message.as_str())),
            ],
        )
    }

    /// The exit status: 1 refused, 2 usage error or malformed input.
    pub(crate) fn exit_status(&self) -> ExitCode {
        ExitCode::from(match self.status {
            Status::Refused => 1,
            Status::Usage => 2,
        })
    }
}

/// What a successful subcommand prints.
#[derive(Debug, Default)]
pub(crate) struct Success {
    text: String,
    json: Map<String, Value>,
}

impl Success {
    /// Nothing to print yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Appends one line of text (printed without `--json`).
    pub(crate) fn line(mut self, line: impl Display) -> Self {
        use std::fmt::Write as _;
        let _ = writeln!(self.text, "{line}");
        self
    }

    /// Sets one field of the JSON object (printed with `--json`).
    pub(crate) fn field(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.json.insert(key.to_owned(), value.into());
        self
    }

    /// What standard output gets: the text lines, or under `--json` one object
    /// `{"ok":true, ...fields}` and a newline.
    pub(crate) fn render(self, json: bool) -> String {
        if json {
            format!("{}\n", ok_first(true, self.json.iter().map(|(k, v)| (k.as_str(), v))))
        } else {
            self.text
        }
    }
}

/// One JSON object on one line whose first key is `ok` (CLI.md), then `fields` in their order.
///
/// Written here rather than through a `serde_json::Map`: without serde_json's `preserve_order`
/// feature (and the `indexmap` dependency it brings) a `Map` sorts its keys, which would put
/// `code` and `message` before `ok`. Keys and values are still written by serde_json, so every
/// string is escaped as JSON wants. A field named `ok` is not written twice.
fn ok_first<'a>(ok: bool, fields: impl IntoIterator<Item = (&'a str, &'a Value)>) -> String {
    let mut object = format!("{{\"ok\":{ok}");
    for (key, value) in fields {
        if key != "ok" {
            object.push(',');
            object.push_str(&Value::from(key).to_string());
            object.push(':');
            object.push_str(&value.to_string());
        }
    }
    object.push('}');
    object
}

/// The result of one subcommand.
pub(crate) type Outcome = Result<Success, Failure>;

//! One module per top-level subcommand.
//!
//! Adding a subcommand (e.g. `seal`): create `cmd/seal.rs` with a clap `Args` (or
//! `Subcommand`) type and `pub(crate) fn run(args) -> report::Outcome`, add
//! `pub(crate) mod seal;` here and one variant to `Command` in `main.rs`. Read inputs with
//! [`crate::input::Inputs`] and end with a [`crate::report::Success`] or
//! [`crate::report::Failure`]; `main` prints it and sets the exit status.
//!
//! A command module uses only the shared modules — [`crate::input`] (files, certificates,
//! CRLs, keys, `--at`), [`crate::output`] (files and standard output), [`crate::report`]
//! (outcomes and the library errors' exit statuses) — never another command's: a helper two commands need moves into one of those.

pub(crate) mod cert;
pub(crate) mod open;
pub(crate) mod pki;
pub(crate) mod seal;
pub(crate) mod sign;
pub(crate) mod verify;

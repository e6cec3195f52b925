//! `kavach`: the command line of kavach (see `shared/design/CLI.md`).
//!
//! A thin shell over the library crates: argument parsing (clap), file input, and one way to
//! report every outcome ([`report`]): exit status 0 success, 1 refused, 2 usage error or
//! malformed input; `--json` prints one JSON object on stdout instead of text.
#![forbid(unsafe_code)]

mod cmd;
mod input;
mod output;
mod progress;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Crypto for national-ID platform traffic: PKI, certificates, envelopes, signatures.
#[derive(Debug, Parser)]
#[command(
    name = "kavach",
    version,
    about,
    propagate_version = true,
    after_help = "Example (a demo PKI, then a certificate of it):\n  kavach pki init demo-pki && kavach cert show demo-pki/platform.tls.pem\n\n\
                  Every subcommand's --help ends with an example."
)]
struct Cli {
    /// Print one JSON object on stdout instead of text (`ok`, and `code` + `message` on failure).
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Demo PKI: write every role's certificate and key, and a manifest.
    #[command(subcommand)]
    Pki(cmd::pki::PkiCommand),
    /// Inspect and validate certificates.
    #[command(subcommand)]
    Cert(cmd::cert::CertCommand),
    /// Sign a payload: JWS compact with x5c, ts and jti (attached, detached or unencoded).
    Sign(cmd::sign::SignArgs),
    /// Verify a JWS: signature, x5c chain for the signing purpose, ts window and jti.
    Verify(cmd::verify::VerifyArgs),
    /// Seal a payload to an encryption certificate (MOSIP VER_R2 or JWE compact).
    Seal(cmd::seal::SealArgs),
    /// Open an envelope with the key whose certificate it names.
    Open(cmd::open::OpenArgs),
}

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with status 2 (help and version: 0).
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Pki(command) => cmd::pki::run(command),
        Command::Cert(command) => cmd::cert::run(command),
        Command::Sign(args) => cmd::sign::run(&args, cli.json),
        Command::Verify(args) => cmd::verify::run(&args, cli.json),
        Command::Seal(args) => cmd::seal::run(&args, cli.json),
        Command::Open(args) => cmd::open::run(&args, cli.json),
    };
    output::finish(cli.json, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    /// Walks the whole command tree, so a new subcommand without an example fails here.
    #[test]
    fn every_command_help_ends_with_an_example() {
        use clap::CommandFactory;
        fn walk(cmd: &mut clap::Command, name: &str, seen: &mut usize) {
            let help = cmd.render_long_help().to_string();
            assert!(help.contains("Example"), "`{name} --help` has no example:\n{help}");
            *seen += 1;
            // clap's generated `help` subcommand only prints the others' help.
            for sub in cmd.get_subcommands_mut().filter(|s| s.get_name() != "help") {
                let sub_name = format!("{name} {}", sub.get_name());
                walk(sub, &sub_name, seen);
            }
        }
        let mut cli = Cli::command();
        cli.build();
        let mut seen = 0;
        walk(&mut cli, "kavach", &mut seen);
        // kavach, pki, pki init, cert, cert show, cert verify, sign, verify, seal, open.
        assert!(seen >= 10, "{seen} commands walked");
    }
}

//! Seals a file with kavach-envelope's streaming format and reports this process's peak
//! resident memory (VmHWM), to show that memory use does not grow with the payload.
//!
//! ```text
//! cargo run -p kavach-envelope --example stream_seal -- CERT ROOTS CHAIN INPUT OUTPUT
//! ```
//!
//! `CERT` is the recipient's encryption certificate, validated for the `encryption` purpose
//! against the anchors in `ROOTS` through the intermediates in `CHAIN` (PEM files) before
//! anything is sealed. `OUTPUT` may be `-` (standard output). The last line on standard error
//! is `VmHWM_kB=<n>` (Linux; `VmHWM_kB=unknown` elsewhere).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufWriter, Write};
use std::time::SystemTime;

use kavach_envelope::{Recipient, stream};
use kavach_pki::{Certificate, Purpose, TrustDomain, ValidationOptions, Validator};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(args.len() == 6, "usage: stream_seal CERT ROOTS CHAIN INPUT OUTPUT");
    let read = |p: &str| Certificate::parse_bundle(&std::fs::read(p).unwrap()).unwrap();
    let cert = read(&args[1]).remove(0);
    let domain = TrustDomain::new("roots", read(&args[2])).unwrap();
    let path = Validator::new()
        .verify(
            &domain,
            &cert,
            &read(&args[3]),
            &ValidationOptions::new(Purpose::Encryption, SystemTime::now()),
        )
        .unwrap();
    let recipient = Recipient::from_verified(&path).unwrap();
    let (input, output) = (&args[4], &args[5]);
    let input = std::fs::File::open(input).unwrap();
    let n = if output == "-" {
        let out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        stream::seal_stream(&recipient, input, out).unwrap()
    } else {
        let out = BufWriter::with_capacity(1 << 16, std::fs::File::create(output).unwrap());
        stream::seal_stream(&recipient, input, out).unwrap()
    };
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")
                    .map(|v| v.trim().trim_end_matches(" kB").trim().to_owned())
            })
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let mut err = std::io::stderr().lock();
    writeln!(err, "sealed {n} bytes").unwrap();
    writeln!(err, "VmHWM_kB={hwm}").unwrap();
}

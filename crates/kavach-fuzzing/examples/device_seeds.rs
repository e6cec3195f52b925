//! Writes the seed corpora of the `device_server_handle` and `device_client_handle` fuzz targets
//! into `DIR/<target>/` (`cargo run -p kavach-fuzzing --example device_seeds -- fuzz/corpus`).
//!
//! The raw seeds are the requests and answers of one short device life (enroll, time, status,
//! collect-info) in this process's test world: they parse on their paths in any process but
//! verify in none other (the world's keys are made per process). The `template_*` seeds are edit
//! scripts (see `kavach_fuzzing::edit_template`) that reach the fuzzing process's own valid
//! messages: unchanged, one byte flipped, truncated. Run it again and the raw seeds change (keys,
//! nonces, times); their count and paths do not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".to_owned()));
    let run = kavach_fuzzing::device_exchanges("SN-FUZZ-SEED");
    let server = root.join("device_server_handle");
    let client = root.join("device_client_handle");
    for (i, ((path, request), answer)) in run.requests.iter().zip(&run.answers).enumerate() {
        let name = path.as_str().rsplit('/').next().unwrap_or("request");
        write(&server, &format!("{i}_{name}.jws"), request);
        write(&client, &format!("{i}_{name}.jws"), answer);
    }
    // Edit scripts: template 0 unchanged, the last template unchanged, a byte of the signature
    // flipped, a byte of the payload flipped, truncated in the middle.
    let scripts: [(&str, &[u8]); 5] = [
        ("template_first", &[0]),
        ("template_last", &[255]),
        ("template_flip_end", &[0, 0xff, 0xfe, 0x01]),
        ("template_flip_payload", &[1, 0x01, 0x00, 0x20]),
        ("template_truncated", &[2, 0x02, 0x00, 0x00]),
    ];
    for dir in [&server, &client] {
        for (name, script) in scripts {
            write(dir, &format!("{name}.bin"), script);
        }
    }
}

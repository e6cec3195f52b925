//! Replays every committed seed of every fuzz target (`fuzz/corpus/<name>/`) through the target's
//! body on the stable toolchain, and checks that the seeds still reach the success paths.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use kavach_fuzzing::{Reached, TARGETS};

fn corpus(name: &str) -> Vec<(String, Vec<u8>)> {
    let dir = kavach_testkit::workspace_root().join("fuzz/corpus").join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn replay(name: &str) -> BTreeMap<String, Reached> {
    let (_, body) = TARGETS.iter().find(|(n, _)| *n == name).unwrap();
    let mut out = BTreeMap::new();
    for (file, data) in corpus(name) {
        let reached = body(&data);
        // Every prefix of a short seed too: cheap coverage of the truncation paths.
        for len in 0..data.len().min(256) {
            body(&data[..len]);
        }
        out.insert(file, reached);
    }
    println!("{name}: {} seeds", out.len());
    out
}

fn total(seeds: &BTreeMap<String, Reached>) -> Reached {
    seeds.values().fold(Reached::default(), |a, r| Reached {
        parsed: a.parsed + r.parsed,
        verified: a.verified + r.verified,
    })
}

#[test]
fn every_corpus_folder_has_a_target_and_every_target_a_corpus() {
    let dir = kavach_testkit::workspace_root().join("fuzz/corpus");
    let folders: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let targets_dir = kavach_testkit::workspace_root().join("fuzz/fuzz_targets");
    for (name, _) in TARGETS {
        assert!(folders.iter().any(|f| f == name), "target {name} has no corpus folder");
        let source = std::fs::read_to_string(targets_dir.join(format!("{name}.rs"))).unwrap();
        assert!(
            source.contains(&format!("kavach_fuzzing::{name}(")),
            "fuzz_targets/{name}.rs must call kavach_fuzzing::{name}"
        );
    }
    for folder in &folders {
        assert!(
            TARGETS.iter().any(|(n, _)| n == folder),
            "corpus folder {folder} is replayed by no test"
        );
    }
}

#[test]
fn keys_parse_seeds_reach_every_parser() {
    let seeds = replay("keys_parse");
    assert!(total(&seeds).parsed >= 5, "{seeds:?}");
    // Regression seed: an END marker overlapping the BEGIN line's dashes made `pem_blocks` panic.
    assert_eq!(seeds["pem-end-overlaps-begin.txt"], Reached::default());
    // The raw-component constructors: a SEC1 point, `len(e) || e || n`, Ed25519 bytes.
    for seed in ["p256-point.bin", "rsa1024-components.bin", "ed25519-raw.bin"] {
        assert!(seeds[seed].parsed >= 1, "{seed}: {:?}", seeds[seed]);
    }
}

#[test]
fn pki_cert_parse_seeds_parse() {
    assert!(total(&replay("pki_cert_parse")).parsed >= 10);
}

#[test]
fn pki_path_validate_seeds_reach_validation() {
    let seeds = replay("pki_path_validate");
    assert!(seeds.values().filter(|r| r.parsed >= 1).count() >= 5, "{seeds:?}");
    assert!(
        total(&seeds).verified >= 1,
        "no seed validates: the seeds do not reach the deep checks"
    );
}

#[test]
fn pki_csr_seeds_made_by_openssl_prove_possession() {
    let seeds = replay("pki_csr");
    for (file, reached) in &seeds {
        if !(file.contains("truncated") || file.contains("indefinite")) {
            assert_eq!(reached.parsed, 1, "{file} should parse");
        }
    }
    // The OpenSSL-made seeds (EC, Ed25519, RSA PKCS#1 v1.5, RSA-PSS, PEM) all verify.
    assert_eq!(total(&seeds).verified, 5);
}

#[test]
fn pki_issue_names_seeds_replay() {
    assert!(total(&replay("pki_issue_names")).parsed >= 1);
}

#[test]
fn jws_parse_verify_seeds_verify_exactly_the_genuine_ones() {
    let seeds = replay("jws_parse_verify");
    assert!(seeds.len() >= 10);
    // Made by jwcrypto with the fixed keys, or the RFC 7515 A.2/A.3 examples.
    for seed in [
        "a2_rs256",
        "a3_es256",
        "eddsa_attached",
        "es256_b64false_detached",
        "es256_detached",
        "ps256_attached",
        "rs256_b64false_attached",
    ] {
        assert!(seeds[seed].verified > 0, "{seed} did not verify");
    }
    for refused in ["a1_hs256", "a5_none", "dup_alg", "x5c_header"] {
        assert_eq!(seeds[refused].verified, 0, "{refused} verified");
    }
    // Built the way MOSIP's jwsSign builds an attached token (b64:false in the header, base64url
    // in the middle, ES256 over the raw bytes) with a self-signed x5c[0]: it parses, the bare keys
    // (RFC 7797 reading only) refuse it, and the compat-mosip verifier reads it and checks its
    // signature, then refuses the chain (the fuzz root is made per process).
    let mosip = &seeds["mosip_jwssign_b64false_attached"];
    assert_eq!((mosip.parsed, mosip.verified), (1, 0));
}

#[test]
fn envelope_mosip_seeds_open_in_every_layout() {
    use kavach_envelope::OpenedKind;
    use kavach_envelope::mosip::MosipLayout;
    let seeds = replay("envelope_mosip");
    let dir = kavach_testkit::workspace_root().join("fuzz/corpus/envelope_mosip");
    for (file, layout) in [
        ("ver_r2.txt", MosipLayout::VerR2),
        ("aad.txt", MosipLayout::Aad),
        ("legacy_std_b64.txt", MosipLayout::Legacy),
        ("legacy_no_thumbprint.txt", MosipLayout::LegacyNoThumbprint),
    ] {
        assert!(seeds[file].verified >= 1, "{file} must open");
        let data = std::fs::read(dir.join(file)).unwrap();
        assert_eq!(
            kavach_fuzzing::envelope_opened_kind(&data),
            Some(OpenedKind::Mosip(layout)),
            "{file}"
        );
    }
}

#[test]
fn envelope_legacy_seeds_open() {
    let seeds = replay("envelope_legacy");
    for file in ["aad.bin", "legacy.bin", "legacy_nt.bin", "ver_r2.bin"] {
        assert_eq!(seeds[file].verified, 1, "{file} must open");
    }
}

#[test]
fn envelope_jwe_seeds_open_or_are_refused_as_named() {
    let seeds = replay("envelope_jwe");
    for file in ["rsa.txt", "ecdh.txt", "zip.txt"] {
        assert_eq!(seeds[file].verified, 1, "{file} must open");
    }
    for file in ["duplicate_alg.txt", "crit.txt"] {
        assert_eq!(seeds[file].verified, 0, "{file} must be refused");
    }
}

#[test]
fn envelope_stream_seeds_open_to_their_plaintext_length() {
    let seeds = replay("envelope_stream");
    assert_eq!(seeds["rsa_two_chunks.bin"].verified, 1 + 5000);
    assert_eq!(seeds["ec_one_chunk.bin"].verified, 1 + b"stream seed".len());
    assert_eq!(seeds["rsa_empty.bin"].verified, 1);
}

#[test]
fn envelope_sbi_seeds_open_and_their_hash_lines_verify() {
    let seeds = replay("envelope_sbi");
    assert_eq!(seeds["record.txt"].verified, 1);
    assert_eq!(seeds["record_with_hash.txt"].verified, 2);
}

#[test]
fn envelope_primitives_seeds_open() {
    let seeds = replay("envelope_primitives");
    for file in ["gcm12.bin", "gcm16.bin", "kw.bin"] {
        assert!(seeds[file].verified >= 1, "{file} must open");
    }
}

#[test]
fn device_message_parse_seeds_parse_on_their_path() {
    let seeds = replay("device_message_parse");
    assert_eq!(seeds.len(), 13);
    for (file, reached) in &seeds {
        // A message parses on exactly one path in one direction, except `error`, which any
        // path answers with; the digital ID parses as itself only.
        let expected = match file.as_str() {
            "error.json" => 5,
            _ => 1,
        };
        assert_eq!(reached.parsed, expected, "{file}");
    }
}

#[test]
fn device_platform_api_seeds_get_past_the_parsers_and_payloads_verify() {
    let seeds = replay("device_platform_api");
    assert_eq!(seeds.len(), 9);
    for (file, reached) in &seeds {
        // Every seed gets past at least one parser (its body, or its payload once signed).
        assert!(reached.parsed >= 1, "{file}: {reached:?}");
        // A payload signed in the body reaches the success path of its API.
        if file.starts_with("payload_") {
            assert!(reached.verified >= 1, "{file}: {reached:?}");
        }
    }
}

#[test]
fn device_server_handle_seeds_parse_on_their_path_and_a_fresh_template_is_accepted() {
    let seeds = replay("device_server_handle");
    println!("{seeds:#?}");
    assert!(seeds.len() >= 6, "{seeds:?}");
    for (file, reached) in &seeds {
        if file.ends_with(".jws") {
            // The raw request parses on its own path (it verifies only in the process that made
            // it); its first byte, as an edit script, picks one of this process's requests.
            assert!(reached.parsed >= 1, "{file}: {reached:?}");
        }
    }
    // The last template is a status poll made but never sent: accepted once (without the TLS
    // certificate), then refused as a replay (with it).
    assert_eq!(seeds["template_last.bin"].verified, 1, "{seeds:?}");
    // Templates already sent are replays; flipped or truncated ones are forgeries.
    for refused in [
        "template_first.bin",
        "template_flip_end.bin",
        "template_flip_payload.bin",
        "template_truncated.bin",
    ] {
        assert_eq!(seeds[refused].verified, 0, "{refused}");
    }
}

#[test]
fn device_client_handle_seeds_parse_and_only_the_valid_answer_is_accepted() {
    let seeds = replay("device_client_handle");
    println!("{seeds:#?}");
    assert!(seeds.len() >= 6, "{seeds:?}");
    for file in ["3_status.jws", "4_status.jws"] {
        assert!(seeds[file].parsed >= 1, "{file}: {:?}", seeds[file]);
    }
    // Template 0 is this process's answer to the outstanding poll: accepted.
    assert_eq!(seeds["template_first.bin"].verified, 1, "{seeds:?}");
    for (file, reached) in &seeds {
        if file != "template_first.bin" {
            assert_eq!(reached.verified, 0, "{file}");
        }
    }
}

#[test]
fn transport_client_hello_seeds_refuse_only_the_tls11_only_hello() {
    let seeds = replay("transport_client_hello");
    assert_eq!(
        seeds["tls11_only.bin"],
        Reached { parsed: 1, verified: 1 },
        "openssl -tls1_1 refused"
    );
    for offers_tls12 in ["tls12.bin", "tls13.bin", "default.bin"] {
        assert_eq!(
            seeds[offers_tls12],
            Reached { parsed: 1, verified: 0 },
            "{offers_tls12} proceeds"
        );
    }
    assert_eq!(
        seeds["plain_http.bin"],
        Reached { parsed: 1, verified: 0 },
        "not TLS: rustls decides"
    );
    assert_eq!(seeds["truncated.bin"], Reached::default(), "too short: wait for more");
}

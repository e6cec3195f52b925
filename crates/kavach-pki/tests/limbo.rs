//! x509-limbo (C2SP) through the public API: every testcase of
//! `shared/vectors/x509-limbo/limbo.json` is validated as its `validation_kind` says (SERVER as
//! `tls-server` with `expected_peer_name`, CLIENT as `tls-client`), honouring
//! `validation_time`, `max_chain_depth`, `key_usage`, `extended_key_usage` and `crls`, and the
//! verdict is compared with `expected_result`.
//!
//! Testcases where kavach deliberately decides otherwise are listed with a one-line reason in
//! `tests/data/limbo-exceptions.json`. The test fails on any other disagreement, and also when
//! a listed exception now agrees (so the list stays honest).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kavach_pki::{
    Certificate, Crl, KeyUsage, KeyUsages, Purpose, ServerName, TrustDomain, ValidationOptions, Validator,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Limbo {
    testcases: Vec<Testcase>,
}

#[derive(Deserialize)]
struct PeerName {
    kind: String,
    value: String,
}

#[derive(Deserialize)]
struct Testcase {
    id: String,
    validation_kind: String,
    trusted_certs: Vec<String>,
    untrusted_intermediates: Vec<String>,
    peer_certificate: String,
    #[serde(default)]
    signature_algorithms: Vec<String>,
    #[serde(default)]
    key_usage: Vec<String>,
    #[serde(default)]
    extended_key_usage: Vec<String>,
    expected_result: String,
    expected_peer_name: Option<PeerName>,
    validation_time: Option<String>,
    max_chain_depth: Option<usize>,
    #[serde(default)]
    crls: Vec<String>,
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// RFC 3339 `YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)`.
fn parse_rfc3339(s: &str) -> SystemTime {
    let num = |r: core::ops::Range<usize>| s[r].parse::<i64>().unwrap();
    let (y, mo, d, h, mi, se) = (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19));
    let mut rest = &s[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(|c| c.is_ascii_digit()).collect();
        rest = &frac[digits.len()..];
        let padded = format!("{digits:0<9}");
        nanos = padded[..9].parse().unwrap();
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest[1..3].parse::<i64>().unwrap() * 3600 + rest[4..6].parse::<i64>().unwrap() * 60)
        }
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset;
    UNIX_EPOCH + Duration::new(u64::try_from(secs).unwrap(), nanos)
}

fn key_usage_bit(name: &str) -> KeyUsages {
    match name {
        "digitalSignature" => KeyUsages::DigitalSignature,
        "contentCommitment" | "nonRepudiation" => KeyUsages::NonRepudiation,
        "keyEncipherment" => KeyUsages::KeyEncipherment,
        "dataEncipherment" => KeyUsages::DataEncipherment,
        "keyAgreement" => KeyUsages::KeyAgreement,
        "keyCertSign" => KeyUsages::KeyCertSign,
        "cRLSign" => KeyUsages::CRLSign,
        "encipherOnly" => KeyUsages::EncipherOnly,
        "decipherOnly" => KeyUsages::DecipherOnly,
        other => panic!("unknown key usage {other}"),
    }
}

/// Runs one testcase; `Ok(())` is SUCCESS, `Err(reason)` FAILURE.
fn run(tc: &Testcase, validator: &Validator) -> Result<(), String> {
    if !tc.signature_algorithms.is_empty() {
        return Err("signature_algorithms restriction not supported by the harness".into());
    }
    let anchors: Vec<Certificate> = tc
        .trusted_certs
        .iter()
        .filter_map(|p| Certificate::from_pem(p).ok())
        .collect();
    let domain = TrustDomain::new("LIMBO", anchors).map_err(|e| e.to_string())?;
    let intermediates: Vec<Certificate> = tc
        .untrusted_intermediates
        .iter()
        .filter_map(|p| Certificate::from_pem(p).ok())
        .collect();
    let ee = Certificate::from_pem(&tc.peer_certificate).map_err(|e| format!("peer: {e}"))?;
    let crls: Vec<Crl> = tc
        .crls
        .iter()
        .map(|p| Crl::from_pem(p))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("crl: {e}"))?;
    let mut purpose = match tc.validation_kind.as_str() {
        "SERVER" => Purpose::TlsServer,
        "CLIENT" => Purpose::TlsClient,
        k => panic!("unknown validation kind {k}"),
    };
    for eku in &tc.extended_key_usage {
        purpose = match eku.as_str() {
            "serverAuth" => Purpose::TlsServer,
            "clientAuth" => Purpose::TlsClient,
            "codeSigning" => Purpose::CodeSigning,
            other => return Err(format!("extended key usage {other} not mapped to a purpose")),
        };
    }
    let time = tc
        .validation_time
        .as_deref()
        .map_or_else(SystemTime::now, parse_rfc3339);
    let name = match &tc.expected_peer_name {
        Some(n) if n.kind == "DNS" || n.kind == "IP" => Some(ServerName::parse(&n.value).map_err(|e| e.to_string())?),
        Some(n) => return Err(format!("peer name kind {} not supported", n.kind)),
        None => None,
    };
    let mut options = ValidationOptions::new(purpose, time).with_crls(&crls);
    if let Some(n) = &name {
        options = options.with_server_name(n);
    }
    if let Some(depth) = tc.max_chain_depth {
        options = options.with_max_chain_depth(depth);
    }
    if !tc.key_usage.is_empty() {
        let mut bits = KeyUsage(Default::default());
        for k in &tc.key_usage {
            bits.0 |= key_usage_bit(k);
        }
        options = options.with_required_key_usage(bits);
    }
    // Validate twice through the same validator: the warm (cached) answer must equal the cold.
    let cold = validator.verify(&domain, &ee, &intermediates, &options);
    let warm = validator.verify(&domain, &ee, &intermediates, &options);
    assert_eq!(cold.is_ok(), warm.is_ok(), "{}: warm and cold verdicts differ", tc.id);
    cold.map(|_| ()).map_err(|e| format!("{} ({})", e, e.code()))
}

#[test]
fn limbo() {
    let Some(path) = kavach_testkit::vector_file("limbo", "x509-limbo/limbo.json") else {
        return;
    };
    let limbo: Limbo = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let exceptions: BTreeMap<String, String> = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/limbo-exceptions.json")).unwrap(),
    )
    .unwrap();
    for id in exceptions.keys() {
        assert!(
            limbo.testcases.iter().any(|t| &t.id == id),
            "exception {id} is not a testcase"
        );
    }
    let validator = Validator::new();
    let mut agree = 0;
    let mut problems = Vec::new();
    for tc in &limbo.testcases {
        let result = run(tc, &validator);
        let verdict = if result.is_ok() { "SUCCESS" } else { "FAILURE" };
        let agrees = verdict == tc.expected_result;
        if std::env::var_os("KAVACH_LIMBO_VERBOSE").is_some() {
            eprintln!("{} {} -> {:?}", tc.id, tc.expected_result, result);
        }
        if agrees {
            agree += 1;
        }
        match (agrees, exceptions.contains_key(&tc.id)) {
            (true, true) => problems.push(format!("{}: listed as an exception but now agrees", tc.id)),
            (false, false) => problems.push(format!(
                "{}: expected {}, got {} {}",
                tc.id,
                tc.expected_result,
                verdict,
                result.err().unwrap_or_default()
            )),
            _ => {}
        }
    }
    kavach_testkit::report!("limbo: {agree}/{} agree", limbo.testcases.len());
    assert!(
        problems.is_empty(),
        "{} unexpected verdicts:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn rfc3339_parser_handles_fractions_and_offsets() {
    assert_eq!(
        parse_rfc3339("1970-01-01T00:00:01Z"),
        UNIX_EPOCH + Duration::from_secs(1)
    );
    assert_eq!(
        parse_rfc3339("2024-03-01T00:00:00.999Z"),
        UNIX_EPOCH + Duration::new(1_709_251_200, 999_000_000)
    );
    assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), UNIX_EPOCH);
}

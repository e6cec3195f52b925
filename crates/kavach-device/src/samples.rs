//! One well-formed payload of every message type, for tests, fuzz seeds and documentation.
//!
//! Not part of the protocol: the values are fixed placeholders (a digital ID JWS that is only
//! JWS-shaped, DER that is only base64), valid for parsing and nothing else.

use crate::message::{Direction, Path};

const TO: &str = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";
const DIGITAL_ID: &str = "eyJhbGciOiJFUzI1NiJ9.eyJzZXJpYWxObyI6IjEyMyJ9.c2lnbmF0dXJl";
const NONCE: &str = "AAECAwQFBgcICQoLDA0ODw";
const RE: &str = "EBESExQVFhcYGRobHB0eHw";
const CHALLENGE: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8";
const DEVICE_INFO: &str = r#"{"deviceId":"FP-123","deviceSubId":[1,2,"3"],"deviceStatus":"Ready","certification":"L1","serviceVersion":"1.0.0","firmware":"2.1.0","specVersion":["0.9.5"],"purpose":"Auth","env":"Staging","callbackId":"http://127.0.0.1:4501"}"#;
const GENERAL_JWS: &str = r#"{"payload":"eyJ2IjoxfQ","signatures":[{"protected":"eyJhbGciOiJFUzI1NiJ9","signature":"c2ln"},{"protected":"eyJhbGciOiJQUzI1NiJ9","signature":"c2lnMg"}]}"#;

fn envelope(message_type: &str, re: bool, body: &str) -> String {
    let re = if re { format!(r#""re":"{RE}","#) } else { String::new() };
    format!(
        r#"{{"v":1,"type":"{message_type}","to":"{TO}",{re}"digitalId":"{DIGITAL_ID}","ts":"2026-11-23T19:00:00.123Z","nonce":"{NONCE}","seq":42,"body":{body}}}"#
    )
}

/// `(path, direction, payload)` for one message of every type and every command.
pub fn every_message() -> Vec<(Path, Direction, String)> {
    let req = Direction::Request;
    let resp = Direction::Response;
    let platform = format!(r#"{{"env":"Staging","domainUri":"https://auth.example","response":"{DIGITAL_ID}"}}"#);
    let commands = format!(
        r#"[{{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","cmdSeq":1,"expiresAt":"2026-11-24T19:00:00.000Z","type":"rotate-key"}},
{{"id":"1f8fad5b-d9cb-469f-a165-70867728950e","cmdSeq":2,"expiresAt":"2026-11-24T19:00:00.000Z","type":"deregister"}},
{{"id":"2f8fad5b-d9cb-469f-a165-70867728950e","cmdSeq":3,"expiresAt":"2026-11-24T19:00:00.000Z","type":"collect-info"}},
{{"id":"3f8fad5b-d9cb-469f-a165-70867728950e","cmdSeq":4,"expiresAt":"2026-11-24T19:00:00.000Z","type":"sync-time"}},
{{"id":"4f8fad5b-d9cb-469f-a165-70867728950e","cmdSeq":5,"expiresAt":"2026-11-24T19:00:00.000Z","type":"upgrade","manifest":{GENERAL_JWS},"releaseRoots":[{GENERAL_JWS}]}},
{{"id":"5f8fad5b-d9cb-469f-a165-70867728950e","cmdSeq":6,"expiresAt":"2026-11-24T19:00:00.000Z","type":"install-cert","deviceCert":["MIIB","MIIC"]}},
{{"id":"6f8fad5b-d9cb-469f-a165-70867728950e","cmdSeq":7,"expiresAt":"2026-11-24T19:00:00.000Z","type":"update-platform-cert","platform":{platform}}}]"#
    );
    vec![
        (Path::Challenge, req, envelope("challenge.request", false, "{}")),
        (
            Path::Challenge,
            resp,
            envelope(
                "challenge",
                true,
                &format!(
                    r#"{{"challenge":"{CHALLENGE}","serverId":"mgmt.provider.example","expires":"2026-11-23T19:05:00.000Z"}}"#
                ),
            ),
        ),
        (
            Path::Enroll,
            req,
            envelope(
                "enroll",
                false,
                &format!(
                    r#"{{"challenge":"{CHALLENGE}","serverId":"mgmt.provider.example","deviceInfo":{DEVICE_INFO},"csr":"MIIBCg==","attestation":"{DIGITAL_ID}"}}"#
                ),
            ),
        ),
        (
            Path::Enroll,
            resp,
            envelope(
                "enrolled",
                true,
                &format!(
                    r#"{{"deviceCert":["MIIB","MIIC"],"deviceCode":"7c9e6679-7425-40de-944b-e07fc1f90ae7","platform":{platform}}}"#
                ),
            ),
        ),
        (
            Path::Time,
            req,
            envelope("time.request", false, &format!(r#"{{"nonce":"{NONCE}"}}"#)),
        ),
        (
            Path::Time,
            resp,
            envelope(
                "time",
                true,
                &format!(r#"{{"nonce":"{NONCE}","time":"2026-11-23T19:00:00.123Z","radiusMs":250}}"#),
            ),
        ),
        (
            Path::Status,
            req,
            envelope(
                "status",
                false,
                r#"{"firmware":"2.1.0-rc.1+build.7","certExpiry":"2027-11-23T19:00:00.000Z","health":"ok"}"#,
            ),
        ),
        (
            Path::Status,
            resp,
            envelope(
                "commands",
                true,
                &format!(r#"{{"commands":{commands},"latest":{GENERAL_JWS}}}"#),
            ),
        ),
        (
            Path::Result,
            req,
            envelope(
                "result",
                false,
                &format!(
                    r#"{{"commandId":"2f8fad5b-d9cb-469f-a165-70867728950e","cmdSeq":3,"outcome":"done","data":{{"deviceInfo":{DEVICE_INFO},"csr":"MIIBCg=="}}}}"#
                ),
            ),
        ),
        (
            Path::Result,
            req,
            envelope(
                "result",
                false,
                r#"{"commandId":"2f8fad5b-d9cb-469f-a165-70867728950e","cmdSeq":3,"outcome":"failed","data":{"code":"KVC-UPG-002"}}"#,
            ),
        ),
        (
            Path::Result,
            resp,
            envelope("ack", true, r#"{"commandId":"2f8fad5b-d9cb-469f-a165-70867728950e"}"#),
        ),
        (
            Path::Status,
            resp,
            envelope(
                "error",
                true,
                r#"{"code":"KVC-REPLAY-001","message":"replayed or stale message"}"#,
            ),
        ),
    ]
}

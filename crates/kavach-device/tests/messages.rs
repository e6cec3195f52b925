//! The message layer: every type parses, round-trips and is refused where WIRE.md §6 says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kavach_device::grammar::{SemVer, Uuid};
use kavach_device::samples::every_message;
use kavach_device::{Action, Body, DigitalId, Direction, Message, MessageError, Path, WireCode};
use proptest::prelude::*;

fn parse(path: Path, direction: Direction, json: &str) -> Result<Message, MessageError> {
    Message::from_json(json.as_bytes(), path, direction)
}

fn sample(message_type: &str) -> (Path, Direction, String) {
    every_message()
        .into_iter()
        .find(|(_, _, json)| json.contains(&format!(r#""type":"{message_type}""#)))
        .unwrap()
}

fn grammar_field(err: MessageError) -> &'static str {
    match err {
        MessageError::Grammar { field, .. } => field,
        other => panic!("expected a grammar error, got {other:?}"),
    }
}

#[test]
fn every_sample_parses_and_round_trips() {
    let samples = every_message();
    assert_eq!(samples.len(), 12);
    for (path, direction, json) in samples {
        let message = parse(path, direction, &json).unwrap_or_else(|e| panic!("{json}: {e}"));
        let again = Message::from_json(&message.to_json(), path, direction).unwrap();
        assert_eq!(again, message);
    }
}

#[test]
fn the_commands_sample_holds_the_whole_closed_command_set() {
    let (path, direction, json) = sample("commands");
    let Body::Commands(body) = parse(path, direction, &json).unwrap().body else {
        panic!()
    };
    let names: Vec<&str> = body.commands.iter().map(|c| c.action.name()).collect();
    assert_eq!(
        names,
        [
            "rotate-key",
            "deregister",
            "collect-info",
            "sync-time",
            "upgrade",
            "install-cert",
            "update-platform-cert"
        ]
    );
    assert!(matches!(&body.commands[4].action, Action::Upgrade { release_roots, .. } if release_roots.len() == 1));
}

#[test]
fn a_type_on_the_wrong_path_or_direction_is_refused() {
    for (path, direction, json) in every_message() {
        for other in Path::ALL {
            let result = parse(other, direction, &json);
            let is_error_message = json.contains(r#""type":"error""#);
            if other == path || is_error_message {
                assert!(result.is_ok(), "{other}: {json}");
            } else {
                assert!(
                    matches!(result, Err(MessageError::NotAllowedHere { .. })),
                    "{other}: {json}"
                );
            }
        }
        let flipped = match direction {
            Direction::Request => Direction::Response,
            Direction::Response => Direction::Request,
        };
        assert!(
            matches!(parse(path, flipped, &json), Err(MessageError::NotAllowedHere { .. })),
            "{json}"
        );
    }
}

#[test]
fn a_response_without_re_is_refused_and_a_request_with_re_too() {
    let (path, direction, json) = sample("time");
    let without = json.replace(r#""re":"EBESExQVFhcYGRobHB0eHw","#, "");
    assert!(matches!(
        parse(path, direction, &without),
        Err(MessageError::Binding(_))
    ));
    let (path, direction, json) = sample("time.request");
    let with = json.replace(r#""digitalId""#, r#""re":"EBESExQVFhcYGRobHB0eHw","digitalId""#);
    assert!(matches!(parse(path, direction, &with), Err(MessageError::Binding(_))));
}

#[test]
fn unknown_members_in_kavach_objects_are_refused() {
    let (path, direction, json) = sample("status");
    let extra_top = json.replacen(r#""v":1,"#, r#""v":1,"extra":1,"#, 1);
    assert_eq!(
        parse(path, direction, &extra_top),
        Err(MessageError::UnknownMember { within: "message" })
    );
    let extra_body = json.replace(r#""health":"ok""#, r#""health":"ok","capture":"finger""#);
    assert_eq!(
        parse(path, direction, &extra_body),
        Err(MessageError::UnknownMember { within: "body" })
    );
}

#[test]
fn unknown_members_in_mosip_device_info_are_ignored() {
    let (path, direction, json) = sample("enroll");
    assert!(json.contains("callbackId"));
    let Body::Enroll(body) = parse(path, direction, &json).unwrap().body else {
        panic!()
    };
    assert_eq!(body.device_info.device_sub_id, [1, 2, 3]);
}

#[test]
fn a_command_that_is_not_in_the_closed_set_is_refused() {
    let (path, direction, json) = sample("commands");
    for name in ["capture", "execute", "Rotate-Key", "rotate_key"] {
        let bad = json.replacen(r#""type":"sync-time""#, &format!(r#""type":"{name}""#), 1);
        assert_eq!(
            grammar_field(parse(path, direction, &bad).unwrap_err()),
            "type",
            "{name}"
        );
    }
    // A command's members are closed too: nothing can ride along with rotate-key.
    let bad = json.replacen(r#""type":"rotate-key""#, r#""type":"rotate-key","bioType":"Finger""#, 1);
    assert_eq!(
        parse(path, direction, &bad),
        Err(MessageError::UnknownMember { within: "commands[]" })
    );
}

#[test]
fn every_string_is_held_to_its_grammar() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "status",
            r#""firmware":"2.1.0-rc.1+build.7""#,
            r#""firmware":"2.1""#,
            "firmware",
        ),
        (
            "status",
            r#""firmware":"2.1.0-rc.1+build.7""#,
            r#""firmware":"02.1.0""#,
            "firmware",
        ),
        ("status", r#""health":"ok""#, r#""health":"OK""#, "health"),
        (
            "status",
            r#""ts":"2026-11-23T19:00:00.123Z""#,
            r#""ts":"2026-11-23T19:00:00Z""#,
            "ts",
        ),
        (
            "status",
            r#""ts":"2026-11-23T19:00:00.123Z""#,
            r#""ts":"2026-11-23T19:00:00.123+00:00""#,
            "ts",
        ),
        (
            "status",
            r#""nonce":"AAECAwQFBgcICQoLDA0ODw""#,
            r#""nonce":"AAECAwQFBgcICQoLDA0O""#,
            "nonce",
        ),
        (
            "status",
            r#""to":"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU""#,
            r#""to":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU""#,
            "to",
        ),
        (
            "status",
            r#""digitalId":"eyJhbGciOiJFUzI1NiJ9.eyJzZXJpYWxObyI6IjEyMyJ9.c2lnbmF0dXJl""#,
            r#""digitalId":"not a jws""#,
            "digitalId",
        ),
        ("enroll", r#""env":"Staging""#, r#""env":"staging""#, "env"),
        (
            "enroll",
            r#""deviceStatus":"Ready""#,
            r#""deviceStatus":"ready""#,
            "deviceStatus",
        ),
        (
            "enroll",
            r#""certification":"L1""#,
            r#""certification":"L2""#,
            "certification",
        ),
        (
            "enroll",
            r#""serverId":"mgmt.provider.example""#,
            r#""serverId":"Mgmt.Provider.Example""#,
            "serverId",
        ),
        (
            "enroll",
            r#""deviceSubId":[1,2,"3"]"#,
            r#""deviceSubId":[1,2,4]"#,
            "deviceSubId",
        ),
        (
            "enroll",
            r#""deviceId":"FP-123""#,
            r#""deviceId":"FP<script>""#,
            "deviceId",
        ),
        ("enroll", r#""csr":"MIIBCg==""#, r#""csr":"MIIBCg""#, "csr"),
        (
            "enrolled",
            r#""deviceCode":"7c9e6679-7425-40de-944b-e07fc1f90ae7""#,
            r#""deviceCode":"7C9E6679-7425-40DE-944B-E07FC1F90AE7""#,
            "deviceCode",
        ),
        (
            "enrolled",
            r#""deviceCode":"7c9e6679-7425-40de-944b-e07fc1f90ae7""#,
            r#""deviceCode":"7c9e6679-7425-10de-944b-e07fc1f90ae7""#,
            "deviceCode",
        ),
        (
            "enrolled",
            r#""domainUri":"https://auth.example""#,
            r#""domainUri":"http://auth.example""#,
            "domainUri",
        ),
        (
            "error",
            r#""code":"KVC-REPLAY-001""#,
            r#""code":"KVC-replay-001""#,
            "code",
        ),
        (
            "error",
            r#""message":"replayed or stale message""#,
            r#""message":"replayed: seq 41 < 42""#,
            "message",
        ),
        ("result", r#""outcome":"failed""#, r#""outcome":"done""#, "code"),
        ("commands", r#""cmdSeq":1,"#, r#""cmdSeq":0,"#, "cmdSeq"),
        ("time", r#""radiusMs":250"#, r#""radiusMs":250.0"#, "radiusMs"),
    ];
    for (message_type, good, bad, field) in cases {
        let (path, direction, json) = every_message()
            .into_iter()
            .find(|(_, _, j)| j.contains(&format!(r#""type":"{message_type}""#)) && j.contains(good))
            .unwrap_or_else(|| panic!("no {message_type} sample holds {good}"));
        let broken = json.replacen(good, bad, 1);
        assert_ne!(broken, json);
        let err = parse(path, direction, &broken).unwrap_err();
        assert_eq!(grammar_field(err), *field, "{bad}");
    }
}

#[test]
fn wrong_json_types_and_missing_members_are_typed_errors() {
    let (path, direction, json) = sample("status");
    assert_eq!(
        parse(path, direction, &json.replace(r#""seq":42"#, r#""seq":"42""#)),
        Err(MessageError::WrongType {
            field: "seq",
            expected: "an integer"
        })
    );
    assert_eq!(
        parse(path, direction, &json.replace(r#""seq":42,"#, "")),
        Err(MessageError::Missing { field: "seq" })
    );
    assert_eq!(
        parse(path, direction, &json.replace(r#""v":1"#, r#""v":2"#)),
        Err(MessageError::UnsupportedVersion { found: 2 })
    );
    assert_eq!(
        grammar_field(parse(path, direction, &json.replace(r#""seq":42"#, r#""seq":-1"#)).unwrap_err()),
        "seq"
    );
    assert_eq!(
        grammar_field(
            parse(
                path,
                direction,
                &json.replace(r#""seq":42"#, r#""seq":9007199254740992"#)
            )
            .unwrap_err()
        ),
        "seq"
    );
}

#[test]
fn duplicate_members_anywhere_are_refused() {
    let (path, direction, json) = sample("status");
    let top = json.replacen(r#""seq":42"#, r#""seq":42,"seq":43"#, 1);
    assert!(matches!(parse(path, direction, &top), Err(MessageError::Json(_))));
    let nested = json.replacen(r#""health":"ok""#, r#""health":"ok","health":"failed""#, 1);
    assert!(matches!(parse(path, direction, &nested), Err(MessageError::Json(_))));
}

#[test]
fn oversized_inputs_and_lists_are_refused_before_work() {
    let big = vec![b' '; kavach_device::MAX_MESSAGE_LEN + 1];
    assert!(matches!(
        Message::from_json(&big, Path::Status, Direction::Request),
        Err(MessageError::TooLarge { what: "message", .. })
    ));
    let (path, direction, json) = sample("commands");
    let one = r#"{"id":"3f8fad5b-d9cb-469f-a165-70867728950e","cmdSeq":4,"expiresAt":"2026-11-24T19:00:00.000Z","type":"sync-time"}"#;
    let many = vec![one; 17].join(",");
    let start = json.find(r#""commands":["#).unwrap() + r#""commands":["#.len();
    let end = json.find(r#"],"latest""#).unwrap();
    let flooded = format!("{}{}{}", &json[..start], many, &json[end..]);
    assert!(matches!(
        parse(path, direction, &flooded),
        Err(MessageError::TooMany {
            what: "commands",
            count: 17,
            max: 16
        })
    ));
    let (path, direction, json) = sample("enroll");
    let long_id = json.replace(r#""deviceId":"FP-123""#, &format!(r#""deviceId":"{}""#, "A".repeat(65)));
    assert!(matches!(
        parse(path, direction, &long_id),
        Err(MessageError::TooLarge { what: "deviceId", .. })
    ));
}

#[test]
fn not_an_object_is_a_typed_error() {
    for text in ["", "[]", "null", "{", r#"{"v":1}garbage"#, "\u{feff}{}"] {
        let err = Message::from_json(text.as_bytes(), Path::Status, Direction::Request).unwrap_err();
        assert!(err.is_malformed_input());
        assert!(err.code().starts_with("KVC-MSG-"), "{text:?}: {err}");
    }
}

#[test]
fn errors_never_echo_the_value_they_refused() {
    let (path, direction, json) = sample("status");
    let marker = "SECRET-BIOMETRIC-MARKER";
    for broken in [
        json.replace(r#""health":"ok""#, &format!(r#""health":"{marker}""#)),
        json.replace(r#""health":"ok""#, &format!(r#""health":"ok","{marker}":1"#)),
        json.replace(
            r#""firmware":"2.1.0-rc.1+build.7""#,
            &format!(r#""firmware":"{marker}""#),
        ),
    ] {
        let err = parse(path, direction, &broken).unwrap_err();
        assert!(!format!("{err} {err:?}").contains(marker), "{err:?}");
    }
}

#[test]
fn a_known_wire_code_must_carry_its_fixed_text() {
    for code in WireCode::ALL {
        assert_eq!(WireCode::from_wire(code.as_str()), Some(code));
        let (path, direction, json) = sample("error");
        let with = json
            .replace("KVC-REPLAY-001", code.as_str())
            .replace("replayed or stale message", code.message());
        assert!(parse(path, direction, &with).is_ok(), "{code}");
    }
}

#[test]
fn digital_id_reads_mosip_payloads_and_refuses_bad_fields() {
    let json = br#"{"serialNo":"1234567","make":"MOSIP","model":"SLAP01","type":"Finger","deviceSubType":"Slap","deviceProvider":"MOSIP Provider","deviceProviderId":"MOSIP.PROXY.SBI","dateTime":"2026-11-23T19:00:00.123+05:30","extra":"ignored"}"#;
    let id = DigitalId::from_json(json).unwrap();
    assert_eq!(id.serial_no.as_str(), "1234567");
    assert_eq!(DigitalId::from_json(&id.to_json()).unwrap(), id);
    let missing = br#"{"serialNo":"1234567"}"#;
    assert_eq!(
        DigitalId::from_json(missing),
        Err(MessageError::Missing { field: "make" })
    );
    let bad_time = String::from_utf8(json.to_vec())
        .unwrap()
        .replace("2026-11-23T19:00:00.123+05:30", "yesterday");
    assert_eq!(
        grammar_field(DigitalId::from_json(bad_time.as_bytes()).unwrap_err()),
        "dateTime"
    );
}

#[test]
fn semver_precedence_follows_semver_2() {
    let order = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
        "2.0.0",
    ];
    for pair in order.windows(2) {
        let a = SemVer::parse("v", pair[0]).unwrap();
        let b = SemVer::parse("v", pair[1]).unwrap();
        assert_eq!(a.precedence(&b), std::cmp::Ordering::Less, "{} < {}", pair[0], pair[1]);
    }
    let built = SemVer::parse("v", "1.0.0+build.5").unwrap();
    assert_eq!(
        built.precedence(&SemVer::parse("v", "1.0.0").unwrap()),
        std::cmp::Ordering::Equal
    );
    assert_eq!(built.build(), Some("build.5"));
    assert_eq!(SemVer::parse("v", "1.0.0-rc.1+b").unwrap().pre_release(), Some("rc.1"));
    for bad in [
        "1",
        "1.0",
        "1.0.0.0",
        "01.0.0",
        "1.0.0-",
        "1.0.0-01",
        "1.0.0+",
        "1.0.0-a..b",
        "v1.0.0",
        " 1.0.0",
    ] {
        assert!(SemVer::parse("v", bad).is_err(), "{bad}");
    }
}

#[test]
fn uuids_are_version_4_lowercase() {
    let id = Uuid::from_random_bytes([0xff; 16]);
    assert_eq!(Uuid::parse("id", &id.to_text()).unwrap(), id);
    assert_eq!(id.to_text(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
}

proptest! {
    #![proptest_config(kavach_testkit::proptest_config(256))]

    #[test]
    fn status_messages_round_trip(seq in 0u64..=kavach_device::MAX_SAFE_INTEGER, major in 0u64..1000, minor in 0u64..1000, health in 0usize..3) {
        let (path, direction, json) = sample("status");
        let health = ["ok", "degraded", "failed"][health];
        let json = json
            .replace(r#""seq":42"#, &format!(r#""seq":{seq}"#))
            .replace("2.1.0-rc.1+build.7", &format!("{major}.{minor}.0"))
            .replace(r#""health":"ok""#, &format!(r#""health":"{health}""#));
        let message = parse(path, direction, &json).unwrap();
        prop_assert_eq!(message.seq, seq);
        prop_assert_eq!(Message::from_json(&message.to_json(), path, direction).unwrap(), message);
    }

    #[test]
    fn any_single_byte_change_of_a_sample_is_refused_or_round_trips(index in 0usize..12, at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let (path, direction, json) = every_message().swap_remove(index);
        let mut bytes = json.into_bytes();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        if let Ok(message) = Message::from_json(&bytes, path, direction) {
            prop_assert_eq!(Message::from_json(&message.to_json(), path, direction).unwrap(), message);
        }
    }
}

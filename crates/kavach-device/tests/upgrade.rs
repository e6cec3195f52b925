//! Verified upgrades (WIRE.md §6.7, rules 23–25), tests named after the attacks they stop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kavach_device::WireCode;
use kavach_device::grammar::{Label, SemVer, Sha256Digest};
use kavach_device::trusted_time::TimeInterval;
use kavach_device::upgrade::{DeviceTarget, HardwareTarget, Profile, ReleaseRoot, ReleaseTrust, UpgradeError};
use sha2::{Digest, Sha256};

/// 2026-11-23T19:00:00Z.
const NOW: u64 = 1_795_460_400_000;
const NOW_TEXT: &str = "2026-11-23T19:00:00.000Z";

fn now() -> TimeInterval {
    TimeInterval {
        lo: NOW - 1_000,
        hi: Some(NOW + 1_000),
        provisional: false,
    }
}

fn key(n: u8) -> Sha256Digest {
    Sha256Digest::from_bytes([n; 32])
}

fn root_json(version: u64, threshold: usize, keys: &[u8], expires: &str) -> String {
    let keys: Vec<String> = keys.iter().map(|&k| format!("\"{}\"", key(k).to_base64url())).collect();
    format!(
        r#"{{"v":1,"type":"release-root","product":"slap-scanner","version":{version},"threshold":{threshold},"keys":[{}],"timeFloor":"2026-11-01T00:00:00.000Z","revokedMgmtKeys":[],"expires":"{expires}"}}"#,
        keys.join(",")
    )
}

fn trust(threshold: usize, keys: &[u8]) -> ReleaseTrust {
    let root = ReleaseRoot::from_json(root_json(1, threshold, keys, "2027-11-23T19:00:00.000Z").as_bytes()).unwrap();
    ReleaseTrust::new(root, Profile::Production).unwrap()
}

const IMAGE: &[u8] = b"firmware image 2.0.0";

fn manifest_json(version: &str, model: &str, expires: &str) -> String {
    let digest = kavach_jose::base64::encode_url(&Sha256::digest(IMAGE));
    format!(
        r#"{{"product":"slap-scanner","hardware":[{{"make":"MOSIP","model":"{model}","deviceSubType":"Slap"}}],"version":"{version}","sha256":"{digest}","size":{},"url":"https://updates.provider.example/2.0.0.bin","expires":"{expires}"}}"#,
        IMAGE.len()
    )
}

fn device() -> DeviceTarget {
    DeviceTarget {
        product: Label::parse("product", "slap-scanner").unwrap(),
        hardware: HardwareTarget {
            make: Label::parse("make", "MOSIP").unwrap(),
            model: Label::parse("model", "SLAP01").unwrap(),
            device_sub_type: Label::parse("deviceSubType", "Slap").unwrap(),
        },
    }
}

fn floor() -> SemVer {
    SemVer::parse("firmware", "1.4.2").unwrap()
}

const LATER: &str = "2026-11-30T19:00:00.000Z";

#[test]
fn a_manifest_signed_by_the_threshold_is_approved_and_its_image_verifies() {
    let trust = trust(2, &[1, 2, 3]);
    let approved = trust
        .approve(
            manifest_json("2.0.0", "SLAP01", LATER).as_bytes(),
            &[key(1), key(3)],
            &device(),
            &floor(),
            &now(),
        )
        .unwrap();
    assert_eq!(approved.profile(), Profile::Production);
    let mut check = approved.image_check(1 << 20);
    for chunk in IMAGE.chunks(7) {
        check.update(chunk).unwrap();
    }
    assert_eq!(check.finish().unwrap().len, IMAGE.len() as u64);
}

#[test]
fn a_manifest_with_one_signature_when_two_are_required_is_refused() {
    let trust = trust(2, &[1, 2, 3]);
    let err = trust
        .approve(
            manifest_json("2.0.0", "SLAP01", LATER).as_bytes(),
            &[key(1)],
            &device(),
            &floor(),
            &now(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        UpgradeError::BelowThreshold {
            counted: 1,
            threshold: 2
        }
    );
}

#[test]
fn two_signatures_by_the_same_key_count_once() {
    let trust = trust(2, &[1, 2, 3]);
    let err = trust
        .approve(
            manifest_json("2.0.0", "SLAP01", LATER).as_bytes(),
            &[key(2), key(2)],
            &device(),
            &floor(),
            &now(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        UpgradeError::BelowThreshold {
            counted: 1,
            threshold: 2
        }
    );
}

#[test]
fn a_manifest_signed_by_a_code_signing_key_missing_from_the_release_root_is_refused() {
    let trust = trust(2, &[1, 2, 3]);
    let err = trust
        .approve(
            manifest_json("2.0.0", "SLAP01", LATER).as_bytes(),
            &[key(1), key(9)],
            &device(),
            &floor(),
            &now(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        UpgradeError::BelowThreshold {
            counted: 1,
            threshold: 2
        }
    );
}

#[test]
fn a_signed_downgrade_manifest_is_refused() {
    let trust = trust(2, &[1, 2]);
    for version in ["1.4.2", "1.4.1", "0.9.0", "1.4.2-rc.1"] {
        let err = trust
            .approve(
                manifest_json(version, "SLAP01", LATER).as_bytes(),
                &[key(1), key(2)],
                &device(),
                &floor(),
                &now(),
            )
            .unwrap_err();
        assert!(
            matches!(err, UpgradeError::Rollback { .. } | UpgradeError::PreRelease),
            "{version}: {err:?}"
        );
    }
}

#[test]
fn rollback_after_a_state_reset_is_refused_by_the_running_version() {
    // The persisted version was lost; the floor is then the running firmware's version (1.4.2),
    // which the caller passes: an older signed manifest still cannot install.
    let trust = trust(2, &[1, 2]);
    let reset_floor = SemVer::parse("firmware", "1.4.2").unwrap();
    let err = trust
        .approve(
            manifest_json("1.3.0", "SLAP01", LATER).as_bytes(),
            &[key(1), key(2)],
            &device(),
            &reset_floor,
            &now(),
        )
        .unwrap_err();
    assert!(matches!(err, UpgradeError::Rollback { .. }));
}

#[test]
fn an_expired_manifest_is_refused() {
    let trust = trust(2, &[1, 2]);
    let err = trust
        .approve(
            manifest_json("2.0.0", "SLAP01", NOW_TEXT).as_bytes(),
            &[key(1), key(2)],
            &device(),
            &floor(),
            &now(),
        )
        .unwrap_err();
    assert_eq!(err, UpgradeError::Expired);
}

#[test]
fn a_manifest_for_other_hardware_is_refused_as_wrong_target() {
    let trust = trust(2, &[1, 2]);
    let err = trust
        .approve(
            manifest_json("2.0.0", "IRIS02", LATER).as_bytes(),
            &[key(1), key(2)],
            &device(),
            &floor(),
            &now(),
        )
        .unwrap_err();
    assert_eq!(err, UpgradeError::WrongTarget);
    assert_eq!(err.wire_code(), Some(WireCode::WrongTarget));
}

#[test]
fn an_image_with_the_wrong_hash_or_size_is_refused() {
    let trust = trust(2, &[1, 2]);
    let approved = trust
        .approve(
            manifest_json("2.0.0", "SLAP01", LATER).as_bytes(),
            &[key(1), key(2)],
            &device(),
            &floor(),
            &now(),
        )
        .unwrap();
    let mut wrong_hash = approved.image_check(1 << 20);
    let mut tampered = IMAGE.to_vec();
    tampered[0] ^= 1;
    wrong_hash.update(&tampered).unwrap();
    assert_eq!(wrong_hash.finish().unwrap_err(), UpgradeError::ImageMismatch);

    let mut short = approved.image_check(1 << 20);
    short.update(&IMAGE[..IMAGE.len() - 1]).unwrap();
    assert_eq!(short.finish().unwrap_err(), UpgradeError::ImageMismatch);

    let mut long = approved.image_check(1 << 20);
    long.update(IMAGE).unwrap();
    assert!(matches!(long.update(b"x"), Err(UpgradeError::ImageTooLarge { .. })));
    assert_eq!(long.finish().unwrap_err(), UpgradeError::ImageMismatch);

    // The device's own limit bounds what is read, whatever the manifest's size says.
    let mut capped = approved.image_check(8);
    assert_eq!(capped.remaining(), 8);
    assert!(capped.update(IMAGE).is_err());
}

#[test]
fn release_root_rotation_signed_by_the_new_keys_only_is_refused() {
    let mut trust = trust(2, &[1, 2, 3]);
    let next = root_json(2, 2, &[4, 5, 6], "2028-11-23T19:00:00.000Z");
    let err = trust.advance(next.as_bytes(), &[key(4), key(5)]).unwrap_err();
    assert_eq!(
        err,
        UpgradeError::BelowThreshold {
            counted: 0,
            threshold: 2
        }
    );
    // By the old keys only: refused too.
    let err = trust.advance(next.as_bytes(), &[key(1), key(2)]).unwrap_err();
    assert_eq!(
        err,
        UpgradeError::BelowThreshold {
            counted: 0,
            threshold: 2
        }
    );
    // By a threshold of both: accepted, and the new keys now sign manifests; the old do not.
    trust
        .advance(next.as_bytes(), &[key(1), key(2), key(4), key(5)])
        .unwrap();
    assert_eq!(trust.root().version, 2);
    let manifest = manifest_json("2.0.0", "SLAP01", LATER);
    assert!(
        trust
            .approve(manifest.as_bytes(), &[key(4), key(6)], &device(), &floor(), &now())
            .is_ok()
    );
    assert!(
        trust
            .approve(manifest.as_bytes(), &[key(1), key(2)], &device(), &floor(), &now())
            .is_err()
    );
}

#[test]
fn a_release_root_that_skips_a_version_is_refused() {
    let mut trust = trust(2, &[1, 2]);
    let skip = root_json(3, 2, &[1, 2], "2028-11-23T19:00:00.000Z");
    assert_eq!(
        trust.advance(skip.as_bytes(), &[key(1), key(2)]).unwrap_err(),
        UpgradeError::VersionNotNext { current: 1, found: 3 }
    );
}

#[test]
fn an_expired_release_root_verifies_the_next_root_but_never_a_manifest() {
    let root = ReleaseRoot::from_json(root_json(1, 2, &[1, 2], NOW_TEXT).as_bytes()).unwrap();
    let mut trust = ReleaseTrust::new(root, Profile::Production).unwrap();
    let manifest = manifest_json("2.0.0", "SLAP01", LATER);
    assert_eq!(
        trust
            .approve(manifest.as_bytes(), &[key(1), key(2)], &device(), &floor(), &now())
            .unwrap_err(),
        UpgradeError::RootExpired
    );
    let next = root_json(2, 2, &[1, 2], "2028-11-23T19:00:00.000Z");
    trust.advance(next.as_bytes(), &[key(1), key(2)]).unwrap();
    assert!(
        trust
            .approve(manifest.as_bytes(), &[key(1), key(2)], &device(), &floor(), &now())
            .is_ok()
    );
}

#[test]
fn a_threshold_of_one_is_refused_outside_the_dev_profile() {
    let root = ReleaseRoot::from_json(root_json(1, 1, &[1], LATER).as_bytes()).unwrap();
    assert_eq!(
        ReleaseTrust::new(root.clone(), Profile::Production).unwrap_err(),
        UpgradeError::ThresholdTooLowForProfile
    );
    let dev = ReleaseTrust::new(root, Profile::Dev).unwrap();
    let approved = dev
        .approve(
            manifest_json("2.0.0-beta.1", "SLAP01", LATER).as_bytes(),
            &[key(1)],
            &device(),
            &floor(),
            &now(),
        )
        .unwrap();
    assert_eq!(approved.profile(), Profile::Dev, "a dev approval is visible");
}

#[test]
fn malformed_release_documents_are_typed_errors() {
    for bad in [
        root_json(1, 0, &[1, 2], LATER),
        root_json(1, 3, &[1, 2], LATER),
        root_json(1, 2, &[1, 1], LATER),
        root_json(0, 1, &[1], LATER),
        root_json(1, 2, &[1, 2], LATER).replace(r#""v":1"#, r#""v":2"#),
        root_json(1, 2, &[1, 2], LATER).replace("release-root", "manifest"),
        root_json(1, 2, &[1, 2], LATER).replace(r#""revokedMgmtKeys":[]"#, r#""revokedMgmtKeys":[],"extra":1"#),
    ] {
        assert!(ReleaseRoot::from_json(bad.as_bytes()).is_err(), "{bad}");
    }
    let trust = trust(2, &[1, 2]);
    for bad in [
        manifest_json("2.0.0+build.1", "SLAP01", LATER),
        manifest_json("2.0.0", "SLAP01", LATER).replace("https://", "http://"),
        manifest_json("2.0.0", "SLAP01", LATER).replace(r#""size":"#, r#""size":-"#),
    ] {
        let err = trust
            .approve(bad.as_bytes(), &[key(1), key(2)], &device(), &floor(), &now())
            .unwrap_err();
        assert!(matches!(err, UpgradeError::Malformed(_)), "{bad}: {err:?}");
    }
}

#[test]
fn an_expired_latest_reports_degraded() {
    let trust = trust(2, &[1, 2]);
    let latest = |expires: &str| format!(r#"{{"product":"slap-scanner","version":"2.0.0","expires":"{expires}"}}"#);
    assert!(
        trust
            .latest_is_current(latest("2026-11-29T19:00:00.000Z").as_bytes(), &[key(1), key(2)], &now())
            .unwrap()
    );
    assert!(
        !trust
            .latest_is_current(latest(NOW_TEXT).as_bytes(), &[key(1), key(2)], &now())
            .unwrap()
    );
    // Longer than seven days: not current either.
    assert!(
        !trust
            .latest_is_current(latest("2026-12-23T19:00:00.000Z").as_bytes(), &[key(1), key(2)], &now())
            .unwrap()
    );
    assert!(
        trust
            .latest_is_current(latest("2026-11-29T19:00:00.000Z").as_bytes(), &[key(1)], &now())
            .is_err()
    );
}

//! Verified upgrades, TUF-style (WIRE.md §6.7, rules 23–25), sans-IO: the release-root, the
//! manifest and `latest` documents, the threshold count, the release-root chain, the checks a
//! client makes before it installs anything, and the image check.
//!
//! Signatures are verified elsewhere (the documents are JWS in the general JSON serialization);
//! this module receives, for each document, its payload and the SPKI SHA-256 of every key whose
//! signature over that payload verified, and decides what they are worth.
//!
//! The rules, numbered as the crate docs and tests refer to them:
//!
//! 1. A release-root is `{v:1, type:"release-root", product, version, threshold, keys,
//!    timeFloor, revokedMgmtKeys, expires}`; `keys` are distinct SPKI SHA-256 digests (at most
//!    [`MAX_RELEASE_KEYS`]), `1 <= threshold <= keys.len()`. A threshold below 2 is allowed only
//!    in the [`Profile::Dev`] profile, and results say which profile verified them.
//! 2. A signature counts only if its key is in the current release-root's `keys`; each key
//!    counts once however many signatures it made; a failing signature is never counted (and
//!    never a reason to accept).
//! 3. A new release-root must have `version` = current + 1 and be signed by `threshold` keys of
//!    the current root and by `threshold` keys of its own. It raises the time floor to its
//!    `timeFloor` and adds its `revokedMgmtKeys`. An expired root may verify the next root, never
//!    a manifest.
//! 4. A manifest is `{product, hardware:[{make, model, deviceSubType}], version, sha256, size,
//!    url, expires}`, `version` SemVer 2.0.0 without build metadata, pre-releases only under
//!    [`Profile::Dev`]. The client refuses an expired manifest (freeze), another product or a
//!    hardware list without its own (`KVC-UPG-002`, wrong target), and a version not strictly
//!    above its version floor (rollback).
//! 5. The image is read to at most min(`size`, `maxImageSize`) bytes and accepted only if its
//!    length is `size` and its SHA-256 is `sha256`; only then does the caller write it to the
//!    boot slot ([`VerifiedImage`]).
//! 6. `latest` is `{product, version, expires}`, signed by `threshold` release keys like a
//!    manifest, valid for at most 7 days; a client whose `latest` has expired (or claims a longer
//!    life) reports `health:"degraded"`, so a withheld update is visible.

use std::collections::BTreeSet;

use kavach_jws::Timestamp;
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{MessageError, Result as ParseResult};
use crate::grammar::{HttpsUri, Label, SemVer, Sha256Digest, read_time};
use crate::limits::MAX_SAFE_INTEGER;
use crate::reader::{ObjectReader, Schema, as_str};
use crate::trusted_time::TimeInterval;

/// Most keys a release-root lists.
pub const MAX_RELEASE_KEYS: usize = 16;
/// Most management-server keys a release-root revokes.
pub const MAX_REVOKED_MGMT_KEYS: usize = 64;
/// Most hardware targets in a manifest.
pub const MAX_HARDWARE_TARGETS: usize = 64;
/// Longest validity of a `latest` document (rule 25: at most 7 days).
pub const MAX_LATEST_VALIDITY_MS: u64 = 7 * 24 * 3_600_000;

/// Which signing profile a device runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Production: thresholds of at least 2, no pre-release versions.
    Production,
    /// Development: a threshold of 1 and pre-release versions allowed; reported in results.
    Dev,
}

/// Why an upgrade document or image was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UpgradeError {
    /// The payload does not match its schema.
    #[error("malformed document: {0}")]
    Malformed(#[from] MessageError),
    /// Fewer distinct release keys than the threshold signed it.
    #[error("{counted} distinct release keys signed, {threshold} required")]
    BelowThreshold {
        /// Distinct listed keys whose signature verified.
        counted: usize,
        /// The threshold.
        threshold: usize,
    },
    /// A threshold below 2 outside the dev profile.
    #[error("a threshold below 2 is allowed only in the dev profile")]
    ThresholdTooLowForProfile,
    /// A release-root whose version is not the current + 1.
    #[error("release-root version {found} does not follow {current}")]
    VersionNotNext {
        /// The current root's version.
        current: u64,
        /// The offered root's version.
        found: u64,
    },
    /// A release-root for another product.
    #[error("the release-root is for another product")]
    OtherProduct,
    /// The current release-root has expired: it may verify the next root, not a manifest.
    #[error("the release-root has expired")]
    RootExpired,
    /// The manifest (or `latest`) has expired: freeze.
    #[error("the manifest has expired")]
    Expired,
    /// Another product, or a hardware list without this device (`KVC-UPG-002`).
    #[error("the upgrade is for another product or hardware")]
    WrongTarget,
    /// The version is not strictly above the version floor.
    #[error("version {offered} is not above the floor {floor}")]
    Rollback {
        /// The manifest's version.
        offered: String,
        /// The device's version floor.
        floor: String,
    },
    /// A pre-release version outside the dev profile.
    #[error("pre-release versions are allowed only in the dev profile")]
    PreRelease,
    /// The image is larger than `size` or than the device's limit.
    #[error("the image is larger than {max} bytes")]
    ImageTooLarge {
        /// The limit applied.
        max: u64,
    },
    /// The image's length or SHA-256 differs from the manifest's.
    #[error("the image does not match the manifest")]
    ImageMismatch,
}

impl UpgradeError {
    /// The wire code when one of WIRE.md §6.9's applies.
    pub fn wire_code(&self) -> Option<crate::error::WireCode> {
        matches!(self, Self::WrongTarget).then_some(crate::error::WireCode::WrongTarget)
    }
}

/// Result of an upgrade check.
pub type Result<T, E = UpgradeError> = core::result::Result<T, E>;

fn parse_object(what: &'static str, payload: &[u8], max: usize) -> ParseResult<serde_json::Map<String, Value>> {
    crate::reader::check_len(what, payload, max)?;
    kavach_jose::json::parse_object(payload).map_err(MessageError::Json)
}

fn read_digests(field: &'static str, value: &Value, max: usize) -> ParseResult<Vec<Sha256Digest>> {
    let items = crate::reader::as_array(field, value, max)?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let digest = Sha256Digest::read(field, item)?;
        if !seen.insert(*digest.as_bytes()) {
            return Err(MessageError::Grammar {
                field,
                rule: "distinct digests",
            });
        }
        out.push(digest);
    }
    Ok(out)
}

/// A release-root document (rule 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseRoot {
    /// `product`.
    pub product: Label,
    /// `version` (1 is provisioned in the firmware).
    pub version: u64,
    /// `threshold`.
    pub threshold: usize,
    /// `keys`: SPKI SHA-256 of the release keys.
    pub keys: Vec<Sha256Digest>,
    /// `timeFloor`.
    pub time_floor: Timestamp,
    /// `revokedMgmtKeys`: SPKI SHA-256 of management-server keys the client must refuse.
    pub revoked_mgmt_keys: Vec<Sha256Digest>,
    /// `expires`.
    pub expires: Timestamp,
}

impl ReleaseRoot {
    /// Reads a release-root payload (closed schema).
    pub fn from_json(payload: &[u8]) -> ParseResult<Self> {
        let members = parse_object("release-root", payload, crate::command::MAX_RELEASE_DOCUMENT_LEN)?;
        let mut r = ObjectReader::over("release-root", &members, Schema::Closed);
        if r.integer("v", MAX_SAFE_INTEGER)? != 1 {
            return Err(MessageError::Grammar { field: "v", rule: "1" });
        }
        if as_str("type", r.required("type")?, 32)? != "release-root" {
            return Err(MessageError::Grammar {
                field: "type",
                rule: "release-root",
            });
        }
        let root = Self {
            product: Label::read("product", r.required("product")?)?,
            version: r.integer("version", MAX_SAFE_INTEGER)?,
            threshold: r.integer("threshold", MAX_RELEASE_KEYS as u64)? as usize,
            keys: read_digests("keys", r.required("keys")?, MAX_RELEASE_KEYS)?,
            time_floor: read_time("timeFloor", r.required("timeFloor")?)?,
            revoked_mgmt_keys: read_digests("revokedMgmtKeys", r.required("revokedMgmtKeys")?, MAX_REVOKED_MGMT_KEYS)?,
            expires: read_time("expires", r.required("expires")?)?,
        };
        r.finish()?;
        if root.version == 0 {
            return Err(MessageError::Grammar {
                field: "version",
                rule: "an integer from 1",
            });
        }
        if root.threshold == 0 || root.threshold > root.keys.len() {
            return Err(MessageError::Grammar {
                field: "threshold",
                rule: "from 1 to the number of keys",
            });
        }
        Ok(root)
    }

    /// The distinct keys of `verified` that this root lists (rule 2).
    pub fn count(&self, verified: &[Sha256Digest]) -> usize {
        let listed: BTreeSet<&[u8; 32]> = self.keys.iter().map(Sha256Digest::as_bytes).collect();
        verified
            .iter()
            .map(Sha256Digest::as_bytes)
            .filter(|k| listed.contains(k))
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Refuses unless at least `threshold` distinct keys of this root are among `verified`.
    pub fn require(&self, verified: &[Sha256Digest]) -> Result<()> {
        let counted = self.count(verified);
        if counted < self.threshold {
            return Err(UpgradeError::BelowThreshold {
                counted,
                threshold: self.threshold,
            });
        }
        Ok(())
    }
}

/// One hardware target of a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HardwareTarget {
    /// `make`.
    pub make: Label,
    /// `model`.
    pub model: Label,
    /// `deviceSubType`.
    pub device_sub_type: Label,
}

/// A manifest (rule 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// `product`.
    pub product: Label,
    /// `hardware`.
    pub hardware: Vec<HardwareTarget>,
    /// `version`.
    pub version: SemVer,
    /// `sha256` of the image.
    pub sha256: Sha256Digest,
    /// `size` of the image in bytes.
    pub size: u64,
    /// `url` of the image.
    pub url: HttpsUri,
    /// `expires`.
    pub expires: Timestamp,
}

impl Manifest {
    /// Reads a manifest payload (closed schema).
    pub fn from_json(payload: &[u8]) -> ParseResult<Self> {
        let members = parse_object("manifest", payload, crate::command::MAX_MANIFEST_LEN)?;
        let mut r = ObjectReader::over("manifest", &members, Schema::Closed);
        let hardware = r
            .array("hardware", MAX_HARDWARE_TARGETS)?
            .iter()
            .map(|item| {
                let mut h = ObjectReader::new("hardware[]", item, Schema::Closed)?;
                let target = HardwareTarget {
                    make: Label::read("make", h.required("make")?)?,
                    model: Label::read("model", h.required("model")?)?,
                    device_sub_type: Label::read("deviceSubType", h.required("deviceSubType")?)?,
                };
                h.finish()?;
                Ok(target)
            })
            .collect::<ParseResult<Vec<_>>>()?;
        let manifest = Self {
            product: Label::read("product", r.required("product")?)?,
            hardware,
            version: SemVer::read("version", r.required("version")?)?,
            sha256: Sha256Digest::read("sha256", r.required("sha256")?)?,
            size: r.integer("size", MAX_SAFE_INTEGER)?,
            url: HttpsUri::read("url", r.required("url")?)?,
            expires: read_time("expires", r.required("expires")?)?,
        };
        r.finish()?;
        if manifest.version.build().is_some() {
            return Err(MessageError::Grammar {
                field: "version",
                rule: "SemVer without build metadata",
            });
        }
        Ok(manifest)
    }
}

/// `latest` (rule 6): the newest release, so a withheld update shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latest {
    /// `product`.
    pub product: Label,
    /// `version`.
    pub version: SemVer,
    /// `expires`.
    pub expires: Timestamp,
}

impl Latest {
    /// Reads a `latest` payload (closed schema).
    pub fn from_json(payload: &[u8]) -> ParseResult<Self> {
        let members = parse_object("latest", payload, crate::command::MAX_RELEASE_DOCUMENT_LEN)?;
        let mut r = ObjectReader::over("latest", &members, Schema::Closed);
        let latest = Self {
            product: Label::read("product", r.required("product")?)?,
            version: SemVer::read("version", r.required("version")?)?,
            expires: read_time("expires", r.required("expires")?)?,
        };
        r.finish()?;
        Ok(latest)
    }
}

/// What the device is, for the target check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceTarget {
    /// The product name in the release-root and manifests.
    pub product: Label,
    /// The device's hardware, from its digital ID.
    pub hardware: HardwareTarget,
}

/// A manifest that passed every check of rule 4 under the current release-root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovedManifest {
    manifest: Manifest,
    profile: Profile,
}

impl ApprovedManifest {
    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The profile it was approved under (a dev approval is visible).
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// An image check for this manifest, reading at most min(`size`, `max_image_size`) bytes.
    pub fn image_check(&self, max_image_size: u64) -> ImageCheck {
        ImageCheck {
            expected_len: self.manifest.size,
            limit: self.manifest.size.min(max_image_size),
            expected: *self.manifest.sha256.as_bytes(),
            hasher: Sha256::new(),
            read: 0,
            failed: false,
        }
    }
}

/// The client's release trust: the current release-root and the profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseTrust {
    root: ReleaseRoot,
    profile: Profile,
}

impl ReleaseTrust {
    /// Trust in `root` (version 1 from the firmware, or the newest persisted) under `profile`.
    pub fn new(root: ReleaseRoot, profile: Profile) -> Result<Self> {
        if root.threshold < 2 && profile != Profile::Dev {
            return Err(UpgradeError::ThresholdTooLowForProfile);
        }
        Ok(Self { root, profile })
    }

    /// The current release-root.
    pub fn root(&self) -> &ReleaseRoot {
        &self.root
    }

    /// Moves to the next release-root (rule 3): `payload` with the keys whose signatures over
    /// it verified. On success the caller persists the new root and raises its time floor to
    /// the new root's `timeFloor`.
    pub fn advance(&mut self, payload: &[u8], verified: &[Sha256Digest]) -> Result<&ReleaseRoot> {
        let next = ReleaseRoot::from_json(payload)?;
        if next.product != self.root.product {
            return Err(UpgradeError::OtherProduct);
        }
        if Some(next.version) != self.root.version.checked_add(1) {
            return Err(UpgradeError::VersionNotNext {
                current: self.root.version,
                found: next.version,
            });
        }
        if next.threshold < 2 && self.profile != Profile::Dev {
            return Err(UpgradeError::ThresholdTooLowForProfile);
        }
        self.root.require(verified)?;
        next.require(verified)?;
        self.root = next;
        Ok(&self.root)
    }

    /// Checks a manifest (rule 4): `payload` with the keys whose signatures over it verified,
    /// for `device` whose version floor is `floor` (the highest of the persisted version, the
    /// running firmware's and the FTM counter's), at the trusted time `now`.
    pub fn approve(
        &self,
        payload: &[u8],
        verified: &[Sha256Digest],
        device: &DeviceTarget,
        floor: &SemVer,
        now: &TimeInterval,
    ) -> Result<ApprovedManifest> {
        if now.may_have_passed(self.root.expires.unix_millis()) {
            return Err(UpgradeError::RootExpired);
        }
        let manifest = Manifest::from_json(payload)?;
        self.root.require(verified)?;
        if now.may_have_passed(manifest.expires.unix_millis()) {
            return Err(UpgradeError::Expired);
        }
        if manifest.product != device.product || !manifest.hardware.contains(&device.hardware) {
            return Err(UpgradeError::WrongTarget);
        }
        if manifest.version.pre_release().is_some() && self.profile != Profile::Dev {
            return Err(UpgradeError::PreRelease);
        }
        if manifest.version.precedence(floor) != core::cmp::Ordering::Greater {
            return Err(UpgradeError::Rollback {
                offered: manifest.version.to_string(),
                floor: floor.to_string(),
            });
        }
        Ok(ApprovedManifest {
            manifest,
            profile: self.profile,
        })
    }

    /// Checks `latest` (rule 6): `Ok(true)` when it is current, `Ok(false)` when it has expired
    /// or lives longer than 7 days (report `health:"degraded"`).
    pub fn latest_is_current(&self, payload: &[u8], verified: &[Sha256Digest], now: &TimeInterval) -> Result<bool> {
        let latest = Latest::from_json(payload)?;
        self.root.require(verified)?;
        if latest.product != self.root.product {
            return Err(UpgradeError::OtherProduct);
        }
        let too_long = latest.expires.unix_millis() > now.lo.saturating_add(MAX_LATEST_VALIDITY_MS);
        Ok(!too_long && !now.may_have_passed(latest.expires.unix_millis()))
    }
}

/// Reads an image against its manifest (rule 5).
#[derive(Clone, Debug)]
pub struct ImageCheck {
    expected_len: u64,
    limit: u64,
    expected: [u8; 32],
    hasher: Sha256,
    read: u64,
    failed: bool,
}

/// An image whose length and SHA-256 match its approved manifest: the only thing a caller
/// writes to the boot slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedImage {
    /// Its length.
    pub len: u64,
}

impl ImageCheck {
    /// Bytes the caller may still read (stop reading the source at this many).
    pub fn remaining(&self) -> u64 {
        self.limit - self.read
    }

    /// Takes the next `chunk` of the image; refuses (for good) past the limit.
    pub fn update(&mut self, chunk: &[u8]) -> Result<()> {
        let len = chunk.len() as u64;
        if self.failed || len > self.remaining() {
            self.failed = true;
            return Err(UpgradeError::ImageTooLarge { max: self.limit });
        }
        self.read += len;
        self.hasher.update(chunk);
        Ok(())
    }

    /// Ends the image: its length must be `size` and its SHA-256 `sha256` (compared in
    /// constant time).
    pub fn finish(self) -> Result<VerifiedImage> {
        if self.failed || self.read != self.expected_len {
            return Err(UpgradeError::ImageMismatch);
        }
        let digest: [u8; 32] = self.hasher.finalize().into();
        if !bool::from(digest.ct_eq(&self.expected)) {
            return Err(UpgradeError::ImageMismatch);
        }
        Ok(VerifiedImage { len: self.read })
    }
}

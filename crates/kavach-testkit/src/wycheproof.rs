//! One runner for Wycheproof files (`../shared/vectors/wycheproof/testvectors_v1/`), shared by the
//! crates' conformance tests: it loads a file, hands every in-scope `(group, test)` to the caller's
//! check, and holds the verdicts to Wycheproof's: `valid` must be accepted, `invalid` rejected,
//! and each `acceptable` case must carry a flag whose handling the test pinned. It prints the
//! counts (past the harness's capture) and fails on any wrong verdict, listing the `tcId`s.
// Test support: a malformed vectors file is a broken checkout, reported by panicking.
#![allow(clippy::expect_used)]

use serde_json::Value;

/// Folder of the Wycheproof files inside the vectors folder.
pub const DIR: &str = "wycheproof/testvectors_v1/";

/// What the API under test did with one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It accepted (verified, decrypted to the expected message...).
    Accepted,
    /// It refused.
    Rejected,
    /// Outside what the API supports: counted apart, not judged (the check itself asserted the
    /// refusal).
    OutOfScope,
}

/// What a test does with the `acceptable` cases that carry `flag`.
#[derive(Clone, Copy, Debug)]
pub struct Acceptable {
    /// The Wycheproof flag.
    pub flag: &'static str,
    /// The pinned outcome.
    pub verdict: Verdict,
}

/// The counts of one file.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// `valid` cases judged.
    pub valid: usize,
    /// `invalid` cases judged.
    pub invalid: usize,
    /// `acceptable` cases judged.
    pub acceptable: usize,
    /// In-scope cases the API does not support.
    pub out_of_scope: usize,
    /// Cases in groups the caller left out.
    pub other_groups: usize,
    /// The file's `numberOfTests`.
    pub declared: usize,
}

impl Tally {
    /// Cases judged (valid + invalid + acceptable).
    pub fn judged(&self) -> usize {
        self.valid + self.invalid + self.acceptable
    }
}

/// Decodes a Wycheproof hex field.
pub fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a hex string: {v}"))).unwrap_or_else(|e| panic!("{e}: {v}"))
}

/// Runs `check` over every test of the groups `in_scope` selects in `file`. `None` when the
/// vectors are absent (skipped or failed per the external-part policy).
#[track_caller]
pub fn run(
    test: &str,
    file: &str,
    in_scope: impl Fn(&Value) -> bool,
    acceptable: &[Acceptable],
    mut check: impl FnMut(&Value, &Value) -> Verdict,
) -> Option<Tally> {
    let path = crate::vector_file(test, &format!("{DIR}{file}"))?;
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value = serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let declared = doc["numberOfTests"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .expect("numberOfTests");
    let mut t = Tally {
        declared,
        ..Tally::default()
    };
    let mut wrong = Vec::new();
    let mut acceptable_seen = Vec::new();
    let mut seen = 0usize;
    for group in doc["testGroups"].as_array().expect("testGroups") {
        let selected = in_scope(group);
        for case in group["tests"].as_array().expect("tests") {
            seen += 1;
            if !selected {
                t.other_groups += 1;
                continue;
            }
            let flags: Vec<&str> = case["flags"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let got = check(group, case);
            let describe = || {
                format!(
                    "tcId {} ({}; flags {flags:?}): got {got:?}",
                    case["tcId"], case["comment"]
                )
            };
            if got == Verdict::OutOfScope {
                t.out_of_scope += 1;
                continue;
            }
            match case["result"].as_str() {
                Some("valid") => {
                    t.valid += 1;
                    if got != Verdict::Accepted {
                        wrong.push(format!("valid {}", describe()));
                    }
                }
                Some("invalid") => {
                    t.invalid += 1;
                    if got != Verdict::Rejected {
                        wrong.push(format!("invalid {}", describe()));
                    }
                }
                Some("acceptable") => {
                    t.acceptable += 1;
                    acceptable_seen.push(describe());
                    let pinned = acceptable
                        .iter()
                        .find(|p| flags.contains(&p.flag))
                        .unwrap_or_else(|| panic!("{file}: undocumented acceptable case {}", describe()));
                    if got != pinned.verdict {
                        wrong.push(format!(
                            "acceptable (pinned {:?} for {}) {}",
                            pinned.verdict,
                            pinned.flag,
                            describe()
                        ));
                    }
                }
                other => panic!("{file}: unknown result {other:?}"),
            }
        }
    }
    assert_eq!(
        seen, declared,
        "{file}: saw {seen} cases but the file declares {declared}"
    );
    crate::report!(
        "wycheproof {file}: {} cases judged (valid {}, invalid {}, acceptable {}), {} out of scope, {} in other groups",
        t.judged(),
        t.valid,
        t.invalid,
        t.acceptable,
        t.out_of_scope,
        t.other_groups
    );
    for a in &acceptable_seen {
        crate::report!("  acceptable: {a}");
    }
    assert!(t.valid + t.invalid > 0, "{file}: no case judged");
    assert!(
        wrong.is_empty(),
        "{file}: {} wrong verdicts:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    Some(t)
}

//! proptest configuration shared by every `proptest!` block of the workspace: failing cases are
//! persisted, and read back on every run, under the test's crate `tests/proptest-regressions/`.

use std::any::Any;
use std::fmt;
use std::path::{Path, PathBuf};

use proptest::test_runner::{Config, FailurePersistence, FileFailurePersistence, PersistedSeed};

/// The configuration of a `proptest!` block: `cases` cases, and failures persisted by
/// [`RegressionFiles`]. Use as `#![proptest_config(kavach_testkit::proptest_config(64))]`.
pub fn proptest_config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(RegressionFiles)),
        ..Config::default()
    }
}

/// Persists proptest failures of a source file `<crate>/tests/foo.rs` in
/// `<crate>/tests/proptest-regressions/foo.txt`, and of `<crate>/src/bar/baz.rs` (unit tests) in
/// `<crate>/tests/proptest-regressions/src/bar/baz.txt` — proptest's own file format, through
/// [`FileFailurePersistence::Direct`]. Commit these files: each holds the seed of a case that
/// once failed, replayed first on every run. (proptest's `SourceParallel` default finds no
/// `lib.rs` above `tests/` and falls back to a file beside the test; `WithSource` writes unit
/// test regressions into `src/`.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegressionFiles;

impl RegressionFiles {
    /// The regression file of `source` (a `file!()` path: absolute, or relative to the
    /// workspace root), or `None` when no crate (no `Cargo.toml`) holds it.
    pub fn path_for(source: &str) -> Option<PathBuf> {
        let source = Path::new(source);
        let source = if source.is_absolute() {
            source.to_path_buf()
        } else {
            crate::workspace::workspace_root().join(source)
        };
        let crate_root = source.ancestors().skip(1).find(|d| d.join("Cargo.toml").is_file())?;
        let relative = source.strip_prefix(crate_root).ok()?;
        let relative = relative.strip_prefix("tests").unwrap_or(relative);
        let mut out = crate_root.join("tests/proptest-regressions").join(relative);
        out.set_extension("txt");
        Some(out)
    }

    fn file(source: Option<&'static str>) -> Option<FileFailurePersistence> {
        let path = Self::path_for(source?)?;
        // `Direct` takes a `&'static str`: one short path leaked per block run, in tests only.
        let path: &'static str = Box::leak(path.to_string_lossy().into_owned().into_boxed_str());
        Some(FileFailurePersistence::Direct(path))
    }
}

impl FailurePersistence for RegressionFiles {
    fn load_persisted_failures2(&self, source_file: Option<&'static str>) -> Vec<PersistedSeed> {
        Self::file(source_file).map_or_else(Vec::new, |f| f.load_persisted_failures2(None))
    }

    fn save_persisted_failure2(
        &mut self,
        source_file: Option<&'static str>,
        seed: PersistedSeed,
        shrunken_value: &dyn fmt::Debug,
    ) {
        if let Some(mut f) = Self::file(source_file) {
            f.save_persisted_failure2(None, seed, shrunken_value);
        }
    }

    fn box_clone(&self) -> Box<dyn FailurePersistence> {
        Box::new(*self)
    }

    fn eq(&self, other: &dyn FailurePersistence) -> bool {
        other.as_any().downcast_ref::<Self>().is_some()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn regression_files_live_under_the_crates_tests_folder() {
        let root = crate::workspace::workspace_root();
        assert_eq!(
            RegressionFiles::path_for("crates/kavach-jws/tests/roundtrip_proptest.rs").unwrap(),
            root.join("crates/kavach-jws/tests/proptest-regressions/roundtrip_proptest.txt")
        );
        assert_eq!(
            RegressionFiles::path_for("crates/kavach-jws/src/time.rs").unwrap(),
            root.join("crates/kavach-jws/tests/proptest-regressions/src/time.txt")
        );
        let abs = root.join("crates/kavach-keys/tests/proptest_roundtrip.rs");
        assert_eq!(
            RegressionFiles::path_for(abs.to_str().unwrap()).unwrap(),
            root.join("crates/kavach-keys/tests/proptest-regressions/proptest_roundtrip.txt")
        );
        assert!(proptest_config(7).failure_persistence.is_some());
        assert_eq!(proptest_config(7).cases, 7);
    }
}

//! Work limits for one validation, so that a hostile set of certificates cannot make path
//! building take unbounded time (x509-limbo `pathological::*`, Go CVE-2018-16875).

use crate::error::Error;
use crate::limits::{MAX_NAME_CONSTRAINT_COMPARISONS, MAX_PATH_BUILDING_CALLS, MAX_SIGNATURE_CHECKS};

/// The work one validation did, in the units of its limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Work {
    /// Path-building calls (candidate issuers considered), at most [`MAX_PATH_BUILDING_CALLS`].
    pub build_calls: usize,
    /// Signatures checked (cached or not), at most [`MAX_SIGNATURE_CHECKS`].
    pub signatures: usize,
    /// Name-constraint comparisons, at most [`MAX_NAME_CONSTRAINT_COMPARISONS`].
    pub name_constraint_comparisons: usize,
}

/// What is left of the limits of one validation.
#[derive(Debug)]
pub(crate) struct Budget {
    signatures: usize,
    build_calls: usize,
    name_constraint_comparisons: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            signatures: MAX_SIGNATURE_CHECKS,
            build_calls: MAX_PATH_BUILDING_CALLS,
            name_constraint_comparisons: MAX_NAME_CONSTRAINT_COMPARISONS,
        }
    }
}

fn take(counter: &mut usize, what: &'static str) -> Result<(), Error> {
    *counter = counter.checked_sub(1).ok_or(Error::BudgetExceeded { what })?;
    Ok(())
}

impl Budget {
    /// The work done so far.
    pub(crate) fn spent(&self) -> Work {
        Work {
            build_calls: MAX_PATH_BUILDING_CALLS - self.build_calls,
            signatures: MAX_SIGNATURE_CHECKS - self.signatures,
            name_constraint_comparisons: MAX_NAME_CONSTRAINT_COMPARISONS - self.name_constraint_comparisons,
        }
    }
    pub(crate) fn signature(&mut self) -> Result<(), Error> {
        take(&mut self.signatures, "signature checks")
    }
    pub(crate) fn build_call(&mut self) -> Result<(), Error> {
        take(&mut self.build_calls, "path-building calls")
    }
    /// One name-constraint comparison; false when the budget is spent.
    pub(crate) fn name_constraint_comparison(&mut self) -> bool {
        take(&mut self.name_constraint_comparisons, "name-constraint comparisons").is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_runs_out_exactly() {
        let mut b = Budget::default();
        for _ in 0..MAX_SIGNATURE_CHECKS {
            assert!(b.signature().is_ok());
        }
        assert!(matches!(b.signature(), Err(Error::BudgetExceeded { .. })));
    }
}

//! Work limits for one validation, so that a hostile set of certificates cannot make path
//! building take unbounded time (x509-limbo `pathological::*`, Go CVE-2018-16875).

use crate::error::Error;

/// Most signatures checked (certificate and CRL signatures, cached or not) in one validation.
///
/// Taken from the remediation of Go's CVE-2018-16875, as rustls-webpki does
/// (`src/verify_cert.rs`, `Budget::default`): 100 is far above what any real chain needs.
pub const MAX_SIGNATURE_CHECKS: usize = 100;

/// Most path-building steps (candidate issuers considered) in one validation.
///
/// Taken from mozilla::pkix (NSS `lib/mozpkix/lib/pkixbuild.cpp`, `MAX_PATH_BUILDING_CALLS`),
/// as rustls-webpki does.
pub const MAX_PATH_BUILDING_CALLS: usize = 200_000;

/// Most name-constraint comparisons (one name against one subtree) in one validation.
///
/// Taken from Go crypto/x509's default (`verify.go`, `maxConstraintComparisons`), as
/// rustls-webpki does; x509-limbo `pathological::nc-dos-*` exceed it.
pub const MAX_NAME_CONSTRAINT_COMPARISONS: usize = 250_000;

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

//! CRL revocation checking with CLI.md's semantics (RFC 5280 §6.3 reduced to complete, direct
//! CRLs).
//!
//! For a certificate `cert` issued by `issuer`, a CRL can vouch when:
//! 1. its issuer name matches `issuer`'s subject per RFC 5280 §7.1 (direct CRL; indirect CRLs
//!    never vouch);
//! 2. it is usable: no critical extension kavach does not process, not partial (§5.2.5), not
//!    a delta CRL;
//! 3. it is current: thisUpdate ≤ time ≤ nextUpdate (a CRL without nextUpdate is never
//!    current: §5.1.2.5 "Conforming CRL issuers MUST include nextUpdate");
//! 4. its scope covers `cert` (issuingDistributionPoint onlyContainsUserCerts / CACerts, and a
//!    distribution point name matching one of `cert`'s cRLDistributionPoints);
//! 5. `issuer`'s keyUsage has cRLSign (§6.3.3 (f); path validation already refused an issuer
//!    without keyUsage, STRICTER.md S15);
//! 6. its signature verifies with `issuer`'s key (§6.3.3 (g)).
//!
//! A CRL *applies* to `cert` when 1 and 4 hold. Whether current or not, a CRL that passes 2, 5
//! and 6 and lists `cert`'s serial number makes it revoked: a failed CRL refresh (an old CRL
//! left in place past its nextUpdate) never re-enables a revoked certificate. The one
//! exception is a certificateHold listing, released by a current CRL with a later thisUpdate
//! that no longer lists it (§5.3.1). A certificate is *covered* when a CRL passing 2-6 applies
//! to it. The end entity must be covered; any other certificate must be covered as soon as
//! some CRL applies to it (its issuer publishes CRLs there, but none is current: unknown
//! status, refused as for the end entity).

use x509_cert::ext::pkix::name::GeneralName;

use crate::cert::Certificate;
use crate::crl::Crl;
use crate::error::{Error, Result};
use crate::time::unix_seconds;

/// Checks the revocation status of `cert`, issued by `issuer`, against `crls` at `now` (Unix
/// seconds, floored). `check_signature` verifies a CRL's signature with an issuer's key (and
/// spends the validation's signature budget: a [`Error::BudgetExceeded`] from it ends the
/// check at once).
pub(super) fn check(
    crls: &[Crl],
    now: i64,
    cert: &Certificate,
    issuer: &Certificate,
    is_end_entity: bool,
    check_signature: &mut dyn FnMut(&Crl, &Certificate) -> Result<()>,
) -> Result<()> {
    let mut applies = false;
    let mut covered = false;
    let mut reason: Option<Error> = None;
    // thisUpdate of the latest verified CRL listing `cert` on hold, and of the latest current
    // verified CRL not listing it.
    let mut held_at: Option<i64> = None;
    let mut cleared_at: Option<i64> = None;
    let revoked = || Error::Revoked {
        subject: cert.subject().to_string(),
        serial: cert.serial_hex(),
    };
    for crl in crls.iter().filter(|c| c.issuer_key() == issuer.subject_key()) {
        let scope = crl.scope();
        if (scope.only_user && cert.is_ca()) || (scope.only_ca && !cert.is_ca()) {
            continue;
        }
        if let Some(dp_names) = &scope.dp_names {
            let cert_dps: &[GeneralName] = cert.ext().crl_dp_names.as_deref().unwrap_or(&[]);
            if !dp_names.iter().any(|n| cert_dps.contains(n)) {
                continue;
            }
        }
        applies = true;
        if crl.unusable().is_some() {
            continue;
        }
        let this_update = unix_seconds(crl.this_update());
        let current = match crl.next_update() {
            Some(next) => this_update <= now && now <= unix_seconds(next),
            None => false,
        };
        let listing = crl.listing(cert.serial_bytes());
        if !current && listing.is_none() {
            // A stale CRL can only matter by what it lists.
            continue;
        }
        if issuer.key_usage().is_some_and(|k| !k.crl_sign()) {
            reason = Some(Error::MissingCrlSign {
                subject: issuer.subject().to_string(),
            });
            continue;
        }
        match check_signature(crl, issuer) {
            Ok(()) => {}
            Err(e @ Error::BudgetExceeded { .. }) => return Err(e),
            Err(e) => {
                reason = Some(e);
                continue;
            }
        }
        match listing {
            Some(false) => return Err(revoked()),
            Some(true) => held_at = held_at.max(Some(this_update)),
            None => cleared_at = cleared_at.max(Some(this_update)),
        }
        if current {
            covered = true;
        }
    }
    if let Some(held) = held_at
        && cleared_at.is_none_or(|cleared| cleared <= held)
    {
        return Err(revoked());
    }
    if !covered && (is_end_entity || applies) {
        return Err(reason.unwrap_or_else(|| Error::RevocationStatusUnknown {
            subject: cert.subject().to_string(),
        }));
    }
    Ok(())
}

//! CRL revocation checking with CLI.md's semantics (RFC 5280 §6.3 reduced to complete, direct
//! CRLs).
//!
//! For a certificate `cert` issued by `issuer`, a CRL can vouch when:
//! 1. its issuer name is `issuer`'s subject (direct CRL; indirect CRLs never vouch);
//! 2. it is usable: no critical extension kavach does not process, not partial (§5.2.5);
//! 3. it is current: thisUpdate ≤ time ≤ nextUpdate (a CRL without nextUpdate is never
//!    current: §5.1.2.5 "Conforming CRL issuers MUST include nextUpdate");
//! 4. its scope covers `cert` (issuingDistributionPoint onlyContainsUserCerts / CACerts, and a
//!    distribution point name matching one of `cert`'s cRLDistributionPoints);
//! 5. `issuer`'s keyUsage has cRLSign (§6.3.3 (f); path validation already refused an issuer
//!    without keyUsage, STRICTER.md S15);
//! 6. its signature verifies with `issuer`'s key (§6.3.3 (g)).
//!
//! A vouching CRL that lists `cert`'s serial number makes it revoked. The end entity must be
//! vouched for by at least one CRL; other certificates are checked where such a CRL exists.

use x509_cert::ext::pkix::name::GeneralName;

use crate::cert::Certificate;
use crate::error::{Error, Result};
use crate::time::unix_seconds;

use super::path::Ctx;

pub(super) fn check(ctx: &mut Ctx<'_>, cert: &Certificate, issuer: &Certificate, is_end_entity: bool) -> Result<()> {
    let mut covered = false;
    let mut reason: Option<Error> = None;
    for crl in ctx
        .options
        .crls
        .iter()
        .filter(|c| c.issuer_der() == issuer.subject_der())
    {
        if crl.unusable().is_some() {
            continue;
        }
        let this_update = unix_seconds(crl.this_update());
        let current = match crl.next_update() {
            Some(next) => this_update <= ctx.now && ctx.now <= unix_seconds(next),
            None => false,
        };
        if !current {
            continue;
        }
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
        if issuer.key_usage().is_some_and(|k| !k.crl_sign()) {
            reason = Some(Error::MissingCrlSign {
                subject: issuer.subject(),
            });
            continue;
        }
        match ctx.check_crl_signature(crl, issuer) {
            Ok(()) => {}
            Err(e @ Error::BudgetExceeded { .. }) => return Err(e),
            Err(e) => {
                reason = Some(e);
                continue;
            }
        }
        covered = true;
        if crl.lists_serial(cert.serial_bytes()) {
            return Err(Error::Revoked {
                subject: cert.subject(),
                serial: cert.serial_hex(),
            });
        }
    }
    if is_end_entity && !covered {
        return Err(reason.unwrap_or_else(|| Error::RevocationStatusUnknown {
            subject: cert.subject(),
        }));
    }
    Ok(())
}

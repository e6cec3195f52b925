//! [`KeyPolicy`]: which public keys a certificate path may contain.
//!
//! The default is CLI.md's: RSA of at least 2048 bits, EC only on P-256 or P-384, Ed25519. It is
//! applied to every certificate of a path, the trust anchor included (a weak root key weakens
//! every certificate under it; x509-limbo `webpki::forbidden-weak-rsa-key-in-root`).

use kavach_keys::KeyKind;

/// Smallest RSA modulus any policy accepts: 1024 bits, the smallest key kavach-keys parses.
pub const MIN_RSA_BITS_FLOOR: usize = 1024;

/// The default smallest RSA modulus: 2048 bits (NIST SP 800-131A Rev. 2 disallows RSA below
/// 2048 bits for signatures since 2013; CA/Browser Forum BR §6.1.5).
pub const DEFAULT_MIN_RSA_BITS: usize = 2048;

/// A key kind that a [`KeyPolicy`] accepts or refuses as a whole: the kinds with no size, named
/// by their curve. (RSA keys are judged by size: [`KeyPolicy::with_min_rsa_bits`].)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyCurve {
    /// ECDSA / ECDH keys on NIST P-256 ([`KeyKind::P256`]).
    P256,
    /// ECDSA keys on NIST P-384 ([`KeyKind::P384`]).
    P384,
    /// Ed25519 keys ([`KeyKind::Ed25519`]).
    Ed25519,
}

/// Which keys a path may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyPolicy {
    min_rsa_bits: usize,
    p256: bool,
    p384: bool,
    ed25519: bool,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyPolicy {
    /// The default policy: RSA ≥ 2048 bits (a whole number of bytes), P-256, P-384, Ed25519.
    pub const fn new() -> Self {
        Self {
            min_rsa_bits: DEFAULT_MIN_RSA_BITS,
            p256: true,
            p384: true,
            ed25519: true,
        }
    }

    /// The same policy with another RSA minimum (never below [`MIN_RSA_BITS_FLOOR`]).
    pub const fn with_min_rsa_bits(mut self, bits: usize) -> Self {
        self.min_rsa_bits = if bits < MIN_RSA_BITS_FLOOR {
            MIN_RSA_BITS_FLOOR
        } else {
            bits
        };
        self
    }

    /// The same policy accepting keys on `curve`.
    pub const fn with_curve(self, curve: KeyCurve) -> Self {
        self.with_curve_accepted(curve, true)
    }

    /// The same policy refusing keys on `curve` (for RSA only the minimum size can be set: use
    /// [`KeyPolicy::with_min_rsa_bits`]).
    pub const fn without_curve(self, curve: KeyCurve) -> Self {
        self.with_curve_accepted(curve, false)
    }

    const fn with_curve_accepted(mut self, curve: KeyCurve, accepted: bool) -> Self {
        match curve {
            KeyCurve::P256 => self.p256 = accepted,
            KeyCurve::P384 => self.p384 = accepted,
            KeyCurve::Ed25519 => self.ed25519 = accepted,
        }
        self
    }

    /// The RSA minimum in bits.
    pub const fn min_rsa_bits(&self) -> usize {
        self.min_rsa_bits
    }

    /// True when a key of this kind is acceptable. RSA moduli must also be a whole number of
    /// bytes (x509-limbo `webpki::forbidden-rsa-not-divisible-by-8-in-root`: such keys come
    /// from broken generators).
    pub fn accepts(&self, kind: KeyKind) -> bool {
        match kind {
            KeyKind::Rsa { bits } => bits >= self.min_rsa_bits && bits % 8 == 0,
            KeyKind::P256 => self.p256,
            KeyKind::P384 => self.p384,
            KeyKind::Ed25519 => self.ed25519,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_is_clis() {
        let p = KeyPolicy::default();
        assert!(p.accepts(KeyKind::Rsa { bits: 2048 }));
        assert!(p.accepts(KeyKind::Rsa { bits: 4096 }));
        assert!(!p.accepts(KeyKind::Rsa { bits: 1024 }));
        assert!(!p.accepts(KeyKind::Rsa { bits: 2047 }));
        assert!(!p.accepts(KeyKind::Rsa { bits: 2052 }));
        assert!(p.accepts(KeyKind::P256) && p.accepts(KeyKind::P384) && p.accepts(KeyKind::Ed25519));
        let strict = p.with_min_rsa_bits(3072).without_curve(KeyCurve::P256);
        assert!(!strict.accepts(KeyKind::Rsa { bits: 2048 }));
        assert!(!strict.accepts(KeyKind::P256));
        assert_eq!(p.with_min_rsa_bits(512).min_rsa_bits(), MIN_RSA_BITS_FLOOR);
        assert!(strict.with_curve(KeyCurve::P256).accepts(KeyKind::P256));
        assert!(!p.without_curve(KeyCurve::P384).accepts(KeyKind::P384));
        assert!(!p.without_curve(KeyCurve::Ed25519).accepts(KeyKind::Ed25519));
        assert!(p.without_curve(KeyCurve::Ed25519).accepts(KeyKind::P384));
    }
}

//! What one fuzz input reached (a leaf module: every target body reports through it).

/// What one input reached: how many objects parsed and how many checks succeeded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reached {
    /// Objects that parsed.
    pub parsed: usize,
    /// Signatures, proofs of possession or paths that verified.
    pub verified: usize,
}

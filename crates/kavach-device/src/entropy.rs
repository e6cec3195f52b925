//! Random bytes from the operating system: nonces, challenges and UUIDs, on both sides.

/// `N` random bytes, or `None` when the OS generator fails (the caller fails closed).
pub(crate) fn random_bytes<const N: usize>() -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes)
}

//! Certificate thumbprints: SHA-256 of the DER ([`kavach_keys::Sha256Thumbprint`]: raw, hex,
//! base64url) and SHA-1 hex, the key under which MOSIP's keymanager stores certificates.

/// SHA-1 of `der`, lowercase hex (40 characters). SHA-1 is used here only as MOSIP's lookup
/// key, never for a security decision.
pub(crate) fn sha1_hex(der: &[u8]) -> String {
    use sha1::Digest;
    kavach_keys::encoding::hex_lower(&sha1::Sha1::digest(der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_of_abc_is_the_fips_180_answer() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}

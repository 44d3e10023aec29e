//! Constant-time comparison.

use subtle::ConstantTimeEq;

/// `bytes_are_equal`: compares in time independent of the contents (lengths
/// are not secret). Use for every tag, MAC and block id.
#[doc(alias = "abytes_are_equal")]
#[must_use]
pub fn bytes_are_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn equality() {
        assert!(super::bytes_are_equal(b"abc", b"abc"));
        assert!(!super::bytes_are_equal(b"abc", b"abd"));
        assert!(!super::bytes_are_equal(b"abc", b"ab"));
    }
}

//! Secret byte strings: wiped on drop, never printed.

use core::fmt;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// An owned secret (a key, a passphrase). Its bytes are zeroized when it is
/// dropped and `Debug` shows only its length.
///
/// It is not `PartialEq`: compare secrets with [`ConstantTimeEq`]
/// (`a.ct_eq(&b)`), whose time does not depend on where they differ.
///
/// ```compile_fail
/// let a = aiootp_core::SecretBytes::from_slice(b"key");
/// let _ = a == a.clone(); // no `==` on secrets
/// ```
///
/// ```
/// use subtle::ConstantTimeEq;
/// let a = aiootp_core::SecretBytes::from_slice(b"key");
/// assert!(bool::from(a.ct_eq(&a.clone())));
/// ```
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of `bytes`.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Copies `bytes` into a new secret.
    #[must_use]
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// The secret bytes. Named so that every use is easy to find.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes({} bytes, redacted)", self.0.len())
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl From<&[u8]> for SecretBytes {
    fn from(v: &[u8]) -> Self {
        Self::from_slice(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_bytes() {
        let s = SecretBytes::from_slice(&[0xAB; 4]);
        let shown = format!("{s:?}");
        assert!(!shown.contains("171") && !shown.to_lowercase().contains("ab,"));
        assert_eq!(shown, "SecretBytes(4 bytes, redacted)");
    }
}

impl AsRef<[u8]> for SecretBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl ConstantTimeEq for SecretBytes {
    fn ct_eq(&self, other: &Self) -> Choice {
        // `subtle` compares slices of unequal length as unequal, in time
        // that depends only on the lengths.
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

/// A fixed-size secret (a shared key, a secret key): wiped on drop, never
/// printed, compared in constant time, its bytes through `expose` or
/// `AsRef<[u8]>`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretArray<const N: usize>([u8; N]);

impl<const N: usize> SecretArray<N> {
    /// Takes ownership of `bytes` (the caller's copy should be wiped).
    #[must_use]
    pub fn new(bytes: [u8; N]) -> Self {
        Self(bytes)
    }

    /// The secret bytes. Named so that every use is easy to find.
    #[must_use]
    pub fn expose(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> fmt::Debug for SecretArray<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretArray({N} bytes, redacted)")
    }
}

impl<const N: usize> AsRef<[u8]> for SecretArray<N> {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl<const N: usize> ConstantTimeEq for SecretArray<N> {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn secrets_print_their_length_only_and_compare_in_constant_time() {
        let a = SecretBytes::from_slice(b"hunter2");
        assert_eq!(format!("{a:?}"), "SecretBytes(7 bytes, redacted)");
        assert!(bool::from(a.ct_eq(&SecretBytes::from_slice(b"hunter2"))));
        assert!(!bool::from(a.ct_eq(&SecretBytes::from_slice(b"hunter3"))));
        assert!(!bool::from(a.ct_eq(&SecretBytes::from_slice(b"hunter"))));
        let k = SecretArray::new([0x41u8; 32]);
        assert_eq!(format!("{k:?}"), "SecretArray(32 bytes, redacted)");
        assert_eq!(k.as_ref(), &[0x41u8; 32]);
    }
}

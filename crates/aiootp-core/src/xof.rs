//! SHAKE helpers with the reference's "digest on a copy" semantics.
//!
//! Python's `hashlib.shake_128(...).digest(n)` pads and squeezes a *copy* of
//! the state, so later `update`s continue from the un-padded state. Every
//! KDF and MAC in Chunky2048 relies on that; [`digest_into`] reproduces it.

use shake::{ExtendableOutput, Update, XofReader};
pub use shake::{Shake128, Shake256};

/// Fills `out` with the XOF output of everything `xof` has absorbed so far,
/// leaving `xof` unchanged (`hashlib`'s `digest(len(out))`).
#[inline]
pub fn digest_into<X: Clone + ExtendableOutput>(xof: &X, out: &mut [u8]) {
    xof.clone().finalize_xof().read(out);
}

/// [`digest_into`] into a new vector of `size` bytes.
#[must_use]
pub fn digest<X: Clone + ExtendableOutput>(xof: &X, size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size];
    digest_into(xof, &mut out);
    out
}

/// SHAKE-128 over `data` in one call.
#[must_use]
pub fn shake_128(data: &[u8], size: usize) -> Vec<u8> {
    let mut x = Shake128::default();
    x.update(data);
    digest(&x, size)
}

/// SHAKE-256 over `data` in one call.
#[must_use]
pub fn shake_256(data: &[u8], size: usize) -> Vec<u8> {
    let mut x = Shake256::default();
    x.update(data);
    digest(&x, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_does_not_disturb_state() {
        // FIPS 202 SHAKE128("") starts 7f9c2ba4e88f827d (independent value).
        let mut x = Shake128::default();
        assert_eq!(
            &digest(&x, 8),
            &[0x7f, 0x9c, 0x2b, 0xa4, 0xe8, 0x8f, 0x82, 0x7d]
        );
        x.update(b"ab");
        let once = digest(&x, 32);
        assert_eq!(once, digest(&x, 32));
        let mut y = Shake128::default();
        y.update(b"a");
        let _ = digest(&y, 300);
        y.update(b"b");
        assert_eq!(digest(&y, 32), once);
    }
}

//! SHAKE-128 / SHAKE-256 with the reference's "digest on a copy" semantics.
//!
//! Python's `hashlib.shake_128(...).digest(n)` pads and squeezes a *copy* of
//! the state, so later `update`s continue from the un-padded state. Every
//! KDF and MAC in Chunky2048 relies on that; [`Shake::digest_into`]
//! reproduces it.
//!
//! The sponge is RustCrypto's `sponge-cursor` (what the `shake` crate is
//! built on) driven by [`crate::f1600`]; tests compare it with the
//! `shake` crate byte for byte.

use crate::keccak::State;
use sponge_cursor::SpongeCursor;
use zeroize::Zeroize;

/// SHAKE over a rate of `RATE` bytes: 168 for SHAKE-128, 136 for SHAKE-256.
#[derive(Clone)]
pub struct Shake<const RATE: usize> {
    state: State,
    cursor: SpongeCursor<RATE>,
    permute: fn(&mut State),
}

/// SHAKE-128.
pub type Shake128 = Shake<168>;
/// SHAKE-256.
pub type Shake256 = Shake<136>;

impl<const RATE: usize> Default for Shake<RATE> {
    fn default() -> Self {
        const { assert!(RATE == 168 || RATE == 136) };
        Self {
            state: [0; 25],
            cursor: SpongeCursor::default(),
            permute: crate::lanes::f1600_fn(),
        }
    }
}

impl<const RATE: usize> core::fmt::Debug for Shake<RATE> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Shake<{RATE}> {{ .. }}")
    }
}

impl<const RATE: usize> Drop for Shake<RATE> {
    fn drop(&mut self) {
        self.state.zeroize();
        self.cursor.zeroize();
    }
}

impl<const RATE: usize> Shake<RATE> {
    /// An empty state.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Absorbs `data`.
    #[inline]
    pub fn update(&mut self, data: &[u8]) {
        self.cursor
            .absorb_u64_le(&mut self.state, self.permute, data);
    }

    /// Fills `out` with the output over everything absorbed so far, leaving
    /// this state unchanged (`hashlib`'s `digest(len(out))`).
    #[inline]
    pub fn digest_into(&self, out: &mut [u8]) {
        let mut state = self.state;
        for (word, bits) in shake_padding(self.cursor.pos(), RATE) {
            state[word] ^= bits;
        }
        // A fresh cursor at 0 permutes before its first read.
        let mut reader = SpongeCursor::<RATE>::default();
        reader.squeeze_read_u64_le(&mut state, self.permute, out);
        state.zeroize();
    }

    /// The state and the position in the rate (for the lane sponges).
    pub(crate) fn parts(&self) -> (&State, usize) {
        (&self.state, self.cursor.pos())
    }

    /// Replaces the state and the position in the rate (for the lane
    /// sponges, which continue a sponge elsewhere and hand it back).
    pub(crate) fn set_parts(&mut self, state: &State, pos: usize) {
        self.state = *state;
        self.cursor = SpongeCursor::new(u8::try_from(pos).unwrap_or(0)).unwrap_or_default();
    }

    /// [`Self::digest_into`] into a new vector of `size` bytes.
    #[must_use]
    pub fn digest(&self, size: usize) -> Vec<u8> {
        let mut out = vec![0u8; size];
        self.digest_into(&mut out);
        out
    }
}

/// SHAKE's padding after `pos` bytes in a rate of `rate` bytes, as two
/// xors into the state's words: the domain bits 0x1F after the message,
/// then the final bit of the rate. Every sponge here pads through this.
pub(crate) const fn shake_padding(pos: usize, rate: usize) -> [(usize, u64); 2] {
    [(pos / 8, 0x1F << (8 * (pos % 8))), (rate / 8 - 1, 1 << 63)]
}

/// SHAKE-128 over `data` in one call.
#[must_use]
pub fn shake_128(data: &[u8], size: usize) -> Vec<u8> {
    let mut x = Shake128::new();
    x.update(data);
    x.digest(size)
}

/// SHAKE-256 over `data` in one call.
#[must_use]
pub fn shake_256(data: &[u8], size: usize) -> Vec<u8> {
    let mut x = Shake256::new();
    x.update(data);
    x.digest(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use shake::{ExtendableOutput, Update, XofReader};

    fn reference<X: Default + Update + ExtendableOutput + Clone>(
        parts: &[Vec<u8>],
        n: usize,
    ) -> Vec<u8> {
        let mut x = X::default();
        for p in parts {
            x.update(p);
        }
        let mut out = vec![0u8; n];
        x.finalize_xof().read(&mut out);
        out
    }

    #[test]
    fn known_empty_digest() {
        // FIPS 202 SHAKE128("") starts 7f9c2ba4e88f827d.
        assert_eq!(
            shake_128(b"", 8),
            [0x7f, 0x9c, 0x2b, 0xa4, 0xe8, 0x8f, 0x82, 0x7d]
        );
    }

    proptest! {
        #[test]
        fn matches_the_shake_crate(parts in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..400), 0..6), n in 0usize..700) {
            let mut a = Shake128::new();
            let mut b = Shake256::new();
            for (i, p) in parts.iter().enumerate() {
                a.update(p);
                b.update(p);
                // A digest in between must not disturb the state.
                if i % 2 == 1 {
                    let _ = a.digest(200);
                    let _ = b.digest(1);
                }
            }
            prop_assert_eq!(a.digest(n), reference::<shake::Shake128>(&parts, n));
            prop_assert_eq!(b.digest(n), reference::<shake::Shake256>(&parts, n));
        }
    }
}

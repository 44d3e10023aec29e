//! The 256-byte block and the two slice helpers every layer uses.

use crate::constants::BLOCKSIZE;

/// One 256-byte plaintext or ciphertext block.
pub type Block = [u8; BLOCKSIZE];

/// A 256-byte chunk as a block (the callers cut exact chunks).
pub(crate) fn as_block(chunk: &mut [u8]) -> &mut Block {
    <&mut Block>::try_from(chunk).unwrap_or_else(|_| unreachable!("chunks_exact_mut(256)"))
}

/// A fixed-size copy of a slice whose length the caller has checked.
pub(crate) fn fixed<const N: usize>(s: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&s[..N]);
    out
}

/// The even bytes of `pairs` into `even` and the odd ones into `odd`
/// (`even[i] = pairs[2i]`, `odd[i] = pairs[2i + 1]`): how the ratchet key
/// `R` feeds the left and right KDFs. Eight pairs at a time as two
/// 64-bit words (twice as fast as byte by byte); property test
/// `split_is_even_and_odd_bytes`.
pub(crate) fn split_even_odd(pairs: &[u8], even: &mut [u8], odd: &mut [u8]) {
    /// Bytes 0, 2, 4 and 6 of `x`, as the low four bytes.
    const fn gather(x: u64) -> u64 {
        let x = x & 0x00FF_00FF_00FF_00FF;
        let x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
        (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF
    }
    let mut chunks = pairs.chunks_exact(16);
    let mut evens = even.chunks_exact_mut(8);
    let mut odds = odd.chunks_exact_mut(8);
    for ((c, e), o) in (&mut chunks).zip(&mut evens).zip(&mut odds) {
        let lo = u64::from_le_bytes(fixed(c));
        let hi = u64::from_le_bytes(fixed(&c[8..]));
        e.copy_from_slice(&(gather(lo) | gather(hi) << 32).to_le_bytes());
        o.copy_from_slice(&(gather(lo >> 8) | gather(hi >> 8) << 32).to_le_bytes());
    }
    let done = pairs.len() / 16 * 8;
    for (i, pair) in chunks.remainder().chunks_exact(2).enumerate() {
        if let (Some(e), Some(o)) = (even.get_mut(done + i), odd.get_mut(done + i)) {
            *e = pair[0];
            *o = pair[1];
        }
    }
}

/// `dst ^= key`, over the shorter of the two.
pub(crate) fn xor_in_place(dst: &mut [u8], key: &[u8]) {
    for (d, k) in dst.iter_mut().zip(key) {
        *d ^= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn split_is_even_and_odd_bytes(pairs in proptest::collection::vec(any::<u8>(), 0..400)) {
            let pairs = &pairs[..pairs.len() / 2 * 2];
            let n = pairs.len() / 2;
            let (mut even, mut odd) = (vec![0u8; n], vec![0u8; n]);
            split_even_odd(pairs, &mut even, &mut odd);
            let want_even: Vec<u8> = pairs.iter().step_by(2).copied().collect();
            let want_odd: Vec<u8> = pairs.iter().skip(1).step_by(2).copied().collect();
            prop_assert_eq!(even, want_even);
            prop_assert_eq!(odd, want_odd);
        }
    }
}

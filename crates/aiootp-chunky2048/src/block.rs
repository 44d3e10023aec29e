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

/// `dst ^= key`, over the shorter of the two.
pub(crate) fn xor_in_place(dst: &mut [u8], key: &[u8]) {
    for (d, k) in dst.iter_mut().zip(key) {
        *d ^= k;
    }
}

//! Batches of independent messages (spec §12's permutations, four messages
//! at a time): messages of one block count and one aad length take every
//! step of Chunky2048 together, one message in each lane of the
//! four-state Keccak ([`aiootp_keccak::Shake128x4`]), so one four-lane call
//! does the work of four permutations. The output of each lane is the
//! engine's for that message, byte for byte (property tests
//! `batches_are_single_messages` and `forged_batch_members_fail_alone`).

use crate::block::xor_in_place;
use crate::constants::*;
use crate::kdf::BundleX4;
use zeroize::Zeroize;

/// Lanes per group.
pub(crate) const LANES: usize = 4;

fn ins<const N: usize>(a: &[[u8; N]; LANES]) -> [Option<&[u8]>; LANES] {
    core::array::from_fn(|j| Some(&a[j][..]))
}

fn outs<const N: usize>(a: &mut [[u8; N]; LANES]) -> [Option<&mut [u8]>; LANES] {
    let [a0, a1, a2, a3] = a;
    [
        Some(&mut a0[..]),
        Some(&mut a1[..]),
        Some(&mut a2[..]),
        Some(&mut a3[..]),
    ]
}

/// The key material of a run, every lane: the StreamHMAC digests, a
/// block, the synthetic IV, and the keystream ratchet (`R =
/// seed.digest(336)`, its even and odd bytes, `k = left.digest(128) ‖
/// right.digest(128)`). One per batch, reused by its groups and wiped
/// once when dropped.
pub(crate) struct Scratch {
    digest: [[u8; SHAKE_128_BLOCKSIZE]; LANES],
    block: [[u8; BLOCKSIZE]; LANES],
    siv: [[u8; SHAKE_128_BLOCKSIZE]; LANES],
    ratchet: [[u8; SEED_KDF_DOUBLE_BLOCKSIZE]; LANES],
    even: [[u8; SHAKE_128_BLOCKSIZE]; LANES],
    odd: [[u8; SHAKE_128_BLOCKSIZE]; LANES],
    left: [[u8; BLOCKSIZE / 2]; LANES],
    right: [[u8; BLOCKSIZE / 2]; LANES],
}

impl Drop for Scratch {
    fn drop(&mut self) {
        self.digest.zeroize();
        self.block.zeroize();
        self.siv.zeroize();
        self.ratchet.zeroize();
        self.even.zeroize();
        self.odd.zeroize();
        self.left.zeroize();
        self.right.zeroize();
    }
}

impl Scratch {
    /// Zeroed scratch, on the heap (about 4.5 KiB).
    pub(crate) fn new() -> Box<Self> {
        Box::new(Self {
            digest: [[0; SHAKE_128_BLOCKSIZE]; LANES],
            block: [[0; BLOCKSIZE]; LANES],
            siv: [[0; SHAKE_128_BLOCKSIZE]; LANES],
            ratchet: [[0; SEED_KDF_DOUBLE_BLOCKSIZE]; LANES],
            even: [[0; SHAKE_128_BLOCKSIZE]; LANES],
            odd: [[0; SHAKE_128_BLOCKSIZE]; LANES],
            left: [[0; BLOCKSIZE / 2]; LANES],
            right: [[0; BLOCKSIZE / 2]; LANES],
        })
    }

    fn squeeze(&mut self, b: &mut BundleX4) {
        b.seed.digest_into(outs(&mut self.ratchet));
        for j in 0..LANES {
            crate::block::split_even_odd(&self.ratchet[j], &mut self.even[j], &mut self.odd[j]);
        }
        b.left.update(ins(&self.even));
        b.right.update(ins(&self.odd));
        b.left.digest_into(outs(&mut self.left));
        b.right.digest_into(outs(&mut self.right));
    }

    /// `dst ^= k[from..]` for lane `j`.
    fn xor(&self, j: usize, dst: &mut [u8], from: usize) {
        let half = BLOCKSIZE / 2;
        let split = half.saturating_sub(from).min(dst.len());
        let (l, r) = dst.split_at_mut(split);
        xor_in_place(l, &self.left[j][from.min(half)..]);
        xor_in_place(
            r,
            &self.right[j][(from + split).saturating_sub(half).min(half)..],
        );
    }
}

/// Seals (`open == false`) or opens four bodies of one length (a multiple
/// of 256 bytes, plaintext laid out with its inner header and padding, or
/// ciphertext) in place, lane `j` under `bundle`'s lane `j`, and returns
/// the four tags. Opening computes the tag of the ciphertext it was given;
/// the caller compares it before releasing anything.
pub(crate) fn run(
    mut bundle: BundleX4,
    mut bodies: [&mut [u8]; LANES],
    open: bool,
    r: &mut Scratch,
) -> [[u8; SHMAC_BYTES]; LANES] {
    let b = &mut bundle;
    b.mac.digest_into(outs(&mut r.digest));
    r.squeeze(b);
    let n = bodies[0].len() / BLOCKSIZE;
    for i in 0..n {
        let at = i * BLOCKSIZE..(i + 1) * BLOCKSIZE;
        if i == 0 {
            // The primer k_0, then k_1 = next(header ‖ D_0[..148]) keys
            // all but the header.
            for (j, body) in bodies.iter_mut().enumerate() {
                let body = &mut body[at.clone()];
                if open {
                    r.block[j].copy_from_slice(body);
                    r.xor(j, body, 0);
                    r.siv[j][..INNER_HEADER_BYTES].copy_from_slice(&body[..INNER_HEADER_BYTES]);
                } else {
                    r.siv[j][..INNER_HEADER_BYTES].copy_from_slice(&body[..INNER_HEADER_BYTES]);
                    r.xor(j, body, 0);
                }
                let (siv, digest) = (&mut r.siv[j], &r.digest[j]);
                siv[INNER_HEADER_BYTES..]
                    .copy_from_slice(&digest[..SHAKE_128_BLOCKSIZE - INNER_HEADER_BYTES]);
            }
            b.seed.update(ins(&r.siv));
            r.squeeze(b);
            for (j, body) in bodies.iter_mut().enumerate() {
                let body = &mut body[at.clone()];
                r.xor(j, &mut body[INNER_HEADER_BYTES..], HALF_HEADER);
                if !open {
                    r.block[j].copy_from_slice(body);
                }
            }
        } else {
            b.seed.update(ins(&r.digest));
            r.squeeze(b);
            for (j, body) in bodies.iter_mut().enumerate() {
                let body = &mut body[at.clone()];
                if open {
                    r.block[j].copy_from_slice(body);
                }
                r.xor(j, body, 0);
                if !open {
                    r.block[j].copy_from_slice(body);
                }
            }
        }
        // The StreamHMAC over the ciphertext block.
        b.mac.update(ins(&r.block));
        b.mac.digest_into(outs(&mut r.digest));
    }
    b.mac.update(ins(&r.ratchet));
    let mut tags = [[0u8; SHMAC_BYTES]; LANES];
    b.mac.digest_into(outs(&mut tags));
    tags
}

//! The block cipher core (spec §4, §6, §7): keystream ratchet, synthetic IV
//! on the first block, StreamHMAC and block ids. Sans-IO: it transforms
//! 256-byte blocks in place and knows nothing of framing.

use crate::constants::*;
use crate::error::{Error, Result};
use crate::kdf::{KeyAadBundle, block_id_state};
use aiootp_core::xof::Shake128;
use zeroize::{Zeroize, Zeroizing};

/// One 256-byte block.
pub type Block = [u8; BLOCKSIZE];

/// The keystream ratchet over the seed, left and right KDFs (`bytes_keys`).
struct Keystream {
    seed: Shake128,
    left: Shake128,
    right: Shake128,
    /// The last ratchet key `R_i` (336 bytes).
    ratchet: Zeroizing<[u8; SEED_KDF_DOUBLE_BLOCKSIZE]>,
}

impl Keystream {
    /// `R = seed.digest(336)`; left/right absorb its even/odd bytes;
    /// `k = left.digest(128) ‖ right.digest(128)`.
    fn squeeze(&mut self, out: &mut Block) {
        self.seed.digest_into(&mut self.ratchet[..]);
        let mut even = [0u8; SHAKE_128_BLOCKSIZE];
        let mut odd = [0u8; SHAKE_128_BLOCKSIZE];
        for (i, pair) in self.ratchet.chunks_exact(2).enumerate() {
            even[i] = pair[0];
            odd[i] = pair[1];
        }
        self.left.update(&even);
        self.right.update(&odd);
        even.zeroize();
        odd.zeroize();
        let (l, r) = out.split_at_mut(BLOCKSIZE / 2);
        self.left.digest_into(l);
        self.right.digest_into(r);
    }

    /// Absorbs 168 bytes of entropy into the seed, then [`Self::squeeze`].
    fn next(&mut self, entropy: &[u8; SHAKE_128_BLOCKSIZE], out: &mut Block) {
        self.seed.update(entropy);
        self.squeeze(out);
    }
}

/// The StreamHMAC state (`StreamHMAC`): absorbs every ciphertext block.
struct Shmac {
    mac: Shake128,
    current: [u8; SHAKE_128_BLOCKSIZE],
    previous: [u8; SHAKE_128_BLOCKSIZE],
}

impl Shmac {
    fn update(&mut self, ciphertext: &Block) {
        self.previous = self.current;
        self.mac.update(ciphertext);
        self.mac.digest_into(&mut self.current);
    }
}

/// Which way the engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Plaintext in, ciphertext out.
    Encrypt,
    /// Ciphertext in, plaintext out.
    Decrypt,
}

/// The Chunky2048 engine for one message.
pub struct Engine {
    keystream: Keystream,
    shmac: Shmac,
    /// `k_0`, used once on the first block.
    primer: Zeroizing<Block>,
    /// The keystream block of the last call (kept for known-answer traces).
    last_key: Zeroizing<Block>,
    blocks: u64,
    direction: Direction,
}

impl core::fmt::Debug for Engine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Engine")
            .field("direction", &self.direction)
            .field("blocks", &self.blocks)
            .finish_non_exhaustive()
    }
}

fn xor_in_place(dst: &mut [u8], key: &[u8]) {
    for (d, k) in dst.iter_mut().zip(key) {
        *d ^= k;
    }
}

impl Engine {
    /// Consumes the bundle: `D_0 = mac.digest(168)`, `k_0` = first keystream output.
    #[must_use]
    pub fn new(bundle: KeyAadBundle, direction: Direction) -> Self {
        let KeyAadBundle {
            seed,
            left,
            right,
            mac,
            ..
        } = bundle;
        let mut d0 = [0u8; SHAKE_128_BLOCKSIZE];
        mac.digest_into(&mut d0);
        let mut keystream = Keystream {
            seed,
            left,
            right,
            ratchet: Zeroizing::new([0u8; SEED_KDF_DOUBLE_BLOCKSIZE]),
        };
        let mut primer = Zeroizing::new([0u8; BLOCKSIZE]);
        keystream.squeeze(&mut primer);
        Self {
            keystream,
            shmac: Shmac {
                mac,
                current: d0,
                previous: d0,
            },
            primer,
            last_key: Zeroizing::new([0u8; BLOCKSIZE]),
            blocks: 0,
            direction,
        }
    }

    /// The direction this engine runs in.
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Number of blocks processed.
    #[must_use]
    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    /// The current StreamHMAC digest `D_j` (168 bytes).
    #[must_use]
    pub fn shmac_digest(&self) -> &[u8; SHAKE_128_BLOCKSIZE] {
        &self.shmac.current
    }

    /// The primer key `k_0`.
    #[must_use]
    pub fn primer_key(&self) -> &Block {
        &self.primer
    }

    /// The last ratchet key `R_j`.
    #[must_use]
    pub fn ratchet_key(&self) -> &[u8; SEED_KDF_DOUBLE_BLOCKSIZE] {
        &self.keystream.ratchet
    }

    /// The keystream block `k_j` of the last processed block.
    #[must_use]
    pub fn last_keystream(&self) -> &Block {
        &self.last_key
    }

    /// Transforms one block in place in the engine's direction.
    pub fn process_block(&mut self, block: &mut Block) {
        match (self.direction, self.blocks) {
            (Direction::Encrypt, 0) => self.encrypt_first(block),
            (Direction::Decrypt, 0) => self.decrypt_first(block),
            (Direction::Encrypt, _) => {
                // k_j = next(D_{j-1}); C_j = P_j ⊕ k_j; then MAC C_j ("xor then hash").
                self.keystream.next(&self.shmac.current, &mut self.last_key);
                xor_in_place(block, &self.last_key[..]);
                self.shmac.update(block);
            }
            (Direction::Decrypt, _) => {
                // The same key schedule, then MAC C_j before revealing P_j.
                self.keystream.next(&self.shmac.current, &mut self.last_key);
                self.shmac.update(block);
                xor_in_place(block, &self.last_key[..]);
            }
        }
        self.blocks += 1;
    }

    /// `SIV = header ‖ D_0[0..148]`, then `k_1 = next(SIV)`.
    fn synthetic_iv_key(&mut self, inner_header: &[u8]) {
        let mut siv = [0u8; SHAKE_128_BLOCKSIZE];
        siv[..INNER_HEADER_BYTES].copy_from_slice(&inner_header[..INNER_HEADER_BYTES]);
        siv[INNER_HEADER_BYTES..]
            .copy_from_slice(&self.shmac.current[..SHAKE_128_BLOCKSIZE - INNER_HEADER_BYTES]);
        self.keystream.next(&siv, &mut self.last_key);
        siv.zeroize();
    }

    fn encrypt_first(&mut self, block: &mut Block) {
        let mut header = [0u8; INNER_HEADER_BYTES];
        header.copy_from_slice(&block[..INNER_HEADER_BYTES]);
        xor_in_place(block, &self.primer[..]);
        self.synthetic_iv_key(&header);
        header.zeroize();
        let middle = &self.last_key[HALF_HEADER..BLOCKSIZE - HALF_HEADER];
        xor_in_place(&mut block[INNER_HEADER_BYTES..], middle);
        self.shmac.update(block);
    }

    fn decrypt_first(&mut self, block: &mut Block) {
        let ciphertext = *block;
        xor_in_place(block, &self.primer[..]);
        let header: [u8; INNER_HEADER_BYTES] = crate::cipher::fixed(&block[..INNER_HEADER_BYTES]);
        self.synthetic_iv_key(&header);
        self.shmac.update(&ciphertext);
        let middle = &self.last_key[HALF_HEADER..BLOCKSIZE - HALF_HEADER];
        xor_in_place(&mut block[INNER_HEADER_BYTES..], middle);
    }

    /// The block id of the block just processed (encryption side) or about to
    /// be processed (decryption side): both use `D_{j-1}`.
    ///
    /// # Errors
    /// [`Error::InvalidBlockIdSize`] outside 16..=32.
    pub fn block_id(
        &self,
        ciphertext: &Block,
        aad: &[u8],
        size: usize,
    ) -> Result<[u8; MAX_BLOCK_ID_BYTES]> {
        let digest = match self.direction {
            Direction::Encrypt => &self.shmac.previous,
            Direction::Decrypt => &self.shmac.current,
        };
        block_id(digest, aad, ciphertext, size)
    }

    /// Finishes the message: `mac.update(seed.digest(336)); tag = mac.digest(32)`.
    ///
    /// The seed has not moved since `R_N` was squeezed, so `R_N` stands in for
    /// `seed.digest(336)` (two permutations saved; KAT `final_seed_digest`).
    #[must_use]
    pub fn finalize(mut self) -> [u8; SHMAC_BYTES] {
        self.shmac.mac.update(&self.keystream.ratchet[..]);
        let mut tag = [0u8; SHMAC_BYTES];
        self.shmac.mac.digest_into(&mut tag);
        tag
    }
}

/// `SHAKE128(BLOCK_ID_MAC_SALT ‖ D ‖ BE_1(size) ‖ BE_8(len(aad)) ‖ aad ‖
/// BE_8(len(block)) ‖ block)[..size]`, returned zero-extended to 32 bytes.
///
/// # Errors
/// [`Error::InvalidBlockIdSize`] outside 16..=32.
pub fn block_id(
    mac_digest: &[u8; SHAKE_128_BLOCKSIZE],
    aad: &[u8],
    block: &[u8],
    size: usize,
) -> Result<[u8; MAX_BLOCK_ID_BYTES]> {
    if !(MIN_BLOCK_ID_BYTES..=MAX_BLOCK_ID_BYTES).contains(&size) {
        return Err(Error::InvalidBlockIdSize { size });
    }
    let mut x = block_id_state().clone();
    x.update(mac_digest);
    x.update(&[u8::try_from(size).unwrap_or(u8::MAX)]);
    x.update(&(aad.len() as u64).to_be_bytes());
    x.update(aad);
    x.update(&(block.len() as u64).to_be_bytes());
    x.update(block);
    let mut out = [0u8; MAX_BLOCK_ID_BYTES];
    x.digest_into(&mut out[..size]);
    Ok(out)
}

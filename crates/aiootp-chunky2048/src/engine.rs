//! The block cipher core (spec §4, §6, §7): keystream ratchet, synthetic IV
//! on the first block, StreamHMAC and block ids. Sans-IO: it transforms
//! 256-byte blocks in place and knows nothing of framing.

use crate::block::{Block, fixed, xor_in_place};
use crate::constants::*;
use crate::error::{Error, Result};
use crate::kdf::{KeyAadBundle, block_id_state};
use aiootp_core::Shake128;
use core::marker::PhantomData;
use zeroize::{Zeroize, Zeroizing};

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

impl Drop for Shmac {
    /// The digests key the block ids and the keystream: wiped with the state.
    fn drop(&mut self) {
        self.current.zeroize();
        self.previous.zeroize();
    }
}

impl Shmac {
    fn update(&mut self, ciphertext: &Block) {
        self.previous = self.current;
        self.mac.update(ciphertext);
        self.mac.digest_into(&mut self.current);
    }
}

/// The direction of an [`Engine`], as a type: [`Seal`] or [`Open`].
pub trait Direction: sealed::Sealed + core::fmt::Debug {
    /// The name shown by `Debug`.
    const NAME: &'static str;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Seal {}
    impl Sealed for super::Open {}
}

/// Plaintext in, ciphertext out.
#[derive(Debug)]
pub enum Seal {}

/// Ciphertext in, plaintext out.
#[derive(Debug)]
pub enum Open {}

impl Direction for Seal {
    const NAME: &'static str = "Sealer";
}

impl Direction for Open {
    const NAME: &'static str = "Opener";
}

/// The engine that encrypts one message.
pub type Sealer = Engine<Seal>;
/// The engine that decrypts one message.
pub type Opener = Engine<Open>;

/// The Chunky2048 engine for one message, typed by its direction: a
/// [`Sealer`] only encrypts and an [`Opener`] only decrypts.
pub struct Engine<D: Direction> {
    keystream: Keystream,
    shmac: Shmac,
    /// `k_0`, used once on the first block.
    primer: Zeroizing<Block>,
    /// The keystream block of the last call (kept for known-answer traces).
    last_key: Zeroizing<Block>,
    blocks: u64,
    direction: PhantomData<D>,
}

impl<D: Direction> core::fmt::Debug for Engine<D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct(D::NAME)
            .field("blocks", &self.blocks)
            .finish_non_exhaustive()
    }
}

impl<D: Direction> Engine<D> {
    /// Consumes the bundle: `D_0 = mac.digest(168)`, `k_0` = first keystream output.
    #[must_use]
    pub fn new(bundle: KeyAadBundle) -> Self {
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
        let shmac = Shmac {
            mac,
            current: d0,
            previous: d0,
        };
        d0.zeroize();
        Self {
            keystream,
            shmac,
            primer,
            last_key: Zeroizing::new([0u8; BLOCKSIZE]),
            blocks: 0,
            direction: PhantomData,
        }
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

    /// `SIV = header ‖ D_0[0..148]`, then `k_1 = next(SIV)`.
    fn synthetic_iv_key(&mut self, inner_header: &[u8; INNER_HEADER_BYTES]) {
        let mut siv = [0u8; SHAKE_128_BLOCKSIZE];
        siv[..INNER_HEADER_BYTES].copy_from_slice(inner_header);
        siv[INNER_HEADER_BYTES..]
            .copy_from_slice(&self.shmac.current[..SHAKE_128_BLOCKSIZE - INNER_HEADER_BYTES]);
        self.keystream.next(&siv, &mut self.last_key);
        siv.zeroize();
    }

    /// XORs the SIV-keyed middle of the first block's keystream.
    fn xor_first_middle(&self, block: &mut Block) {
        let middle = &self.last_key[HALF_HEADER..BLOCKSIZE - HALF_HEADER];
        xor_in_place(&mut block[INNER_HEADER_BYTES..], middle);
    }

    /// `k_j = next(D_{j-1})` for every block after the first.
    fn next_key(&mut self) {
        self.keystream.next(&self.shmac.current, &mut self.last_key);
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

impl Engine<Seal> {
    /// Encrypts one block in place.
    pub fn seal_block(&mut self, block: &mut Block) {
        if self.blocks == 0 {
            let header: [u8; INNER_HEADER_BYTES] = fixed(&block[..INNER_HEADER_BYTES]);
            xor_in_place(block, &self.primer[..]);
            self.synthetic_iv_key(&header);
            self.xor_first_middle(block);
        } else {
            // C_j = P_j ⊕ k_j; then MAC C_j ("xor then hash").
            self.next_key();
            xor_in_place(block, &self.last_key[..]);
        }
        self.shmac.update(block);
        self.blocks += 1;
    }

    /// The block id of the block just sealed (it uses `D_{j-1}`).
    ///
    /// # Errors
    /// [`Error::InvalidBlockIdSize`] outside 16..=32.
    pub fn block_id(
        &self,
        ciphertext: &Block,
        aad: &[u8],
        size: usize,
    ) -> Result<[u8; MAX_BLOCK_ID_BYTES]> {
        block_id(&self.shmac.previous, aad, ciphertext, size)
    }
}

impl Engine<Open> {
    /// Decrypts one block in place; the ciphertext is MACed before any
    /// plaintext is revealed.
    pub fn open_block(&mut self, block: &mut Block) {
        if self.blocks == 0 {
            let ciphertext = *block;
            xor_in_place(block, &self.primer[..]);
            let header: [u8; INNER_HEADER_BYTES] = fixed(&block[..INNER_HEADER_BYTES]);
            self.synthetic_iv_key(&header);
            self.shmac.update(&ciphertext);
            self.xor_first_middle(block);
        } else {
            self.next_key();
            self.shmac.update(block);
            xor_in_place(block, &self.last_key[..]);
        }
        self.blocks += 1;
    }

    /// The block id of the block about to be opened (it uses `D_{j-1}`).
    ///
    /// # Errors
    /// [`Error::InvalidBlockIdSize`] outside 16..=32.
    pub fn block_id(
        &self,
        ciphertext: &Block,
        aad: &[u8],
        size: usize,
    ) -> Result<[u8; MAX_BLOCK_ID_BYTES]> {
        block_id(&self.shmac.current, aad, ciphertext, size)
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

//! The block cipher core (spec §4, §6, §7): keystream ratchet, synthetic IV
//! on the first block, StreamHMAC and block ids. Sans-IO: it transforms
//! 256-byte blocks in place and knows nothing of framing.

use crate::block::{Block, fixed, split_even_odd, xor_in_place};
use crate::constants::*;
use crate::error::{Error, Result};
use crate::kdf::{KeyAadBundle, block_id_state};
use crate::lanes::{PipelinePlan, block_ids_pay, pairs_pay};
use aiootp_keccak::{Shake128, Shake128x4, absorb_then_digests, absorb_with_digests};
use core::marker::PhantomData;
use zeroize::{Zeroize, Zeroizing};

/// The keystream ratchet over the seed, left and right KDFs (`bytes_keys`).
struct Keystream {
    seed: Shake128,
    left: Shake128,
    right: Shake128,
    /// The last ratchet key `R_i` (336 bytes).
    ratchet: Zeroizing<[u8; SEED_KDF_DOUBLE_BLOCKSIZE]>,
    /// Its even and odd bytes: overwritten every block, wiped with the
    /// engine (not per block: they are no more secret than the ratchet
    /// key the engine holds anyway).
    halves: Zeroizing<[[u8; SHAKE_128_BLOCKSIZE]; 2]>,
    /// Whether left and right run side by side ([`pairs_pay`]), decided
    /// once per message rather than per block.
    pairs: bool,
}

impl Keystream {
    /// `R = seed.digest(336)`; left/right absorb its even/odd bytes;
    /// `k = left.digest(128) ‖ right.digest(128)`.
    fn squeeze(&mut self, out: &mut Block) {
        self.seed.digest_into(&mut self.ratchet[..]);
        let [even, odd] = &mut *self.halves;
        split_even_odd(&self.ratchet[..], even, odd);
        let (even, odd) = (&*even, &*odd);
        let (l, r) = out.split_at_mut(BLOCKSIZE / 2);
        if self.pairs {
            // Left and right are independent: one four-lane call each for
            // their absorb and their digest.
            absorb_with_digests(
                &mut [&mut self.left, &mut self.right],
                &[even, odd],
                SHAKE_128_BLOCKSIZE,
                &mut [l, r],
                BLOCKSIZE / 2,
            );
        } else {
            self.left.update(even);
            self.right.update(odd);
            self.left.digest_into(l);
            self.right.digest_into(r);
        }
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
            halves: Zeroizing::new([[0u8; SHAKE_128_BLOCKSIZE]; 2]),
            pairs: pairs_pay(),
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

    /// `D_{j-1}` of the block just sealed: what its block id is keyed by.
    pub(crate) fn previous_digest(&self) -> &[u8; SHAKE_128_BLOCKSIZE] {
        &self.shmac.previous
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

/// Blocks per round of [`Engine::open_blocks`]: its buffers hold
/// 168 + 336 + 2·168 + 256 bytes of key material per block (about 35 KiB).
const PIPELINE_BLOCKS: usize = 32;

impl Engine<Open> {
    /// Decrypts every block of `body` (a multiple of 256 bytes) in place,
    /// exactly as [`Self::open_block`] on each in turn would.
    ///
    /// Decryption knows the ciphertext in advance, so the work is
    /// software-pipelined across blocks in rounds of 32: the StreamHMAC
    /// over every ciphertext block first (its digests `D_j` in the idle
    /// lanes of the MAC's own calls), then the seed over the digests (its
    /// 336-byte ratchet keys in idle lanes), then left and right side by
    /// side; a chain of about 3.5 four-lane Keccak calls per block instead
    /// of 9.5 permutations. Property test `pipelined_open_is_block_by_block`.
    pub fn open_blocks(&mut self, body: &mut [u8]) {
        let _ = self.open_blocks_checked(body, &mut |blocks, _| blocks.len() / BLOCKSIZE);
    }

    /// [`Self::open_blocks`] with a check before any block is opened: for
    /// each run of ciphertext blocks (a prefix of what is left of `body`),
    /// `accept(ciphertexts, digests)` gets the blocks and, for each, the
    /// StreamHMAC digest `D_{j-1}` before it (168 bytes a block: what its
    /// block id is keyed by), and returns how many of them, from the first,
    /// may be opened. The first refused block stops the opening: it and
    /// everything after it stay ciphertext, and the engine is as if only
    /// the accepted blocks had been given. Returns how many were opened.
    ///
    /// The streams check their packets' block ids this way, so the ids of
    /// a whole buffer are computed in lanes (property test
    /// `checked_open_stops_at_the_first_refused_block`).
    pub fn open_blocks_checked(
        &mut self,
        body: &mut [u8],
        accept: &mut dyn FnMut(&[u8], &[u8]) -> usize,
    ) -> usize {
        let whole = body.len() - body.len() % BLOCKSIZE;
        let mut body = &mut body[..whole];
        let mut opened = 0;
        let mut plan = PipelinePlan::current();
        let after_first = (whole / BLOCKSIZE).saturating_sub(usize::from(self.blocks == 0));
        if after_first < plan.min_blocks() {
            plan = PipelinePlan::BLOCK_BY_BLOCK;
        }
        if !plan.pays() || self.blocks == 0 {
            // The first block (its synthetic IV), or every block where no
            // phase of the pipeline pays: one by one.
            let one_by_one = if plan.pays() { BLOCKSIZE } else { whole };
            let (head, rest) = body.split_at_mut(one_by_one.min(whole));
            for block in head.chunks_exact_mut(BLOCKSIZE) {
                if accept(block, &self.shmac.current[..]) == 0 {
                    return opened;
                }
                self.open_block(crate::block::as_block(block));
                opened += 1;
            }
            body = rest;
        }
        // Buffers for one round, no larger than the message needs.
        let most = PIPELINE_BLOCKS.min(body.len() / BLOCKSIZE);
        if most == 0 {
            return opened;
        }
        let mut digests = Zeroizing::new(vec![0u8; (most + 1) * SHAKE_128_BLOCKSIZE]);
        let mut ratchets = Zeroizing::new(vec![0u8; most * SEED_KDF_DOUBLE_BLOCKSIZE]);
        let mut even = Zeroizing::new(vec![0u8; most * SHAKE_128_BLOCKSIZE]);
        let mut odd = Zeroizing::new(vec![0u8; most * SHAKE_128_BLOCKSIZE]);
        let mut keys = Zeroizing::new(vec![0u8; most * BLOCKSIZE]);
        for round in body.chunks_mut(most * BLOCKSIZE) {
            let n = round.len() / BLOCKSIZE;
            // D_{j-1} first, then the MAC over this round's ciphertext.
            // The MAC runs on a copy until the round is accepted.
            digests[..SHAKE_128_BLOCKSIZE].copy_from_slice(&self.shmac.current);
            let mut mac = self.shmac.mac.clone();
            chains(
                plan.mac,
                &mut [&mut mac],
                &[round],
                BLOCKSIZE,
                &mut [&mut digests[SHAKE_128_BLOCKSIZE..(n + 1) * SHAKE_128_BLOCKSIZE]],
                SHAKE_128_BLOCKSIZE,
            );
            let accepted = accept(round, &digests[..n * SHAKE_128_BLOCKSIZE]).min(n);
            if accepted < n {
                // Rare (a forged packet): open the accepted prefix afresh.
                let (good, _) = round.split_at_mut(accepted * BLOCKSIZE);
                return opened + self.open_blocks_checked(good, &mut |b, _| b.len() / BLOCKSIZE);
            }
            self.shmac.mac = mac;
            // R_j = seed.update(D_{j-1}).digest(336).
            let ratchets = &mut ratchets[..n * SEED_KDF_DOUBLE_BLOCKSIZE];
            chains(
                plan.seed,
                &mut [&mut self.keystream.seed],
                &[&digests[..n * SHAKE_128_BLOCKSIZE]],
                SHAKE_128_BLOCKSIZE,
                &mut [ratchets],
                SEED_KDF_DOUBLE_BLOCKSIZE,
            );
            let (even, odd) = (
                &mut even[..n * SHAKE_128_BLOCKSIZE],
                &mut odd[..n * SHAKE_128_BLOCKSIZE],
            );
            split_even_odd(ratchets, even, odd);
            // k_j = left.update(even).digest(128) ‖ right.update(odd).digest(128).
            let keys = &mut keys[..n * BLOCKSIZE];
            let (left_keys, right_keys) = keys.split_at_mut(n * BLOCKSIZE / 2);
            chains(
                plan.left_right,
                &mut [&mut self.keystream.left, &mut self.keystream.right],
                &[even, odd],
                SHAKE_128_BLOCKSIZE,
                &mut [left_keys, right_keys],
                BLOCKSIZE / 2,
            );
            let half = BLOCKSIZE / 2;
            for (i, block) in round.chunks_exact_mut(BLOCKSIZE).enumerate() {
                let (l, r) = block.split_at_mut(half);
                xor_in_place(l, &left_keys[i * half..(i + 1) * half]);
                xor_in_place(r, &right_keys[i * half..(i + 1) * half]);
            }
            // The engine's state is that after block-by-block opening.
            let last = n * SHAKE_128_BLOCKSIZE;
            self.shmac
                .previous
                .copy_from_slice(&digests[last - SHAKE_128_BLOCKSIZE..last]);
            self.shmac
                .current
                .copy_from_slice(&digests[last..last + SHAKE_128_BLOCKSIZE]);
            self.keystream
                .ratchet
                .copy_from_slice(&ratchets[(n - 1) * SEED_KDF_DOUBLE_BLOCKSIZE..]);
            self.last_key[..half].copy_from_slice(&left_keys[(n - 1) * half..]);
            self.last_key[half..].copy_from_slice(&right_keys[(n - 1) * half..]);
            self.blocks += n as u64;
            opened += n;
        }
        opened
    }

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

/// [`absorb_with_digests`] in lanes where `lanes`, else the same loop
/// one permutation at a time.
fn chains(
    lanes: bool,
    sponges: &mut [&mut Shake128],
    inputs: &[&[u8]],
    msg_len: usize,
    outputs: &mut [&mut [u8]],
    digest_len: usize,
) {
    if lanes {
        absorb_with_digests(sponges, inputs, msg_len, outputs, digest_len);
    } else {
        absorb_then_digests(sponges, inputs, msg_len, outputs, digest_len);
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

/// The `size`-byte block ids of equal blocks of 256 bytes, block `j` under
/// the 168-byte digest at `digests[168 j..]`, into `out[size j..]`: what
/// [`block_id`] gives for each, four at a time in lanes where a vector
/// backend exists (the ids are independent of each other).
///
/// # Errors
/// [`Error::InvalidBlockIdSize`] outside 16..=32.
pub(crate) fn block_ids_into(
    digests: &[u8],
    aad: &[u8],
    blocks: &[u8],
    size: usize,
    out: &mut [u8],
) -> Result<()> {
    if !(MIN_BLOCK_ID_BYTES..=MAX_BLOCK_ID_BYTES).contains(&size) {
        return Err(Error::InvalidBlockIdSize { size });
    }
    let n = blocks.len() / BLOCKSIZE;
    let digest =
        |j: usize| -> &[u8] { &digests[j * SHAKE_128_BLOCKSIZE..(j + 1) * SHAKE_128_BLOCKSIZE] };
    let block = |j: usize| -> &[u8] { &blocks[j * BLOCKSIZE..(j + 1) * BLOCKSIZE] };
    let base = block_id_state();
    let lanes = if block_ids_pay(n) {
        Shake128x4::from_lanes([base; 4])
    } else {
        None
    };
    let Some(lanes) = lanes else {
        for (j, o) in out[..n * size].chunks_exact_mut(size).enumerate() {
            let mut d = [0u8; SHAKE_128_BLOCKSIZE];
            d.copy_from_slice(digest(j));
            o.copy_from_slice(&block_id(&d, aad, block(j), size)?[..size]);
            d.zeroize();
        }
        return Ok(());
    };
    // Everything between the digest and the block is the same for all.
    let mut middle = Vec::with_capacity(17 + aad.len());
    middle.push(u8::try_from(size).unwrap_or(u8::MAX));
    middle.extend_from_slice(&(aad.len() as u64).to_be_bytes());
    middle.extend_from_slice(aad);
    middle.extend_from_slice(&(BLOCKSIZE as u64).to_be_bytes());
    for (g, group) in out[..n * size].chunks_mut(4 * size).enumerate() {
        let used = group.len() / size;
        let at = |k: usize| (k < used).then_some(g * 4 + k);
        let mut x = lanes.clone();
        x.update(core::array::from_fn(|k| at(k).map(digest)));
        x.update(core::array::from_fn(|k| at(k).map(|_| &middle[..])));
        x.update(core::array::from_fn(|k| at(k).map(block)));
        let mut outs = group.chunks_exact_mut(size);
        x.digest_into(core::array::from_fn(|_| outs.next()));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)] // test bytes from `i % 256`
mod tests {
    use super::*;
    use crate::kdf::KeySchedule;
    use proptest::prelude::*;

    /// Costs that choose every plan of the pipeline and the block ids:
    /// all in lanes, some phases, none.
    const RATIOS: [f64; 5] = [0.63, 1.5, 2.27, 2.9, 5.0];

    fn with_ratio<R>(ratio: f64, f: impl FnOnce() -> R) -> R {
        aiootp_keccak::Kernels::current()
            .with_costs(aiootp_keccak::Costs::new(ratio, 1))
            .scope(f)
    }

    fn opener(key: &[u8], aad: &[u8]) -> Opener {
        let keys = KeySchedule::new(key).unwrap();
        Opener::new(KeyAadBundle::new(&keys, [3; SALT_BYTES], aad, [9; IV_BYTES]).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn pipelined_open_is_block_by_block(
            key in proptest::collection::vec(any::<u8>(), 64..300),
            aad in proptest::collection::vec(any::<u8>(), 0..300),
            blocks in 0usize..80,
            split in 0usize..80,
            seed in any::<u8>(),
            ratio in proptest::sample::select(RATIOS.to_vec()),
        ) {
            let body: Vec<u8> = (0..blocks * BLOCKSIZE).map(|i| ((i * 7 + i / 256) % 256) as u8 ^ seed).collect();
            let mut one = opener(&key, &aad);
            let mut want = body.clone();
            for b in want.chunks_exact_mut(BLOCKSIZE) {
                one.open_block(crate::block::as_block(b));
            }
            let mut piped = opener(&key, &aad);
            let mut got = body.clone();
            let cut = split.min(blocks) * BLOCKSIZE;
            let (a, b) = got.split_at_mut(cut);
            with_ratio(ratio, || {
                piped.open_blocks(a);
                piped.open_blocks(b);
            });
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(piped.blocks(), one.blocks());
            prop_assert_eq!(piped.shmac_digest(), one.shmac_digest());
            prop_assert_eq!(piped.ratchet_key(), one.ratchet_key());
            prop_assert_eq!(piped.last_keystream(), one.last_keystream());
            prop_assert_eq!(piped.shmac.previous, one.shmac.previous);
            prop_assert_eq!(piped.finalize(), one.finalize());
        }

        #[test]
        fn checked_open_stops_at_the_first_refused_block(
            key in proptest::collection::vec(any::<u8>(), 64..200),
            blocks in 1usize..90,
            refuse in 0usize..100,
            seed in any::<u8>(),
            ratio in proptest::sample::select(RATIOS.to_vec()),
        ) {
            let body: Vec<u8> = (0..blocks * BLOCKSIZE).map(|i| ((i * 13 + i / 256) % 256) as u8 ^ seed).collect();
            // Block by block: the digest D_{j-1} each block is checked under.
            let mut one = opener(&key, b"aad");
            let mut want = body.clone();
            let mut want_digests = Vec::new();
            for b in want.chunks_exact_mut(BLOCKSIZE).take(refuse) {
                want_digests.extend_from_slice(one.shmac_digest());
                one.open_block(crate::block::as_block(b));
            }
            let stop = refuse.min(blocks);
            let mut checked = opener(&key, b"aad");
            let mut got = body.clone();
            let mut seen = 0;
            let mut seen_digests = Vec::new();
            let opened = with_ratio(ratio, || checked.open_blocks_checked(&mut got, &mut |b, d| {
                let k = b.len() / BLOCKSIZE;
                assert_eq!(d.len(), k * SHAKE_128_BLOCKSIZE);
                assert_eq!(b, &body[seen * BLOCKSIZE..(seen + k) * BLOCKSIZE]);
                let good = k.min(stop - seen);
                seen_digests.extend_from_slice(&d[..good * SHAKE_128_BLOCKSIZE]);
                seen += good;
                good
            }));
            prop_assert_eq!(opened, stop);
            prop_assert_eq!(&seen_digests, &want_digests);
            prop_assert_eq!(&got[..stop * BLOCKSIZE], &want[..stop * BLOCKSIZE]);
            prop_assert_eq!(&got[stop * BLOCKSIZE..], &body[stop * BLOCKSIZE..]);
            prop_assert_eq!(checked.blocks(), one.blocks());
            prop_assert_eq!(checked.shmac_digest(), one.shmac_digest());
            prop_assert_eq!(checked.shmac.previous, one.shmac.previous);
            prop_assert_eq!(checked.finalize(), one.finalize());
        }

        #[test]
        fn block_ids_in_lanes_are_block_ids(
            blocks in 0usize..11,
            aad in proptest::collection::vec(any::<u8>(), 0..400),
            size in 16usize..=32,
            seed in any::<u8>(),
            ratio in proptest::sample::select(RATIOS.to_vec()),
        ) {
            let digests: Vec<u8> = (0..blocks * SHAKE_128_BLOCKSIZE).map(|i| (i * 31 % 251) as u8 ^ seed).collect();
            let body: Vec<u8> = (0..blocks * BLOCKSIZE).map(|i| (i * 7 % 253) as u8 ^ seed).collect();
            let mut got = vec![0u8; blocks * size];
            with_ratio(ratio, || block_ids_into(&digests, &aad, &body, size, &mut got)).unwrap();
            for j in 0..blocks {
                let d: [u8; SHAKE_128_BLOCKSIZE] = fixed(&digests[j * SHAKE_128_BLOCKSIZE..(j + 1) * SHAKE_128_BLOCKSIZE]);
                let want = block_id(&d, &aad, &body[j * BLOCKSIZE..(j + 1) * BLOCKSIZE], size).unwrap();
                prop_assert_eq!(&got[j * size..(j + 1) * size], &want[..size]);
            }
        }
    }
}

//! Key schedule: the four SHAKE-128 states of a message (spec §3).
//!
//! Every state starts from a 168-byte domain salt and the encoded key, both
//! block aligned, so [`KeySchedule`] absorbs them once per key and each
//! message clones the four states (no key-dependent permutation is repeated).

use crate::constants::*;
use crate::error::{Error, Result};
use aiootp_core::encode_constant;
use aiootp_core::{PackParams, canonical_pack_into};
use aiootp_keccak::{Shake128, Shake128x4};
use std::sync::OnceLock;

/// The process-wide salted states: seed, left, right, mac, block id.
struct SaltedStates {
    seed: Shake128,
    left: Shake128,
    right: Shake128,
    mac: Shake128,
    block_id: Shake128,
}

fn salted() -> &'static SaltedStates {
    static STATES: OnceLock<SaltedStates> = OnceLock::new();
    STATES.get_or_init(|| {
        let absorb = |source: &[u8]| {
            let mut x = Shake128::default();
            x.update(&encode_constant(source, SHAKE_128_BLOCKSIZE));
            x
        };
        SaltedStates {
            seed: absorb(SEED_KDF_SALT_SOURCE),
            left: absorb(LEFT_KDF_SALT_SOURCE),
            right: absorb(RIGHT_KDF_SALT_SOURCE),
            mac: absorb(SHMAC_MAC_SALT_SOURCE),
            block_id: absorb(BLOCK_ID_MAC_SALT_SOURCE),
        }
    })
}

/// The block-id MAC state with its salt absorbed.
pub(crate) fn block_id_state() -> &'static Shake128 {
    &salted().block_id
}

/// The 168-byte domain salts, as the reference computes them
/// (`SEED_KDF_SALT`, `LEFT_KDF_SALT`, `RIGHT_KDF_SALT`, `SHMAC_MAC_SALT`,
/// `BLOCK_ID_MAC_SALT`), for known-answer checks.
#[must_use]
pub fn domain_salts() -> [Vec<u8>; 5] {
    [
        SEED_KDF_SALT_SOURCE,
        LEFT_KDF_SALT_SOURCE,
        RIGHT_KDF_SALT_SOURCE,
        SHMAC_MAC_SALT_SOURCE,
        BLOCK_ID_MAC_SALT_SOURCE,
    ]
    .map(|s| encode_constant(s, SHAKE_128_BLOCKSIZE))
}

/// The four states after absorbing salt and encoded key: everything that
/// depends on the key alone. Cloned (never re-derived) for each message.
#[derive(Clone)]
pub(crate) struct KeySchedule {
    seed: Shake128,
    left: Shake128,
    right: Shake128,
    mac: Shake128,
}

impl core::fmt::Debug for KeySchedule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KeySchedule { .. }")
    }
}

impl KeySchedule {
    /// Validates and absorbs `key` (at least 64 bytes).
    pub(crate) fn new(key: &[u8]) -> Result<Self> {
        if key.is_empty() {
            return Err(Error::EmptyKey);
        }
        if key.len() < MIN_KEY_BYTES {
            return Err(Error::KeyTooShort { len: key.len() });
        }
        let s = salted();
        // encode_key(key, 168, pad), streamed into the state without a copy of the key.
        let keyed = |base: &Shake128, pad: u8| {
            let mut x = base.clone();
            x.update(key);
            x.update(&(key.len() as u64).to_le_bytes());
            x.update(&(SHAKE_128_BLOCKSIZE as u64).to_le_bytes());
            absorb_padding(&mut x, key.len() + 16, pad, true);
            x
        };
        // The four states are independent: one four-lane pass where that
        // pays (the output is the same).
        let len = (key.len() as u64).to_le_bytes();
        let rate = (SHAKE_128_BLOCKSIZE as u64).to_le_bytes();
        if let Some([seed, left, right, mac]) = four_states(
            [&s.seed, &s.left, &s.right, &s.mac],
            &[key, &len, &rate],
            padding_len(key.len() + 16, true),
        ) {
            return Ok(Self {
                seed,
                left,
                right,
                mac,
            });
        }
        Ok(Self {
            seed: keyed(&s.seed, SEED_PAD),
            left: keyed(&s.left, LEFT_PAD),
            right: keyed(&s.right, RIGHT_PAD),
            mac: keyed(&s.mac, SHMAC_PAD),
        })
    }
}

/// The seed, left, right and mac states `bases` after absorbing `data`
/// (the same for all) and then `fill` bytes of each one's own pad byte, as
/// the lanes of one four-lane pass; `None` where lanes do not pay (the
/// caller then absorbs each state on its own, to the same result).
fn four_states(bases: [&Shake128; 4], data: &[&[u8]], fill: usize) -> Option<[Shake128; 4]> {
    if !crate::lanes::key_setup_pays() {
        return None;
    }
    let mut x = Shake128x4::from_lanes(bases)?;
    for d in data {
        x.update([Some(*d); 4]);
    }
    let pads = PADS.map(|p| [p; SHAKE_128_BLOCKSIZE + 1]);
    x.update(core::array::from_fn(|j| Some(&pads[j][..fill])));
    let mut out: [Shake128; 4] = core::array::from_fn(|_| Shake128::new());
    let [a, b, c, d] = &mut out;
    x.write_lanes([a, b, c, d]);
    Some(out)
}

/// The pad bytes of the seed, left, right and mac states, in lane order.
const PADS: [u8; 4] = [SEED_PAD, LEFT_PAD, RIGHT_PAD, SHMAC_PAD];

/// How many pad bytes bring `len` absorbed bytes to a multiple of 168:
/// `encode_key` always appends one first (`always_one`); `fullblock_ljust`
/// adds none to an exact multiple.
fn padding_len(len: usize, always_one: bool) -> usize {
    let len = len + usize::from(always_one);
    (SHAKE_128_BLOCKSIZE - len % SHAKE_128_BLOCKSIZE) % SHAKE_128_BLOCKSIZE
        + usize::from(always_one)
}

impl KeySchedule {
    /// The four states of up to four messages at once, lane `j` for
    /// `summaries[j]` (the [`summary`] of its salt, aad and iv): lane for
    /// lane what [`KeyAadBundle::new`] absorbs. The summaries must have
    /// one length; `None` when the lanes cannot be set up that way.
    pub(crate) fn bundles_x4(&self, summaries: [Option<&[u8]>; 4]) -> Option<BundleX4> {
        let len = summaries.iter().flatten().next()?.len();
        if summaries.iter().flatten().any(|s| s.len() != len) {
            return None;
        }
        let absorb = |base: &Shake128, pad: u8, extra: &[u8]| {
            let mut x = Shake128x4::from_lanes([base; 4])?;
            x.update(summaries);
            let fill = padding_len(len, false);
            let pads = [pad; SHAKE_128_BLOCKSIZE];
            x.update(summaries.map(|s| s.map(|_| &pads[..fill])));
            x.update(summaries.map(|s| s.map(|_| extra)));
            Some(x)
        };
        Some(BundleX4 {
            seed: absorb(&self.seed, SEED_PAD, &SEED_KDF_OFFSET)?,
            left: absorb(&self.left, LEFT_PAD, b"")?,
            right: absorb(&self.right, RIGHT_PAD, b"")?,
            mac: absorb(&self.mac, SHMAC_PAD, b"")?,
        })
    }
}

/// The four states of four messages in lockstep (a [`KeyAadBundle`] per
/// lane).
pub(crate) struct BundleX4 {
    pub(crate) seed: Shake128x4,
    pub(crate) left: Shake128x4,
    pub(crate) right: Shake128x4,
    pub(crate) mac: Shake128x4,
}

/// `canonical_pack(salt, aad, iv, METADATA, pad=b"", int_bytes=4)`.
///
/// # Errors
/// [`Error::AadTooLong`] when `aad` cannot be framed in 4 length bytes.
pub fn summary(salt: &[u8; SALT_BYTES], aad: &[u8], iv: &[u8; IV_BYTES]) -> Result<Vec<u8>> {
    if u32::try_from(aad.len()).is_err() {
        return Err(Error::AadTooLong { len: aad.len() });
    }
    let mut out = Vec::with_capacity(104 + aad.len());
    let p = PackParams {
        blocksize: 1,
        pad: b"",
        int_bytes: 4,
    };
    canonical_pack_into(&mut out, [&salt[..], aad, &iv[..], &METADATA], p);
    Ok(out)
}

/// Absorbs the padding that brings `len` absorbed bytes to a multiple of
/// 168: `encode_key` always appends one pad byte first (`always_one`);
/// `fullblock_ljust` adds none to an exact multiple.
fn absorb_padding(x: &mut Shake128, len: usize, pad: u8, always_one: bool) {
    let pads = [pad; SHAKE_128_BLOCKSIZE + 1];
    x.update(&pads[..padding_len(len, always_one)]);
}

/// The one-use key material of a single message: the four states with the
/// message's summary absorbed, plus its salt and iv.
///
/// It is not `Clone`: a bundle is consumed by the one encryption or
/// decryption it was made for, so a salt/iv pair cannot be reused by
/// accident through the same bundle.
pub struct KeyAadBundle {
    pub(crate) seed: Shake128,
    pub(crate) left: Shake128,
    pub(crate) right: Shake128,
    pub(crate) mac: Shake128,
    salt: [u8; SALT_BYTES],
    iv: [u8; IV_BYTES],
}

impl core::fmt::Debug for KeyAadBundle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyAadBundle")
            .field("salt", &self.salt)
            .field("iv", &self.iv)
            .finish_non_exhaustive()
    }
}

impl KeyAadBundle {
    /// Absorbs the summary of `(salt, aad, iv)` into clones of the key's states.
    pub(crate) fn new(
        keys: &KeySchedule,
        salt: [u8; SALT_BYTES],
        aad: &[u8],
        iv: [u8; IV_BYTES],
    ) -> Result<Self> {
        let summary = summary(&salt, aad, &iv)?;
        // fullblock_ljust(summary, 168, pad), then the seed KDF's offset.
        let absorb = |base: &Shake128, pad: u8, extra: &[u8]| {
            let mut x = base.clone();
            x.update(&summary);
            absorb_padding(&mut x, summary.len(), pad, false);
            x.update(extra);
            x
        };
        if let Some([mut seed, left, right, mac]) = four_states(
            [&keys.seed, &keys.left, &keys.right, &keys.mac],
            &[&summary],
            padding_len(summary.len(), false),
        ) {
            seed.update(&SEED_KDF_OFFSET);
            return Ok(Self {
                seed,
                left,
                right,
                mac,
                salt,
                iv,
            });
        }
        Ok(Self {
            seed: absorb(&keys.seed, SEED_PAD, &SEED_KDF_OFFSET),
            left: absorb(&keys.left, LEFT_PAD, b""),
            right: absorb(&keys.right, RIGHT_PAD, b""),
            mac: absorb(&keys.mac, SHMAC_PAD, b""),
            salt,
            iv,
        })
    }

    /// The message's salt.
    #[must_use]
    pub fn salt(&self) -> &[u8; SALT_BYTES] {
        &self.salt
    }

    /// The message's iv.
    #[must_use]
    pub fn iv(&self) -> &[u8; IV_BYTES] {
        &self.iv
    }
}

//! One Passcrypt core (spec keygens §3.2 `CORE`): the parameter hash, the
//! cache fill, the index/reflection pass, the final passes and the tag.
//! Strictly sequential: every step reads the sponge the last one wrote.

use crate::error::{Error, Result};
use crate::params::{Geometry, PASSCRYPT_PAD};
use aiootp_core::{Domains, encode_constant};
use aiootp_core::{Hasher, hash_bytes_with};
use aiootp_keccak::Shake128;
use core::ops::Range;
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// The largest chunk of the initial fill: 512 MiB − 1.
pub const MAX_FILL_CHUNK: usize = 536_870_911;
const BLOCK: usize = 168;
const PAIR: usize = 2 * BLOCK;

/// `KDF_SALT = encode_constant(b"passcrypt_kdf_salt", 168)`, absorbed.
fn salted() -> &'static Shake128 {
    static H: OnceLock<Shake128> = OnceLock::new();
    H.get_or_init(|| {
        let mut h = Shake128::new();
        h.update(&encode_constant(b"passcrypt_kdf_salt", BLOCK));
        h
    })
}

/// What one core was given. `Debug` shows the sizes and settings only:
/// the passphrase and the core aad (which holds the pepper) are redacted.
#[derive(Clone, Copy)]
pub struct CoreInput<'a> {
    /// The passphrase.
    pub passphrase: &'a [u8],
    /// The salt.
    pub salt: &'a [u8],
    /// `canonical_pack(pepper, aad, u64be(core), u64be(mb))`.
    pub core_aad: &'a [u8],
    /// MiB for this core.
    pub core_mb: u64,
    /// The `cpu` setting.
    pub cpu: u64,
    /// The total number of cores.
    pub cores: u64,
    /// Output bytes.
    pub tag_size: usize,
}

impl core::fmt::Debug for CoreInput<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CoreInput")
            .field(
                "passphrase",
                &format_args!("{} bytes, redacted", self.passphrase.len()),
            )
            .field("salt", &self.salt)
            .field(
                "core_aad",
                &format_args!("{} bytes, redacted", self.core_aad.len()),
            )
            .field("core_mb", &self.core_mb)
            .field("cpu", &self.cpu)
            .field("cores", &self.cores)
            .field("tag_size", &self.tag_size)
            .finish()
    }
}

/// Intermediate values, for known-answer diagnostics.
#[derive(Debug, Default, Clone)]
pub struct Trace {
    /// The 336-byte parameter hash.
    pub session_params: Vec<u8>,
    /// SHA3-256 of the cache after the fill.
    pub initial_cache_sha3_256: Vec<u8>,
    /// SHA3-256 of the cache after the index pass.
    pub after_main_pass_sha3_256: Vec<u8>,
    /// SHA3-256 of the final cache.
    pub final_cache_sha3_256: Vec<u8>,
}

/// The 336-byte session parameter hash.
///
/// # Errors
/// None in practice (a fixed SHAKE size).
pub fn session_params(input: &CoreInput<'_>) -> Result<Zeroizing<Vec<u8>>> {
    let key = Zeroizing::new([input.passphrase, input.salt, input.core_aad].concat());
    let out = hash_bytes_with(
        Hasher::Shake128,
        2 * BLOCK,
        &key,
        PASSCRYPT_PAD,
        &[
            &Domains::PASSCRYPT,
            input.salt,
            input.core_aad,
            &input.core_mb.to_be_bytes(),
            &input.cpu.to_be_bytes(),
            &input.cores.to_be_bytes(),
            &(input.tag_size as u64).to_be_bytes(),
        ],
    )?;
    Ok(Zeroizing::new(out))
}

fn allocate(bytes: usize) -> Result<Zeroizing<Vec<u8>>> {
    let mut v = Vec::new();
    v.try_reserve_exact(bytes)
        .map_err(|_| Error::OutOfMemory { bytes })?;
    v.resize(bytes, 0);
    Ok(Zeroizing::new(v))
}

/// Runs one core and returns its tag. `trace` collects diagnostics when given.
///
/// # Errors
/// [`Error::OutOfMemory`] when the cache cannot be allocated.
pub fn run(input: &CoreInput<'_>, mut trace: Option<&mut Trace>) -> Result<Zeroizing<Vec<u8>>> {
    let params = session_params(input)?;
    let mut h = salted().clone();
    h.update(&params);
    let g = Geometry::new(input.core_mb, input.cpu);
    let mut rams = [allocate(g.total)?];
    fill(&mut h, &mut rams, g.total);
    if let Some(t) = trace.as_deref_mut() {
        t.session_params = params.to_vec();
        t.initial_cache_sha3_256 = sha3_256(&rams[0]);
    }
    index_pass(&mut h, &mut rams, &g);
    if let Some(t) = trace.as_deref_mut() {
        t.after_main_pass_sha3_256 = sha3_256(&rams[0]);
    }
    final_passes(&mut h, &mut rams, input.cpu, g.total);
    if let Some(t) = trace {
        t.final_cache_sha3_256 = sha3_256(&rams[0]);
    }
    Ok(Zeroizing::new(h.digest(input.tag_size)))
}

/// Up to four cores of the same geometry in lockstep, as the lanes of one
/// four-state sponge ([`aiootp_keccak::Shake128x4`]): the addresses are the
/// same on every lane (they depend on the geometry only), so each step is
/// one call for all of them, through the same passes as [`run`]. Returns
/// each core's tag, in order; the same bytes [`run`] gives each (property
/// test `lockstep_cores_give_each_cores_tag`).
///
/// # Errors
/// [`Error::OutOfMemory`] when a cache cannot be allocated.
pub fn run_lockstep(inputs: &[CoreInput<'_>]) -> Result<Vec<Zeroizing<Vec<u8>>>> {
    let n = inputs.len();
    let Some(first) = inputs.first() else {
        return Ok(Vec::new());
    };
    if n > 4 {
        let mut tags = run_lockstep(&inputs[..4])?;
        tags.extend(run_lockstep(&inputs[4..])?);
        return Ok(tags);
    }
    let hs: Vec<Shake128> = inputs
        .iter()
        .map(|input| {
            let mut h = salted().clone();
            h.update(&session_params(input)?);
            Ok(h)
        })
        .collect::<Result<_>>()?;
    let lane = |j: usize| &hs[j.min(n - 1)];
    // Equal-length parameters leave every lane at the same position; were
    // they not, each core runs alone.
    let Some(mut h) = aiootp_keccak::Shake128x4::from_lanes([lane(0), lane(1), lane(2), lane(3)])
    else {
        return inputs.iter().map(|input| run(input, None)).collect();
    };
    drop(hs);
    let g = Geometry::new(first.core_mb, first.cpu);
    let mut rams: Vec<Zeroizing<Vec<u8>>> =
        (0..n).map(|_| allocate(g.total)).collect::<Result<_>>()?;
    fill(&mut h, &mut rams, g.total);
    index_pass(&mut h, &mut rams, &g);
    final_passes(&mut h, &mut rams, first.cpu, g.total);
    let mut tags: Vec<Zeroizing<Vec<u8>>> = (0..n)
        .map(|_| Zeroizing::new(vec![0u8; first.tag_size]))
        .collect();
    {
        let mut it = tags.iter_mut().map(|t| &mut t[..]);
        h.digest_into([it.next(), it.next(), it.next(), it.next()]);
    }
    Ok(tags)
}

/// The sponge of the cores a run computes: one core's [`Shake128`], or up
/// to four in the lanes of a [`aiootp_keccak::Shake128x4`]. Every pass is
/// written once over it; each reads and writes the same range of every
/// core's cache (`rams[j]` is lane `j`'s).
trait CoreSponge {
    /// Absorbs `range` of each cache.
    fn absorb(&mut self, rams: &[Zeroizing<Vec<u8>>], range: Range<usize>);
    /// Writes each lane's output over everything absorbed so far into
    /// `range` of its cache, leaving the sponge as it is.
    fn squeeze_into(&self, rams: &mut [Zeroizing<Vec<u8>>], range: Range<usize>);
}

/// One core: `rams` holds its one cache.
impl CoreSponge for Shake128 {
    fn absorb(&mut self, rams: &[Zeroizing<Vec<u8>>], range: Range<usize>) {
        if let [ram] = rams {
            self.update(&ram[range]);
        }
    }

    fn squeeze_into(&self, rams: &mut [Zeroizing<Vec<u8>>], range: Range<usize>) {
        if let [ram] = rams {
            self.digest_into(&mut ram[range]);
        }
    }
}

/// Up to four cores; the lanes past `rams.len()` are computed and dropped.
impl CoreSponge for aiootp_keccak::Shake128x4 {
    fn absorb(&mut self, rams: &[Zeroizing<Vec<u8>>], range: Range<usize>) {
        let mut it = rams.iter().map(|r| &r[range.clone()]);
        self.update([it.next(), it.next(), it.next(), it.next()]);
    }

    fn squeeze_into(&self, rams: &mut [Zeroizing<Vec<u8>>], range: Range<usize>) {
        let mut it = rams.iter_mut().map(|r| &mut r[range.clone()]);
        self.digest_into([it.next(), it.next(), it.next(), it.next()]);
    }
}

/// The initial cache: chained chunks of at most 512 MiB − 1, each the
/// prefix of the sponge's output, then its last 168 bytes absorbed.
fn fill<S: CoreSponge>(h: &mut S, rams: &mut [Zeroizing<Vec<u8>>], total: usize) {
    let mut pos = 0;
    while pos < total {
        let end = (pos + MAX_FILL_CHUNK).min(total);
        h.squeeze_into(rams, pos..end);
        h.absorb(rams, end - BLOCK..end);
        pos = end;
    }
}

/// The index/reflection pass over rows and their mirrors.
fn index_pass<S: CoreSponge>(h: &mut S, rams: &mut [Zeroizing<Vec<u8>>], g: &Geometry) {
    let rs = g.row_size;
    for col in 0..g.rounds {
        for r in 0..g.rows {
            let m = g.rows - 1 - r;
            h.absorb(rams, r * rs..(r + 1) * rs);
            let at = r * rs + PAIR * col;
            h.squeeze_into(rams, at..at + BLOCK);
            // The reference skips the mirror absorb for row 0: its slice
            // `ram[-row_size:0]` is empty. Required for compatibility.
            if r != 0 {
                h.absorb(rams, m * rs..(m + 1) * rs);
            }
            let at = m * rs + PAIR * col + BLOCK;
            h.squeeze_into(rams, at..at + BLOCK);
        }
    }
}

/// The `cpu + 2` final passes: half a block of output written at the
/// start of the cache, then the whole cache absorbed.
fn final_passes<S: CoreSponge>(h: &mut S, rams: &mut [Zeroizing<Vec<u8>>], cpu: u64, total: usize) {
    let passes = usize::try_from(cpu).unwrap_or(0) + 2;
    for it in 0..passes {
        h.squeeze_into(rams, BLOCK * it..BLOCK * it + BLOCK / 2);
        h.absorb(rams, 0..total);
    }
}

fn sha3_256(data: &[u8]) -> Vec<u8> {
    aiootp_core::sha3_256(data).to_vec()
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)] // test data: bytes from wider integers, truncated on purpose
mod lockstep_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]
        #[test]
        fn lockstep_cores_give_each_cores_tag(
            n in 1usize..6,
            cpu in 1u64..5,
            pass in proptest::collection::vec(any::<u8>(), 0..40),
            tag_size in 16usize..100,
        ) {
            let aads: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8; 20 + i]).collect();
            let inputs: Vec<CoreInput<'_>> = aads
                .iter()
                .map(|core_aad| CoreInput {
                    passphrase: &pass,
                    salt: b"0123456789abcdef",
                    core_aad,
                    core_mb: 1,
                    cpu,
                    cores: n as u64,
                    tag_size,
                })
                .collect();
            let together = run_lockstep(&inputs).unwrap();
            prop_assert_eq!(together.len(), n);
            for (input, tag) in inputs.iter().zip(&together) {
                prop_assert_eq!(&run(input, None).unwrap()[..], &tag[..]);
            }
        }
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn core_input_debug_hides_the_passphrase_and_pepper() {
        let input = CoreInput {
            passphrase: b"hunter2 hunter2",
            salt: b"saltsalt",
            core_aad: b"pepper:secret-pepper",
            core_mb: 1,
            cpu: 2,
            cores: 1,
            tag_size: 16,
        };
        let shown = format!("{input:?}");
        assert!(!shown.contains("104, 117"), "{shown}"); // "hu" as bytes
        assert!(shown.contains("15 bytes, redacted"), "{shown}");
        assert!(!shown.contains("112, 101, 112"), "{shown}"); // "pep"
    }
}

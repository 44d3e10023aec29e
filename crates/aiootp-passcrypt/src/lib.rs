//! **Passcrypt**, the memory-hard password hash of aiootp on SHAKE-128,
//! byte-compatible with the Python package aiootp 0.22.0: a hash made by
//! the reference verifies here and the reverse.
//!
//! ```
//! use aiootp_passcrypt::{AllowedRanges, Passcrypt, Settings};
//!
//! let pc = Passcrypt::default();                       // no pepper
//! let settings = Settings { mb: 1, cpu: 1, cores: 1, tag_size: 16 };
//! let hash = pc.hash_passphrase(b"correct horse battery", b"", settings, 8)?;
//! pc.verify(&hash, b"correct horse battery", b"", 0, &AllowedRanges::default())?;
//! assert!(pc.verify(&hash, b"wrong passphrase!!", b"", 0, &AllowedRanges::default()).is_err());
//! # Ok::<(), aiootp_passcrypt::Error>(())
//! ```
//!
//! `verify` refuses a hash that asks for more memory, passes or cores than
//! [`AllowedRanges`] allows before allocating anything, so a stored hash
//! cannot be used to exhaust the verifier.
#![forbid(unsafe_code)]

#[cfg(feature = "tokio")]
mod aio;
mod error;
mod instance;
mod mnemonic;
mod params;
#[cfg(feature = "phc")]
pub mod phc;
mod schema;
mod wordlist;

#[doc(hidden)]
pub mod internal {
    //! Hooks for the known-answer drivers. **Not a stable interface**:
    //! anything here may change in any release.

    pub use crate::instance::Trace;
    pub use crate::wordlist::WORD_LIST;
    use crate::{Passcrypt, Result, Settings};
    use zeroize::Zeroizing;

    /// One core's diagnostics and tag.
    pub type CoreTrace = (Trace, Zeroizing<Vec<u8>>);

    /// `canonical_pack(PEPPER, aad, u64be(core), u64be(mb))`.
    #[must_use]
    pub fn core_aad(pc: &Passcrypt, aad: &[u8], core: u64, mb: u64) -> Vec<u8> {
        pc.core_aad(aad, core, mb)
    }

    /// `Passcrypt::derive`, also returning each core's trace and tag.
    ///
    /// # Errors
    /// As `Passcrypt::derive`.
    pub fn derive_traced(
        pc: &Passcrypt,
        passphrase: &[u8],
        salt: &[u8],
        aad: &[u8],
        settings: Settings,
    ) -> Result<(Zeroizing<Vec<u8>>, Vec<CoreTrace>)> {
        pc.derive_traced(passphrase, salt, aad, settings, true)
    }
}

pub use error::{Error, Resource, Result};
pub use mnemonic::{mnemonic_from_key, mnemonic_salt, random_mnemonic};
pub use params::{
    AllowedRanges, Geometry, MAX_TAG_SIZE, MIN_PASSPHRASE_BYTES, PASSCRYPT_PAD, Settings,
};
pub use schema::{HEADER_BYTES, MIN_SCHEMA_BYTES, PasscryptHash};

use aiootp_core::{Clock, SecretBytes, SystemClock, bytes_are_equal};
use aiootp_core::{PackParams, canonical_pack};
use instance::{CoreInput, Trace};
use std::sync::Arc;
use zeroize::Zeroizing;

/// One core's diagnostics and tag, from [`internal::derive_traced`].
type CoreTrace = (Trace, Zeroizing<Vec<u8>>);

/// Passcrypt with its configuration: the pepper (the reference's mutable
/// class-level `Passcrypt.PEPPER`, here an explicit value) and the clock.
#[derive(Clone)]
pub struct Passcrypt {
    pepper: SecretBytes,
    clock: Arc<dyn Clock>,
}

impl core::fmt::Debug for Passcrypt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Passcrypt")
            .field("pepper", &self.pepper)
            .finish_non_exhaustive()
    }
}

impl Default for Passcrypt {
    fn default() -> Self {
        Self {
            pepper: SecretBytes::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

impl Passcrypt {
    /// Passcrypt with a pepper folded into every hash (`Passcrypt.PEPPER`).
    #[must_use]
    pub fn with_pepper(pepper: &[u8]) -> Self {
        Self {
            pepper: SecretBytes::from_slice(pepper),
            ..Self::default()
        }
    }

    /// The same configuration with another clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// `canonical_pack(PEPPER, aad, u64be(core), u64be(mb))`.
    #[must_use]
    pub(crate) fn core_aad(&self, aad: &[u8], core: u64, mb: u64) -> Vec<u8> {
        canonical_pack(
            [
                self.pepper.expose(),
                aad,
                &core.to_be_bytes(),
                &mb.to_be_bytes(),
            ],
            PackParams::DEFAULT,
        )
    }

    /// `Passcrypt.new(passphrase, salt, aad=aad, mb, cpu, cores, tag_size)`:
    /// the raw key derivation (`Settings::NEW_DEFAULTS` has the reference's
    /// defaults, tag 64). The `cores` instances run alone or up to four at
    /// a time in lockstep as the lanes of one sponge, on one thread or
    /// several: the plan the calling thread's
    /// [`Kernels`](aiootp_keccak::Kernels) costs make cheapest.
    ///
    /// # Errors
    /// The setting checks in the reference's order, or [`Error::OutOfMemory`].
    #[doc(alias = "new")]
    #[doc(alias = "anew")]
    pub fn derive(
        &self,
        passphrase: &[u8],
        salt: &[u8],
        aad: &[u8],
        settings: Settings,
    ) -> Result<SecretBytes> {
        self.derive_traced(passphrase, salt, aad, settings, false)
            .map(|(tag, _)| SecretBytes::new(core::mem::take(&mut *{ tag })))
    }

    /// [`Self::derive`], also returning each core's [`Trace`] and tag when `trace` is set.
    pub(crate) fn derive_traced(
        &self,
        passphrase: &[u8],
        salt: &[u8],
        aad: &[u8],
        settings: Settings,
        trace: bool,
    ) -> Result<(Zeroizing<Vec<u8>>, Vec<CoreTrace>)> {
        settings.check(passphrase, salt)?;
        let core_mb = settings.core_mb();
        let run_core = |core: u64| -> Result<CoreTrace> {
            let core_aad = self.core_aad(aad, core, settings.mb);
            let input = CoreInput {
                passphrase,
                salt,
                core_aad: &core_aad,
                core_mb,
                cpu: settings.cpu,
                cores: settings.cores,
                tag_size: settings.tag_size,
            };
            let mut t = Trace::default();
            let tag = instance::run(&input, trace.then_some(&mut t))?;
            Ok((t, tag))
        };
        // The cores run alone or up to four at a time in lockstep as the
        // lanes of one sponge, the groups on threads: whichever the
        // calling thread's costs say is fastest (`Costs::jobs`). Traces
        // run each core alone.
        let kernels = aiootp_keccak::Kernels::current();
        let plan = core_plan(kernels.costs(), settings.cores, trace);
        let run_group = |group: u64| -> Result<Vec<CoreTrace>> {
            kernels.scope(|| {
                let lanes = plan.lanes as u64;
                let first = lanes * group;
                let last = (first + lanes).min(settings.cores);
                if lanes == 1 {
                    return Ok(vec![run_core(first)?]);
                }
                // The core aads hold the pepper.
                let aads: Vec<Zeroizing<Vec<u8>>> = (first..last)
                    .map(|core| Zeroizing::new(self.core_aad(aad, core, settings.mb)))
                    .collect();
                let inputs: Vec<CoreInput<'_>> = aads
                    .iter()
                    .map(|core_aad| CoreInput {
                        passphrase,
                        salt,
                        core_aad,
                        core_mb,
                        cpu: settings.cpu,
                        cores: settings.cores,
                        tag_size: settings.tag_size,
                    })
                    .collect();
                let tags = instance::run_lockstep(&inputs)?;
                Ok(tags.into_iter().map(|t| (Trace::default(), t)).collect())
            })
        };
        let groups = settings.cores.div_ceil(plan.lanes as u64);
        let results: Vec<CoreTrace> = run_cores(groups, plan.threads, run_group)?
            .into_iter()
            .flatten()
            .collect();
        let mut tag = Zeroizing::new(vec![0u8; settings.tag_size]);
        for (_, core_tag) in &results {
            tag.iter_mut()
                .zip(core_tag.iter())
                .for_each(|(t, c)| *t ^= c);
        }
        Ok((tag, if trace { results } else { Vec::new() }))
    }

    /// `hash_passphrase(passphrase, aad=aad, mb, cpu, cores, tag_size, salt_size)`:
    /// a fresh salt and the current time, then [`Self::derive`] with
    /// `aad = timestamp ‖ aad`, packed into a self-describing hash.
    ///
    /// # Errors
    /// The setting checks, [`Error::InvalidSaltSizeSetting`],
    /// [`Error::MbTooLargeForHash`], or CSPRNG failure.
    #[doc(alias = "ahash_passphrase")]
    pub fn hash_passphrase(
        &self,
        passphrase: &[u8],
        aad: &[u8],
        settings: Settings,
        salt_size: usize,
    ) -> Result<Vec<u8>> {
        // Every size is checked before memory of that size is taken.
        settings.check_sizes(passphrase, salt_size)?;
        let salt = aiootp_core::token_bytes(salt_size)?;
        let ns = u64::try_from(self.clock.nanoseconds())
            .map_err(|_| aiootp_core::Error::ClockOutOfRange)?;
        self.hash_passphrase_with(passphrase, aad, settings, &salt, ns)
    }

    /// [`Self::hash_passphrase`] with the salt and timestamp given (for vectors).
    ///
    /// # Errors
    /// As [`Self::hash_passphrase`].
    pub fn hash_passphrase_with(
        &self,
        passphrase: &[u8],
        aad: &[u8],
        settings: Settings,
        salt: &[u8],
        timestamp_ns: u64,
    ) -> Result<Vec<u8>> {
        let timestamp = timestamp_ns.to_be_bytes();
        let full_aad = [&timestamp[..], aad].concat();
        let tag = self.derive(passphrase, salt, &full_aad, settings)?;
        PasscryptHash {
            timestamp: timestamp.to_vec(),
            mb: settings.mb,
            cpu: settings.cpu,
            cores: settings.cores,
            salt: salt.to_vec(),
            tag: tag.expose().to_vec(),
        }
        .encode()
    }

    /// `verify(hash, passphrase, aad=aad, ttl=ttl, mb_allowed, cpu_allowed, cores_allowed)`.
    /// In order: decode, ttl (seconds; 0 = none), resource ranges (before
    /// any memory is used), recompute, constant-time compare.
    ///
    /// # Errors
    /// [`Error::MalformedHash`], [`Error::TimestampExpired`],
    /// [`Error::ResourceNotAllowed`], the setting checks of the recomputation,
    /// [`Error::InvalidPassphrase`].
    #[doc(alias = "averify")]
    pub fn verify(
        &self,
        hash: &[u8],
        passphrase: &[u8],
        aad: &[u8],
        ttl: u64,
        allowed: &AllowedRanges,
    ) -> Result<()> {
        let h = PasscryptHash::decode(hash)?;
        if ttl != 0 {
            let delta = self.clock.nanoseconds() - i128::from(h.timestamp_ns());
            let limit = i128::from(ttl) * 1_000_000_000;
            if delta > limit {
                return Err(Error::TimestampExpired {
                    expired_by: delta - limit,
                });
            }
        }
        for (parameter, value, range) in [
            (Resource::Mb, h.mb, &allowed.mb),
            (Resource::Cpu, h.cpu, &allowed.cpu),
            (Resource::Cores, h.cores, &allowed.cores),
        ] {
            if !range.contains(&value) {
                return Err(Error::ResourceNotAllowed { parameter, value });
            }
        }
        params::check_tag_max(h.tag.len())?;
        let settings = Settings {
            mb: h.mb,
            cpu: h.cpu,
            cores: h.cores,
            tag_size: h.tag.len(),
        };
        let full_aad = [&h.timestamp[..], aad].concat();
        let tag = self.derive(passphrase, &h.salt, &full_aad, settings)?;
        if bytes_are_equal(tag.expose(), &h.tag) {
            Ok(())
        } else {
            Err(Error::InvalidPassphrase)
        }
    }
}

/// The extra cost of a core run in lockstep lanes beyond its
/// permutations: the cache's reads and writes go through the lanes'
/// interleaving. Measured on Zen 5 (AVX-512VL, a four-lane call at about
/// 1.05 scalar permutations): four cores in lockstep took 1.36 times one
/// core alone, 1.36 / 1.05 = 1.30.
pub const LANE_OVERHEAD: f64 = 0.30;

/// How [`Passcrypt::derive`] runs `cores` cores under the calling
/// thread's [`Kernels`](aiootp_keccak::Kernels): alone or up to four in
/// lockstep groups (`lanes`), on how many threads (at most the pool's).
#[must_use]
pub fn core_plan_for(cores: u64) -> aiootp_keccak::JobsPlan {
    core_plan(aiootp_keccak::Kernels::current().costs(), cores, false)
}

/// How the cores run: alone or in lockstep groups, on how many threads
/// (at most the pool's). Traces need every core alone.
fn core_plan(costs: aiootp_keccak::Costs, cores: u64, trace: bool) -> aiootp_keccak::JobsPlan {
    let costs = aiootp_keccak::Costs::new(costs.x4_ratio, costs.threads.min(pool_threads()));
    let plan = costs.jobs(cores, LANE_OVERHEAD);
    if trace {
        aiootp_keccak::JobsPlan { lanes: 1, ..plan }
    } else {
        plan
    }
}

#[cfg(feature = "parallel")]
fn pool_threads() -> usize {
    rayon::current_num_threads()
}

#[cfg(not(feature = "parallel"))]
fn pool_threads() -> usize {
    1
}

/// Runs `f` on `0..jobs`, on the thread pool when `threads` > 1.
#[cfg(feature = "parallel")]
fn run_cores<T: Send>(
    jobs: u64,
    threads: usize,
    f: impl Fn(u64) -> Result<T> + Sync + Send,
) -> Result<Vec<T>> {
    use rayon::prelude::*;
    if threads <= 1 {
        return (0..jobs).map(f).collect();
    }
    (0..jobs).into_par_iter().map(f).collect()
}

#[cfg(not(feature = "parallel"))]
fn run_cores<T>(jobs: u64, _threads: usize, f: impl Fn(u64) -> Result<T>) -> Result<Vec<T>> {
    (0..jobs).map(f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiootp_keccak::{Costs, JobsPlan, Kernels};

    /// Every plan the costs can choose (cores alone, lockstep groups of
    /// 2 to 4 with a short last group, on one thread or several) gives
    /// the bytes of the scalar plan.
    #[test]
    fn every_core_plan_gives_the_same_tag() {
        let pc = Passcrypt::with_pepper(b"pepper");
        let settings = Settings {
            mb: 1,
            cpu: 1,
            cores: 6,
            tag_size: 24,
        };
        let derive = |costs: Costs| {
            Kernels::current().with_costs(costs).scope(|| {
                (
                    core_plan(costs, settings.cores, false),
                    pc.derive(b"passphrase!!", b"saltsalt", b"aad", settings)
                        .unwrap(),
                )
            })
        };
        let (plan, want) = derive(Costs::SCALAR);
        assert_eq!(
            plan,
            JobsPlan {
                lanes: 1,
                threads: 1
            }
        );
        let mut plans = Vec::new();
        for (ratio, threads) in [(0.63, 1), (0.63, 2), (1.24, 1), (2.9, 2), (5.0, 16)] {
            let (plan, tag) = derive(Costs::new(ratio, threads));
            assert_eq!(tag.expose(), want.expose(), "{ratio} {threads}");
            plans.push(plan.lanes);
        }
        assert!(
            plans.contains(&1) && plans.iter().any(|&l| l > 1),
            "{plans:?}"
        );
        let (traced, _) =
            internal::derive_traced(&pc, b"passphrase!!", b"saltsalt", b"aad", settings).unwrap();
        assert_eq!(&traced[..], want.expose());
    }

    #[test]
    fn the_core_plan_follows_the_costs() {
        let plan = |ratio: f64, threads: usize, cores: u64, trace: bool| {
            core_plan(Costs::new(ratio, threads), cores, trace)
        };
        // 0.63 × 1.3 × 1.1 = 0.90 of a core alone: four in lanes.
        assert_eq!(plan(0.63, 1, 4, false).lanes, 4);
        // Traces need every core alone.
        assert_eq!(plan(0.63, 1, 4, true).lanes, 1);
        // Zen 1 (2.9 × 1.43 = 4.15): one core a thread, as many threads
        // as the pool has, up to the cores.
        let zen1 = plan(2.9, 2, 2, false);
        assert_eq!(zen1.lanes, 1);
        assert_eq!(zen1.threads, 2.min(pool_threads()));
    }
}

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
    /// defaults, tag 64). The `cores` instances run four at a time in
    /// lockstep as the lanes of one sponge (with a vector Keccak), and
    /// such groups in parallel.
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
        // With a vector Keccak, the cores run four at a time in lockstep
        // as the lanes of one sponge (each group on one thread; groups in
        // parallel); traces, and the portable build, run each core alone.
        let lanes = aiootp_core::keccak_backend() != aiootp_core::KeccakBackend::Portable;
        let results: Vec<CoreTrace> = if lanes && !trace && settings.cores >= 2 {
            let run_group = |group: u64| -> Result<Vec<CoreTrace>> {
                let first = 4 * group;
                let last = (first + 4).min(settings.cores);
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
            };
            run_cores(settings.cores.div_ceil(4), run_group)?
                .into_iter()
                .flatten()
                .collect()
        } else {
            run_cores(settings.cores, run_core)?
        };
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

#[cfg(feature = "parallel")]
fn run_cores<T: Send>(cores: u64, f: impl Fn(u64) -> Result<T> + Sync + Send) -> Result<Vec<T>> {
    use rayon::prelude::*;
    (0..cores).into_par_iter().map(f).collect()
}

#[cfg(not(feature = "parallel"))]
fn run_cores<T>(cores: u64, f: impl Fn(u64) -> Result<T>) -> Result<Vec<T>> {
    (0..cores).map(f).collect()
}

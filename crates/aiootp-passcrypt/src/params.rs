//! Passcrypt's settings, their limits and the checks in the reference's order.

use crate::error::{Error, Result};

/// Smallest passphrase in bytes.
pub const MIN_PASSPHRASE_BYTES: usize = 12;
/// Salt sizes accepted by `new` (the reference's message says 8; the bound is 4).
pub const SALT_SIZE_RANGE: core::ops::RangeInclusive<usize> = 4..=256;
/// Largest `mb` per core: 256³.
pub const MAX_MB: u64 = 1 << 24;
/// Largest `cpu` and `cores`.
pub const MAX_CPU: u64 = 256;
/// Largest `cores`.
pub const MAX_CORES: u64 = 256;
/// Smallest tag.
pub const MIN_TAG_SIZE: usize = 16;
/// Largest tag: 4096 bytes. The reference has no bound (its profiles use
/// 168, its upstream vectors 257); an unbounded size let a typed-in number
/// abort the process. See `docs/differences.md`.
pub const MAX_TAG_SIZE: usize = 4096;
/// The pad byte of the parameter hash.
pub const PASSCRYPT_PAD: u8 = 0xf2;

/// The work settings of one hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Settings {
    /// MiB of memory in total (each core gets `ceil(mb / cores)`).
    pub mb: u64,
    /// Passes over the cache and width of its rows.
    pub cpu: u64,
    /// Independent instances run in parallel and XORed.
    pub cores: u64,
    /// Bytes of output.
    pub tag_size: usize,
}

impl Settings {
    /// The reference's `hash_passphrase` defaults: mb 64, cpu 2, cores 4, tag 16.
    pub const HASH_DEFAULTS: Self = Self {
        mb: 64,
        cpu: 2,
        cores: 4,
        tag_size: 16,
    };

    /// The reference's `Passcrypt.new` defaults: mb 64, cpu 2, cores 4, tag 64.
    pub const NEW_DEFAULTS: Self = Self {
        mb: 64,
        cpu: 2,
        cores: 4,
        tag_size: 64,
    };

    /// Memory given to each core, in MiB.
    #[must_use]
    pub fn core_mb(&self) -> u64 {
        self.mb.div_ceil(self.cores.max(1))
    }

    /// The checks of `Passcrypt.new`, in the reference's order: cores first,
    /// then passphrase, salt, mb (per core), cpu, tag size.
    ///
    /// # Errors
    /// The first failing check.
    pub fn check(&self, passphrase: &[u8], salt: &[u8]) -> Result<()> {
        self.check_sizes(passphrase, salt.len())
    }

    /// [`Self::check`] with the salt's length only, so a salt size can be
    /// checked before a salt of that size is made.
    ///
    /// # Errors
    /// The first failing check.
    pub fn check_sizes(&self, passphrase: &[u8], salt_len: usize) -> Result<()> {
        if !(1..=MAX_CORES).contains(&self.cores) {
            return Err(Error::InvalidCores { cores: self.cores });
        }
        if passphrase.len() < MIN_PASSPHRASE_BYTES {
            return Err(Error::PassphraseTooShort {
                missing: MIN_PASSPHRASE_BYTES - passphrase.len(),
            });
        }
        if !SALT_SIZE_RANGE.contains(&salt_len) {
            return Err(Error::InvalidSaltSize { len: salt_len });
        }
        let core_mb = self.core_mb();
        if !(1..=MAX_MB).contains(&core_mb) {
            return Err(Error::InvalidMb { mb: core_mb });
        }
        if !(1..=MAX_CPU).contains(&self.cpu) {
            return Err(Error::InvalidCpu { cpu: self.cpu });
        }
        if self.tag_size < MIN_TAG_SIZE {
            return Err(Error::InvalidTagSize {
                tag_size: self.tag_size,
            });
        }
        check_tag_max(self.tag_size)
    }

    /// The checks of the `Passcrypt(...)` instance constructor (mb as given,
    /// not per core; then cpu, cores, tag size, salt size).
    ///
    /// # Errors
    /// The first failing check.
    pub fn check_instance(&self, salt_size: usize) -> Result<()> {
        if !(1..=MAX_MB).contains(&self.mb) {
            return Err(Error::InvalidMb { mb: self.mb });
        }
        if !(1..=MAX_CPU).contains(&self.cpu) {
            return Err(Error::InvalidCpu { cpu: self.cpu });
        }
        if !(1..=MAX_CORES).contains(&self.cores) {
            return Err(Error::InvalidCores { cores: self.cores });
        }
        if self.tag_size < MIN_TAG_SIZE {
            return Err(Error::InvalidTagSize {
                tag_size: self.tag_size,
            });
        }
        check_tag_max(self.tag_size)?;
        if !SALT_SIZE_RANGE.contains(&salt_size) {
            return Err(Error::InvalidSaltSizeSetting { salt_size });
        }
        Ok(())
    }
}

/// [`Error::TagSizeTooLarge`] above [`MAX_TAG_SIZE`].
pub(crate) fn check_tag_max(tag_size: usize) -> Result<()> {
    if tag_size > MAX_TAG_SIZE {
        return Err(Error::TagSizeTooLarge {
            tag_size,
            max: MAX_TAG_SIZE,
        });
    }
    Ok(())
}

impl Default for Settings {
    fn default() -> Self {
        Self::HASH_DEFAULTS
    }
}

/// The cache geometry of one core (spec keygens §3.2 step 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// `max(1, cpu / 2)` column pairs per row.
    pub rounds: usize,
    /// `336 · rounds` bytes.
    pub row_size: usize,
    /// `ceil(2^20 · core_mb / row_size)`.
    pub rows: usize,
    /// `row_size · rows` bytes of cache.
    pub total: usize,
}

impl Geometry {
    /// The geometry for `core_mb` MiB and `cpu`.
    #[must_use]
    pub fn new(core_mb: u64, cpu: u64) -> Self {
        let rounds = usize::try_from((cpu / 2).max(1)).unwrap_or(1);
        let row_size = 336 * rounds;
        let bytes = usize::try_from(core_mb)
            .unwrap_or(usize::MAX)
            .saturating_mul(1 << 20);
        let rows = bytes.div_ceil(row_size);
        Self {
            rounds,
            row_size,
            rows,
            total: row_size.saturating_mul(rows),
        }
    }
}

/// The resource limits `verify` enforces before doing any work. The
/// defaults are the reference's: mb 1..=511, cpu 1..=32, cores 1..=8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedRanges {
    /// Allowed total memory in MiB.
    pub mb: core::ops::RangeInclusive<u64>,
    /// Allowed `cpu`.
    pub cpu: core::ops::RangeInclusive<u64>,
    /// Allowed `cores`.
    pub cores: core::ops::RangeInclusive<u64>,
}

impl Default for AllowedRanges {
    fn default() -> Self {
        Self {
            mb: 1..=511,
            cpu: 1..=32,
            cores: 1..=8,
        }
    }
}

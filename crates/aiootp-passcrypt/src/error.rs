//! The error type of `aiootp-passcrypt`.

use core::fmt;

/// Which Passcrypt parameter a [`Error::ResourceNotAllowed`] refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Memory in MiB (the total over all cores).
    Mb,
    /// Passes / row width.
    Cpu,
    /// Parallel instances.
    Cores,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Mb => "mb",
            Self::Cpu => "cpu",
            Self::Cores => "cores",
        })
    }
}

/// Everything that can go wrong in Passcrypt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The passphrase is shorter than 12 bytes (`ImproperPassphrase`).
    PassphraseTooShort {
        /// How many more bytes it needs.
        missing: usize,
    },
    /// A salt outside 4..=256 bytes.
    InvalidSaltSize {
        /// Its length.
        len: usize,
    },
    /// `mb` per core outside 1..=2^24.
    InvalidMb {
        /// The per-core value checked.
        mb: u64,
    },
    /// `cpu` outside 1..=256.
    InvalidCpu {
        /// The value.
        cpu: u64,
    },
    /// `cores` outside 1..=256.
    InvalidCores {
        /// The value.
        cores: u64,
    },
    /// `tag_size` below 16.
    InvalidTagSize {
        /// The value.
        tag_size: usize,
    },
    /// A tag size above [`crate::MAX_TAG_SIZE`] (asked for, or read from a
    /// hash given to `verify`).
    TagSizeTooLarge {
        /// The value.
        tag_size: usize,
        /// The limit.
        max: usize,
    },
    /// `salt_size` (for `hash_passphrase`) outside 4..=256.
    InvalidSaltSizeSetting {
        /// The value.
        salt_size: usize,
    },
    /// `mb - 1` does not fit the hash's 3-byte field (only reachable with
    /// `mb > 2^24` spread over several cores).
    MbTooLargeForHash {
        /// The value.
        mb: u64,
    },
    /// A hash too short to hold a timestamp, salt and tag.
    MalformedHash,
    /// The hash asks for more of a resource than the verifier allows: the
    /// guard that refuses a hostile hash before any memory is used.
    ResourceNotAllowed {
        /// Which parameter.
        parameter: Resource,
        /// The value the hash asks for.
        value: u64,
    },
    /// The hash is older than the `ttl` allows.
    TimestampExpired {
        /// By how many nanoseconds.
        expired_by: i128,
    },
    /// The passphrase (or aad, or pepper) does not match the hash.
    InvalidPassphrase,
    /// The memory cache could not be allocated.
    OutOfMemory {
        /// The bytes asked for.
        bytes: usize,
    },
    /// The CSPRNG or clock failed.
    Core(aiootp_core::Error),
    /// The blocking task running the hash failed (async face).
    Task(String),
}

impl Error {
    /// Whether verification failed because the passphrase, aad or pepper is wrong.
    #[must_use]
    pub fn is_authentication_failure(&self) -> bool {
        matches!(self, Self::InvalidPassphrase)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PassphraseTooShort { missing } => write!(
                f,
                "The given passphrase is too short, at least {missing} more characters need to be added. Try using aiootp's mnemonic(), it can help in generating a strong passphrase."
            ),
            Self::InvalidSaltSize { len } => write!(f, "len(salt) must be >= 4 and <= 256 (got {len})"),
            Self::InvalidMb { mb } => write!(f, "mb:{mb} must be int >= 1 and <= 256**3 (per core)"),
            Self::InvalidCpu { cpu } => write!(f, "cpu:{cpu} must be int >= 1 and <= 256"),
            Self::InvalidCores { cores } => write!(f, "cores:{cores} must be int >= 1 and <= 256"),
            Self::InvalidTagSize { tag_size } => write!(f, "tag_size:{tag_size} must be int >= 16"),
            Self::TagSizeTooLarge { tag_size, max } => {
                write!(f, "a tag of {tag_size} bytes is more than the limit of {max}")
            }
            Self::InvalidSaltSizeSetting { salt_size } => {
                write!(f, "salt_size:{salt_size} must be int >= 4 and <= 256")
            }
            Self::MbTooLargeForHash { mb } => {
                write!(f, "mb:{mb} cannot be stored in a passcrypt hash (at most 2**24)")
            }
            Self::MalformedHash => f.write_str("Hash decoder returned failure: 'premature termination'."),
            Self::ResourceNotAllowed { parameter, value } => write!(
                f,
                "The '{parameter}' parameter was blocked from being processed because it fell outside of the allowed range of resource consumption set by the verification method. To verify this hash, allow {parameter} = {value} explicitly (AllowedRanges)."
            ),
            Self::TimestampExpired { expired_by } => {
                write!(f, "Timestamp expired by <{expired_by}> nanoseconds.")
            }
            Self::InvalidPassphrase => f.write_str(
                "Passphrase verification failed! The hash of the passphrase & the passcrypt hash did not match!",
            ),
            Self::OutOfMemory { bytes } => write!(f, "cannot allocate the {bytes}-byte passcrypt cache; lower mb"),
            Self::Core(e) => e.fmt(f),
            Self::Task(e) => write!(f, "the passcrypt task failed: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Core(e) => Some(e),
            _ => None,
        }
    }
}

impl From<aiootp_core::Error> for Error {
    fn from(e: aiootp_core::Error) -> Self {
        Self::Core(e)
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

//! The error type of `aiootp-core`.

use core::fmt;

/// Everything that can go wrong in the shared primitives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `encode_key` (and everything keyed) was given an empty key.
    EmptyKey,
    /// Base64 text that even Python's lenient decoder rejects.
    InvalidBase64 {
        /// What the decoder found wrong (Python's `binascii.Error` text).
        reason: String,
    },
    /// A base38 filename with a character outside the table.
    InvalidBase38 {
        /// The offending character.
        character: char,
    },
    /// A size argument outside its allowed range.
    InvalidSize {
        /// Which argument.
        what: &'static str,
        /// The value given.
        size: usize,
        /// Smallest allowed value.
        min: usize,
        /// Largest allowed value.
        max: usize,
    },
    /// An extendable-output hash was asked for zero bytes, or a fixed-size
    /// hash for a size it cannot give.
    InvalidHashSize {
        /// The hash function.
        hasher: &'static str,
        /// The size asked for.
        size: usize,
    },
    /// The clock reads a time the 4-byte seconds field cannot hold
    /// (before 2023-01-01 or after 2159).
    ClockOutOfRange,
    /// A GUID node number that does not fit its one byte.
    NodeNumberTooLarge {
        /// The value given.
        node_number: u64,
    },
    /// `DomainKdf::update` was called with no items.
    EmptyUpdate,
    /// The operating system's random number generator failed.
    Rng(getrandom::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyKey => f.write_str("The key value must be supplied for encoding."),
            Self::InvalidBase64 { reason } => write!(f, "invalid base64 text: {reason}"),
            Self::InvalidBase38 { character } => {
                write!(f, "invalid base38 filename character {character:?}")
            }
            Self::InvalidSize {
                what,
                size,
                min,
                max,
            } => write!(
                f,
                "invalid {what} size {size}: it must be from {min} to {max} inclusive"
            ),
            Self::InvalidHashSize { hasher, size } => {
                write!(f, "{hasher} cannot produce {size} bytes of output")
            }
            Self::ClockOutOfRange => f.write_str(
                "the system clock is outside 2023-01-01..2159: aiootp timestamps cannot hold it",
            ),
            Self::NodeNumberTooLarge { node_number } => {
                write!(
                    f,
                    "node number {node_number} does not fit in one byte (0 to 255)"
                )
            }
            Self::EmptyUpdate => f.write_str("The update payload value must not be empty."),
            Self::Rng(e) => write!(
                f,
                "the operating system random number generator failed: {e}"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<getrandom::Error> for Error {
    fn from(e: getrandom::Error) -> Self {
        Self::Rng(e)
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

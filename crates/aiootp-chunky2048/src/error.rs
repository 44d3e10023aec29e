//! The error type of `aiootp-chunky2048`.

use core::fmt;

/// Everything that can go wrong while encrypting or decrypting.
///
/// Authentication failures keep the reference's messages, which users
/// match on; [`Error::is_authentication_failure`] stands in for Python's
/// `AuthenticationFailed` base class.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The key is shorter than [`MIN_KEY_BYTES`](crate::MIN_KEY_BYTES).
    KeyTooShort {
        /// Its length.
        len: usize,
    },
    /// An empty key. The reference silently substitutes a random key (so an
    /// empty key encrypts to undecryptable output); this port refuses it.
    EmptyKey,
    /// Associated data of 2^32 bytes or more cannot be framed (4-byte length).
    AadTooLong {
        /// Its length.
        len: usize,
    },
    /// A ciphertext whose length is not `64 + 256·N` with `N ≥ 1`.
    InvalidCiphertextLength {
        /// Its length.
        len: usize,
    },
    /// A field of the wrong size (salt, iv, tag).
    InvalidLength {
        /// Which field.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The required length.
        expected: usize,
    },
    /// The final tag does not match: wrong key, wrong aad, or the
    /// ciphertext was changed.
    InvalidShmac,
    /// A stream packet's block id does not authenticate it. Packets before
    /// it in the same `buffer` call were accepted; this one and the rest
    /// were not, and the stream is still usable.
    InvalidBlockId {
        /// 0-based index of the bad packet within the `buffer` call.
        packet_index: usize,
    },
    /// The ciphertext is older than the `ttl` allows.
    TimestampExpired {
        /// By how many seconds.
        expired_by: i64,
    },
    /// A block-id size outside 16..=32.
    InvalidBlockIdSize {
        /// The size asked for.
        size: usize,
    },
    /// A decipher stream was given bytes that are not a non-zero multiple of
    /// [`PACKETSIZE`](crate::PACKETSIZE).
    InvalidBufferSize {
        /// The number of bytes given.
        len: usize,
    },
    /// A decipher stream was finalized before any packet arrived.
    EmptyStream,
    /// A token that is not base64 (even by Python's lenient rules).
    InvalidToken(aiootp_core::Error),
    /// A value could not be encoded as JSON.
    #[cfg(feature = "json")]
    JsonEncode(aiootp_core::JsonError),
    /// The authenticated plaintext is not the JSON the caller asked for.
    #[cfg(feature = "json")]
    JsonDecode(aiootp_core::JsonError),
    /// The CSPRNG or the clock failed.
    Core(aiootp_core::Error),
    /// An I/O error from a stream adapter's underlying reader or writer.
    Io(std::io::Error),
}

impl Error {
    /// Whether this is an authentication failure (`InvalidShmac` or
    /// `InvalidBlockId`): the reference's `AuthenticationFailed`.
    #[must_use]
    pub fn is_authentication_failure(&self) -> bool {
        matches!(self, Self::InvalidShmac | Self::InvalidBlockId { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyTooShort { len } => write!(
                f,
                "The ``key`` must be at least 64 bytes (got {len}); make one with generate_key()."
            ),
            Self::EmptyKey => f.write_str("The key is empty; make one with generate_key()."),
            Self::AadTooLong { len } => {
                write!(
                    f,
                    "aad of {len} bytes is too long: it must be under 2^32 bytes"
                )
            }
            Self::InvalidCiphertextLength { len } => write!(
                f,
                "The given ciphertext of length {len} is not a multiple of the blocksize minus the header bytes."
            ),
            Self::InvalidLength {
                what,
                len,
                expected,
            } => write!(f, "the {what} must be {expected} bytes, not {len}"),
            Self::InvalidShmac => f.write_str("Invalid StreamHMAC hash for the given ciphertext."),
            Self::InvalidBlockId { packet_index } => write!(
                f,
                "Invalid next block ID hash of the supplied ciphertext block (packet {packet_index} of this buffer call)."
            ),
            Self::TimestampExpired { expired_by } => {
                write!(f, "Timestamp expired by <{expired_by}> seconds.")
            }
            Self::InvalidBlockIdSize { size } => write!(
                f,
                "A block id of {size} bytes is not allowed: it must be 16 to 32 bytes."
            ),
            Self::InvalidBufferSize { len } => write!(
                f,
                "The buffer must only be updated with a # of bytes that is a multiple of 280, the given buffer of {len} bytes is invalid."
            ),
            Self::EmptyStream => f.write_str("An invalid empty stream was provided."),
            Self::InvalidToken(e) => write!(f, "the token is not valid base64: {e}"),
            #[cfg(feature = "json")]
            Self::JsonEncode(e) => write!(f, "the value cannot be encoded as JSON: {e}"),
            #[cfg(feature = "json")]
            Self::JsonDecode(e) => {
                write!(f, "the decrypted plaintext is not the expected JSON: {e}")
            }
            Self::Core(e) => e.fmt(f),
            Self::Io(e) => write!(f, "I/O error: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidToken(e) | Self::Core(e) => Some(e),
            #[cfg(feature = "json")]
            Self::JsonDecode(e) => Some(e),
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<aiootp_core::Error> for Error {
    fn from(e: aiootp_core::Error) -> Self {
        Self::Core(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Io(e) => e,
            other => Self::new(std::io::ErrorKind::InvalidData, other),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

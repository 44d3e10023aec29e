//! The error type of `aiootp-asym`.

use core::fmt;

/// Everything that can go wrong with keys, signatures and handshakes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An empty key where one is required (`No secret key was specified.`).
    MissingKey {
        /// `"secret"` or `"public"`.
        which: &'static str,
    },
    /// A key, signature or handshake message of the wrong size.
    InvalidLength {
        /// What was given.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The required length.
        expected: usize,
    },
    /// Hex text that does not decode.
    InvalidHex,
    /// The exchange gave the all-zero secret: the peer sent a low-order
    /// point (OpenSSL's `Error computing shared key.`).
    NonContributory,
    /// An Ed25519 public key that is not a valid curve point.
    InvalidPublicKey,
    /// An Ed25519 signature that does not verify.
    InvalidSignature,
    /// The CSPRNG failed.
    Core(aiootp_core::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingKey { which } => write!(f, "No {which} key was specified."),
            Self::InvalidLength {
                what,
                len,
                expected,
            } => {
                write!(f, "{what} must be {expected} bytes long, not {len}")
            }
            Self::InvalidHex => f.write_str("the key is not valid hex"),
            Self::NonContributory => f.write_str(
                "Error computing shared key: the peer's public key is a low-order point.",
            ),
            Self::InvalidPublicKey => f.write_str("the Ed25519 public key is not a valid point"),
            Self::InvalidSignature => f.write_str("Invalid Ed25519 signature."),
            Self::Core(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<aiootp_core::Error> for Error {
    fn from(e: aiootp_core::Error) -> Self {
        Self::Core(e)
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

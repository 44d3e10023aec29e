//! The error type of `aiootp-gentools`.

use core::fmt;

/// A decoding step that failed on one item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Not base64.
    Base64(String),
    /// Not hex.
    Hex,
    /// A character outside the base-N table.
    BaseDigit {
        /// The character.
        character: char,
    },
    /// JSON that did not encode or decode.
    Json(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Base64(e) => write!(f, "not base64: {e}"),
            Self::Hex => f.write_str("not hex"),
            Self::BaseDigit { character } => {
                write!(f, "{character:?} is not a digit of the base table")
            }
            Self::Json(e) => write!(f, "JSON: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

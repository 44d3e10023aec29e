//! The error type of `aiootp-db`.

use std::fmt;

/// Everything that can go wrong with a database. Variants name the tag or
/// file involved, so a caller can say what was lost or refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The storage failed: a file could not be read, written or removed,
    /// a server could not be reached, a name was refused (the storage
    /// layer's own typed error, whose location names the file).
    Storage(aiootp_storage::Error),
    /// A database file is not a regular file (a FIFO, device, socket,
    /// folder or symlink): the folder was tampered with.
    NotARegularFile {
        /// The file, as the storage shows it.
        location: String,
    },
    /// A database file is larger than the storage's limit
    /// (`FsStorage::with_max_file_bytes`, by default
    /// [`crate::DEFAULT_MAX_FILE_BYTES`]), or a value to save would make one.
    FileTooLarge {
        /// The file, as the storage shows it.
        location: String,
        /// Its size.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// A metatag would be nested deeper than [`crate::MAX_METATAG_DEPTH`]
    /// levels (refused when it is made, so no database is written that
    /// could not be opened again).
    MetatagTooDeep {
        /// The limit.
        max: usize,
    },
    /// A manifest names a file that is not a database file name (base38,
    /// of the length the format produces): the folder was tampered with.
    InvalidFileName {
        /// The manifest.
        file: String,
        /// The refused name.
        name: String,
    },
    /// `open_existing` found no manifest for this key: no database, or a wrong key.
    NotFound {
        /// The folder (or server place) searched.
        location: String,
    },
    /// `create` found a database with this key already.
    AlreadyExists {
        /// The folder (or server place).
        location: String,
    },
    /// Another process holds the database folder's lock.
    Locked {
        /// The folder.
        location: String,
    },
    /// A file did not decrypt: tampered, truncated, or the wrong key.
    Cipher {
        /// The file (base38 name, or a description).
        file: String,
        /// What the cipher found.
        source: aiootp_chunky2048::Error,
    },
    /// A decrypted file is not what its role requires.
    Corrupt {
        /// The file.
        file: String,
        /// What was wrong.
        reason: String,
    },
    /// No tag of this name.
    UnknownTag {
        /// The tag.
        tag: String,
    },
    /// No metatag of this name.
    UnknownMetatag {
        /// The name.
        name: String,
    },
    /// A value cannot be turned into (or read as) JSON.
    Json {
        /// The tag.
        tag: String,
        /// What serde_json said.
        reason: String,
    },
    /// `test_hmac` found a mismatch.
    InvalidHmac,
    /// `make_hmac` was given nothing to authenticate, or `test_hmac` an empty HMAC.
    NoData,
    /// Another client saved this database (or metatag) after it was read:
    /// nothing of this save was written. Reopen, redo the change, save again.
    Conflict {
        /// Where the database is.
        location: String,
        /// The manifest that changed.
        manifest: String,
    },
    /// `copy_to` of a database with changes not yet saved.
    Unsaved,
    /// The profile's Passcrypt derivation failed.
    Passcrypt(aiootp_passcrypt::Error),
    /// The CSPRNG failed.
    Core(aiootp_core::Error),
    /// The blocking task running an async operation failed.
    Task(String),
}

impl Error {
    pub(crate) fn cipher(file: &str, source: aiootp_chunky2048::Error) -> Self {
        Self::Cipher {
            file: file.to_owned(),
            source,
        }
    }

    /// Whether this is an authentication failure (a changed file, a wrong
    /// key or aad, a bad HMAC).
    #[must_use]
    pub fn is_authentication_failure(&self) -> bool {
        match self {
            Self::InvalidHmac => true,
            Self::Cipher { source, .. } => source.is_authentication_failure(),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Storage(e) => e.fmt(f),
            Self::NotARegularFile { location } => write!(
                f,
                "{location} is not a regular file (the database folder was tampered with)"
            ),
            Self::FileTooLarge { location, len, max } => {
                write!(f, "{location} is {len} bytes, more than the limit of {max}")
            }
            Self::MetatagTooDeep { max } => {
                write!(f, "metatags nest at most {max} levels deep")
            }
            Self::InvalidFileName { file, name } => write!(
                f,
                "{file} names {name:?}, which is not a database file name (the folder was tampered with)"
            ),
            Self::NotFound { location } => write!(
                f,
                "no database for this key in {location} (no manifest: a wrong key, or not created yet)"
            ),
            Self::AlreadyExists { location } => {
                write!(f, "a database with this key already exists in {location}")
            }
            Self::Locked { location } => write!(
                f,
                "{location} is locked by another process; close it there, or open with LockMode::Wait"
            ),
            Self::Cipher { file, source } => write!(f, "file {file}: {source}"),
            Self::Corrupt { file, reason } => write!(f, "file {file} is corrupt: {reason}"),
            Self::UnknownTag { tag } => {
                write!(f, "'{tag}' tag data isn't in the cache or the database.")
            }
            Self::UnknownMetatag { name } => write!(f, "No metatag database named '{name}'."),
            Self::Json { tag, reason } => write!(f, "tag '{tag}': {reason}"),
            Self::InvalidHmac => f.write_str("Invalid HMAC hash for the given data."),
            Self::NoData => f.write_str("No data was specified."),
            Self::Conflict { location, manifest } => write!(
                f,
                "{location}: another client saved this database first ({manifest} changed); nothing was written: reopen and retry"
            ),
            Self::Unsaved => f.write_str("the database has changes not yet saved; save it first"),
            Self::Passcrypt(e) => write!(f, "profile key derivation failed: {e}"),
            Self::Core(e) => e.fmt(f),
            Self::Task(e) => write!(f, "the database task failed: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Storage(e) => Some(e),
            Self::Cipher { source, .. } => Some(source),
            Self::Passcrypt(e) => Some(e),
            Self::Core(e) => Some(e),
            _ => None,
        }
    }
}

/// The storage's typed errors, each onto the variant that names it here:
/// no downcasting.
impl From<aiootp_storage::Error> for Error {
    fn from(e: aiootp_storage::Error) -> Self {
        use aiootp_storage::{Error as S, Refusal};
        match e {
            S::Conflict { location, name } => Self::Conflict {
                location,
                manifest: name,
            },
            S::Locked { location } => Self::Locked { location },
            S::Refused {
                location,
                reason: Refusal::NotARegularFile,
            } => Self::NotARegularFile { location },
            S::TooLarge { location, len, max } => Self::FileTooLarge { location, len, max },
            other => Self::Storage(other),
        }
    }
}

impl From<aiootp_core::Error> for Error {
    fn from(e: aiootp_core::Error) -> Self {
        Self::Core(e)
    }
}

impl From<aiootp_passcrypt::Error> for Error {
    fn from(e: aiootp_passcrypt::Error) -> Self {
        Self::Passcrypt(e)
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

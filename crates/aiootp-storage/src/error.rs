//! The error type of `aiootp-storage`.

use std::fmt;

/// Everything a [`crate::Storage`] can report. Each variant names where it
/// happened (`location`: a folder path, or a server, namespace and name as
/// [`crate::Storage::location`] shows them, never a password), so a caller
/// matches on what went wrong instead of downcasting an `io::Error`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A manifest changed since it was read: another client saved first.
    /// Nothing of this save was written; reload and retry.
    Conflict {
        /// Where.
        location: String,
        /// The manifest that changed.
        name: String,
    },
    /// A file that must be new ([`crate::Changes::create`]) exists.
    AlreadyExists {
        /// The file.
        location: String,
    },
    /// The place itself (a folder) does not exist.
    NotFound {
        /// The place.
        location: String,
    },
    /// What is there is not something a database may read or be
    /// (a FIFO or symlink in a folder, a table of another schema), or a
    /// name no database file has.
    Refused {
        /// Where.
        location: String,
        /// Why.
        reason: Refusal,
    },
    /// A file is larger than the storage's limit
    /// ([`crate::Storage::max_file_bytes`]), or a save would write one.
    TooLarge {
        /// The file.
        location: String,
        /// Its size.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// A listing has more names than [`crate::MAX_LISTED_NAMES`].
    TooMany {
        /// The place listed.
        location: String,
        /// The limit.
        max: usize,
    },
    /// Another process holds the folder's lock ([`crate::LockMode::Fail`]).
    Locked {
        /// The folder.
        location: String,
    },
    /// The local file system failed.
    Io {
        /// The file or folder.
        location: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A server (PostgreSQL, an object store) failed, refused the
    /// credentials or could not be reached.
    Backend {
        /// The server, namespace and file.
        location: String,
        /// What the server or its client library said (never a password).
        message: String,
    },
    /// [`crate::open_url`] was given a URL it cannot open.
    InvalidUrl {
        /// The URL, without user name, password or query.
        url: String,
        /// Why.
        reason: String,
    },
}

/// Why a storage [`Error::Refused`] something.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// A FIFO, device, socket, folder or symlink where a file should be:
    /// the folder was tampered with.
    NotARegularFile,
    /// A name that is empty, absolute, or has an empty, `.` or `..` part,
    /// a backslash or a NUL: never a database file's name.
    InvalidName,
    /// The server's tables are of another schema version, or not this
    /// program's.
    ForeignSchema(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotARegularFile => f.write_str("not a regular file"),
            Self::InvalidName => f.write_str("not a database file name"),
            Self::ForeignSchema(why) => f.write_str(why),
        }
    }
}

impl Error {
    /// Whether another client saved first ([`Error::Conflict`]).
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }

    /// Where it happened (the URL of [`Error::InvalidUrl`]).
    #[must_use]
    pub fn location(&self) -> &str {
        match self {
            Self::Conflict { location, .. }
            | Self::AlreadyExists { location }
            | Self::NotFound { location }
            | Self::Refused { location, .. }
            | Self::TooLarge { location, .. }
            | Self::TooMany { location, .. }
            | Self::Locked { location }
            | Self::Io { location, .. }
            | Self::Backend { location, .. } => location,
            Self::InvalidUrl { url, .. } => url,
        }
    }

    pub(crate) fn io(location: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            location: location.into(),
            source,
        }
    }

    pub(crate) fn refused(location: impl Into<String>, reason: Refusal) -> Self {
        Self::Refused {
            location: location.into(),
            reason,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Conflict { location, name } => write!(
                f,
                "{location}: {name} changed since it was read (another save came first); nothing was written"
            ),
            Self::AlreadyExists { location } => write!(f, "{location} exists already"),
            Self::NotFound { location } => write!(f, "{location} does not exist"),
            Self::Refused { location, reason } => write!(f, "{location}: {reason}"),
            Self::TooLarge { location, len, max } => {
                write!(f, "{location}: {len} bytes, more than the limit of {max}")
            }
            Self::TooMany { location, max } => {
                write!(f, "{location} holds more than {max} files")
            }
            Self::Locked { location } => {
                write!(f, "{location} is locked by another process")
            }
            Self::Io { location, source } => write!(f, "{location}: {source}"),
            Self::Backend { location, message } => write!(f, "{location}: {message}"),
            Self::InvalidUrl { url, reason } => write!(f, "cannot open {url}: {reason}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

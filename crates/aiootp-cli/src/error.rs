//! One-line errors and the exit codes the CLI promises.

use std::fmt;

/// Why a command failed, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Authentication or verification failed (exit 1).
    Auth,
    /// The command was used wrongly (exit 2).
    Usage,
    /// A file could not be read or written (exit 3).
    Io,
    /// Another client saved the database at the same time (exit 3 once
    /// the retries give up).
    Conflict,
}

/// A failure: what went wrong and what to do.
#[derive(Debug)]
pub struct CliError {
    /// The category.
    pub kind: Kind,
    /// The one-line message.
    pub message: String,
}

impl CliError {
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            kind: Kind::Usage,
            message: message.into(),
        }
    }

    /// An I/O error about `what`.
    pub fn io(what: impl fmt::Display, e: impl fmt::Display) -> Self {
        Self {
            kind: Kind::Io,
            message: format!("{what}: {e}"),
        }
    }

    /// An authentication failure.
    pub fn auth(message: impl Into<String>) -> Self {
        Self {
            kind: Kind::Auth,
            message: message.into(),
        }
    }

    /// The process exit code.
    pub fn code(&self) -> i32 {
        match self.kind {
            Kind::Auth => 1,
            Kind::Usage => 2,
            Kind::Io | Kind::Conflict => 3,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<aiootp::chunky2048::Error> for CliError {
    fn from(e: aiootp::chunky2048::Error) -> Self {
        use aiootp::chunky2048::Error as E;
        match e {
            E::InvalidShmac | E::InvalidBlockId { .. } => Self::auth(
                "the data does not authenticate: a wrong key, passphrase or aad, or it was changed",
            ),
            E::TimestampExpired { expired_by } => Self::auth(format!(
                "the ciphertext is older than --ttl allows (by {expired_by} s)"
            )),
            // A damaged (truncated or extended) ciphertext fails verification.
            E::InvalidCiphertextLength { .. } | E::InvalidLength { .. } => {
                Self::auth("the input is not an aiootp ciphertext, or it was truncated or damaged")
            }
            E::InvalidToken(_) => {
                Self::auth("the token is not an aiootp token (damaged or cut short?)")
            }
            E::KeyTooShort { len } => Self::usage(format!(
                "the key file holds {len} bytes; keys are at least 64 (`aiootp keygen` makes one)"
            )),
            E::EmptyKey => Self::usage("the key file is empty (`aiootp keygen` makes a key)"),
            E::AadTooLong { len } => {
                Self::usage(format!("the associated data is too long ({len} bytes)"))
            }
            E::Io(io) => Self::io("I/O", io),
            E::Core(c) => Self::io("the random number generator", c),
            _ => Self::auth("the input is not an aiootp ciphertext"),
        }
    }
}

impl From<aiootp::passcrypt::Error> for CliError {
    fn from(e: aiootp::passcrypt::Error) -> Self {
        use aiootp::passcrypt::Error as E;
        let flag = |r: aiootp::passcrypt::Resource| match r {
            aiootp::passcrypt::Resource::Mb => "mb",
            aiootp::passcrypt::Resource::Cpu => "cpu",
            aiootp::passcrypt::Resource::Cores => "cores",
        };
        match e {
            E::InvalidPassphrase => Self::auth("the passphrase does not match the hash"),
            E::TimestampExpired { .. } => Self::auth("the hash is older than --ttl allows"),
            E::MalformedHash => Self::usage("HASH is not a passcrypt hash (damaged or cut short?)"),
            E::PassphraseTooShort { missing } => Self::usage(format!(
                "the passphrase is too short: give at least {missing} more bytes (`aiootp mnemonic` makes a strong one)"
            )),
            E::ResourceNotAllowed { parameter, value } => {
                let flag = flag(parameter);
                Self::usage(format!(
                    "the hash asks for --{flag} {value}, more than allowed (raise the limit with --max-{flag})"
                ))
            }
            E::InvalidMb { .. } | E::MbTooLargeForHash { .. } => Self::usage(format!(
                "--mb is too large: at most {} MiB per core",
                1u64 << 24
            )),
            E::InvalidCpu { cpu } => Self::usage(format!("--cpu {cpu} is outside 1 to 256")),
            E::InvalidCores { cores } => {
                Self::usage(format!("--cores {cores} is outside 1 to 256"))
            }
            E::InvalidTagSize { tag_size } => {
                Self::usage(format!("--tag-size {tag_size} is too small: at least 16"))
            }
            E::TagSizeTooLarge { tag_size, max } => {
                Self::usage(format!("--tag-size {tag_size} is too large: at most {max}"))
            }
            E::InvalidSaltSize { len } => {
                Self::usage(format!("a salt of {len} bytes: salts are 4 to 256 bytes"))
            }
            E::InvalidSaltSizeSetting { salt_size } => {
                Self::usage(format!("--salt-size {salt_size} is outside 4 to 256"))
            }
            E::OutOfMemory { bytes } => Self::io(
                "Passcrypt",
                format!("could not allocate {} MiB (lower --mb)", bytes >> 20),
            ),
            other => Self::io("Passcrypt", other),
        }
    }
}

impl From<aiootp::db::Error> for CliError {
    fn from(e: aiootp::db::Error) -> Self {
        use aiootp::db::Error as E;
        match e {
            E::Locked { location } => Self::io(
                location,
                "in use by another aiootp process; try again when it has finished",
            ),
            E::Storage(s) => s.into(),
            E::Conflict { location, .. } => Self {
                kind: Kind::Conflict,
                message: format!(
                    "{location}: other clients kept saving the database at the same time; gave up after 30 s of retries, nothing of this command was written"
                ),
            },
            E::Unsaved => Self::usage("the database has changes not yet saved"),
            E::NotARegularFile { location } => Self::auth(format!(
                "{location}: not a regular file, so not a database file (the folder was changed by someone else?)"
            )),
            E::FileTooLarge { location, len, max } => Self::io(
                location,
                format!("{len} bytes, more than a database file may hold ({max})"),
            ),
            E::MetatagTooDeep { max } => {
                Self::usage(format!("metatags nest at most {max} levels deep"))
            }
            E::InvalidFileName { .. } | E::Corrupt { .. } => Self::auth(format!(
                "the database is damaged or was changed by someone else ({e})"
            )),
            E::Cipher { source, .. } => match source {
                aiootp::chunky2048::Error::TimestampExpired { expired_by } => Self::auth(format!(
                    "the value is older than --ttl allows (by {expired_by} s)"
                )),
                aiootp::chunky2048::Error::InvalidShmac
                | aiootp::chunky2048::Error::InvalidBlockId { .. } => Self::auth(
                    "the data does not authenticate: a wrong key, profile, filename or aad, or it was changed",
                ),
                other => other.into(),
            },
            E::NotFound { location } => Self::auth(format!(
                "no database for this key or profile in {location}; check the key file or profile"
            )),
            E::AlreadyExists { location } => Self::auth(format!(
                "a database for this key or profile already exists in {location}"
            )),
            E::UnknownTag { tag } => Self::usage(format!("no tag named {tag:?} (see `list`)")),
            E::UnknownMetatag { name } => {
                Self::usage(format!("no metatag named {name:?} (see `list`)"))
            }
            E::Json { tag, reason } => {
                Self::usage(format!("the value of {tag:?} is not JSON ({reason})"))
            }
            E::InvalidHmac => Self::auth("the HMAC does not match the data"),
            E::NoData => Self::usage("nothing to authenticate: give data on stdin"),
            E::Passcrypt(p) => p.into(),
            E::Core(c) => Self::io("the random number generator", c),
            other => Self::io("database", other),
        }
    }
}

impl From<aiootp::db::storage::Error> for CliError {
    fn from(e: aiootp::db::storage::Error) -> Self {
        use aiootp::db::storage::{Error as S, Refusal};
        match e {
            S::InvalidUrl { url, reason } => Self::usage(format!("--url {url}: {reason}")),
            S::Refused {
                location,
                reason: Refusal::NotARegularFile | Refusal::InvalidName,
            } => Self::auth(format!(
                "{location}: not a database file (the folder was changed by someone else?)"
            )),
            S::Conflict { .. } | S::Locked { .. } | S::TooLarge { .. } => {
                aiootp::db::Error::from(e).into()
            }
            S::NotFound { location } => Self::io(location, "does not exist"),
            S::Io { location, source } => Self::io(location, source),
            other => {
                let location = other.location().to_owned();
                let message = other.to_string();
                let message = message
                    .strip_prefix(&format!("{location}: "))
                    .map_or_else(|| message.clone(), str::to_owned);
                Self::io(location, message)
            }
        }
    }
}

/// The CLI's `Result`.
pub type Result<T, E = CliError> = core::result::Result<T, E>;

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
            Kind::Io => 3,
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
            E::InvalidShmac | E::InvalidBlockId { .. } => {
                Self::auth(format!("{e} (wrong key or aad, or the data was changed)"))
            }
            E::TimestampExpired { .. } => Self::auth(e.to_string()),
            // A damaged (truncated or extended) ciphertext fails verification.
            E::InvalidCiphertextLength { .. } => {
                Self::auth(format!("{e} (the ciphertext was truncated or damaged)"))
            }
            E::Io(io) => Self::io("I/O", io),
            other => Self::usage(format!(
                "{other} (the input is not a valid aiootp ciphertext)"
            )),
        }
    }
}

impl From<aiootp::passcrypt::Error> for CliError {
    fn from(e: aiootp::passcrypt::Error) -> Self {
        use aiootp::passcrypt::Error as E;
        match e {
            E::InvalidPassphrase => Self::auth("the passphrase does not match the hash"),
            E::TimestampExpired { .. } => Self::auth("the hash is older than --ttl allows"),
            E::PassphraseTooShort { missing } => Self::usage(format!(
                "the passphrase is too short: give at least {missing} more bytes (`aiootp mnemonic` makes a strong one)"
            )),
            E::ResourceNotAllowed { parameter, value } => {
                let flag = match parameter {
                    aiootp::passcrypt::Resource::Mb => "mb",
                    aiootp::passcrypt::Resource::Cpu => "cpu",
                    aiootp::passcrypt::Resource::Cores => "cores",
                };
                Self::usage(format!(
                    "the hash asks for {flag} {value}, more than allowed (raise the limit with --max-{flag})"
                ))
            }
            other => Self::usage(other.to_string()),
        }
    }
}

impl From<aiootp::db::Error> for CliError {
    fn from(e: aiootp::db::Error) -> Self {
        if e.is_authentication_failure() {
            return Self::auth(e.to_string());
        }
        match e {
            aiootp::db::Error::Io { .. } | aiootp::db::Error::Locked { .. } => Self {
                kind: Kind::Io,
                message: e.to_string(),
            },
            aiootp::db::Error::NotFound { .. } => {
                Self::auth(format!("{e}; check the key file or profile"))
            }
            other => Self::usage(other.to_string()),
        }
    }
}

/// The CLI's `Result`.
pub type Result<T, E = CliError> = core::result::Result<T, E>;

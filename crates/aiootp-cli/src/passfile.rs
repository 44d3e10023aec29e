//! Files encrypted under a passphrase (`encrypt -p`), the format of
//! `docs/passphrase-files.md`:
//!
//! ```text
//! offset  bytes  field
//! 0       21     magic  "aiootp-passphrase/v1\n"
//! 21      4      mb     Passcrypt memory in MiB, big-endian
//! 25      2      cpu    Passcrypt cpu, big-endian
//! 27      2      cores  Passcrypt cores, big-endian
//! 29      32     salt   random
//! 61      …      Chunky2048(key).bytes_encrypt(plaintext, aad=aad)
//! ```
//!
//! with `key = Passcrypt.new(passphrase, salt, aad=header, mb=mb, cpu=cpu,
//! cores=cores, tag_size=64)` over the 61 header bytes, so a changed
//! parameter or salt gives another key and the file does not authenticate.

use crate::error::{CliError, Result};
use aiootp::passcrypt::{Passcrypt, Settings};
use aiootp::primitives::SecretBytes;

/// The first bytes of every passphrase file.
pub const MAGIC: &[u8; 21] = b"aiootp-passphrase/v1\n";
/// Bytes of salt.
const SALT_BYTES: usize = 32;
/// Bytes of the header: magic, mb, cpu, cores, salt.
pub const HEADER_BYTES: usize = MAGIC.len() + 4 + 2 + 2 + SALT_BYTES;
/// Bytes of the derived Chunky2048 key.
const KEY_BYTES: usize = 64;

/// The Passcrypt work of a passphrase file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// MiB of memory in total.
    pub mb: u64,
    /// Passes.
    pub cpu: u64,
    /// Parallel cores.
    pub cores: u64,
}

impl Work {
    /// The reference's Passcrypt defaults: about 1.2 s on a 2-core machine
    /// (measured with `time aiootp passcrypt hash --mb 64 --cpu 2 --cores 4`).
    pub const DEFAULT: Self = Self {
        mb: 64,
        cpu: 2,
        cores: 4,
    };

    /// Refuses work outside what the header and Passcrypt can hold.
    pub fn check(self) -> Result<Self> {
        if !(1..=u64::from(u32::MAX)).contains(&self.mb) {
            return Err(CliError::usage("--mb takes 1 to 4294967295"));
        }
        if !(1..=256).contains(&self.cpu) {
            return Err(CliError::usage("--cpu takes 1 to 256"));
        }
        if !(1..=256).contains(&self.cores) {
            return Err(CliError::usage("--cores takes 1 to 256"));
        }
        if self.mb.div_ceil(self.cores) > 1 << 24 {
            return Err(CliError::usage(
                "--mb is too large: at most 16777216 MiB per core",
            ));
        }
        Ok(self)
    }
}

/// A parsed header.
#[derive(Debug, Clone)]
pub struct Header {
    /// The Passcrypt work.
    pub work: Work,
    /// The header's bytes, the Passcrypt aad.
    bytes: [u8; HEADER_BYTES],
}

impl Header {
    /// A new header with a fresh random salt.
    pub fn new(work: Work) -> Result<Self> {
        let work = work.check()?;
        let salt = aiootp::primitives::token_bytes(SALT_BYTES)
            .map_err(|e| CliError::io("the random number generator", e))?;
        let mut bytes = [0u8; HEADER_BYTES];
        let mut at = 0;
        for piece in [
            &MAGIC[..],
            // `check` bounds these to the widths written.
            &u32::try_from(work.mb).unwrap_or(u32::MAX).to_be_bytes(),
            &u16::try_from(work.cpu).unwrap_or(u16::MAX).to_be_bytes(),
            &u16::try_from(work.cores).unwrap_or(u16::MAX).to_be_bytes(),
            &salt,
        ] {
            bytes[at..at + piece.len()].copy_from_slice(piece);
            at += piece.len();
        }
        Ok(Self { work, bytes })
    }

    /// Whether `start` (the first bytes of a file) begins with the magic.
    pub fn is_passphrase_file(start: &[u8]) -> bool {
        start.starts_with(MAGIC)
    }

    /// Parses the first [`HEADER_BYTES`] of a file.
    pub fn parse(start: &[u8]) -> Result<Self> {
        let bytes: [u8; HEADER_BYTES] = start
            .get(..HEADER_BYTES)
            .and_then(|b| b.try_into().ok())
            .filter(|b: &[u8; HEADER_BYTES]| b.starts_with(MAGIC))
            .ok_or_else(|| {
                CliError::auth("the passphrase file's header is cut short (truncated?)")
            })?;
        let m = MAGIC.len();
        let be = |r: core::ops::Range<usize>| {
            bytes[r]
                .iter()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
        };
        let work = Work {
            mb: be(m..m + 4),
            cpu: be(m + 4..m + 6),
            cores: be(m + 6..m + 8),
        };
        let work = work.check().map_err(|_| {
            CliError::auth("the passphrase file's header holds impossible Passcrypt settings")
        })?;
        Ok(Self { work, bytes })
    }

    /// The header's bytes, written before the ciphertext.
    pub fn bytes(&self) -> &[u8; HEADER_BYTES] {
        &self.bytes
    }

    /// The Chunky2048 key of `passphrase` for this header.
    pub fn key(&self, passphrase: &[u8]) -> Result<SecretBytes> {
        let salt = &self.bytes[HEADER_BYTES - SALT_BYTES..];
        Ok(Passcrypt::default().derive(
            passphrase,
            salt,
            &self.bytes,
            Settings {
                mb: self.work.mb,
                cpu: self.work.cpu,
                cores: self.work.cores,
                tag_size: KEY_BYTES,
            },
        )?)
    }
}

/// The most Passcrypt work `decrypt` spends on a file without being asked.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `--max-mb`.
    pub mb: u64,
    /// `--max-cpu`.
    pub cpu: u64,
    /// `--max-cores`.
    pub cores: u64,
}

impl Limits {
    /// Refuses a header asking for more than the limits (a hostile file
    /// could ask for terabytes).
    pub fn allow(&self, work: Work) -> Result<()> {
        for (flag, value, max) in [
            ("mb", work.mb, self.mb),
            ("cpu", work.cpu, self.cpu),
            ("cores", work.cores, self.cores),
        ] {
            if value > max {
                return Err(CliError::usage(format!(
                    "the file asks for Passcrypt --{flag} {value}, more than allowed (raise the limit with --max-{flag})"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_binds_its_fields() {
        let work = Work {
            mb: 3,
            cpu: 2,
            cores: 1,
        };
        let h = Header::new(work).unwrap();
        let parsed = Header::parse(h.bytes()).unwrap();
        assert_eq!(parsed.work, work);
        let pass = b"correct horse battery staple";
        let k = h.key(pass).unwrap();
        assert_eq!(parsed.key(pass).unwrap().expose(), k.expose());
        // A changed salt byte is another key.
        let mut other = *h.bytes();
        other[HEADER_BYTES - 1] ^= 1;
        let changed = Header::parse(&other).unwrap();
        assert_ne!(changed.key(pass).unwrap().expose(), k.expose());
    }

    #[test]
    fn hostile_headers_are_refused() {
        let h = Header::new(Work::DEFAULT).unwrap();
        assert!(Header::parse(&h.bytes()[..HEADER_BYTES - 1]).is_err());
        let mut zero_cores = *h.bytes();
        zero_cores[MAGIC.len() + 6..MAGIC.len() + 8].copy_from_slice(&[0, 0]);
        assert!(Header::parse(&zero_cores).is_err());
        let mut huge = *h.bytes();
        huge[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&[0xff; 4]);
        huge[MAGIC.len() + 6..MAGIC.len() + 8].copy_from_slice(&[1, 0]);
        let parsed = Header::parse(&huge).unwrap();
        let limits = Limits {
            mb: 1024,
            cpu: 32,
            cores: 16,
        };
        assert!(limits.allow(parsed.work).is_err());
    }
}

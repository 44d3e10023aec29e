//! Options shared by several commands: associated data and names given as
//! text, hex or a file, so that any bytes can be passed (argv cannot hold
//! NUL, nor more than the system's argument limit).

use crate::error::{CliError, Result};
use crate::files::read_bounded;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// The largest `--aad-file` read.
const MAX_AAD_FILE: u64 = 64 << 20;

/// Associated data: `--aad TEXT`, `--aad-hex HEX` or `--aad-file FILE`
/// (empty when none is given).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Aad {
    /// Associated data (text) that decryption must present too.
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["aad_hex", "aad_file"], allow_hyphen_values = true)]
    aad: Option<String>,
    /// The associated data in hex (any bytes).
    #[arg(long, value_name = "HEX", conflicts_with = "aad_file")]
    aad_hex: Option<String>,
    /// The associated data: the bytes of this file.
    #[arg(long, value_name = "FILE")]
    aad_file: Option<PathBuf>,
}

impl Aad {
    /// The bytes given.
    pub fn bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        aad_bytes(
            self.aad.as_deref(),
            self.aad_hex.as_deref(),
            self.aad_file.as_ref(),
        )
    }
}

/// A profile's associated data (the reference's `generate_profile(aad=…)`),
/// taken by `db` before its subcommand, or after a subcommand that has no
/// associated data of its own.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProfileAad {
    /// The profile's associated data (text; with --profile).
    #[arg(long = "aad", id = "profile_aad", value_name = "TEXT", allow_hyphen_values = true,
          conflicts_with_all = ["profile_aad_hex", "profile_aad_file"])]
    aad: Option<String>,
    /// The profile's associated data in hex.
    #[arg(
        long = "aad-hex",
        id = "profile_aad_hex",
        value_name = "HEX",
        conflicts_with = "profile_aad_file"
    )]
    aad_hex: Option<String>,
    /// The profile's associated data: the bytes of this file.
    #[arg(long = "aad-file", id = "profile_aad_file", value_name = "FILE")]
    aad_file: Option<PathBuf>,
}

impl ProfileAad {
    /// Whether any form was given.
    pub fn is_given(&self) -> bool {
        self.aad.is_some() || self.aad_hex.is_some() || self.aad_file.is_some()
    }

    /// The bytes given (empty when none).
    pub fn bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        aad_bytes(
            self.aad.as_deref(),
            self.aad_hex.as_deref(),
            self.aad_file.as_ref(),
        )
    }
}

fn aad_bytes(
    text: Option<&str>,
    hex: Option<&str>,
    file: Option<&PathBuf>,
) -> Result<Zeroizing<Vec<u8>>> {
    Ok(match (text, hex, file) {
        (Some(t), _, _) => Zeroizing::new(t.as_bytes().to_vec()),
        (_, Some(h), _) => Zeroizing::new(hex_arg(h, "--aad-hex")?),
        (_, _, Some(f)) => read_bounded(f, MAX_AAD_FILE, "aad file")?,
        _ => Zeroizing::new(Vec::new()),
    })
}

/// Hex digits (upper or lower case, an even number, spaces ignored) as bytes.
pub fn hex_arg(text: &str, flag: &str) -> Result<Vec<u8>> {
    let digits: String = text.split_ascii_whitespace().collect();
    aiootp::primitives::hex_to_bytes(&digits)
        .ok_or_else(|| CliError::usage(format!("{flag} takes hex digits (an even number)")))
}

/// A name (a tag, a metatag, a filename) given as text or as `--…-hex`:
/// names are text to the database (the reference's `str`), so hex must
/// decode to UTF-8; it may hold NUL, newlines, anything argv cannot.
pub fn name(text: Option<&str>, hex: Option<&str>, what: &str, flag: &str) -> Result<String> {
    match (text, hex) {
        (Some(t), None) => Ok(t.to_owned()),
        (None, Some(h)) => String::from_utf8(hex_arg(h, flag)?).map_err(|_| {
            CliError::usage(format!(
                "{flag}: {what} names are text, and these bytes are not UTF-8"
            ))
        }),
        (Some(_), Some(_)) => Err(CliError::usage(format!(
            "give the {what} name as text or with {flag}, not both"
        ))),
        (None, None) => Err(CliError::usage(format!(
            "give the {what} name (or {flag} HEX)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_names_hold_what_argv_cannot() {
        let n = name(None, Some("61 00 0a 62"), "tag", "--tag-hex").unwrap();
        assert_eq!(n, "a\0\nb");
        assert!(name(None, Some("ff"), "tag", "--tag-hex").is_err());
        assert!(name(None, Some("abc"), "tag", "--tag-hex").is_err());
        assert!(name(Some("a"), Some("61"), "tag", "--tag-hex").is_err());
        assert!(name(None, None, "tag", "--tag-hex").is_err());
    }
}

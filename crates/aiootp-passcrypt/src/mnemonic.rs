//! `mnemonic`: words chosen by a key, from a passphrase (through
//! Passcrypt) or at random (spec keygens §4).

use crate::wordlist::WORD_LIST;
use crate::{Passcrypt, Result, Settings};
use aiootp_core::{Domains, keyed_choices};
use zeroize::Zeroizing;

/// `Passcrypt.new`'s salt for a mnemonic: `salt ‖ Domains.MNEMONIC`, or
/// `Domains.MNEMONIC` alone for an empty salt.
#[must_use]
pub fn mnemonic_salt(salt: &[u8]) -> Vec<u8> {
    [salt, &Domains::MNEMONIC[..]].concat()
}

/// `size` words chosen from `words` (the reference list when `None`) by `key`:
/// `keyed_choices(words, size, domain=Domains.MNEMONIC, key=key)`.
///
/// # Errors
/// An empty word list or `size == 0`.
pub fn mnemonic_from_key(key: &[u8], size: usize, words: Option<&[&[u8]]>) -> Result<Vec<Vec<u8>>> {
    let default: Vec<&[u8]> = WORD_LIST.iter().map(|w| w.as_bytes()).collect();
    let words = words.unwrap_or(&default);
    let picks = keyed_choices(words.len(), size, &Domains::MNEMONIC, key)?;
    Ok(picks.into_iter().map(|i| words[i].to_vec()).collect())
}

impl Passcrypt {
    /// `mnemonic(passphrase, size, salt=salt, words=words, **settings)`:
    /// the key is `Passcrypt.new(passphrase, salt ‖ Domains.MNEMONIC,
    /// **settings)` (`settings` defaults to mb 64, cpu 2, cores 4, tag 64).
    ///
    /// # Errors
    /// The Passcrypt checks (a passphrase of at least 12 bytes), or `size == 0`.
    pub fn mnemonic(
        &self,
        passphrase: &[u8],
        size: usize,
        salt: &[u8],
        words: Option<&[&[u8]]>,
        settings: Option<Settings>,
    ) -> Result<Vec<Vec<u8>>> {
        let key = self.derive(
            passphrase,
            &mnemonic_salt(salt),
            b"",
            settings.unwrap_or(Settings::NEW_DEFAULTS),
        )?;
        mnemonic_from_key(key.expose(), size, words)
    }
}

/// A random mnemonic of `size` words (the reference's `mnemonic()` without
/// a passphrase): the key is 64 bytes from the CSPRNG.
///
/// # Errors
/// CSPRNG failure or `size == 0`.
pub fn random_mnemonic(size: usize) -> Result<Vec<Vec<u8>>> {
    let key = Zeroizing::new(aiootp_core::csprng()?);
    mnemonic_from_key(&key[..], size, None)
}

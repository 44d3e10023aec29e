//! Randomness from the operating system CSPRNG (`getrandom`).
//!
//! The reference mixes several entropy pools into SHA3; no output of it can
//! be reproduced, so the port takes the OS generator directly and hashes in
//! caller entropy where the API accepts it.

use crate::error::{Error, Result};
use crate::hash::hash_bytes;

/// Fills `buf` from the OS CSPRNG.
///
/// # Errors
/// [`Error::Rng`] if the OS generator fails.
pub fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf)?;
    Ok(())
}

/// `secrets.token_bytes(size)`.
///
/// # Errors
/// [`Error::Rng`] if the OS generator fails.
#[doc(alias = "atoken_bytes")]
pub fn token_bytes(size: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; size];
    fill_random(&mut out)?;
    Ok(out)
}

/// A random fixed-size array.
///
/// # Errors
/// [`Error::Rng`] if the OS generator fails.
pub fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    fill_random(&mut out)?;
    Ok(out)
}

/// `csprng()`: 64 random bytes.
///
/// # Errors
/// [`Error::Rng`] if the OS generator fails.
#[doc(alias = "acsprng")]
pub fn csprng() -> Result<[u8; 64]> {
    random_array()
}

/// `csprng(entropy)`: 64 bytes of SHA3-512 over fresh OS randomness and the
/// caller's extra `entropy`.
///
/// # Errors
/// [`Error::Rng`] if the OS generator fails.
pub fn csprng_with(entropy: &[u8]) -> Result<[u8; 64]> {
    let fresh: [u8; 64] = random_array()?;
    Ok(hash_bytes(&[&fresh, entropy]))
}

/// `generate_salt(size)`: `size` random bytes, 8 to 64 inclusive.
///
/// # Errors
/// [`Error::InvalidSize`] outside 8..=64, [`Error::Rng`] on OS failure.
pub fn generate_salt(size: usize) -> Result<Vec<u8>> {
    if !(8..=64).contains(&size) {
        return Err(Error::InvalidSize {
            what: "salt",
            size,
            min: 8,
            max: 64,
        });
    }
    token_bytes(size)
}

/// `generate_key(size)`: a new random key of at least 64 bytes
/// (the reference's default is 168).
///
/// # Errors
/// [`Error::InvalidSize`] below 64, [`Error::Rng`] on OS failure.
#[doc(alias = "agenerate_key")]
pub fn generate_key(size: usize) -> Result<crate::secret::SecretBytes> {
    if size < 64 {
        return Err(Error::InvalidSize {
            what: "key",
            size,
            min: 64,
            max: usize::MAX,
        });
    }
    Ok(crate::secret::SecretBytes::new(token_bytes(size)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_freshness() {
        assert_eq!(token_bytes(33).unwrap().len(), 33);
        assert_ne!(csprng().unwrap(), csprng().unwrap());
        assert_ne!(csprng_with(b"x").unwrap(), csprng_with(b"x").unwrap());
        assert!(generate_salt(7).is_err());
        assert!(generate_salt(65).is_err());
        assert_eq!(generate_salt(16).unwrap().len(), 16);
        assert!(generate_key(63).is_err());
        assert_eq!(generate_key(168).unwrap().expose().len(), 168);
    }
}

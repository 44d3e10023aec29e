//! The async face: Passcrypt's work runs on tokio's blocking pool, never on
//! the reactor.

use crate::{AllowedRanges, Error, Passcrypt, Result, Settings};
use zeroize::Zeroizing;

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Task(e.to_string()))?
}

impl Passcrypt {
    /// [`Passcrypt::hash_passphrase`] on the blocking pool.
    ///
    /// # Errors
    /// As [`Passcrypt::hash_passphrase`].
    pub async fn hash_passphrase_async(
        &self,
        passphrase: Vec<u8>,
        aad: Vec<u8>,
        settings: Settings,
        salt_size: usize,
    ) -> Result<Vec<u8>> {
        let pc = self.clone();
        let passphrase = Zeroizing::new(passphrase);
        blocking(move || pc.hash_passphrase(&passphrase, &aad, settings, salt_size)).await
    }

    /// [`Passcrypt::verify`] on the blocking pool.
    ///
    /// # Errors
    /// As [`Passcrypt::verify`].
    pub async fn verify_async(
        &self,
        hash: Vec<u8>,
        passphrase: Vec<u8>,
        aad: Vec<u8>,
        ttl: u64,
        allowed: AllowedRanges,
    ) -> Result<()> {
        let pc = self.clone();
        let passphrase = Zeroizing::new(passphrase);
        blocking(move || pc.verify(&hash, &passphrase, &aad, ttl, &allowed)).await
    }

    /// [`Passcrypt::derive`] on the blocking pool.
    ///
    /// # Errors
    /// As [`Passcrypt::derive`].
    pub async fn derive_async(
        &self,
        passphrase: Vec<u8>,
        salt: Vec<u8>,
        aad: Vec<u8>,
        settings: Settings,
    ) -> Result<aiootp_core::SecretBytes> {
        let pc = self.clone();
        let passphrase = Zeroizing::new(passphrase);
        blocking(move || pc.derive(&passphrase, &salt, &aad, settings)).await
    }
}

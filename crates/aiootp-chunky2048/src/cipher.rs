//! The high-level cipher: `bytes_encrypt` / `bytes_decrypt`, tokens and JSON.

use crate::block::as_block;
use crate::constants::*;
use crate::engine::{Opener, Sealer};
use crate::error::{Error, Result};
use crate::kdf::{KeyAadBundle, KeySchedule};
use crate::message::{
    Header, MessageRandomness, block_count, check_ttl, timestamp_of, unpadded_len,
    write_end_padding,
};
use aiootp_core::{Clock, SystemClock, bytes_are_equal};
use aiootp_core::{bytes_to_urlsafe, urlsafe_to_bytes};
use std::sync::Arc;
use zeroize::Zeroize;

/// Chunky2048 under one long-lived key.
///
/// Construction absorbs the key into the four SHAKE-128 states once; every
/// message then starts from clones of them, so short messages pay only for
/// their own permutations. Cheap to clone (the states are shared).
///
/// ```
/// use aiootp_chunky2048::Chunky2048;
/// let key = aiootp_core::generate_key(168)?;
/// let cipher = Chunky2048::new(key.expose())?;
/// let ct = cipher.bytes_encrypt(b"hello", b"context")?;
/// assert_eq!(cipher.bytes_decrypt(&ct, b"context", 0)?, b"hello");
/// assert!(cipher.bytes_decrypt(&ct, b"other", 0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Chunky2048 {
    keys: Arc<KeySchedule>,
    clock: Arc<dyn Clock>,
}

impl core::fmt::Debug for Chunky2048 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Chunky2048")
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Chunky2048 {
    /// A cipher under `key` (at least 64 bytes) reading the system clock.
    ///
    /// # Errors
    /// [`Error::EmptyKey`] or [`Error::KeyTooShort`].
    pub fn new(key: &[u8]) -> Result<Self> {
        Ok(Self {
            keys: Arc::new(KeySchedule::new(key)?),
            clock: Arc::new(SystemClock),
        })
    }

    /// The same key with another clock (timestamps and ttl checks).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The clock this cipher reads.
    #[must_use]
    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// A one-use key bundle for `(salt, aad, iv)`.
    pub(crate) fn bundle(
        &self,
        salt: [u8; SALT_BYTES],
        aad: &[u8],
        iv: [u8; IV_BYTES],
    ) -> Result<KeyAadBundle> {
        KeyAadBundle::new(&self.keys, salt, aad, iv)
    }

    /// `bytes_encrypt(data, key, aad=aad)`:
    /// `shmac(32) ‖ salt(16) ‖ iv(16) ‖ ciphertext(256·N)`.
    ///
    /// # Errors
    /// [`Error::AadTooLong`], or [`Error::Core`] if the CSPRNG or clock fails.
    #[doc(alias = "abytes_encrypt")]
    pub fn bytes_encrypt(&self, data: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let r = MessageRandomness::generate(&*self.clock)?;
        self.encrypt_with(data, aad, &r)
    }

    pub(crate) fn encrypt_with(
        &self,
        data: &[u8],
        aad: &[u8],
        r: &MessageRandomness,
    ) -> Result<Vec<u8>> {
        let bundle = self.bundle(r.salt, aad, r.iv)?;
        let n = block_count(data.len());
        let mut out = vec![0u8; HEADER_BYTES + BLOCKSIZE * n];
        let (header, body) = out.split_at_mut(HEADER_BYTES);
        body[..INNER_HEADER_BYTES].copy_from_slice(&r.inner_header());
        let data_end = INNER_HEADER_BYTES + data.len();
        body[INNER_HEADER_BYTES..data_end].copy_from_slice(data);
        write_end_padding(&mut body[data_end..], &r.extra_padding, data.len());
        let mut engine = Sealer::new(bundle);
        for block in body.chunks_exact_mut(BLOCKSIZE) {
            engine.seal_block(as_block(block));
        }
        let tag = engine.finalize();
        header.copy_from_slice(
            &Header {
                tag,
                salt: r.salt,
                iv: r.iv,
            }
            .to_bytes(),
        );
        Ok(out)
    }

    /// `bytes_decrypt(data, key, aad=aad, ttl=ttl)`. Checks, in the
    /// reference's order: length, tag, then `ttl` (seconds; 0 = no limit).
    /// No plaintext is released unless the tag verifies.
    ///
    /// # Errors
    /// [`Error::InvalidCiphertextLength`], [`Error::InvalidShmac`],
    /// [`Error::TimestampExpired`], [`Error::AadTooLong`].
    #[doc(alias = "abytes_decrypt")]
    pub fn bytes_decrypt(&self, data: &[u8], aad: &[u8], ttl: u64) -> Result<Vec<u8>> {
        check_ciphertext_len(data.len())?;
        self.bytes_decrypt_owned(data.to_vec(), aad, ttl)
    }

    /// [`Self::bytes_decrypt`] in the ciphertext's own buffer: no second
    /// copy of a large message is made. On any error the buffer is wiped.
    ///
    /// # Errors
    /// As [`Self::bytes_decrypt`].
    pub fn bytes_decrypt_owned(&self, mut data: Vec<u8>, aad: &[u8], ttl: u64) -> Result<Vec<u8>> {
        check_ciphertext_len(data.len())?;
        let header = Header::parse(&data)?;
        let bundle = self.bundle(header.salt, aad, header.iv)?;
        let mut engine = Opener::new(bundle);
        engine.open_blocks(&mut data[HEADER_BYTES..]);
        if !bytes_are_equal(&engine.finalize(), &header.tag) {
            data.zeroize();
            return Err(Error::InvalidShmac);
        }
        if let Err(e) = check_ttl(self.clock(), timestamp_of(&data[HEADER_BYTES..]), ttl) {
            data.zeroize();
            return Err(e);
        }
        let start = HEADER_BYTES + INNER_HEADER_BYTES;
        let len = unpadded_len(&data[start..]);
        data.copy_within(start..start + len, 0);
        data[len..].zeroize();
        data.truncate(len);
        Ok(data)
    }

    /// `Chunky2048.make_token(data, aad=aad)`: URL-safe base64 of
    /// [`Self::bytes_encrypt`] without `=`.
    ///
    /// # Errors
    /// As [`Self::bytes_encrypt`].
    #[doc(alias = "amake_token")]
    pub fn make_token(&self, data: &[u8], aad: &[u8]) -> Result<String> {
        Ok(bytes_to_urlsafe(&self.bytes_encrypt(data, aad)?))
    }

    /// `Chunky2048.read_token(token, aad=aad, ttl=ttl)`. Decodes with
    /// Python's lenient base64 rules, so every reference token reads.
    ///
    /// # Errors
    /// [`Error::InvalidToken`], then as [`Self::bytes_decrypt`].
    #[doc(alias = "aread_token")]
    pub fn read_token(&self, token: impl AsRef<[u8]>, aad: &[u8], ttl: u64) -> Result<Vec<u8>> {
        let ct = urlsafe_to_bytes(token.as_ref()).map_err(Error::InvalidToken)?;
        self.bytes_decrypt(&ct, aad, ttl)
    }

    /// `json_encrypt(value, aad=aad)`: encrypts `json.dumps(value)` with
    /// Python's exact formatting (see [`aiootp_core::python_dumps`]).
    ///
    /// # Errors
    /// [`Error::JsonEncode`], then as [`Self::bytes_encrypt`].
    #[cfg(feature = "json")]
    #[doc(alias = "ajson_encrypt")]
    pub fn json_encrypt<T: serde::Serialize + ?Sized>(
        &self,
        value: &T,
        aad: &[u8],
    ) -> Result<Vec<u8>> {
        let text = aiootp_core::to_python_json(value).map_err(|e| Error::JsonEncode(e.into()))?;
        self.bytes_encrypt(text.as_bytes(), aad)
    }

    /// `json_decrypt(data, aad=aad, ttl=ttl)`: authenticates, then parses.
    ///
    /// # Errors
    /// As [`Self::bytes_decrypt`], then [`Error::JsonDecode`].
    #[cfg(feature = "json")]
    #[doc(alias = "ajson_decrypt")]
    pub fn json_decrypt<T: serde::de::DeserializeOwned>(
        &self,
        data: &[u8],
        aad: &[u8],
        ttl: u64,
    ) -> Result<T> {
        let mut plain = self.bytes_decrypt(data, aad, ttl)?;
        let parsed = serde_json::from_slice(&plain).map_err(|e| Error::JsonDecode(e.into()));
        plain.zeroize();
        parsed
    }
}

/// The first check of `bytes_decrypt`: `len - 64` must be a positive
/// multiple of 256.
///
/// # Errors
/// [`Error::InvalidCiphertextLength`].
pub fn check_ciphertext_len(len: usize) -> Result<()> {
    let body_len = len.saturating_sub(HEADER_BYTES);
    if body_len == 0 || !body_len.is_multiple_of(BLOCKSIZE) {
        return Err(Error::InvalidCiphertextLength { len });
    }
    Ok(())
}

/// The module-level `bytes_encrypt(data, key, aad=aad)`.
///
/// # Errors
/// As [`Chunky2048::new`] and [`Chunky2048::bytes_encrypt`].
pub fn bytes_encrypt(data: &[u8], key: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    Chunky2048::new(key)?.bytes_encrypt(data, aad)
}

/// The module-level `bytes_decrypt(data, key, aad=aad, ttl=ttl)`, with the
/// reference's check order: ciphertext length before key.
///
/// # Errors
/// As [`Chunky2048::bytes_decrypt`], and the key errors of [`Chunky2048::new`].
pub fn bytes_decrypt(data: &[u8], key: &[u8], aad: &[u8], ttl: u64) -> Result<Vec<u8>> {
    check_ciphertext_len(data.len())?;
    Chunky2048::new(key)?.bytes_decrypt(data, aad, ttl)
}

/// The module-level `json_encrypt(value, key, aad=aad)`.
///
/// # Errors
/// As [`Chunky2048::json_encrypt`].
#[cfg(feature = "json")]
pub fn json_encrypt<T: serde::Serialize + ?Sized>(
    value: &T,
    key: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>> {
    Chunky2048::new(key)?.json_encrypt(value, aad)
}

/// The module-level `json_decrypt(data, key, aad=aad, ttl=ttl)`.
///
/// # Errors
/// As [`bytes_decrypt`], then [`Error::JsonDecode`].
#[cfg(feature = "json")]
pub fn json_decrypt<T: serde::de::DeserializeOwned>(
    data: &[u8],
    key: &[u8],
    aad: &[u8],
    ttl: u64,
) -> Result<T> {
    check_ciphertext_len(data.len())?;
    Chunky2048::new(key)?.json_decrypt(data, aad, ttl)
}

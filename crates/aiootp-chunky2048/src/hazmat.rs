//! **Hazardous materials.** Encryption with caller-supplied salt, iv,
//! timestamp, SIV key and padding, and the engine internals, for
//! known-answer tests and protocol work.
//!
//! Reusing randomness here destroys the guarantees the normal API gives:
//! only use it to reproduce vectors.

use crate::Chunky2048;
use crate::CipherStream;
use crate::constants::*;
use crate::error::Result;

pub use crate::block::Block;
pub use crate::constants::METADATA;
pub use crate::engine::{Direction, Engine, Open, Opener, Seal, Sealer, block_id};
pub use crate::kdf::{KeyAadBundle, domain_salts, summary};
pub use crate::message::{MessageRandomness, block_count, padding_size, write_end_padding};

/// `bytes_encrypt` with every random input given.
///
/// # Errors
/// [`crate::Error::AadTooLong`].
pub fn bytes_encrypt(
    cipher: &Chunky2048,
    data: &[u8],
    aad: &[u8],
    r: &MessageRandomness,
) -> Result<Vec<u8>> {
    cipher.encrypt_with(data, aad, r)
}

/// A [`CipherStream`] with every random input given (the end padding is cut
/// from `r.extra_padding` at `finalize`).
///
/// # Errors
/// [`crate::Error::AadTooLong`].
pub fn cipher_stream(
    cipher: &Chunky2048,
    aad: &[u8],
    r: &MessageRandomness,
) -> Result<CipherStream> {
    CipherStream::with_randomness(cipher, aad, r.clone())
}

/// A one-use key bundle for `(salt, aad, iv)` under `cipher`'s key.
///
/// # Errors
/// [`crate::Error::AadTooLong`].
pub fn key_bundle(
    cipher: &Chunky2048,
    salt: [u8; SALT_BYTES],
    aad: &[u8],
    iv: [u8; IV_BYTES],
) -> Result<KeyAadBundle> {
    cipher.bundle(salt, aad, iv)
}

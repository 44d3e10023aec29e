//! **Chunky2048**, the authenticated cipher of aiootp, byte-compatible with
//! the Python package aiootp 0.22.0: a ciphertext made here decrypts there
//! and the reverse.
//!
//! Chunky2048 is an online, salt-misuse-resistant, key-committing AEAD built
//! on SHAKE-128: a keystream ratchet keyed by a synthetic IV and by the
//! running StreamHMAC digest, with a 32-byte tag over the whole message and
//! per-packet block ids for streams.
//!
//! ```
//! use aiootp_chunky2048::Chunky2048;
//!
//! let key = aiootp_core::generate_key(168)?;          // 168 random bytes
//! let cipher = Chunky2048::new(key.expose())?;
//!
//! let ciphertext = cipher.bytes_encrypt(b"attack at dawn", b"session 7")?;
//! let plaintext = cipher.bytes_decrypt(&ciphertext, b"session 7", 0)?;
//! assert_eq!(plaintext, b"attack at dawn");
//!
//! let token = cipher.make_token(b"hi", b"")?;             // URL-safe text
//! assert_eq!(cipher.read_token(&token, b"", 3600)?, b"hi"); // ttl: 1 hour
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Format: `shmac(32) ‖ salt(16) ‖ iv(16) ‖ ciphertext(256·N)` for the
//! bytes API; see `docs/formats.md` in the repository for every byte.
//!
//! # Which API to use
//!
//! - A message that fits in memory: [`Chunky2048::bytes_encrypt`] /
//!   [`Chunky2048::bytes_decrypt`] (or tokens, or JSON with the `json`
//!   feature). Nothing is released unless the tag verifies.
//! - Many independent messages under one key (a database's tag files, a
//!   queue of records): [`Chunky2048::bytes_encrypt_many`] /
//!   [`Chunky2048::bytes_decrypt_many`] (and `make_tokens` /
//!   `read_tokens`), the same bytes as one by one, four messages at a time
//!   in the lanes of the vector unit; one result per message on the way
//!   back.
//! - The same `bytes_encrypt` format for data of any size, in constant
//!   memory: [`stream::BytesEncryptor`] / [`stream::BytesDecryptor`]. The
//!   tag comes first in that format but is only checked at the end, so the
//!   decryptor's output must be held back until `finish` succeeds (the CLI
//!   does two passes).
//! - A peer that speaks the reference's `CipherStream` / `DecipherStream`:
//!   [`CipherStream`] / [`DecipherStream`], packets of 280 bytes, each
//!   authenticated by its block id as it arrives; the caller carries the
//!   salt, iv and tag.
//! - A file or socket without hand-made framing: [`stream::EncryptWriter`] /
//!   [`stream::DecryptReader`] over [`stream::FrameEncoder`] /
//!   [`stream::FrameDecoder`] (`salt ‖ iv ‖ packets ‖ tag`), and their tokio
//!   twins in [`aio`] (feature `tokio`).
//!
//! # Vocabulary
//!
//! Names follow the specification: a [`hazmat::KeyAadBundle`] is the
//! reference's `KeyAADBundle`, [`StreamHmac`] its finished `StreamHMAC`,
//! [`Error::InvalidShmac`] its `InvalidSHMAC`.
#![forbid(unsafe_code)]

mod batch;
mod block;
mod cipher;
mod constants;
mod engine;
mod error;
pub mod hazmat;
mod kdf;
mod lanes;
mod message;
pub mod stream;

#[cfg(feature = "tokio")]
pub mod aio {
    //! The async (tokio) face: thin wrappers over the same sync cores.
    pub use crate::stream::aio::{
        AsyncCipherStream, AsyncDecipherStream, AsyncDecryptReader, AsyncEncryptWriter,
        BLOCKING_THRESHOLD, YIELD_EVERY, bytes_decrypt, bytes_decrypt_many, bytes_encrypt,
        bytes_encrypt_many,
    };
}

pub use cipher::{Chunky2048, bytes_decrypt, bytes_encrypt, check_ciphertext_len};
#[cfg(feature = "json")]
pub use cipher::{json_decrypt, json_encrypt};
pub use constants::{
    BLOCK_ID_BYTES, BLOCKSIZE, HEADER_BYTES, IV_BYTES, KEY_BYTES, MAX_BLOCK_ID_BYTES,
    MIN_BLOCK_ID_BYTES, MIN_KEY_BYTES, PACKETSIZE, SALT_BYTES, SHMAC_BYTES,
};
pub use error::{Error, Result};
pub use lanes::Plans;
pub use message::ciphertext_len;
pub use stream::packets::{CipherStream, DecipherStream, Packet, StreamHmac};

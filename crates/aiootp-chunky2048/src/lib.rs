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
#![forbid(unsafe_code)]

#[cfg(feature = "tokio")]
pub mod aio;
pub mod bytes_stream;
mod cipher;
pub mod constants;
mod engine;
mod error;
pub mod framing;
pub mod hazmat;
#[cfg(feature = "json")]
pub mod json;
#[cfg(feature = "kat")]
pub mod kat;
mod kdf;
pub mod padding;
mod stream;

pub use cipher::{Chunky2048, bytes_decrypt, bytes_encrypt, check_ciphertext_len};
#[cfg(feature = "json")]
pub use cipher::{json_decrypt, json_encrypt};
pub use constants::{BLOCKSIZE, HEADER_BYTES, MIN_KEY_BYTES, PACKETSIZE, SHMAC_BYTES};
pub use error::{Error, Result};
pub use stream::{CipherStream, DecipherStream, Packet, StreamShmac};

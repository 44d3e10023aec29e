//! The streaming forms of Chunky2048 beyond the reference's packet streams
//! ([`crate::CipherStream`] / [`crate::DecipherStream`], at the crate
//! root); the crate docs say which to use when.
//!
//! - [`BytesEncryptor`] / [`BytesDecryptor`]: the `bytes_encrypt` format in
//!   constant memory.
//! - [`FrameEncoder`] / [`FrameDecoder`] and the `std::io` adapters
//!   [`EncryptWriter`] / [`DecryptReader`]: a self-delimiting framed form.

#[cfg(feature = "tokio")]
pub(crate) mod aio;
mod bytes;
mod framing;
pub(crate) mod packets;

pub use bytes::{BytesDecryptor, BytesEncryptor};
pub use framing::{CHUNK, DecryptReader, EncryptWriter, FrameDecoder, FrameEncoder};

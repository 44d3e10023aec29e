//! Every streaming form of Chunky2048; the crate docs say which to use when.
//!
//! - [`CipherStream`] / [`DecipherStream`]: the reference's packet streams.
//! - [`BytesEncryptor`] / [`BytesDecryptor`]: the `bytes_encrypt` format in
//!   constant memory.
//! - [`FrameEncoder`] / [`FrameDecoder`] and the `std::io` adapters
//!   [`EncryptWriter`] / [`DecryptReader`]: a self-delimiting framed form.

#[cfg(feature = "tokio")]
pub(crate) mod aio;
mod bytes;
mod framing;
mod packets;

pub use bytes::{BytesDecryptor, BytesEncryptor};
pub use framing::{CHUNK, DecryptReader, EncryptWriter, FrameDecoder, FrameEncoder};
pub use packets::{CipherStream, DecipherStream, Packet, StreamHmac};

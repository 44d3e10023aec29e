//! A self-delimiting wire form for streams, and `std::io` adapters over it.
//!
//! The reference leaves the transport of a stream's salt, iv and tag to the
//! caller. The adapters here use one fixed layout so that a file or socket
//! can be encrypted without hand-rolled framing:
//!
//! ```text
//! salt (16) ‖ iv (16) ‖ packet (280) ‖ … ‖ packet (280) ‖ shmac (32)
//! ```
//!
//! Every packet is a reference `CipherStream` packet, so the middle is
//! readable by the reference's `DecipherStream` given the salt and iv.
//! [`FrameEncoder`] and [`FrameDecoder`] are sans-IO (bytes in, bytes out);
//! [`EncryptWriter`] and [`DecryptReader`] (and the tokio twins in `aio`)
//! only move bytes.
//!
//! Plaintext is released packet by packet once each block id verifies, as
//! the reference's `DecipherStream` does. The end of the stream is only
//! authenticated by the final tag: a reader must treat the output as
//! incomplete unless the decoder finishes without error.

use super::packets::{CipherStream, DecipherStream};
use crate::Chunky2048;
use crate::constants::*;
use crate::error::{Error, Result};
use std::io::{self, Read, Write};
use zeroize::Zeroizing;

/// Bytes of plaintext taken per call by the adapters (bounds their memory).
pub const CHUNK: usize = 64 * 1024;

/// A byte queue read from the front.
#[derive(Default)]
pub(crate) struct Output {
    buf: Zeroizing<Vec<u8>>,
    pos: usize,
}

impl core::fmt::Debug for Output {
    /// The length only: the queue may hold plaintext.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Output({} bytes)", self.buf.len() - self.pos)
    }
}

impl Output {
    pub(crate) fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    pub(crate) fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
    }
}

/// Plaintext in, framed ciphertext out. [`Self::finish`] consumes the
/// encoder, so nothing can be pushed after the tag.
pub struct FrameEncoder {
    stream: CipherStream,
    out: Output,
}

impl core::fmt::Debug for FrameEncoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FrameEncoder").finish_non_exhaustive()
    }
}

impl FrameEncoder {
    /// Starts a stream; the salt and iv are the first output.
    ///
    /// # Errors
    /// As [`CipherStream::new`].
    pub fn new(cipher: &Chunky2048, aad: &[u8]) -> Result<Self> {
        let stream = CipherStream::new(cipher, aad)?;
        let mut out = Output::default();
        out.buf.extend_from_slice(stream.salt());
        out.buf.extend_from_slice(stream.iv());
        Ok(Self { stream, out })
    }

    /// Encrypts `data`; the packets it completes join the output.
    pub fn push(&mut self, data: &[u8]) {
        self.stream.buffer(data);
        self.stream.drain_into(&mut self.out.buf);
    }

    /// Ends the stream and returns every byte not yet taken: the rest of
    /// the output, the last packets and the tag.
    ///
    /// # Errors
    /// None today (the `Result` of [`CipherStream::finalize`]).
    pub fn finish(self) -> Result<Vec<u8>> {
        let (packets, shmac) = self.stream.finalize()?;
        let mut rest = self.out.pending().to_vec();
        rest.reserve(packets.len() * PACKETSIZE + SHMAC_BYTES);
        for p in &packets {
            rest.extend_from_slice(p.as_bytes());
        }
        rest.extend_from_slice(&shmac.finalize());
        Ok(rest)
    }

    /// Output not yet taken.
    #[must_use]
    pub fn output(&self) -> &[u8] {
        self.out.pending()
    }

    /// Marks `n` bytes of [`Self::output`] as taken.
    pub fn consume(&mut self, n: usize) {
        self.out.consume(n);
    }
}

/// Framed ciphertext in, plaintext out.
pub struct FrameDecoder {
    cipher: Chunky2048,
    aad: Vec<u8>,
    ttl: u64,
    stream: Option<DecipherStream>,
    input: Vec<u8>,
    out: Output,
}

impl core::fmt::Debug for FrameDecoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FrameDecoder").finish_non_exhaustive()
    }
}

impl FrameDecoder {
    /// A decoder for streams made under `cipher` and `aad`; `ttl` in seconds (0 = none).
    #[must_use]
    pub fn new(cipher: &Chunky2048, aad: &[u8], ttl: u64) -> Self {
        Self {
            cipher: cipher.clone(),
            aad: aad.to_vec(),
            ttl,
            stream: None,
            input: Vec::new(),
            out: Output::default(),
        }
    }

    /// Takes wire bytes; verified plaintext joins the output. The last 32
    /// bytes seen are always held back, since they may be the tag.
    ///
    /// # Errors
    /// [`Error::InvalidBlockId`] (a changed or reordered packet),
    /// [`Error::TimestampExpired`].
    pub fn push(&mut self, wire: &[u8]) -> Result<()> {
        self.input.extend_from_slice(wire);
        if self.stream.is_none() && self.input.len() >= SALT_BYTES + IV_BYTES {
            let (salt, iv) = self.input[..SALT_BYTES + IV_BYTES].split_at(SALT_BYTES);
            self.stream = Some(DecipherStream::from_slices(
                &self.cipher,
                salt,
                iv,
                &self.aad,
                self.ttl,
            )?);
            self.input.drain(..SALT_BYTES + IV_BYTES);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        let n = self.input.len().saturating_sub(SHMAC_BYTES) / PACKETSIZE * PACKETSIZE;
        if n > 0 {
            stream.buffer(&self.input[..n])?;
            self.input.drain(..n);
            stream.read_available_into(&mut self.out.buf)?;
        }
        Ok(())
    }

    /// Ends the input: checks the tag and returns the plaintext not yet
    /// taken, the last of it included. Consumes the decoder.
    ///
    /// # Errors
    /// [`Error::InvalidCiphertextLength`] for a truncated stream,
    /// [`Error::InvalidShmac`] for a wrong tag, [`Error::EmptyStream`].
    pub fn finish(self) -> Result<Zeroizing<Vec<u8>>> {
        let Some(stream) = self.stream.filter(|_| self.input.len() == SHMAC_BYTES) else {
            return Err(Error::InvalidCiphertextLength {
                len: self.input.len(),
            });
        };
        let (tail, shmac) = stream.finalize()?;
        let tail = Zeroizing::new(tail);
        shmac.test_shmac(&self.input)?;
        let mut rest = Zeroizing::new(Vec::with_capacity(self.out.pending().len() + tail.len()));
        rest.extend_from_slice(self.out.pending());
        rest.extend_from_slice(&tail);
        Ok(rest)
    }

    /// Plaintext not yet taken.
    #[must_use]
    pub fn output(&self) -> &[u8] {
        self.out.pending()
    }

    /// Marks `n` bytes of [`Self::output`] as taken.
    pub fn consume(&mut self, n: usize) {
        self.out.consume(n);
    }
}

/// Encrypts everything written to it into `W`, in the framed form.
/// Call [`Self::finish`] at the end: dropping it without finishing leaves
/// an unauthenticated (and undecryptable) stream.
#[derive(Debug)]
pub struct EncryptWriter<W: Write> {
    inner: W,
    enc: FrameEncoder,
}

impl<W: Write> EncryptWriter<W> {
    /// Starts a stream into `inner`.
    ///
    /// # Errors
    /// As [`CipherStream::new`].
    pub fn new(inner: W, cipher: &Chunky2048, aad: &[u8]) -> Result<Self> {
        Ok(Self {
            inner,
            enc: FrameEncoder::new(cipher, aad)?,
        })
    }

    fn drain(&mut self) -> io::Result<()> {
        self.inner.write_all(self.enc.output())?;
        let n = self.enc.output().len();
        self.enc.consume(n);
        Ok(())
    }

    /// Writes the last packets and the tag, flushes, and returns the writer.
    ///
    /// # Errors
    /// I/O errors of the writer, or CSPRNG failure.
    pub fn finish(mut self) -> Result<W> {
        self.drain()?;
        let rest = self.enc.finish()?;
        self.inner.write_all(&rest)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for EncryptWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(CHUNK);
        self.enc.push(&buf[..n]);
        self.drain()?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.inner.flush()
    }
}

/// Decrypts a framed stream read from `R`. A read returns an
/// `InvalidData` error (wrapping [`Error`]) on any authentication failure;
/// end of file is only reported after the final tag verified.
#[derive(Debug)]
pub struct DecryptReader<R: Read> {
    inner: R,
    state: ReadState,
    scratch: Vec<u8>,
}

/// A [`FrameDecoder`] over a byte source, for the sync and async readers:
/// decoding, then handing out the verified end, or failed for good.
#[derive(Debug)]
pub(crate) enum ReadState {
    Decoding(Box<FrameDecoder>),
    Verified(Output),
    /// A decoding error was returned; nothing more is released.
    Failed,
}

impl ReadState {
    pub(crate) fn new(cipher: &Chunky2048, aad: &[u8], ttl: u64) -> Self {
        Self::Decoding(Box::new(FrameDecoder::new(cipher, aad, ttl)))
    }

    /// Plaintext that may be handed out now.
    ///
    /// # Errors
    /// An `InvalidData` error once decoding has failed.
    pub(crate) fn available(&self) -> io::Result<&[u8]> {
        match self {
            Self::Decoding(dec) => Ok(dec.output()),
            Self::Verified(rest) => Ok(rest.pending()),
            Self::Failed => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the stream failed authentication",
            )),
        }
    }

    /// Marks `n` bytes of [`Self::available`] as handed out.
    pub(crate) fn consume(&mut self, n: usize) {
        match self {
            Self::Decoding(dec) => dec.consume(n),
            Self::Verified(rest) => rest.consume(n),
            Self::Failed => {}
        }
    }

    /// Whether the source has ended and the stream verified.
    pub(crate) fn is_verified(&self) -> bool {
        matches!(self, Self::Verified(_))
    }

    /// Feeds what the source read; an empty `data` is the end of the source.
    ///
    /// # Errors
    /// The decoder's error, after which the state is [`Self::Failed`].
    pub(crate) fn feed(&mut self, data: &[u8]) -> Result<()> {
        match core::mem::replace(self, Self::Failed) {
            Self::Decoding(mut dec) if !data.is_empty() => dec.push(data).map(|()| {
                *self = Self::Decoding(dec);
            }),
            Self::Decoding(dec) => dec.finish().map(|rest| {
                *self = Self::Verified(Output { buf: rest, pos: 0 });
            }),
            Self::Verified(rest) => {
                *self = Self::Verified(rest);
                Ok(())
            }
            Self::Failed => Err(Error::InvalidShmac),
        }
    }
}

impl<R: Read> DecryptReader<R> {
    /// Reads a stream made under `cipher` and `aad` from `inner`.
    #[must_use]
    pub fn new(inner: R, cipher: &Chunky2048, aad: &[u8], ttl: u64) -> Self {
        Self {
            inner,
            state: ReadState::new(cipher, aad, ttl),
            scratch: vec![0u8; CHUNK],
        }
    }
}

impl<R: Read> Read for DecryptReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let avail = self.state.available()?;
            if !avail.is_empty() || self.state.is_verified() {
                let n = avail.len().min(buf.len());
                buf[..n].copy_from_slice(&avail[..n]);
                self.state.consume(n);
                return Ok(n);
            }
            let n = self.inner.read(&mut self.scratch)?;
            self.state.feed(&self.scratch[..n])?;
        }
    }
}

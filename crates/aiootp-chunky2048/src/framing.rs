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

use crate::Chunky2048;
use crate::constants::*;
use crate::error::{Error, Result};
use crate::stream::{CipherStream, DecipherStream};
use std::io::{self, Read, Write};
use zeroize::Zeroizing;

/// Bytes of plaintext taken per call by the adapters (bounds their memory).
pub const CHUNK: usize = 64 * 1024;

/// A byte queue read from the front.
#[derive(Default)]
struct Output {
    buf: Zeroizing<Vec<u8>>,
    pos: usize,
}

impl Output {
    fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
    }
}

/// Plaintext in, framed ciphertext out.
pub struct FrameEncoder {
    stream: Option<CipherStream>,
    out: Output,
}

impl core::fmt::Debug for FrameEncoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FrameEncoder")
            .field("finished", &self.stream.is_none())
            .finish_non_exhaustive()
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
        Ok(Self {
            stream: Some(stream),
            out,
        })
    }

    /// Encrypts `data`; the packets it completes join the output.
    ///
    /// # Errors
    /// [`Error::StreamClosed`] after [`Self::finish`].
    pub fn push(&mut self, data: &[u8]) -> Result<()> {
        let stream = self.stream.as_mut().ok_or(Error::StreamClosed)?;
        stream.buffer(data);
        stream.drain_into(&mut self.out.buf);
        Ok(())
    }

    /// Ends the stream: the last packets and the tag join the output.
    ///
    /// # Errors
    /// [`Error::StreamClosed`] if already finished; CSPRNG failure.
    pub fn finish(&mut self) -> Result<()> {
        let stream = self.stream.take().ok_or(Error::StreamClosed)?;
        let (packets, shmac) = stream.finalize()?;
        for p in &packets {
            self.out.buf.extend_from_slice(p.as_bytes());
        }
        self.out.buf.extend_from_slice(&shmac.finalize());
        Ok(())
    }

    /// Whether [`Self::finish`] has run.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.stream.is_none()
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
    finished: bool,
}

impl core::fmt::Debug for FrameDecoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FrameDecoder")
            .field("finished", &self.finished)
            .finish_non_exhaustive()
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
            finished: false,
        }
    }

    /// Takes wire bytes; verified plaintext joins the output. The last 32
    /// bytes seen are always held back, since they may be the tag.
    ///
    /// # Errors
    /// [`Error::InvalidBlockId`] (a changed or reordered packet),
    /// [`Error::TimestampExpired`], [`Error::StreamClosed`] after finishing.
    pub fn push(&mut self, wire: &[u8]) -> Result<()> {
        if self.finished {
            return Err(Error::StreamClosed);
        }
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

    /// Ends the input: checks the tag and releases the last plaintext.
    ///
    /// # Errors
    /// [`Error::InvalidCiphertextLength`] for a truncated stream,
    /// [`Error::InvalidShmac`] for a wrong tag, [`Error::EmptyStream`].
    pub fn finish(&mut self) -> Result<()> {
        if self.finished {
            return Err(Error::StreamClosed);
        }
        self.finished = true;
        let stream = self.stream.take();
        let Some(stream) = stream.filter(|_| self.input.len() == SHMAC_BYTES) else {
            return Err(Error::InvalidCiphertextLength {
                len: self.input.len(),
            });
        };
        let (tail, shmac) = stream.finalize()?;
        shmac.test_shmac(&self.input)?;
        self.out.buf.extend_from_slice(&tail);
        Ok(())
    }

    /// Whether [`Self::finish`] has run.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.finished
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
        self.enc.finish()?;
        self.drain()?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for EncryptWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(CHUNK);
        self.enc.push(&buf[..n])?;
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
    dec: FrameDecoder,
    scratch: Vec<u8>,
}

impl<R: Read> DecryptReader<R> {
    /// Reads a stream made under `cipher` and `aad` from `inner`.
    #[must_use]
    pub fn new(inner: R, cipher: &Chunky2048, aad: &[u8], ttl: u64) -> Self {
        Self {
            inner,
            dec: FrameDecoder::new(cipher, aad, ttl),
            scratch: vec![0u8; CHUNK],
        }
    }
}

impl<R: Read> Read for DecryptReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let avail = self.dec.output();
            if !avail.is_empty() {
                let n = avail.len().min(buf.len());
                buf[..n].copy_from_slice(&avail[..n]);
                self.dec.consume(n);
                return Ok(n);
            }
            if self.dec.is_finished() {
                return Ok(0);
            }
            let n = self.inner.read(&mut self.scratch)?;
            if n == 0 {
                self.dec.finish()?;
            } else {
                self.dec.push(&self.scratch[..n])?;
            }
        }
    }
}

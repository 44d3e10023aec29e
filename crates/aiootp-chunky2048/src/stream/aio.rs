//! The async (tokio) face: thin wrappers over the same sync cores.
//!
//! Nothing here re-implements the cipher. Stream types hand their work to
//! [`CipherStream`] / [`DecipherStream`] in batches and yield to the runtime
//! between batches; the one-shot helpers move large messages to
//! `spawn_blocking`; [`AsyncEncryptWriter`] / [`AsyncDecryptReader`] drive
//! the sans-IO [`FrameEncoder`] / [`FrameDecoder`].

use super::framing::{CHUNK, FrameEncoder, ReadState};
use super::packets::{CipherStream, DecipherStream, Packet, StreamHmac};
use crate::Chunky2048;
use crate::constants::*;
use crate::error::{Error, Result};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Packets processed between two yields to the runtime (about 0.3 ms of work).
pub const YIELD_EVERY: usize = 128;

/// Messages at least this large are encrypted on the blocking pool.
pub const BLOCKING_THRESHOLD: usize = 1 << 20;

/// `abytes_encrypt`: inline for small data, on the blocking pool for large.
///
/// # Errors
/// As [`Chunky2048::bytes_encrypt`].
pub async fn bytes_encrypt(cipher: &Chunky2048, data: Vec<u8>, aad: Vec<u8>) -> Result<Vec<u8>> {
    if data.len() < BLOCKING_THRESHOLD {
        return cipher.bytes_encrypt(&data, &aad);
    }
    let cipher = cipher.clone();
    blocking(move || cipher.bytes_encrypt(&data, &aad)).await
}

/// `abytes_decrypt`: inline for small data, on the blocking pool for large.
///
/// # Errors
/// As [`Chunky2048::bytes_decrypt`].
pub async fn bytes_decrypt(
    cipher: &Chunky2048,
    data: Vec<u8>,
    aad: Vec<u8>,
    ttl: u64,
) -> Result<Vec<u8>> {
    if data.len() < BLOCKING_THRESHOLD {
        return cipher.bytes_decrypt(&data, &aad, ttl);
    }
    let cipher = cipher.clone();
    blocking(move || cipher.bytes_decrypt(&data, &aad, ttl)).await
}

/// [`Chunky2048::bytes_encrypt_many`] of owned `(data, aad)` pairs, on
/// the blocking pool (a batch is many messages' work at once).
///
/// # Errors
/// As [`Chunky2048::bytes_encrypt_many`].
pub async fn bytes_encrypt_many(
    cipher: &Chunky2048,
    items: Vec<(Vec<u8>, Vec<u8>)>,
) -> Result<Vec<Vec<u8>>> {
    let cipher = cipher.clone();
    blocking(move || {
        let borrowed: Vec<(&[u8], &[u8])> = items.iter().map(|(d, a)| (&d[..], &a[..])).collect();
        cipher.bytes_encrypt_many(&borrowed)
    })
    .await
}

/// [`Chunky2048::bytes_decrypt_many_owned`] of owned `(ciphertext, aad)`
/// pairs, on the blocking pool: one result per item.
///
/// # Errors
/// [`Error::Io`] only if the blocking task itself failed; each item's own
/// error is in its result.
pub async fn bytes_decrypt_many(
    cipher: &Chunky2048,
    items: Vec<(Vec<u8>, Vec<u8>)>,
    ttl: u64,
) -> Result<Vec<Result<Vec<u8>>>> {
    let cipher = cipher.clone();
    blocking(move || {
        let (cts, aads): (Vec<Vec<u8>>, Vec<Vec<u8>>) = items.into_iter().unzip();
        let owned = cts
            .into_iter()
            .zip(aads.iter().map(Vec::as_slice))
            .collect();
        Ok(cipher.bytes_decrypt_many_owned(owned, ttl))
    })
    .await
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Io(io::Error::other(e)))?
}

/// `AsyncCipherStream`: [`CipherStream`] with cooperative draining.
#[derive(Debug)]
pub struct AsyncCipherStream {
    inner: CipherStream,
}

impl AsyncCipherStream {
    /// As [`CipherStream::new`].
    ///
    /// # Errors
    /// As [`CipherStream::new`].
    pub async fn new(cipher: &Chunky2048, aad: &[u8]) -> Result<Self> {
        Ok(Self {
            inner: CipherStream::new(cipher, aad)?,
        })
    }

    /// Wraps an existing stream (for example one from `hazmat`).
    #[must_use]
    pub fn from_sync(inner: CipherStream) -> Self {
        Self { inner }
    }

    /// The sync stream inside.
    pub fn get_mut(&mut self) -> &mut CipherStream {
        &mut self.inner
    }

    /// The salt to send.
    #[must_use]
    pub fn salt(&self) -> &[u8; SALT_BYTES] {
        self.inner.salt()
    }

    /// The iv to send.
    #[must_use]
    pub fn iv(&self) -> &[u8; IV_BYTES] {
        self.inner.iv()
    }

    /// As [`CipherStream::buffer`].
    pub async fn buffer(&mut self, data: &[u8]) -> &mut Self {
        self.inner.buffer(data);
        self
    }

    /// As [`CipherStream::drain_into`], yielding every [`YIELD_EVERY`] packets.
    pub async fn drain_into(&mut self, out: &mut Vec<u8>) -> usize {
        let mut total = 0;
        while self.inner.ready() > 0 {
            for _ in 0..YIELD_EVERY {
                match self.inner.next_packet() {
                    Some(p) => {
                        out.extend_from_slice(p.as_bytes());
                        total += 1;
                    }
                    None => break,
                }
            }
            tokio::task::yield_now().await;
        }
        total
    }

    /// As [`CipherStream::finalize`].
    ///
    /// # Errors
    /// As [`CipherStream::finalize`].
    pub async fn finalize(mut self) -> Result<(Vec<Packet>, StreamHmac)> {
        let mut packets = Vec::with_capacity(self.inner.ready() + 1);
        while self.inner.ready() > 0 {
            packets.extend(self.inner.by_ref().take(YIELD_EVERY));
            tokio::task::yield_now().await;
        }
        let (rest, shmac) = self.inner.finalize()?;
        packets.extend(rest);
        Ok((packets, shmac))
    }
}

/// `AsyncDecipherStream`: [`DecipherStream`] checking packets in batches.
#[derive(Debug)]
pub struct AsyncDecipherStream {
    inner: DecipherStream,
}

impl AsyncDecipherStream {
    /// As [`DecipherStream::new`].
    ///
    /// # Errors
    /// As [`DecipherStream::new`].
    pub async fn new(
        cipher: &Chunky2048,
        salt: [u8; SALT_BYTES],
        iv: [u8; IV_BYTES],
        aad: &[u8],
        ttl: u64,
    ) -> Result<Self> {
        Ok(Self {
            inner: DecipherStream::new(cipher, salt, iv, aad, ttl)?,
        })
    }

    /// The sync stream inside.
    pub fn get_mut(&mut self) -> &mut DecipherStream {
        &mut self.inner
    }

    /// As [`DecipherStream::buffer`], yielding every [`YIELD_EVERY`] packets.
    /// A bad packet's index is counted from the start of `data`.
    ///
    /// # Errors
    /// As [`DecipherStream::buffer`].
    pub async fn buffer(&mut self, data: &[u8]) -> Result<&mut Self> {
        if data.is_empty() || !data.len().is_multiple_of(PACKETSIZE) {
            return Err(Error::InvalidBufferSize { len: data.len() });
        }
        for (batch, chunk) in data.chunks(YIELD_EVERY * PACKETSIZE).enumerate() {
            if let Err(e) = self.inner.buffer(chunk) {
                return Err(match e {
                    Error::InvalidBlockId { packet_index } => Error::InvalidBlockId {
                        packet_index: batch * YIELD_EVERY + packet_index,
                    },
                    other => other,
                });
            }
            tokio::task::yield_now().await;
        }
        Ok(self)
    }

    /// As [`DecipherStream::read_available`].
    ///
    /// # Errors
    /// As [`DecipherStream::read_available`].
    pub async fn read_available(&mut self) -> Result<Vec<u8>> {
        self.inner.read_available()
    }

    /// As [`DecipherStream::finalize`].
    ///
    /// # Errors
    /// As [`DecipherStream::finalize`].
    pub async fn finalize(self) -> Result<(Vec<u8>, StreamHmac)> {
        self.inner.finalize()
    }
}

/// Encrypts everything written to it into `W` in the framed form of
/// [`crate::stream::FrameEncoder`]. `shutdown()` writes the tag: a stream
/// that is not shut down does not authenticate.
#[derive(Debug)]
pub struct AsyncEncryptWriter<W> {
    inner: W,
    /// `None` once shut down; the encoder's last bytes are then in `tail`.
    enc: Option<FrameEncoder>,
    tail: Vec<u8>,
    tail_pos: usize,
}

impl<W: AsyncWrite + Unpin> AsyncEncryptWriter<W> {
    /// Starts a stream into `inner`.
    ///
    /// # Errors
    /// As [`CipherStream::new`].
    pub fn new(inner: W, cipher: &Chunky2048, aad: &[u8]) -> Result<Self> {
        Ok(Self {
            inner,
            enc: Some(FrameEncoder::new(cipher, aad)?),
            tail: Vec::new(),
            tail_pos: 0,
        })
    }

    /// The writer inside.
    pub fn into_inner(self) -> W {
        self.inner
    }

    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let pending = match &self.enc {
                Some(enc) => enc.output(),
                None => &self.tail[self.tail_pos..],
            };
            if pending.is_empty() {
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            match &mut self.enc {
                Some(enc) => enc.consume(n),
                None => self.tail_pos += n,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for AsyncEncryptWriter<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        let Some(enc) = this.enc.as_mut() else {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "write after shutdown",
            )));
        };
        let n = buf.len().min(CHUNK);
        enc.push(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(enc) = this.enc.take() {
            this.tail = enc.finish()?;
            this.tail_pos = 0;
        }
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// Decrypts a framed stream read from `R`; see [`crate::stream::FrameDecoder`]
/// for what is authenticated when.
#[derive(Debug)]
pub struct AsyncDecryptReader<R> {
    inner: R,
    state: ReadState,
    scratch: Vec<u8>,
}

impl<R: AsyncRead + Unpin> AsyncDecryptReader<R> {
    /// Reads a stream made under `cipher` and `aad`.
    #[must_use]
    pub fn new(inner: R, cipher: &Chunky2048, aad: &[u8], ttl: u64) -> Self {
        Self {
            inner,
            state: ReadState::new(cipher, aad, ttl),
            scratch: vec![0u8; CHUNK],
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for AsyncDecryptReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            let avail = this.state.available()?;
            if !avail.is_empty() || this.state.is_verified() {
                let n = avail.len().min(buf.remaining());
                buf.put_slice(&avail[..n]);
                this.state.consume(n);
                return Poll::Ready(Ok(()));
            }
            let mut rb = ReadBuf::new(&mut this.scratch);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut rb))?;
            let n = rb.filled().len();
            this.state.feed(&this.scratch[..n])?;
        }
    }
}

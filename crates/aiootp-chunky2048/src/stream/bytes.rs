//! The `bytes_encrypt` format, streamed: `shmac ‖ salt ‖ iv ‖ blocks` in
//! constant memory, sans-IO.
//!
//! The tag comes first in this format but is only known at the end, so
//! [`BytesEncryptor`] gives the blocks as they are made and the 64-byte
//! header last (the caller writes it in front: seek back, or spool).
//! [`BytesDecryptor`] releases plaintext as it decrypts, but it is **not
//! authenticated until [`BytesDecryptor::finish`] returns `Ok`**: callers
//! must hold it back (a temporary file renamed on success, or a first pass
//! that only checks the tag). The `aiootp` CLI does exactly this.

use crate::block::{as_block, fixed};
use crate::cipher::Chunky2048;
use crate::constants::*;
use crate::engine::{Opener, Sealer};
use crate::error::{Error, Result};
use crate::message::{
    Header, MessageRandomness, check_ttl, timestamp_of, unpadded_len, write_end_padding,
};
use aiootp_core::bytes_are_equal;
use zeroize::Zeroizing;

/// Encrypts a plaintext of any length, block by block.
pub struct BytesEncryptor {
    engine: Sealer,
    /// Plaintext not yet encrypted (less than one block after each call).
    pending: Zeroizing<Vec<u8>>,
    len: usize,
    salt: [u8; SALT_BYTES],
    iv: [u8; IV_BYTES],
    extra_padding: Zeroizing<[u8; BLOCKSIZE]>,
}

impl core::fmt::Debug for BytesEncryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BytesEncryptor")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl BytesEncryptor {
    /// Starts a message with fresh randomness.
    ///
    /// # Errors
    /// [`Error::AadTooLong`], or CSPRNG/clock failure.
    pub fn new(cipher: &Chunky2048, aad: &[u8]) -> Result<Self> {
        let r = MessageRandomness::generate(cipher.clock())?;
        let bundle = cipher.bundle(r.salt, aad, r.iv)?;
        let mut pending = Zeroizing::new(Vec::with_capacity(2 * BLOCKSIZE));
        pending.extend_from_slice(&r.inner_header());
        Ok(Self {
            engine: Sealer::new(bundle),
            pending,
            len: 0,
            salt: r.salt,
            iv: r.iv,
            extra_padding: Zeroizing::new(r.extra_padding),
        })
    }

    /// Encrypts `data`; every block it completes is appended to `out`.
    pub fn update(&mut self, data: &[u8], out: &mut Vec<u8>) {
        self.len += data.len();
        self.pending.extend_from_slice(data);
        let full = self.pending.len() / BLOCKSIZE * BLOCKSIZE;
        let start = out.len();
        out.extend_from_slice(&self.pending[..full]);
        for block in out[start..].chunks_exact_mut(BLOCKSIZE) {
            self.engine.seal_block(as_block(block));
        }
        self.pending.drain(..full).for_each(drop);
    }

    /// Pads and encrypts the last block into `out`, and returns the header
    /// `shmac ‖ salt ‖ iv` that goes in front of all the blocks.
    #[must_use]
    pub fn finish(mut self, out: &mut Vec<u8>) -> [u8; HEADER_BYTES] {
        let tail = self.pending.len();
        let mut block = [0u8; BLOCKSIZE];
        block[..tail].copy_from_slice(&self.pending);
        write_end_padding(&mut block[tail..], &self.extra_padding, self.len);
        self.engine.seal_block(&mut block);
        out.extend_from_slice(&block);
        Header {
            tag: self.engine.finalize(),
            salt: self.salt,
            iv: self.iv,
        }
        .to_bytes()
    }
}

/// Decrypts a `bytes_encrypt` ciphertext given its header, block by block.
pub struct BytesDecryptor {
    engine: Opener,
    cipher: Chunky2048,
    tag: [u8; SHMAC_BYTES],
    /// The last decrypted block, held back for depadding.
    held: Option<Zeroizing<[u8; BLOCKSIZE]>>,
    timestamp: Option<[u8; TIMESTAMP_BYTES]>,
    /// Ciphertext bytes of an incomplete block.
    partial: Vec<u8>,
}

impl core::fmt::Debug for BytesDecryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BytesDecryptor").finish_non_exhaustive()
    }
}

impl BytesDecryptor {
    /// Starts from the 64-byte header `shmac ‖ salt ‖ iv`.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for a short header, [`Error::AadTooLong`].
    pub fn new(cipher: &Chunky2048, header: &[u8], aad: &[u8]) -> Result<Self> {
        if header.len() != HEADER_BYTES {
            return Err(Error::InvalidLength {
                what: "header",
                len: header.len(),
                expected: HEADER_BYTES,
            });
        }
        let Header { tag, salt, iv } = Header::parse(header)?;
        let bundle = cipher.bundle(salt, aad, iv)?;
        Ok(Self {
            engine: Opener::new(bundle),
            cipher: cipher.clone(),
            tag,
            held: None,
            timestamp: None,
            partial: Vec::new(),
        })
    }

    /// Decrypts ciphertext (any split); appends **unauthenticated**
    /// plaintext of all but the last block to `out`.
    pub fn update(&mut self, mut ciphertext: &[u8], out: &mut Vec<u8>) {
        // Whole blocks given at once are opened together (pipelined
        // across blocks, `Opener::open_blocks`); a partial block is
        // first completed one byte run at a time.
        if self.partial.is_empty() && ciphertext.len() >= 2 * BLOCKSIZE {
            let whole = ciphertext.len() - ciphertext.len() % BLOCKSIZE;
            let mut buf = Zeroizing::new(ciphertext[..whole].to_vec());
            self.engine.open_blocks(&mut buf);
            for block in buf.chunks_exact(BLOCKSIZE) {
                let block = Zeroizing::new(fixed::<BLOCKSIZE>(block));
                if let Some(previous) = self.held.replace(block) {
                    self.emit(&previous, out);
                }
            }
            ciphertext = &ciphertext[whole..];
        }
        while !ciphertext.is_empty() {
            let take = (BLOCKSIZE - self.partial.len()).min(ciphertext.len());
            self.partial.extend_from_slice(&ciphertext[..take]);
            ciphertext = &ciphertext[take..];
            if self.partial.len() < BLOCKSIZE {
                break;
            }
            let mut block = Zeroizing::new(fixed::<BLOCKSIZE>(&self.partial));
            self.partial.clear();
            self.engine.open_block(&mut block);
            if let Some(previous) = self.held.replace(block) {
                self.emit(&previous, out);
            }
        }
    }

    fn emit(&mut self, block: &[u8; BLOCKSIZE], out: &mut Vec<u8>) {
        match self.timestamp {
            None => {
                self.timestamp = Some(timestamp_of(block));
                out.extend_from_slice(&block[INNER_HEADER_BYTES..]);
            }
            Some(_) => out.extend_from_slice(block),
        }
    }

    /// Checks the tag (then the ttl, as the reference does) and appends the
    /// depadded last block to `out`. Only now is everything given out
    /// authenticated.
    ///
    /// # Errors
    /// [`Error::InvalidCiphertextLength`] if no block or a partial block
    /// was given; [`Error::InvalidShmac`]; [`Error::TimestampExpired`].
    pub fn finish(mut self, ttl: u64, out: &mut Vec<u8>) -> Result<()> {
        let Some(last) = self.held.take() else {
            return Err(Error::InvalidCiphertextLength {
                len: HEADER_BYTES + self.partial.len(),
            });
        };
        if !self.partial.is_empty() {
            return Err(Error::InvalidCiphertextLength {
                len: HEADER_BYTES + self.partial.len(),
            });
        }
        let single = self.timestamp.is_none();
        let tag = self.engine.finalize();
        if !bytes_are_equal(&tag, &self.tag) {
            return Err(Error::InvalidShmac);
        }
        let ts = match self.timestamp {
            Some(ts) => ts,
            None => timestamp_of(&last[..]),
        };
        check_ttl(self.cipher.clock(), ts, ttl)?;
        // The last block; a single-block message also loses its inner header.
        let tail = if single {
            &last[INNER_HEADER_BYTES..]
        } else {
            &last[..]
        };
        out.extend_from_slice(&tail[..unpadded_len(tail)]);
        Ok(())
    }
}

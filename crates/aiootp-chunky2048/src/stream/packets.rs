//! `CipherStream` / `DecipherStream` (spec §8): online encryption in
//! 280-byte packets, each authenticated by its own block id, with the final
//! StreamHMAC tag over the whole message.
//!
//! Sans-IO: the streams take bytes and give packets or plaintext; the I/O
//! framed adapters and `aio` sit on top.

use crate::block::{as_block, fixed};
use crate::cipher::Chunky2048;
use crate::constants::*;
use crate::engine::{Opener, Sealer, block_ids_into};
use crate::error::{Error, Result};
use crate::message::{
    MessageRandomness, check_ttl, padding_size, timestamp_of, unpadded_len, write_end_padding,
};
use aiootp_core::bytes_are_equal;
use std::collections::VecDeque;
use zeroize::{Zeroize, Zeroizing};

/// One stream packet: `block_id(24) ‖ ciphertext block(256)`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Packet([u8; PACKETSIZE]);

impl core::fmt::Debug for Packet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Packet({:02x?}..)", &self.0[..4])
    }
}

impl Packet {
    /// The packet's 24-byte block id.
    #[must_use]
    pub fn block_id(&self) -> &[u8] {
        &self.0[..BLOCK_ID_BYTES]
    }

    /// The packet's 256-byte ciphertext block.
    #[must_use]
    pub fn ciphertext(&self) -> &[u8] {
        &self.0[BLOCK_ID_BYTES..]
    }

    /// The 280 wire bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; PACKETSIZE] {
        &self.0
    }
}

impl AsRef<[u8]> for Packet {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// The finished StreamHMAC of a stream: `stream.shmac` after the reference's
/// `finalize()`. Consuming methods make "finalize twice" impossible; it
/// has no `==` (compare with [`StreamHmac::test_shmac`], in constant time).
///
/// ```compile_fail
/// fn same(a: &aiootp_chunky2048::StreamHmac, b: &aiootp_chunky2048::StreamHmac) -> bool {
///     a == b
/// }
/// ```
pub struct StreamHmac {
    tag: [u8; SHMAC_BYTES],
}

impl core::fmt::Debug for StreamHmac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StreamHmac { .. }")
    }
}

impl StreamHmac {
    /// `stream.shmac.finalize()`: the 32-byte tag to send with the stream.
    #[must_use]
    pub fn finalize(self) -> [u8; SHMAC_BYTES] {
        self.tag
    }

    /// `stream.shmac.test_shmac(tag)`: compares in constant time.
    ///
    /// # Errors
    /// [`Error::InvalidShmac`] on mismatch (including a wrong length).
    pub fn test_shmac(self, untrusted: &[u8]) -> Result<()> {
        if bytes_are_equal(&self.tag, untrusted) {
            Ok(())
        } else {
            Err(Error::InvalidShmac)
        }
    }
}

/// Online encryption (`CipherStream`).
///
/// ```
/// use aiootp_chunky2048::{Chunky2048, CipherStream, DecipherStream};
/// let cipher = Chunky2048::new(&[7u8; 64])?;
/// let mut enc = CipherStream::new(&cipher, b"aad")?;
/// let mut wire = Vec::new();
/// enc.buffer(&[1u8; 1000]);
/// enc.drain_into(&mut wire);
/// let (salt, iv) = (*enc.salt(), *enc.iv());
/// let (rest, shmac) = enc.finalize()?;
/// rest.iter().for_each(|p| wire.extend_from_slice(p.as_bytes()));
/// let tag = shmac.finalize();
///
/// let mut dec = DecipherStream::new(&cipher, salt, iv, b"aad", 0)?;
/// dec.buffer(&wire)?;
/// let mut plain = dec.read_available()?;
/// let (tail, shmac) = dec.finalize()?;
/// shmac.test_shmac(&tag)?;
/// plain.extend_from_slice(&tail);
/// assert_eq!(plain, [1u8; 1000]);
/// # Ok::<(), aiootp_chunky2048::Error>(())
/// ```
pub struct CipherStream {
    engine: Sealer,
    /// Plaintext not yet encrypted, from `start`; begins with the inner header.
    pending: Zeroizing<Vec<u8>>,
    start: usize,
    byte_count: usize,
    aad: Vec<u8>,
    salt: [u8; SALT_BYTES],
    iv: [u8; IV_BYTES],
    /// The random bytes the end padding is cut from (drawn with the salt).
    extra_padding: Zeroizing<[u8; BLOCKSIZE]>,
}

impl core::fmt::Debug for CipherStream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CipherStream")
            .field("salt", &self.salt)
            .field("iv", &self.iv)
            .field("byte_count", &self.byte_count)
            .finish_non_exhaustive()
    }
}

impl CipherStream {
    /// A stream with a fresh random salt and iv; the timestamp and SIV key
    /// are taken now, as the reference does.
    ///
    /// # Errors
    /// [`Error::AadTooLong`], or [`Error::Core`] if the CSPRNG or clock fails.
    pub fn new(cipher: &Chunky2048, aad: &[u8]) -> Result<Self> {
        Self::with_randomness(cipher, aad, MessageRandomness::generate(cipher.clock())?)
    }

    /// A stream under a caller-chosen salt (the reference's `salt=`); the iv
    /// stays random, so the salt may be repeated without repeating keystreams.
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn with_salt(cipher: &Chunky2048, salt: [u8; SALT_BYTES], aad: &[u8]) -> Result<Self> {
        let mut r = MessageRandomness::generate(cipher.clock())?;
        r.salt = salt;
        Self::with_randomness(cipher, aad, r)
    }

    pub(crate) fn with_randomness(
        cipher: &Chunky2048,
        aad: &[u8],
        r: MessageRandomness,
    ) -> Result<Self> {
        let bundle = cipher.bundle(r.salt, aad, r.iv)?;
        let mut pending = Zeroizing::new(Vec::with_capacity(BLOCKSIZE * 2));
        pending.extend_from_slice(&r.inner_header());
        Ok(Self {
            engine: Sealer::new(bundle),
            pending,
            start: 0,
            byte_count: 0,
            aad: aad.to_vec(),
            salt: r.salt,
            iv: r.iv,
            extra_padding: Zeroizing::new(r.extra_padding),
        })
    }

    /// The salt to send with the stream.
    #[must_use]
    pub fn salt(&self) -> &[u8; SALT_BYTES] {
        &self.salt
    }

    /// The iv to send with the stream.
    #[must_use]
    pub fn iv(&self) -> &[u8; IV_BYTES] {
        &self.iv
    }

    /// The aad bound into the block ids of packets made from now on.
    #[must_use]
    pub fn aad(&self) -> &[u8] {
        &self.aad
    }

    /// Changes the aad of later block ids (not of the keystream or tag).
    pub fn set_aad(&mut self, aad: &[u8]) {
        aad.clone_into(&mut self.aad);
    }

    /// Adds plaintext. Full blocks become available as packets; the last,
    /// partial block is held back for the padding.
    pub fn buffer(&mut self, data: &[u8]) -> &mut Self {
        if self.start > 0 && self.start >= self.pending.len() / 2 {
            self.pending.drain(..self.start).for_each(drop);
            self.start = 0;
        }
        self.byte_count += data.len();
        self.pending.extend_from_slice(data);
        self
    }

    /// Number of packets ready to be taken.
    #[must_use]
    pub fn ready(&self) -> usize {
        (self.pending.len() - self.start) / BLOCKSIZE
    }

    /// Encrypts the next full block, if any.
    pub fn next_packet(&mut self) -> Option<Packet> {
        if self.ready() == 0 {
            return None;
        }
        let mut packet = [0u8; PACKETSIZE];
        packet[BLOCK_ID_BYTES..].copy_from_slice(&self.pending[self.start..self.start + BLOCKSIZE]);
        self.pending[self.start..self.start + BLOCKSIZE].zeroize();
        self.start += BLOCKSIZE;
        self.seal(&mut packet);
        Some(Packet(packet))
    }

    /// Encrypts a block already placed in `packet[24..]` and writes its id.
    fn seal(&mut self, packet: &mut [u8; PACKETSIZE]) {
        let (id, block) = packet.split_at_mut(BLOCK_ID_BYTES);
        let block = as_block(block);
        self.engine.seal_block(block);
        // Size 24 is within 16..=32, so block_id cannot fail.
        if let Ok(full) = self.engine.block_id(block, &self.aad, BLOCK_ID_BYTES) {
            id.copy_from_slice(&full[..BLOCK_ID_BYTES]);
        }
    }

    /// Appends every ready packet's wire bytes to `out`; returns how many.
    ///
    /// The packets are the same as [`Self::next_packet`]'s; here the
    /// blocks are sealed first and their block ids (which nothing later
    /// waits on) computed four at a time in lanes.
    pub fn drain_into(&mut self, out: &mut Vec<u8>) -> usize {
        const RUN: usize = 64;
        let n = self.ready();
        out.reserve(n * PACKETSIZE);
        let mut digests = Zeroizing::new(vec![0u8; RUN.min(n) * SHAKE_128_BLOCKSIZE]);
        let mut blocks = vec![0u8; RUN.min(n) * BLOCKSIZE];
        let mut ids = vec![0u8; RUN.min(n) * BLOCK_ID_BYTES];
        let mut left = n;
        while left > 0 {
            let k = left.min(RUN);
            let start = out.len();
            out.resize(start + k * PACKETSIZE, 0);
            for j in 0..k {
                let block = &mut blocks[j * BLOCKSIZE..(j + 1) * BLOCKSIZE];
                block.copy_from_slice(&self.pending[self.start..self.start + BLOCKSIZE]);
                self.pending[self.start..self.start + BLOCKSIZE].zeroize();
                self.start += BLOCKSIZE;
                self.engine.seal_block(as_block(block));
                digests[j * SHAKE_128_BLOCKSIZE..(j + 1) * SHAKE_128_BLOCKSIZE]
                    .copy_from_slice(self.engine.previous_digest());
            }
            // Size 24 is within 16..=32, so the ids cannot fail.
            let _ = block_ids_into(
                &digests[..k * SHAKE_128_BLOCKSIZE],
                &self.aad,
                &blocks[..k * BLOCKSIZE],
                BLOCK_ID_BYTES,
                &mut ids[..k * BLOCK_ID_BYTES],
            );
            for j in 0..k {
                let packet = &mut out[start + j * PACKETSIZE..start + (j + 1) * PACKETSIZE];
                packet[..BLOCK_ID_BYTES]
                    .copy_from_slice(&ids[j * BLOCK_ID_BYTES..(j + 1) * BLOCK_ID_BYTES]);
                packet[BLOCK_ID_BYTES..]
                    .copy_from_slice(&blocks[j * BLOCKSIZE..(j + 1) * BLOCKSIZE]);
            }
            left -= k;
        }
        n
    }

    /// Flushes the rest, pads the last block, and finishes the tag.
    ///
    /// # Errors
    /// None today; the `Result` keeps room for I/O-backed streams.
    pub fn finalize(mut self) -> Result<(Vec<Packet>, StreamHmac)> {
        let mut packets: Vec<Packet> = core::iter::from_fn(|| self.next_packet()).collect();
        let tail_len = self.pending.len() - self.start;
        let pad = padding_size(self.byte_count);
        debug_assert_eq!(tail_len + pad, BLOCKSIZE);
        let mut packet = [0u8; PACKETSIZE];
        packet[BLOCK_ID_BYTES..BLOCK_ID_BYTES + tail_len]
            .copy_from_slice(&self.pending[self.start..]);
        write_end_padding(
            &mut packet[BLOCK_ID_BYTES + tail_len..],
            &self.extra_padding,
            self.byte_count,
        );
        self.seal(&mut packet);
        packets.push(Packet(packet));
        Ok((
            packets,
            StreamHmac {
                tag: self.engine.finalize(),
            },
        ))
    }
}

impl Iterator for CipherStream {
    type Item = Packet;

    fn next(&mut self) -> Option<Packet> {
        self.next_packet()
    }
}

/// Opened plaintext not yet released: runs of whole blocks (one run per
/// [`DecipherStream::buffer`] call), read from `at` in the first run.
#[derive(Default)]
struct Held {
    runs: VecDeque<Zeroizing<Vec<u8>>>,
    at: usize,
    blocks: usize,
}

impl Held {
    fn push(&mut self, run: Zeroizing<Vec<u8>>) {
        if !run.is_empty() {
            self.blocks += run.len() / BLOCKSIZE;
            self.runs.push_back(run);
        }
    }

    /// The rest of the first held block.
    fn first(&self) -> Option<&[u8]> {
        let run = self.runs.front()?;
        Some(&run[self.at..(self.at / BLOCKSIZE + 1) * BLOCKSIZE])
    }

    /// Moves past the first held block; its run is dropped (and wiped)
    /// once used up.
    fn advance(&mut self) {
        self.at = (self.at / BLOCKSIZE + 1) * BLOCKSIZE;
        self.blocks -= 1;
        if self.runs.front().is_some_and(|r| self.at >= r.len()) {
            self.runs.pop_front();
            self.at = 0;
        }
    }

    /// The first held block, taken.
    fn pop(&mut self) -> Option<Zeroizing<Vec<u8>>> {
        let block = Zeroizing::new(self.first()?.to_vec());
        self.advance();
        Some(block)
    }

    /// Appends every held block but the last to `out`.
    fn release_into(&mut self, out: &mut Vec<u8>) {
        while self.blocks > 1 {
            if let Some(b) = self.first() {
                out.extend_from_slice(b);
            }
            self.advance();
        }
    }
}

/// Online decryption (`DecipherStream`).
///
/// Each packet's block id is checked before its block is decrypted. The last
/// block is held back until [`Self::finalize`] strips its padding. The final
/// tag is checked by the caller with [`StreamHmac::test_shmac`], as in the
/// reference.
pub struct DecipherStream {
    engine: Opener,
    aad: Vec<u8>,
    ttl: u64,
    cipher: Chunky2048,
    held: Held,
    started: bool,
    salt: [u8; SALT_BYTES],
    iv: [u8; IV_BYTES],
}

impl core::fmt::Debug for DecipherStream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DecipherStream")
            .field("salt", &self.salt)
            .field("iv", &self.iv)
            .field("queued", &self.held.blocks)
            .finish_non_exhaustive()
    }
}

impl DecipherStream {
    /// A stream for the message sent with `salt` and `iv`; `ttl` in seconds
    /// (0 = no limit) is checked against the first block's timestamp.
    ///
    /// # Errors
    /// [`Error::AadTooLong`].
    pub fn new(
        cipher: &Chunky2048,
        salt: [u8; SALT_BYTES],
        iv: [u8; IV_BYTES],
        aad: &[u8],
        ttl: u64,
    ) -> Result<Self> {
        let bundle = cipher.bundle(salt, aad, iv)?;
        Ok(Self {
            engine: Opener::new(bundle),
            aad: aad.to_vec(),
            ttl,
            cipher: cipher.clone(),
            held: Held::default(),
            started: false,
            salt,
            iv,
        })
    }

    /// [`Self::new`] from untrusted slices.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for a salt or iv that is not 16 bytes.
    pub fn from_slices(
        cipher: &Chunky2048,
        salt: &[u8],
        iv: &[u8],
        aad: &[u8],
        ttl: u64,
    ) -> Result<Self> {
        let check = |what, v: &[u8]| {
            if v.len() == 16 {
                Ok(fixed::<16>(v))
            } else {
                Err(Error::InvalidLength {
                    what,
                    len: v.len(),
                    expected: 16,
                })
            }
        };
        Self::new(cipher, check("salt", salt)?, check("iv", iv)?, aad, ttl)
    }

    /// The stream's salt.
    #[must_use]
    pub fn salt(&self) -> &[u8; SALT_BYTES] {
        &self.salt
    }

    /// The stream's iv.
    #[must_use]
    pub fn iv(&self) -> &[u8; IV_BYTES] {
        &self.iv
    }

    /// The aad expected in the block ids of later packets.
    #[must_use]
    pub fn aad(&self) -> &[u8] {
        &self.aad
    }

    /// Changes the aad expected in later block ids.
    pub fn set_aad(&mut self, aad: &[u8]) {
        aad.clone_into(&mut self.aad);
    }

    /// Checks and decrypts whole packets (a non-zero multiple of 280 bytes).
    ///
    /// # Errors
    /// [`Error::InvalidBufferSize`] before any packet is looked at;
    /// [`Error::InvalidBlockId`] at the first bad packet, after accepting the
    /// ones before it in `data`. The stream stays usable: buffering the
    /// genuine packet and the rest afterwards completes it.
    pub fn buffer(&mut self, data: &[u8]) -> Result<&mut Self> {
        if data.is_empty() || !data.len().is_multiple_of(PACKETSIZE) {
            return Err(Error::InvalidBufferSize { len: data.len() });
        }
        let n = data.len() / PACKETSIZE;
        let mut body = Zeroizing::new(vec![0u8; n * BLOCKSIZE]);
        for (block, packet) in body
            .chunks_exact_mut(BLOCKSIZE)
            .zip(data.chunks_exact(PACKETSIZE))
        {
            block.copy_from_slice(&packet[BLOCK_ID_BYTES..]);
        }
        // The ids of a run of packets are computed together (in lanes),
        // each checked before its block is opened.
        let aad = &self.aad;
        let mut checked = 0;
        let mut failure = None;
        let opened = self
            .engine
            .open_blocks_checked(&mut body, &mut |blocks, digests| {
                let k = blocks.len() / BLOCKSIZE;
                let mut ids = vec![0u8; k * BLOCK_ID_BYTES];
                if let Err(e) = block_ids_into(digests, aad, blocks, BLOCK_ID_BYTES, &mut ids) {
                    failure = Some(e);
                    return 0;
                }
                let sent = |j: usize| {
                    let at = (checked + j) * PACKETSIZE;
                    &data[at..at + BLOCK_ID_BYTES]
                };
                let good = (0..k)
                    .take_while(|&j| {
                        bytes_are_equal(&ids[j * BLOCK_ID_BYTES..][..BLOCK_ID_BYTES], sent(j))
                    })
                    .count();
                checked += good;
                good
            });
        body.truncate(opened * BLOCKSIZE);
        self.held.push(body);
        if opened < n {
            return Err(failure.unwrap_or(Error::InvalidBlockId {
                packet_index: opened,
            }));
        }
        Ok(self)
    }

    /// The next plaintext block that may be released (all but the last).
    /// The first call checks the ttl and strips the inner header.
    ///
    /// # Errors
    /// [`Error::TimestampExpired`]; the stream stays as it was.
    pub fn next_block(&mut self) -> Result<Option<Zeroizing<Vec<u8>>>> {
        if !self.start()? {
            return Ok(None);
        }
        if self.held.blocks > 1 {
            Ok(self.held.pop())
        } else {
            Ok(None)
        }
    }

    /// The first time a block is held: checks the ttl and strips the inner
    /// header. Whether a block is held.
    fn start(&mut self) -> Result<bool> {
        if !self.started {
            let Some(first) = self.held.first() else {
                return Ok(false);
            };
            check_ttl(self.cipher.clock(), timestamp_of(first), self.ttl)?;
            self.held.at += INNER_HEADER_BYTES;
            self.started = true;
        }
        Ok(self.held.blocks > 0)
    }

    /// Every plaintext byte that may be released now, concatenated.
    ///
    /// # Errors
    /// As [`Self::next_block`].
    pub fn read_available(&mut self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.read_available_into(&mut out)?;
        Ok(out)
    }

    /// [`Self::read_available`] appended to `out`.
    ///
    /// # Errors
    /// As [`Self::next_block`].
    pub fn read_available_into(&mut self, out: &mut Vec<u8>) -> Result<()> {
        if self.start()? {
            self.held.release_into(out);
        }
        Ok(())
    }

    /// Releases the rest with the padding removed, and the stream's
    /// StreamHMAC for the caller to test against the sent tag.
    ///
    /// # Errors
    /// [`Error::TimestampExpired`], or [`Error::EmptyStream`] if no packet
    /// was ever buffered.
    pub fn finalize(mut self) -> Result<(Vec<u8>, StreamHmac)> {
        let mut out = self.read_available()?;
        let last = self.held.pop().ok_or(Error::EmptyStream)?;
        out.extend_from_slice(&last[..unpadded_len(&last)]);
        Ok((
            out,
            StreamHmac {
                tag: self.engine.finalize(),
            },
        ))
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)] // test bytes from `i % 256`
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// `drain_into` (ids in lanes) writes the packets `next_packet`
        /// gives, whatever the buffering.
        #[test]
        fn drained_packets_are_the_iterators(
            len in 0usize..40_000,
            cut in 1usize..20_000,
            aad in proptest::collection::vec(any::<u8>(), 0..200),
            seed in any::<u8>(),
        ) {
            let c = Chunky2048::new(&[seed; 64]).unwrap();
            let r = MessageRandomness::generate(c.clock()).unwrap();
            let data: Vec<u8> = (0..len).map(|i| (i * 31) as u8 ^ seed).collect();
            let mut a = CipherStream::with_randomness(&c, &aad, r.clone()).unwrap();
            let mut b = CipherStream::with_randomness(&c, &aad, r).unwrap();
            let (mut wa, mut wb) = (Vec::new(), Vec::new());
            for chunk in data.chunks(cut) {
                a.buffer(chunk).drain_into(&mut wa);
                b.buffer(chunk);
                for p in b.by_ref() {
                    wb.extend_from_slice(p.as_bytes());
                }
            }
            prop_assert_eq!(&wa, &wb);
            let (ra, ta) = a.finalize().unwrap();
            let (rb, tb) = b.finalize().unwrap();
            prop_assert_eq!(ra.len(), rb.len());
            for (x, y) in ra.iter().zip(&rb) {
                prop_assert_eq!(x.as_bytes(), y.as_bytes());
            }
            prop_assert_eq!(ta.finalize(), tb.finalize());
        }

        /// Block by block (`next_block`) or all at once (`read_available`),
        /// over any split of the packets into `buffer` calls, the plaintext
        /// released is the message, the last block held back to the end.
        #[test]
        fn held_blocks_release_the_message(
            len in 0usize..6000,
            cut in 1usize..30,
            one_by_one in any::<bool>(),
        ) {
            let c = Chunky2048::new(&[5; 64]).unwrap();
            let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let mut s = CipherStream::new(&c, b"a").unwrap();
            let mut wire = Vec::new();
            s.buffer(&data).drain_into(&mut wire);
            let (salt, iv) = (*s.salt(), *s.iv());
            let (rest, shmac) = s.finalize().unwrap();
            rest.iter().for_each(|p| wire.extend_from_slice(p.as_bytes()));
            let mut d = DecipherStream::new(&c, salt, iv, b"a", 0).unwrap();
            let mut out = Vec::new();
            for run in wire.chunks(cut * PACKETSIZE) {
                d.buffer(run).unwrap();
                if one_by_one {
                    while let Some(b) = d.next_block().unwrap() {
                        out.extend_from_slice(&b);
                    }
                } else {
                    d.read_available_into(&mut out).unwrap();
                }
                prop_assert!(out.len() <= len);
            }
            let (tail, got) = d.finalize().unwrap();
            out.extend_from_slice(&tail);
            prop_assert_eq!(out, data);
            prop_assert_eq!(got.finalize(), shmac.finalize());
        }
    }
}

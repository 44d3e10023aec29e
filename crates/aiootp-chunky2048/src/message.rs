//! The message layer (spec §5): the randomness of one message, the header
//! `shmac ‖ salt ‖ iv`, the padding `timestamp ‖ siv_key ‖ data ‖
//! end_padding` and its removal, and the ttl test. Every API (bytes,
//! tokens, streams, the streamed bytes form) goes through these functions,
//! so each rule is written once.

use crate::block::fixed;
use crate::constants::*;
use crate::error::{Error, Result};
use aiootp_core::Clock;
use aiootp_core::test_timestamp;
use zeroize::{Zeroize, Zeroizing};

/// The random (and clock) inputs of one encryption. The normal API draws
/// them from the CSPRNG and the clock; the `hazmat` module lets known-answer
/// tests supply them.
#[derive(Clone)]
pub struct MessageRandomness {
    /// The message salt.
    pub salt: [u8; SALT_BYTES],
    /// The message iv.
    pub iv: [u8; IV_BYTES],
    /// Seconds since the aiootp epoch, 4 bytes big endian.
    pub timestamp: [u8; TIMESTAMP_BYTES],
    /// The synthetic-IV key of the inner header.
    pub siv_key: [u8; SIV_KEY_BYTES],
    /// The 256 random bytes the end padding is cut from (its last
    /// `padding_size - 1` bytes are used).
    pub extra_padding: [u8; BLOCKSIZE],
}

impl core::fmt::Debug for MessageRandomness {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MessageRandomness")
            .field("salt", &self.salt)
            .field("iv", &self.iv)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

impl Drop for MessageRandomness {
    fn drop(&mut self) {
        self.siv_key.zeroize();
        self.extra_padding.zeroize();
    }
}

impl MessageRandomness {
    /// Fresh values from the OS CSPRNG (one system call) and `clock`.
    ///
    /// # Errors
    /// [`Error::Core`] if the CSPRNG fails or the clock is out of range.
    pub fn generate(clock: &dyn Clock) -> Result<Self> {
        let mut random = Zeroizing::new([0u8; SALT_BYTES + IV_BYTES + SIV_KEY_BYTES + BLOCKSIZE]);
        aiootp_core::fill_random(&mut random[..])?;
        let (salt, rest) = random.split_at(SALT_BYTES);
        let (iv, rest) = rest.split_at(IV_BYTES);
        let (siv_key, extra_padding) = rest.split_at(SIV_KEY_BYTES);
        Ok(Self {
            salt: fixed(salt),
            iv: fixed(iv),
            timestamp: clock.timestamp_seconds_4()?,
            siv_key: fixed(siv_key),
            extra_padding: fixed(extra_padding),
        })
    }

    /// The randomness of messages of the given plaintext lengths, from
    /// one call to the OS generator per 1 MiB of randomness and one clock
    /// reading for all. Only the bytes a message uses are drawn: of the
    /// 256 end-padding bytes, the last `padding_size(len) - 1` (the others
    /// stay zero and are never written).
    ///
    /// # Errors
    /// As [`Self::generate`].
    pub fn generate_many(clock: &dyn Clock, lens: &[usize]) -> Result<Vec<Self>> {
        const FIXED: usize = SALT_BYTES + IV_BYTES + SIV_KEY_BYTES;
        const PER_CALL: usize = 1 << 20;
        let timestamp = clock.timestamp_seconds_4()?;
        let need = |len: usize| FIXED + padding_size(len) - 1;
        let mut out = Vec::with_capacity(lens.len());
        let mut random =
            Zeroizing::new(vec![0u8; PER_CALL.min(lens.iter().map(|&l| need(l)).sum())]);
        let mut at = random.len();
        for &len in lens {
            let want = need(len);
            if at + want > random.len() {
                let left: usize = lens[out.len()..].iter().map(|&l| need(l)).sum();
                let fill = left.min(random.len());
                aiootp_core::fill_random(&mut random[..fill])?;
                at = 0;
            }
            let one = &random[at..at + want];
            at += want;
            let (salt, rest) = one.split_at(SALT_BYTES);
            let (iv, rest) = rest.split_at(IV_BYTES);
            let (siv_key, padding) = rest.split_at(SIV_KEY_BYTES);
            let mut extra_padding = [0u8; BLOCKSIZE];
            extra_padding[BLOCKSIZE - padding.len()..].copy_from_slice(padding);
            out.push(Self {
                salt: fixed(salt),
                iv: fixed(iv),
                timestamp,
                siv_key: fixed(siv_key),
                extra_padding,
            });
        }
        Ok(out)
    }

    /// The inner header `timestamp ‖ siv_key`.
    #[must_use]
    pub fn inner_header(&self) -> [u8; INNER_HEADER_BYTES] {
        let mut h = [0u8; INNER_HEADER_BYTES];
        h[..TIMESTAMP_BYTES].copy_from_slice(&self.timestamp);
        h[TIMESTAMP_BYTES..].copy_from_slice(&self.siv_key);
        h
    }
}

/// The 64-byte header of the bytes format, `shmac ‖ salt ‖ iv`.
pub(crate) struct Header {
    pub(crate) tag: [u8; SHMAC_BYTES],
    pub(crate) salt: [u8; SALT_BYTES],
    pub(crate) iv: [u8; IV_BYTES],
}

impl Header {
    /// Splits the first 64 bytes of `bytes`.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] when fewer than 64 bytes are given.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self> {
        let Some(h) = bytes.get(..HEADER_BYTES) else {
            return Err(Error::InvalidLength {
                what: "header",
                len: bytes.len(),
                expected: HEADER_BYTES,
            });
        };
        Ok(Self {
            tag: fixed(&h[..SHMAC_BYTES]),
            salt: fixed(&h[SHMAC_BYTES..SHMAC_BYTES + SALT_BYTES]),
            iv: fixed(&h[SHMAC_BYTES + SALT_BYTES..]),
        })
    }

    /// The 64 wire bytes.
    pub(crate) fn to_bytes(&self) -> [u8; HEADER_BYTES] {
        let mut out = [0u8; HEADER_BYTES];
        out[..SHMAC_BYTES].copy_from_slice(&self.tag);
        out[SHMAC_BYTES..SHMAC_BYTES + SALT_BYTES].copy_from_slice(&self.salt);
        out[SHMAC_BYTES + SALT_BYTES..].copy_from_slice(&self.iv);
        out
    }
}

/// `256 - ((20 + len) mod 256)`: from 1 to 256 bytes.
#[must_use]
pub const fn padding_size(len: usize) -> usize {
    BLOCKSIZE - ((INNER_HEADER_BYTES + len) % BLOCKSIZE)
}

/// The number of 256-byte blocks a plaintext of `len` bytes pads to.
#[must_use]
pub const fn block_count(len: usize) -> usize {
    (INNER_HEADER_BYTES + len) / BLOCKSIZE + 1
}

/// The ciphertext length of a plaintext of `len` bytes: `64 + 256·N`.
#[must_use]
pub const fn ciphertext_len(len: usize) -> usize {
    HEADER_BYTES + BLOCKSIZE * block_count(len)
}

/// Writes the end padding for `data_len` plaintext bytes into `out`
/// (`padding_size(data_len)` bytes): the last `size - 1` bytes of
/// `random` then the sentinel `size mod 256` — `(R256 ‖ sentinel)[-size:]`.
pub fn write_end_padding(out: &mut [u8], random: &[u8; BLOCKSIZE], data_len: usize) {
    let size = padding_size(data_len);
    let fill = size - 1;
    out[..fill].copy_from_slice(&random[BLOCKSIZE - fill..]);
    // `size % 256` fits a byte: 256 is written as 0.
    out[fill] = u8::try_from(size % BLOCKSIZE).unwrap_or(0);
}

/// The sentinel rule of depadding, the one place it is written: the last
/// byte of the message names how many padding bytes end it (0 means 256).
/// `tail` is the plaintext after the inner header that ends the message;
/// the result is how much of it is data. Python slice semantics: a
/// sentinel larger than `tail` (possible only in a forged message, and so
/// only reached after authentication in the reference) leaves nothing,
/// never an error.
#[must_use]
pub(crate) fn unpadded_len(tail: &[u8]) -> usize {
    let pad = match tail.last() {
        None => return 0,
        Some(0) => BLOCKSIZE,
        Some(&s) => usize::from(s),
    };
    tail.len().saturating_sub(pad)
}

/// The ttl test on a message's 4-byte timestamp, read from `clock`
/// (`ttl` in seconds; 0 means no limit).
///
/// # Errors
/// [`Error::TimestampExpired`].
pub(crate) fn check_ttl(
    clock: &dyn Clock,
    timestamp: [u8; TIMESTAMP_BYTES],
    ttl: u64,
) -> Result<()> {
    let ts = u32::from_be_bytes(timestamp);
    let ttl = i64::try_from(ttl).unwrap_or(i64::MAX);
    test_timestamp(clock.seconds(), i64::from(ts), ttl).map_err(|e| Error::TimestampExpired {
        expired_by: e.expired_by,
    })
}

/// The timestamp at the start of a padded plaintext (its first 4 bytes).
pub(crate) fn timestamp_of(padded: &[u8]) -> [u8; TIMESTAMP_BYTES] {
    fixed(padded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_at_the_edges() {
        assert_eq!(padding_size(0), 236);
        assert_eq!(padding_size(235), 1);
        assert_eq!(padding_size(236), 256);
        assert_eq!(block_count(235), 1);
        assert_eq!(block_count(236), 2);
        assert_eq!(ciphertext_len(0), 320);
        assert_eq!(ciphertext_len(236), 576);
    }

    #[test]
    fn end_padding_takes_the_tail_and_a_sentinel() {
        let random: [u8; 256] = core::array::from_fn(|i| u8::try_from(i).unwrap_or(0));
        let mut one = [9u8; 1];
        write_end_padding(&mut one, &random, 235);
        assert_eq!(one, [1]);
        let mut full = [9u8; 256];
        write_end_padding(&mut full, &random, 236);
        assert_eq!(&full[..255], &random[1..]);
        assert_eq!(full[255], 0);
    }

    #[test]
    fn depadding_follows_python_slices() {
        // One block after its 20-byte header: 236 bytes.
        let mut tail = [0u8; 236];
        tail[235] = 1;
        assert_eq!(unpadded_len(&tail), 235);
        tail[235] = 0; // 256: more than there is
        assert_eq!(unpadded_len(&tail), 0);
        tail[235] = 250;
        assert_eq!(unpadded_len(&tail), 0);
        let mut block = [0u8; 256];
        block[255] = 0;
        assert_eq!(unpadded_len(&block), 0);
        block[255] = 6;
        assert_eq!(unpadded_len(&block), 250);
        assert_eq!(unpadded_len(&[]), 0);
    }

    #[test]
    fn header_round_trips_and_refuses_short_input() {
        let bytes: [u8; 64] = core::array::from_fn(|i| u8::try_from(i).unwrap_or(0));
        let h = Header::parse(&bytes).unwrap_or_else(|_| unreachable!());
        assert_eq!(h.tag[0], 0);
        assert_eq!(h.salt[0], 32);
        assert_eq!(h.iv[0], 48);
        assert_eq!(h.to_bytes(), bytes);
        assert!(matches!(
            Header::parse(&bytes[..63]),
            Err(Error::InvalidLength { len: 63, .. })
        ));
    }
}

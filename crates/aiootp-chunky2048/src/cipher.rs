//! The high-level cipher: `bytes_encrypt` / `bytes_decrypt`, tokens and JSON.

use crate::batch;
use crate::block::as_block;
use crate::constants::*;
use crate::engine::{Opener, Sealer};
use crate::error::{Error, Result};
use crate::kdf::{KeyAadBundle, KeySchedule, summary};
use crate::message::{
    Header, MessageRandomness, block_count, check_ttl, timestamp_of, unpadded_len,
    write_end_padding,
};
use aiootp_core::{Clock, SystemClock, bytes_are_equal};
use aiootp_core::{bytes_to_urlsafe, urlsafe_to_bytes};
use std::sync::Arc;
use zeroize::{Zeroize, Zeroizing};

/// Chunky2048 under one long-lived key.
///
/// Construction absorbs the key into the four SHAKE-128 states once; every
/// message then starts from clones of them, so short messages pay only for
/// their own permutations. Cheap to clone (the states are shared).
///
/// ```
/// use aiootp_chunky2048::Chunky2048;
/// let key = aiootp_core::generate_key(168)?;
/// let cipher = Chunky2048::new(key.expose())?;
/// let ct = cipher.bytes_encrypt(b"hello", b"context")?;
/// assert_eq!(cipher.bytes_decrypt(&ct, b"context", 0)?, b"hello");
/// assert!(cipher.bytes_decrypt(&ct, b"other", 0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Chunky2048 {
    keys: Arc<KeySchedule>,
    clock: Arc<dyn Clock>,
}

impl core::fmt::Debug for Chunky2048 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Chunky2048")
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Chunky2048 {
    /// A cipher under `key` (at least 64 bytes) reading the system clock.
    ///
    /// # Errors
    /// [`Error::EmptyKey`] or [`Error::KeyTooShort`].
    pub fn new(key: &[u8]) -> Result<Self> {
        Ok(Self {
            keys: Arc::new(KeySchedule::new(key)?),
            clock: Arc::new(SystemClock),
        })
    }

    /// The same key with another clock (timestamps and ttl checks).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The clock this cipher reads.
    #[must_use]
    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// A one-use key bundle for `(salt, aad, iv)`.
    pub(crate) fn bundle(
        &self,
        salt: [u8; SALT_BYTES],
        aad: &[u8],
        iv: [u8; IV_BYTES],
    ) -> Result<KeyAadBundle> {
        KeyAadBundle::new(&self.keys, salt, aad, iv)
    }

    /// `bytes_encrypt(data, key, aad=aad)`:
    /// `shmac(32) ‖ salt(16) ‖ iv(16) ‖ ciphertext(256·N)`.
    ///
    /// # Errors
    /// [`Error::AadTooLong`], or [`Error::Core`] if the CSPRNG or clock fails.
    #[doc(alias = "abytes_encrypt")]
    pub fn bytes_encrypt(&self, data: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let r = MessageRandomness::generate(&*self.clock)?;
        self.encrypt_with(data, aad, &r)
    }

    pub(crate) fn encrypt_with(
        &self,
        data: &[u8],
        aad: &[u8],
        r: &MessageRandomness,
    ) -> Result<Vec<u8>> {
        let bundle = self.bundle(r.salt, aad, r.iv)?;
        let mut out = lay_out(data, r);
        let tag = seal_body(bundle, &mut out);
        write_header(&mut out, tag, r);
        Ok(out)
    }

    /// Seals the laid-out body of one message in place; its tag.
    fn seal_one(
        &self,
        buf: &mut [u8],
        aad: &[u8],
        salt: [u8; SALT_BYTES],
        iv: [u8; IV_BYTES],
    ) -> Result<[u8; SHMAC_BYTES]> {
        Ok(seal_body(self.bundle(salt, aad, iv)?, buf))
    }

    /// Opens the body of one whole message in place; the tag it computes.
    fn open_one(
        &self,
        buf: &mut [u8],
        aad: &[u8],
        salt: [u8; SALT_BYTES],
        iv: [u8; IV_BYTES],
    ) -> Result<[u8; SHMAC_BYTES]> {
        let mut engine = Opener::new(self.bundle(salt, aad, iv)?);
        engine.open_blocks(&mut buf[HEADER_BYTES..]);
        Ok(engine.finalize())
    }

    /// [`Self::bytes_encrypt`] of many messages, each `(data, aad)`, in
    /// their order: the randomness of the whole batch comes from one call
    /// to the OS generator (per 1 MiB drawn) and one clock reading, and
    /// messages of one block count and aad length are encrypted four at a
    /// time in the lanes of the four-state Keccak. Each ciphertext is one
    /// that [`Self::bytes_decrypt`] (and the reference) reads.
    ///
    /// # Errors
    /// [`Error::AadTooLong`] (nothing is encrypted), or [`Error::Core`] if
    /// the CSPRNG or the clock fails.
    pub fn bytes_encrypt_many(&self, items: &[(&[u8], &[u8])]) -> Result<Vec<Vec<u8>>> {
        if let Some((_, aad)) = items.iter().find(|(_, a)| u32::try_from(a.len()).is_err()) {
            return Err(Error::AadTooLong { len: aad.len() });
        }
        let lens: Vec<usize> = items.iter().map(|(d, _)| d.len()).collect();
        let randomness = MessageRandomness::generate_many(&*self.clock, &lens)?;
        self.encrypt_many_with(items, &randomness)
    }

    /// [`Self::bytes_encrypt_many`] with the randomness given.
    pub(crate) fn encrypt_many_with(
        &self,
        items: &[(&[u8], &[u8])],
        randomness: &[MessageRandomness],
    ) -> Result<Vec<Vec<u8>>> {
        debug_assert_eq!(items.len(), randomness.len());
        let n = items.len().min(randomness.len());
        let mut out: Vec<Vec<u8>> = Vec::with_capacity(n);
        for ((data, _), r) in items.iter().zip(randomness) {
            out.push(lay_out(data, r));
        }
        let sealed = self.seal_laid_out(&items[..n], randomness, &mut out);
        if sealed.is_err() {
            // Some buffers may still hold laid-out plaintext.
            out.iter_mut().for_each(|b| b.zeroize());
        }
        sealed.map(|()| out)
    }

    /// Seals every laid-out message of `out` in place, in lanes by shape.
    fn seal_laid_out(
        &self,
        items: &[(&[u8], &[u8])],
        randomness: &[MessageRandomness],
        out: &mut [Vec<u8>],
    ) -> Result<()> {
        let shapes: Vec<(usize, usize)> = out
            .iter()
            .zip(items)
            .map(|(o, (_, aad))| (o.len(), aad.len()))
            .collect();
        let mut scratch = batch::Scratch::new();
        for group in groups(items.len(), |i| shapes[i]) {
            if group.len() == 1 {
                let i = group[0];
                let r = &randomness[i];
                let tag = self.seal_one(&mut out[i], items[i].1, r.salt, r.iv)?;
                write_header(&mut out[i], tag, r);
                continue;
            }
            let tags = self.run_group(
                &group,
                out,
                |i| (items[i].1, randomness[i].salt, randomness[i].iv),
                false,
                &mut scratch,
            )?;
            for (k, &i) in group.iter().enumerate() {
                write_header(&mut out[i], tags[k], &randomness[i]);
            }
        }
        Ok(())
    }

    /// Runs one group of two to four messages of one shape in lockstep:
    /// `bufs[i]` (for `i` in `group`) holds a whole message (header and
    /// body); its body is sealed or opened in place. Returns the tags, in
    /// the group's order.
    fn run_group<'p>(
        &self,
        group: &[usize],
        bufs: &mut [Vec<u8>],
        params: impl Fn(usize) -> (&'p [u8], [u8; SALT_BYTES], [u8; IV_BYTES]),
        open: bool,
        scratch: &mut batch::Scratch,
    ) -> Result<Vec<[u8; SHMAC_BYTES]>> {
        let summaries = group
            .iter()
            .map(|&i| {
                let (aad, salt, iv) = params(i);
                summary(&salt, aad, &iv)
            })
            .collect::<Result<Vec<_>>>()?;
        let lanes: [Option<&[u8]>; batch::LANES] =
            core::array::from_fn(|j| Some(&summaries[j.min(group.len() - 1)][..]));
        let Some(bundle) = self.keys.bundles_x4(lanes) else {
            unreachable!("one summary length per group");
        };
        let len = bufs[group[0]].len() - HEADER_BYTES;
        // The group's buffers are taken out for the run and put back;
        // unused lanes work on a scratch body and are dropped.
        let mut lanes: Vec<Vec<u8>> = group
            .iter()
            .map(|&i| core::mem::take(&mut bufs[i]))
            .collect();
        let mut spare: Vec<Zeroizing<Vec<u8>>> = (group.len()..batch::LANES)
            .map(|_| Zeroizing::new(vec![0u8; HEADER_BYTES + len]))
            .collect();
        let mut bodies = lanes
            .iter_mut()
            .map(|b| &mut b[HEADER_BYTES..])
            .chain(spare.iter_mut().map(|s| &mut s[HEADER_BYTES..]));
        let bodies: [&mut [u8]; batch::LANES] =
            core::array::from_fn(|_| bodies.next().unwrap_or_default());
        let tags = batch::run(bundle, bodies, open, scratch);
        for (&i, buf) in group.iter().zip(lanes) {
            bufs[i] = buf;
        }
        Ok(tags[..group.len()].to_vec())
    }
    /// `bytes_decrypt(data, key, aad=aad, ttl=ttl)`. Checks, in the
    /// reference's order: length, tag, then `ttl` (seconds; 0 = no limit).
    /// No plaintext is released unless the tag verifies.
    ///
    /// # Errors
    /// [`Error::InvalidCiphertextLength`], [`Error::InvalidShmac`],
    /// [`Error::TimestampExpired`], [`Error::AadTooLong`].
    #[doc(alias = "abytes_decrypt")]
    pub fn bytes_decrypt(&self, data: &[u8], aad: &[u8], ttl: u64) -> Result<Vec<u8>> {
        check_ciphertext_len(data.len())?;
        self.bytes_decrypt_owned(data.to_vec(), aad, ttl)
    }

    /// [`Self::bytes_decrypt`] in the ciphertext's own buffer: no second
    /// copy of a large message is made. On any error the buffer is wiped.
    ///
    /// # Errors
    /// As [`Self::bytes_decrypt`].
    pub fn bytes_decrypt_owned(&self, mut data: Vec<u8>, aad: &[u8], ttl: u64) -> Result<Vec<u8>> {
        check_ciphertext_len(data.len())?;
        let header = Header::parse(&data)?;
        let tag = self.open_one(&mut data, aad, header.salt, header.iv)?;
        self.release(data, &tag, &header.tag, ttl)
    }

    /// The end of every decryption: `opened` (header and opened body) is
    /// released only if `computed` is the sent tag and the ttl holds;
    /// otherwise it is wiped.
    fn release(
        &self,
        mut data: Vec<u8>,
        computed: &[u8; SHMAC_BYTES],
        sent: &[u8; SHMAC_BYTES],
        ttl: u64,
    ) -> Result<Vec<u8>> {
        if !bytes_are_equal(computed, sent) {
            data.zeroize();
            return Err(Error::InvalidShmac);
        }
        if let Err(e) = check_ttl(self.clock(), timestamp_of(&data[HEADER_BYTES..]), ttl) {
            data.zeroize();
            return Err(e);
        }
        let start = HEADER_BYTES + INNER_HEADER_BYTES;
        let len = unpadded_len(&data[start..]);
        data.copy_within(start..start + len, 0);
        data[len..].zeroize();
        data.truncate(len);
        Ok(data)
    }

    /// [`Self::bytes_decrypt`] of many ciphertexts, each `(ciphertext,
    /// aad)`, one result per item in their order: a forged, truncated or
    /// expired message gets its own error and releases nothing, and the
    /// others decrypt. Ciphertexts of one length and aad length are
    /// opened four at a time in the lanes of the four-state Keccak.
    #[must_use]
    pub fn bytes_decrypt_many(&self, items: &[(&[u8], &[u8])], ttl: u64) -> Vec<Result<Vec<u8>>> {
        self.bytes_decrypt_many_owned(
            items.iter().map(|(ct, aad)| (ct.to_vec(), *aad)).collect(),
            ttl,
        )
    }

    /// [`Self::bytes_decrypt_many`] in the ciphertexts' own buffers (no
    /// second copy); a buffer that does not decrypt is wiped.
    #[must_use]
    pub fn bytes_decrypt_many_owned(
        &self,
        items: Vec<(Vec<u8>, &[u8])>,
        ttl: u64,
    ) -> Vec<Result<Vec<u8>>> {
        let mut results: Vec<Option<Result<Vec<u8>>>> = Vec::with_capacity(items.len());
        let mut bufs: Vec<Vec<u8>> = Vec::with_capacity(items.len());
        let mut headers = Vec::with_capacity(items.len());
        let mut aads: Vec<&[u8]> = Vec::with_capacity(items.len());
        for (data, aad) in items {
            let checked = check_ciphertext_len(data.len())
                .and_then(|()| Header::parse(&data))
                .and_then(|h| match u32::try_from(aad.len()) {
                    Ok(_) => Ok(h),
                    Err(_) => Err(Error::AadTooLong { len: aad.len() }),
                });
            aads.push(aad);
            match checked {
                Ok(h) => {
                    results.push(None);
                    bufs.push(data);
                    headers.push(Some(h));
                }
                Err(e) => {
                    results.push(Some(Err(e)));
                    bufs.push(Vec::new());
                    headers.push(None);
                }
            }
        }
        let valid: Vec<usize> = (0..aads.len()).filter(|&i| headers[i].is_some()).collect();
        let shape = |k: usize| (bufs[valid[k]].len(), aads[valid[k]].len());
        let mut scratch = batch::Scratch::new();
        for group in groups(valid.len(), shape) {
            let group: Vec<usize> = group.iter().map(|&k| valid[k]).collect();
            let params = |i: usize| {
                let h = headers[i].as_ref().unwrap_or_else(|| unreachable!("valid"));
                (aads[i], h.salt, h.iv)
            };
            let tags = if group.len() == 1 {
                let (aad, salt, iv) = params(group[0]);
                self.open_one(&mut bufs[group[0]], aad, salt, iv)
                    .map(|t| vec![t])
            } else {
                self.run_group(&group, &mut bufs, params, true, &mut scratch)
            };
            for (k, &i) in group.iter().enumerate() {
                let data = core::mem::take(&mut bufs[i]);
                let sent = headers[i].as_ref().map(|h| h.tag).unwrap_or_default();
                results[i] = Some(match &tags {
                    Ok(tags) => self.release(data, &tags[k], &sent, ttl),
                    // The only error: an aad too long, refused above.
                    Err(_) => Err(Error::AadTooLong { len: aads[i].len() }),
                });
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(Error::InvalidShmac)))
            .collect()
    }

    /// [`Self::make_token`] of many messages: [`Self::bytes_encrypt_many`],
    /// each ciphertext as a token.
    ///
    /// # Errors
    /// As [`Self::bytes_encrypt_many`].
    pub fn make_tokens(&self, items: &[(&[u8], &[u8])]) -> Result<Vec<String>> {
        Ok(self
            .bytes_encrypt_many(items)?
            .iter()
            .map(|ct| bytes_to_urlsafe(ct))
            .collect())
    }

    /// [`Self::read_token`] of many tokens, each `(token, aad)`: one
    /// result per token, as [`Self::bytes_decrypt_many`].
    #[must_use]
    pub fn read_tokens(&self, items: &[(&[u8], &[u8])], ttl: u64) -> Vec<Result<Vec<u8>>> {
        let decoded: Vec<core::result::Result<Vec<u8>, Error>> = items
            .iter()
            .map(|(t, _)| urlsafe_to_bytes(t).map_err(Error::InvalidToken))
            .collect();
        let good: Vec<usize> = (0..items.len()).filter(|&i| decoded[i].is_ok()).collect();
        let batch: Vec<(&[u8], &[u8])> = good
            .iter()
            .map(|&i| (decoded[i].as_deref().unwrap_or_default(), items[i].1))
            .collect();
        let mut opened = self.bytes_decrypt_many(&batch, ttl).into_iter();
        decoded
            .into_iter()
            .map(|d| match d {
                Ok(_) => opened.next().unwrap_or(Err(Error::InvalidShmac)),
                Err(e) => Err(e),
            })
            .collect()
    }

    /// `Chunky2048.make_token(data, aad=aad)`: URL-safe base64 of
    /// [`Self::bytes_encrypt`] without `=`.
    ///
    /// # Errors
    /// As [`Self::bytes_encrypt`].
    #[doc(alias = "amake_token")]
    pub fn make_token(&self, data: &[u8], aad: &[u8]) -> Result<String> {
        Ok(bytes_to_urlsafe(&self.bytes_encrypt(data, aad)?))
    }

    /// `Chunky2048.read_token(token, aad=aad, ttl=ttl)`. Decodes with
    /// Python's lenient base64 rules, so every reference token reads.
    ///
    /// # Errors
    /// [`Error::InvalidToken`], then as [`Self::bytes_decrypt`].
    #[doc(alias = "aread_token")]
    pub fn read_token(&self, token: impl AsRef<[u8]>, aad: &[u8], ttl: u64) -> Result<Vec<u8>> {
        let ct = urlsafe_to_bytes(token.as_ref()).map_err(Error::InvalidToken)?;
        self.bytes_decrypt(&ct, aad, ttl)
    }

    /// `json_encrypt(value, aad=aad)`: encrypts `json.dumps(value)` with
    /// Python's exact formatting (see [`aiootp_core::python_dumps`]).
    ///
    /// # Errors
    /// [`Error::JsonEncode`], then as [`Self::bytes_encrypt`].
    #[cfg(feature = "json")]
    #[doc(alias = "ajson_encrypt")]
    pub fn json_encrypt<T: serde::Serialize + ?Sized>(
        &self,
        value: &T,
        aad: &[u8],
    ) -> Result<Vec<u8>> {
        let text = aiootp_core::to_python_json(value).map_err(|e| Error::JsonEncode(e.into()))?;
        self.bytes_encrypt(text.as_bytes(), aad)
    }

    /// `json_decrypt(data, aad=aad, ttl=ttl)`: authenticates, then parses.
    ///
    /// # Errors
    /// As [`Self::bytes_decrypt`], then [`Error::JsonDecode`].
    #[cfg(feature = "json")]
    #[doc(alias = "ajson_decrypt")]
    pub fn json_decrypt<T: serde::de::DeserializeOwned>(
        &self,
        data: &[u8],
        aad: &[u8],
        ttl: u64,
    ) -> Result<T> {
        let mut plain = self.bytes_decrypt(data, aad, ttl)?;
        let parsed = serde_json::from_slice(&plain).map_err(|e| Error::JsonDecode(e.into()));
        plain.zeroize();
        parsed
    }
}

/// A whole message buffer for `data`: a zero header, then the body laid
/// out for sealing (inner header, data, end padding).
fn lay_out(data: &[u8], r: &MessageRandomness) -> Vec<u8> {
    let n = block_count(data.len());
    let mut out = vec![0u8; HEADER_BYTES + BLOCKSIZE * n];
    let body = &mut out[HEADER_BYTES..];
    body[..INNER_HEADER_BYTES].copy_from_slice(&r.inner_header());
    let data_end = INNER_HEADER_BYTES + data.len();
    body[INNER_HEADER_BYTES..data_end].copy_from_slice(data);
    write_end_padding(&mut body[data_end..], &r.extra_padding, data.len());
    out
}

/// Seals the laid-out body of the whole message `buf` in place under
/// `bundle`; its tag.
fn seal_body(bundle: KeyAadBundle, buf: &mut [u8]) -> [u8; SHMAC_BYTES] {
    let mut engine = Sealer::new(bundle);
    for block in buf[HEADER_BYTES..].chunks_exact_mut(BLOCKSIZE) {
        engine.seal_block(as_block(block));
    }
    engine.finalize()
}

/// Writes `tag ‖ salt ‖ iv` over the first 64 bytes of `out`.
fn write_header(out: &mut [u8], tag: [u8; SHMAC_BYTES], r: &MessageRandomness) {
    out[..HEADER_BYTES].copy_from_slice(
        &Header {
            tag,
            salt: r.salt,
            iv: r.iv,
        }
        .to_bytes(),
    );
}

/// The indices `0..n` in groups of at most four of one `shape` (message
/// length, aad length), each group in index order; where lanes do not pay,
/// groups of one.
fn groups<K: Ord>(n: usize, shape: impl Fn(usize) -> K) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| shape(i));
    let size = if crate::lanes::batch_pays() {
        batch::LANES
    } else {
        1
    };
    let mut out: Vec<Vec<usize>> = Vec::new();
    for i in order {
        match out.last_mut() {
            Some(g) if g.len() < size && shape(g[0]) == shape(i) => g.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

/// The first check of `bytes_decrypt`: `len - 64` must be a positive
/// multiple of 256.
///
/// # Errors
/// [`Error::InvalidCiphertextLength`].
pub fn check_ciphertext_len(len: usize) -> Result<()> {
    let body_len = len.saturating_sub(HEADER_BYTES);
    if body_len == 0 || !body_len.is_multiple_of(BLOCKSIZE) {
        return Err(Error::InvalidCiphertextLength { len });
    }
    Ok(())
}

/// The module-level `bytes_encrypt(data, key, aad=aad)`.
///
/// # Errors
/// As [`Chunky2048::new`] and [`Chunky2048::bytes_encrypt`].
pub fn bytes_encrypt(data: &[u8], key: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    Chunky2048::new(key)?.bytes_encrypt(data, aad)
}

/// The module-level `bytes_decrypt(data, key, aad=aad, ttl=ttl)`, with the
/// reference's check order: ciphertext length before key.
///
/// # Errors
/// As [`Chunky2048::bytes_decrypt`], and the key errors of [`Chunky2048::new`].
pub fn bytes_decrypt(data: &[u8], key: &[u8], aad: &[u8], ttl: u64) -> Result<Vec<u8>> {
    check_ciphertext_len(data.len())?;
    Chunky2048::new(key)?.bytes_decrypt(data, aad, ttl)
}

/// The module-level `json_encrypt(value, key, aad=aad)`.
///
/// # Errors
/// As [`Chunky2048::json_encrypt`].
#[cfg(feature = "json")]
pub fn json_encrypt<T: serde::Serialize + ?Sized>(
    value: &T,
    key: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>> {
    Chunky2048::new(key)?.json_encrypt(value, aad)
}

/// The module-level `json_decrypt(data, key, aad=aad, ttl=ttl)`.
///
/// # Errors
/// As [`bytes_decrypt`], then [`Error::JsonDecode`].
#[cfg(feature = "json")]
pub fn json_decrypt<T: serde::de::DeserializeOwned>(
    data: &[u8],
    key: &[u8],
    aad: &[u8],
    ttl: u64,
) -> Result<T> {
    check_ciphertext_len(data.len())?;
    Chunky2048::new(key)?.json_decrypt(data, aad, ttl)
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)] // test bytes from `i % 256`
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn randomness(seed: u8, i: usize) -> MessageRandomness {
        let b = |k: usize| (seed as usize * 31 + i * 7 + k) as u8;
        MessageRandomness {
            salt: core::array::from_fn(b),
            iv: core::array::from_fn(|k| b(k + 16)),
            timestamp: [0, 1, 2, b(3)],
            siv_key: core::array::from_fn(|k| b(k + 40)),
            extra_padding: core::array::from_fn(|k| b(k + 60)),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Each message of a batch is the one `bytes_encrypt` makes from
        /// the same randomness, whatever the mix of shapes; and the batch
        /// decryption opens them all.
        #[test]
        fn batches_are_single_messages(
            sizes in proptest::collection::vec(0usize..700, 0..14),
            aads in proptest::collection::vec(0usize..3, 14),
            seed in any::<u8>(),
        ) {
            let c = Chunky2048::new(&[seed; 64]).unwrap();
            let data: Vec<Vec<u8>> = sizes.iter().enumerate().map(|(i, &n)| (0..n).map(|k| (k + i) as u8).collect()).collect();
            let aad: Vec<Vec<u8>> = aads.iter().map(|&a| vec![b'a'; a * 5]).collect();
            let items: Vec<(&[u8], &[u8])> = data.iter().zip(&aad).map(|(d, a)| (&d[..], &a[..])).collect();
            let r: Vec<MessageRandomness> = (0..items.len()).map(|i| randomness(seed, i)).collect();
            let batch = c.encrypt_many_with(&items, &r).unwrap();
            for (i, (d, a)) in items.iter().enumerate() {
                prop_assert_eq!(&batch[i], &c.encrypt_with(d, a, &r[i]).unwrap());
            }
            let opened: Vec<(&[u8], &[u8])> = batch.iter().zip(&items).map(|(ct, (_, a))| (&ct[..], *a)).collect();
            for (i, got) in c.bytes_decrypt_many(&opened, 0).into_iter().enumerate() {
                prop_assert_eq!(got.unwrap(), items[i].0);
            }
        }
    }

    /// In a batch, a forged, truncated or mis-labelled message gets its own
    /// error and the others decrypt.
    #[test]
    fn forged_batch_members_fail_alone() {
        let c = Chunky2048::new(&[7; 64]).unwrap();
        let data: Vec<Vec<u8>> = (0..9).map(|i| vec![i as u8; 100]).collect();
        let items: Vec<(&[u8], &[u8])> = data.iter().map(|d| (&d[..], &b"aad"[..])).collect();
        let mut cts = c.bytes_encrypt_many(&items).unwrap();
        cts[1][200] ^= 1; // a changed ciphertext byte
        cts[4][5] ^= 0x80; // a changed tag byte
        cts[6].truncate(300); // truncated
        let mut opened: Vec<(&[u8], &[u8])> = cts.iter().map(|ct| (&ct[..], &b"aad"[..])).collect();
        opened[7].1 = b"other"; // another aad
        let results = c.bytes_decrypt_many(&opened, 0);
        for (i, r) in results.iter().enumerate() {
            match i {
                1 | 4 | 7 => assert!(matches!(r, Err(Error::InvalidShmac)), "{i}: {r:?}"),
                6 => assert!(
                    matches!(r, Err(Error::InvalidCiphertextLength { len: 300 })),
                    "{r:?}"
                ),
                _ => assert_eq!(r.as_deref().unwrap(), &data[i][..]),
            }
        }
    }
}

//! `hash_bytes`: the keyed, canonically packed hash used across the library.

use crate::encoding::{PackParams, canonical_pack_into, encode_key_into};
use crate::error::{Error, Result};
use aiootp_keccak as xof;
use hmac::{KeyInit, Mac};
use sha3::Digest;
use zeroize::Zeroizing;

/// The hash functions `hash_bytes` (and `DomainKDF`) can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hasher {
    /// SHA3-256 (rate 136, 32-byte output).
    Sha3_256,
    /// SHA3-512 (rate 72, 64-byte output); the reference's default.
    Sha3_512,
    /// SHAKE-128 (rate 168, any output size).
    Shake128,
    /// SHAKE-256 (rate 136, any output size).
    Shake256,
}

impl Hasher {
    /// The sponge rate in bytes: the "blocksize" the reference pads to.
    #[must_use]
    pub const fn rate(self) -> usize {
        match self {
            Self::Sha3_256 | Self::Shake256 => 136,
            Self::Sha3_512 => 72,
            Self::Shake128 => 168,
        }
    }

    /// The fixed output size of a SHA3 hash; `None` for the XOFs.
    #[must_use]
    pub const fn fixed_size(self) -> Option<usize> {
        match self {
            Self::Sha3_256 => Some(32),
            Self::Sha3_512 => Some(64),
            Self::Shake128 | Self::Shake256 => None,
        }
    }

    /// The Python `hashlib` name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha3_256 => "sha3_256",
            Self::Sha3_512 => "sha3_512",
            Self::Shake128 => "shake_128",
            Self::Shake256 => "shake_256",
        }
    }

    /// Resolves the output size: `size` for an XOF (must be > 0), the fixed
    /// size for SHA3 (where `size` must be 0 or equal to it).
    ///
    /// # Errors
    /// [`Error::InvalidHashSize`] where the reference raises `TypeError`.
    pub fn output_size(self, size: usize) -> Result<usize> {
        match (self.fixed_size(), size) {
            (Some(fixed), 0) => Ok(fixed),
            (Some(fixed), s) if s == fixed => Ok(fixed),
            (None, s) if s > 0 => Ok(s),
            _ => Err(Error::InvalidHashSize {
                hasher: self.name(),
                size,
            }),
        }
    }

    /// Hashes `data` (already framed) to `size` bytes.
    pub(crate) fn run(self, data: &[u8], size: usize) -> Vec<u8> {
        match self {
            Self::Sha3_256 => sha3::Sha3_256::digest(data).to_vec(),
            Self::Sha3_512 => sha3::Sha3_512::digest(data).to_vec(),
            Self::Shake128 => xof::shake_128(data, size),
            Self::Shake256 => xof::shake_256(data, size),
        }
    }
}

/// The input `hash_bytes` feeds to its hasher:
/// `encode_key(key, rate, pad)` (when `key` is non-empty) then
/// `canonical_pack(BE_8(size), *items, blocksize=rate, pad=pad)`.
#[must_use]
pub fn hash_bytes_input(
    hasher: Hasher,
    size: usize,
    key: &[u8],
    pad: u8,
    items: &[&[u8]],
) -> Zeroizing<Vec<u8>> {
    let rate = hasher.rate();
    // The key is in here: one buffer, sized once, wiped on drop.
    let pad_slice = [pad];
    let params = PackParams {
        blocksize: rate,
        pad: &pad_slice,
        int_bytes: 8,
    };
    let lens = core::iter::once(8).chain(items.iter().map(|i| i.len()));
    // The packing, then at most one block of padding.
    let pack_len = crate::encoding::canonical_pack_len(lens, params) + rate;
    let key_len = if key.is_empty() {
        0
    } else {
        crate::encoding::encoded_key_len(key.len(), rate)
    };
    let mut data = Zeroizing::new(Vec::with_capacity(key_len + pack_len));
    let capacity = data.capacity();
    if !key.is_empty() {
        // encode_key only fails on an empty key, excluded just above.
        let _ = encode_key_into(&mut data, key, rate, pad);
        debug_assert_eq!(data.len(), key_len);
    }
    let size_item = (size as u64).to_be_bytes();
    let all = core::iter::once(&size_item[..]).chain(items.iter().copied());
    canonical_pack_into(&mut data, all, params);
    // No reallocation: a grown buffer would leave the key in freed memory.
    debug_assert_eq!(data.capacity(), capacity);
    data
}

/// `hash_bytes(*items, hasher=..., pad=..., size=..., key=...)`.
///
/// `size` is 0 for the SHA3 hashes (their fixed size is used) and the
/// output length for the SHAKEs.
///
/// # Errors
/// [`Error::InvalidHashSize`] for a SHAKE with `size == 0` or a SHA3 hash
/// asked for another size than its own.
pub fn hash_bytes_with(
    hasher: Hasher,
    size: usize,
    key: &[u8],
    pad: u8,
    items: &[&[u8]],
) -> Result<Vec<u8>> {
    let size = hasher.output_size(size)?;
    let data = hash_bytes_input(hasher, size, key, pad, items);
    Ok(hasher.run(&data, size))
}

/// Plain SHA3-256 (no framing), as `hashlib.sha3_256(data).digest()`.
#[must_use]
pub fn sha3_256(data: &[u8]) -> [u8; 32] {
    sha3::Sha3_256::digest(data).into()
}

/// Plain SHA3-512 (no framing), as `hashlib.sha3_512(data).digest()`.
#[must_use]
pub fn sha3_512(data: &[u8]) -> [u8; 64] {
    sha3::Sha3_512::digest(data).into()
}

/// `hash_bytes(*items)` with the reference's defaults: SHA3-512, no key,
/// 64 bytes.
///
/// ```
/// let h = aiootp_core::hash_bytes(&[b"user", b"data"]);
/// assert_eq!(h.len(), 64);
/// ```
#[doc(alias = "ahash_bytes")]
#[must_use]
pub fn hash_bytes(items: &[&[u8]]) -> [u8; 64] {
    let data = hash_bytes_input(Hasher::Sha3_512, 64, b"", 0, items);
    sha3::Sha3_512::digest(&data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_reference_rules() {
        assert!(hash_bytes_with(Hasher::Shake128, 0, b"", 0, &[]).is_err());
        assert!(hash_bytes_with(Hasher::Sha3_256, 16, b"", 0, &[]).is_err());
        assert_eq!(
            hash_bytes_with(Hasher::Sha3_256, 0, b"", 0, &[])
                .unwrap()
                .len(),
            32
        );
        assert_eq!(
            hash_bytes_with(Hasher::Sha3_512, 0, b"", 0, &[b"x"]).unwrap(),
            hash_bytes(&[b"x"])
        );
    }

    #[test]
    fn input_is_block_aligned() {
        for h in [
            Hasher::Sha3_256,
            Hasher::Sha3_512,
            Hasher::Shake128,
            Hasher::Shake256,
        ] {
            let d = hash_bytes_input(h, 8, b"k", 0, &[b"abc"]);
            assert_eq!(d.len() % h.rate(), 0);
        }
    }
}

/// RFC 2104 HMAC with SHA3-256 over the concatenation of `parts`
/// (Python's `hmac.new(key, msg, sha3_256)`).
#[must_use]
pub fn hmac_sha3_256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <hmac::SimpleHmac<sha3::Sha3_256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// RFC 2104 HMAC with SHA3-512 over the concatenation of `parts`
/// (Python's `hmac.new(key, msg, sha3_512)`).
#[must_use]
pub fn hmac_sha3_512(key: &[u8], parts: &[&[u8]]) -> [u8; 64] {
    let mut mac = <hmac::SimpleHmac<sha3::Sha3_512> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod hmac_tests {
    use super::*;

    #[test]
    fn hmac_sha3_matches_python() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'key',b'The quick brown fox',hashlib.sha3_256).hexdigest())"
        assert_eq!(
            crate::bytes_to_hex(&hmac_sha3_256(b"key", &[b"The quick ", b"brown fox"])),
            "f7005cd351f68062dae84960737be699fae731135019ae6455f44ad4b874fe67"
        );
        // ... hashlib.sha3_512).hexdigest()
        assert_eq!(
            crate::bytes_to_hex(&hmac_sha3_512(b"key", &[b"The quick brown fox"])),
            "fe05f476749b1e8a24f09b8e90d3dac161692f43495c7a664173f7dbb31205cc8fe50094f29ecbf7ea3d4c9796d84a83d949912c6513bc8f989d0fa2352cab67"
        );
    }
}

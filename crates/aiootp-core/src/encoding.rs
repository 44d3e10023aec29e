//! Byte encodings shared by every component: `fullblock_ljust`,
//! `canonical_pack`, `encode_key`, `xi_mix` and the integer helpers.
//!
//! These are the exact framings of `aiootp.generics`; every keyed hash in the
//! library starts with one of them, so a single byte out of place breaks
//! compatibility everywhere.

use crate::error::{Error, Result};

/// Right-pads `data` with `pad` up to the next multiple of `blocksize`.
///
/// A `blocksize` of 0 or 1 leaves `data` unchanged, and data that is already
/// a multiple (including empty data) gets no padding.
pub fn fullblock_ljust(data: &mut Vec<u8>, blocksize: usize, pad: u8) {
    if blocksize <= 1 {
        return;
    }
    let rem = data.len() % blocksize;
    if rem != 0 {
        data.resize(data.len() + blocksize - rem, pad);
    }
}

/// Big-endian `value` in exactly `size` bytes (`int.to_bytes(size, "big")`),
/// or `None` when it does not fit.
#[must_use]
pub fn int_as_bytes(value: u128, size: usize) -> Option<Vec<u8>> {
    let full = value.to_be_bytes();
    let needed = full.len() - (value.leading_zeros() as usize / 8);
    if needed > size {
        return None;
    }
    let mut out = vec![0u8; size];
    let take = needed.min(size);
    out[size - take..].copy_from_slice(&full[full.len() - take..]);
    Some(out)
}

/// Reads `bytes` as a big-endian unsigned integer. `None` when it exceeds 128 bits.
#[must_use]
pub fn bytes_as_int(bytes: &[u8]) -> Option<u128> {
    let significant = bytes
        .iter()
        .position(|&b| b != 0)
        .map_or(&[][..], |i| &bytes[i..]);
    if significant.len() > 16 {
        return None;
    }
    Some(
        significant
            .iter()
            .fold(0u128, |acc, &b| (acc << 8) | u128::from(b)),
    )
}

/// Appends `value` big endian in `int_bytes` bytes. Lengths that do not fit
/// are truncated to their low bytes, which cannot happen for the 4- and
/// 8-byte fields the library uses with in-memory data.
fn push_be(out: &mut Vec<u8>, value: u64, int_bytes: usize) {
    let bytes = value.to_be_bytes();
    if int_bytes >= 8 {
        out.resize(out.len() + int_bytes - 8, 0);
        out.extend_from_slice(&bytes);
    } else {
        out.extend_from_slice(&bytes[8 - int_bytes..]);
    }
}

/// The parameters of a [`canonical_pack`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackParams<'a> {
    /// Output is padded to a multiple of this (1 = no padding).
    pub blocksize: usize,
    /// The pad byte string: empty or one byte.
    pub pad: &'a [u8],
    /// Width of every length field.
    pub int_bytes: usize,
}

impl PackParams<'static> {
    /// `blocksize=1, pad=b"\x00", int_bytes=8`: the reference's defaults.
    pub const DEFAULT: Self = Self {
        blocksize: 1,
        pad: &[0],
        int_bytes: 8,
    };

    /// Defaults with another blocksize (used by `hash_bytes`).
    #[must_use]
    pub const fn with_blocksize(blocksize: usize) -> Self {
        Self {
            blocksize,
            pad: &[0],
            int_bytes: 8,
        }
    }
}

/// The length of `canonical_pack(items)` before block padding.
#[must_use]
pub fn canonical_pack_len(item_lens: impl IntoIterator<Item = usize>, p: PackParams<'_>) -> usize {
    let i = p.int_bytes;
    let (count, data) = item_lens
        .into_iter()
        .fold((0usize, 0usize), |(c, d), l| (c + 1, d + l));
    // count field, then (len || item) for blocksize item, pad item, user items.
    i + (i + i) + (i + p.pad.len()) + count * i + data
}

/// `canonical_pack(*items, blocksize, pad, int_bytes)` appended to `out`.
///
/// Layout: `BE_I(m + 2) ‖ BE_I(I) ‖ BE_I(blocksize) ‖ BE_I(len(pad)) ‖ pad ‖
/// (BE_I(len(item)) ‖ item)…` (spec chunky2048 §2.3): the first two packed
/// items are the blocksize and the pad string. Padding to `blocksize` uses the
/// pad byte; with an empty pad there is none (the reference raises there).
pub fn canonical_pack_into<'i>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = &'i [u8]> + Clone,
    p: PackParams<'_>,
) {
    let start = out.len();
    let count = items.clone().into_iter().count() + 2;
    let i = p.int_bytes;
    // One allocation at most, of the final size (a buffer that grows leaves
    // copies of what it held in freed memory).
    let len = canonical_pack_len(items.clone().into_iter().map(<[u8]>::len), p);
    out.reserve(len + p.blocksize);
    push_be(out, count as u64, i);
    push_be(out, i as u64, i);
    push_be(out, p.blocksize as u64, i);
    push_be(out, p.pad.len() as u64, i);
    out.extend_from_slice(p.pad);
    for item in items {
        push_be(out, item.len() as u64, i);
        out.extend_from_slice(item);
    }
    if let (true, Some(&pad)) = (p.blocksize > 1, p.pad.first()) {
        let rem = (out.len() - start) % p.blocksize;
        if rem != 0 {
            out.resize(out.len() + p.blocksize - rem, pad);
        }
    }
}

/// `canonical_pack(*items, blocksize, pad, int_bytes)`.
///
/// ```
/// use aiootp_core::{canonical_pack, PackParams};
/// let p = PackParams { blocksize: 1, pad: b"", int_bytes: 4 };
/// let packed = canonical_pack([&b"A"[..], b"B"], p);
/// // count | len 4, blocksize 1 | len 0 (empty pad) | len 1, "A" | len 1, "B"
/// assert_eq!(packed, [0,0,0,4, 0,0,0,4, 0,0,0,1, 0,0,0,0, 0,0,0,1, b'A', 0,0,0,1, b'B']);
/// ```
#[must_use]
pub fn canonical_pack<'i>(
    items: impl IntoIterator<Item = &'i [u8]> + Clone,
    p: PackParams<'_>,
) -> Vec<u8> {
    let mut out = Vec::new();
    canonical_pack_into(&mut out, items, p);
    out
}

/// `encode_key(key, blocksize, pad)`:
/// `fullblock_ljust(key ‖ LE_8(len(key)) ‖ LE_8(blocksize) ‖ pad, blocksize, pad)`.
///
/// # Errors
/// [`Error::EmptyKey`] for an empty key, as the reference raises.
pub fn encode_key(key: &[u8], blocksize: usize, pad: u8) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(encoded_key_len(key.len(), blocksize));
    encode_key_into(&mut out, key, blocksize, pad)?;
    Ok(out)
}

/// The length of `encode_key` of a `key_len`-byte key.
#[must_use]
pub const fn encoded_key_len(key_len: usize, blocksize: usize) -> usize {
    let len = key_len + 17;
    if blocksize > 1 {
        len.div_ceil(blocksize) * blocksize
    } else {
        len
    }
}

/// [`encode_key`] appended to `out`. Give `out` the capacity of
/// everything it will hold first: a buffer that grows leaves copies of
/// the key in freed memory.
///
/// # Errors
/// [`Error::EmptyKey`] for an empty key.
pub fn encode_key_into(out: &mut Vec<u8>, key: &[u8], blocksize: usize, pad: u8) -> Result<()> {
    if key.is_empty() {
        return Err(Error::EmptyKey);
    }
    out.reserve(encoded_key_len(key.len(), blocksize));
    let start = out.len();
    out.extend_from_slice(key);
    out.extend_from_slice(&(key.len() as u64).to_le_bytes());
    out.extend_from_slice(&(blocksize as u64).to_le_bytes());
    out.push(pad);
    if blocksize > 1 {
        let rem = (out.len() - start) % blocksize;
        if rem != 0 {
            out.resize(out.len() + blocksize - rem, pad);
        }
    }
    Ok(())
}

/// `xi_mix(data, size)`: XOR of the big-endian `size`-byte chunks of `data`,
/// a short final chunk right-aligned (it is read as a smaller integer).
#[must_use]
pub fn xi_mix(data: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size];
    if size == 0 {
        return out;
    }
    for chunk in data.chunks(size) {
        let offset = size - chunk.len();
        for (o, c) in out[offset..].iter_mut().zip(chunk) {
            *o ^= c;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ljust_pads_to_multiple_and_leaves_multiples() {
        let mut v = vec![1, 2, 3];
        fullblock_ljust(&mut v, 4, 9);
        assert_eq!(v, [1, 2, 3, 9]);
        fullblock_ljust(&mut v, 4, 9);
        assert_eq!(v, [1, 2, 3, 9]);
        let mut e = Vec::new();
        fullblock_ljust(&mut e, 168, 0);
        assert!(e.is_empty());
    }

    #[test]
    fn spec_example_pack_int4_no_pad() {
        // spec chunky2048 §2.3 example.
        let p = canonical_pack(
            [&b"A"[..], b"BC"],
            PackParams {
                blocksize: 1,
                pad: b"",
                int_bytes: 4,
            },
        );
        let want: Vec<u8> = [
            &[0, 0, 0, 4][..],
            &[0, 0, 0, 4],
            &[0, 0, 0, 1],
            &[0, 0, 0, 0],
            &[0, 0, 0, 1],
            b"A",
            &[0, 0, 0, 2],
            b"BC",
        ]
        .concat();
        assert_eq!(p, want);
        let lens = [1usize, 2];
        assert_eq!(
            canonical_pack_len(
                lens,
                PackParams {
                    blocksize: 1,
                    pad: b"",
                    int_bytes: 4
                }
            ),
            want.len()
        );
    }

    #[test]
    fn encode_key_sizes_match_spec() {
        for (len, out) in [(64, 168), (151, 168), (152, 336), (168, 336), (1000, 1176)] {
            assert_eq!(encode_key(&vec![1; len], 168, 0).unwrap().len(), out);
        }
        assert_eq!(encode_key(b"", 168, 0), Err(Error::EmptyKey));
    }

    #[test]
    fn int_helpers_round_trip_and_overflow() {
        assert_eq!(int_as_bytes(256, 2), Some(vec![1, 0]));
        assert_eq!(int_as_bytes(256, 1), None);
        assert_eq!(int_as_bytes(0, 0), Some(vec![]));
        assert_eq!(bytes_as_int(&[0, 0, 1, 0]), Some(256));
        assert_eq!(bytes_as_int(&[1; 17]), None);
    }

    #[test]
    fn xi_mix_right_aligns_short_chunk() {
        assert_eq!(
            xi_mix(&[1, 2, 3, 4, 5, 6, 7], 8),
            vec![0, 1, 2, 3, 4, 5, 6, 7]
        );
        assert_eq!(xi_mix(&[1, 1, 2, 2], 2), vec![3, 3]);
    }
}

//! Plaintext padding (spec §5): `timestamp ‖ siv_key ‖ data ‖ end_padding`.

use crate::constants::*;

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
pub(crate) fn write_end_padding(out: &mut [u8], random: &[u8], data_len: usize) {
    let size = padding_size(data_len);
    debug_assert_eq!(out.len(), size);
    let fill = size - 1;
    out[..fill].copy_from_slice(&random[random.len() - fill..]);
    // `size % 256` fits a byte: 256 is written as 0.
    out[fill] = u8::try_from(size % BLOCKSIZE).unwrap_or(0);
}

/// Where the user data ends in a padded plaintext of `padded_len` bytes
/// ending in `sentinel`: `padded_len - (sentinel or 256)`, clamped to the
/// inner header (Python slice semantics: never an error).
#[must_use]
pub const fn data_end(padded_len: usize, sentinel: u8) -> usize {
    let pad = if sentinel == 0 {
        BLOCKSIZE
    } else {
        sentinel as usize
    };
    let end = padded_len.saturating_sub(pad);
    if end < INNER_HEADER_BYTES {
        INNER_HEADER_BYTES
    } else {
        end
    }
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
        let random: Vec<u8> = (0..=255).collect();
        let mut one = [9u8; 1];
        write_end_padding(&mut one, &random, 235);
        assert_eq!(one, [1]);
        let mut full = [9u8; 256];
        write_end_padding(&mut full, &random, 236);
        assert_eq!(&full[..255], &random[1..]);
        assert_eq!(full[255], 0);
    }

    #[test]
    fn depadding_clamps() {
        assert_eq!(data_end(256, 1), 255);
        assert_eq!(data_end(256, 0), 20);
        assert_eq!(data_end(256, 250), 20);
        assert_eq!(data_end(512, 0), 256);
    }
}

//! Chunky2048's sizes and constants (spec chunky2048 §1).

/// Plaintext and ciphertext block size.
pub const BLOCKSIZE: usize = 256;
/// SHAKE-128 rate: the blocksize of every KDF and MAC state.
pub const SHAKE_128_BLOCKSIZE: usize = 168;
/// Size of one ratchet output of the seed KDF.
pub const SEED_KDF_DOUBLE_BLOCKSIZE: usize = 336;
/// Smallest accepted key.
pub const MIN_KEY_BYTES: usize = 64;
/// Size of a key made by `generate_key()`.
pub const KEY_BYTES: usize = 168;
/// Salt size.
pub const SALT_BYTES: usize = 16;
/// IV size.
pub const IV_BYTES: usize = 16;
/// Size of the final StreamHMAC tag.
pub const SHMAC_BYTES: usize = 32;
/// `shmac ‖ salt ‖ iv`.
pub const HEADER_BYTES: usize = SHMAC_BYTES + SALT_BYTES + IV_BYTES;
/// Inner-header timestamp size.
pub const TIMESTAMP_BYTES: usize = 4;
/// Inner-header SIV key size.
pub const SIV_KEY_BYTES: usize = 16;
/// `timestamp ‖ siv_key`.
pub const INNER_HEADER_BYTES: usize = TIMESTAMP_BYTES + SIV_KEY_BYTES;
/// Default (and stream) block-id size.
pub const BLOCK_ID_BYTES: usize = 24;
/// Smallest block id.
pub const MIN_BLOCK_ID_BYTES: usize = 16;
/// Largest block id.
pub const MAX_BLOCK_ID_BYTES: usize = 32;
/// One stream packet on the wire: `block_id(24) ‖ block(256)`.
pub const PACKETSIZE: usize = BLOCK_ID_BYTES + BLOCKSIZE;
/// Bytes of the first block's keystream skipped on each side of the SIV-keyed middle.
pub const HALF_HEADER: usize = INNER_HEADER_BYTES / 2;
/// Pad byte of the seed KDF.
pub const SEED_PAD: u8 = 0xAC;
/// Pad byte of the left KDF.
pub const LEFT_PAD: u8 = 0x5C;
/// Pad byte of the right KDF.
pub const RIGHT_PAD: u8 = 0x36;
/// Pad byte of the StreamHMAC.
pub const SHMAC_PAD: u8 = 0x9A;
/// The seed KDF's extra offset: 84 bytes of `SEED_PAD`.
pub const SEED_KDF_OFFSET: [u8; SHAKE_128_BLOCKSIZE / 2] = [SEED_PAD; SHAKE_128_BLOCKSIZE / 2];
/// `canonical_pack` of the cipher's parameters, absorbed into every summary.
pub const METADATA: [u8; 40] = [
    0x0b, 0x01, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x17, 0x36, 0x06,
    0x43, 0xd3, 0xc2, 0x00, 0x00, 0x02, 0x01, 0x00, 0x01, 0x18, 0x01, 0x20, 0x01, 0x10, 0x01, 0x10,
    0x01, 0x04, 0x02, 0x00, 0x10, 0x02, 0x00, 0x00,
];

/// The source strings of the five process-wide 168-byte domain salts.
pub(crate) const SEED_KDF_SALT_SOURCE: &[u8] = b"chunky2048_seed_kdf_salt";
pub(crate) const LEFT_KDF_SALT_SOURCE: &[u8] = b"chunky2048_left_kdf_salt";
pub(crate) const RIGHT_KDF_SALT_SOURCE: &[u8] = b"chunky2048_right_kdf_salt";
pub(crate) const SHMAC_MAC_SALT_SOURCE: &[u8] = b"chunky2048_shmac_mac_salt";
pub(crate) const BLOCK_ID_MAC_SALT_SOURCE: &[u8] = b"chunky2048_shmac_block_id_mac";

#[cfg(test)]
mod tests {
    use super::*;
    use aiootp_core::{PackParams, canonical_pack};

    #[test]
    #[allow(clippy::cast_possible_truncation)] // small constants, checked by the result
    fn metadata_is_the_packed_parameters() {
        let epoch_ns = aiootp_core::EPOCH_NS.to_be_bytes();
        let mut epoch16 = [0u8; 16];
        epoch16[8..].copy_from_slice(&epoch_ns);
        let items: [&[u8]; 9] = [
            &epoch16,
            &(BLOCKSIZE as u16).to_be_bytes(),
            &[BLOCK_ID_BYTES as u8],
            &[SHMAC_BYTES as u8],
            &[SALT_BYTES as u8],
            &[IV_BYTES as u8],
            &[TIMESTAMP_BYTES as u8],
            &(SIV_KEY_BYTES as u16).to_be_bytes(),
            &0u16.to_be_bytes(),
        ];
        let p = PackParams {
            blocksize: 1,
            pad: b"",
            int_bytes: 1,
        };
        assert_eq!(canonical_pack(items, p), METADATA);
    }
}

//! Criterion benchmarks for every row of `cargo xtask bench`: the Keccak
//! permutations (`t_perm`, the four-state kernels), Chunky2048's bytes,
//! stream and batch operations at the bench's sizes, Passcrypt on one
//! thread, and the database's save, unchanged re-save and load of 10,000
//! tags. `cargo xtask bench` stays the tool that compares with the bound
//! and the reference; these give criterion's statistics and history.
//!
//! ```no_run
//! // cargo bench -p aiootp-benches --bench cipher -- bytes_decrypt
//! let key = aiootp_benches::key();
//! assert_eq!(key.len(), 64);
//! ```
//!
//! CI compiles them (`cargo bench -p aiootp-benches --no-run`) and does
//! not run them.

/// The sizes of the cipher rows (bytes of plaintext per message).
pub const SIZES: &[usize] = &[64, 1024, 65536, 1 << 20];

/// The sizes of the batch rows, and the messages per batch.
pub const BATCH_SIZES: &[usize] = &[64, 1024];
/// Messages per batch row.
pub const BATCH: usize = 1000;

/// The 64-byte key every row uses (as `cargo xtask bench`).
#[must_use]
pub fn key() -> Vec<u8> {
    (0..64u8).collect()
}

/// `n` bytes of plaintext.
#[must_use]
pub fn plaintext(n: usize) -> Vec<u8> {
    (0..n).map(|i| u8::try_from(i % 251).unwrap_or(0)).collect()
}

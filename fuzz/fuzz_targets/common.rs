//! Shared fixtures: one key, and genuine messages to mutate, so the fuzzer
//! reaches the authenticated paths instead of stopping at the length check.

#![allow(dead_code)] // each target uses only some of these helpers

use aiootp_chunky2048::Chunky2048;
use std::sync::OnceLock;

pub const AAD: &[u8] = b"fuzz aad";

pub fn cipher() -> &'static Chunky2048 {
    static C: OnceLock<Chunky2048> = OnceLock::new();
    C.get_or_init(|| Chunky2048::new(&[0x42; 64]).expect("valid key"))
}

/// A genuine ciphertext of 600 bytes of plaintext.
pub fn genuine() -> &'static [u8] {
    static CT: OnceLock<Vec<u8>> = OnceLock::new();
    CT.get_or_init(|| cipher().bytes_encrypt(&[7u8; 600], AAD).expect("encrypts"))
}

/// `data` XORed into a copy of `base` (a structure-aware mutation: every
/// bit flip, at every position, of a real message), then truncated or
/// extended by the remaining input.
pub fn mutate(base: &[u8], data: &[u8]) -> Vec<u8> {
    let (mask, tail) = data.split_at(data.len().min(base.len()));
    let mut out = base.to_vec();
    for (o, m) in out.iter_mut().zip(mask) {
        *o ^= m;
    }
    match tail.first() {
        Some(&cut) if cut & 1 == 1 => out.truncate(out.len().saturating_sub(usize::from(cut))),
        Some(_) => out.extend_from_slice(&tail[1..]),
        None => {}
    }
    out
}

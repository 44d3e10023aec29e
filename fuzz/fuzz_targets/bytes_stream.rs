#![no_main]
//! The streaming `bytes_encrypt` decoder the CLI uses, fed arbitrary and
//! mutated ciphertexts in arbitrary pieces: `finish` may succeed only on a
//! genuine ciphertext, and then gives its plaintext.

use aiootp_chunky2048::stream::BytesDecryptor;
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let input = if mode & 1 == 0 { rest.to_vec() } else { common::mutate(common::genuine(), rest) };
    if input.len() < 64 {
        return;
    }
    let Ok(mut dec) = BytesDecryptor::new(common::cipher(), &input[..64], common::AAD) else { return };
    let mut out = Vec::new();
    for piece in input[64..].chunks(1 + usize::from(mode >> 1)) {
        dec.update(piece, &mut out);
    }
    if dec.finish(0, &mut out).is_ok() {
        assert_eq!(input, common::genuine());
        assert_eq!(out, [7u8; 600]);
    }
});

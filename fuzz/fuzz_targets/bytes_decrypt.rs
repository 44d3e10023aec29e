#![no_main]
//! `bytes_decrypt` on arbitrary bytes and on mutations of a genuine
//! ciphertext: a typed error or the right plaintext, never a panic.

use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let c = common::cipher();
    let Some((&mode, rest)) = data.split_first() else { return };
    let input = if mode & 1 == 0 { rest.to_vec() } else { common::mutate(common::genuine(), rest) };
    match c.bytes_decrypt(&input, common::AAD, 0) {
        // Only an unchanged ciphertext may decrypt.
        Ok(plain) => assert!(input == common::genuine() && plain == [7u8; 600]),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});

#![no_main]
//! `bytes_decrypt_many` on a batch of genuine ciphertexts, some of them
//! mutated, truncated or replaced by arbitrary bytes: each gets its own
//! result, an unchanged one its plaintext and a changed one a typed error,
//! never a panic (and never plaintext from a changed one).

use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let c = common::cipher();
    let Some((&shape, rest)) = data.split_first() else { return };
    // Up to eight members; the low bits of `shape` say which are changed.
    let members = usize::from(shape >> 5) + 1;
    let chunk = rest.len() / members;
    let inputs: Vec<Vec<u8>> = (0..members)
        .map(|i| {
            let part = &rest[i * chunk..(i + 1) * chunk];
            match (shape >> (i % 5)) & 1 {
                0 => common::genuine().to_vec(),
                _ if part.first().is_some_and(|b| b & 1 == 0) => part.to_vec(),
                _ => common::mutate(common::genuine(), part),
            }
        })
        .collect();
    let items: Vec<(&[u8], &[u8])> = inputs.iter().map(|i| (&i[..], common::AAD)).collect();
    let results = c.bytes_decrypt_many(&items, 0);
    assert_eq!(results.len(), inputs.len());
    for (input, r) in inputs.iter().zip(results) {
        match r {
            Ok(plain) => assert!(input == common::genuine() && plain == [7u8; 600]),
            Err(e) => {
                assert!(input != common::genuine(), "a genuine member failed: {e}");
                let _ = e.to_string();
            }
        }
    }
});

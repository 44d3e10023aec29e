#![no_main]
//! `json_decrypt`: arbitrary bytes, and genuine ciphertexts of arbitrary
//! (non-JSON) plaintext, which must fail with `JsonDecode`, never panic.

use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let c = common::cipher();
    let _ = c.json_decrypt::<serde_json::Value>(data, common::AAD, 0);
    if let Ok(ct) = c.bytes_encrypt(data, common::AAD) {
        let parsed = c.json_decrypt::<serde_json::Value>(&ct, common::AAD, 0);
        assert_eq!(parsed.is_ok(), serde_json::from_slice::<serde_json::Value>(data).is_ok());
    }
});

#![no_main]
//! `read_token` on arbitrary text (Python's lenient base64 rules).

use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let c = common::cipher();
    if c.read_token(data, common::AAD, 0).is_ok() {
        let decoded = aiootp_core::urlsafe_to_bytes(data).expect("decoded before");
        assert_eq!(decoded, common::genuine());
    }
});

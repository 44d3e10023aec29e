#![no_main]
//! `DecipherStream`: salt, iv and packets from the input, buffered in
//! input-chosen pieces; then finalize. Typed errors only.

use aiootp_chunky2048::{DecipherStream, PACKETSIZE};
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    if data.len() < 33 {
        return;
    }
    let (head, rest) = data.split_at(33);
    let Ok(mut d) = DecipherStream::from_slices(common::cipher(), &head[1..17], &head[17..33], common::AAD, u64::from(head[0])) else {
        return;
    };
    let step = PACKETSIZE * (1 + usize::from(head[0] % 4));
    for chunk in rest.chunks(step) {
        let _ = d.buffer(chunk);
        let _ = d.read_available();
    }
    if let Ok((_tail, shmac)) = d.finalize() {
        // A forged stream cannot carry the all-zero tag (2^-256 chance).
        assert!(shmac.test_shmac(&[0u8; 32]).is_err());
    }
});

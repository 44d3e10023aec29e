#![no_main]
//! Key imports and signature checks on arbitrary bytes.

use aiootp_asym::{Ed25519, Ed25519Public, X25519, decode_hex};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (key, rest) = data.split_at(data.len().min(32));
    if let Ok(x) = X25519::from_secret_bytes(key) {
        assert_eq!(x.secret_bytes().as_ref(), key);
        let _ = x.exchange(rest);
    }
    if let Ok(public) = Ed25519Public::from_bytes(key) {
        let (sig, msg) = rest.split_at(rest.len().min(64));
        assert!(public.verify(sig, msg).is_err() || sig.len() == 64);
    }
    if let Ok(signer) = Ed25519::from_secret_bytes(key) {
        let sig = signer.sign(rest);
        assert!(signer.verify(&sig, rest).is_ok());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = decode_hex(text);
    }
});

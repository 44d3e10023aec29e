#![no_main]
//! `verify`'s hash parser on arbitrary bytes. The allowed ranges admit only
//! the cheapest settings (1 MiB, cpu ≤ 2, one core), so a hostile header is
//! refused before any work and the fuzzer stays fast; whatever it sends, the
//! result is a typed error, and `decode`/`encode` round-trip.

use aiootp_passcrypt::{AllowedRanges, Error, Passcrypt, PasscryptHash};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = PasscryptHash::decode(data) {
        if let Ok(encoded) = h.encode() {
            assert_eq!(PasscryptHash::decode(&encoded).ok().and_then(|d| d.encode().ok()), Some(encoded.clone()));
        }
    }
    let tiny = AllowedRanges { mb: 1..=1, cpu: 1..=2, cores: 1..=1 };
    match Passcrypt::default().verify(data, b"a fuzzing passphrase", b"", 0, &tiny) {
        // Forging a tag by chance: 2^-128.
        Ok(()) => panic!("an arbitrary hash verified"),
        Err(Error::ResourceNotAllowed { value, .. }) => assert!(value > 1),
        Err(_) => {}
    }
});

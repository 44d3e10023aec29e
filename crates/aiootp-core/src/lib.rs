//! Shared primitives of **aiootp for Rust**, byte-compatible with the Python
//! package aiootp 0.22.0: the canonical encodings every keyed hash starts
//! with, `hash_bytes`, the `Domains` constants, the token and filename
//! codecs, clocks counted from the 2023-01-01 epoch, the CSPRNG and
//! constant-time comparison.
//!
//! ```
//! use aiootp_core::{Domains, PackParams, canonical_pack, hash_bytes};
//!
//! // Domain-separated hashing, as the reference's README does it.
//! let digest = hash_bytes(&[b"alice", &Domains::USERNAME]);
//! assert_eq!(digest.len(), 64);
//!
//! // The framing behind every keyed hash: count, then length-prefixed items.
//! let packed = canonical_pack([&b"salt"[..], b"aad"], PackParams::DEFAULT);
//! assert_eq!(&packed[..8], &4u64.to_be_bytes()); // 2 items + blocksize + pad
//! ```
//! Every item is at the crate root; the modules are private.
//!
//! The `json` feature switches on serde_json's `preserve_order` and
//! `float_roundtrip` for the whole build, on purpose: a Python dict keeps
//! insertion order and the bytes of `json.dumps` depend on it, and a float
//! must read back as exactly the float Python wrote. Hooks that
//! only the known-answer drivers need are in [`internal`], which is not a
//! stable interface.
//! Keccak itself (the permutations, the kernels and their costs, SHAKE)
//! is the crate below this one, `aiootp-keccak`.
#![forbid(unsafe_code)]

mod clock;
mod codec;
mod ct;
mod domains;
mod encoding;
mod error;
mod guid;
mod hash;
#[cfg(feature = "json")]
mod json;
mod kdf;
mod primes;
mod rand;
mod secret;

pub use clock::{Clock, EPOCH, EPOCH_NS, Expired, FixedClock, SystemClock, test_timestamp};
pub use codec::{
    BASE38_TABLE, base64_to_bytes, bytes_to_base64, bytes_to_filename, bytes_to_hex,
    bytes_to_urlsafe, filename_to_bytes, hex_to_bytes, urlsafe_to_bytes,
};
pub use ct::bytes_are_equal;
pub use domains::{Domains, ENCODED_CONSTANT_DOMAIN, encode_constant, encode_constant_in};
pub use encoding::{
    PackParams, bytes_as_int, canonical_pack, canonical_pack_into, canonical_pack_len, encode_key,
    encode_key_into, fullblock_ljust, int_as_bytes, xi_mix,
};
pub use error::{Error, Result};
pub use guid::{EncodedSalt, Guid, SequenceId, UnmaskedGuid};
pub use hash::{
    Hasher, hash_bytes, hash_bytes_input, hash_bytes_with, hmac_sha3_256, hmac_sha3_512, sha3_256,
    sha3_512,
};
#[cfg(feature = "json")]
pub use json::{
    JsonError, JsonErrorKind, MAX_JSON_DEPTH, is_python_json, python_dumps, python_json_normalize,
    to_python_json,
};
pub use kdf::{DomainKdf, KeyHash, keyed_choices};
pub use rand::{
    csprng, csprng_with, fill_random, generate_key, generate_salt, random_array, token_bytes,
};
pub use secret::{SecretArray, SecretBytes};

#[doc(hidden)]
pub mod internal {
    //! Hooks for the known-answer drivers and benchmarks. **Not a stable
    //! interface**: anything here may change in any release.

    pub use crate::primes::PRIME_GROUPS;

    /// `Guid`'s pre-mask integer `int(node ‖ raw ‖ 00) + counter`, as
    /// lowercase hex without leading zeros (empty for zero).
    #[must_use]
    pub fn guid_inner_hex(guid: &crate::Guid, raw: &[u8], counter: u8) -> String {
        let s = guid.inner(raw, counter).to_str_radix(16);
        if s == "0" { String::new() } else { s }
    }
}

//! Shared primitives of **aiootp for Rust**, byte-compatible with the Python
//! package aiootp 0.22.0: the canonical encodings every keyed hash starts
//! with, `hash_bytes`, the `Domains` constants, the token and filename
//! codecs, clocks counted from the 2023-01-01 epoch, the CSPRNG and
//! constant-time comparison.
//!
//! ```
//! use aiootp_core::{Domains, hash_bytes, encoding::canonical_pack, encoding::PackParams};
//!
//! // Domain-separated hashing, as the reference's README does it.
//! let digest = hash_bytes(&[b"alice", &Domains::USERNAME]);
//! assert_eq!(digest.len(), 64);
//!
//! // The framing behind every keyed hash: count, then length-prefixed items.
//! let packed = canonical_pack([&b"salt"[..], b"aad"], PackParams::DEFAULT);
//! assert_eq!(&packed[..8], &4u64.to_be_bytes()); // 2 items + blocksize + pad
//! ```
// `unsafe` is denied crate-wide; the one exception is documented in `keccak`.
#![deny(unsafe_code)]

pub mod clock;
pub mod codec;
pub mod ct;
pub mod domains;
pub mod encoding;
mod error;
pub mod guid;
pub mod hash;
pub mod kdf;
pub mod keccak;
pub mod primes;
pub mod rand;
pub mod secret;
pub mod xof;

pub use clock::{Clock, EPOCH, EPOCH_NS, FixedClock, SystemClock};
pub use ct::bytes_are_equal;
pub use domains::{Domains, encode_constant};
pub use error::{Error, Result};
pub use guid::{Guid, SequenceId};
pub use hash::{Hasher, hash_bytes, hash_bytes_with};
pub use kdf::{DomainKdf, KeyHash, keyed_choices};
pub use rand::{csprng, generate_key, token_bytes};
pub use secret::SecretBytes;

//! X25519 key exchange, Ed25519 signatures and the dh2/dh3 handshakes of
//! aiootp, byte-compatible with the Python package aiootp 0.22.0 (which
//! wraps OpenSSL through `cryptography`): a Rust peer and a Python peer
//! derive the same `DomainKDF`.
//!
//! ```
//! use aiootp_asym::{Ed25519, X25519};
//!
//! let (alice, bob) = (X25519::generate()?, X25519::generate()?);
//! assert_eq!(alice.exchange(&bob.public_bytes())?.expose(), bob.exchange(&alice.public_bytes())?.expose());
//!
//! let signer = Ed25519::generate()?;
//! let signature = signer.sign(b"release 1.0");
//! signer.public_key().verify(&signature, b"release 1.0")?;
//! # Ok::<(), aiootp_asym::Error>(())
//! ```
#![forbid(unsafe_code)]

mod error;
mod handshake;
mod keys;

pub use error::{Error, Result};
pub use handshake::{PublicKeys, dh2, dh3};
pub use keys::{Ed25519, Ed25519Public, KEY_BYTES, SIGNATURE_BYTES, X25519, decode_hex};

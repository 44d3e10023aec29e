//! **aiootp for Rust**: the SHA-3-based toolkit of the Python package
//! aiootp 0.22.0, byte-compatible with it, under one import.
//!
//! ```
//! use aiootp::{Chunky2048, generate_key};
//!
//! let key = generate_key(168)?;
//! let cipher = Chunky2048::new(key.expose())?;
//!
//! let ciphertext = cipher.bytes_encrypt(b"data", b"aad")?;   // Python can decrypt this
//! assert_eq!(cipher.bytes_decrypt(&ciphertext, b"aad", 0)?, b"data");
//!
//! let token = cipher.make_token(b"data", b"")?;
//! assert_eq!(cipher.read_token(token, b"", 60)?, b"data");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | Python (`aiootp`) | Rust |
//! |---|---|
//! | `Chunky2048(key).bytes_encrypt(data, aad=a)` | [`Chunky2048::bytes_encrypt`]`(data, a)` |
//! | `bytes_decrypt(ct, key, aad=a, ttl=t)` | [`bytes_decrypt`]`(ct, key, a, t)` |
//! | `json_encrypt` / `json_decrypt` | [`Chunky2048::json_encrypt`] / [`Chunky2048::json_decrypt`] |
//! | `make_token` / `read_token` | [`Chunky2048::make_token`] / [`Chunky2048::read_token`] |
//! | `CipherStream` / `DecipherStream` | [`CipherStream`] / [`DecipherStream`] |
//! | `AsyncCipherStream` / `AsyncDecipherStream` | [`aio::AsyncCipherStream`] / [`aio::AsyncDecipherStream`] (feature `tokio`) |
//! | `hash_bytes`, `Domains`, `csprng`, `generate_key` | [`hash_bytes`], [`Domains`], [`csprng`], [`generate_key`] |
//! | `DomainKDF`, `GUID`, `SequenceID` | [`DomainKdf`], [`Guid`], [`SequenceId`] |
//! | `Passcrypt.new` / `hash_passphrase` / `verify` | `Passcrypt::derive` / `hash_passphrase` / `verify` (feature `passcrypt`) |
//! | `Passcrypt.PEPPER = p` | `Passcrypt::with_pepper(p)` (a value, not global state) |
//! | `mnemonic(passphrase)` | `Passcrypt::mnemonic`, `random_mnemonic` |
//! | `X25519`, `Ed25519`, `dh2_*`, `dh3_*` | `X25519`, `Ed25519`, `dh2`, `dh3` (feature `asym`) |
//! | `Database(key, path=p)`, `db[tag] = v`, `save_database()` | `Database::open(key, p)?`, `db.set_tag(tag, v)`, `db.save_database()?` (feature `db`) |
//! | `AsyncDatabase` | [`aio::AsyncDatabase`] (features `db`, `tokio`) |
//!
//! The most used items are at the root; everything else is in the module of
//! its crate ([`keccak`], [`primitives`], [`chunky2048`], [`passcrypt`], [`asym`],
//! [`db`], [`gentools`]), under that crate's own names
//! (`passcrypt::Settings`, `db::Value`), and every async API is in [`aio`].
#![forbid(unsafe_code)]

/// The shared primitives (`aiootp-core`): encodings, hashing, codecs,
/// clocks, the CSPRNG, `DomainKdf`, `Guid` and `SequenceId`.
pub use aiootp_core as primitives;
pub use aiootp_core::{
    Clock, DomainKdf, Domains, FixedClock, Guid, SecretBytes, SequenceId, SystemClock,
    bytes_are_equal, csprng, encode_constant, generate_key, hash_bytes, token_bytes,
};
/// Keccak (`aiootp-keccak`): the permutations, the `Kernels` a process
/// uses and their costs, SHAKE alone and four at a time.
pub use aiootp_keccak as keccak;

#[cfg(feature = "chunky2048")]
pub use aiootp_chunky2048 as chunky2048;
#[cfg(feature = "chunky2048")]
pub use aiootp_chunky2048::{
    Chunky2048, CipherStream, DecipherStream, Packet, StreamHmac, bytes_decrypt, bytes_encrypt,
};
#[cfg(feature = "json")]
pub use aiootp_chunky2048::{json_decrypt, json_encrypt};

#[cfg(feature = "passcrypt")]
pub use aiootp_passcrypt as passcrypt;
#[cfg(feature = "passcrypt")]
pub use aiootp_passcrypt::{AllowedRanges, Passcrypt, random_mnemonic};

#[cfg(feature = "asym")]
pub use aiootp_asym as asym;
#[cfg(feature = "asym")]
pub use aiootp_asym::{Ed25519, Ed25519Public, X25519, dh2, dh3};

#[cfg(feature = "gentools")]
pub use aiootp_gentools as gentools;

#[cfg(feature = "db")]
pub use aiootp_db as db;
#[cfg(feature = "db")]
pub use aiootp_db::{Database, generate_profile};

/// Every async (tokio) API of the toolkit in one place: the cipher's
/// streams, I/O adapters and one-shot helpers, and `AsyncDatabase`.
/// Passcrypt's async methods are on [`Passcrypt`] itself
/// (`hash_passphrase_async`, `verify_async`, `derive_async`).
#[cfg(feature = "tokio")]
pub mod aio {
    pub use aiootp_chunky2048::aio::{
        AsyncCipherStream, AsyncDecipherStream, AsyncDecryptReader, AsyncEncryptWriter,
        BLOCKING_THRESHOLD, YIELD_EVERY, bytes_decrypt, bytes_encrypt,
    };
    #[cfg(feature = "db")]
    pub use aiootp_db::aio::AsyncDatabase;
}

/// `docs/migration.md`, whose Rust blocks run as this crate's doctests.
#[cfg(all(
    doctest,
    feature = "json",
    feature = "passcrypt",
    feature = "asym",
    feature = "db",
    feature = "gentools"
))]
#[doc = include_str!("../../../docs/migration.md")]
pub struct MigrationGuide;

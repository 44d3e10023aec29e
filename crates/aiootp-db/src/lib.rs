//! Transparently encrypted, crash-safe key-value databases in a folder,
//! byte-compatible with aiootp 0.22.0's `Database`: folders the reference
//! writes open here, and folders written here open in the reference.
//!
//! ```
//! use aiootp_db::{Database, Value};
//!
//! let dir = std::env::temp_dir().join(format!("aiootp-db-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let key = aiootp_core::generate_key(64)?;
//!
//! let mut db = Database::create(key.expose(), &dir)?;
//! db.set_json("profile", &serde_json::json!({"name": "alice", "age": 30}))?;
//! db.set_tag("avatar", Value::Bytes(vec![0x89, b'P', b'N', b'G']));
//! db.metatag("taxes")?.set_json("2024", &[1, 2, 3])?;
//! db.save_database()?;
//! drop(db);
//!
//! let mut db = Database::open_existing(key.expose(), &dir)?;
//! let age: u32 = db.get_as::<serde_json::Value>("profile")?["age"].as_u64().unwrap_or(0) as u32;
//! assert_eq!(age, 30);
//! assert_eq!(db.metatag("taxes")?.get_as::<Vec<u8>>("2024")?, [1, 2, 3]);
//! db.delete_database()?;
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

#[cfg(feature = "tokio")]
pub mod aio;
mod database;
mod error;
mod manifest;
mod profile;
mod schedule;
mod value;

/// Where a database's files live: the storage layer (`aiootp-storage`),
/// re-exported whole; its common names are also at this crate's root.
pub use aiootp_storage as storage;
#[cfg(feature = "object-store")]
pub use aiootp_storage::ObjectStorage;
#[cfg(feature = "postgres")]
pub use aiootp_storage::PgStorage;
pub use aiootp_storage::{
    DEFAULT_MAX_FILE_BYTES, FsStorage, LockMode, MemStorage, Storage, UrlOptions, open_url,
};
pub use database::{Database, MAX_METATAG_DEPTH, OpenMode, OpenOptions};
pub use error::{Error, Result};
pub use profile::{
    Profile, ProfileSettings, device_salt_file, generate_profile, generate_profile_existing,
    generate_profile_on,
};
pub use value::Value;

#[doc(hidden)]
pub mod internal {
    //! Hooks for the known-answer drivers and fuzz targets. **Not a stable
    //! interface**: anything here may change in any release.

    pub use crate::manifest::{Manifest, is_file_name};
    pub use crate::profile::tmp_key;
    pub use crate::schedule::file_aad;

    /// Encrypts `plaintext` as the root manifest file of the database of
    /// `key` (what a co-holder of the key can write).
    ///
    /// # Errors
    /// As the key schedule and `bytes_encrypt`.
    pub fn encrypt_manifest(key: &[u8], plaintext: &[u8]) -> crate::Result<Vec<u8>> {
        let root = crate::schedule::RootKeys::new(key)?;
        root.cipher
            .bytes_encrypt(plaintext, &crate::schedule::domains().manifest)
            .map_err(|e| crate::Error::cipher("the root manifest", e))
    }

    /// Decrypts a database's root manifest file `ciphertext` under `key`.
    ///
    /// # Errors
    /// As the key schedule and `bytes_decrypt`.
    pub fn decrypt_manifest(key: &[u8], ciphertext: &[u8]) -> crate::Result<Vec<u8>> {
        let root = crate::schedule::RootKeys::new(key)?;
        root.cipher
            .bytes_decrypt(ciphertext, &crate::schedule::domains().manifest, 0)
            .map_err(|e| crate::Error::cipher("the root manifest", e))
    }
}

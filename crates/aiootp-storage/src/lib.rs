//! Where aiootp's encrypted databases keep their files: a flat namespace
//! of named byte strings behind one trait, [`Storage`], with one typed
//! [`Error`], and four backends: a local folder ([`FsStorage`], crash-safe
//! and hostile-folder-safe), memory ([`MemStorage`], for tests and docs),
//! PostgreSQL (`PgStorage`, feature `postgres`) and object stores
//! (`ObjectStorage`, feature `object-store`). [`open_url`] opens any of
//! them from a path or URL.
//!
//! The storage knows nothing of keys or ciphers: every file it holds is
//! already ciphertext (the database layer, `aiootp-db`, encrypts), and a
//! save is handed to it whole as [`Changes`], so each backend can make it
//! land whole ([`Storage::commit`]) and refuse it with
//! [`Error::Conflict`] when another client saved first.
//!
//! ```
//! use aiootp_storage::{Changes, Error, Expected, ManifestWrite, MemStorage, Storage, version_of};
//!
//! let store = MemStorage::new();
//! // A first save: one tag file, then its manifest (the commit point).
//! let first = Changes {
//!     writes: vec![("tagfile".into(), b"ciphertext".to_vec())],
//!     manifests: vec![ManifestWrite {
//!         name: "manifest".into(),
//!         data: b"v1".to_vec(),
//!         expected: Expected::Absent,
//!     }],
//!     ..Changes::default()
//! };
//! store.commit(&first)?;
//! assert_eq!(store.read("tagfile")?.as_deref(), Some(&b"ciphertext"[..]));
//!
//! // A second client that started from before the first save conflicts
//! // and writes nothing.
//! let stale = Changes {
//!     writes: vec![("other".into(), b"x".to_vec())],
//!     manifests: vec![ManifestWrite {
//!         name: "manifest".into(),
//!         data: b"v2".to_vec(),
//!         expected: Expected::Absent,
//!     }],
//!     ..Changes::default()
//! };
//! assert!(matches!(store.commit(&stale), Err(Error::Conflict { .. })));
//! assert_eq!(store.read("other")?, None);
//!
//! // Starting from what is there, it commits.
//! let fresh = Changes {
//!     manifests: vec![ManifestWrite {
//!         name: "manifest".into(),
//!         data: b"v2".to_vec(),
//!         expected: Expected::Version(version_of(b"v1")),
//!     }],
//!     ..Changes::default()
//! };
//! store.commit(&fresh)?;
//! assert_eq!(store.list()?, ["manifest", "tagfile"]);
//! # Ok::<(), aiootp_storage::Error>(())
//! ```
#![forbid(unsafe_code)]

mod error;
mod fs;
mod mem;
#[cfg(feature = "object-store")]
mod objstore;
mod open;
#[cfg(feature = "postgres")]
mod pg;

pub use error::{Error, Refusal, Result};
pub use fs::{FsStorage, LockMode};
pub use mem::MemStorage;
#[cfg(feature = "object-store")]
pub use objstore::{LEASE, LOCK_NAME, ObjectStorage};
pub use open::{OBJECT_STORE_SCHEMES, Schemeless, UrlOptions, open_url};
#[cfg(feature = "postgres")]
pub use pg::{PG_SCHEMA_VERSION, PgStorage};

use std::fmt::Debug;

/// The largest file a storage reads unless told otherwise: 256 MiB. A
/// value whose tag file would be larger is refused when it is saved, so a
/// database never holds a file it cannot read back.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

/// The most names [`Storage::list`] returns; more is [`Error::TooMany`]
/// (a listing from a hostile server is bounded like a read).
pub const MAX_LISTED_NAMES: usize = 1 << 20;

/// A flat namespace of files. Names are relative, `/`-separated (the
/// profiles keep their salts under `secure/_admin/`); any other name is
/// [`Refusal::InvalidName`].
pub trait Storage: Send + Sync + Debug {
    /// The whole file, or `None` if it does not exist.
    ///
    /// # Errors
    /// [`Error::TooLarge`] over [`Self::max_file_bytes`] (refused before
    /// its bytes are buffered), [`Error::Refused`], I/O or server errors.
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>>;

    /// Replaces (or creates) the file atomically: a crash leaves the old
    /// contents or the new, never a mix.
    ///
    /// # Errors
    /// I/O or server errors; the old file is then untouched.
    fn write(&self, name: &str, data: &[u8]) -> Result<()>;

    /// Replaces several files, each atomically (a crash leaves each one old
    /// or new), more cheaply than one `write` per file.
    ///
    /// # Errors
    /// I/O or server errors; files not yet replaced keep their old contents.
    fn write_many(&self, files: &[(String, Vec<u8>)]) -> Result<()> {
        files
            .iter()
            .try_for_each(|(name, data)| self.write(name, data))
    }

    /// Creates the file only if it does not exist, atomically. Returns
    /// whether it was created.
    ///
    /// # Errors
    /// I/O or server errors.
    fn create_new(&self, name: &str, data: &[u8]) -> Result<bool>;

    /// Removes the file; a missing file is not an error.
    ///
    /// # Errors
    /// I/O or server errors.
    fn remove(&self, name: &str) -> Result<()>;

    /// Whether the file exists.
    ///
    /// # Errors
    /// I/O or server errors.
    fn exists(&self, name: &str) -> Result<bool>;

    /// Every file's name, sorted; the backend's own bookkeeping (temporary
    /// files, lock objects) is left out.
    ///
    /// # Errors
    /// [`Error::TooMany`] past [`MAX_LISTED_NAMES`]; I/O or server errors.
    fn list(&self) -> Result<Vec<String>>;

    /// Makes every completed `write`, `create_new` and `remove` durable.
    ///
    /// # Errors
    /// I/O errors.
    fn sync(&self) -> Result<()>;

    /// How messages show `name` here (`""`: the place itself): a folder
    /// path, or a server, namespace and name (never a password).
    fn location(&self, name: &str) -> String;

    /// The largest file this storage reads back; a save that would write a
    /// larger one is refused before anything is written.
    fn max_file_bytes(&self) -> u64 {
        DEFAULT_MAX_FILE_BYTES
    }

    /// Commits one whole save: checks that every manifest in `changes` is
    /// still what the save started from, creates the `create` files, writes
    /// the tag files, then the manifests (children before parents: the last
    /// is the commit point), then removes the `removes` files.
    ///
    /// A storage with transactions (PostgreSQL) does all of it in one, so a
    /// save lands whole or not at all; this default, for storages without
    /// them, keeps the folder's promise: each file is old or new, and the
    /// manifests, written after every tag file is durable, decide which
    /// files a reader sees. Its check is only as atomic as the storage's
    /// lock (the folder lock of [`FsStorage`]).
    ///
    /// # Errors
    /// [`Error::Conflict`] when a manifest changed since it was read, and
    /// [`Error::AlreadyExists`] when a `create` file exists (nothing
    /// written for either); I/O or server errors.
    fn commit(&self, changes: &Changes) -> Result<()> {
        for m in &changes.manifests {
            check_expected(
                &self.location(&m.name),
                &m.name,
                m.expected,
                self.read(&m.name)?.as_deref(),
            )?;
        }
        for (name, data) in &changes.create {
            if !self.create_new(name, data)? {
                return Err(Error::AlreadyExists {
                    location: self.location(name),
                });
            }
        }
        if !changes.writes.is_empty() {
            self.write_many(&changes.writes)?;
        }
        self.sync()?;
        for m in &changes.manifests {
            self.write(&m.name, &m.data)?;
        }
        self.sync()?;
        for name in &changes.removes {
            self.remove(name)?;
        }
        Ok(())
    }
}

/// What a client last saw of a manifest: the SHA3-256 of its bytes.
pub type Version = [u8; 32];

/// The [`Version`] of a manifest's bytes.
#[must_use]
pub fn version_of(data: &[u8]) -> Version {
    aiootp_core::sha3_256(data)
}

/// What a manifest must be when a save commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Not there yet (a new database or metatag).
    Absent,
    /// The bytes of this version.
    Version(Version),
}

/// One manifest a save writes.
#[derive(Debug, Clone)]
pub struct ManifestWrite {
    /// Its file name.
    pub name: String,
    /// Its new bytes.
    pub data: Vec<u8>,
    /// What it must be before.
    pub expected: Expected,
}

/// Everything one save writes, given to [`Storage::commit`] at once.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Files made only if absent (a root salt file).
    pub create: Vec<(String, Vec<u8>)>,
    /// Tag files, each replacing the old.
    pub writes: Vec<(String, Vec<u8>)>,
    /// Manifests, children before parents; the last is the commit point.
    pub manifests: Vec<ManifestWrite>,
    /// Files no manifest names any more, removed after the commit point.
    pub removes: Vec<String>,
}

impl Changes {
    /// Every name this save writes, creates or removes.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.create
            .iter()
            .chain(&self.writes)
            .map(|(n, _)| n.as_str())
            .chain(self.manifests.iter().map(|m| m.name.as_str()))
            .chain(self.removes.iter().map(String::as_str))
    }
}

/// Checks `current` (a manifest's bytes now, if any) against `expected`,
/// in constant time.
///
/// # Errors
/// [`Error::Conflict`] naming `location` and `name` when they differ.
pub fn check_expected(
    location: &str,
    name: &str,
    expected: Expected,
    current: Option<&[u8]>,
) -> Result<()> {
    let ok = match (expected, current) {
        (Expected::Absent, None) => true,
        (Expected::Version(v), Some(b)) => aiootp_core::bytes_are_equal(&version_of(b), &v),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Conflict {
            location: location.to_owned(),
            name: name.to_owned(),
        })
    }
}

/// Checks that `name` can be a database file's name: relative, its
/// `/`-separated parts non-empty and not `.` or `..`, no backslash or NUL.
/// Every backend refuses any other name before touching anything, so a
/// name from a hostile manifest can never reach outside the place.
///
/// # Errors
/// [`Error::Refused`] with [`Refusal::InvalidName`].
pub fn check_name(storage: &(impl Storage + ?Sized), name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 1024
        && !name.contains(['\\', '\0'])
        && name
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != "..");
    if ok {
        Ok(())
    } else {
        Err(Error::refused(storage.location(""), Refusal::InvalidName))
    }
}

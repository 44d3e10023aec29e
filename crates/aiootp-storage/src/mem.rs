//! [`MemStorage`]: a database's files in memory, for tests and examples.

use crate::{
    Changes, DEFAULT_MAX_FILE_BYTES, Error, MAX_LISTED_NAMES, Result, Storage, check_expected,
    check_name,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use zeroize::Zeroize as _;

/// Files in memory, shared by every clone (as clients of one server
/// share it). A whole [`Storage::commit`] runs under one lock, so it is
/// atomic as PostgreSQL's transaction is: a conflicting save writes
/// nothing. The bytes are wiped when a file is replaced or removed and
/// when the last clone is dropped (they are ciphertext, but cost nothing
/// to wipe).
///
/// ```
/// use aiootp_storage::{MemStorage, Storage};
///
/// let a = MemStorage::new();
/// let b = a.clone(); // the same files
/// a.write("secure/_admin/salt", b"bytes")?;
/// assert!(b.exists("secure/_admin/salt")?);
/// assert_eq!(b.list()?, ["secure/_admin/salt"]);
/// # Ok::<(), aiootp_storage::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MemStorage {
    files: Arc<Mutex<Files>>,
    max_file_bytes: u64,
}

#[derive(Debug, Default)]
struct Files(BTreeMap<String, Vec<u8>>);

impl Drop for Files {
    fn drop(&mut self) {
        self.0.values_mut().for_each(|v| v.zeroize());
    }
}

impl Files {
    fn put(&mut self, name: &str, data: &[u8]) {
        if let Some(mut old) = self.0.insert(name.to_owned(), data.to_vec()) {
            old.zeroize();
        }
    }

    fn remove(&mut self, name: &str) {
        if let Some(mut old) = self.0.remove(name) {
            old.zeroize();
        }
    }
}

impl Default for MemStorage {
    fn default() -> Self {
        Self::new()
    }
}

impl MemStorage {
    /// An empty storage.
    #[must_use]
    pub fn new() -> Self {
        Self {
            files: Arc::default(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }

    /// The same files with another limit on the size of a file read.
    #[must_use]
    pub fn with_max_file_bytes(mut self, max: u64) -> Self {
        self.max_file_bytes = max;
        self
    }

    fn files(&self) -> Result<MutexGuard<'_, Files>> {
        // A panic while holding the lock leaves whole files (each change
        // is one map operation): the data is still consistent.
        Ok(self
            .files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl Storage for MemStorage {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>> {
        check_name(self, name)?;
        let files = self.files()?;
        match files.0.get(name) {
            None => Ok(None),
            Some(data) if data.len() as u64 > self.max_file_bytes => Err(Error::TooLarge {
                location: self.location(name),
                len: data.len() as u64,
                max: self.max_file_bytes,
            }),
            Some(data) => Ok(Some(data.clone())),
        }
    }

    fn write(&self, name: &str, data: &[u8]) -> Result<()> {
        check_name(self, name)?;
        self.files()?.put(name, data);
        Ok(())
    }

    fn create_new(&self, name: &str, data: &[u8]) -> Result<bool> {
        check_name(self, name)?;
        let mut files = self.files()?;
        if files.0.contains_key(name) {
            return Ok(false);
        }
        files.put(name, data);
        Ok(true)
    }

    fn remove(&self, name: &str) -> Result<()> {
        check_name(self, name)?;
        self.files()?.remove(name);
        Ok(())
    }

    fn exists(&self, name: &str) -> Result<bool> {
        check_name(self, name)?;
        Ok(self.files()?.0.contains_key(name))
    }

    fn list(&self) -> Result<Vec<String>> {
        let files = self.files()?;
        if files.0.len() > MAX_LISTED_NAMES {
            return Err(Error::TooMany {
                location: self.location(""),
                max: MAX_LISTED_NAMES,
            });
        }
        Ok(files.0.keys().cloned().collect())
    }

    fn sync(&self) -> Result<()> {
        Ok(())
    }

    fn location(&self, name: &str) -> String {
        format!("memory:{name}")
    }

    fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes
    }

    /// The whole save under the lock: every check first, then every change.
    fn commit(&self, changes: &Changes) -> Result<()> {
        for name in changes.names() {
            check_name(self, name)?;
        }
        let mut files = self.files()?;
        for m in &changes.manifests {
            check_expected(
                &self.location(&m.name),
                &m.name,
                m.expected,
                files.0.get(&m.name).map(Vec::as_slice),
            )?;
        }
        if let Some((name, _)) = changes.create.iter().find(|(n, _)| files.0.contains_key(n)) {
            return Err(Error::AlreadyExists {
                location: self.location(name),
            });
        }
        for (name, data) in changes.create.iter().chain(&changes.writes) {
            files.put(name, data);
        }
        for m in &changes.manifests {
            files.put(&m.name, &m.data);
        }
        for name in &changes.removes {
            files.remove(name);
        }
        Ok(())
    }
}

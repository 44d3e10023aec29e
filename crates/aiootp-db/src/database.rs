//! `Database`: one node of an encrypted key-value tree (the top-level
//! database, a metatag at any depth, or a profile), the sync core that
//! `AsyncDatabase` wraps.
//!
//! Durability (where the reference has none, spec §8): every file is
//! replaced atomically; a save writes changed tag files, then child
//! metatags, then the manifest last as the commit point, then removes the
//! files of popped tags; the root salt file is written once and never
//! rewritten. See `docs/databases.md` for the promise this gives.

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::schedule::{
    METATAG_ROOT_SALT_BYTES, ROOT_SALT_BYTES, RootKeys, SaltedKeys, domains, file_aad,
};
use crate::value::Value;
use aiootp_chunky2048::Chunky2048;
use aiootp_core::DomainKdf;
use aiootp_core::{bytes_to_hex, hex_to_bytes};
use aiootp_storage::{
    Changes, Expected, FsStorage, LockMode, ManifestWrite, Storage, Version, version_of,
};
use indexmap::{IndexMap, IndexSet};
use std::path::Path;
use std::sync::Arc;
use zeroize::{Zeroize, Zeroizing};

/// How to open a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OpenMode {
    /// The reference's behaviour: open it if it exists, otherwise start a
    /// new one in memory (nothing is written until a save).
    #[default]
    OpenOrNew,
    /// Fail with [`Error::NotFound`] unless it exists (catches a wrong key).
    Existing,
    /// Fail with [`Error::AlreadyExists`] if it exists.
    Create,
}

/// Options for opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenOptions {
    /// Open-or-new, existing only, or create only.
    pub mode: OpenMode,
    /// For a new database: metatag-style (salt in the manifest), as
    /// profiles are. An existing one's kind is read from its manifest.
    pub metatag: bool,
    /// Load every tag value when opening (`preload=True`).
    pub preload: bool,
    /// Cross-process locking of the folder.
    pub lock: LockMode,
}

/// How deep metatags may nest: a metatag of a node this many levels
/// down is refused with [`Error::MetatagTooDeep`] when it is made, and a
/// folder nested deeper (written by another program) is refused the same
/// way when opened, never by overflowing the stack. The reference has no
/// limit; see `docs/differences.md`.
pub const MAX_METATAG_DEPTH: usize = 64;

/// Tag files per batch of a save or a load: each batch's messages are
/// encrypted or decrypted together (four at a time in lanes), and the
/// batches run on the `parallel` threads.
const BATCH_FILES: usize = 256;

/// One database node.
pub struct Database {
    storage: Arc<dyn Storage>,
    root: RootKeys,
    keys: SaltedKeys,
    root_salt: Zeroizing<Vec<u8>>,
    /// Top-level nodes keep their salt in a file, written once.
    salt_file_written: bool,
    manifest: Manifest,
    cache: IndexMap<String, Value>,
    dirty: IndexSet<String>,
    /// Files to remove once a manifest without them is committed.
    doomed: IndexSet<String>,
    children: IndexMap<String, Database>,
    /// How many metatags this node is below the top (0 for the top).
    depth: usize,
    /// The manifest as this node last read or wrote it (`None`: not in
    /// storage yet): a save commits only if it is still that.
    seen: Option<Version>,
}

impl core::fmt::Debug for Database {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Database")
            .field("root_filename", &self.root.root_filename)
            .field("tags", &self.manifest.tags.len())
            .field("metatags", &self.manifest.metatags)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Opens (or starts) the top-level database of `key` in the folder
    /// `path`, as `Database(key, path=path)` does, holding the folder's lock.
    ///
    /// # Errors
    /// I/O, decryption of the manifest or salt file, or [`Error::Locked`].
    pub fn open(key: &[u8], path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(key, path, OpenOptions::default())
    }

    /// Opens an existing database; a missing manifest (no database, or a
    /// wrong key) is [`Error::NotFound`].
    ///
    /// # Errors
    /// As [`Self::open`], and [`Error::NotFound`].
    pub fn open_existing(key: &[u8], path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(
            key,
            path,
            OpenOptions {
                mode: OpenMode::Existing,
                ..OpenOptions::default()
            },
        )
    }

    /// Creates a new database and saves its empty manifest at once.
    ///
    /// # Errors
    /// As [`Self::open`], and [`Error::AlreadyExists`].
    pub fn create(key: &[u8], path: impl AsRef<Path>) -> Result<Self> {
        let mut db = Self::open_with(
            key,
            path,
            OpenOptions {
                mode: OpenMode::Create,
                ..OpenOptions::default()
            },
        )?;
        db.save_database()?;
        Ok(db)
    }

    /// [`Self::open`] with options.
    ///
    /// # Errors
    /// As [`Self::open`].
    pub fn open_with(key: &[u8], path: impl AsRef<Path>, options: OpenOptions) -> Result<Self> {
        // The storage holds the folder's lock, and cleans the leftovers
        // of a killed writer once it has it.
        let storage: Arc<dyn Storage> = Arc::new(FsStorage::open(path.as_ref(), options.lock)?);
        Self::open_node(storage, key, options)
    }

    /// Opens a node on any [`Storage`] (a folder's lock is the
    /// [`FsStorage`]'s: see [`FsStorage::open`]; [`crate::open_url`] opens
    /// any storage from a path or URL).
    ///
    /// # Errors
    /// As [`Self::open`].
    pub fn open_node(storage: Arc<dyn Storage>, key: &[u8], options: OpenOptions) -> Result<Self> {
        Self::open_node_at(storage, key, options, 0)
    }

    /// [`Self::open_node`] for a node `depth` metatags below the top.
    fn open_node_at(
        storage: Arc<dyn Storage>,
        key: &[u8],
        options: OpenOptions,
        depth: usize,
    ) -> Result<Self> {
        let root = RootKeys::new(key)?;
        let manifest_ct = read(&*storage, &root.root_filename)?;
        let seen = manifest_ct.as_deref().map(version_of);
        let (manifest, root_salt, salt_file_written) = match (manifest_ct, options.mode) {
            (Some(_), OpenMode::Create) => {
                return Err(Error::AlreadyExists {
                    location: storage.location(""),
                });
            }
            (None, OpenMode::Existing) => {
                return Err(Error::NotFound {
                    location: storage.location(""),
                });
            }
            (Some(ct), _) => {
                let name = &root.root_filename;
                let plain = root
                    .cipher
                    .bytes_decrypt(&ct, &domains().manifest, 0)
                    .map_err(|e| Error::cipher(name, e))?;
                let manifest = Manifest::parse(&plain, name)?;
                // The kind is read from the manifest ("0": 0 or the hex salt).
                match &manifest.inline_salt {
                    Some(s) => {
                        let salt = Zeroizing::new(s.clone());
                        (manifest, salt, false)
                    }
                    None => (manifest, read_salt_file(&*storage, &root)?, true),
                }
            }
            (None, _) => new_root(&*storage, &root, options.metatag)?,
        };
        let keys = SaltedKeys::new(&root, &root_salt)?;
        let mut db = Self {
            storage,
            root,
            keys,
            root_salt,
            salt_file_written,
            manifest,
            cache: IndexMap::new(),
            dirty: IndexSet::new(),
            doomed: IndexSet::new(),
            children: IndexMap::new(),
            depth,
            seen,
        };
        db.load_database(options.preload)?;
        Ok(db)
    }

    /// `load_database(preload)`: loads every metatag (always) and every tag
    /// value (with `preload`).
    ///
    /// # Errors
    /// Decryption or I/O errors, naming the file.
    pub fn load_database(&mut self, preload: bool) -> Result<()> {
        if preload {
            self.load_tags()?;
        }
        self.load_metatags(preload)
    }

    /// `load_tags()`: decrypts every tag into the cache.
    ///
    /// # Errors
    /// As [`Self::query_tag`].
    pub fn load_tags(&mut self) -> Result<()> {
        let pending: Vec<String> = self
            .manifest
            .tags
            .keys()
            .filter(|f| !self.cache.contains_key(*f))
            .cloned()
            .collect();
        // Reading, decrypting and parsing are independent per tag: chunks
        // of tags are read, then decrypted as one batch (four at a time in
        // lanes), on as many threads as `parallel` gives.
        let load = |files: &[String]| -> Result<Vec<(String, Value)>> {
            let mut cts = Vec::with_capacity(files.len());
            for f in files {
                let tag = self.manifest.tags.get(f).cloned().unwrap_or_default();
                cts.push(read(&*self.storage, f)?.ok_or(Error::UnknownTag { tag })?);
            }
            let aads: Vec<Vec<u8>> = files.iter().map(|f| file_aad(f, b"")).collect();
            let items = cts
                .into_iter()
                .zip(aads.iter().map(Vec::as_slice))
                .collect();
            let opened = self.keys.cipher.bytes_decrypt_many_owned(items, 0);
            files
                .iter()
                .zip(opened)
                .map(|(f, plain)| {
                    let plain = plain.map_err(|e| Error::cipher(f, e))?;
                    Ok((f.clone(), Value::from_plaintext(plain, f)?))
                })
                .collect()
        };
        #[cfg(feature = "parallel")]
        let loaded: Vec<(String, Value)> = {
            use rayon::prelude::*;
            let parts: Vec<Vec<(String, Value)>> = pending
                .par_chunks(BATCH_FILES)
                .map(load)
                .collect::<Result<_>>()?;
            parts.into_iter().flatten().collect()
        };
        #[cfg(not(feature = "parallel"))]
        let loaded: Vec<(String, Value)> = {
            let parts: Vec<Vec<(String, Value)>> = pending
                .chunks(BATCH_FILES)
                .map(load)
                .collect::<Result<_>>()?;
            parts.into_iter().flatten().collect()
        };
        self.cache.extend(loaded);
        Ok(())
    }

    /// `load_metatags(preload)`: opens every child metatag.
    ///
    /// # Errors
    /// As [`Self::metatag`].
    pub fn load_metatags(&mut self, preload: bool) -> Result<()> {
        for name in self.manifest.metatags.clone() {
            self.open_child(&name, preload)?;
        }
        Ok(())
    }

    /// `filename(tag)`: the tag's base38 file name.
    #[must_use]
    pub fn filename(&self, tag: &str) -> String {
        self.keys.filename(tag)
    }

    /// The manifest's file name.
    #[must_use]
    pub fn root_filename(&self) -> &str {
        &self.root.root_filename
    }

    /// The root-salt file's name (a file only for top-level databases).
    #[must_use]
    pub fn root_salt_filename(&self) -> &str {
        &self.root.root_salt_filename
    }

    /// Whether this node keeps its salt in its manifest (metatags, profiles).
    #[must_use]
    pub fn is_metatag(&self) -> bool {
        self.manifest.inline_salt.is_some()
    }

    /// The root salt (64 bytes top-level, 16 metatag-style).
    #[must_use]
    pub fn root_salt(&self) -> &[u8] {
        &self.root_salt
    }

    /// The public key-derivation object `db.kdf`.
    #[must_use]
    pub fn kdf(&self) -> &DomainKdf {
        &self.keys.user
    }

    /// The internal keys, for known-answer checks: `(R.K, S.K)`.
    #[must_use]
    pub fn internal_keys(&self) -> (&[u8], &[u8]) {
        (
            self.root.root.internal_key(),
            self.keys.salted.internal_key(),
        )
    }

    /// The 296-byte key of the child metatag `name` (`metatag_key`).
    ///
    /// # Errors
    /// None in practice.
    pub fn metatag_key(&self, name: &str) -> Result<aiootp_core::SecretBytes> {
        Ok(aiootp_core::SecretBytes::new(self.keys.metatag_key(name)?))
    }

    /// The storage this node uses.
    #[must_use]
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// `set_tag(tag, value)`: caches the value; written at the next save.
    pub fn set_tag(&mut self, tag: &str, value: impl Into<Value>) {
        let filename = self.filename(tag);
        self.manifest.tags.insert(filename.clone(), tag.to_owned());
        self.doomed.swap_remove(&filename);
        self.dirty.insert(filename.clone());
        self.cache.insert(filename, value.into());
    }

    /// Sets a JSON value from any serde type.
    ///
    /// # Errors
    /// [`Error::Json`] naming the tag.
    pub fn set_json<T: serde::Serialize + ?Sized>(&mut self, tag: &str, value: &T) -> Result<()> {
        let v = Value::json(value).map_err(|e| match e {
            Error::Json { reason, .. } => Error::Json {
                tag: tag.to_owned(),
                reason,
            },
            other => other,
        })?;
        self.set_tag(tag, v);
        Ok(())
    }

    /// `db[tag]`: the cached value, if loaded (the reference returns `None`
    /// for an uncached tag even if it is on disk).
    #[must_use]
    pub fn get(&self, tag: &str) -> Option<&Value> {
        self.cache.get(&self.filename(tag))
    }

    /// The cached value for changing in place; it is rewritten at the next save.
    pub fn get_mut(&mut self, tag: &str) -> Option<&mut Value> {
        let filename = self.filename(tag);
        if self.cache.contains_key(&filename) {
            self.dirty.insert(filename.clone());
        }
        self.cache.get_mut(&filename)
    }

    /// `query_tag(tag, cache=cache)`: the value, from the cache or decrypted
    /// from its file (the manifest is not consulted, as in the reference).
    ///
    /// # Errors
    /// [`Error::UnknownTag`] when there is no file; decryption errors name it.
    pub fn query_tag(&mut self, tag: &str, cache: bool) -> Result<Value> {
        self.query_tag_ttl(tag, cache, 0)
    }

    /// [`Self::query_tag`] refusing values older than `ttl` seconds (0 = any age).
    ///
    /// # Errors
    /// As [`Self::query_tag`].
    pub fn query_tag_ttl(&mut self, tag: &str, cache: bool, ttl: u64) -> Result<Value> {
        let filename = self.filename(tag);
        if let Some(v) = self.cache.get(&filename) {
            return Ok(v.clone());
        }
        let ct = read(&*self.storage, &filename)?.ok_or_else(|| Error::UnknownTag {
            tag: tag.to_owned(),
        })?;
        let value = Value::from_plaintext(self.decrypt_file(ct, &filename, ttl)?, &filename)?;
        if cache {
            self.cache.insert(filename, value.clone());
        }
        Ok(value)
    }

    /// The value of `tag` as a serde type.
    ///
    /// # Errors
    /// As [`Self::query_tag`], and [`Error::Json`] naming the tag.
    pub fn get_as<T: serde::de::DeserializeOwned>(&mut self, tag: &str) -> Result<T> {
        self.query_tag(tag, false)?.to_typed(tag)
    }

    /// `save_tag(tag, drop_cache)`: writes one cached tag now (the manifest
    /// is written at the next `save_database`).
    ///
    /// # Errors
    /// [`Error::UnknownTag`] if it is not cached; I/O errors.
    pub fn save_tag(&mut self, tag: &str, drop_cache: bool) -> Result<()> {
        let filename = self.filename(tag);
        let value = self.cache.get(&filename).ok_or_else(|| Error::UnknownTag {
            tag: tag.to_owned(),
        })?;
        let ct = self.encrypt_value(&filename, value)?;
        write(&*self.storage, &filename, &ct)?;
        self.dirty.swap_remove(&filename);
        if drop_cache {
            self.cache.shift_remove(&filename);
        }
        Ok(())
    }

    /// `pop_tag(tag)`: removes the tag and returns its value. Its file is
    /// removed after the next save commits a manifest without it.
    ///
    /// # Errors
    /// [`Error::UnknownTag`] if the tag is neither listed nor stored.
    pub fn pop_tag(&mut self, tag: &str) -> Result<Value> {
        let filename = self.filename(tag);
        let listed = self.manifest.tags.shift_remove(&filename).is_some();
        let value = match self.cache.shift_remove(&filename) {
            Some(v) => Ok(v),
            None => self.query_tag(tag, false),
        };
        self.dirty.swap_remove(&filename);
        if listed || value.is_ok() {
            self.doomed.insert(filename);
        }
        value
    }

    /// `rollback_tag(tag, cache)`: drops unsaved changes to one tag (a tag
    /// listed but never written is removed from the manifest).
    ///
    /// # Errors
    /// [`Error::UnknownTag`] if it is neither listed nor cached.
    pub fn rollback_tag(&mut self, tag: &str, cache: bool) -> Result<()> {
        let filename = self.filename(tag);
        let listed = self.manifest.tags.contains_key(&filename);
        let on_disk = self.storage.exists(&filename).map_err(Error::from)?;
        if listed && !on_disk {
            self.manifest.tags.shift_remove(&filename);
        } else if !listed && !self.cache.contains_key(&filename) {
            return Err(Error::UnknownTag {
                tag: tag.to_owned(),
            });
        }
        self.cache.shift_remove(&filename);
        self.dirty.swap_remove(&filename);
        if cache && on_disk {
            self.query_tag(tag, true)?;
        }
        Ok(())
    }

    /// `clear_cache(metatags)`: forgets loaded values and unsaved value changes.
    pub fn clear_cache(&mut self, metatags: bool) {
        self.cache.clear();
        self.dirty.clear();
        if metatags {
            self.children.values_mut().for_each(|c| c.clear_cache(true));
        }
    }

    /// The tag names.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.manifest.tags.values().map(String::as_str)
    }

    /// The tag file names.
    pub fn filenames(&self) -> impl Iterator<Item = &str> {
        self.manifest.tags.keys().map(String::as_str)
    }

    /// `tag in db`: listed in the manifest or cached.
    #[must_use]
    pub fn contains(&self, tag: &str) -> bool {
        let f = self.filename(tag);
        self.manifest.tags.contains_key(&f) || self.cache.contains_key(&f)
    }

    /// The number of tags.
    #[must_use]
    pub fn len(&self) -> usize {
        self.manifest.tags.len()
    }

    /// Whether there are no tags.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.manifest.tags.is_empty()
    }

    /// The direct child metatags' names, in creation order.
    #[must_use]
    pub fn metatags(&self) -> &[String] {
        &self.manifest.metatags
    }

    fn open_child(&mut self, name: &str, preload: bool) -> Result<&mut Database> {
        if !self.children.contains_key(name) {
            if self.depth >= MAX_METATAG_DEPTH {
                return Err(Error::MetatagTooDeep {
                    max: MAX_METATAG_DEPTH,
                });
            }
            let key = Zeroizing::new(self.keys.metatag_key(name)?);
            let options = OpenOptions {
                mode: OpenMode::OpenOrNew,
                metatag: true,
                preload,
                lock: LockMode::None,
            };
            let child =
                Self::open_node_at(Arc::clone(&self.storage), &key, options, self.depth + 1)?;
            self.children.insert(name.to_owned(), child);
        }
        if !self.manifest.metatags.iter().any(|m| m == name) {
            self.manifest.metatags.push(name.to_owned());
        }
        self.children
            .get_mut(name)
            .ok_or_else(|| Error::UnknownMetatag {
                name: name.to_owned(),
            })
    }

    /// `metatag(name)`: the child database `name`, opened or created. Any
    /// name is allowed (the reference refuses its own attribute names).
    ///
    /// # Errors
    /// Decryption or I/O errors of the child's files.
    pub fn metatag(&mut self, name: &str) -> Result<&mut Database> {
        self.open_child(name, false)
    }

    /// An open child metatag, if there is one of that name.
    #[must_use]
    pub fn child(&self, name: &str) -> Option<&Database> {
        self.children.get(name)
    }

    /// `delete_metatag(name)`: removes the child and, at the next save after
    /// the manifest is committed, all its files. Unlike the reference, the
    /// name leaves the manifest too (docs/differences.md).
    ///
    /// # Errors
    /// [`Error::UnknownMetatag`].
    pub fn delete_metatag(&mut self, name: &str) -> Result<()> {
        let child = self
            .children
            .shift_remove(name)
            .ok_or_else(|| Error::UnknownMetatag {
                name: name.to_owned(),
            })?;
        self.manifest.metatags.retain(|m| m != name);
        child.collect_files(&mut self.doomed);
        Ok(())
    }

    /// Every file of this node and its children (for deletion).
    fn collect_files(&self, out: &mut IndexSet<String>) {
        out.extend(self.manifest.tags.keys().cloned());
        out.extend(self.doomed.iter().cloned());
        if !self.is_metatag() {
            out.insert(self.root.root_salt_filename.clone());
        }
        out.insert(self.root.root_filename.clone());
        self.children.values().for_each(|c| c.collect_files(out));
    }

    /// A tag file: the value's plaintext under the file's own name as aad.
    fn encrypt_value(&self, filename: &str, value: &Value) -> Result<Vec<u8>> {
        let plaintext = Zeroizing::new(self.checked_plaintext(filename, value)?);
        self.bytes_encrypt(&plaintext, filename, b"")
    }

    /// The plaintext of a tag file, refused before anything is encrypted
    /// when its ciphertext would exceed what the storage reads back.
    fn checked_plaintext(&self, filename: &str, value: &Value) -> Result<Vec<u8>> {
        let mut plaintext = value.to_plaintext();
        let len = aiootp_chunky2048::ciphertext_len(plaintext.len()) as u64;
        let max = self.storage.max_file_bytes();
        if len > max {
            plaintext.zeroize();
            return Err(Error::FileTooLarge {
                location: self.storage.location(filename),
                len,
                max,
            });
        }
        Ok(plaintext)
    }

    /// `save_database()`: commits every change of this node and its children
    /// in one [`Storage::commit`].
    ///
    /// What is written: the root salt file (once, if missing), the changed
    /// tag files, the manifest of every node below with a change, and this
    /// node's manifest, the commit point (always: its new bytes are the
    /// version other clients' saves are checked against); then the files of
    /// popped tags and deleted metatags are removed. Every manifest written
    /// must still be as this node read it, or the save is
    /// [`Error::Conflict`] and writes nothing. An error leaves the last
    /// committed state readable, and this node's changes still pending.
    ///
    /// # Errors
    /// [`Error::Conflict`], I/O or encryption errors, naming the file.
    pub fn save_database(&mut self) -> Result<()> {
        let mut changes = Changes::default();
        self.stage(&mut changes, true)?;
        self.storage.commit(&changes).map_err(|e| match e {
            aiootp_storage::Error::AlreadyExists { .. } => Error::Corrupt {
                file: self.root.root_salt_filename.clone(),
                reason: "a root salt file appeared for this key while the database was open".into(),
            },
            other => other.into(),
        })?;
        self.committed(&changes);
        Ok(())
    }

    /// Whether a save must write this node's manifest: something in it or
    /// below it changed, or it is not in storage yet.
    fn changed(&self) -> bool {
        self.seen.is_none()
            || !self.dirty.is_empty()
            || !self.doomed.is_empty()
            || (!self.is_metatag() && !self.salt_file_written)
            || self.children.values().any(Self::changed)
    }

    /// Adds this node's part of a save to `changes` (children first).
    fn stage(&self, changes: &mut Changes, top: bool) -> Result<()> {
        if !top && !self.changed() {
            return Ok(());
        }
        if !self.is_metatag() && !self.salt_file_written {
            // JSON of a hex string: the digits need no escaping, so this is
            // `json.dumps(salt.hex())` by construction (no fallible
            // serialiser whose failure could encrypt an empty salt file).
            let plain = format!("\"{}\"", bytes_to_hex(&self.root_salt)).into_bytes();
            let name = &self.root.root_salt_filename;
            let ct = self
                .root
                .cipher
                .bytes_encrypt(&plain, &domains().root_salt)
                .map_err(|e| Error::cipher(name, e))?;
            // Never overwrite an existing salt file: every key depends on it.
            changes.create.push((name.clone(), ct));
        }
        changes.writes.extend(self.seal_dirty_tags()?);
        for child in self.children.values() {
            child.stage(changes, false)?;
        }
        let name = &self.root.root_filename;
        let ct = self
            .root
            .cipher
            .bytes_encrypt(&self.manifest.to_plaintext(), &domains().manifest)
            .map_err(|e| Error::cipher(name, e))?;
        changes.manifests.push(ManifestWrite {
            name: name.clone(),
            data: ct,
            expected: self.seen.map_or(Expected::Absent, Expected::Version),
        });
        changes.removes.extend(self.doomed.iter().cloned());
        Ok(())
    }

    /// Marks what `changes` committed as saved in this node and below.
    fn committed(&mut self, changes: &Changes) {
        let name = &self.root.root_filename;
        let Some(m) = changes.manifests.iter().find(|m| &m.name == name) else {
            return;
        };
        self.seen = Some(version_of(&m.data));
        self.salt_file_written = true;
        self.dirty.clear();
        self.doomed.clear();
        for child in self.children.values_mut() {
            child.committed(changes);
        }
    }

    /// The ciphertexts of the changed tags: in batches of up to
    /// [`BATCH_FILES`] (tags of one block count four at a time in lanes),
    /// the batches in parallel with `parallel`.
    fn seal_dirty_tags(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let seal = |files: &[&String]| -> Result<Vec<(String, Vec<u8>)>> {
            let mut plain = Vec::with_capacity(files.len());
            for f in files {
                let value = self
                    .cache
                    .get(*f)
                    .ok_or_else(|| Error::UnknownTag { tag: (*f).clone() })?;
                plain.push(Zeroizing::new(self.checked_plaintext(f, value)?));
            }
            let aads: Vec<Vec<u8>> = files.iter().map(|f| file_aad(f, b"")).collect();
            let items: Vec<(&[u8], &[u8])> = plain
                .iter()
                .zip(&aads)
                .map(|(p, a)| (&p[..], &a[..]))
                .collect();
            let sealed = self
                .keys
                .cipher
                .bytes_encrypt_many(&items)
                .map_err(|e| Error::cipher(files.first().map_or("", |f| f.as_str()), e))?;
            Ok(files.iter().map(|f| (*f).clone()).zip(sealed).collect())
        };
        let dirty: Vec<&String> = self.dirty.iter().collect();
        #[cfg(feature = "parallel")]
        let parts: Vec<Vec<(String, Vec<u8>)>> = {
            use rayon::prelude::*;
            dirty
                .par_chunks(BATCH_FILES)
                .map(seal)
                .collect::<Result<_>>()?
        };
        #[cfg(not(feature = "parallel"))]
        let parts: Vec<Vec<(String, Vec<u8>)>> =
            dirty.chunks(BATCH_FILES).map(seal).collect::<Result<_>>()?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// Copies this database's committed files, byte for byte, into
    /// `target` (another [`Storage`]: a folder, PostgreSQL, …), so the copy
    /// opens under the same key there, in this crate and in the reference.
    /// A database with changes not yet saved is refused
    /// ([`Error::Unsaved`]): save it first. With `replace` false, a
    /// database under this key already in `target` is refused.
    ///
    /// The copy is one [`Storage::commit`]: the tag files and salt file
    /// first, then the manifests (children before parents).
    ///
    /// # Errors
    /// [`Error::Unsaved`], [`Error::AlreadyExists`], a file missing from this storage
    /// ([`Error::Corrupt`]), I/O errors of either storage.
    pub fn copy_to(&self, target: &dyn Storage, replace: bool) -> Result<()> {
        if self.changed() {
            return Err(Error::Unsaved);
        }
        let top = &self.root.root_filename;
        let existing = target.read(top).map_err(Error::from)?;
        if existing.is_some() && !replace {
            return Err(Error::AlreadyExists {
                location: target.location(""),
            });
        }
        let mut changes = Changes::default();
        self.stage_copy(&mut changes)?;
        if let Some(top) = changes.manifests.last_mut() {
            top.expected = existing
                .as_deref()
                .map_or(Expected::Absent, |b| Expected::Version(version_of(b)));
        }
        // Other manifests are replaced whatever they hold.
        for m in changes.manifests.iter_mut().rev().skip(1) {
            if let Some(now) = target.read(&m.name).map_err(Error::from)? {
                m.expected = Expected::Version(version_of(&now));
            }
        }
        if replace {
            // A salt file is created only if missing: replace it as a file.
            changes.writes.append(&mut changes.create);
        }
        target.commit(&changes).map_err(Error::from)
    }

    fn stage_copy(&self, changes: &mut Changes) -> Result<()> {
        let raw = |name: &str| -> Result<Vec<u8>> {
            read(&*self.storage, name)?.ok_or_else(|| Error::Corrupt {
                file: name.to_owned(),
                reason: "listed by a manifest but missing from storage".into(),
            })
        };
        if !self.is_metatag() {
            let name = &self.root.root_salt_filename;
            changes.create.push((name.clone(), raw(name)?));
        }
        for name in self.manifest.tags.keys() {
            changes.writes.push((name.clone(), raw(name)?));
        }
        for child in self.children.values() {
            child.stage_copy(changes)?;
        }
        let name = &self.root.root_filename;
        changes.manifests.push(ManifestWrite {
            name: name.clone(),
            data: raw(name)?,
            expected: Expected::Absent,
        });
        Ok(())
    }

    /// `delete_database()`: removes every file of this node and its children now.
    ///
    /// # Errors
    /// I/O errors.
    pub fn delete_database(self) -> Result<()> {
        let mut files = IndexSet::new();
        self.collect_files(&mut files);
        for f in files {
            self.storage.remove(&f).map_err(Error::from)?;
        }
        self.storage.sync().map_err(Error::from)
    }

    /// `mirror_database(other)`: copies every tag of `other` (loading them)
    /// and, recursively, its metatags. Nothing is saved.
    ///
    /// # Errors
    /// Decryption errors of `other`'s files.
    pub fn mirror_database(&mut self, other: &mut Database) -> Result<()> {
        let tags: Vec<String> = other.tags().map(str::to_owned).collect();
        for tag in tags {
            let v = other.query_tag(&tag, false)?;
            self.set_tag(&tag, v);
        }
        for name in other.metatags().to_vec() {
            let theirs = other.metatag(&name)?;
            self.metatag(&name)?.mirror_database(theirs)?;
        }
        Ok(())
    }

    /// `make_hmac(*data, aad=aad)`.
    ///
    /// # Errors
    /// [`Error::NoData`] with no data.
    pub fn make_hmac(&self, data: &[&[u8]], aad: &[u8]) -> Result<[u8; 32]> {
        if data.is_empty() {
            return Err(Error::NoData);
        }
        Ok(self.keys.make_hmac(data, aad))
    }

    /// `test_hmac(untrusted, *data, aad=aad)`, in constant time.
    ///
    /// # Errors
    /// [`Error::NoData`] for an empty HMAC, [`Error::InvalidHmac`] on mismatch.
    pub fn test_hmac(&self, untrusted: &[u8], data: &[&[u8]], aad: &[u8]) -> Result<()> {
        if untrusted.is_empty() {
            return Err(Error::NoData);
        }
        if aiootp_core::bytes_are_equal(&self.make_hmac(data, aad)?, untrusted) {
            Ok(())
        } else {
            Err(Error::InvalidHmac)
        }
    }

    /// `bytes_encrypt(data, filename=filename, aad=aad)` under this node's key.
    ///
    /// # Errors
    /// Cipher errors.
    pub fn bytes_encrypt(&self, data: &[u8], filename: &str, aad: &[u8]) -> Result<Vec<u8>> {
        self.keys
            .cipher
            .bytes_encrypt(data, &file_aad(filename, aad))
            .map_err(|e| Error::cipher(filename, e))
    }

    /// A tag file's plaintext, decrypted in the buffer it was read into.
    fn decrypt_file(&self, ct: Vec<u8>, filename: &str, ttl: u64) -> Result<Vec<u8>> {
        self.keys
            .cipher
            .bytes_decrypt_owned(ct, &file_aad(filename, b""), ttl)
            .map_err(|e| Error::cipher(filename, e))
    }

    /// `bytes_decrypt(data, filename=filename, aad=aad, ttl=ttl)`.
    ///
    /// # Errors
    /// Cipher errors (a wrong filename or aad is `InvalidShmac`).
    pub fn bytes_decrypt(
        &self,
        data: &[u8],
        filename: &str,
        aad: &[u8],
        ttl: u64,
    ) -> Result<Vec<u8>> {
        self.keys
            .cipher
            .bytes_decrypt(data, &file_aad(filename, aad), ttl)
            .map_err(|e| Error::cipher(filename, e))
    }

    /// `json_encrypt(value, filename=filename, aad=aad)`.
    ///
    /// # Errors
    /// Cipher or JSON errors.
    pub fn json_encrypt<T: serde::Serialize + ?Sized>(
        &self,
        value: &T,
        filename: &str,
        aad: &[u8],
    ) -> Result<Vec<u8>> {
        self.keys
            .cipher
            .json_encrypt(value, &file_aad(filename, aad))
            .map_err(|e| Error::cipher(filename, e))
    }

    /// `json_decrypt(data, filename=filename, aad=aad, ttl=ttl)`.
    ///
    /// # Errors
    /// Cipher or JSON errors.
    pub fn json_decrypt<T: serde::de::DeserializeOwned>(
        &self,
        data: &[u8],
        filename: &str,
        aad: &[u8],
        ttl: u64,
    ) -> Result<T> {
        self.keys
            .cipher
            .json_decrypt(data, &file_aad(filename, aad), ttl)
            .map_err(|e| Error::cipher(filename, e))
    }

    /// The cipher and associated data that [`Self::bytes_encrypt`] and
    /// [`Self::bytes_decrypt`] use for `filename` and `aad`, for data too
    /// large to hold in memory: give them to the streaming APIs of
    /// `aiootp-chunky2048` (`stream::BytesEncryptor` / `BytesDecryptor`)
    /// and the output is byte for byte what `bytes_encrypt` returns.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = std::env::temp_dir().join(format!("aiootp-fc-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let db = aiootp_db::Database::open(&[7u8; 64], &dir)?;
    /// let (cipher, aad) = db.file_cipher("notes", b"v1");
    /// let ct = cipher.bytes_encrypt(b"hello", &aad)?;
    /// assert_eq!(db.bytes_decrypt(&ct, "notes", b"v1", 0)?, b"hello");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn file_cipher(&self, filename: &str, aad: &[u8]) -> (&Chunky2048, Vec<u8>) {
        (&self.keys.cipher, file_aad(filename, aad))
    }

    /// `make_token(data, filename=filename, aad=aad)`.
    ///
    /// # Errors
    /// Cipher errors.
    pub fn make_token(&self, data: &[u8], filename: &str, aad: &[u8]) -> Result<String> {
        self.keys
            .cipher
            .make_token(data, &file_aad(filename, aad))
            .map_err(|e| Error::cipher(filename, e))
    }

    /// `read_token(token, filename=filename, aad=aad, ttl=ttl)`.
    ///
    /// # Errors
    /// Cipher errors.
    pub fn read_token(
        &self,
        token: impl AsRef<[u8]>,
        filename: &str,
        aad: &[u8],
        ttl: u64,
    ) -> Result<Vec<u8>> {
        self.keys
            .cipher
            .read_token(token, &file_aad(filename, aad), ttl)
            .map_err(|e| Error::cipher(filename, e))
    }
}

fn read(storage: &dyn Storage, name: &str) -> Result<Option<Vec<u8>>> {
    storage.read(name).map_err(Error::from)
}

fn write(storage: &dyn Storage, name: &str, data: &[u8]) -> Result<()> {
    storage.write(name, data).map_err(Error::from)
}

/// Reads a top-level database's root salt: `json.dumps(salt.hex())`, encrypted.
fn read_salt_file(storage: &dyn Storage, root: &RootKeys) -> Result<Zeroizing<Vec<u8>>> {
    let name = &root.root_salt_filename;
    let ct = read(storage, name)?.ok_or_else(|| Error::Corrupt {
        file: name.clone(),
        reason: "the root salt file is missing; without it no tag can be read".into(),
    })?;
    let plain = Zeroizing::new(
        root.cipher
            .bytes_decrypt(&ct, &domains().root_salt, 0)
            .map_err(|e| Error::cipher(name, e))?,
    );
    let hex: String = serde_json::from_slice(&plain).map_err(|_| Error::Corrupt {
        file: name.clone(),
        reason: "not a JSON string".into(),
    })?;
    let salt = hex_to_bytes(&hex).ok_or_else(|| Error::Corrupt {
        file: name.clone(),
        reason: "not hex".into(),
    })?;
    Ok(Zeroizing::new(salt))
}

/// A new node's manifest and salt. A top-level node whose salt file exists
/// (its manifest was lost) keeps that salt: the reference would overwrite
/// it and make every old tag file undecryptable.
fn new_root(
    storage: &dyn Storage,
    root: &RootKeys,
    metatag: bool,
) -> Result<(Manifest, Zeroizing<Vec<u8>>, bool)> {
    if metatag {
        let salt = Zeroizing::new(aiootp_core::token_bytes(METATAG_ROOT_SALT_BYTES)?);
        let manifest = Manifest {
            inline_salt: Some(salt.to_vec()),
            ..Manifest::default()
        };
        return Ok((manifest, salt, false));
    }
    if storage
        .exists(&root.root_salt_filename)
        .map_err(Error::from)?
    {
        return Ok((Manifest::default(), read_salt_file(storage, root)?, true));
    }
    Ok((
        Manifest::default(),
        Zeroizing::new(aiootp_core::token_bytes(ROOT_SALT_BYTES)?),
        false,
    ))
}

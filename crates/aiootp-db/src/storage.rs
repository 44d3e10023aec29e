//! Where a database's files live. All file access goes through [`Storage`],
//! so another backend (an object store) needs no change to the key
//! schedule; [`FsStorage`] is the crash-safe local folder.
//!
//! A folder may come from an untrusted place: anyone who can write it can
//! put a FIFO, a symlink, a device or a huge sparse file where a database
//! file should be. [`FsStorage`] opens without following symlinks and
//! without blocking, reads regular files only, and never more than its
//! size limit ([`DEFAULT_MAX_FILE_BYTES`] unless set), refusing the rest
//! with a [`Refused`] error.

use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// A flat namespace of files (names may contain `/` for the profile salts).
pub trait Storage: Send + Sync + Debug {
    /// The whole file, or `None` if it does not exist.
    ///
    /// # Errors
    /// I/O errors other than "not found".
    fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>>;

    /// Replaces (or creates) the file atomically: a crash leaves the old
    /// contents or the new, never a mix.
    ///
    /// # Errors
    /// I/O errors; the old file is then untouched.
    fn write(&self, name: &str, data: &[u8]) -> io::Result<()>;

    /// Replaces several files, each atomically (a crash leaves each one old
    /// or new), more cheaply than one `write` per file.
    ///
    /// # Errors
    /// I/O errors; files not yet renamed keep their old contents.
    fn write_many(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        files
            .iter()
            .try_for_each(|(name, data)| self.write(name, data))
    }

    /// Creates the file only if it does not exist, atomically. Returns
    /// whether it was created.
    ///
    /// # Errors
    /// I/O errors.
    fn create_new(&self, name: &str, data: &[u8]) -> io::Result<bool>;

    /// Removes the file; a missing file is not an error.
    ///
    /// # Errors
    /// I/O errors.
    fn remove(&self, name: &str) -> io::Result<()>;

    /// Whether the file exists.
    ///
    /// # Errors
    /// I/O errors.
    fn exists(&self, name: &str) -> io::Result<bool>;

    /// Makes every completed `write`, `create_new` and `remove` durable.
    ///
    /// # Errors
    /// I/O errors.
    fn sync(&self) -> io::Result<()>;

    /// A display path for error messages.
    fn location(&self, name: &str) -> PathBuf;

    /// The largest file this storage reads back; a save that would write a
    /// larger one is refused before anything is written.
    fn max_file_bytes(&self) -> u64 {
        u64::MAX
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
    /// A manifest that changed since it was read: an `io::Error` of kind
    /// `Other` carrying [`Conflict`] (nothing written); a `create` file that
    /// exists: kind `AlreadyExists` (nothing written); other I/O errors.
    fn commit(&self, changes: &Changes) -> io::Result<()> {
        for m in &changes.manifests {
            check_expected(&m.name, m.expected, self.read(&m.name)?.as_deref())?;
        }
        for (name, data) in &changes.create {
            if !self.create_new(name, data)? {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{name} exists"),
                ));
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

/// The payload of the `io::Error` a [`Storage::commit`] returns when a
/// manifest changed since the save's starting point: another client saved
/// first. Reload and retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The manifest that changed.
    pub name: String,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} changed since it was read (another save came first)",
            self.name
        )
    }
}

impl std::error::Error for Conflict {}

/// Checks `current` (a manifest's bytes now, if any) against `expected`.
///
/// # Errors
/// A [`Conflict`] when they differ.
pub fn check_expected(name: &str, expected: Expected, current: Option<&[u8]>) -> io::Result<()> {
    let ok = match (expected, current) {
        (Expected::Absent, None) => true,
        (Expected::Version(v), Some(b)) => aiootp_core::bytes_are_equal(&version_of(b), &v),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(io::Error::other(Conflict {
            name: name.to_owned(),
        }))
    }
}

/// The largest file [`FsStorage`] reads unless told otherwise: 256 MiB.
/// A value whose tag file would be larger is refused when it is saved, so
/// a database never holds a file it cannot read back.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

/// Why [`FsStorage`] refused to read a file (the payload of the
/// `io::Error` it returns, kind `InvalidData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The name is a FIFO, device, socket, folder or symlink.
    NotARegularFile,
    /// The file is larger than the storage's limit.
    TooLarge {
        /// Its size.
        len: u64,
        /// The limit.
        max: u64,
    },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotARegularFile => f.write_str("not a regular file"),
            Self::TooLarge { len, max } => {
                write!(f, "{len} bytes, more than the limit of {max}")
            }
        }
    }
}

impl std::error::Error for Refused {}

fn refused(r: Refused) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, r)
}

/// A local folder. Files are written to a temporary file in the same
/// folder, synced, renamed over the target, and the folder synced; they are
/// created readable by the owner only (0600).
#[derive(Debug, Clone)]
pub struct FsStorage {
    root: PathBuf,
    max_file_bytes: u64,
}

const TMP_PREFIX: &str = ".aiootp-tmp-";

impl FsStorage {
    /// Storage in `root` (which must exist, as in the reference).
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }

    /// The same folder with another limit on the size of a file read.
    #[must_use]
    pub fn with_max_file_bytes(mut self, max: u64) -> Self {
        self.max_file_bytes = max;
        self
    }

    /// The folder.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn temp_file(&self, dir: &Path) -> io::Result<(PathBuf, File)> {
        for _ in 0..8 {
            let suffix: [u8; 8] = aiootp_core::random_array().map_err(io::Error::other)?;
            // `.` is outside the base38 alphabet: never a database file name.
            let path = dir.join(format!(
                "{TMP_PREFIX}{}",
                aiootp_core::bytes_to_hex(&suffix)
            ));
            match options().create_new(true).open(&path) {
                Ok(f) => return Ok((path, f)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free temporary name",
        ))
    }

    fn write_temp(&self, target: &Path, data: &[u8]) -> io::Result<PathBuf> {
        let dir = target.parent().unwrap_or(&self.root);
        let (tmp, mut f) = self.temp_file(dir)?;
        let result = f.write_all(data).and_then(|()| f.sync_all());
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(tmp)
    }

    /// Removes temporary files an interrupted write left behind, in the
    /// folder, `secure/` and `secure/_admin/` (where profiles keep their
    /// salts). Only regular files are removed; anything else of that name
    /// (a folder, a symlink) is left alone.
    ///
    /// # Errors
    /// I/O errors listing the folder.
    pub fn clean_temporaries(&self) -> io::Result<usize> {
        let mut n = 0;
        for dir in [
            self.root.clone(),
            self.root.join("secure"),
            self.root.join("secure").join("_admin"),
        ] {
            let entries = match fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound && dir != self.root => continue,
                Err(e) if e.kind() == io::ErrorKind::NotADirectory && dir != self.root => {
                    continue;
                }
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let is_temp = entry.file_name().to_string_lossy().starts_with(TMP_PREFIX);
                // `file_type` does not follow symlinks.
                if is_temp && entry.file_type()?.is_file() {
                    fs::remove_file(entry.path())?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}

fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Makes the data of `files` durable: an fsync of each, issued from many
/// threads at once so the filesystem can commit them together (one
/// `syncfs` would also flush every unrelated dirty page on the disk).
/// Makes the data of `files` (just written) durable before they are
/// renamed into place. On Linux, many files take one `syncfs` of their
/// filesystem: one flush instead of one per file (the durable-save floor
/// of `cargo xtask bench`; since Linux 5.8 it reports the write-back
/// errors of the files, as `fdatasync` does). Elsewhere, and for a few
/// files, `fdatasync` each, on up to 32 threads.
fn sync_files(files: &[File]) -> io::Result<()> {
    const THREADS: usize = 32;
    #[cfg(target_os = "linux")]
    if let Some(f) = files.first().filter(|_| files.len() >= SYNCFS_FROM) {
        return rustix::fs::syncfs(f).map_err(io::Error::from);
    }
    let per_thread = files.len().div_ceil(THREADS).max(1);
    std::thread::scope(|s| {
        let workers: Vec<_> = files
            .chunks(per_thread)
            .map(|chunk| s.spawn(move || chunk.iter().try_for_each(File::sync_data)))
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .unwrap_or_else(|_| Err(io::Error::other("an fsync thread panicked")))
        })
    })
}

/// From how many files a save flushes them with one `syncfs` (Linux).
#[cfg(target_os = "linux")]
const SYNCFS_FROM: usize = 16;

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Opens `path` for reading without following a symlink and without
/// blocking on a FIFO.
fn open_untrusted(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
        o.custom_flags(i32::try_from(flags.bits()).unwrap_or(0));
    }
    o.open(path).map_err(|e| {
        // ELOOP: the name is a symlink.
        if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
            refused(Refused::NotARegularFile)
        } else {
            e
        }
    })
}

/// Gives owner read permission back to a file the reference left at mode
/// 000 (its salt files), as the reference itself does before reading:
/// only to a regular file owned by this user, never through a symlink.
fn restore_read_permission(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use rustix::fs::{AtFlags, CWD, Mode};
        use std::os::unix::fs::MetadataExt;
        let meta = fs::symlink_metadata(path)?;
        if !meta.file_type().is_file() {
            return Err(refused(Refused::NotARegularFile));
        }
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied));
        }
        let mode = Mode::from_raw_mode(0o600);
        match rustix::fs::chmodat(CWD, path, mode, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(()) => Ok(()),
            // Kernels without fchmodat2: the check above stands.
            Err(rustix::io::Errno::NOTSUP) => {
                rustix::fs::chmod(path, mode).map_err(io::Error::from)
            }
            Err(e) => Err(e.into()),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Err(io::Error::from(io::ErrorKind::PermissionDenied))
    }
}

/// Reads a database file from a folder that may be hostile: a regular
/// file (no symlink, FIFO or device), of at most `max` bytes, read into a
/// buffer reserved once to its size.
fn read_file(path: &Path, max: u64) -> io::Result<Option<Vec<u8>>> {
    let mut f = match open_untrusted(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            restore_read_permission(path)?;
            open_untrusted(path)?
        }
        Err(e) => return Err(e),
    };
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(refused(Refused::NotARegularFile));
    }
    if meta.len() > max {
        return Err(refused(Refused::TooLarge {
            len: meta.len(),
            max,
        }));
    }
    let len = usize::try_from(meta.len()).map_err(|_| {
        refused(Refused::TooLarge {
            len: meta.len(),
            max,
        })
    })?;
    let mut buf = Vec::new();
    buf.try_reserve_exact(len)
        .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    // Never more than the size seen, even if the file grows meanwhile.
    (&mut f).take(meta.len()).read_to_end(&mut buf)?;
    Ok(Some(buf))
}

impl Storage for FsStorage {
    fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        read_file(&self.path(name), self.max_file_bytes)
    }

    fn write(&self, name: &str, data: &[u8]) -> io::Result<()> {
        let target = self.path(name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        let tmp = self.write_temp(&target, data)?;
        fs::rename(&tmp, &target).inspect_err(|_| {
            let _ = fs::remove_file(&tmp);
        })
    }

    fn write_many(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        // All temporary files first; then their data made durable together;
        // then the renames: each rename still publishes a durable file.
        let mut staged = Vec::with_capacity(files.len());
        let mut handles = Vec::with_capacity(files.len());
        let result = (|| {
            for (name, data) in files {
                let target = self.path(name);
                let dir = target.parent().unwrap_or(&self.root);
                let (tmp, mut f) = self.temp_file(dir)?;
                staged.push((tmp, target));
                f.write_all(data)?;
                handles.push(f);
            }
            sync_files(&handles)?;
            drop(std::mem::take(&mut handles));
            for (tmp, target) in &staged {
                fs::rename(tmp, target)?;
            }
            Ok(())
        })();
        if result.is_err() {
            for (tmp, _) in &staged {
                let _ = fs::remove_file(tmp);
            }
        }
        result
    }

    fn create_new(&self, name: &str, data: &[u8]) -> io::Result<bool> {
        let target = self.path(name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        let tmp = self.write_temp(&target, data)?;
        // A hard link fails if the target exists: O_EXCL for a complete file.
        let linked = fs::hard_link(&tmp, &target);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                sync_dir(target.parent().unwrap_or(&self.root))?;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        match fs::remove_file(self.path(name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn exists(&self, name: &str) -> io::Result<bool> {
        self.path(name).try_exists()
    }

    fn sync(&self) -> io::Result<()> {
        sync_dir(&self.root)
    }

    fn location(&self, name: &str) -> PathBuf {
        self.path(name)
    }

    fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes
    }
}

/// A held lock on a database folder: an advisory `flock` on the folder
/// itself, so no extra file appears in it. Released on drop.
#[derive(Debug)]
pub struct FolderLock {
    _dir: File,
}

/// What to do when another process holds the folder's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockMode {
    /// Fail at once with `Error::Locked`.
    #[default]
    Fail,
    /// Wait for the other process to close the database.
    Wait,
    /// Take no lock (read-only use, or the caller coordinates writers).
    None,
}

impl FolderLock {
    /// Locks `dir` exclusively.
    ///
    /// # Errors
    /// `WouldBlock` when another process holds it and `mode` is `Fail`.
    pub fn acquire(dir: &Path, mode: LockMode) -> io::Result<Option<Self>> {
        let f = File::open(dir)?;
        match mode {
            LockMode::None => return Ok(None),
            LockMode::Wait => f.lock()?,
            LockMode::Fail => f.try_lock().map_err(|e| match e {
                fs::TryLockError::WouldBlock => io::Error::from(io::ErrorKind::WouldBlock),
                fs::TryLockError::Error(e) => e,
            })?,
        }
        Ok(Some(Self { _dir: f }))
    }
}

//! [`FsStorage`]: a database's files in a local folder.
//!
//! A folder may come from an untrusted place: anyone who can write it can
//! put a FIFO, a symlink, a device or a huge sparse file where a database
//! file should be. [`FsStorage`] opens without following symlinks and
//! without blocking, reads regular files only, and never more than its
//! size limit ([`crate::DEFAULT_MAX_FILE_BYTES`] unless set), refusing the
//! rest with [`Error::Refused`] or [`Error::TooLarge`].

use crate::{
    DEFAULT_MAX_FILE_BYTES, Error, MAX_LISTED_NAMES, Refusal, Result, Storage, check_name,
};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A local folder. Files are written to a temporary file in the same
/// folder, synced, renamed over the target, and the folder synced; they are
/// created readable by the owner only (0600).
///
/// [`FsStorage::open`] also holds the folder's lock (an advisory `flock`
/// on the folder itself, per [`LockMode`]) for as long as the storage or
/// a clone of it lives, and removes what an interrupted writer left.
#[derive(Debug, Clone)]
pub struct FsStorage {
    root: PathBuf,
    max_file_bytes: u64,
    _lock: Option<Arc<FolderLock>>,
}

const TMP_PREFIX: &str = ".aiootp-tmp-";

impl FsStorage {
    /// Storage in `root` (which must exist, as in the reference).
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            _lock: None,
        }
    }

    /// Storage in the folder `root` holding its lock per `mode`. With the
    /// lock held, a temporary file can only be the leftover of a writer
    /// that was killed: those are removed ([`Self::clean_temporaries`]).
    ///
    /// # Errors
    /// [`Error::NotFound`] when `root` does not exist, [`Error::Locked`]
    /// when another process holds the lock and `mode` is
    /// [`LockMode::Fail`], I/O errors.
    pub fn open(root: impl Into<PathBuf>, mode: LockMode) -> Result<Self> {
        let root = root.into();
        let shown = root.display().to_string();
        let lock = FolderLock::acquire(&root, mode).map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock => Error::Locked {
                location: shown.clone(),
            },
            io::ErrorKind::NotFound => Error::NotFound {
                location: shown.clone(),
            },
            _ => Error::io(shown.clone(), e),
        })?;
        let storage = Self {
            root,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            _lock: lock.map(Arc::new),
        };
        if storage._lock.is_some() {
            storage.clean_temporaries()?;
        }
        Ok(storage)
    }

    /// Whether `name` (a file name in a database folder) is one of the
    /// temporary files a write makes and renames: never a database file.
    #[must_use]
    pub fn is_temporary_name(name: &str) -> bool {
        name.starts_with(TMP_PREFIX)
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
    pub fn clean_temporaries(&self) -> Result<usize> {
        self.clean_temporaries_io()
            .map_err(|e| Error::io(self.root.display().to_string(), e))
    }

    fn clean_temporaries_io(&self) -> io::Result<usize> {
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

/// Why a file of a folder that may be hostile was not read.
enum ReadFail {
    /// A symlink, FIFO, device, socket or folder.
    NotRegular,
    /// Over the limit.
    TooLarge(u64),
    Io(io::Error),
}

impl From<io::Error> for ReadFail {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// Opens `path` for reading without following a symlink and without
/// blocking on a FIFO.
fn open_untrusted(path: &Path) -> Result<File, ReadFail> {
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
            ReadFail::NotRegular
        } else {
            ReadFail::Io(e)
        }
    })
}

/// Gives owner read permission back to a file the reference left at mode
/// 000 (its salt files), as the reference itself does before reading:
/// only to a regular file owned by this user, never through a symlink.
fn restore_read_permission(path: &Path) -> Result<(), ReadFail> {
    #[cfg(unix)]
    {
        use rustix::fs::{AtFlags, CWD, Mode};
        use std::os::unix::fs::MetadataExt;
        let meta = fs::symlink_metadata(path)?;
        if !meta.file_type().is_file() {
            return Err(ReadFail::NotRegular);
        }
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied).into());
        }
        let mode = Mode::from_raw_mode(0o600);
        match rustix::fs::chmodat(CWD, path, mode, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(()) => Ok(()),
            // Kernels without fchmodat2: the check above stands.
            Err(rustix::io::Errno::NOTSUP) => {
                rustix::fs::chmod(path, mode).map_err(|e| io::Error::from(e).into())
            }
            Err(e) => Err(io::Error::from(e).into()),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Err(io::Error::from(io::ErrorKind::PermissionDenied).into())
    }
}

/// Reads a database file from a folder that may be hostile: a regular
/// file (no symlink, FIFO or device), of at most `max` bytes, read into a
/// buffer reserved once to its size.
fn read_file(path: &Path, max: u64) -> Result<Option<Vec<u8>>, ReadFail> {
    let mut f = match open_untrusted(path) {
        Ok(f) => f,
        Err(ReadFail::Io(e)) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(ReadFail::Io(e)) if e.kind() == io::ErrorKind::PermissionDenied => {
            restore_read_permission(path)?;
            open_untrusted(path)?
        }
        Err(e) => return Err(e),
    };
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(ReadFail::NotRegular);
    }
    if meta.len() > max {
        return Err(ReadFail::TooLarge(meta.len()));
    }
    let len = usize::try_from(meta.len()).map_err(|_| ReadFail::TooLarge(meta.len()))?;
    let mut buf = Vec::new();
    buf.try_reserve_exact(len)
        .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    // Never more than the size seen, even if the file grows meanwhile.
    (&mut f).take(meta.len()).read_to_end(&mut buf)?;
    Ok(Some(buf))
}

/// The names of the regular files under `dir` (as `prefix/name`), the
/// temporaries, symlinks and anything else left out, at most `depth`
/// folders down; a missing folder holds none.
fn list_into(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) -> io::Result<bool> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound && !prefix.is_empty() => return Ok(true),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if FsStorage::is_temporary_name(&name) {
            continue;
        }
        let full = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        // `file_type` does not follow symlinks.
        let kind = entry.file_type()?;
        if kind.is_file() {
            if out.len() >= MAX_LISTED_NAMES {
                return Ok(false);
            }
            out.push(full);
        } else if kind.is_dir() && depth > 0 && !list_into(&entry.path(), &full, depth - 1, out)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// How many folders down [`FsStorage::list`] looks (`secure/_admin/` is 2).
const LIST_DEPTH: usize = 4;

impl FsStorage {
    fn fail(&self, name: &str, e: ReadFail) -> Error {
        let location = self.location(name);
        match e {
            ReadFail::NotRegular => Error::refused(location, Refusal::NotARegularFile),
            ReadFail::TooLarge(len) => Error::TooLarge {
                location,
                len,
                max: self.max_file_bytes,
            },
            ReadFail::Io(e) => Error::io(location, e),
        }
    }

    fn io(&self, name: &str) -> impl Fn(io::Error) -> Error + '_ {
        let location = self.location(name);
        move |e| Error::io(location.clone(), e)
    }
}

impl Storage for FsStorage {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>> {
        check_name(self, name)?;
        read_file(&self.path(name), self.max_file_bytes).map_err(|e| self.fail(name, e))
    }

    fn write(&self, name: &str, data: &[u8]) -> Result<()> {
        check_name(self, name)?;
        let target = self.path(name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(self.io(name))?;
        }
        let tmp = self.write_temp(&target, data).map_err(self.io(name))?;
        fs::rename(&tmp, &target)
            .inspect_err(|_| {
                let _ = fs::remove_file(&tmp);
            })
            .map_err(self.io(name))
    }

    fn write_many(&self, files: &[(String, Vec<u8>)]) -> Result<()> {
        for (name, _) in files {
            check_name(self, name)?;
        }
        // All temporary files first; then their data made durable together;
        // then the renames: each rename still publishes a durable file.
        let mut staged = Vec::with_capacity(files.len());
        let mut handles = Vec::with_capacity(files.len());
        let mut at = "";
        let result = (|| {
            for (name, data) in files {
                at = name;
                let target = self.path(name);
                let dir = target.parent().unwrap_or(&self.root);
                fs::create_dir_all(dir)?;
                let (tmp, mut f) = self.temp_file(dir)?;
                staged.push((tmp, target));
                f.write_all(data)?;
                handles.push(f);
            }
            at = "";
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
        result.map_err(self.io(at))
    }

    fn create_new(&self, name: &str, data: &[u8]) -> Result<bool> {
        check_name(self, name)?;
        let target = self.path(name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(self.io(name))?;
        }
        let tmp = self.write_temp(&target, data).map_err(self.io(name))?;
        // A hard link fails if the target exists: O_EXCL for a complete file.
        let linked = fs::hard_link(&tmp, &target);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                sync_dir(target.parent().unwrap_or(&self.root)).map_err(self.io(name))?;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(self.io(name)(e)),
        }
    }

    fn remove(&self, name: &str) -> Result<()> {
        check_name(self, name)?;
        match fs::remove_file(self.path(name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(self.io(name)(e)),
            _ => Ok(()),
        }
    }

    fn exists(&self, name: &str) -> Result<bool> {
        check_name(self, name)?;
        // Without following a symlink: whatever is there exists.
        match fs::symlink_metadata(self.path(name)) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.io(name)(e)),
        }
    }

    fn list(&self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        if !list_into(&self.root, "", LIST_DEPTH, &mut names).map_err(self.io(""))? {
            return Err(Error::TooMany {
                location: self.location(""),
                max: MAX_LISTED_NAMES,
            });
        }
        names.sort();
        Ok(names)
    }

    fn sync(&self) -> Result<()> {
        sync_dir(&self.root).map_err(self.io(""))
    }

    fn location(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes
    }
}

/// A held lock on a database folder: an advisory `flock` on the folder
/// itself, so no extra file appears in it. Released on drop.
#[derive(Debug)]
struct FolderLock {
    _dir: File,
}

/// What to do when another process holds the folder's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockMode {
    /// Fail at once with [`Error::Locked`].
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
    fn acquire(dir: &Path, mode: LockMode) -> io::Result<Option<Self>> {
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

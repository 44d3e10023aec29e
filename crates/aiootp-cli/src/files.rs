//! Inputs, outputs and secrets: where bytes come from and go, key files,
//! passphrase prompts, and the signal handling that keeps the promises of
//! `docs/security.md`:
//!
//! - an output path that exists and is not a regular file (a device, a
//!   FIFO, `/dev/stdout`, `/dev/fd/N`) is opened and written in place, as
//!   `cat > target` would, never replaced; a symlink is followed;
//! - a new or regular output file is written through an unnamed temporary
//!   file (`O_TMPFILE` on Linux) in the target's folder and given its name
//!   only when complete, so no named file ever holds a partial output;
//! - an input that is not a regular file (stdin, a pipe such as
//!   `<(cat c.bin)`) is read as a stream, never by its reported length.

use crate::error::{CliError, Result};
use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use zeroize::{Zeroize, Zeroizing};

/// Named temporaries to remove if SIGINT or SIGTERM arrives.
static CLEANUP: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the SIGINT/SIGTERM handler: it removes every registered
/// temporary and exits 130 or 143, as a shell reports those signals.
pub fn install_signal_handlers() -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| CliError::io("signal handler", e))?;
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            if let Ok(paths) = CLEANUP.lock() {
                for p in paths.iter() {
                    let _ = std::fs::remove_file(p);
                }
            }
            std::process::exit(128 + sig);
        }
    });
    Ok(())
}

fn register_cleanup(path: &Path) {
    if let Ok(mut paths) = CLEANUP.lock() {
        paths.push(path.to_path_buf());
    }
}

fn unregister_cleanup(path: &Path) {
    if let Ok(mut paths) = CLEANUP.lock() {
        paths.retain(|p| p != path);
    }
}

/// Whether `path` names this process's standard output.
fn is_stdout_path(path: &Path) -> bool {
    path == Path::new("-")
        || path == Path::new("/dev/stdout")
        || path == Path::new("/dev/fd/1")
        || path == Path::new("/proc/self/fd/1")
}

/// Follows a chain of symlinks to the path it finally names (which need
/// not exist), as opening it would.
fn resolve_links(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p).map_err(|e| CliError::io(p.display(), e))?;
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(CliError::io(
        path.display(),
        io::Error::other("too many levels of symbolic links"),
    ))
}

/// Where an output goes, decided before any input is read.
#[derive(Debug)]
pub enum Target {
    /// Standard output (absent, `-`, `/dev/stdout`, `/dev/fd/1`).
    Stdout,
    /// An existing file that is not a regular file: written in place.
    InPlace(PathBuf),
    /// A regular file, published whole under its name; the flag says
    /// whether an existing file may be replaced (`--force`).
    File(PathBuf, bool),
}

impl Target {
    /// Classifies `path` (`None` = standard output). An existing regular
    /// file (or a symlink to one) is refused unless `force`: replacing a
    /// key or a plaintext by mistake loses it.
    ///
    /// # Errors
    /// A usage error for an existing file without `force` or a folder; a
    /// symlink loop, or a path whose folder cannot be used.
    pub fn new(path: Option<&Path>, force: bool) -> Result<Self> {
        let Some(path) = path else {
            return Ok(Self::Stdout);
        };
        if is_stdout_path(path) {
            return Ok(Self::Stdout);
        }
        let real = resolve_links(path)?;
        match std::fs::metadata(&real) {
            Ok(m) if m.is_file() && !force => Err(CliError::usage(format!(
                "{} already exists; give -f/--force to replace it",
                path.display()
            ))),
            Ok(m) if m.is_file() => Ok(Self::File(real, true)),
            Ok(m) if m.is_dir() => Err(CliError::usage(format!(
                "{} is a folder; name a file to write",
                path.display()
            ))),
            Ok(_) => Ok(Self::InPlace(real)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self::File(real, force)),
            Err(e) => Err(CliError::io(path.display(), e)),
        }
    }

    /// Opens the output. Call it only once what will be written is known to
    /// be authentic: a device or FIFO receives the bytes as they are written.
    ///
    /// # Errors
    /// I/O errors, naming the path.
    pub fn open(&self, mode: u32) -> Result<Sink> {
        match self {
            Self::Stdout => Ok(Sink::Stdout(io::stdout().lock())),
            Self::InPlace(p) => {
                let f = OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(p)
                    .map_err(|e| CliError::io(p.display(), e))?;
                Ok(Sink::InPlace(f))
            }
            Self::File(p, replace) => Ok(Sink::File(Staged::new(p, mode, *replace)?)),
        }
    }
}

/// An open output.
#[derive(Debug)]
pub enum Sink {
    /// Standard output.
    Stdout(io::StdoutLock<'static>),
    /// A device, FIFO or other special file, written in place.
    InPlace(File),
    /// A regular file being staged unnamed.
    File(Staged),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Stdout(s) => s.write(buf),
            Self::InPlace(f) => f.write(buf),
            Self::File(s) => s.file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Stdout(s) => s.flush(),
            Self::InPlace(f) => f.flush(),
            Self::File(s) => s.file.flush(),
        }
    }
}

impl Sink {
    /// Finishes the output: flushes, and gives a staged file its name.
    ///
    /// # Errors
    /// I/O errors, naming the output.
    pub fn commit(self) -> Result<()> {
        match self {
            Self::Stdout(mut s) => s.flush().map_err(|e| CliError::io("stdout", e)),
            Self::InPlace(mut f) => f.flush().map_err(|e| CliError::io("output", e)),
            Self::File(s) => s.publish(),
        }
    }
}

/// A file written without a name in its target's folder (`O_TMPFILE`),
/// linked under its name once complete. Where the file system has no
/// `O_TMPFILE`, a named temporary that SIGINT/SIGTERM remove.
#[derive(Debug)]
pub struct Staged {
    file: File,
    target: PathBuf,
    /// Whether an existing target may be replaced; if not, a file that
    /// appeared meanwhile makes the link fail (`O_EXCL` for the whole file).
    replace: bool,
    /// The fallback's temporary name, when `O_TMPFILE` was not available.
    named: Option<tempfile::TempPath>,
}

fn folder_of(target: &Path) -> PathBuf {
    target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

impl Staged {
    fn new(target: &Path, mode: u32, replace: bool) -> Result<Self> {
        let dir = folder_of(target);
        if !dir.is_dir() {
            return Err(CliError::io(
                target.display(),
                format!("the folder {} does not exist", dir.display()),
            ));
        }
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC;
            match rustix::fs::open(&dir, flags, Mode::from_raw_mode(mode)) {
                Ok(fd) => {
                    return Ok(Self {
                        file: File::from(fd),
                        target: target.to_path_buf(),
                        replace,
                        named: None,
                    });
                }
                Err(e)
                    if e != rustix::io::Errno::OPNOTSUPP
                        && e != rustix::io::Errno::ISDIR
                        && e != rustix::io::Errno::NOENT =>
                {
                    return Err(CliError::io(dir.display(), e));
                }
                Err(_) => {}
            }
        }
        let tmp = tempfile::Builder::new()
            .prefix(".aiootp-tmp-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))
            .tempfile_in(&dir)
            // The OS error only: tempfile's message names the temporary.
            .map_err(|e| {
                let bare = e
                    .raw_os_error()
                    .map_or_else(|| io::Error::from(e.kind()), io::Error::from_raw_os_error);
                CliError::io(target.display(), bare)
            })?;
        let (file, path) = tmp.into_parts();
        register_cleanup(&path);
        Ok(Self {
            file,
            target: target.to_path_buf(),
            replace,
            named: Some(path),
        })
    }

    /// The file, for seeking back to the header.
    pub fn file_mut(&mut self) -> &mut File {
        &mut self.file
    }

    fn publish(mut self) -> Result<()> {
        let target = self.target.clone();
        let io_err = |e| CliError::io(target.display(), e);
        self.file.flush().map_err(io_err)?;
        self.file.sync_all().map_err(io_err)?;
        match self.named.take() {
            Some(path) => {
                let name = path.to_path_buf();
                if self.replace {
                    path.persist(&target).map_err(|e| io_err(e.error))?;
                } else {
                    path.persist_noclobber(&target)
                        .map_err(|e| io_err(e.error))?;
                }
                unregister_cleanup(&name);
            }
            None => self.link()?,
        }
        sync_folder(&folder_of(&target));
        Ok(())
    }

    /// Gives the unnamed file its name: `linkat` through `/proc/self/fd`,
    /// straight to the target when it does not exist, else to a fresh name
    /// beside it that is then renamed over it.
    #[cfg(target_os = "linux")]
    fn link(&self) -> Result<()> {
        use rustix::fs::{AtFlags, CWD};
        use std::os::fd::AsRawFd;
        let target = &self.target;
        let proc = format!("/proc/self/fd/{}", self.file.as_raw_fd());
        let link =
            |to: &Path| rustix::fs::linkat(CWD, proc.as_str(), CWD, to, AtFlags::SYMLINK_FOLLOW);
        match link(target) {
            Ok(()) => return Ok(()),
            Err(rustix::io::Errno::EXIST) if self.replace => {}
            Err(rustix::io::Errno::EXIST) => {
                return Err(CliError::usage(format!(
                    "{} already exists; give -f/--force to replace it",
                    target.display()
                )));
            }
            Err(e) => return Err(CliError::io(target.display(), e)),
        }
        let dir = folder_of(target);
        for _ in 0..16 {
            let suffix = aiootp::primitives::bytes_to_hex(
                &aiootp::primitives::token_bytes(8).map_err(|e| CliError::io("CSPRNG", e))?,
            );
            let tmp = dir.join(format!(".aiootp-tmp-{suffix}"));
            register_cleanup(&tmp);
            match link(&tmp) {
                Ok(()) => {
                    let renamed = std::fs::rename(&tmp, target);
                    if renamed.is_err() {
                        let _ = std::fs::remove_file(&tmp);
                    }
                    unregister_cleanup(&tmp);
                    return renamed.map_err(|e| CliError::io(target.display(), e));
                }
                Err(rustix::io::Errno::EXIST) => unregister_cleanup(&tmp),
                Err(e) => {
                    unregister_cleanup(&tmp);
                    return Err(CliError::io(target.display(), e));
                }
            }
        }
        Err(CliError::io(
            target.display(),
            io::Error::other("no free temporary name"),
        ))
    }

    #[cfg(not(target_os = "linux"))]
    fn link(&self) -> Result<()> {
        unreachable!("O_TMPFILE is only used on Linux")
    }
}

/// Makes a rename or link in `dir` durable (best effort: not every file
/// system supports syncing a folder).
fn sync_folder(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// An input: a regular file read directly, or anything else (stdin, a
/// pipe, a device) read as a stream.
#[derive(Debug)]
pub enum Input {
    /// A regular file, seekable, of known length.
    File(File, u64),
    /// Standard input or a non-seekable path.
    Stream(Box<dyn ReadDebug>),
}

/// `Read` that can be shown in `Debug` output (by kind only).
pub trait ReadDebug: Read + Send {}
impl<T: Read + Send> ReadDebug for T {}

impl core::fmt::Debug for dyn ReadDebug {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("stream")
    }
}

impl Input {
    /// Opens `path` (`-` or absent = stdin).
    ///
    /// # Errors
    /// I/O errors, naming the path.
    pub fn open(path: Option<&Path>) -> Result<Self> {
        let Some(p) = path.filter(|p| *p != Path::new("-")) else {
            return Ok(Self::Stream(Box::new(io::stdin())));
        };
        let f = File::open(p).map_err(|e| CliError::io(p.display(), e))?;
        let meta = f.metadata().map_err(|e| CliError::io(p.display(), e))?;
        if meta.is_dir() {
            return Err(CliError::usage(format!(
                "{} is a folder; name a file to read",
                p.display()
            )));
        }
        if meta.is_file() {
            Ok(Self::File(f, meta.len()))
        } else {
            Ok(Self::Stream(Box::new(f)))
        }
    }

    /// The length when it is known in advance.
    pub fn len(&self) -> Option<u64> {
        match self {
            Self::File(_, len) => Some(*len),
            Self::Stream(_) => None,
        }
    }

    /// A seekable copy: the file itself, or (a stream, or `private`) the
    /// input spooled to an unnamed temporary file no other process can
    /// change. Only for inputs that are not secret (a ciphertext): the
    /// spool is on disk until the process ends.
    ///
    /// # Errors
    /// I/O errors.
    pub fn into_seekable(self, private: bool) -> Result<(File, u64)> {
        match self {
            Self::File(f, len) if !private => Ok((f, len)),
            Self::File(f, _) => Self::Stream(Box::new(f)).into_seekable(true),
            Self::Stream(mut r) => {
                let mut spool =
                    tempfile::tempfile().map_err(|e| CliError::io("temporary file", e))?;
                let len = io::copy(&mut r, &mut spool).map_err(|e| CliError::io("input", e))?;
                spool
                    .seek(SeekFrom::Start(0))
                    .map_err(|e| CliError::io("temporary file", e))?;
                Ok((spool, len))
            }
        }
    }
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::File(f, _) => f.read(buf),
            Self::Stream(r) => r.read(buf),
        }
    }
}

/// The largest key file read (keys are 64 bytes; the reference takes any
/// length of at least 64).
const MAX_KEY_FILE: u64 = 1 << 16;

/// Whether `input` (a command's input path) is standard input.
pub fn is_stdin(input: Option<&Path>) -> bool {
    input.is_none_or(|p| p == Path::new("-") || p == Path::new("/dev/stdin"))
}

/// The bytes of a small file (a key, a passphrase, an aad, a JSON value):
/// at most `max` bytes, or an error naming `what`. Pipes and process
/// substitutions (`<(…)`) are read too, bounded the same way; a folder is
/// refused.
pub fn read_bounded(path: &Path, max: u64, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    let shown = path.display();
    let f = File::open(path).map_err(|e| CliError::io(format!("{what} {shown}"), e))?;
    let meta = f
        .metadata()
        .map_err(|e| CliError::io(format!("{what} {shown}"), e))?;
    if meta.is_dir() {
        return Err(CliError::usage(format!(
            "{what} {shown} is a folder; name a file"
        )));
    }
    let too_large = || CliError::usage(format!("{what} {shown} is larger than {max} bytes"));
    if meta.is_file() && meta.len() > max {
        return Err(too_large());
    }
    // Sized once from the file's length, when it has one.
    let cap = usize::try_from(meta.len().min(max)).unwrap_or(0);
    let mut data = Zeroizing::new(Vec::with_capacity(cap.saturating_add(1)));
    f.take(max.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| CliError::io(format!("{what} {shown}"), e))?;
    if data.len() as u64 > max {
        return Err(too_large());
    }
    Ok(data)
}

/// The passphrase in a file: its first line (a file of one line, with or
/// without its newline).
pub fn read_passphrase_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let mut data = read_bounded(path, MAX_PASSPHRASE_LINE as u64 + 2, "passphrase file")?;
    let end = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let end = if end > 0 && data[end - 1] == b'\r' {
        end - 1
    } else {
        end
    };
    if end > MAX_PASSPHRASE_LINE {
        return Err(CliError::usage(format!(
            "the passphrase in {} is longer than {MAX_PASSPHRASE_LINE} bytes",
            path.display()
        )));
    }
    data[end..].zeroize();
    data.truncate(end);
    Ok(data)
}

/// Reads a raw key file (at least 64 bytes). A key file that looks like
/// text (printable characters and a trailing newline, or hex digits only)
/// is refused with a message saying so: it would otherwise fail later as an invalid tag. A
/// key file readable by group or others draws a warning, as ssh gives.
pub fn read_key(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let shown = path.display();
    let key = read_bounded(path, MAX_KEY_FILE, "key file")?;
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "aiootp: warning: key file {shown} is readable by others (run `chmod 600 {shown}`)"
            );
        }
    }
    let is_hex = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_hexdigit);
    let text = key.strip_suffix(b"\n").unwrap_or(&key);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    if text.len() >= 2 * aiootp::chunky2048::MIN_KEY_BYTES && is_hex(text) {
        return Err(CliError::usage(format!(
            "key file {shown} holds hex text; keys are raw bytes (decode it first, e.g. `xxd -r -p`)"
        )));
    }
    // Random key bytes are never all printable (the chance is 2^-90 for 64).
    let printable = text.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
    if key.len() > text.len() && printable {
        return Err(CliError::usage(format!(
            "key file {shown} ends in a newline; keys are raw bytes (was it edited as text? `aiootp keygen -o FILE` makes one)"
        )));
    }
    if key.len() < aiootp::chunky2048::MIN_KEY_BYTES {
        return Err(CliError::usage(format!(
            "key file {shown} holds {} bytes; keys are at least 64 bytes: make one with `aiootp keygen -o FILE`",
            key.len()
        )));
    }
    Ok(key)
}

/// Refuses to write binary output to a terminal when no output was named
/// (`-o -` forces it), as age does.
///
/// # Errors
/// A usage error with a hint.
pub fn refuse_binary_to_terminal(output: Option<&Path>, hint: &str) -> Result<()> {
    if output.is_none() && io::stdout().is_terminal() {
        return Err(CliError::usage(format!(
            "refusing to write binary output to a terminal; {hint}, or -o - to force it"
        )));
    }
    Ok(())
}

/// Writes `data` to `path` (`None` = stdout) by the output rules, a new
/// regular file readable by the owner only.
pub fn write_private(path: Option<&Path>, force: bool, data: &[u8]) -> Result<()> {
    let mut sink = Target::new(path, force)?.open(0o600)?;
    sink.write_all(data)
        .map_err(|e| CliError::io("output", e))?;
    sink.commit()
}

/// A passphrase: prompted without echo on a terminal, else one line of stdin.
pub fn passphrase(prompt: &str) -> Result<Zeroizing<Vec<u8>>> {
    if io::stdin().is_terminal() {
        let p = Zeroizing::new(
            rpassword::prompt_password(prompt).map_err(|e| CliError::io("passphrase prompt", e))?,
        );
        return Ok(Zeroizing::new(p.as_bytes().to_vec()));
    }
    read_secret_line()
}

/// A passphrase for something made or opened under it: the first line of
/// `file`, else asked on the terminal (twice when `confirm`, and the two
/// must match), else one line of stdin, unless `data_on_stdin` (then
/// stdin is the data and the passphrase must come from a file).
pub fn passphrase_from(
    file: Option<&Path>,
    confirm: bool,
    data_on_stdin: bool,
) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(f) = file {
        return read_passphrase_file(f);
    }
    if io::stdin().is_terminal() {
        let pass = passphrase("passphrase: ")?;
        if confirm {
            let again = passphrase("passphrase again: ")?;
            if !aiootp::primitives::bytes_are_equal(&pass, &again) {
                return Err(CliError::usage(
                    "the two passphrases differ; nothing was written",
                ));
            }
        }
        return Ok(pass);
    }
    if data_on_stdin {
        return Err(CliError::usage(
            "the data is on stdin, so the passphrase cannot be: give --passphrase-file FILE, or run on a terminal",
        ));
    }
    read_secret_line()
}

/// The longest passphrase line read from stdin.
const MAX_PASSPHRASE_LINE: usize = 4096;

/// One line of stdin, read straight from the file descriptor a byte at a
/// time into one buffer sized once: std's `Stdin` would keep a copy in its
/// own buffer, which is never wiped. The rest of stdin is left unread.
fn read_secret_line() -> Result<Zeroizing<Vec<u8>>> {
    let fd = rustix::stdio::stdin();
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_PASSPHRASE_LINE));
    let mut byte = [0u8; 1];
    loop {
        match rustix::io::read(fd, &mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => {
                if line.len() == MAX_PASSPHRASE_LINE {
                    byte.zeroize();
                    return Err(CliError::usage(format!(
                        "the passphrase on stdin is longer than {MAX_PASSPHRASE_LINE} bytes"
                    )));
                }
                line.push(byte[0]);
            }
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(CliError::io("stdin", e)),
        }
    }
    byte.zeroize();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

/// All of stdin.
pub fn read_stdin() -> Result<Zeroizing<Vec<u8>>> {
    let mut data = Zeroizing::new(Vec::new());
    io::stdin()
        .read_to_end(&mut data)
        .map_err(|e| CliError::io("stdin", e))?;
    Ok(data)
}

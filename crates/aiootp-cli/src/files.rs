//! Inputs, outputs and secrets: stdin/stdout or files, atomic output files,
//! key files, passphrase prompts.

use crate::error::{CliError, Result};
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// An input path, `-` or absent meaning stdin.
pub fn open_input(path: Option<&Path>) -> Result<(Box<dyn Read>, Option<u64>)> {
    match path {
        None => Ok((Box::new(io::stdin().lock()), None)),
        Some(p) if p == Path::new("-") => Ok((Box::new(io::stdin().lock()), None)),
        Some(p) => {
            let f = File::open(p).map_err(|e| CliError::io(p.display(), e))?;
            let len = f.metadata().ok().map(|m| m.len());
            Ok((Box::new(f), len))
        }
    }
}

/// Where output goes: a temporary file beside the target, renamed over it
/// only when complete (never a half-written file under the final name), or
/// a temporary file copied to stdout when complete.
pub struct Output {
    tmp: tempfile::NamedTempFile,
    target: Option<PathBuf>,
}

impl Output {
    /// Prepares output to `path` (`-` or absent = stdout).
    pub fn new(path: Option<&Path>) -> Result<Self> {
        let target = path.filter(|p| *p != Path::new("-")).map(Path::to_path_buf);
        let dir = match &target {
            Some(t) => t
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            None => std::env::temp_dir(),
        };
        let tmp =
            tempfile::NamedTempFile::new_in(&dir).map_err(|e| CliError::io(dir.display(), e))?;
        Ok(Self { tmp, target })
    }

    /// The temporary file being written.
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// Publishes the complete output: renames the file into place, or copies it to stdout.
    pub fn commit(mut self) -> Result<()> {
        let f = self.tmp.as_file_mut();
        f.flush().map_err(|e| CliError::io("output", e))?;
        match self.target {
            Some(target) => {
                f.sync_all()
                    .map_err(|e| CliError::io(target.display(), e))?;
                self.tmp
                    .persist(&target)
                    .map_err(|e| CliError::io(target.display(), e.error))?;
                Ok(())
            }
            None => {
                let mut f = self
                    .tmp
                    .reopen()
                    .map_err(|e| CliError::io("temporary file", e))?;
                let mut out = io::stdout().lock();
                io::copy(&mut f, &mut out).map_err(|e| CliError::io("stdout", e))?;
                out.flush().map_err(|e| CliError::io("stdout", e))
            }
        }
    }
}

/// Reads a raw key file (at least 64 bytes).
pub fn read_key(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let key = Zeroizing::new(
        std::fs::read(path).map_err(|e| CliError::io(format!("key file {}", path.display()), e))?,
    );
    if key.len() < aiootp::chunky2048::MIN_KEY_BYTES {
        return Err(CliError::usage(format!(
            "key file {} holds {} bytes; keys are at least 64 bytes: make one with `aiootp keygen -o FILE`",
            path.display(),
            key.len()
        )));
    }
    Ok(key)
}

/// Writes a file readable by the owner only, atomically.
pub fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    let mut out = Output::new(Some(path))?;
    out.file()
        .write_all(data)
        .map_err(|e| CliError::io(path.display(), e))?;
    out.commit()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| CliError::io(path.display(), e))?;
    }
    Ok(())
}

/// A passphrase: prompted without echo on a terminal, else one line of stdin.
pub fn passphrase(prompt: &str) -> Result<Zeroizing<Vec<u8>>> {
    if io::stdin().is_terminal() {
        let p =
            rpassword::prompt_password(prompt).map_err(|e| CliError::io("passphrase prompt", e))?;
        return Ok(Zeroizing::new(p.into_bytes()));
    }
    let mut line = String::new();
    io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::io("stdin", e))?;
    let trimmed = line.trim_end_matches(['\n', '\r']).as_bytes().to_vec();
    Ok(Zeroizing::new(trimmed))
}

/// All of stdin.
pub fn read_stdin() -> Result<Zeroizing<Vec<u8>>> {
    let mut data = Zeroizing::new(Vec::new());
    io::stdin()
        .read_to_end(&mut data)
        .map_err(|e| CliError::io("stdin", e))?;
    Ok(data)
}

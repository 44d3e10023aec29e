//! Known-answer drivers for **aiootp for Rust**: every vector file and
//! database fixture the reference's generators write (`shared/kat/README.md`
//! is the schema), recognised by content, run case by case.
//!
//! ```
//! let path = aiootp_kat::pinned_dir().join("chunky2048.json");
//! let json = aiootp_kat::read_json(&path).ok_or("not JSON")?;
//! let kind = aiootp_kat::recognise(&path, &json).ok_or("not a vector file")?;
//! let mut tally = aiootp_kat::Tally::default();
//! aiootp_kat::run_file(&path, &json, kind, false, &mut tally);
//! assert_eq!(tally.failed, 0, "{:?}", tally.failures);
//! println!("{}", tally.summary()); // N passed, M failed, K skipped
//! # Ok::<(), &str>(())
//! ```
//!
//! The full sets live in `../shared/kat` beside the repository and run in
//! `cargo xtask kat`; a pinned subset of every file is committed in this
//! crate's `vectors/` folder, so `cargo test` runs vector tests on any clone.
//! This crate is test support (`publish = false`): no library depends on it.

pub mod chunky2048;
pub mod db;
pub mod fields;
pub mod keygens;
mod tally;

pub use tally::{Outcome, Tally};

use serde_json::Value;
use std::path::{Path, PathBuf};

/// What a file under a vector folder is, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorKind {
    /// A Chunky2048 vector file: an array whose first case is `meta`.
    Chunky2048,
    /// A keygens vector file (`"schema": "aiootp-0.22.0/keygens-kat/v1"`).
    Keygens,
    /// A database fixture's `expected.json`.
    DatabaseFixture,
}

/// Recognises a parsed file (README "Recognising files").
#[must_use]
pub fn recognise(path: &Path, json: &Value) -> Option<VectorKind> {
    let first_kind = json
        .as_array()
        .and_then(|a| a.first())
        .and_then(|m| m.get("kind"))
        .and_then(Value::as_str);
    if path.file_name().is_some_and(|n| n == "expected.json")
        && json.get("format").and_then(Value::as_str) == Some("aiootp-0.22.0-database-kat")
    {
        Some(VectorKind::DatabaseFixture)
    } else if first_kind == Some("meta") {
        Some(VectorKind::Chunky2048)
    } else if json.get("schema").and_then(Value::as_str) == Some("aiootp-0.22.0/keygens-kat/v1") {
        Some(VectorKind::Keygens)
    } else {
        None
    }
}

/// Parses a file that starts (after blanks) with `[` or `{`; anything else
/// is not a vector file.
#[must_use]
pub fn read_json(path: &Path) -> Option<Value> {
    let bytes = std::fs::read(path).ok()?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'[' && *first != b'{' {
        return None;
    }
    serde_json::from_slice(&bytes).ok()
}

/// Runs one recognised file (`large`: also the cases of 512 MiB and more).
pub fn run_file(path: &Path, json: &Value, kind: VectorKind, large: bool, tally: &mut Tally) {
    let name = path.display().to_string();
    match kind {
        VectorKind::Chunky2048 => chunky2048::run_file(&name, json, tally),
        VectorKind::Keygens => keygens::run(path, json, large, tally),
        VectorKind::DatabaseFixture => {
            let dir = path.parent().unwrap_or(path);
            let name = dir.display().to_string();
            for (id, result) in db::run_fixture(dir, json) {
                tally.record(&format!("{name}#{id}"), result);
            }
        }
    }
}

/// Runs every recognised file and fixture folder under `dir`.
///
/// # Errors
/// When `dir` is not a readable folder.
pub fn run_dir(dir: &Path, large: bool) -> Result<Tally, String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let mut tally = Tally::default();
    for path in files_under(dir)? {
        let Some(json) = read_json(&path) else {
            continue;
        };
        if let Some(kind) = recognise(&path, &json) {
            run_file(&path, &json, kind, large, &mut tally);
        }
    }
    Ok(tally)
}

/// Every regular file below `dir`, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for entry in entries.flatten() {
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                stack.push(entry.path());
            } else if ft.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The pinned subset committed with this crate.
#[must_use]
pub fn pinned_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// The environment variable that hides `../shared`, to test a lone clone.
pub const NO_SHARED_ENV: &str = "AIOOTP_NO_SHARED";
/// The environment variable under which a skipped prerequisite is a failure.
pub const REQUIRE_ALL_ENV: &str = "AIOOTP_REQUIRE_ALL";

/// `../shared` beside the repository, unless absent or hidden by
/// [`NO_SHARED_ENV`].
#[must_use]
pub fn shared_dir() -> Option<PathBuf> {
    if std::env::var_os(NO_SHARED_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        return None;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    dir.join("kat").is_dir().then_some(dir)
}

/// Whether [`REQUIRE_ALL_ENV`] is set (CI sets it).
#[must_use]
pub fn require_all() -> bool {
    std::env::var_os(REQUIRE_ALL_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Says a test is skipped because `what` is missing, or, under
/// [`REQUIRE_ALL_ENV`], returns the failure to report.
///
/// # Errors
/// Under [`REQUIRE_ALL_ENV`]: the skip as an error.
pub fn skip(test: &str, what: &str) -> Result<(), String> {
    if require_all() {
        return Err(format!(
            "{test}: {what} is missing, and {REQUIRE_ALL_ENV}=1 makes that a failure"
        ));
    }
    eprintln!("SKIPPED {test}: {what} is missing");
    Ok(())
}

/// Copies the folder `from` (read-only in CI) into a new temporary folder.
///
/// # Errors
/// I/O errors, as text.
pub fn copy_to_temp(from: &Path) -> Result<PathBuf, String> {
    let suffix =
        aiootp_core::bytes_to_hex(&aiootp_core::token_bytes(8).map_err(|e| e.to_string())?);
    let to = std::env::temp_dir().join(format!("aiootp-kat-{suffix}"));
    copy_dir(from, &to).map_err(|e| format!("copying {}: {e}", from.display()))?;
    Ok(to)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
            // The copy must be writable even when the source was not.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

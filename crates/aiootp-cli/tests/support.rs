//! Helpers shared by the CLI's end-to-end tests (each test file includes
//! this one with `#[path = "support.rs"] mod support;`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // not every test file uses every helper

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `aiootp` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_aiootp");

/// Runs `aiootp ARGS` with `stdin` as its input.
pub fn aiootp(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit before reading its input (a bad key file): a
    // broken pipe here is expected then.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// A new empty folder under the temporary folder.
pub fn temp(prefix: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "aiootp-{prefix}-{}",
        hex::encode(aiootp::primitives::token_bytes(6).unwrap())
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A path as the `&str` an argument list takes.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

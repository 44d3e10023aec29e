//! The CLI on a terminal, driven in a pseudo-terminal (`rexpect`):
//! passphrase prompts do not echo and are confirmed, binary output to a
//! terminal is refused, and the progress bar appears on a terminal but
//! not in a pipe.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

#[path = "support.rs"]
mod support;

use rexpect::process::wait::WaitStatus;
use rexpect::session::PtySession;
use std::path::Path;
use std::process::Command;
use support::{BIN, aiootp, s};

const PASS: &str = "correct horse battery staple";
const TIMEOUT_MS: Option<u64> = Some(60_000);

fn spawn(args: &[&str], dir: &Path) -> PtySession {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(dir);
    rexpect::session::spawn_command(cmd, TIMEOUT_MS).unwrap()
}

/// Waits for the exit and returns its code.
fn exit_code(p: &PtySession) -> i32 {
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("not a normal exit: {other:?}"),
    }
}

#[test]
fn passphrase_prompts_do_not_echo_and_are_confirmed() {
    let d = support::temp("pty");
    std::fs::write(d.join("plain"), b"terminal secret").unwrap();
    // Encrypt: asked twice; the typed passphrase never shows.
    let mut p = spawn(
        &[
            "encrypt", "-p", "--mb", "1", "--cpu", "1", "--cores", "1", "-o", "enc", "plain",
        ],
        &d,
    );
    p.exp_string("passphrase: ").unwrap();
    p.send_line(PASS).unwrap();
    p.exp_string("passphrase again: ").unwrap();
    p.send_line(PASS).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(
        !rest.contains("horse"),
        "the passphrase was echoed: {rest:?}"
    );
    assert_eq!(exit_code(&p), 0);
    // Decrypt: asked once, no echo, the plaintext written.
    let mut p = spawn(&["decrypt", "-o", "back", "enc"], &d);
    p.exp_string("passphrase: ").unwrap();
    p.send_line(PASS).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(
        !rest.contains("horse"),
        "the passphrase was echoed: {rest:?}"
    );
    assert_eq!(exit_code(&p), 0);
    assert_eq!(std::fs::read(d.join("back")).unwrap(), b"terminal secret");
    // Two passphrases that differ: exit 2, nothing written.
    let mut p = spawn(
        &[
            "encrypt", "-p", "--mb", "1", "--cpu", "1", "--cores", "1", "-o", "enc2", "plain",
        ],
        &d,
    );
    p.exp_string("passphrase: ").unwrap();
    p.send_line(PASS).unwrap();
    p.exp_string("passphrase again: ").unwrap();
    p.send_line("correct horse battery stapler").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("differ"), "{rest:?}");
    assert_eq!(exit_code(&p), 2);
    assert!(!d.join("enc2").exists());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn passcrypt_and_profile_prompts_do_not_echo() {
    let d = support::temp("pty");
    let mut p = spawn(
        &[
            "passcrypt",
            "hash",
            "--mb",
            "1",
            "--cpu",
            "1",
            "--cores",
            "1",
        ],
        &d,
    );
    p.exp_string("passphrase: ").unwrap();
    p.send_line(PASS).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(!rest.contains("horse"), "{rest:?}");
    assert_eq!(exit_code(&p), 0);
    // `db init --profile` on a terminal confirms the new passphrase.
    let db = d.join("db");
    let args = [
        "db",
        "--path",
        s(&db),
        "--profile",
        "alice",
        "--mb",
        "1",
        "--cpu",
        "1",
        "--cores",
        "1",
        "init",
    ];
    let mut p = spawn(&args, &d);
    p.exp_string("passphrase: ").unwrap();
    p.send_line(PASS).unwrap();
    p.exp_string("passphrase again: ").unwrap();
    p.send_line("not the same passphrase").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 2);
    let mut p = spawn(&args, &d);
    p.exp_string("passphrase: ").unwrap();
    p.send_line(PASS).unwrap();
    p.exp_string("passphrase again: ").unwrap();
    p.send_line(PASS).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(!rest.contains("horse"), "{rest:?}");
    assert_eq!(exit_code(&p), 0);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn binary_output_to_a_terminal_is_refused() {
    let d = support::temp("pty");
    assert!(
        aiootp(&["keygen", "-o", s(&d.join("k"))], b"")
            .status
            .success()
    );
    std::fs::write(d.join("plain"), b"data").unwrap();
    for args in [
        &["encrypt", "--key-file", "k", "plain"][..],
        &["keygen"][..],
    ] {
        let mut p = spawn(args, &d);
        let rest = p.exp_eof().unwrap();
        assert!(rest.contains("terminal"), "{args:?}: {rest:?}");
        assert_eq!(exit_code(&p), 2, "{args:?}");
    }
    // --armor is text: it is written to the terminal, one line.
    let mut p = spawn(&["encrypt", "--key-file", "k", "--armor", "plain"], &d);
    let rest = p.exp_eof().unwrap();
    assert!(
        rest.trim_end()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(exit_code(&p), 0);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn progress_bar_on_a_terminal_only() {
    let d = support::temp("pty");
    assert!(
        aiootp(&["keygen", "-o", s(&d.join("k"))], b"")
            .status
            .success()
    );
    std::fs::write(d.join("big"), vec![7u8; 48 << 20]).unwrap();
    let mut p = spawn(&["encrypt", "--key-file", "k", "-o", "big.enc", "big"], &d);
    let seen = p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    assert!(
        seen.contains("MiB"),
        "no progress bar on the terminal: {seen:?}"
    );
    // In a pipe: nothing on stderr.
    let o = Command::new(BIN)
        .args(["decrypt", "--key-file", "k", "-o", "big.out", "big.enc"])
        .current_dir(&d)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&d).unwrap();
}

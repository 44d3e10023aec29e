//! The CLI's file promises under hostile conditions (docs/security.md):
//! signals in the middle of a decryption, special files and symlinks as
//! outputs, pipes as inputs. Each case here failed on the main of
//! 2026-12-01 (c0ac563).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)] // tests fail loudly by design

#[path = "support.rs"]
mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{BIN, aiootp, s};

fn temp() -> PathBuf {
    support::temp("trust")
}

/// A key and the ciphertext of `len` pseudo-random bytes under it.
fn setup(dir: &Path, len: usize) -> (PathBuf, PathBuf, Vec<u8>) {
    let key = dir.join("key");
    assert!(aiootp(&["keygen", "-o", s(&key)], b"").status.success());
    let plain: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
    let pt = dir.join("plain");
    std::fs::write(&pt, &plain).unwrap();
    let ct = dir.join("ct");
    let o = aiootp(
        &["encrypt", "--key-file", s(&key), "-o", s(&ct), s(&pt)],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_file(&pt).unwrap();
    (key, ct, plain)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// Reads `fifo` in a `cat` child process; [`finish_reader`] collects it.
fn fifo_reader(fifo: &Path) -> Child {
    Command::new("cat")
        .arg(fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// What the reader got, or a failure if it still waits after 10 s (its
/// FIFO was replaced, so no writer ever came).
fn finish_reader(mut reader: Child) -> Vec<u8> {
    let started = Instant::now();
    while reader.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = reader.kill();
            let _ = reader.wait();
            panic!("the FIFO's reader never got a writer: the FIFO was replaced");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = Vec::new();
    reader.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    out
}

fn signal(child: &Child, sig: &str) {
    assert!(
        Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
}

/// Starts `decrypt` of a 96 MiB ciphertext whose last byte is flipped,
/// signals it once it is working, and checks that no file it could have
/// named holds anything: `out/` stays empty and so does its `$TMPDIR`.
fn interrupted_decrypt(sig: &str, want_code: Option<i32>, to_stdout: bool) {
    let d = temp();
    let (key, ct, _) = setup(&d, 96 << 20);
    let mut bytes = std::fs::read(&ct).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&ct, &bytes).unwrap();
    drop(bytes);
    let out = d.join("out");
    let tmpdir = d.join("tmp");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&tmpdir).unwrap();
    let target = out.join("p");
    let mut args = vec!["decrypt", "--key-file", s(&key), s(&ct)];
    if !to_stdout {
        args.extend(["-o", s(&target)]);
    }
    let mut child = Command::new(BIN)
        .args(&args)
        .env("TMPDIR", &tmpdir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let running = child.try_wait().unwrap().is_none();
    signal(&child, sig);
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(running, "the decryption ended before the signal");
    if let Some(c) = want_code {
        assert_eq!(status.code(), Some(c), "exit code after {sig}");
    }
    assert!(stdout.is_empty(), "plaintext reached stdout");
    assert_eq!(entries(&out), Vec::<String>::new(), "files left in out/");
    assert_eq!(
        entries(&tmpdir),
        Vec::<String>::new(),
        "files left in TMPDIR"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn sigint_during_decrypt_leaves_no_plaintext_file() {
    interrupted_decrypt("-INT", Some(130), false);
}

#[test]
fn sigterm_during_decrypt_leaves_no_plaintext_file() {
    interrupted_decrypt("-TERM", Some(143), false);
}

#[test]
fn sigkill_during_decrypt_leaves_no_plaintext_file() {
    interrupted_decrypt("-KILL", None, false);
}

#[test]
fn sigterm_during_decrypt_to_stdout_stages_nothing_in_tmpdir() {
    interrupted_decrypt("-TERM", Some(143), true);
}

#[test]
fn a_forged_ciphertext_creates_no_output_file_at_all() {
    let d = temp();
    let (key, ct, _) = setup(&d, 3000);
    let mut bytes = std::fs::read(&ct).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&ct, &bytes).unwrap();
    let out = d.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let o = aiootp(
        &[
            "decrypt",
            "--key-file",
            s(&key),
            "-o",
            s(&out.join("p")),
            s(&ct),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert_eq!(entries(&out), Vec::<String>::new());
    // To stdout: nothing at all is written, not even the first blocks.
    let o = aiootp(&["decrypt", "--key-file", s(&key), s(&ct)], b"");
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_fifo_output_is_written_in_place_not_replaced() {
    let d = temp();
    let (key, ct, plain) = setup(&d, 5000);
    let fifo = d.join("fifo");
    mkfifo(&fifo);
    let reader = fifo_reader(&fifo);
    let o = aiootp(
        &["decrypt", "--key-file", s(&key), "-o", s(&fifo), s(&ct)],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        finish_reader(reader),
        plain,
        "the FIFO's reader got the plaintext"
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_symlink_output_is_followed_not_replaced() {
    let d = temp();
    let (key, ct, plain) = setup(&d, 700);
    let real = d.join("real");
    let link = d.join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    // A dangling link: the file it names is created.
    let o = aiootp(
        &["decrypt", "--key-file", s(&key), "-o", s(&link), s(&ct)],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&real).unwrap(), plain);
    // keygen through the same link (a key file is private).
    std::fs::remove_file(&real).unwrap();
    assert!(aiootp(&["keygen", "-o", s(&link)], b"").status.success());
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&real).unwrap().len(), 64);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn dev_stdout_is_standard_output() {
    let d = temp();
    let (key, ct, plain) = setup(&d, 300);
    let o = aiootp(
        &[
            "decrypt",
            "--key-file",
            s(&key),
            "-o",
            "/dev/stdout",
            s(&ct),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.stdout, plain);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_character_device_output_is_written_in_place() {
    if !is_root() {
        if aiootp_kat::require_all() {
            panic!("this test needs root (mknod), and AIOOTP_REQUIRE_ALL=1 is set");
        }
        eprintln!("SKIPPED a_character_device_output_is_written_in_place: needs root (mknod)");
        return;
    }
    let d = temp();
    let (key, ct, _) = setup(&d, 300);
    let null = d.join("null");
    assert!(
        Command::new("mknod")
            .args([s(&null), "c", "1", "3"])
            .status()
            .unwrap()
            .success()
    );
    for args in [
        vec!["decrypt", "--key-file", s(&key), "-o", s(&null), s(&ct)],
        vec!["encrypt", "--key-file", s(&key), "-o", s(&null), s(&ct)],
        vec!["keygen", "-o", s(&null)],
    ] {
        let o = aiootp(&args, b"");
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        use std::os::unix::fs::FileTypeExt;
        let ft = std::fs::symlink_metadata(&null).unwrap().file_type();
        assert!(ft.is_char_device(), "{args:?} replaced the device node");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_pipe_path_input_reads_like_stdin() {
    let d = temp();
    let (key, ct, plain) = setup(&d, 2000);
    let has_bash = Command::new("bash")
        .arg("-c")
        .arg("true")
        .status()
        .is_ok_and(|s| s.success());
    assert!(has_bash, "bash is needed for process substitution");
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{BIN}' decrypt --key-file '{}' <(cat '{}')",
            s(&key),
            s(&ct)
        ))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.stdout, plain);
    // And encryption from a pipe path, read back.
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "printf hello | '{BIN}' encrypt --key-file '{k}' /dev/stdin | '{BIN}' decrypt --key-file '{k}' <(cat)",
            k = s(&key)
        ))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.stdout, b"hello");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn encrypt_to_a_fifo_writes_the_whole_ciphertext_in_place() {
    let d = temp();
    let (key, _, _) = setup(&d, 10);
    let pt = d.join("pt");
    std::fs::write(&pt, b"to a fifo").unwrap();
    let fifo = d.join("fifo");
    mkfifo(&fifo);
    let reader = fifo_reader(&fifo);
    let o = aiootp(
        &["encrypt", "--key-file", s(&key), "-o", s(&fifo), s(&pt)],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ct = finish_reader(reader);
    let back = d.join("ct");
    std::fs::write(&back, &ct).unwrap();
    let o = aiootp(&["decrypt", "--key-file", s(&key), s(&back)], b"");
    assert_eq!(o.stdout, b"to a fifo");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn db_values_come_from_stdin_or_a_file_and_go_to_any_output() {
    let d = temp();
    let key = d.join("key");
    assert!(aiootp(&["keygen", "-o", s(&key)], b"").status.success());
    let db = d.join("db");
    std::fs::create_dir_all(&db).unwrap();
    let base = ["db", "--path", s(&db), "--key-file", s(&key)];
    let run = |extra: &[&str], stdin: &[u8]| {
        let args: Vec<&str> = base.iter().copied().chain(extra.iter().copied()).collect();
        aiootp(&args, stdin)
    };
    // `-`: the secret is read from stdin, never from argv.
    let o = run(&["set", "pw", "-"], br#"{"password": "hunter2"}"#);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let jf = d.join("value.json");
    std::fs::write(&jf, b"[1, 2]").unwrap();
    assert!(
        run(&["set", "list", "--json-file", s(&jf)], b"")
            .status
            .success()
    );
    let o = run(&["get", "pw"], b"");
    assert_eq!(o.stdout, b"{\"password\": \"hunter2\"}\n");
    // get -o: a symlink is followed and a FIFO written in place.
    let real = d.join("real");
    let link = d.join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert!(run(&["get", "list", "-o", s(&link)], b"").status.success());
    assert_eq!(std::fs::read(&real).unwrap(), b"[1, 2]\n");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let fifo = d.join("fifo");
    mkfifo(&fifo);
    let reader = fifo_reader(&fifo);
    assert!(run(&["get", "list", "-o", s(&fifo)], b"").status.success());
    assert_eq!(finish_reader(reader), b"[1, 2]\n");
    // Bad JSON on stdin: a usage error that does not quote the value.
    let o = run(&["set", "x", "-"], b"{\"secret\": hunter2}");
    assert_eq!(o.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("hunter2"));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn passcrypt_sizes_are_checked_before_memory_is_taken() {
    for (flag, value) in [
        ("--salt-size", "100000000000"),
        ("--tag-size", "100000000000"),
        ("--tag-size", "100000"),
    ] {
        let o = aiootp(
            &[
                "passcrypt",
                "hash",
                "--mb",
                "1",
                "--cpu",
                "2",
                "--cores",
                "1",
                flag,
                value,
            ],
            b"a long enough passphrase\n",
        );
        assert_eq!(
            o.status.code(),
            Some(2),
            "{flag} {value}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.stdout.is_empty(), "{flag} {value} printed a hash");
    }
    // The largest tag still works.
    let o = aiootp(
        &[
            "passcrypt",
            "hash",
            "--mb",
            "1",
            "--cpu",
            "2",
            "--cores",
            "1",
            "--tag-size",
            "4096",
        ],
        b"a long enough passphrase\n",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

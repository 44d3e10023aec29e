//! Passphrase files (`encrypt -p`, docs/passphrase-files.md), profiles
//! with the reference's knobs, the database's own encryption, binary-safe
//! names and aad, and messages in the CLI's words. The Python side of each
//! format runs in `cargo xtask interop`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

#[path = "support.rs"]
mod support;

use std::path::{Path, PathBuf};
use support::{aiootp, s};

const PASS: &[u8] = b"correct horse battery staple\n";
const LIGHT: [&str; 6] = ["--mb", "1", "--cpu", "1", "--cores", "1"];

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn setup() -> (PathBuf, PathBuf, PathBuf) {
    let d = support::temp("pass");
    let pw = d.join("pw");
    std::fs::write(&pw, PASS).unwrap();
    let plain = d.join("plain");
    std::fs::write(&plain, b"passphrase secret \x00\xff").unwrap();
    (d, pw, plain)
}

fn encrypt_p(pw: &Path, plain: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["encrypt", "--passphrase-file", s(pw), "-o", s(out)];
    args.extend(LIGHT);
    args.extend(extra);
    args.push(s(plain));
    let o = aiootp(&args, b"");
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn passphrase_files_round_trip() {
    let (d, pw, plain) = setup();
    let want = std::fs::read(&plain).unwrap();
    let enc = d.join("enc");
    encrypt_p(&pw, &plain, &enc, &["--aad", "v1"]);
    let bytes = std::fs::read(&enc).unwrap();
    assert!(bytes.starts_with(b"aiootp-passphrase/v1\n"));
    // The header carries the work: mb 1, cpu 1, cores 1.
    assert_eq!(&bytes[21..29], &[0, 0, 0, 1, 0, 1, 0, 1]);
    // From the file, and from one line of stdin (the input is a file).
    let o = aiootp(
        &[
            "decrypt",
            "--passphrase-file",
            s(&pw),
            "--aad",
            "v1",
            s(&enc),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(o.stdout, want);
    let o = aiootp(&["decrypt", "-p", "--aad-hex", "7631", s(&enc)], PASS);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(o.stdout, want);
    // Armored: one line, read back by itself.
    let armored = d.join("enc.txt");
    encrypt_p(&pw, &plain, &armored, &["--armor"]);
    let o = aiootp(&["decrypt", "--passphrase-file", s(&pw), s(&armored)], b"");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(o.stdout, want);
    // Data on stdin with the passphrase in a file.
    let o = aiootp(
        &[
            "encrypt",
            "--passphrase-file",
            s(&pw),
            "-o",
            s(&d.join("e2")),
            LIGHT[0],
            LIGHT[1],
            LIGHT[2],
            LIGHT[3],
            LIGHT[4],
            LIGHT[5],
        ],
        b"from stdin",
    );
    assert!(o.status.success(), "{}", err(&o));
    let o = aiootp(
        &["decrypt", "--passphrase-file", s(&pw)],
        &std::fs::read(d.join("e2")).unwrap(),
    );
    assert_eq!(o.stdout, b"from stdin");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn wrong_passphrase_writes_nothing() {
    let (d, pw, plain) = setup();
    let enc = d.join("enc");
    encrypt_p(&pw, &plain, &enc, &[]);
    let out = d.join("out");
    let o = aiootp(
        &["decrypt", "-o", s(&out), s(&enc)],
        b"correct horse battery stapler\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(!out.exists());
    assert!(o.stdout.is_empty());
    // A wrong aad is the same failure.
    let o = aiootp(&["decrypt", "--aad", "x", "-o", s(&out), s(&enc)], PASS);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn changed_header_does_not_authenticate() {
    let (d, pw, plain) = setup();
    let enc = d.join("enc");
    encrypt_p(&pw, &plain, &enc, &[]);
    let good = std::fs::read(&enc).unwrap();
    // Every header field (mb, cpu, cores 1 → 3: valid, another key), the
    // salt, and the first ciphertext byte.
    for at in [24usize, 26, 28, 40, 60, 61] {
        let mut bad = good.clone();
        bad[at] ^= 2;
        std::fs::write(&enc, &bad).unwrap();
        let o = aiootp(&["decrypt", "--passphrase-file", s(&pw), s(&enc)], b"");
        assert_eq!(o.status.code(), Some(1), "byte {at}: {}", err(&o));
        assert!(o.stdout.is_empty());
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn decrypt_refuses_hostile_passphrase_headers() {
    let (d, pw, plain) = setup();
    let enc = d.join("enc");
    encrypt_p(&pw, &plain, &enc, &[]);
    let good = std::fs::read(&enc).unwrap();
    // 4 GiB of memory, asked by the file: refused before any work.
    let mut bad = good.clone();
    bad[21..25].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    bad[27..29].copy_from_slice(&[1, 0]);
    std::fs::write(&enc, &bad).unwrap();
    let o = aiootp(&["decrypt", "--passphrase-file", s(&pw), s(&enc)], b"");
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("--max-mb"), "{}", err(&o));
    // Zero cores cannot be: a damaged file.
    let mut bad = good.clone();
    bad[27..29].copy_from_slice(&[0, 0]);
    std::fs::write(&enc, &bad).unwrap();
    let o = aiootp(&["decrypt", "--passphrase-file", s(&pw), s(&enc)], b"");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    // Cut inside the header.
    std::fs::write(&enc, &good[..40]).unwrap();
    let o = aiootp(&["decrypt", "--passphrase-file", s(&pw), s(&enc)], b"");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn passphrase_options_are_checked() {
    let (d, pw, plain) = setup();
    assert!(
        aiootp(&["keygen", "-o", s(&d.join("k"))], b"")
            .status
            .success()
    );
    // Work without -p, a key with -p, data and passphrase both on stdin.
    for (args, stdin) in [
        (
            vec![
                "encrypt",
                "--key-file",
                s(&d.join("k")),
                "--mb",
                "2",
                "-o",
                s(&d.join("x")),
                s(&plain),
            ],
            &b""[..],
        ),
        (
            vec!["encrypt", "-p", "--key-file", s(&d.join("k")), s(&plain)],
            b"",
        ),
        (
            vec!["encrypt", "-p", "-o", s(&d.join("y"))],
            b"correct horse battery staple\ndata",
        ),
        (
            vec![
                "encrypt",
                "-p",
                "--cores",
                "0",
                "-o",
                s(&d.join("y")),
                s(&plain),
            ],
            PASS,
        ),
    ] {
        let o = aiootp(&args, stdin);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
    }
    // A passphrase file given a key, a key file given a passphrase file.
    let enc = d.join("enc");
    encrypt_p(&pw, &plain, &enc, &[]);
    let o = aiootp(&["decrypt", "--key-file", s(&d.join("k")), s(&enc)], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("passphrase"), "{}", err(&o));
    let kenc = d.join("kenc");
    let o = aiootp(
        &[
            "encrypt",
            "--key-file",
            s(&d.join("k")),
            "-o",
            s(&kenc),
            s(&plain),
        ],
        b"",
    );
    assert!(o.status.success());
    let o = aiootp(&["decrypt", "--passphrase-file", s(&pw), s(&kenc)], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--key-file"), "{}", err(&o));
    // A short passphrase points to `aiootp mnemonic`.
    std::fs::write(&pw, b"short\n").unwrap();
    let o = aiootp(
        &[
            "encrypt",
            "--passphrase-file",
            s(&pw),
            "-o",
            s(&d.join("z")),
            s(&plain),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("aiootp mnemonic"), "{}", err(&o));
    assert!(!d.join("z").exists());
    std::fs::remove_dir_all(&d).unwrap();
}

fn profile_args<'a>(db: &'a str, pw: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "db",
        "--path",
        db,
        "--profile",
        "alice",
        "--passphrase-file",
        pw,
    ];
    v.extend(LIGHT);
    v.extend(extra);
    v
}

#[test]
fn profiles_take_credentials_salt_aad_and_settings() {
    let (d, pw, _) = setup();
    let db = d.join("db");
    let (db, pw) = (s(&db).to_owned(), s(&pw).to_owned());
    let knobs = [
        "--credential",
        "server",
        "--credential",
        "-email",
        "--salt-hex",
        "00ff00ff",
        "--aad",
        "prof",
    ];
    let run = |extra: &[&str], cmd: &[&str], stdin: &[u8]| {
        let mut a = profile_args(&db, &pw, extra);
        a.extend(cmd);
        aiootp(&a, stdin)
    };
    let o = run(&knobs, &["init"], b"");
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&knobs, &["set", "t", "[1, 2]"], b"");
    assert!(o.status.success(), "{}", err(&o));
    // The profile's aad may come after a subcommand without its own aad.
    let mut after = knobs[..6].to_vec();
    after.extend(["get", "t", "--aad", "prof"]);
    let o = run(&[], &after, b"");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(o.stdout, b"[1, 2]\n");
    // Any knob changed is another profile: exit 1, nothing made.
    let before: Vec<_> = std::fs::read_dir(&db).unwrap().collect();
    for (i, changed) in [
        [
            "--credential",
            "server",
            "--credential",
            "-emai1",
            "--salt-hex",
            "00ff00ff",
            "--aad",
            "prof",
        ],
        [
            "--credential",
            "-email",
            "--credential",
            "server",
            "--salt-hex",
            "00ff00ff",
            "--aad",
            "prof",
        ],
        [
            "--credential",
            "server",
            "--credential",
            "-email",
            "--salt-hex",
            "00ff00fe",
            "--aad",
            "prof",
        ],
        [
            "--credential",
            "server",
            "--credential",
            "-email",
            "--salt-hex",
            "00ff00ff",
            "--aad",
            "pro",
        ],
    ]
    .iter()
    .enumerate()
    {
        let o = run(changed, &["set", "u", "1"], b"");
        assert_eq!(o.status.code(), Some(1), "case {i}: {}", err(&o));
        assert!(err(&o).contains("db init"), "{}", err(&o));
    }
    let mut more_work = vec![
        "db",
        "--path",
        &db,
        "--profile",
        "alice",
        "--passphrase-file",
        &pw,
        "--mb",
        "2",
        "--cpu",
        "1",
        "--cores",
        "1",
    ];
    more_work.extend(knobs);
    more_work.extend(["get", "t"]);
    let o = aiootp(&more_work, b"");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert_eq!(std::fs::read_dir(&db).unwrap().count(), before.len());
    // Profile knobs without --profile are a usage error.
    let o = aiootp(
        &[
            "db",
            "--path",
            &db,
            "--key-file",
            &pw,
            "--credential",
            "x",
            "list",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn database_encrypts_with_its_own_keys() {
    let (d, _, plain) = setup();
    let want = std::fs::read(&plain).unwrap();
    let k = d.join("k");
    assert!(aiootp(&["keygen", "-o", s(&k)], b"").status.success());
    let db = d.join("db");
    let base = ["db", "--path", s(&db), "--key-file", s(&k)];
    let run = |cmd: &[&str], stdin: &[u8]| aiootp(&[&base[..], cmd].concat(), stdin);
    assert!(run(&["init"], b"").status.success());
    let enc = d.join("enc");
    let o = run(
        &[
            "encrypt",
            "--filename",
            "f",
            "--aad",
            "a",
            "-o",
            s(&enc),
            s(&plain),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&["decrypt", "--filename", "f", "--aad", "a", s(&enc)], b"");
    assert_eq!(o.stdout, want, "{}", err(&o));
    // The filename-hex form is the same filename; another filename fails.
    let o = run(
        &[
            "decrypt",
            "--filename-hex",
            "66",
            "--aad-hex",
            "61",
            s(&enc),
        ],
        b"",
    );
    assert_eq!(o.stdout, want, "{}", err(&o));
    let o = run(&["decrypt", "--filename", "g", "--aad", "a", s(&enc)], b"");
    assert_eq!(o.status.code(), Some(1));
    // It is not the key file's own cipher.
    let o = aiootp(
        &["decrypt", "--key-file", s(&k), "--aad", "a", s(&enc)],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    // Tokens, from an argument or stdin.
    let o = run(&["token", "make", "--filename", "f"], b"tok data");
    assert!(o.status.success(), "{}", err(&o));
    let token = String::from_utf8(o.stdout).unwrap();
    let o = run(&["token", "read", "--filename", "f", token.trim()], b"");
    assert_eq!(o.stdout, b"tok data", "{}", err(&o));
    let o = run(&["token", "read", "--filename", "f"], token.as_bytes());
    assert_eq!(o.stdout, b"tok data", "{}", err(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn names_and_aad_take_any_bytes() {
    let (d, _, _) = setup();
    let k = d.join("k");
    assert!(aiootp(&["keygen", "-o", s(&k)], b"").status.success());
    let db = d.join("db");
    let base = ["db", "--path", s(&db), "--key-file", s(&k)];
    let run = |cmd: &[&str], stdin: &[u8]| aiootp(&[&base[..], cmd].concat(), stdin);
    // A tag named "a\0\nb" (argv cannot carry the NUL).
    let o = run(&["set", "--tag-hex", "61000a62", "\"nul\""], b"");
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&["list", "--hex"], b"");
    assert_eq!(o.stdout, b"61000a62\n");
    let o = run(&["get", "--tag-hex", "61000a62"], b"");
    assert_eq!(o.stdout, b"\"nul\"\n", "{}", err(&o));
    // Metatags by hex; rm-metatag by hex.
    let o = run(&["--metatag-hex", "6d0a", "set", "x", "1"], b"");
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&["list", "--hex"], b"");
    assert_eq!(o.stdout, b"61000a62\n6d0a/\n");
    let o = run(&["--metatag-hex", "6d0a", "get", "x"], b"");
    assert_eq!(o.stdout, b"1\n");
    let o = run(&["rm-metatag", "--name-hex", "6d0a"], b"");
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&["rm", "--tag-hex", "61000a62"], b"");
    assert!(o.status.success(), "{}", err(&o));
    assert!(run(&["list"], b"").stdout.is_empty());
    // Non-UTF-8 names are refused (names are text to the database).
    let o = run(&["set", "--tag-hex", "ff", "1"], b"");
    assert_eq!(o.status.code(), Some(2));
    // An aad of any bytes: text, hex and file forms are the same bytes.
    let aad_file = d.join("aad");
    std::fs::write(&aad_file, b"\x00\xffaad").unwrap();
    let o = aiootp(
        &[
            "token",
            "make",
            "--key-file",
            s(&k),
            "--aad-file",
            s(&aad_file),
        ],
        b"x",
    );
    let token = String::from_utf8(o.stdout).unwrap();
    let o = aiootp(
        &[
            "token",
            "read",
            "--key-file",
            s(&k),
            "--aad-hex",
            "00ffaad",
            token.trim(),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2), "odd hex is refused");
    let o = aiootp(
        &[
            "token",
            "read",
            "--key-file",
            s(&k),
            "--aad-hex",
            "00ff616164",
            token.trim(),
        ],
        b"",
    );
    assert_eq!(o.stdout, b"x", "{}", err(&o));
    let o = run(&["hmac", "make", "--aad-file", s(&aad_file)], b"data");
    let mac = String::from_utf8(o.stdout).unwrap();
    let o = run(
        &["hmac", "test", "--aad-hex", "00ff616164", mac.trim()],
        b"data",
    );
    assert!(o.status.success(), "{}", err(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn messages_speak_the_cli() {
    let (d, pw, plain) = setup();
    let internal = [
        "LockMode",
        "AllowedRanges",
        "mnemonic()",
        "nanoseconds",
        "mb:",
        ".aiootp-tmp",
        ".tmp",
        "Error",
        "InvalidShmac",
    ];
    let check = |o: &std::process::Output| {
        let e = err(o);
        assert!(e.starts_with("aiootp: error: "), "{e}");
        for word in internal {
            assert!(!e.contains(word), "{word:?} in {e}");
        }
    };
    // Passcrypt: too much memory per core, too short, too old.
    check(&aiootp(&["passcrypt", "hash", "--mb", "100000000"], PASS));
    check(&aiootp(&["passcrypt", "hash"], b"short\n"));
    let o = aiootp(
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
        PASS,
    );
    let hash = String::from_utf8(o.stdout).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let o = aiootp(&["passcrypt", "verify", "--ttl", "1", hash.trim()], PASS);
    assert_eq!(o.status.code(), Some(1));
    check(&o);
    let o = aiootp(&["passcrypt", "hash", "--mb", "1", "--cores", "16"], PASS);
    let wide = String::from_utf8(o.stdout).unwrap();
    check(&aiootp(&["passcrypt", "verify", wide.trim()], PASS));
    // Output into a folder that does not exist.
    let o = aiootp(
        &[
            "encrypt",
            "--passphrase-file",
            s(&pw),
            "-o",
            s(&d.join("nodir/out")),
            s(&plain),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(3));
    check(&o);
    // Not a ciphertext at all.
    assert!(
        aiootp(&["keygen", "-o", s(&d.join("k"))], b"")
            .status
            .success()
    );
    let o = aiootp(&["decrypt", "--key-file", s(&d.join("k")), s(&plain)], b"");
    assert_eq!(o.status.code(), Some(1));
    check(&o);
    assert!(err(&o).contains("not an aiootp ciphertext"), "{}", err(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

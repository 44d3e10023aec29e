//! Defaults that never destroy data, and the armored form: each case here
//! failed on the main of 2026-12-01 (c0ac563).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)] // tests fail loudly by design

#[path = "support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::{BIN, aiootp, s};

fn temp() -> PathBuf {
    support::temp("defaults")
}

fn key(dir: &Path) -> PathBuf {
    let k = dir.join("key");
    assert!(aiootp(&["keygen", "-o", s(&k)], b"").status.success());
    k
}

#[test]
fn keygen_never_replaces_a_key_without_force() {
    let d = temp();
    let k = key(&d);
    let old = std::fs::read(&k).unwrap();
    let o = aiootp(&["keygen", "-o", s(&k)], b"");
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read(&k).unwrap(), old, "the old key was replaced");
    // A symlink to the key counts as the key.
    let link = d.join("link");
    std::os::unix::fs::symlink(&k, &link).unwrap();
    assert_eq!(
        aiootp(&["keygen", "-o", s(&link)], b"").status.code(),
        Some(2)
    );
    assert_eq!(std::fs::read(&k).unwrap(), old);
    // --force replaces it.
    assert!(aiootp(&["keygen", "-f", "-o", s(&k)], b"").status.success());
    assert_ne!(std::fs::read(&k).unwrap(), old);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn encrypt_and_decrypt_refuse_an_existing_output_before_reading_input() {
    let d = temp();
    let k = key(&d);
    let existing = d.join("existing");
    std::fs::write(&existing, b"precious").unwrap();
    let missing_input = d.join("no-such-input");
    for cmd in ["encrypt", "decrypt"] {
        // The input does not exist: the refusal comes first (exit 2, not 3).
        let o = aiootp(
            &[
                cmd,
                "--key-file",
                s(&k),
                "-o",
                s(&existing),
                s(&missing_input),
            ],
            b"",
        );
        assert_eq!(
            o.status.code(),
            Some(2),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(std::fs::read(&existing).unwrap(), b"precious");
    }
    // With --force it is replaced; `-o -` is stdout and never refused.
    let pt = d.join("pt");
    std::fs::write(&pt, b"new").unwrap();
    let o = aiootp(
        &[
            "encrypt",
            "--key-file",
            s(&k),
            "-f",
            "-o",
            s(&existing),
            s(&pt),
        ],
        b"",
    );
    assert!(o.status.success());
    let o = aiootp(
        &["decrypt", "--key-file", s(&k), "-o", "-", s(&existing)],
        b"",
    );
    assert_eq!(o.stdout, b"new");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn armor_is_the_reference_token_and_decrypt_recognises_it() {
    let d = temp();
    let k = key(&d);
    let cipher = aiootp::Chunky2048::new(&std::fs::read(&k).unwrap()).unwrap();
    for size in [0usize, 5, 300, 3_000_000] {
        let data: Vec<u8> = (0..size).map(|i| (i * 31 % 253) as u8).collect();
        let pt = d.join("pt");
        std::fs::write(&pt, &data).unwrap();
        let o = aiootp(
            &[
                "encrypt",
                "--key-file",
                s(&k),
                "--aad",
                "ctx",
                "--armor",
                s(&pt),
            ],
            b"",
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = String::from_utf8(o.stdout).unwrap();
        // Exactly the token: no newline (Python's read_token would count it).
        assert!(!text.contains('\n'), "one line, no newline");
        let token = text.as_str();
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        // What Python's Chunky2048(key).read_token reads (the library is
        // byte-compatible; `cargo xtask interop` checks it in Python).
        assert_eq!(
            cipher.read_token(token, b"ctx", 0).unwrap(),
            data,
            "size {size}"
        );
        // decrypt recognises the armored form, from a file and a pipe.
        let armored = d.join("armored");
        std::fs::write(&armored, text.as_bytes()).unwrap();
        let o = aiootp(
            &["decrypt", "--key-file", s(&k), "--aad", "ctx", s(&armored)],
            b"",
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(o.stdout, data);
        let o = aiootp(
            &["decrypt", "--key-file", s(&k), "--aad", "ctx"],
            text.as_bytes(),
        );
        assert_eq!(o.stdout, data);
        // A changed character is an authentication failure, nothing written.
        let mut bad = text.clone().into_bytes();
        bad[70] = if bad[70] == b'A' { b'B' } else { b'A' };
        let o = aiootp(&["decrypt", "--key-file", s(&k), "--aad", "ctx"], &bad);
        assert_eq!(o.status.code(), Some(1));
        assert!(o.stdout.is_empty());
    }
    // A reference token (made by the library) decrypts from the CLI.
    let token = cipher.make_token(b"from python", b"").unwrap();
    let o = aiootp(&["decrypt", "--key-file", s(&k)], token.as_bytes());
    assert_eq!(o.stdout, b"from python");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn binary_output_to_a_terminal_is_refused() {
    let has_script = Command::new("script").arg("--version").output().is_ok();
    if !has_script {
        if aiootp_kat::require_all() {
            panic!(
                "`script` (util-linux) is needed for a pseudo-terminal, and AIOOTP_REQUIRE_ALL=1 is set"
            );
        }
        eprintln!("SKIPPED binary_output_to_a_terminal_is_refused: `script` is missing");
        return;
    }
    let d = temp();
    let k = key(&d);
    let pt = d.join("pt");
    std::fs::write(&pt, b"binary").unwrap();
    // `script` gives the command a pseudo-terminal as stdout.
    let on_tty = |cmd: &str| {
        Command::new("script")
            .args(["-qec", cmd, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let o = on_tty(&format!(
        "'{BIN}' encrypt --key-file '{}' '{}'",
        s(&k),
        s(&pt)
    ));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("--armor"));
    let o = on_tty(&format!("'{BIN}' keygen"));
    assert_eq!(o.status.code(), Some(2));
    // --armor is text; `-o -` forces binary.
    let o = on_tty(&format!(
        "'{BIN}' encrypt --armor --key-file '{}' '{}'",
        s(&k),
        s(&pt)
    ));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = on_tty(&format!(
        "'{BIN}' encrypt -o - --key-file '{}' '{}'",
        s(&k),
        s(&pt)
    ));
    assert_eq!(o.status.code(), Some(0));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_wrong_key_never_makes_a_second_database() {
    let d = temp();
    let k = key(&d);
    let wrong = d.join("wrong");
    std::fs::write(&wrong, [3u8; 64]).unwrap();
    let db = d.join("db1");
    let run = |key: &Path, args: &[&str], stdin: &[u8]| {
        let mut all = vec!["db", "--path", s(&db), "--key-file", s(key)];
        all.extend_from_slice(args);
        aiootp(&all, stdin)
    };
    // A folder that does not exist yet: the first write creates it.
    assert!(run(&k, &["set", "a", "1"], b"").status.success());
    let before: Vec<_> = std::fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    // A mistyped key: refused, exit 1, nothing written, `db init` named.
    let o = run(&wrong, &["set", "z", "1"], b"");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("db init"));
    let after: Vec<_> = std::fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before.len(), after.len(), "files were written");
    // Reads of a missing database are errors too.
    for args in [&["get", "a"][..], &["list"][..], &["dump"][..]] {
        assert_eq!(run(&wrong, args, b"").status.code(), Some(1), "{args:?}");
    }
    // `db init` creates the second database on purpose; then it is usable.
    let o = run(&wrong, &["init"], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        run(&wrong, &["init"], b"").status.code(),
        Some(1),
        "init twice"
    );
    assert!(run(&wrong, &["set", "z", "1"], b"").status.success());
    assert_eq!(run(&k, &["get", "a"], b"").stdout, b"1\n");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn mirror_into_the_same_folder_works() {
    let d = temp();
    let k = key(&d);
    let k2 = d.join("k2");
    std::fs::write(&k2, [5u8; 64]).unwrap();
    let db = d.join("db");
    let base = ["db", "--path", s(&db)];
    let with = |key: &Path, args: &[&str]| {
        let mut all: Vec<&str> = base.to_vec();
        all.extend(["--key-file", s(key)]);
        all.extend_from_slice(args);
        aiootp(&all, b"")
    };
    assert!(with(&k, &["set", "t", "[1, 2]"]).status.success());
    let o = with(&k, &["mirror", "--to", s(&db), "--new-key-file", s(&k2)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(with(&k2, &["get", "t"]).stdout, b"[1, 2]\n");
    assert_eq!(with(&k, &["get", "t"]).stdout, b"[1, 2]\n");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn text_looking_key_files_are_named_for_what_they_are() {
    let d = temp();
    let k = key(&d);
    let raw = std::fs::read(&k).unwrap();
    let hex_key = d.join("hex");
    std::fs::write(&hex_key, hex::encode(&raw)).unwrap();
    let newline_key = d.join("newline");
    std::fs::write(&newline_key, [&b"a".repeat(64)[..], b"\n"].concat()).unwrap();
    for (path, want) in [(&hex_key, "hex"), (&newline_key, "newline")] {
        let o = aiootp(&["encrypt", "--key-file", s(path), "-o", "-"], b"x");
        assert_eq!(o.status.code(), Some(2), "{want}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want) && err.contains("raw bytes"), "{err}");
    }
    // A key readable by others works, with a warning.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = aiootp(&["encrypt", "--key-file", s(&k), "-o", "-"], b"x");
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("readable by others"));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn options_go_before_or_after_and_values_may_start_with_a_dash() {
    let d = temp();
    let k = key(&d);
    let db = d.join("db");
    // Database options after the subcommand; a negative number as a value.
    let o = aiootp(
        &[
            "db",
            "set",
            "n",
            "-5",
            "--path",
            s(&db),
            "--key-file",
            s(&k),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = aiootp(
        &["db", "--path", s(&db), "get", "n", "--key-file", s(&k)],
        b"",
    );
    assert_eq!(o.stdout, b"-5\n");
    // A token that starts with `-` is still a token.
    let cipher = aiootp::Chunky2048::new(&std::fs::read(&k).unwrap()).unwrap();
    let token = loop {
        let t = cipher.make_token(b"dash", b"").unwrap();
        if t.starts_with('-') {
            break t;
        }
    };
    let o = aiootp(&["token", "read", "--key-file", s(&k), &token], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.stdout, b"dash");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn passcrypt_phc_wider_limits_and_mnemonics() {
    let pass = b"a long enough passphrase\n";
    let hash = |extra: &[&str]| {
        let mut args = vec!["passcrypt", "hash", "--mb", "1", "--cpu", "2"];
        args.extend_from_slice(extra);
        aiootp(&args, pass)
    };
    // --cores 16 hashes; verify refuses it by default and takes --max-cores.
    let o = hash(&["--cores", "16"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let hex_hash = String::from_utf8(o.stdout).unwrap();
    let o = aiootp(&["passcrypt", "verify", hex_hash.trim()], pass);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--max-cores"));
    let o = aiootp(
        &["passcrypt", "verify", "--max-cores", "16", hex_hash.trim()],
        pass,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // --phc prints the PHC string; verify takes it.
    let o = hash(&["--cores", "1", "--phc"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let phc = String::from_utf8(o.stdout).unwrap();
    assert!(
        phc.starts_with("$passcrypt$v=1$mb=1,cpu=2,cores=1,ts="),
        "{phc}"
    );
    assert!(
        aiootp(&["passcrypt", "verify", phc.trim()], pass)
            .status
            .success()
    );
    let o = aiootp(
        &["passcrypt", "verify", phc.trim()],
        b"the wrong passphrase!\n",
    );
    assert_eq!(o.status.code(), Some(1));
    // A PHC string outside the default ranges is over the limit, never
    // "not a PHC string": the caller's limits are the only limits.
    let o = hash(&["--cores", "16", "--phc"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wide = String::from_utf8(o.stdout).unwrap();
    let o = aiootp(&["passcrypt", "verify", wide.trim()], pass);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--max-cores") && !err.contains("not a passcrypt"),
        "{err}"
    );
    let o = aiootp(
        &["passcrypt", "verify", "--max-cores", "16", wide.trim()],
        pass,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A short passphrase points to `aiootp mnemonic`, which works.
    let o = aiootp(&["passcrypt", "hash", "--mb", "1"], b"short\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("aiootp mnemonic"));
    let o = aiootp(&["mnemonic", "--words", "5"], b"");
    assert!(o.status.success());
    let words = String::from_utf8(o.stdout).unwrap();
    assert_eq!(words.split_whitespace().count(), 5);
    let words_list = aiootp::passcrypt::internal::WORD_LIST;
    assert!(words.split_whitespace().all(|w| words_list.contains(&w)));
}

#[test]
fn db_values_are_stored_exactly_as_the_reference_stores_them() {
    let d = temp();
    let k = key(&d);
    let db = d.join("db");
    // Each stored text is CPython's json.dumps(json.loads(value)).
    for (value, stored) in [
        ("18446744073709551616", "18446744073709551616"),
        ("[1, [18446744073709551616]]", "[1, [18446744073709551616]]"),
        ("-0", "0"),
        ("NaN", "NaN"),
        ("-Infinity", "-Infinity"),
        ("1e309", "Infinity"),
        ("\"\\ud800\"", "\"\\ud800\""),
        ("{\"a\":1}", "{\"a\": 1}"),
    ] {
        let o = aiootp(
            &[
                "db",
                "--path",
                s(&db),
                "--key-file",
                s(&k),
                "set",
                "v",
                value,
            ],
            b"",
        );
        assert!(
            o.status.success(),
            "{value}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = aiootp(
            &["db", "--path", s(&db), "--key-file", s(&k), "get", "v"],
            b"",
        );
        assert_eq!(
            String::from_utf8(o.stdout).unwrap(),
            format!("{stored}\n"),
            "{value}"
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn db_hmacs_ttl_and_metatag_removal() {
    let d = temp();
    let k = key(&d);
    let db = d.join("db");
    let run = |args: &[&str], stdin: &[u8]| {
        let mut all = vec!["db", "--path", s(&db), "--key-file", s(&k)];
        all.extend_from_slice(args);
        aiootp(&all, stdin)
    };
    assert!(run(&["set", "t", "1"], b"").status.success());
    // hmac make / test, with aad.
    let o = run(&["hmac", "make", "--aad", "ctx"], b"some data");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mac = String::from_utf8(o.stdout).unwrap();
    assert_eq!(mac.trim().len(), 64);
    assert!(
        run(&["hmac", "test", mac.trim(), "--aad", "ctx"], b"some data")
            .status
            .success()
    );
    assert_eq!(
        run(&["hmac", "test", mac.trim(), "--aad", "ctx"], b"other data")
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(&["hmac", "test", mac.trim()], b"some data")
            .status
            .code(),
        Some(1)
    );
    // The library's make_hmac gives the same bytes.
    let lib = aiootp::db::Database::open_with(
        &std::fs::read(&k).unwrap(),
        &db,
        aiootp::db::OpenOptions {
            mode: aiootp::db::OpenMode::Existing,
            lock: aiootp::db::LockMode::None,
            ..aiootp::db::OpenOptions::default()
        },
    )
    .unwrap();
    let want = lib.make_hmac(&[b"some data"], b"ctx").unwrap();
    assert_eq!(mac.trim(), hex::encode(want));
    drop(lib);
    // get --ttl: a value saved just now passes a 1-hour ttl.
    assert_eq!(run(&["get", "t", "--ttl", "3600"], b"").stdout, b"1\n");
    // rm-metatag removes it and its files.
    assert!(
        run(&["--metatag", "m", "set", "x", "2"], b"")
            .status
            .success()
    );
    let files = || std::fs::read_dir(&db).unwrap().count();
    let with_metatag = files();
    let o = run(&["rm-metatag", "m"], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(files() < with_metatag);
    assert!(
        !String::from_utf8(run(&["list"], b"").stdout)
            .unwrap()
            .contains("m/")
    );
    assert_eq!(run(&["rm-metatag", "m"], b"").status.code(), Some(2));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn dumps_are_unambiguous_and_load_back_exactly() {
    let d = temp();
    let k = key(&d);
    let (db1, db2) = (d.join("db1"), d.join("db2"));
    let run = |db: &Path, args: &[&str], stdin: &[u8]| {
        let mut all = vec!["db", "--path", s(db), "--key-file", s(&k)];
        all.extend_from_slice(args);
        aiootp(&all, stdin)
    };
    let bytes = d.join("bytes");
    std::fs::write(&bytes, [0u8]).unwrap();
    for args in [
        &["set", "looks_like_bytes", r#"{"$bytes": "00"}"#][..],
        &["set", "bytes", "--file", s(&bytes)][..],
        &["set", "looks_like_nan", r#"{"$python_json": "NaN"}"#][..],
        &["set", "nan", "NaN"][..],
        &["set", "big", "18446744073709551616"][..],
        &["--metatag", "inner", "set", "x", "[1, 2.5]"][..],
    ] {
        let o = run(&db1, args, b"");
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let dump = run(&db1, &["dump"], b"").stdout;
    let tree: serde_json::Value = serde_json::from_slice(&dump).unwrap();
    assert_ne!(tree["tags"]["looks_like_bytes"], tree["tags"]["bytes"]);
    assert_ne!(tree["tags"]["looks_like_nan"], tree["tags"]["nan"]);
    let file = d.join("dump.json");
    std::fs::write(&file, &dump).unwrap();
    let o = run(&db2, &["load", s(&file)], b"");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        run(&db2, &["dump"], b"").stdout,
        dump,
        "the loaded database dumps the same"
    );
    for tag in ["looks_like_bytes", "bytes", "looks_like_nan", "nan", "big"] {
        assert_eq!(
            run(&db2, &["get", tag], b"").stdout,
            run(&db1, &["get", tag], b"").stdout,
            "{tag}"
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}

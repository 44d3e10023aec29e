//! End-to-end tests of the `aiootp` binary, including inputs made by the
//! reference (the shared vectors and database fixture).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation
)] // tests fail loudly by design

#[path = "support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use support::aiootp;

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn temp() -> PathBuf {
    support::temp("cli")
}

fn keyfile(dir: &Path) -> String {
    let k = dir.join("key");
    assert_eq!(
        code(&aiootp(&["keygen", "-o", k.to_str().unwrap()], b"")),
        0
    );
    k.to_str().unwrap().to_owned()
}

/// The reference-made vectors: the full set in `../shared/kat`, or the
/// pinned subset committed in `aiootp-kat` where that is absent.
fn kat_dir() -> PathBuf {
    aiootp_kat::shared_dir().map_or_else(aiootp_kat::pinned_dir, |s| s.join("kat"))
}

#[test]
fn keygen_writes_a_private_64_byte_key() {
    let d = temp();
    let k = keyfile(&d);
    assert_eq!(std::fs::metadata(&k).unwrap().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&k).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn encrypt_decrypt_files_and_pipes() {
    let d = temp();
    let k = keyfile(&d);
    for size in [0usize, 1, 235, 236, 3_000_000] {
        let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let (plain, ct, back) = (d.join("p"), d.join("c"), d.join("b"));
        std::fs::write(&plain, &data).unwrap();
        let o = aiootp(
            &[
                "encrypt",
                "--key-file",
                &k,
                "--aad",
                "ctx",
                "-f",
                "-o",
                ct.to_str().unwrap(),
                plain.to_str().unwrap(),
            ],
            b"",
        );
        assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            std::fs::metadata(&ct).unwrap().len() as usize,
            aiootp::chunky2048::ciphertext_len(size)
        );
        let o = aiootp(
            &[
                "decrypt",
                "--key-file",
                &k,
                "--aad",
                "ctx",
                "-f",
                "-o",
                back.to_str().unwrap(),
                ct.to_str().unwrap(),
            ],
            b"",
        );
        assert_eq!(code(&o), 0);
        assert_eq!(std::fs::read(&back).unwrap(), data);
        // The output is the library's bytes format.
        let cipher = aiootp::chunky2048::Chunky2048::new(&std::fs::read(&k).unwrap()).unwrap();
        assert_eq!(
            cipher
                .bytes_decrypt(&std::fs::read(&ct).unwrap(), b"ctx", 0)
                .unwrap(),
            data
        );
        // Through pipes.
        let o = aiootp(&["encrypt", "--key-file", &k], &data);
        let o = aiootp(&["decrypt", "--key-file", &k], &o.stdout);
        assert_eq!(code(&o), 0);
        assert_eq!(o.stdout, data);
    }
}

#[test]
fn bad_input_gives_one_line_errors_and_no_output() {
    let d = temp();
    let k = keyfile(&d);
    let ct = aiootp(&["encrypt", "--key-file", &k], b"secret data").stdout;
    let out = d.join("never");
    let decrypt = |input: &[u8], extra: &[&str]| {
        let mut args = vec!["decrypt", "--key-file", &k, "-o", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        aiootp(&args, input)
    };
    let mut tampered = ct.clone();
    tampered[70] ^= 1;
    for (input, extra) in [
        (&tampered[..], &[][..]),
        (&ct[..], &["--aad", "wrong"][..]),
        (&ct[..ct.len() - 1], &[][..]),
        (&ct[..10], &[][..]),
    ] {
        let o = decrypt(input, extra);
        assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
        assert!(!out.exists(), "unauthenticated plaintext was written");
    }
    let o = aiootp(
        &["decrypt", "--key-file", d.join("missing").to_str().unwrap()],
        &ct,
    );
    assert_eq!(code(&o), 3);
    std::fs::write(d.join("short"), [1u8; 10]).unwrap();
    let o = aiootp(
        &["encrypt", "--key-file", d.join("short").to_str().unwrap()],
        b"x",
    );
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("keygen"));
    assert_eq!(
        code(&aiootp(&["encrypt"], b"")),
        2,
        "clap usage errors exit 2"
    );
}

#[test]
fn reference_made_ciphertexts_and_tokens_decrypt() {
    let cases: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(kat_dir().join("chunky2048.json")).unwrap()).unwrap();
    let d = temp();
    let mut n = 0;
    for c in cases
        .iter()
        .filter(|c| c["aad"] == "" && (c["kind"] == "bytes" || c["kind"] == "token"))
    {
        let key = d.join("k");
        std::fs::write(&key, hex::decode(c["key"].as_str().unwrap()).unwrap()).unwrap();
        let plain = hex::decode(c["plaintext"].as_str().unwrap()).unwrap();
        let o = if c["kind"] == "bytes" {
            aiootp(
                &["decrypt", "--key-file", key.to_str().unwrap()],
                &hex::decode(c["ciphertext"].as_str().unwrap()).unwrap(),
            )
        } else {
            aiootp(
                &[
                    "token",
                    "read",
                    "--key-file",
                    key.to_str().unwrap(),
                    c["token"].as_str().unwrap(),
                ],
                b"",
            )
        };
        assert_eq!(
            code(&o),
            0,
            "{}: {}",
            c["id"],
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.stdout, plain, "{}", c["id"]);
        n += 1;
    }
    assert!(n >= 2, "only {n} cases");
}

#[test]
fn tokens_round_trip() {
    let d = temp();
    let k = keyfile(&d);
    let o = aiootp(&["token", "make", "--key-file", &k, "--aad", "a"], b"hello");
    let token = String::from_utf8(o.stdout).unwrap();
    let o = aiootp(
        &[
            "token",
            "read",
            "--key-file",
            &k,
            "--aad",
            "a",
            "--ttl",
            "60",
        ],
        token.as_bytes(),
    );
    assert_eq!(o.stdout, b"hello");
    let o = aiootp(
        &["token", "read", "--key-file", &k, "--aad", "b"],
        token.as_bytes(),
    );
    assert_eq!(code(&o), 1);
}

#[test]
fn passcrypt_hash_and_verify_from_stdin() {
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
        b"correct horse battery\n",
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let hash = String::from_utf8(o.stdout).unwrap();
    assert_eq!(hash.trim().len(), 2 * 38, "14 + 8 + 16 bytes in hex");
    let ok = aiootp(
        &["passcrypt", "verify", hash.trim()],
        b"correct horse battery\n",
    );
    assert_eq!(code(&ok), 0);
    let bad = aiootp(
        &["passcrypt", "verify", hash.trim()],
        b"wrong horse battery\n",
    );
    assert_eq!(code(&bad), 1);
    let short = aiootp(&["passcrypt", "hash", "--mb", "1"], b"short\n");
    assert_eq!(code(&short), 2);
    assert!(String::from_utf8_lossy(&short.stderr).contains("mnemonic"));
}

#[test]
fn database_commands() {
    let d = temp();
    let k = keyfile(&d);
    let db = d.join("db");
    std::fs::create_dir(&db).unwrap();
    let p = db.to_str().unwrap();
    let run = |args: &[&str], stdin: &[u8]| {
        let mut all = vec!["db", "--path", p, "--key-file", &k];
        all.extend_from_slice(args);
        aiootp(&all, stdin)
    };
    assert_eq!(code(&run(&["set", "greeting", "\"hello\""], b"")), 0);
    std::fs::write(d.join("blob"), [0u8, 1, 2, 255]).unwrap();
    assert_eq!(
        code(&run(
            &["set", "blob", "--file", d.join("blob").to_str().unwrap()],
            b""
        )),
        0
    );
    assert_eq!(
        code(&run(&["--metatag", "inner", "set", "n", "[1, 2.5]"], b"")),
        0
    );
    assert_eq!(run(&["get", "greeting"], b"").stdout, b"\"hello\"\n");
    assert_eq!(run(&["get", "blob"], b"").stdout, [0u8, 1, 2, 255]);
    assert_eq!(
        run(&["--metatag", "inner", "get", "n"], b"").stdout,
        b"[1, 2.5]\n"
    );
    let list = String::from_utf8(run(&["list"], b"").stdout).unwrap();
    assert!(list.contains("greeting") && list.contains("inner/"));
    let dump: serde_json::Value = serde_json::from_slice(&run(&["dump"], b"").stdout).unwrap();
    assert_eq!(dump["tags"]["blob"]["$bytes"], "000102ff");
    assert_eq!(dump["metatags"]["inner"]["tags"]["n"][1], 2.5);
    assert_eq!(code(&run(&["rm", "greeting"], b"")), 0);
    assert_eq!(code(&run(&["get", "greeting"], b"")), 2);
    let other = d.join("other");
    std::fs::create_dir(&other).unwrap();
    let k2 = d.join("k2");
    std::fs::write(&k2, [9u8; 64]).unwrap();
    assert_eq!(
        code(&run(
            &[
                "mirror",
                "--to",
                other.to_str().unwrap(),
                "--new-key-file",
                k2.to_str().unwrap()
            ],
            b""
        )),
        0
    );
    let o = aiootp(
        &[
            "db",
            "--path",
            other.to_str().unwrap(),
            "--key-file",
            k2.to_str().unwrap(),
            "get",
            "blob",
        ],
        b"",
    );
    assert_eq!(o.stdout, [0u8, 1, 2, 255]);
    // A locked folder is a clear I/O error.
    let held = aiootp::db::Database::open(&std::fs::read(&k).unwrap(), &db).unwrap();
    let o = run(&["list"], b"");
    assert_eq!(code(&o), 3);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("in use by another aiootp process"), "{err}");
    assert!(!err.contains("LockMode"), "{err}");
    drop(held);
    // A wrong key is not an empty database.
    let o = aiootp(
        &[
            "db",
            "--path",
            p,
            "--key-file",
            k2.to_str().unwrap(),
            "list",
        ],
        b"",
    );
    assert_eq!(code(&o), 1);
}

#[test]
fn dump_reads_a_reference_made_folder() {
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(kat_dir().join("database-seed0/expected.json")).unwrap(),
    )
    .unwrap();
    let copy = aiootp_kat::copy_to_temp(&kat_dir().join("database-seed0")).unwrap();
    let spec = &expected["databases"][0];
    let key = copy.join("key");
    std::fs::write(
        &key,
        hex::decode(spec["key_hex"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let o = aiootp(
        &[
            "db",
            "--path",
            copy.join(spec["dir"].as_str().unwrap()).to_str().unwrap(),
            "--key-file",
            key.to_str().unwrap(),
            "dump",
        ],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let dump: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut checked = 0;
    for e in spec["entries"].as_array().unwrap() {
        let mut node = &dump;
        for m in e["metatag_path"].as_array().unwrap() {
            node = &node["metatags"][m.as_str().unwrap()];
        }
        let got = &node["tags"][e["tag"].as_str().unwrap()];
        if e["kind"] == "bytes" && e.get("hex").is_some() {
            assert_eq!(got["$bytes"], e["hex"], "{}", e["tag"]);
            checked += 1;
        } else if e["kind"] == "json" && e.get("edge").is_none() {
            assert_eq!(got, &e["value"], "{}", e["tag"]);
            checked += 1;
        }
    }
    assert!(checked >= 2, "only {checked} entries checked");
}

#[test]
fn completions_and_demo_run() {
    let o = aiootp(&["completions", "bash"], b"");
    assert_eq!(code(&o), 0);
    assert!(String::from_utf8_lossy(&o.stdout).contains("aiootp"));
    let o = aiootp(&["demo"], b"");
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("round trip identical: true")
            && text.contains("one flipped bit is refused: true")
    );
    assert!(text.contains("a wrong passphrase is refused: true"));
}

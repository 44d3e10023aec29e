//! The CLI part of `cargo xtask interop`: `aiootp encrypt` output decrypts
//! in the reference, and the reference's ciphertexts decrypt with
//! `aiootp decrypt`, on random keys, aads and sizes.

use crate::util::{self, Drbg};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const SIZES: &[usize] = &[0, 1, 235, 236, 5000, 1_200_000];

fn cli() -> Result<std::path::PathBuf, String> {
    util::run(
        "cargo",
        &["build", "--quiet", "--release", "-p", "aiootp-cli"],
    )?;
    Ok(util::root().join("target/release/aiootp"))
}

fn run_cli(exe: &Path, args: &[&str], stdin: &[u8]) -> Result<Vec<u8>, String> {
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let _ = child.stdin.take().ok_or("no stdin")?.write_all(stdin);
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn python(py: &Path, code: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(py)
        .args(["-c", code])
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .to_owned())
    }
}

const DECRYPT: &str = "import sys, aiootp\nk, a, c, p = sys.argv[1:]\npt = aiootp.bytes_decrypt(open(c, 'rb').read(), open(k, 'rb').read(), aad=a.encode())\nassert pt == open(p, 'rb').read(), 'plaintext differs'";
const READ_ARMOR: &str = "import sys, aiootp\nk, a, c, p = sys.argv[1:]\npt = aiootp.Chunky2048(open(k, 'rb').read()).read_token(open(c, 'rb').read(), aad=a.encode())\nassert pt == open(p, 'rb').read(), 'plaintext differs'";
const MAKE_TOKEN: &str = "import sys, aiootp\nk, a, p, c = sys.argv[1:]\nopen(c, 'wb').write(aiootp.Chunky2048(open(k, 'rb').read()).make_token(open(p, 'rb').read(), aad=a.encode()))";
/// Reads tag `v` of the database at `argv[2]` and checks `json.dumps` of it.
const DB_READ: &str = "import sys, json, aiootp\nk, p, want = sys.argv[1:]\ndb = aiootp.Database(open(k, 'rb').read(), path=p)\ngot = json.dumps(db.query_tag('v'))\nassert got == want, f'{got!r} != {want!r}'";
/// Stores `json.loads(text)` as tag `w` of the database at `argv[2]`.
const DB_WRITE: &str = "import sys, json, aiootp\nk, p, text = sys.argv[1:]\ndb = aiootp.Database(open(k, 'rb').read(), path=p)\ndb['w'] = json.loads(text)\ndb.save_database()";
const ENCRYPT: &str = "import sys, aiootp\nk, a, p, c = sys.argv[1:]\nopen(c, 'wb').write(aiootp.bytes_encrypt(open(p, 'rb').read(), open(k, 'rb').read(), aad=a.encode()))";

/// Counts one check: a pass, or a failure described by `what`.
fn record(
    r: Result<(), String>,
    what: impl FnOnce(String) -> String,
    passed: &mut usize,
    failed: &mut usize,
    failures: &mut Vec<String>,
) {
    match r {
        Ok(()) => *passed += 1,
        Err(e) => {
            *failed += 1;
            failures.push(what(e));
        }
    }
}

pub fn run(py: &Path, seed: &str) -> Result<(usize, usize, Vec<String>), String> {
    let exe = cli()?;
    let dir = util::root().join("target/interop/cli");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut rng = Drbg::new(format!("aiootp-interop-cli:{seed}").as_bytes());
    let (mut passed, mut failed, mut failures) = (0, 0, Vec::new());
    for (i, &size) in SIZES.iter().enumerate() {
        let (key, plain, ct) = (dir.join("key"), dir.join("plain"), dir.join("ct"));
        let key_len = 64 + rng.index(100);
        std::fs::write(&key, rng.bytes(key_len)).map_err(|e| e.to_string())?;
        std::fs::write(&plain, rng.bytes(size)).map_err(|e| e.to_string())?;
        let aad = format!("aad-{}", rng.below(1000));
        let s = |p: &Path| p.to_string_lossy().into_owned();
        let (k, c, p) = (s(&key), s(&ct), s(&plain));
        // The binary form against bytes_encrypt/bytes_decrypt, and the
        // armored form against make_token/read_token.
        for (form, flags, py_read, py_write) in [
            ("", &[][..], DECRYPT, ENCRYPT),
            (" --armor", &["--armor"][..], READ_ARMOR, MAKE_TOKEN),
        ] {
            let mut args = vec!["encrypt", "--key-file", &k, "--aad", &aad, "-f", "-o", &c];
            args.extend_from_slice(flags);
            args.push(&p);
            let r =
                run_cli(&exe, &args, b"").and_then(|_| python(py, py_read, &[&k, &aad, &c, &p]));
            record(
                r,
                |e| format!("cli encrypt{form} → python, size {size} (#{i}): {e}"),
                &mut passed,
                &mut failed,
                &mut failures,
            );
            let r = python(py, py_write, &[&k, &aad, &p, &c]).and_then(|()| {
                let out = run_cli(&exe, &["decrypt", "--key-file", &k, "--aad", &aad, &c], b"")?;
                if out == std::fs::read(&plain).map_err(|e| e.to_string())? {
                    Ok(())
                } else {
                    Err("plaintext differs".into())
                }
            });
            record(
                r,
                |e| format!("python{form} → cli decrypt, size {size} (#{i}): {e}"),
                &mut passed,
                &mut failed,
                &mut failures,
            );
        }
    }
    // Database values stored exactly as the reference stores json.loads(text).
    let key = dir.join("key");
    let db = dir.join("exact-db");
    let _ = std::fs::remove_dir_all(&db);
    std::fs::create_dir_all(&db).map_err(|e| e.to_string())?;
    let (k, p) = (
        key.to_string_lossy().into_owned(),
        db.to_string_lossy().into_owned(),
    );
    for (text, dumped) in [
        ("18446744073709551616", "18446744073709551616"),
        ("[-0, 1e309, -Infinity]", "[0, Infinity, -Infinity]"),
        ("NaN", "NaN"),
        ("\"\\ud800x\"", "\"\\ud800x\""),
        ("{\"a\":1,\"a\":2}", "{\"a\": 2}"),
    ] {
        let r = run_cli(
            &exe,
            &["db", "--path", &p, "--key-file", &k, "set", "v", text],
            b"",
        )
        .and_then(|_| python(py, DB_READ, &[&k, &p, dumped]))
        .and_then(|()| python(py, DB_WRITE, &[&k, &p, text]))
        .and_then(|()| {
            run_cli(
                &exe,
                &["db", "--path", &p, "--key-file", &k, "get", "w"],
                b"",
            )
        })
        .and_then(|out| {
            if out == format!("{dumped}\n").into_bytes() {
                Ok(())
            } else {
                Err(format!(
                    "cli get printed {:?}",
                    String::from_utf8_lossy(&out)
                ))
            }
        });
        record(
            r,
            |e| format!("db value {text} both ways: {e}"),
            &mut passed,
            &mut failed,
            &mut failures,
        );
    }
    Ok((passed, failed, failures))
}

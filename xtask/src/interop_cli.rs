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
const ENCRYPT: &str = "import sys, aiootp\nk, a, p, c = sys.argv[1:]\nopen(c, 'wb').write(aiootp.bytes_encrypt(open(p, 'rb').read(), open(k, 'rb').read(), aad=a.encode()))";

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
        let r = run_cli(
            &exe,
            &[
                "encrypt",
                "--key-file",
                &s(&key),
                "--aad",
                &aad,
                "-o",
                &s(&ct),
                &s(&plain),
            ],
            b"",
        )
        .and_then(|_| python(py, DECRYPT, &[&s(&key), &aad, &s(&ct), &s(&plain)]));
        match r {
            Ok(()) => passed += 1,
            Err(e) => {
                failed += 1;
                failures.push(format!("cli encrypt → python, size {size} (#{i}): {e}"));
            }
        }
        let r = python(py, ENCRYPT, &[&s(&key), &aad, &s(&plain), &s(&ct)]).and_then(|()| {
            let out = run_cli(
                &exe,
                &["decrypt", "--key-file", &s(&key), "--aad", &aad, &s(&ct)],
                b"",
            )?;
            if out == std::fs::read(&plain).map_err(|e| e.to_string())? {
                Ok(())
            } else {
                Err("plaintext differs".into())
            }
        });
        match r {
            Ok(()) => passed += 1,
            Err(e) => {
                failed += 1;
                failures.push(format!("python → cli decrypt, size {size} (#{i}): {e}"));
            }
        }
    }
    Ok((passed, failed, failures))
}

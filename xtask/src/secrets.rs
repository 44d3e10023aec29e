//! `cargo xtask secrets`: runs the CLI's commands under gdb on a known key
//! and passphrase, stops each at `exit_group`, takes a core with `gcore`,
//! and counts the copies of the key (and of key ‖ key) and of the
//! passphrase left in the process's memory. Fails unless every count is 0.
//!
//! A copy found here is memory that was freed (or left) without being
//! wiped: anyone who reads the process's memory after it is done with the
//! secret (a core dump, swap, a debugger attached late) would find it.

use crate::util;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    name: &'static str,
    args: Vec<String>,
    stdin: Vec<u8>,
}

/// Non-overlapping occurrences of `needle` in `hay`.
fn count(hay: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() || hay.len() < needle.len() {
        return 0;
    }
    let (mut n, mut i) = (0, 0);
    let first = needle[0];
    while i + needle.len() <= hay.len() {
        match hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|&b| b == first)
        {
            None => break,
            Some(p) => {
                i += p;
                if &hay[i..i + needle.len()] == needle {
                    n += 1;
                    i += needle.len();
                } else {
                    i += 1;
                }
            }
        }
    }
    n
}

fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs `case` under gdb and returns the core it took at `exit_group`.
fn core_of(bin: &Path, dir: &Path, i: usize, case: &Case) -> Result<Vec<u8>, String> {
    let stdin = dir.join(format!("stdin-{i}"));
    write(&stdin, &case.stdin)?;
    let core = dir.join(format!("core-{i}"));
    let quoted: Vec<String> = case.args.iter().map(|a| format!("'{a}'")).collect();
    let out = Command::new("gdb")
        .args(["-batch", "-nx", "-q"])
        .args(["-ex", "set pagination off"])
        .args(["-ex", "set startup-with-shell on"])
        .args(["-ex", "catch syscall exit_group"])
        .arg("-ex")
        .arg(format!(
            "run {} < '{}' > /dev/null 2>&1",
            quoted.join(" "),
            stdin.display()
        ))
        .arg("-ex")
        .arg(format!("gcore {}", core.display()))
        .args(["-ex", "kill"])
        .arg(bin)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot start gdb: {e}"))?;
    let bytes = std::fs::read(&core).map_err(|e| {
        format!(
            "{}: no core taken ({e}); gdb said: {}",
            case.name,
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    let _ = std::fs::remove_file(&core);
    Ok(bytes)
}

pub fn main(args: &[String]) -> Result<(), String> {
    if let Some(a) = args.first() {
        return Err(format!("unknown argument `{a}` (secrets takes none)"));
    }
    if Command::new("gdb").arg("--version").output().is_err() {
        return Err("gdb is not installed (apt-get install gdb)".into());
    }
    util::run("cargo", &["build", "--release", "-p", "aiootp-cli"])?;
    let bin = util::root().join("target/release/aiootp");
    let dir = std::env::temp_dir().join(format!(
        "aiootp-secrets-{}",
        aiootp_core::bytes_to_hex(&aiootp_core::token_bytes(6).map_err(|e| e.to_string())?)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let key = aiootp_core::token_bytes(64).map_err(|e| e.to_string())?;
    let pass = {
        let raw = aiootp_core::token_bytes(18).map_err(|e| e.to_string())?;
        format!("pw-{}", aiootp_core::bytes_to_hex(&raw))
    };
    let s = |p: &PathBuf| p.display().to_string();
    let key_file = dir.join("key");
    write(&key_file, &key)?;
    let plain = dir.join("plain");
    write(&plain, &[0x5a; 5000])?;
    let ct = dir.join("ct");
    let db = dir.join("db");
    let pdb = dir.join("pdb");
    std::fs::create_dir_all(&db).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&pdb).map_err(|e| e.to_string())?;
    let k = s(&key_file);
    let line = format!("{pass}\n").into_bytes();

    // Inputs the commands below need, made without gdb.
    let prepare = |args: &[&str], stdin: &[u8]| -> Result<Vec<u8>, String> {
        use std::io::Write;
        let mut child = Command::new(&bin)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        if let Some(mut i) = child.stdin.take() {
            let _ = i.write_all(stdin);
        }
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("preparing {args:?} failed"));
        }
        Ok(out.stdout)
    };
    prepare(
        &["encrypt", "--key-file", &k, "-o", &s(&ct), &s(&plain)],
        b"",
    )?;
    let token = prepare(&["token", "make", "--key-file", &k], b"token data")?;
    let pct = dir.join("pct");
    let work = ["--mb", "8", "--cpu", "1", "--cores", "1"];
    prepare(
        &[&["encrypt", "-p", "-o", &s(&pct)][..], &work, &[&s(&plain)]].concat(),
        &line,
    )?;
    let hash = prepare(&["passcrypt", "hash", "--mb", "8", "--cores", "1"], &line)?;
    let hash = String::from_utf8_lossy(&hash).trim().to_owned();
    prepare(
        &["db", "--path", &s(&db), "--key-file", &k, "set", "t", "-"],
        b"{\"a\": 1}",
    )?;
    prepare(
        &[
            "db",
            "--path",
            &s(&pdb),
            "--profile",
            "alice",
            "set",
            "t",
            "[1]",
        ],
        &line,
    )?;

    let c = |name, args: &[&str], stdin: &[u8]| Case {
        name,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        stdin: stdin.to_vec(),
    };
    let dbp = s(&db);
    let pdbp = s(&pdb);
    let cases = vec![
        c("encrypt", &["encrypt", "--key-file", &k, &s(&plain)], b""),
        c("decrypt", &["decrypt", "--key-file", &k, &s(&ct)], b""),
        c(
            "encrypt -p",
            &[&["encrypt", "-p"][..], &work, &[&s(&plain)]].concat(),
            &line,
        ),
        c("decrypt -p", &["decrypt", "-p", &s(&pct)], &line),
        c(
            "db encrypt (key)",
            &[
                "db",
                "--path",
                &dbp,
                "--key-file",
                &k,
                "encrypt",
                &s(&plain),
            ],
            b"",
        ),
        c("token make", &["token", "make", "--key-file", &k], b"data"),
        c("token read", &["token", "read", "--key-file", &k], &token),
        c(
            "passcrypt hash",
            &["passcrypt", "hash", "--mb", "8", "--cores", "1"],
            &line,
        ),
        c("passcrypt verify", &["passcrypt", "verify", &hash], &line),
        c(
            "db set (key)",
            &["db", "--path", &dbp, "--key-file", &k, "set", "u", "[2]"],
            b"",
        ),
        c(
            "db get (key)",
            &["db", "--path", &dbp, "--key-file", &k, "get", "t"],
            b"",
        ),
        c(
            "db dump (key)",
            &["db", "--path", &dbp, "--key-file", &k, "dump"],
            b"",
        ),
        c(
            "db set (profile)",
            &[
                "db",
                "--path",
                &pdbp,
                "--profile",
                "alice",
                "set",
                "u",
                "[2]",
            ],
            &line,
        ),
        c(
            "db get (profile)",
            &["db", "--path", &pdbp, "--profile", "alice", "get", "t"],
            &line,
        ),
        c(
            "db dump (profile)",
            &["db", "--path", &pdbp, "--profile", "alice", "dump"],
            &line,
        ),
    ];
    let key2 = [&key[..], &key[..]].concat();
    // The control: `dd` of the key file still holds the key in its buffer
    // at exit, so a scan that finds nothing there is not reading memory.
    let dd = PathBuf::from("/bin/dd");
    let if_arg = format!("if={k}");
    let control = core_of(
        &dd,
        &dir,
        cases.len(),
        &c(
            "control (dd key)",
            &[&if_arg, "bs=64", "count=1", "status=none"],
            b"",
        ),
    )?;
    if count(&control, &key) == 0 {
        return Err("the control found no key in `dd`'s memory: the scan is broken".into());
    }
    let mut dirty = Vec::new();
    println!(
        "{:<20} {:>5} {:>9} {:>10}",
        "command", "key", "key‖key", "passphrase"
    );
    for (i, case) in cases.iter().enumerate() {
        let core = core_of(&bin, &dir, i, case)?;
        let (a, b, p) = (
            count(&core, &key),
            count(&core, &key2),
            count(&core, pass.as_bytes()),
        );
        println!("{:<20} {a:>5} {b:>9} {p:>10}", case.name);
        if a + b + p > 0 {
            dirty.push(case.name);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let clean = cases.len() - dirty.len();
    println!("{clean} passed, {} failed", dirty.len());
    if dirty.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "secrets left in memory after: {}",
            dirty.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn counts_non_overlapping_occurrences() {
        assert_eq!(count(b"abcabcab", b"abc"), 2);
        assert_eq!(count(b"aaaa", b"aa"), 2);
        assert_eq!(count(b"xyz", b"abc"), 0);
        assert_eq!(count(b"ab", b"abc"), 0);
    }
}

//! `cargo xtask crash [--kills N] [--dir DIR]`: a child process sets every
//! tag to its generation number and saves, in a loop; the parent kills it
//! with SIGKILL at random moments. After each kill the database must open,
//! no tag may be missing or torn, and every tag must hold the last completed
//! save's generation or a newer one from an interrupted save
//! (docs/databases.md).

use crate::util::{self, Drbg};
use aiootp_db::{Database, LockMode, OpenMode, OpenOptions, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const KEY: &[u8] = &[0x5a; 64];
const TAGS: usize = 20;
const CHILD_TAGS: usize = 5;

pub fn main(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--child") {
        return child(Path::new(args.get(1).ok_or("--child needs a folder")?));
    }
    let mut kills = 200usize;
    let mut dir: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--kills" => {
                kills = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--kills needs a number")?
            }
            "--dir" => dir = Some(PathBuf::from(it.next().ok_or("--dir needs a path")?)),
            other => {
                return Err(format!(
                    "unknown argument `{other}` (crash [--kills N] [--dir DIR])"
                ));
            }
        }
    }
    let dir = dir.unwrap_or_else(|| util::root().join("target/crash-db"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let (passed, failed) = run(&dir, kills)?;
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        return Err(format!("{failed} crash checks failed"));
    }
    Ok(())
}

fn tag(i: usize) -> String {
    format!("tag-{i}")
}

fn generation(v: &Value) -> Option<u64> {
    match v {
        Value::Json(j) => j.get("gen").and_then(serde_json::Value::as_u64),
        _ => None,
    }
}

/// The child: continue from the stored generation, forever.
fn child(dir: &Path) -> Result<(), String> {
    let mut db = Database::open_with(
        KEY,
        dir,
        OpenOptions {
            lock: LockMode::Wait,
            ..OpenOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let mut g = match db.query_tag(&tag(0), false) {
        Ok(v) => generation(&v).unwrap_or(0),
        Err(_) => 0,
    };
    let out = std::io::stdout();
    loop {
        g += 1;
        for i in 0..TAGS {
            // Values of varying size, so files change length between saves.
            let pad = "x".repeat((g as usize * 37 + i * 11) % 700);
            db.set_json(&tag(i), &serde_json::json!({"gen": g, "i": i, "pad": pad}))
                .map_err(|e| e.to_string())?;
        }
        let m = db.metatag("nested").map_err(|e| e.to_string())?;
        for i in 0..CHILD_TAGS {
            m.set_json(&tag(i), &serde_json::json!({"gen": g}))
                .map_err(|e| e.to_string())?;
        }
        db.save_database().map_err(|e| e.to_string())?;
        let mut lock = out.lock();
        writeln!(lock, "saved {g}").map_err(|e| e.to_string())?;
        lock.flush().map_err(|e| e.to_string())?;
    }
}

/// Every tag's generation, or an error for a missing or unreadable tag.
fn generations(dir: &Path) -> Result<Vec<u64>, String> {
    let options = OpenOptions {
        mode: OpenMode::Existing,
        lock: LockMode::None,
        ..OpenOptions::default()
    };
    let mut db = Database::open_with(KEY, dir, options).map_err(|e| format!("open: {e}"))?;
    let mut gens = Vec::new();
    for i in 0..TAGS {
        let v = db
            .query_tag(&tag(i), false)
            .map_err(|e| format!("{}: {e}", tag(i)))?;
        gens.push(generation(&v).ok_or("no generation")?);
    }
    let m = db.metatag("nested").map_err(|e| e.to_string())?;
    for i in 0..CHILD_TAGS {
        let v = m
            .query_tag(&tag(i), false)
            .map_err(|e| format!("nested/{}: {e}", tag(i)))?;
        gens.push(generation(&v).ok_or("no generation")?);
    }
    Ok(gens)
}

fn run(dir: &Path, kills: usize) -> Result<(usize, usize), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut rng = Drbg::new(&aiootp_core::token_bytes(16).map_err(|e| e.to_string())?);
    let (mut passed, mut failed, mut torn) = (0usize, 0usize, 0usize);
    let mut printed = 0u64; // the highest generation the child reported saved
    for k in 0..kills {
        let mut child = Command::new(&exe)
            .args(["crash", "--child"])
            .arg(dir)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("saved ").and_then(|g| g.parse::<u64>().ok()))
                .max()
        });
        std::thread::sleep(Duration::from_millis(5 + rng.below(120)));
        child.kill().map_err(|e| e.to_string())?; // SIGKILL
        let _ = child.wait();
        if let Some(g) = reader.join().map_err(|_| "reader thread panicked")? {
            printed = printed.max(g);
        }
        // The last completed save is at least `printed` (a kill can land
        // between a save and its report). Every tag must be readable and hold
        // that save's generation or a newer one from a save interrupted since
        // (repeated kills can interrupt several saves in a row).
        let verdict = match generations(dir) {
            // Killed before the first save completed: nothing to check yet.
            Err(_) if printed == 0 => Ok(()),
            Err(e) => Err(e),
            Ok(gens) => {
                let (lo, hi) = (
                    gens.iter().copied().min().unwrap_or(0),
                    gens.iter().copied().max().unwrap_or(0),
                );
                if lo < printed {
                    Err(format!(
                        "generations {lo}..={hi}: a tag lost the save reported as {printed}"
                    ))
                } else {
                    torn += usize::from(hi > lo);
                    Ok(())
                }
            }
        };
        match verdict {
            Ok(()) => passed += 1,
            Err(e) => {
                failed += 1;
                eprintln!("kill {k}: {e}");
            }
        }
    }
    eprintln!(
        "{kills} kills; {torn} landed inside a save (tags of more than one generation: still whole and never older than the last completed save)"
    );
    Ok((passed, failed))
}

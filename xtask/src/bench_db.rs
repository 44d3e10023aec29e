//! Database rows of `cargo xtask bench`: 10,000 tags of about 100 bytes of
//! JSON (set and save; open and read back) and one 64 MiB bytes value, in
//! Rust and in the reference.

use crate::util;
use aiootp_db::{Database, LockMode, OpenMode, OpenOptions, Value};
use serde_json::{Value as Json, json};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const TAGS: usize = 10_000;

fn fresh(name: &str) -> Result<std::path::PathBuf, String> {
    let d = util::root().join("target/bench-db").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
    Ok(d)
}

fn value(i: usize) -> Json {
    json!({"id": i, "name": format!("user-{i:05}"), "email": format!("user{i}@example.com"), "score": i as f64 / 7.0})
}

fn rust_tags(dir: &Path) -> Result<(f64, f64), String> {
    let key = [3u8; 64];
    let start = Instant::now();
    let mut db = Database::create(&key, dir).map_err(|e| e.to_string())?;
    for i in 0..TAGS {
        db.set_tag(&format!("tag-{i}"), Value::Json(value(i)));
    }
    db.save_database().map_err(|e| e.to_string())?;
    let save = start.elapsed().as_secs_f64();
    drop(db);
    let start = Instant::now();
    let options = OpenOptions {
        mode: OpenMode::Existing,
        lock: LockMode::None,
        ..OpenOptions::default()
    };
    let mut db = Database::open_with(&key, dir, options).map_err(|e| e.to_string())?;
    db.load_tags().map_err(|e| e.to_string())?;
    let load = start.elapsed().as_secs_f64();
    if db.len() != TAGS {
        return Err("tags lost".into());
    }
    Ok((save, load))
}

fn rust_big(dir: &Path) -> Result<f64, String> {
    let key = [4u8; 64];
    let data = aiootp_core::token_bytes(64 << 20).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut db = Database::create(&key, dir).map_err(|e| e.to_string())?;
    db.set_tag("big", Value::Bytes(data));
    db.save_database().map_err(|e| e.to_string())?;
    drop(db);
    let options = OpenOptions {
        mode: OpenMode::Existing,
        lock: LockMode::None,
        ..OpenOptions::default()
    };
    let mut db = Database::open_with(&key, dir, options).map_err(|e| e.to_string())?;
    let v = db.query_tag("big", false).map_err(|e| e.to_string())?;
    if v.as_bytes().map(<[u8]>::len) != Some(64 << 20) {
        return Err("64 MiB value lost".into());
    }
    Ok(start.elapsed().as_secs_f64())
}

fn reference(dir_tags: &Path, dir_big: &Path) -> Result<(f64, f64, f64), String> {
    let python = util::reference_python()?;
    let script = format!(
        "import time, os\nfrom aiootp import Database\n\
         key = bytes([3]) * 64\n\
         s = time.perf_counter(); db = Database(key, path={t:?})\n\
         for i in range({n}):\n    db[f'tag-{{i}}'] = {{'id': i, 'name': f'user-{{i:05}}', 'email': f'user{{i}}@example.com', 'score': i / 7.0}}\n\
         db.save_database(); save = time.perf_counter() - s\n\
         s = time.perf_counter(); db = Database(key, path={t:?}, preload=True); load = time.perf_counter() - s\n\
         assert len(db) == {n}\n\
         s = time.perf_counter(); db = Database(bytes([4]) * 64, path={b:?}); db['big'] = os.urandom(64 << 20); db.save_database()\n\
         db = Database(bytes([4]) * 64, path={b:?}); v = db.query_tag('big'); big = time.perf_counter() - s\n\
         assert len(v) == 64 << 20\n\
         print(save, load, big)\n",
        t = dir_tags.to_string_lossy(),
        b = dir_big.to_string_lossy(),
        n = TAGS
    );
    let out = Command::new(python)
        .args(["-c", &script])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "reference database bench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let n: Vec<f64> = text
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    match n.as_slice() {
        [a, b, c] => Ok((*a, *b, *c)),
        _ => Err(format!("reference printed {text:?}")),
    }
}

pub fn rows(with_reference: bool) -> Result<Vec<Json>, String> {
    let (save, load) = rust_tags(&fresh("rust-tags")?)?;
    let big = rust_big(&fresh("rust-big")?)?;
    let r = if with_reference {
        Some(reference(&fresh("py-tags")?, &fresh("py-big")?)?)
    } else {
        None
    };
    println!(
        "{:<16} {:>9} {:>12} {:>9}",
        "database", "rust s", "reference s", "speed-up"
    );
    let mut out = Vec::new();
    for (op, rust, reference) in [
        ("db_save_10k", save, r.map(|r| r.0)),
        ("db_load_10k", load, r.map(|r| r.1)),
        ("db_64mib", big, r.map(|r| r.2)),
    ] {
        println!(
            "{:<16} {:>9.3} {:>12} {:>9}",
            op,
            rust,
            reference.map_or("-".into(), |x| format!("{x:.3}")),
            reference.map_or("-".into(), |x| format!("{:.1}x", x / rust))
        );
        out.push(json!({"op": op, "rust_s": rust, "reference_s": reference}));
    }
    let _ = std::fs::remove_dir_all(util::root().join("target/bench-db"));
    Ok(out)
}

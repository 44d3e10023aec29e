//! Database rows of `cargo xtask bench`: 10,000 tags of about 100 bytes of
//! JSON (set and save; save again with nothing changed; open and read
//! back) and one 64 MiB bytes value, in Rust and in the reference, in
//! interleaved pairs (Rust, reference, Rust, …), with two floors measured
//! in the same pairs: `floor_s` of a save is a plain create and write of
//! the same files plus one `syncfs`; of a load, reading the same files plus
//! `bytes_decrypt_many` of the same ciphertexts held in memory.

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

/// Seconds of one Rust pair's runs.
struct RustRun {
    save: f64,
    resave: f64,
    load: f64,
    save_floor: f64,
    load_floor: f64,
}

fn rust_tags(dir: &Path) -> Result<RustRun, String> {
    let key = [3u8; 64];
    let e = |e: aiootp_db::Error| e.to_string();
    let start = Instant::now();
    let mut db = Database::create(&key, dir).map_err(e)?;
    for i in 0..TAGS {
        db.set_tag(&format!("tag-{i}"), Value::Json(value(i)));
    }
    db.save_database().map_err(e)?;
    let save = start.elapsed().as_secs_f64();
    let start = Instant::now();
    db.save_database().map_err(e)?;
    let resave = start.elapsed().as_secs_f64();
    // The floors, over the very files the save wrote.
    let files: Vec<(String, Vec<u8>)> = db
        .filenames()
        .map(|f| {
            Ok((
                f.to_owned(),
                std::fs::read(dir.join(f)).map_err(|e| e.to_string())?,
            ))
        })
        .collect::<Result<_, String>>()?;
    let floor_dir = dir.with_extension("floor");
    let _ = std::fs::remove_dir_all(&floor_dir);
    std::fs::create_dir_all(&floor_dir).map_err(|e| e.to_string())?;
    let start = Instant::now();
    for (name, data) in &files {
        std::fs::write(floor_dir.join(name), data).map_err(|e| e.to_string())?;
    }
    let d = std::fs::File::open(&floor_dir).map_err(|e| e.to_string())?;
    rustix::fs::syncfs(&d).map_err(|e| e.to_string())?;
    let save_floor = start.elapsed().as_secs_f64();
    let aads: Vec<Vec<u8>> = files
        .iter()
        .map(|(f, _)| db.file_cipher(f, b"").1)
        .collect();
    let (cipher, _) = db.file_cipher("", b"");
    let cipher = cipher.clone();
    let start = Instant::now();
    let read: Vec<Vec<u8>> = files
        .iter()
        .map(|(f, _)| std::fs::read(floor_dir.join(f)).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    std::hint::black_box(&read);
    let items: Vec<(&[u8], &[u8])> = files
        .iter()
        .zip(&aads)
        .map(|((_, ct), a)| (&ct[..], &a[..]))
        .collect();
    let opened = cipher.bytes_decrypt_many(&items, 0);
    let load_floor = start.elapsed().as_secs_f64();
    if opened.iter().any(Result::is_err) {
        return Err("a saved tag did not decrypt".into());
    }
    let _ = std::fs::remove_dir_all(&floor_dir);
    drop(db);
    let start = Instant::now();
    let options = OpenOptions {
        mode: OpenMode::Existing,
        lock: LockMode::None,
        ..OpenOptions::default()
    };
    let mut db = Database::open_with(&key, dir, options).map_err(e)?;
    db.load_tags().map_err(e)?;
    let load = start.elapsed().as_secs_f64();
    if db.len() != TAGS {
        return Err("tags lost".into());
    }
    Ok(RustRun {
        save,
        resave,
        load,
        save_floor,
        load_floor,
    })
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

/// The reference's save, re-save with nothing changed, load, and 64 MiB
/// round trip, in seconds.
fn reference(dir_tags: &Path, dir_big: &Path) -> Result<[f64; 4], String> {
    let python = util::reference_python()?;
    let script = format!(
        "import time, os\nfrom aiootp import Database\n\
         key = bytes([3]) * 64\n\
         s = time.perf_counter(); db = Database(key, path={t:?})\n\
         for i in range({n}):\n    db[f'tag-{{i}}'] = {{'id': i, 'name': f'user-{{i:05}}', 'email': f'user{{i}}@example.com', 'score': i / 7.0}}\n\
         db.save_database(); save = time.perf_counter() - s\n\
         s = time.perf_counter(); db.save_database(); resave = time.perf_counter() - s\n\
         s = time.perf_counter(); db = Database(key, path={t:?}, preload=True); load = time.perf_counter() - s\n\
         assert len(db) == {n}\n\
         s = time.perf_counter(); db = Database(bytes([4]) * 64, path={b:?}); db['big'] = os.urandom(64 << 20); db.save_database()\n\
         db = Database(bytes([4]) * 64, path={b:?}); v = db.query_tag('big'); big = time.perf_counter() - s\n\
         assert len(v) == 64 << 20\n\
         print(save, resave, load, big)\n",
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
        [a, b, c, d] => Ok([*a, *b, *c, *d]),
        _ => Err(format!("reference printed {text:?}")),
    }
}

/// The database rows, in `pairs` interleaved pairs (Rust, then the
/// reference): medians, and the min and max of the per-pair ratios.
pub fn rows(with_reference: bool, pairs: usize) -> Result<Vec<Json>, String> {
    let mut rust = Vec::new();
    let mut reference_runs = Vec::new();
    for _ in 0..pairs {
        let tags = rust_tags(&fresh("rust-tags")?)?;
        let big = rust_big(&fresh("rust-big")?)?;
        rust.push((tags, big));
        if with_reference {
            reference_runs.push(reference(&fresh("py-tags")?, &fresh("py-big")?)?);
        }
    }
    println!(
        "{:<26} {:>8} {:>8} {:>17} {:>12} {:>22}",
        "database", "rust s", "floor s", "of floor", "reference s", "speed-up"
    );
    let spread = |mut v: Vec<f64>| -> (f64, f64, f64) {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    type Pick = fn(&(RustRun, f64)) -> (f64, Option<f64>);
    let cases: [(&str, Pick, Option<usize>); 4] = [
        ("db_save_10k", |r| (r.0.save, Some(r.0.save_floor)), Some(0)),
        ("db_resave_10k_unchanged", |r| (r.0.resave, None), Some(1)),
        ("db_load_10k", |r| (r.0.load, Some(r.0.load_floor)), Some(2)),
        ("db_64mib", |r| (r.1, None), Some(3)),
    ];
    let mut out = Vec::new();
    for (op, pick, ref_at) in cases {
        let picked: Vec<(f64, Option<f64>)> = rust.iter().map(pick).collect();
        let (rust_s, _, _) = spread(picked.iter().map(|p| p.0).collect());
        let floor = picked.iter().all(|p| p.1.is_some()).then(|| {
            let of_floor = spread(picked.iter().map(|p| p.0 / p.1.unwrap_or(1.0)).collect());
            (
                spread(picked.iter().map(|p| p.1.unwrap_or(0.0)).collect()).0,
                of_floor,
            )
        });
        let refs = ref_at.filter(|_| with_reference).map(|k| {
            let speedup = spread(
                picked
                    .iter()
                    .zip(&reference_runs)
                    .map(|(p, r)| r[k] / p.0)
                    .collect(),
            );
            (
                spread(reference_runs.iter().map(|r| r[k]).collect()).0,
                speedup,
            )
        });
        println!(
            "{:<26} {:>8.3} {:>8} {:>17} {:>12} {:>22}",
            op,
            rust_s,
            floor.map_or("-".into(), |f| format!("{:.3}", f.0)),
            floor.map_or("-".into(), |(_, (m, lo, hi))| format!(
                "{m:.2} [{lo:.2}-{hi:.2}]"
            )),
            refs.map_or("-".into(), |r| format!("{:.3}", r.0)),
            refs.map_or("-".into(), |(_, (m, lo, hi))| format!(
                "{m:.1}x [{lo:.1}-{hi:.1}]"
            )),
        );
        out.push(
            json!({"op": op, "rust_s": rust_s, "floor_s": floor.map(|f| f.0),
            "of_floor": floor.map(|f| f.1.0), "of_floor_min": floor.map(|f| f.1.1),
            "of_floor_max": floor.map(|f| f.1.2),
            "reference_s": refs.map(|r| r.0), "ratio": refs.map(|r| r.1.0),
            "ratio_min": refs.map(|r| r.1.1), "ratio_max": refs.map(|r| r.1.2),
            "pairs": pairs, "tags": TAGS,
            "backend": format!("{}-x4", aiootp_keccak::backend().name()),
            "forced": std::env::var_os(aiootp_keccak::BACKEND_ENV).is_some()}),
        );
    }
    let _ = std::fs::remove_dir_all(util::root().join("target/bench-db"));
    Ok(out)
}

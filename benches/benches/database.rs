//! The database rows: save 10,000 new tags (durable), save again with
//! nothing changed, open and load them.
#![allow(missing_docs)]

use aiootp_db::{Database, LockMode, OpenMode, OpenOptions, Value};
use criterion::{Criterion, criterion_group, criterion_main};
use std::path::PathBuf;

const TAGS: usize = 10_000;
const KEY: [u8; 64] = [3; 64];

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aiootp-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temporary folder");
    d
}

fn filled(path: &std::path::Path) -> Database {
    let mut db = Database::create(&KEY, path).expect("create");
    for i in 0..TAGS {
        let v =
            serde_json::json!({"id": i, "name": format!("user-{i:05}"), "score": i as f64 / 7.0});
        db.set_tag(&format!("tag-{i}"), Value::Json(v));
    }
    db
}

fn database(c: &mut Criterion) {
    let mut g = c.benchmark_group("database");
    g.sample_size(10);
    g.bench_function("db_save_10k", |b| {
        b.iter_batched(
            || {
                let d = dir("save");
                (filled(&d), d)
            },
            |(mut db, _d)| db.save_database().expect("save"),
            criterion::BatchSize::PerIteration,
        );
    });
    let d = dir("resave");
    let mut db = filled(&d);
    db.save_database().expect("save");
    g.bench_function("db_resave_10k_unchanged", |b| {
        b.iter(|| db.save_database().expect("save"));
    });
    drop(db);
    g.bench_function("db_load_10k", |b| {
        b.iter(|| {
            let options = OpenOptions {
                mode: OpenMode::Existing,
                lock: LockMode::None,
                ..OpenOptions::default()
            };
            let mut db = Database::open_with(&KEY, &d, options).expect("open");
            db.load_tags().expect("load");
            db
        });
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&d);
}

criterion_group!(benches, database);
criterion_main!(benches);

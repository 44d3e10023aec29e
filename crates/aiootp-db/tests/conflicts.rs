//! No lost updates: two handles on one database (two processes or
//! machines) that both save; the second, whose starting point is no longer
//! current, gets `Error::Conflict` and writes nothing. Run here on the
//! folder backend without its lock (what a shared storage sees). What
//! each storage backend itself must do (a stale commit conflicts and
//! writes nothing; concurrent increments lose nothing) is checked once for
//! all four backends by `aiootp-storage`'s `tests/conformance.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use aiootp_db::{Database, Error, FsStorage, LockMode, OpenMode, OpenOptions, Storage, Value};
use std::path::PathBuf;
use std::sync::Arc;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "aiootp-db-{name}-{}",
        hex::encode(aiootp_core::token_bytes(6).unwrap())
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

const KEY: &[u8] = &[9u8; 64];

fn open(storage: &Arc<dyn Storage>, mode: OpenMode) -> Database {
    let options = OpenOptions {
        mode,
        lock: LockMode::None,
        ..OpenOptions::default()
    };
    Database::open_node(Arc::clone(storage), KEY, options).unwrap()
}

fn counter(db: &mut Database) -> u64 {
    match db.query_tag("counter", false).unwrap() {
        Value::Json(j) => j.as_u64().unwrap(),
        other => panic!("{other:?}"),
    }
}

fn names(dir: &PathBuf) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_second_save_from_a_stale_start_conflicts_and_writes_nothing() {
    let dir = temp_dir("conflict");
    let storage: Arc<dyn Storage> = Arc::new(FsStorage::new(&dir));
    let mut db = open(&storage, OpenMode::Create);
    db.set_json("counter", &0).unwrap();
    db.save_database().unwrap();

    let mut a = open(&storage, OpenMode::Existing);
    let mut b = open(&storage, OpenMode::Existing);
    let n = counter(&mut a);
    a.set_json("counter", &(n + 1)).unwrap();
    a.save_database().unwrap();
    // b read its manifest before a's save.
    b.set_json("counter", &100).unwrap();
    b.set_tag("b-only", Value::Bytes(vec![1, 2, 3]));
    let files = names(&dir);
    match b.save_database() {
        Err(Error::Conflict { .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(names(&dir), files, "a conflicting save wrote files");
    let mut now = open(&storage, OpenMode::Existing);
    assert_eq!(counter(&mut now), 1);
    assert!(!now.contains("b-only"));
    // b reopens, redoes its change and saves.
    let mut b = open(&storage, OpenMode::Existing);
    let n = counter(&mut b);
    b.set_json("counter", &(n + 1)).unwrap();
    b.save_database().unwrap();
    assert_eq!(counter(&mut open(&storage, OpenMode::Existing)), 2);
    // A handle keeps saving after its own saves (its version follows).
    b.set_json("counter", &3).unwrap();
    b.save_database().unwrap();
    b.save_database().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn two_new_databases_under_one_key_conflict() {
    let dir = temp_dir("conflict-new");
    let storage: Arc<dyn Storage> = Arc::new(FsStorage::new(&dir));
    let mut a = open(&storage, OpenMode::OpenOrNew);
    let mut b = open(&storage, OpenMode::OpenOrNew);
    a.set_json("x", &1).unwrap();
    a.save_database().unwrap();
    b.set_json("x", &2).unwrap();
    assert!(matches!(b.save_database(), Err(Error::Conflict { .. })));
    let mut now = open(&storage, OpenMode::Existing);
    assert_eq!(
        now.query_tag("x", false).unwrap(),
        Value::Json(serde_json::json!(1))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn metatag_changes_conflict_too() {
    let dir = temp_dir("conflict-meta");
    let storage: Arc<dyn Storage> = Arc::new(FsStorage::new(&dir));
    let mut db = open(&storage, OpenMode::Create);
    db.metatag("m").unwrap().set_json("t", &0).unwrap();
    db.save_database().unwrap();
    let mut a = open(&storage, OpenMode::Existing);
    let mut b = open(&storage, OpenMode::Existing);
    // a saves the metatag on its own (its manifest is a's commit point).
    a.metatag("m").unwrap().set_json("t", &1).unwrap();
    a.metatag("m").unwrap().save_database().unwrap();
    // b changes the same metatag and saves from the top: m's manifest
    // is no longer what b read.
    b.metatag("m").unwrap().set_json("t", &2).unwrap();
    assert!(matches!(b.save_database(), Err(Error::Conflict { .. })));
    let mut now = open(&storage, OpenMode::Existing);
    assert_eq!(
        now.metatag("m").unwrap().query_tag("t", false).unwrap(),
        Value::Json(serde_json::json!(1))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn saves_of_disjoint_metatags_do_not_conflict() {
    let dir = temp_dir("conflict-disjoint");
    let storage: Arc<dyn Storage> = Arc::new(FsStorage::new(&dir));
    let mut db = open(&storage, OpenMode::Create);
    db.metatag("a").unwrap().set_json("t", &0).unwrap();
    db.metatag("b").unwrap().set_json("t", &0).unwrap();
    db.save_database().unwrap();
    let mut x = open(&storage, OpenMode::Existing);
    let mut y = open(&storage, OpenMode::Existing);
    x.metatag("a").unwrap().set_json("t", &1).unwrap();
    x.metatag("a").unwrap().save_database().unwrap();
    y.metatag("b").unwrap().set_json("t", &2).unwrap();
    y.metatag("b").unwrap().save_database().unwrap();
    let mut now = open(&storage, OpenMode::Existing);
    assert_eq!(
        now.metatag("a").unwrap().query_tag("t", false).unwrap(),
        Value::Json(serde_json::json!(1))
    );
    assert_eq!(
        now.metatag("b").unwrap().query_tag("t", false).unwrap(),
        Value::Json(serde_json::json!(2))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

//! `ObjectStorage` against a real S3-protocol server (`aiootp-s3server`,
//! s3s-fs on loopback, started by `aiootp-testserver` for each test):
//! round trips, export to a folder byte for byte, the save lock (held,
//! expired, taken over), hostile objects, and servers that refuse. The
//! storage contract itself (conflicts, no lost updates, limits, names,
//! calls inside a runtime) is `aiootp-storage`'s `tests/conformance.rs`.
//!
//! Without the server program the tests say they are skipped (a failure
//! under `AIOOTP_REQUIRE_ALL=1`, as CI sets).
#![cfg(feature = "object-store")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use aiootp_db::storage::{self, LOCK_NAME};
use aiootp_db::{
    Database, Error, FsStorage, LockMode, ObjectStorage, OpenMode, OpenOptions, Storage, Value,
};
use aiootp_testserver::S3Server;
use std::sync::Arc;

fn server() -> Option<S3Server> {
    aiootp_testserver::or_skip("the S3 test server", S3Server::start())
}

fn raw(s3: &S3Server, prefix: &str) -> ObjectStorage {
    ObjectStorage::open_with(&s3.url(prefix), s3.options()).unwrap()
}

fn storage(s3: &S3Server, prefix: &str) -> Arc<dyn Storage> {
    Arc::new(raw(s3, prefix))
}

const KEY: &[u8] = &[6u8; 64];

fn options(mode: OpenMode) -> OpenOptions {
    OpenOptions {
        mode,
        lock: LockMode::None,
        ..OpenOptions::default()
    }
}

fn open(s: &Arc<dyn Storage>, mode: OpenMode) -> Database {
    Database::open_node(Arc::clone(s), KEY, options(mode)).unwrap()
}

fn counter(db: &mut Database, tag: &str) -> u64 {
    match db.query_tag(tag, false).unwrap() {
        Value::Json(j) => j.as_u64().unwrap(),
        other => panic!("{other:?}"),
    }
}

/// Every object under the prefix with its bytes.
fn snapshot(s3: &S3Server, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let r = raw(s3, prefix);
    r.list()
        .unwrap()
        .into_iter()
        .map(|n| {
            let b = r.read(&n).unwrap().unwrap();
            (n, b)
        })
        .collect()
}

#[test]
fn values_round_trip_and_export_byte_for_byte() {
    let Some(s3) = server() else { return };
    let s = storage(&s3, "round-trip");
    let mut db = open(&s, OpenMode::Create);
    db.set_json("n", &serde_json::json!({"a": [1, 2.5, "x"]}))
        .unwrap();
    db.set_tag("b", Value::Bytes(vec![0, 1, 255]));
    db.metatag("m").unwrap().set_json("inner", &7).unwrap();
    db.save_database().unwrap();
    // Another client reads it all.
    let mut other = open(&storage(&s3, "round-trip"), OpenMode::Existing);
    assert_eq!(
        other.query_tag("n", false).unwrap(),
        Value::Json(serde_json::json!({"a": [1, 2.5, "x"]}))
    );
    assert_eq!(
        other.query_tag("b", false).unwrap(),
        Value::Bytes(vec![0, 1, 255])
    );
    assert_eq!(counter(other.metatag("m").unwrap(), "inner"), 7);
    // Another prefix is another folder.
    assert!(matches!(
        Database::open_node(storage(&s3, "empty"), KEY, options(OpenMode::Existing)),
        Err(Error::NotFound { .. })
    ));
    // Removing a tag removes its object once the manifest is put; the
    // lock is gone after the save.
    let before = snapshot(&s3, "round-trip").len();
    other.pop_tag("b").unwrap();
    other.save_database().unwrap();
    let after = snapshot(&s3, "round-trip");
    assert_eq!(after.len(), before - 1);
    assert!(!raw(&s3, "round-trip").exists(LOCK_NAME).unwrap());
    // Export: every object is a file of the same bytes, and the folder
    // opens.
    let dir = std::env::temp_dir().join(format!(
        "aiootp-s3-export-{}",
        hex::encode(aiootp_core::token_bytes(6).unwrap())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    other.copy_to(&FsStorage::new(&dir), false).unwrap();
    assert_eq!(after.len(), std::fs::read_dir(&dir).unwrap().count());
    for (name, bytes) in &after {
        assert_eq!(&std::fs::read(dir.join(name)).unwrap(), bytes, "{name}");
    }
    let mut local = Database::open_with(KEY, &dir, options(OpenMode::Existing)).unwrap();
    assert_eq!(counter(local.metatag("m").unwrap(), "inner"), 7);
    // Import into another prefix reads back.
    local.copy_to(&raw(&s3, "imported"), false).unwrap();
    let mut back = open(&storage(&s3, "imported"), OpenMode::Existing);
    assert_eq!(
        back.query_tag("n", false).unwrap(),
        Value::Json(serde_json::json!({"a": [1, 2.5, "x"]}))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_held_lock_blocks_a_save_and_an_expired_one_is_taken_over() {
    let Some(s3) = server() else { return };
    let s = storage(&s3, "lock");
    let mut db = open(&s, OpenMode::Create);
    db.set_json("v", &1).unwrap();
    db.save_database().unwrap();
    let r = raw(&s3, "lock");
    // Another client's save in progress: a lease far in the future.
    let far = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 600_000;
    r.write(LOCK_NAME, format!("0123 {far}").as_bytes())
        .unwrap();
    let before = snapshot(&s3, "lock");
    let mut db = open(&s, OpenMode::Existing);
    db.set_json("v", &2).unwrap();
    assert!(matches!(db.save_database(), Err(Error::Conflict { .. })));
    assert_eq!(
        snapshot(&s3, "lock"),
        before,
        "a blocked save wrote objects"
    );
    assert!(r.exists(LOCK_NAME).unwrap(), "another's lock was removed");
    // A client that died mid-save: its lease ran out long ago (and a
    // garbled lock counts as expired).
    for stale in ["0123 1".as_bytes(), b"\xff garbage"] {
        r.write(LOCK_NAME, stale).unwrap();
        let mut db = open(&s, OpenMode::Existing);
        let n = counter(&mut db, "v");
        db.set_json("v", &(n + 1)).unwrap();
        db.save_database().unwrap();
        assert!(!r.exists(LOCK_NAME).unwrap());
    }
    let mut db = open(&s, OpenMode::Existing);
    assert_eq!(counter(&mut db, "v"), 3);
}

#[test]
fn hostile_objects_and_refusing_servers_are_typed_errors() {
    let Some(s3) = server() else { return };
    let s = storage(&s3, "hostile");
    let mut db = open(&s, OpenMode::Create);
    db.set_tag("big", Value::Bytes(vec![1; 5000]));
    db.save_database().unwrap();
    let file = db.filename("big");
    // An oversized object is refused unread.
    let small: Arc<dyn Storage> = Arc::new(raw(&s3, "hostile").with_max_file_bytes(1000));
    let mut db = Database::open_node(small, KEY, options(OpenMode::Existing)).unwrap();
    assert!(matches!(
        db.query_tag("big", false),
        Err(Error::FileTooLarge { .. })
    ));
    // An object that is not a ciphertext of this database.
    raw(&s3, "hostile")
        .write(&file, b"not a ciphertext")
        .unwrap();
    let mut db = open(&s, OpenMode::Existing);
    assert!(matches!(
        db.query_tag("big", false),
        Err(Error::Cipher { .. })
    ));
    // URLs that do not parse or name no object store.
    for bad in ["s3://", "not a url", "ftp://host/x", "memory:///x"] {
        let e = ObjectStorage::open_with(bad, s3.options()).unwrap_err();
        assert!(matches!(e, storage::Error::InvalidUrl { .. }), "{bad}: {e}");
    }
    // Wrong credentials: refused, never a panic.
    let mut wrong = s3.options();
    for (k, v) in &mut wrong {
        if k == "aws_secret_access_key" {
            *v = "wrong".into();
        }
    }
    let bad = ObjectStorage::open_with(&s3.url("hostile"), wrong).unwrap();
    let e = bad.read(&file).unwrap_err();
    assert!(matches!(e, storage::Error::Backend { .. }), "{e}");
    assert!(!e.to_string().contains(aiootp_testserver::SECRET_KEY));
    // A server that is not there.
    let mut gone = s3.options();
    for (k, v) in &mut gone {
        if k == "aws_endpoint" {
            *v = "http://127.0.0.1:9".into();
        }
    }
    let e = ObjectStorage::open_with(&s3.url("x"), gone)
        .unwrap()
        .read("anything")
        .unwrap_err();
    assert!(matches!(e, storage::Error::Backend { .. }), "{e}");
}

#[test]
fn a_server_killed_mid_save_leaves_each_object_old_or_new() {
    let Some(mut s3) = server() else { return };
    let tags = 300;
    let s = storage(&s3, "crash");
    let mut db = open(&s, OpenMode::Create);
    for i in 0..tags {
        db.set_json(&format!("t{i}"), &0).unwrap();
    }
    db.save_database().unwrap();
    drop((db, s));
    let mut now = vec![0u64; tags];
    let mut failed = 0;
    for round in 1..=4u64 {
        let s = storage(&s3, "crash");
        let mut db = open(&s, OpenMode::Existing);
        for i in 0..tags {
            db.set_json(&format!("t{i}"), &round).unwrap();
        }
        let pause = std::time::Duration::from_millis(5 + 15 * round);
        let saved = std::thread::scope(|scope| {
            let save = scope.spawn(|| db.save_database());
            std::thread::sleep(pause);
            s3.crash();
            save.join().unwrap()
        });
        match saved {
            Ok(()) => {}
            // A typed error, never a panic.
            Err(Error::Storage(storage::Error::Backend { .. })) => failed += 1,
            Err(e) => panic!("{e:?}"),
        }
        s3.restart().unwrap();
        // The database opens; each tag holds the value it had or the new one.
        let r = raw(&s3, "crash");
        let s: Arc<dyn Storage> = storage(&s3, "crash");
        let mut db = open(&s, OpenMode::Existing);
        for (i, was) in now.iter_mut().enumerate() {
            let v = counter(&mut db, &format!("t{i}"));
            assert!(
                v == *was || v == round,
                "t{i} is {v}, was {was}, round {round}"
            );
            *was = v;
        }
        // A save cut off left its lock (its lease would run out in
        // LEASE); as an operator would, remove it for the next round.
        r.remove(LOCK_NAME).unwrap();
    }
    eprintln!("{failed} of 4 saves were cut off by the crash");
}

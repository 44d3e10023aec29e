//! Databases on `PgStorage` against a real PostgreSQL server (started by
//! `aiootp-testserver` for this test binary): round trips, hostile rows,
//! export to a folder byte for byte, profiles, and a server crash in the
//! middle of saves. The storage contract itself (conflicts, no lost
//! updates, limits, names) is `aiootp-storage`'s `tests/conformance.rs`.
//!
//! Without PostgreSQL installed the tests say they are skipped (a failure
//! under `AIOOTP_REQUIRE_ALL=1`, as CI sets).
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use aiootp_db::{
    Database, Error, FsStorage, LockMode, OpenMode, OpenOptions, PgStorage, Storage, Value,
};
use aiootp_testserver::PgServer;
use std::sync::Arc;

/// A server of this test's own (stopped when the test ends), or `None`
/// when PostgreSQL is not installed (a failure under AIOOTP_REQUIRE_ALL).
fn server() -> Option<PgServer> {
    aiootp_testserver::or_skip("PostgreSQL", PgServer::start())
}

/// A connection to namespace `ns`.
fn storage(url: &str, ns: &str) -> Arc<dyn Storage> {
    Arc::new(PgStorage::connect(url, ns).unwrap())
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        hex::encode(aiootp_core::token_bytes(6).unwrap())
    )
}

const KEY: &[u8] = &[5u8; 64];

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

fn rows(url: &str, ns: &str) -> usize {
    let s = PgStorage::connect(url, ns).unwrap();
    s.list().unwrap().len()
}

#[test]
fn values_round_trip_through_postgres() {
    let Some(pg) = server() else { return };
    let url = pg.url();
    let ns = unique("round-trip");
    let s = storage(&url, &ns);
    let mut db = open(&s, OpenMode::Create);
    db.set_json("n", &serde_json::json!({"a": [1, 2.5, "x"]}))
        .unwrap();
    db.set_tag("b", Value::Bytes(vec![0, 1, 255]));
    db.metatag("m").unwrap().set_json("inner", &7).unwrap();
    db.save_database().unwrap();
    // Another connection (another client) reads it all.
    let mut other = open(&storage(&url, &ns), OpenMode::Existing);
    assert_eq!(
        other.query_tag("n", false).unwrap(),
        Value::Json(serde_json::json!({"a": [1, 2.5, "x"]}))
    );
    assert_eq!(
        other.query_tag("b", false).unwrap(),
        Value::Bytes(vec![0, 1, 255])
    );
    assert_eq!(counter(other.metatag("m").unwrap(), "inner"), 7);
    // Another namespace is another folder: no database there.
    let empty = storage(&url, &unique("empty"));
    assert!(matches!(
        Database::open_node(empty, KEY, options(OpenMode::Existing)),
        Err(Error::NotFound { .. })
    ));
    // Removing a tag removes its row once the manifest commits.
    let before = rows(&url, &ns);
    other.pop_tag("b").unwrap();
    other.save_database().unwrap();
    assert_eq!(rows(&url, &ns), before - 1);
}

#[test]
fn export_to_a_folder_is_byte_for_byte_and_import_back() {
    let Some(pg) = server() else { return };
    let url = pg.url();
    let ns = unique("export");
    let s = storage(&url, &ns);
    let mut db = open(&s, OpenMode::Create);
    db.set_json("x", &[1, 2, 3]).unwrap();
    db.metatag("m")
        .unwrap()
        .set_tag("y", Value::Bytes(vec![9; 1000]));
    db.save_database().unwrap();
    let dir = std::env::temp_dir().join(unique("aiootp-export"));
    std::fs::create_dir_all(&dir).unwrap();
    let folder = FsStorage::new(&dir);
    db.copy_to(&folder, false).unwrap();
    // Every row is a file of the same bytes.
    let pg = PgStorage::connect(&url, &ns).unwrap();
    let names = pg.list().unwrap();
    assert_eq!(names.len(), std::fs::read_dir(&dir).unwrap().count());
    for n in &names {
        assert_eq!(
            std::fs::read(dir.join(n)).unwrap(),
            pg.read(n).unwrap().unwrap()
        );
    }
    // A second export without replace is refused; with it, it works.
    assert!(matches!(
        db.copy_to(&folder, false),
        Err(Error::AlreadyExists { .. })
    ));
    db.copy_to(&folder, true).unwrap();
    // The folder opens; importing it into another namespace reads back.
    let mut local = Database::open_with(KEY, &dir, options(OpenMode::Existing)).unwrap();
    assert_eq!(
        local.metatag("m").unwrap().query_tag("y", false).unwrap(),
        Value::Bytes(vec![9; 1000])
    );
    let ns2 = unique("import");
    local
        .copy_to(&PgStorage::connect(&url, &ns2).unwrap(), false)
        .unwrap();
    let mut back = open(&storage(&url, &ns2), OpenMode::Existing);
    assert_eq!(
        back.query_tag("x", false).unwrap(),
        Value::Json(serde_json::json!([1, 2, 3]))
    );
    // Unsaved changes are refused.
    back.set_json("z", &1).unwrap();
    assert!(matches!(back.copy_to(&folder, true), Err(Error::Unsaved)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hostile_rows_are_typed_errors() {
    let Some(pg) = server() else { return };
    let url = pg.url();
    let ns = unique("hostile");
    let s = storage(&url, &ns);
    let mut db = open(&s, OpenMode::Create);
    db.set_tag("big", Value::Bytes(vec![1; 5000]));
    db.save_database().unwrap();
    let file = db.filename("big");
    // An oversized row is refused unread.
    let small: Arc<dyn Storage> = Arc::new(
        PgStorage::connect(&url, &ns)
            .unwrap()
            .with_max_file_bytes(1000),
    );
    let mut db = Database::open_node(small, KEY, options(OpenMode::Existing)).unwrap();
    assert!(matches!(
        db.query_tag("big", false),
        Err(Error::FileTooLarge { .. })
    ));
    // A row that is not a ciphertext of this database.
    let raw = PgStorage::connect(&url, &ns).unwrap();
    raw.write(&file, b"not a ciphertext").unwrap();
    let mut db = open(&s, OpenMode::Existing);
    let e = db.query_tag("big", false).unwrap_err();
    assert!(matches!(e, Error::Cipher { .. }), "{e:?}");
    // A URL that does not parse, a server that is not there.
    let e = PgStorage::connect("postgresql://[::1", "x").unwrap_err();
    assert!(
        matches!(e, aiootp_db::storage::Error::InvalidUrl { .. }),
        "{e}"
    );
    assert!(PgStorage::connect("postgresql:///postgres?host=/nonexistent&user=x", "x").is_err());
}

/// A crash of the server in the middle of saves: each save either
/// returns an error or commits; after a restart the database is the
/// last committed save in full, never a mix.
#[test]
fn a_server_crash_mid_save_leaves_one_whole_save() {
    let Some(mut pg) = server() else { return };
    let url = pg.url();
    let s = storage(&url, "crash");
    let mut db = open(&s, OpenMode::Create);
    let tags = 400;
    for t in 0..tags {
        db.set_json(&format!("t{t}"), &0).unwrap();
    }
    db.save_database().unwrap();
    for round in 1..=4u64 {
        let s2 = storage(&url, "crash");
        let saver = std::thread::spawn(move || {
            let mut db = open(&s2, OpenMode::Existing);
            // Many saves, each setting every tag to the round's value.
            let mut committed = 0;
            for k in 0..1000u64 {
                for t in 0..tags {
                    db.set_json(&format!("t{t}"), &(round * 10_000 + k))
                        .unwrap();
                }
                match db.save_database() {
                    Ok(()) => committed = round * 10_000 + k,
                    Err(Error::Storage(aiootp_db::storage::Error::Backend { .. })) => {
                        return committed;
                    }
                    Err(e) => panic!("not an I/O error: {e}"),
                }
            }
            panic!("the server never went away");
        });
        std::thread::sleep(std::time::Duration::from_millis(300 + 150 * round));
        pg.crash().unwrap();
        let last_ok = saver.join().unwrap();
        pg.restart().unwrap();
        let mut db = open(&storage(&url, "crash"), OpenMode::Existing);
        let first = counter(&mut db, "t0");
        for t in 1..tags {
            assert_eq!(
                counter(&mut db, &format!("t{t}")),
                first,
                "round {round}: a mixed save"
            );
        }
        // The last save reported committed is there (or the one in flight, if it committed before the crash).
        assert!(first >= last_ok, "round {round}: {first} < {last_ok}");
    }
}

#[test]
fn profiles_open_on_postgres() {
    let Some(pg) = server() else { return };
    let url = pg.url();
    let ns = unique("profile");
    let settings = aiootp_db::ProfileSettings {
        passcrypt: aiootp_passcrypt::Settings {
            mb: 1,
            cpu: 1,
            cores: 1,
            tag_size: 64,
        },
        ..aiootp_db::ProfileSettings::default()
    };
    let open = |pass: &[u8], mode| {
        aiootp_db::generate_profile_on(
            storage(&url, &ns),
            &[b"server"],
            b"alice",
            pass,
            b"salt",
            b"aad",
            &settings,
            mode,
        )
    };
    let (mut db, _) = open(b"correct horse battery staple", OpenMode::OpenOrNew).unwrap();
    db.set_json("t", &[1, 2]).unwrap();
    db.save_database().unwrap();
    let (mut again, _) = open(b"correct horse battery staple", OpenMode::Existing).unwrap();
    assert_eq!(
        again.query_tag("t", false).unwrap(),
        Value::Json(serde_json::json!([1, 2]))
    );
    // The salt files are rows of the namespace too.
    let names = PgStorage::connect(&url, &ns).unwrap().list().unwrap();
    assert!(
        names.iter().any(|n| n.starts_with("secure/_admin/")),
        "{names:?}"
    );
    assert!(matches!(
        open(b"correct horse battery stapler", OpenMode::Existing),
        Err(Error::NotFound { .. })
    ));
}

/// The async face on PostgreSQL: `AsyncDatabase` runs the blocking client
/// on tokio's blocking pool, which must not panic inside a runtime.
#[cfg(feature = "tokio")]
#[test]
fn the_async_face_works_on_postgres() {
    let Some(pg) = server() else { return };
    let url = pg.url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let s = storage(&url, "async");
        let db = aiootp_db::aio::AsyncDatabase::from_sync(open(&s, OpenMode::Create));
        db.set_tag("t".into(), Value::Bytes(vec![1, 2]))
            .await
            .unwrap();
        db.save_database().await.unwrap();
        let again = aiootp_db::aio::AsyncDatabase::from_sync(open(
            &storage(&url, "async"),
            OpenMode::Existing,
        ));
        assert_eq!(
            again.query_tag("t".into(), false).await.unwrap(),
            Value::Bytes(vec![1, 2])
        );
    });
}

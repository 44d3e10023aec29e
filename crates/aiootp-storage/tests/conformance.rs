//! One conformance suite for every [`Storage`] backend, written once over
//! `&dyn Storage` (as `object_store`'s `integration.rs` is for its stores)
//! and run against memory, a folder, a real PostgreSQL server and a real
//! S3-protocol server (`aiootp-testserver`).
//!
//! A backend whose server cannot start, or whose feature this build
//! lacks, says it is skipped; under `AIOOTP_REQUIRE_ALL=1` (as CI sets)
//! that is a failure, never a silent pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use aiootp_storage::{
    Changes, Error, Expected, FsStorage, LockMode, ManifestWrite, MemStorage, Refusal, Storage,
    version_of,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Opens a fresh handle on the place `place` of one backend (the same
/// files for the same place, as a second client of a server sees them),
/// reading files of at most `max` bytes.
type Open<'a> = dyn Fn(&str, u64) -> Arc<dyn Storage> + Sync + 'a;

/// One check of the suite, given a place of its own.
type Check = fn(&Open<'_>, &str);

const UNLIMITED: u64 = aiootp_storage::DEFAULT_MAX_FILE_BYTES;

/// Every check, by name, run in order on one backend. `writer` opens a
/// handle as one writing process does (for a folder, holding its lock:
/// the folder's saves are atomic only under it); `open` may be called
/// while another handle is alive.
fn run_suite(backend: &str, open: &Open<'_>, writer: &Open<'_>) {
    let checks: [(&str, Check); 8] = [
        ("round_trip", round_trip),
        ("create_new_is_exclusive", create_new_is_exclusive),
        ("list_is_sorted_and_complete", list_is_sorted_and_complete),
        ("names_outside_the_place_are_refused", invalid_names),
        ("reads_over_the_limit_are_refused", size_limit),
        ("a_stale_save_conflicts_and_writes_nothing", stale_save),
        ("an_existing_create_file_writes_nothing", existing_create),
        ("blocking_calls_inside_a_runtime", inside_a_runtime),
    ];
    let place = |name: &str| format!("{name}-{}", hex(&aiootp_core::token_bytes(4).unwrap()));
    for (name, check) in checks {
        let t = std::time::Instant::now();
        check(open, &place(name));
        eprintln!("{backend}: {name} ok ({:.2?})", t.elapsed());
    }
    let t = std::time::Instant::now();
    concurrent_increments(writer, &place("increments"));
    eprintln!(
        "{backend}: concurrent_increments_lose_nothing ok ({:.2?})",
        t.elapsed()
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn round_trip(open: &Open<'_>, place: &str) {
    let s = open(place, UNLIMITED);
    assert_eq!(s.read("a").unwrap(), None);
    assert!(!s.exists("a").unwrap());
    s.write("a", b"one").unwrap();
    assert_eq!(s.read("a").unwrap().unwrap(), b"one");
    s.write("a", b"two, longer").unwrap();
    assert_eq!(s.read("a").unwrap().unwrap(), b"two, longer");
    s.write("secure/_admin/salt", &[0u8; 0]).unwrap();
    // A second client sees the same files.
    let other = open(place, UNLIMITED);
    assert_eq!(other.read("a").unwrap().unwrap(), b"two, longer");
    assert_eq!(
        other.read("secure/_admin/salt").unwrap().unwrap(),
        b"",
        "an empty file is a file"
    );
    assert!(other.exists("secure/_admin/salt").unwrap());
    s.write_many(&[("b".into(), vec![1; 3]), ("c".into(), vec![2; 5])])
        .unwrap();
    assert_eq!(other.read("c").unwrap().unwrap(), [2; 5]);
    s.remove("a").unwrap();
    s.remove("a").unwrap(); // a missing file is not an error
    assert_eq!(other.read("a").unwrap(), None);
    assert!(!other.exists("a").unwrap());
    s.sync().unwrap();
    assert!(!s.location("b").is_empty());
}

fn create_new_is_exclusive(open: &Open<'_>, place: &str) {
    let s = open(place, UNLIMITED);
    assert!(s.create_new("salt", b"first").unwrap());
    assert!(
        !open(place, UNLIMITED)
            .create_new("salt", b"second")
            .unwrap()
    );
    assert_eq!(s.read("salt").unwrap().unwrap(), b"first");
    assert!(s.create_new("secure/x", b"nested").unwrap());
}

fn list_is_sorted_and_complete(open: &Open<'_>, place: &str) {
    let s = open(place, UNLIMITED);
    assert!(s.list().unwrap().is_empty());
    for name in ["m", "b", "secure/_admin/d", "secure/c", "a"] {
        s.write(name, name.as_bytes()).unwrap();
    }
    assert_eq!(
        open(place, UNLIMITED).list().unwrap(),
        ["a", "b", "m", "secure/_admin/d", "secure/c"]
    );
    s.remove("m").unwrap();
    assert_eq!(s.list().unwrap(), ["a", "b", "secure/_admin/d", "secure/c"]);
}

fn invalid_names(open: &Open<'_>, place: &str) {
    let s = open(place, UNLIMITED);
    s.write("inside", b"x").unwrap();
    let refused = |r: Result<(), Error>, what: &str, name: &str| match r {
        Err(Error::Refused {
            reason: Refusal::InvalidName,
            ..
        }) => {}
        other => panic!("{what}({name:?}): {other:?}"),
    };
    for name in [
        "",
        "/etc/passwd",
        "../outside",
        "a/../../b",
        "a//b",
        ".",
        "a/./b",
        "a\\b",
        "a\0b",
        "a/",
    ] {
        refused(s.read(name).map(drop), "read", name);
        refused(s.write(name, b"x"), "write", name);
        refused(s.create_new(name, b"x").map(drop), "create_new", name);
        refused(s.remove(name), "remove", name);
        refused(s.exists(name).map(drop), "exists", name);
        let changes = Changes {
            writes: vec![("fine".into(), b"x".to_vec()), (name.into(), b"x".to_vec())],
            ..Changes::default()
        };
        refused(s.commit(&changes), "commit", name);
    }
    // Nothing of any refused call was written.
    assert_eq!(s.list().unwrap(), ["inside"]);
}

fn size_limit(open: &Open<'_>, place: &str) {
    open(place, UNLIMITED).write("big", &[7; 2000]).unwrap();
    open(place, UNLIMITED).write("small", &[7; 1000]).unwrap();
    let small = open(place, 1000);
    assert_eq!(small.max_file_bytes(), 1000);
    match small.read("big") {
        Err(Error::TooLarge { len, max, .. }) => assert_eq!((len, max), (2000, 1000)),
        other => panic!("{other:?}"),
    }
    assert_eq!(small.read("small").unwrap().unwrap().len(), 1000);
}

fn manifest(data: &[u8], expected: Expected) -> ManifestWrite {
    ManifestWrite {
        name: "manifest".into(),
        data: data.to_vec(),
        expected,
    }
}

fn stale_save(open: &Open<'_>, place: &str) {
    let s = open(place, UNLIMITED);
    let first = Changes {
        create: vec![("salt".into(), b"salt".to_vec())],
        writes: vec![("t1".into(), b"1".to_vec()), ("old".into(), b"o".to_vec())],
        manifests: vec![manifest(b"v1", Expected::Absent)],
        removes: vec![],
    };
    s.commit(&first).unwrap();
    // Two clients start from v1; the first commits.
    let a = open(place, UNLIMITED);
    let b = open(place, UNLIMITED);
    let from_v1 = Expected::Version(version_of(b"v1"));
    a.commit(&Changes {
        writes: vec![("t2".into(), b"a".to_vec())],
        manifests: vec![manifest(b"v2-a", from_v1)],
        removes: vec!["old".into()],
        ..Changes::default()
    })
    .unwrap();
    // The second conflicts, naming the manifest, and writes nothing.
    let before = s.list().unwrap();
    match b.commit(&Changes {
        writes: vec![("t3".into(), b"b".to_vec()), ("t1".into(), b"b".to_vec())],
        manifests: vec![manifest(b"v2-b", from_v1)],
        removes: vec!["t2".into()],
        ..Changes::default()
    }) {
        Err(Error::Conflict { name, .. }) => assert_eq!(name, "manifest"),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.list().unwrap(), before);
    assert_eq!(s.read("manifest").unwrap().unwrap(), b"v2-a");
    assert_eq!(s.read("t1").unwrap().unwrap(), b"1");
    assert_eq!(s.read("t2").unwrap().unwrap(), b"a");
    assert_eq!(s.read("old").unwrap(), None);
    // A creator that finds the manifest there conflicts too.
    assert!(
        b.commit(&Changes {
            manifests: vec![manifest(b"new", Expected::Absent)],
            ..Changes::default()
        })
        .unwrap_err()
        .is_conflict()
    );
    // From the current version, it commits.
    b.commit(&Changes {
        manifests: vec![manifest(b"v3", Expected::Version(version_of(b"v2-a")))],
        ..Changes::default()
    })
    .unwrap();
    assert_eq!(a.read("manifest").unwrap().unwrap(), b"v3");
}

fn existing_create(open: &Open<'_>, place: &str) {
    let s = open(place, UNLIMITED);
    s.write("salt", b"theirs").unwrap();
    let r = s.commit(&Changes {
        create: vec![("salt".into(), b"mine".to_vec())],
        writes: vec![("t".into(), b"x".to_vec())],
        manifests: vec![manifest(b"v1", Expected::Absent)],
        removes: vec![],
    });
    assert!(matches!(r, Err(Error::AlreadyExists { .. })), "{r:?}");
    assert_eq!(s.read("salt").unwrap().unwrap(), b"theirs");
    assert_eq!(s.list().unwrap(), ["salt"]);
}

/// Clients that each read the counter and commit it plus one, retrying on
/// conflict, each attempt from a fresh handle (a fresh process, as far as
/// the storage can tell): no increment is lost.
fn concurrent_increments(open: &Open<'_>, place: &str) {
    const CLIENTS: u64 = 4;
    const EACH: u64 = 8;
    std::thread::scope(|scope| {
        for client in 0..CLIENTS {
            scope.spawn(move || {
                for i in 0..EACH {
                    let mut attempts = 0;
                    loop {
                        attempts += 1;
                        assert!(attempts < 2000, "client {client} starved");
                        let s = open(place, UNLIMITED);
                        let now = s.read("manifest").unwrap();
                        let (n, expected) = match &now {
                            None => (0, Expected::Absent),
                            Some(b) => (
                                std::str::from_utf8(b).unwrap().parse::<u64>().unwrap(),
                                Expected::Version(version_of(b)),
                            ),
                        };
                        let next = (n + 1).to_string();
                        let changes = Changes {
                            writes: vec![(format!("c{client}-{i}"), next.clone().into_bytes())],
                            manifests: vec![manifest(next.as_bytes(), expected)],
                            ..Changes::default()
                        };
                        match s.commit(&changes) {
                            Ok(()) => break,
                            Err(Error::Conflict { .. }) => {
                                std::thread::sleep(std::time::Duration::from_millis(
                                    1 + u64::from(aiootp_core::token_bytes(1).unwrap()[0] % 8),
                                ));
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
            });
        }
    });
    let total = open(place, UNLIMITED).read("manifest").unwrap().unwrap();
    assert_eq!(
        std::str::from_utf8(&total).unwrap(),
        (CLIENTS * EACH).to_string()
    );
}

/// A blocking storage called on a tokio runtime's thread blocks it, but
/// never panics.
fn inside_a_runtime(open: &Open<'_>, place: &str) {
    let s = open(place, UNLIMITED);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        s.write("a", b"x").unwrap();
        assert_eq!(s.read("a").unwrap().unwrap(), b"x");
        assert_eq!(s.list().unwrap(), ["a"]);
    });
    drop(rt);
}

#[test]
fn memory() {
    let places: Mutex<HashMap<String, MemStorage>> = Mutex::default();
    let open = |place: &str, max| -> Arc<dyn Storage> {
        let mut places = places.lock().unwrap();
        let s = places.entry(place.to_owned()).or_default().clone();
        Arc::new(s.with_max_file_bytes(max))
    };
    run_suite("memory", &open, &open);
}

fn temp_root(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "aiootp-conformance-{what}-{}-{}",
        std::process::id(),
        hex(&aiootp_core::token_bytes(4).unwrap())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn folder() {
    let root = temp_root("folder");
    let opener = |lock| {
        let root = &root;
        move |place: &str, max| -> Arc<dyn Storage> {
            let dir = root.join(place);
            std::fs::create_dir_all(&dir).unwrap();
            Arc::new(
                FsStorage::open(&dir, lock)
                    .unwrap()
                    .with_max_file_bytes(max),
            )
        }
    };
    // A writer holds the folder's lock, as each writing process does.
    run_suite("folder", &opener(LockMode::None), &opener(LockMode::Wait));
    std::fs::remove_dir_all(&root).unwrap();
}

#[cfg(feature = "postgres")]
#[test]
fn postgres() {
    let Some(pg) = aiootp_testserver::or_skip("PostgreSQL", aiootp_testserver::PgServer::start())
    else {
        return;
    };
    let url = pg.url();
    let open = |place: &str, max| -> Arc<dyn Storage> {
        Arc::new(
            aiootp_storage::PgStorage::connect(&url, place)
                .unwrap()
                .with_max_file_bytes(max),
        )
    };
    run_suite("postgres", &open, &open);
}

#[cfg(feature = "object-store")]
#[test]
fn object_store() {
    let Some(s3) =
        aiootp_testserver::or_skip("the S3 test server", aiootp_testserver::S3Server::start())
    else {
        return;
    };
    let open = |place: &str, max| -> Arc<dyn Storage> {
        Arc::new(
            aiootp_storage::ObjectStorage::open_with(&s3.url(place), s3.options())
                .unwrap()
                .with_max_file_bytes(max),
        )
    };
    run_suite("object store", &open, &open);
}

/// A build without the feature cannot run the backend: skipped, and a
/// failure under `AIOOTP_REQUIRE_ALL=1`.
#[cfg(not(feature = "postgres"))]
#[test]
fn postgres() {
    let _ = aiootp_testserver::or_skip::<()>(
        "PostgreSQL",
        Err("this build lacks the `postgres` feature (test with --all-features)".into()),
    );
}

/// As for PostgreSQL.
#[cfg(not(feature = "object-store"))]
#[test]
fn object_store() {
    let _ = aiootp_testserver::or_skip::<()>(
        "the S3 test server",
        Err("this build lacks the `object-store` feature (test with --all-features)".into()),
    );
}

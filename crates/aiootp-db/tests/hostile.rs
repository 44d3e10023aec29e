//! Database folders from an untrusted place: anyone who can write the
//! folder (no key needed, except where a test says so) replaces files with
//! FIFOs, symlinks, devices or huge sparse files, leaves odd temporaries,
//! or (holding the key) writes manifest entries that are paths. Each case
//! hung, aborted, exhausted memory or touched files outside the folder on
//! the main of 2026-12-01 (c0ac563).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use aiootp_db::{Database, Error, LockMode, MAX_METATAG_DEPTH, OpenMode, OpenOptions, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

const KEY: &[u8] = &[7u8; 64];

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "aiootp-hostile-{name}-{}",
        hex::encode(aiootp_core::token_bytes(6).unwrap())
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn options(mode: OpenMode) -> OpenOptions {
    OpenOptions {
        mode,
        lock: LockMode::None,
        ..OpenOptions::default()
    }
}

/// Runs `f` on another thread; a failure if it takes over 20 s (a hang).
fn within_20s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("the operation hung"))
}

/// A saved database with tag `t` (bytes) and its tag file's path.
fn saved(dir: &Path) -> PathBuf {
    let mut db = Database::open_with(KEY, dir, options(OpenMode::Create)).unwrap();
    db.set_tag("t", Value::Bytes(b"value".to_vec()));
    db.save_database().unwrap();
    dir.join(db.filename("t"))
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

#[test]
fn a_tag_file_replaced_by_a_fifo_is_refused_at_once() {
    let dir = temp_dir("fifo");
    let tag_file = saved(&dir);
    std::fs::remove_file(&tag_file).unwrap();
    mkfifo(&tag_file);
    let d = dir.clone();
    let r = within_20s(move || {
        let mut db = Database::open_with(KEY, &d, options(OpenMode::Existing)).unwrap();
        db.query_tag("t", false)
    });
    assert!(
        matches!(&r, Err(Error::NotARegularFile { location }) if location == &tag_file.display().to_string()),
        "{r:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_manifest_replaced_by_a_fifo_is_refused_at_once() {
    let dir = temp_dir("fifo-manifest");
    saved(&dir);
    let manifest = {
        let db = Database::open_with(KEY, &dir, options(OpenMode::Existing)).unwrap();
        dir.join(db.root_filename())
    };
    std::fs::remove_file(&manifest).unwrap();
    mkfifo(&manifest);
    let d = dir.clone();
    let r = within_20s(move || Database::open_with(KEY, &d, options(OpenMode::Existing)).map(drop));
    assert!(matches!(r, Err(Error::NotARegularFile { .. })), "{r:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_tag_file_symlinked_to_dev_zero_is_refused() {
    let dir = temp_dir("zero");
    let tag_file = saved(&dir);
    std::fs::remove_file(&tag_file).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &tag_file).unwrap();
    let d = dir.clone();
    let r = within_20s(move || {
        let mut db = Database::open_with(KEY, &d, options(OpenMode::Existing)).unwrap();
        db.query_tag("t", false)
    });
    assert!(matches!(r, Err(Error::NotARegularFile { .. })), "{r:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_huge_sparse_tag_file_is_refused_before_it_is_read() {
    let dir = temp_dir("sparse");
    let tag_file = saved(&dir);
    // A valid ciphertext length (64 + 256·N), 1 GB, holding nothing.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&tag_file)
        .unwrap();
    f.set_len(64 + 256 * 3_906_250).unwrap();
    drop(f);
    let d = dir.clone();
    let r = within_20s(move || {
        let mut db = Database::open_with(KEY, &d, options(OpenMode::Existing)).unwrap();
        db.query_tag("t", false)
    });
    assert!(
        matches!(r, Err(Error::FileTooLarge { len: 1_000_000_064, max, .. }) if max == aiootp_db::DEFAULT_MAX_FILE_BYTES),
        "{r:?}"
    );
    // A value that would make a file over the limit is refused when saved.
    let mut db = Database::open_with(KEY, temp_dir("limit"), options(OpenMode::Create)).unwrap();
    db.set_tag(
        "big",
        Value::Bytes(vec![
            0;
            usize::try_from(aiootp_db::DEFAULT_MAX_FILE_BYTES)
                .unwrap()
        ]),
    );
    assert!(matches!(
        db.save_database(),
        Err(Error::FileTooLarge { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reading_never_changes_the_mode_of_what_a_symlink_names() {
    let dir = temp_dir("chmod");
    let tag_file = saved(&dir);
    let outside = temp_dir("outside").join("precious");
    std::fs::write(&outside, b"not the database's").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::remove_file(&tag_file).unwrap();
    std::os::unix::fs::symlink(&outside, &tag_file).unwrap();
    let mut db = Database::open_with(KEY, &dir, options(OpenMode::Existing)).unwrap();
    let r = db.query_tag("t", false);
    assert!(matches!(r, Err(Error::NotARegularFile { .. })), "{r:?}");
    let mode = std::fs::metadata(&outside).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o000, "the file outside the folder was chmodded");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Rewrites the top manifest of `dir` with an extra entry `name: tag`, as a
/// co-holder of the key could.
fn add_manifest_entry(dir: &Path, name: &str) {
    let db = Database::open_with(KEY, dir, options(OpenMode::Existing)).unwrap();
    let path = dir.join(db.root_filename());
    drop(db);
    let plain = aiootp_db::internal::decrypt_manifest(KEY, &std::fs::read(&path).unwrap()).unwrap();
    let mut json: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&plain).unwrap();
    json.insert(name.to_owned(), serde_json::Value::String("evil".into()));
    let text = aiootp_core::python_dumps(&serde_json::Value::Object(json));
    let ct = aiootp_db::internal::encrypt_manifest(KEY, text.as_bytes()).unwrap();
    std::fs::write(&path, ct).unwrap();
}

#[test]
fn manifest_names_that_are_paths_are_refused() {
    for hostile in [
        "../outside",
        "/tmp/aiootp-absolute",
        ".",
        "..",
        "a/b",
        "UPPER",
        "",
    ] {
        let base = temp_dir("names");
        let dir = base.join("db");
        std::fs::create_dir_all(&dir).unwrap();
        saved(&dir);
        std::fs::write(base.join("outside"), b"keep me").unwrap();
        add_manifest_entry(&dir, hostile);
        let r = Database::open_with(KEY, &dir, options(OpenMode::Existing));
        assert!(
            matches!(&r, Err(Error::InvalidFileName { name, .. }) if name == hostile),
            "{hostile:?}: {:?}",
            r.map(drop)
        );
        assert_eq!(std::fs::read(base.join("outside")).unwrap(), b"keep me");
        std::fs::remove_dir_all(&base).unwrap();
    }
}

#[test]
fn stale_temporaries_are_cleaned_everywhere_and_odd_ones_left_alone() {
    let dir = temp_dir("temps");
    saved(&dir);
    std::fs::create_dir_all(dir.join("secure/_admin")).unwrap();
    for p in [
        ".aiootp-tmp-a",
        "secure/.aiootp-tmp-b",
        "secure/_admin/.aiootp-tmp-c",
    ] {
        std::fs::write(dir.join(p), b"half a write").unwrap();
    }
    std::fs::create_dir_all(dir.join(".aiootp-tmp-dir")).unwrap();
    let lock = OpenOptions {
        mode: OpenMode::Existing,
        lock: LockMode::Fail,
        ..OpenOptions::default()
    };
    let db = Database::open_with(KEY, &dir, lock);
    assert!(db.is_ok(), "{:?}", db.map(drop));
    for p in [
        ".aiootp-tmp-a",
        "secure/.aiootp-tmp-b",
        "secure/_admin/.aiootp-tmp-c",
    ] {
        assert!(!dir.join(p).exists(), "{p} was left");
    }
    assert!(dir.join(".aiootp-tmp-dir").is_dir(), "a folder was removed");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn metatags_nest_to_the_limit_and_no_deeper_at_10000_levels() {
    let dir = temp_dir("deep");
    let mut db = Database::open_with(KEY, &dir, options(OpenMode::Create)).unwrap();
    let mut node = &mut db;
    for level in 0..MAX_METATAG_DEPTH {
        node = node.metatag(&format!("m{level}")).unwrap();
    }
    // Every level past the limit, to 10,000, is refused with a typed error.
    for level in MAX_METATAG_DEPTH..10_000 {
        let r = node.metatag(&format!("m{level}"));
        assert!(
            matches!(r, Err(Error::MetatagTooDeep { max }) if max == MAX_METATAG_DEPTH),
            "level {level}"
        );
    }
    node.set_tag("deepest", Value::Bytes(b"here".to_vec()));
    db.save_database().unwrap();
    drop(db);
    // What was saved opens again, all the way down.
    let mut db = Database::open_with(KEY, &dir, options(OpenMode::Existing)).unwrap();
    let mut node = &mut db;
    for level in 0..MAX_METATAG_DEPTH {
        node = node.metatag(&format!("m{level}")).unwrap();
    }
    assert_eq!(
        node.query_tag("deepest", false).unwrap(),
        Value::Bytes(b"here".to_vec())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

mod depth {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Any depth up to the limit saves and opens again; one more is refused.
        #[test]
        fn any_depth_to_the_limit_round_trips(depth in 1..=MAX_METATAG_DEPTH) {
            let dir = temp_dir("depth");
            let mut db = Database::open_with(KEY, &dir, options(OpenMode::Create)).unwrap();
            let mut node = &mut db;
            for level in 0..depth {
                node = node.metatag(&format!("{level}")).unwrap();
            }
            node.set_tag("x", Value::Bytes(vec![u8::try_from(depth % 256).unwrap()]));
            prop_assert_eq!(
                node.metatag("one more").is_err(),
                depth == MAX_METATAG_DEPTH
            );
            db.save_database().unwrap();
            drop(db);
            let mut db = Database::open_with(KEY, &dir, options(OpenMode::Existing)).unwrap();
            let mut node = &mut db;
            for level in 0..depth {
                node = node.metatag(&format!("{level}")).unwrap();
            }
            prop_assert_eq!(
                node.query_tag("x", false).unwrap(),
                Value::Bytes(vec![u8::try_from(depth % 256).unwrap()])
            );
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}

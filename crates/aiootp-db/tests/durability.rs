//! Failure behaviour: a failed save reports an error and leaves the last
//! committed state readable; popped tags' files outlive the old manifest;
//! the salt file is never rewritten; a second writer is kept out.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use aiootp_db::{
    Database, Error, FsStorage, LockMode, OpenMode, OpenOptions, Storage, Value, storage,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "aiootp-db-{name}-{}",
        hex::encode(aiootp_core::token_bytes(6).unwrap())
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

const KEY: &[u8] = &[7u8; 64];

fn no_lock(mode: OpenMode) -> OpenOptions {
    OpenOptions {
        mode,
        lock: LockMode::None,
        ..OpenOptions::default()
    }
}

fn committed(dir: &PathBuf) -> Vec<(String, Value)> {
    let mut db = Database::open_with(KEY, dir, no_lock(OpenMode::Existing)).unwrap();
    let mut tags: Vec<String> = db.tags().map(str::to_owned).collect();
    tags.sort();
    tags.into_iter()
        .map(|t| {
            let v = db.query_tag(&t, false).unwrap();
            (t, v)
        })
        .collect()
}

#[test]
fn a_failed_save_keeps_the_last_committed_state() {
    let dir = temp_dir("faults");
    let mut db = Database::open_with(KEY, &dir, no_lock(OpenMode::Create)).unwrap();
    for i in 0..5 {
        db.set_tag(&format!("t{i}"), Value::Bytes(vec![i; 10]));
    }
    db.metatag("child")
        .unwrap()
        .set_tag("c", Value::Bytes(vec![9]));
    db.save_database().unwrap();
    let before = committed(&dir);

    // Fail the Nth write of the next save, for every N the save performs.
    for fail_at in 1..=9 {
        let storage: Arc<dyn Storage> =
            Arc::new(FaultyStorage::new(Arc::new(FsStorage::new(&dir)), fail_at));
        let mut db = Database::open_node(storage, KEY, no_lock(OpenMode::Existing)).unwrap();
        for i in 0..5 {
            db.set_tag(&format!("t{i}"), Value::Bytes(vec![100 + i; 10]));
        }
        db.set_tag("new", Value::Bytes(vec![1]));
        db.pop_tag("t0").unwrap();
        db.metatag("child")
            .unwrap()
            .set_tag("c", Value::Bytes(vec![10]));
        let saved = db.save_database();
        let after = committed(&dir);
        match saved {
            Err(Error::Storage(storage::Error::Backend { .. })) => {
                // Every tag of the last commit is still there, each old or new.
                for (tag, old) in &before {
                    let now = after.iter().find(|(t, _)| t == tag);
                    assert!(now.is_some(), "fail_at {fail_at}: {tag} lost");
                    let v = &now.unwrap().1;
                    assert!(
                        v == old || v.as_bytes().is_some_and(|b| b[0] >= 100),
                        "fail_at {fail_at}: {tag} = {v:?}"
                    );
                }
            }
            Ok(()) => {
                assert!(after.iter().any(|(t, _)| t == "new"));
                assert!(!after.iter().any(|(t, _)| t == "t0"));
                break;
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn popped_files_survive_until_the_manifest_commits() {
    let dir = temp_dir("pop");
    let mut db = Database::open_with(KEY, &dir, no_lock(OpenMode::Create)).unwrap();
    db.set_tag("keep", Value::Bytes(vec![1]));
    db.set_tag("drop", Value::Bytes(vec![2]));
    db.save_database().unwrap();
    let file = dir.join(db.filename("drop"));
    assert_eq!(db.pop_tag("drop").unwrap(), Value::Bytes(vec![2]));
    assert!(
        file.exists(),
        "removed before the manifest without it was committed"
    );
    db.save_database().unwrap();
    assert!(!file.exists());
    assert!(matches!(db.pop_tag("never"), Err(Error::UnknownTag { .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_salt_file_is_written_once_and_reused() {
    let dir = temp_dir("salt");
    let mut db = Database::open_with(KEY, &dir, no_lock(OpenMode::Create)).unwrap();
    db.set_tag("a", Value::Bytes(vec![1]));
    db.save_database().unwrap();
    let salt_file = dir.join(db.root_salt_filename());
    let first = std::fs::read(&salt_file).unwrap();
    db.set_tag("b", Value::Bytes(vec![2]));
    db.save_database().unwrap();
    assert_eq!(
        std::fs::read(&salt_file).unwrap(),
        first,
        "the salt file was rewritten"
    );
    // Lose the manifest: the reference would start over with a new salt and
    // overwrite the file; here the old salt is kept, so tags stay readable.
    std::fs::remove_file(dir.join(db.root_filename())).unwrap();
    drop(db);
    assert!(matches!(
        Database::open_with(KEY, &dir, no_lock(OpenMode::Existing)),
        Err(Error::NotFound { .. })
    ));
    let mut db = Database::open_with(KEY, &dir, no_lock(OpenMode::OpenOrNew)).unwrap();
    db.set_tag("a", Value::Bytes(vec![0]));
    assert_eq!(db.query_tag("b", false).unwrap(), Value::Bytes(vec![2]));
    db.save_database().unwrap();
    assert_eq!(std::fs::read(&salt_file).unwrap(), first);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_second_writer_is_kept_out_and_files_are_private() {
    let dir = temp_dir("lock");
    let mut db = Database::create(KEY, &dir).unwrap();
    assert!(matches!(
        Database::open(KEY, &dir),
        Err(Error::Locked { .. })
    ));
    db.set_tag("x", Value::Bytes(vec![1]));
    db.save_database().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(db.filename("x")))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    drop(db);
    assert!(
        Database::open(KEY, &dir).is_ok(),
        "the lock is released on drop"
    );
    assert!(matches!(
        Database::create(KEY, &dir),
        Err(Error::AlreadyExists { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wrong_keys_tampering_and_hmacs() {
    let dir = temp_dir("tamper");
    let mut db = Database::create(KEY, &dir).unwrap();
    db.set_json("j", &serde_json::json!({"a": 1})).unwrap();
    db.save_database().unwrap();
    let f = dir.join(db.filename("j"));
    drop(db);
    assert!(matches!(
        Database::open_with(&[8u8; 64], &dir, no_lock(OpenMode::Existing)),
        Err(Error::NotFound { .. })
    ));
    let mut bytes = std::fs::read(&f).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&f, &bytes).unwrap();
    let mut db = Database::open(KEY, &dir).unwrap();
    let err = db.query_tag("j", false).unwrap_err();
    assert!(err.is_authentication_failure() && err.to_string().contains(&db.filename("j")));
    std::fs::write(&f, &bytes[..100]).unwrap();
    assert!(matches!(
        db.query_tag("j", false),
        Err(Error::Cipher { .. })
    ));
    let mac = db.make_hmac(&[b"data"], b"aad").unwrap();
    db.test_hmac(&mac, &[b"data"], b"aad").unwrap();
    assert!(matches!(
        db.test_hmac(&mac, &[b"data"], b"other"),
        Err(Error::InvalidHmac)
    ));
    assert!(matches!(db.make_hmac(&[], b""), Err(Error::NoData)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn metatags_delete_cleanly_and_values_round_trip() {
    let dir = temp_dir("meta");
    let mut db = Database::create(KEY, &dir).unwrap();
    db.metatag("m")
        .unwrap()
        .metatag("deep")
        .unwrap()
        .set_tag("", Value::RawJson("NaN".into()));
    db.set_tag("big", Value::Bytes(vec![5; 300_000]));
    db.save_database().unwrap();
    let files_with_child = std::fs::read_dir(&dir).unwrap().count();
    drop(db);
    let mut db = Database::open(KEY, &dir).unwrap();
    assert_eq!(
        db.metatag("m")
            .unwrap()
            .metatag("deep")
            .unwrap()
            .query_tag("", false)
            .unwrap(),
        Value::RawJson("NaN".into())
    );
    db.delete_metatag("m").unwrap();
    assert!(
        db.metatags().is_empty(),
        "the name leaves the manifest (the reference keeps it)"
    );
    db.save_database().unwrap();
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        files_with_child - 3
    );
    drop(db);
    let db = Database::open(KEY, &dir).unwrap();
    assert!(db.metatags().is_empty());
    db.delete_database().unwrap();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn the_async_face_wraps_the_core_and_reports_errors() {
    use aiootp_db::aio::AsyncDatabase;
    let dir = temp_dir("async");
    let db = AsyncDatabase::open_with(KEY.to_vec(), dir.clone(), no_lock(OpenMode::Create))
        .await
        .unwrap();
    db.set_tag("a".into(), Value::Bytes(vec![1, 2]))
        .await
        .unwrap();
    db.with(|d| {
        d.metatag("m")
            .map(|m| m.set_tag("b", Value::Bytes(vec![3])))
    })
    .await
    .unwrap();
    db.save_database().await.unwrap();
    let again = AsyncDatabase::open_with(KEY.to_vec(), dir.clone(), no_lock(OpenMode::Existing))
        .await
        .unwrap();
    assert_eq!(
        again.query_tag("a".into(), false).await.unwrap(),
        Value::Bytes(vec![1, 2])
    );
    assert!(matches!(
        again.query_tag("nope".into(), false).await,
        Err(Error::UnknownTag { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A storage that fails its Nth write (counting `write` and `create_new`),
/// like redb's fault-injection backend: it proves a failed save returns an
/// error and leaves the last saved state readable.
#[derive(Debug, Clone)]
pub struct FaultyStorage {
    inner: Arc<dyn Storage>,
    fail_at: usize,
    writes: Arc<AtomicUsize>,
}

impl FaultyStorage {
    /// Wraps `inner`; the `fail_at`-th write (from 1) and every later one fail.
    #[must_use]
    pub fn new(inner: Arc<dyn Storage>, fail_at: usize) -> Self {
        Self {
            inner,
            fail_at,
            writes: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn tick(&self) -> storage::Result<()> {
        let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if n >= self.fail_at {
            return Err(storage::Error::Backend {
                location: "faulty".into(),
                message: format!("injected fault at write {n}"),
            });
        }
        Ok(())
    }
}

impl Storage for FaultyStorage {
    fn read(&self, name: &str) -> storage::Result<Option<Vec<u8>>> {
        self.inner.read(name)
    }
    fn write(&self, name: &str, data: &[u8]) -> storage::Result<()> {
        self.tick()?;
        self.inner.write(name, data)
    }
    fn create_new(&self, name: &str, data: &[u8]) -> storage::Result<bool> {
        self.tick()?;
        self.inner.create_new(name, data)
    }
    fn write_many(&self, files: &[(String, Vec<u8>)]) -> storage::Result<()> {
        // One tick per file, so a fault can land inside a batch.
        for (name, data) in files {
            self.tick()?;
            self.inner.write(name, data)?;
        }
        Ok(())
    }
    fn remove(&self, name: &str) -> storage::Result<()> {
        self.inner.remove(name)
    }
    fn exists(&self, name: &str) -> storage::Result<bool> {
        self.inner.exists(name)
    }
    fn sync(&self) -> storage::Result<()> {
        self.inner.sync()
    }
    fn list(&self) -> storage::Result<Vec<String>> {
        self.inner.list()
    }
    fn location(&self, name: &str) -> String {
        self.inner.location(name)
    }
}

#[test]
fn a_save_rewrites_only_what_changed() {
    use std::os::unix::fs::MetadataExt;
    let dir = temp_dir("unchanged");
    let mut db = Database::open_with(KEY, &dir, no_lock(OpenMode::Create)).unwrap();
    for i in 0..5 {
        db.set_tag(&format!("t{i}"), Value::Bytes(vec![i; 10]));
    }
    db.save_database().unwrap();
    // A rewritten file is renamed into place: it gets a new inode.
    let inode =
        |db: &Database, tag: &str| std::fs::metadata(dir.join(db.filename(tag))).unwrap().ino();
    let before: Vec<u64> = (0..5).map(|i| inode(&db, &format!("t{i}"))).collect();
    db.save_database().unwrap();
    let same: Vec<u64> = (0..5).map(|i| inode(&db, &format!("t{i}"))).collect();
    assert_eq!(
        before, same,
        "a save with nothing changed rewrote tag files"
    );
    db.set_tag("t2", Value::Bytes(vec![99]));
    db.save_database().unwrap();
    for i in 0..5 {
        let now = inode(&db, &format!("t{i}"));
        assert_eq!(now == before[i as usize], i != 2, "t{i}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

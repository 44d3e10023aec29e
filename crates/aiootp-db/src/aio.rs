//! `AsyncDatabase`: the sync [`Database`] on tokio's blocking pool.
//!
//! Every method runs the same core, so there is no second copy of any
//! logic, and — unlike the reference's async class, which swallows errors
//! in `gather(return_exceptions=True)` — every error reaches the caller.

use crate::{Database, Error, OpenOptions, Result, Value};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// An async handle to a [`Database`]; cheap to clone (clones share it).
#[derive(Debug, Clone)]
pub struct AsyncDatabase {
    inner: Arc<Mutex<Database>>,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Task(e.to_string()))?
}

impl AsyncDatabase {
    /// `await AsyncDatabase(key, path=path)`: as [`Database::open_with`].
    ///
    /// # Errors
    /// As [`Database::open_with`].
    pub async fn open_with(key: Vec<u8>, path: PathBuf, options: OpenOptions) -> Result<Self> {
        let key = zeroize::Zeroizing::new(key);
        let db = blocking(move || Database::open_with(&key, path, options)).await?;
        Ok(Self {
            inner: Arc::new(Mutex::new(db)),
        })
    }

    /// As [`Database::open`].
    ///
    /// # Errors
    /// As [`Database::open`].
    pub async fn open(key: Vec<u8>, path: PathBuf) -> Result<Self> {
        Self::open_with(key, path, OpenOptions::default()).await
    }

    /// Wraps an open database.
    #[must_use]
    pub fn from_sync(db: Database) -> Self {
        Self {
            inner: Arc::new(Mutex::new(db)),
        }
    }

    /// Runs `f` on the database on the blocking pool: every sync operation,
    /// including metatags at any depth, is available this way.
    ///
    /// # Errors
    /// What `f` returns, or [`Error::Task`].
    pub async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Database) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let mut db = inner
                .lock()
                .map_err(|_| Error::Task("a previous operation panicked".into()))?;
            f(&mut db)
        })
        .await
    }

    /// `aset_tag`.
    ///
    /// # Errors
    /// [`Error::Task`].
    pub async fn set_tag(&self, tag: String, value: Value) -> Result<()> {
        self.with(move |db| {
            db.set_tag(&tag, value);
            Ok(())
        })
        .await
    }

    /// `aquery_tag`.
    ///
    /// # Errors
    /// As [`Database::query_tag`].
    pub async fn query_tag(&self, tag: String, cache: bool) -> Result<Value> {
        self.with(move |db| db.query_tag(&tag, cache)).await
    }

    /// `apop_tag`.
    ///
    /// # Errors
    /// As [`Database::pop_tag`].
    pub async fn pop_tag(&self, tag: String) -> Result<Value> {
        self.with(move |db| db.pop_tag(&tag)).await
    }

    /// The tag names.
    ///
    /// # Errors
    /// [`Error::Task`].
    pub async fn tags(&self) -> Result<Vec<String>> {
        self.with(|db| Ok(db.tags().map(str::to_owned).collect()))
            .await
    }

    /// `aload_database`.
    ///
    /// # Errors
    /// As [`Database::load_database`].
    pub async fn load_database(&self, preload: bool) -> Result<()> {
        self.with(move |db| db.load_database(preload)).await
    }

    /// `asave_database`: errors are returned, never swallowed.
    ///
    /// # Errors
    /// As [`Database::save_database`].
    pub async fn save_database(&self) -> Result<()> {
        self.with(Database::save_database).await
    }
}

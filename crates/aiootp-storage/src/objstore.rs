//! [`ObjectStorage`]: a database's files as objects of an object store
//! (S3 and S3-compatible servers, Google Cloud Storage, Azure Blob
//! Storage), through Apache Arrow's `object_store` crate.
//!
//! Each object is one file of the folder format, byte for byte, so a
//! database here can always be exported to a folder the reference opens.

use crate::{
    Changes, DEFAULT_MAX_FILE_BYTES, Error, Expected, MAX_LISTED_NAMES, Result, Storage,
    check_expected, check_name,
};
use object_store::path::Path as ObjectPath;
use object_store::{
    ObjectStore, ObjectStoreExt as _, ObjectStoreScheme, PutMode, PutOptions, PutPayload,
    UpdateVersion,
};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The lock object of a database's folder: held by the one client whose
/// save is in progress. Its name has a `.`, which no file of the format
/// has, so it is never taken for one.
pub const LOCK_NAME: &str = "aiootp.save-lock";

/// How long a save's lock holds without being renewed. A client that dies
/// mid-save leaves its lock; the next saver takes it over once it is this
/// old. A save renews its lock while it writes.
pub const LEASE: Duration = Duration::from_secs(20);

/// How long a save waits for another client's save to finish before it
/// reports [`Error::Conflict`] on the lock.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// How many objects a save puts at once.
const PARALLEL_PUTS: usize = 16;

/// A database's files as the objects under one prefix of an object store
/// (`s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix`).
///
/// An object store writes each object atomically but has no transactions,
/// so, as in a folder, the manifests are the commit point: they are put
/// after every tag file. Concurrent saves are made safe by two
/// conditional writes: a save first takes the database's lock object
/// (created with `If-None-Match: *`, a lease of [`LEASE`] that it renews
/// and that a later saver may take over once it has expired), and checks,
/// holding it, that every manifest it replaces is still the version it
/// read; it then puts each manifest with `If-Match` on the `ETag` it
/// read. So of two clients saving from the same start the second gets
/// [`Error::Conflict`] and writes nothing. What the folder promises a reader
/// holds here too: each object is the old one or the new one.
///
/// Credentials and endpoints come from the environment, as the
/// `object_store` builders read them (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`,
/// `AWS_ALLOW_HTTP`; `GOOGLE_SERVICE_ACCOUNT`; `AZURE_STORAGE_ACCOUNT_NAME`,
/// `AZURE_STORAGE_ACCOUNT_KEY`, …).
///
/// The calls block (each runs on a runtime of this storage); from async
/// code prefer `aio::AsyncDatabase`, which runs them on tokio's blocking
/// pool. Called on a runtime's thread anyway, each call runs on a scoped
/// thread of its own, so it blocks that thread but never panics.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use aiootp_storage::{ObjectStorage, Storage};
///
/// let storage = ObjectStorage::open("s3://my-bucket/vault")?;
/// println!("{:?}", storage.list()?);
/// // `aiootp_db::Database::open_node(Arc::new(storage), key, options)`
/// // keeps an encrypted database here; a save that another client
/// // overtook is `Error::Conflict`.
/// # Ok(()) }
/// ```
pub struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    shown: String,
    runtime: Option<tokio::runtime::Runtime>,
    max_file_bytes: u64,
}

impl core::fmt::Debug for ObjectStorage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ObjectStorage")
            .field("location", &self.shown)
            .finish_non_exhaustive()
    }
}

/// What an `object_store` error says, its innermost cause included.
fn os_message(e: &object_store::Error) -> String {
    // The innermost cause says most ("connection refused"); the outer
    // messages repeat each other.
    let mut cause = std::error::Error::source(e);
    let mut last = None;
    while let Some(c) = cause {
        last = Some(c.to_string());
        cause = c.source();
    }
    let shown = e.to_string();
    let cause = last
        .filter(|c| !shown.contains(c.as_str()))
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    format!("{shown}{cause}")
}

/// An `object_store` error at `location` as [`Error::Backend`].
fn os_error(location: String, e: &object_store::Error) -> Error {
    Error::Backend {
        location,
        message: os_message(e),
    }
}

fn is_precondition(e: &object_store::Error) -> bool {
    matches!(
        e,
        object_store::Error::Precondition { .. }
            | object_store::Error::AlreadyExists { .. }
            | object_store::Error::NotModified { .. }
    )
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A held lock: its `ETag` (the condition of a renewal) and its token.
struct Held {
    version: UpdateVersion,
    token: String,
    renewed: Instant,
}

impl ObjectStorage {
    /// Opens the prefix of `url`: `s3://bucket/prefix` (also `s3a://`),
    /// `gs://bucket/prefix`, `az://container/prefix` (also `azure://`,
    /// `abfs://`, `abfss://`, `adl://`), or an `https://` URL of one of
    /// those services, configured from the environment. Nothing is read
    /// yet.
    ///
    /// # Errors
    /// A URL that does not parse or names no object store this build has,
    /// or a builder's error such as missing credentials
    /// ([`Error::InvalidUrl`]).
    pub fn open(url: &str) -> Result<Self> {
        Self::open_with(url, std::iter::empty::<(String, String)>())
    }

    /// [`Self::open`] with configuration keys of the store's builder
    /// (`aws_endpoint`, `aws_access_key_id`, `google_service_account`,
    /// `azure_storage_account_key`, …) on top of the environment.
    ///
    /// # Errors
    /// As [`Self::open`]; an unknown key ([`Error::InvalidUrl`]).
    pub fn open_with<K: AsRef<str>, V: Into<String>>(
        url: &str,
        options: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidUrl {
            url: crate::open::shown_url(url),
            reason,
        };
        let parsed = url::Url::parse(url).map_err(|e| invalid(format!("{e}")))?;
        let (scheme, prefix) =
            ObjectStoreScheme::parse(&parsed).map_err(|e| invalid(format!("{e}")))?;
        let retry = object_store::RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(15),
            ..object_store::RetryConfig::default()
        };
        let client = object_store::ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(10))
            .with_timeout(Duration::from_secs(60));
        let env: Vec<(String, String)> = std::env::vars().collect();
        let options: Vec<(String, String)> = options
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_ascii_lowercase(), v.into()))
            .collect();
        // `from_env`, then timeouts and retries; the client options replace
        // the environment's (`AWS_ALLOW_HTTP`, …), so the environment's keys
        // of `prefix`, then `options`, are applied again on top.
        macro_rules! build {
            ($builder:ty, $prefix:literal) => {{
                let mut b = <$builder>::from_env()
                    .with_retry(retry)
                    .with_client_options(client);
                let from_env = env
                    .iter()
                    .filter(|(k, _)| k.starts_with($prefix))
                    .filter_map(|(k, v)| Some((k.to_ascii_lowercase().parse().ok()?, v)));
                for (k, v) in from_env {
                    b = b.with_config(k, v.clone());
                }
                for (k, v) in &options {
                    b = b.with_config(k.parse().map_err(|e| invalid(os_message(&e)))?, v.clone());
                }
                Arc::new(
                    b.with_url(url)
                        .build()
                        .map_err(|e| invalid(os_message(&e)))?,
                )
            }};
        }
        let store: Arc<dyn ObjectStore> = match scheme {
            ObjectStoreScheme::AmazonS3 => build!(object_store::aws::AmazonS3Builder, "AWS_"),
            ObjectStoreScheme::GoogleCloudStorage => {
                build!(object_store::gcp::GoogleCloudStorageBuilder, "GOOGLE_")
            }
            ObjectStoreScheme::MicrosoftAzure => {
                build!(object_store::azure::MicrosoftAzureBuilder, "AZURE_")
            }
            _ => {
                return Err(invalid(format!(
                    "{}:// is not an object store this build opens (s3, gs, az)",
                    parsed.scheme()
                )));
            }
        };
        let mut shown = parsed.clone();
        let _ = shown.set_password(None);
        let _ = shown.set_username("");
        shown.set_query(None);
        Self::new(store, prefix, shown.to_string())
    }

    /// A storage on any `object_store` store, under `prefix`; `shown` names
    /// it in messages. The store must support conditional puts
    /// (`PutMode::Create` and `PutMode::Update`).
    ///
    /// # Errors
    /// The runtime could not be made ([`Error::Io`]).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: ObjectPath, shown: String) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::io(shown.clone(), e))?;
        Ok(Self {
            store,
            prefix,
            shown,
            runtime: Some(runtime),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        })
    }

    /// The same storage with another limit on the size of a file read.
    #[must_use]
    pub fn with_max_file_bytes(mut self, max: u64) -> Self {
        self.max_file_bytes = max;
        self
    }

    fn conflict(&self, name: &str) -> Error {
        Error::Conflict {
            location: self.location(name),
            name: name.to_owned(),
        }
    }

    fn path(&self, name: &str) -> ObjectPath {
        name.split('/')
            .fold(self.prefix.clone(), |p, part| p.join(part))
    }

    /// Runs `f` to completion on this storage's runtime (on a scoped thread
    /// when the caller is already inside a tokio runtime).
    fn block<T: Send>(&self, f: impl Future<Output = Result<T>> + Send) -> Result<T> {
        let backend = |message: &str| Error::Backend {
            location: self.location(""),
            message: message.to_owned(),
        };
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| backend("the object store client is closed"))?;
        if tokio::runtime::Handle::try_current().is_err() {
            return runtime.block_on(f);
        }
        std::thread::scope(|scope| {
            scope
                .spawn(|| runtime.block_on(f))
                .join()
                .unwrap_or_else(|_| Err(backend("the object store client panicked")))
        })
    }

    /// Reads `name` with its version, refusing an object over the limit
    /// before its body is fetched, and reading the body through a cap of
    /// the limit + 1 byte (a server's `Content-Length` is not trusted).
    async fn get(&self, name: &str) -> Result<Option<(Vec<u8>, UpdateVersion)>> {
        use futures::StreamExt as _;
        let err = |e: &object_store::Error| os_error(self.location(name), e);
        let got = match self.store.get(&self.path(name)).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(err(&e)),
        };
        let max = self.max_file_bytes;
        let too_large = |len: u64| Error::TooLarge {
            location: self.location(name),
            len,
            max,
        };
        if got.meta.size > max {
            return Err(too_large(got.meta.size));
        }
        let version = UpdateVersion {
            e_tag: got.meta.e_tag.clone(),
            version: got.meta.version.clone(),
        };
        let announced = usize::try_from(got.meta.size).map_err(|_| too_large(got.meta.size))?;
        let mut body = Vec::new();
        body.try_reserve_exact(announced)
            .map_err(|_| too_large(got.meta.size))?;
        let mut stream = got.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| err(&e))?;
            let len = body.len() as u64 + chunk.len() as u64;
            if len > max {
                return Err(too_large(len));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some((body, version)))
    }

    async fn put(
        &self,
        name: &str,
        data: &[u8],
        mode: PutMode,
    ) -> Result<UpdateVersion, object_store::Error> {
        let r = self
            .store
            .put_opts(
                &self.path(name),
                PutPayload::from(data.to_vec()),
                PutOptions {
                    mode,
                    ..PutOptions::default()
                },
            )
            .await?;
        Ok(UpdateVersion {
            e_tag: r.e_tag,
            version: r.version,
        })
    }

    /// Takes the lock, waiting up to [`LOCK_WAIT`] for another client's
    /// save; takes over a lock whose lease has run out.
    async fn lock(&self) -> Result<Held> {
        let mut token = [0u8; 16];
        aiootp_core::fill_random(&mut token).map_err(|e| Error::Backend {
            location: self.location(LOCK_NAME),
            message: e.to_string(),
        })?;
        let token: String = token.iter().map(|b| format!("{b:02x}")).collect();
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        // First try to create it; when that fails, look at the lock: gone
        // by now (create again), its lease run out (take it over with
        // `If-Match`; a garbled lock counts as expired), or held (wait).
        let mut mode = Some(PutMode::Create);
        loop {
            if let Some(m) = mode.take() {
                let body = format!("{token} {}", now_ms().saturating_add(lease_ms()));
                match self.put(LOCK_NAME, body.as_bytes(), m).await {
                    Ok(version) => {
                        return Ok(Held {
                            version,
                            token,
                            renewed: Instant::now(),
                        });
                    }
                    // Another client came first.
                    Err(e) if is_precondition(&e) => {}
                    Err(e) => return Err(os_error(self.location(LOCK_NAME), &e)),
                }
            }
            mode = match self.get(LOCK_NAME).await? {
                None => Some(PutMode::Create),
                Some((bytes, version)) => {
                    let expires = std::str::from_utf8(&bytes)
                        .ok()
                        .and_then(|s| s.split(' ').nth(1))
                        .and_then(|s| s.trim().parse::<u64>().ok())
                        .unwrap_or(0);
                    (now_ms() > expires).then_some(PutMode::Update(version))
                }
            };
            if started.elapsed() > LOCK_WAIT {
                return Err(self.conflict(LOCK_NAME));
            }
            if mode.is_some() {
                continue;
            }
            tokio::time::sleep(jitter(pause)).await;
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    /// Renews the lease when a third of it has passed; a lock taken over by
    /// another client (this one stalled past its lease) is a [`Error::Conflict`].
    async fn renew(&self, held: &mut Held) -> Result<()> {
        if held.renewed.elapsed() < LEASE / 3 {
            return Ok(());
        }
        let body = format!("{} {}", held.token, now_ms().saturating_add(lease_ms()));
        match self
            .put(
                LOCK_NAME,
                body.as_bytes(),
                PutMode::Update(held.version.clone()),
            )
            .await
        {
            Ok(version) => {
                held.version = version;
                held.renewed = Instant::now();
                Ok(())
            }
            Err(e) if is_precondition(&e) => Err(self.conflict(LOCK_NAME)),
            Err(e) => Err(os_error(self.location(LOCK_NAME), &e)),
        }
    }

    /// Releases the lock if it is still this client's.
    async fn unlock(&self, held: &Held) -> Result<()> {
        if let Some((bytes, _)) = self.get(LOCK_NAME).await?
            && bytes.starts_with(held.token.as_bytes())
        {
            match self.store.delete(&self.path(LOCK_NAME)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(os_error(self.location(LOCK_NAME), &e)),
            }
        }
        Ok(())
    }

    /// The save, holding the lock.
    async fn commit_locked(&self, changes: &Changes, held: &mut Held) -> Result<()> {
        // Every manifest still what the save started from, with the
        // condition of its put.
        let mut modes = Vec::with_capacity(changes.manifests.len());
        for m in &changes.manifests {
            let mode = match m.expected {
                Expected::Absent => match self.store.head(&self.path(&m.name)).await {
                    Ok(_) => return Err(self.conflict(&m.name)),
                    Err(object_store::Error::NotFound { .. }) => PutMode::Create,
                    Err(e) => return Err(os_error(self.location(&m.name), &e)),
                },
                // Read again under the lock: its bytes are checked, and its
                // ETag is the condition of the put.
                Expected::Version(_) => {
                    let now = self.get(&m.name).await?;
                    check_expected(
                        &self.location(&m.name),
                        &m.name,
                        m.expected,
                        now.as_ref().map(|(b, _)| b.as_slice()),
                    )?;
                    match now {
                        Some((_, version))
                            if version.e_tag.is_some() || version.version.is_some() =>
                        {
                            PutMode::Update(version)
                        }
                        _ => {
                            return Err(Error::Backend {
                                location: self.location(&m.name),
                                message: "the store gave no ETag to make the save conditional on"
                                    .into(),
                            });
                        }
                    }
                }
            };
            modes.push(mode);
        }
        for (name, data) in &changes.create {
            match self.put(name, data, PutMode::Create).await {
                Ok(_) => {}
                Err(e) if is_precondition(&e) => {
                    return Err(Error::AlreadyExists {
                        location: self.location(name),
                    });
                }
                Err(e) => return Err(os_error(self.location(name), &e)),
            }
        }
        for batch in changes.writes.chunks(PARALLEL_PUTS) {
            self.renew(held).await?;
            let mut puts = Vec::with_capacity(batch.len());
            for (name, data) in batch {
                puts.push(self.put(name, data, PutMode::Overwrite));
            }
            futures::future::try_join_all(puts)
                .await
                .map_err(|e| os_error(self.location(""), &e))?;
        }
        self.renew(held).await?;
        for (m, mode) in changes.manifests.iter().zip(modes) {
            match self.put(&m.name, &m.data, mode).await {
                Ok(_) => {}
                Err(e) if is_precondition(&e) => return Err(self.conflict(&m.name)),
                Err(e) => return Err(os_error(self.location(&m.name), &e)),
            }
        }
        for name in &changes.removes {
            match self.store.delete(&self.path(name)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(os_error(self.location(name), &e)),
            }
        }
        Ok(())
    }
}

fn lease_ms() -> u64 {
    u64::try_from(LEASE.as_millis()).unwrap_or(u64::MAX)
}

/// `d` scaled by a random factor in [0.5, 1.5).
fn jitter(d: Duration) -> Duration {
    let mut b = [0u8; 1];
    let _ = aiootp_core::fill_random(&mut b);
    d.mul_f64(0.5 + f64::from(b[0]) / 256.0)
}

impl Drop for ObjectStorage {
    /// Dropping a runtime blocks, which panics inside another runtime:
    /// this one is shut down without waiting (no call of it is running).
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Storage for ObjectStorage {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>> {
        check_name(self, name)?;
        self.block(async { Ok(self.get(name).await?.map(|(data, _)| data)) })
    }

    fn write(&self, name: &str, data: &[u8]) -> Result<()> {
        check_name(self, name)?;
        self.block(async {
            self.put(name, data, PutMode::Overwrite)
                .await
                .map(|_| ())
                .map_err(|e| os_error(self.location(name), &e))
        })
    }

    fn create_new(&self, name: &str, data: &[u8]) -> Result<bool> {
        check_name(self, name)?;
        self.block(async {
            match self.put(name, data, PutMode::Create).await {
                Ok(_) => Ok(true),
                Err(e) if is_precondition(&e) => Ok(false),
                Err(e) => Err(os_error(self.location(name), &e)),
            }
        })
    }

    fn remove(&self, name: &str) -> Result<()> {
        check_name(self, name)?;
        self.block(async {
            match self.store.delete(&self.path(name)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(os_error(self.location(name), &e)),
            }
        })
    }

    fn exists(&self, name: &str) -> Result<bool> {
        check_name(self, name)?;
        self.block(async {
            match self.store.head(&self.path(name)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(os_error(self.location(name), &e)),
            }
        })
    }

    /// A put is durable when the store acknowledges it.
    fn sync(&self) -> Result<()> {
        Ok(())
    }

    fn location(&self, name: &str) -> String {
        let base = self.shown.trim_end_matches('/');
        if name.is_empty() {
            base.to_owned()
        } else {
            format!("{base}/{name}")
        }
    }

    /// The names under the prefix, sorted, the lock object left out; at
    /// most [`MAX_LISTED_NAMES`] (the listing stops reading past it).
    fn list(&self) -> Result<Vec<String>> {
        use futures::StreamExt as _;
        self.block(async {
            let mut listing = self.store.list(Some(&self.prefix));
            let mut names = Vec::new();
            while let Some(meta) = listing.next().await {
                let meta = meta.map_err(|e| os_error(self.location(""), &e))?;
                let Some(rest) = meta.location.prefix_match(&self.prefix) else {
                    continue;
                };
                let parts: Vec<_> = rest.collect();
                let name = parts
                    .iter()
                    .map(AsRef::as_ref)
                    .collect::<Vec<&str>>()
                    .join("/");
                if name == LOCK_NAME {
                    continue;
                }
                if names.len() >= MAX_LISTED_NAMES {
                    return Err(Error::TooMany {
                        location: self.location(""),
                        max: MAX_LISTED_NAMES,
                    });
                }
                names.push(name);
            }
            names.sort();
            Ok(names)
        })
    }

    fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes
    }

    /// Takes the lock, checks every manifest, puts the tag files, then the
    /// manifests (each conditional on the `ETag` checked), removes, and
    /// releases the lock.
    fn commit(&self, changes: &Changes) -> Result<()> {
        for name in changes.names() {
            check_name(self, name)?;
        }
        self.block(async {
            let mut held = self.lock().await?;
            let result = self.commit_locked(changes, &mut held).await;
            let released = self.unlock(&held).await;
            result.and(released)
        })
    }
}

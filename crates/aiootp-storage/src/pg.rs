//! [`PgStorage`]: a database's files as rows of a PostgreSQL table.
//!
//! Each row is one file of the folder format, byte for byte (the same
//! ciphertext a folder would hold), so a database here can always be
//! exported to a folder the reference opens. A save is one transaction.

use crate::{
    Changes, DEFAULT_MAX_FILE_BYTES, Error, Expected, MAX_LISTED_NAMES, Refusal, Result, Storage,
    check_expected, check_name,
};
use std::sync::Mutex;

/// The schema version this code writes and reads.
pub const PG_SCHEMA_VERSION: i32 = 1;

/// Made when a client first connects (under an advisory lock, so two
/// clients starting at once do not race).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS aiootp_schema (
    version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS aiootp_files (
    namespace text NOT NULL,
    name text NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (namespace, name)
);
";

/// The advisory lock key of schema creation ("aiootp" in ASCII).
const SCHEMA_LOCK: i64 = 0x6169_6f6f_7470;

/// A database's files in the table `aiootp_files` of a PostgreSQL
/// database: one row of (namespace, file name, bytes) per file, so one
/// table holds any number of databases (each namespace is like one
/// folder, and keys tell databases in a namespace apart, as in a folder).
///
/// [`Storage::commit`] runs a whole save in one transaction: every
/// manifest it writes is first read `FOR UPDATE` and checked against the
/// version the client started from (a new one is inserted with `ON
/// CONFLICT DO NOTHING`), so of two clients saving from the same start the
/// second gets a conflict and writes nothing; readers see only committed
/// saves.
///
/// The client blocks (it is the `postgres` crate's synchronous client):
/// from async code prefer `aio::AsyncDatabase`, which runs it on tokio's
/// blocking pool. Called on a runtime's thread anyway, each call runs on a
/// scoped thread of its own, so it blocks that thread but never panics.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use aiootp_storage::{PgStorage, Storage};
///
/// let storage = PgStorage::connect("postgresql:///app?host=/run/postgresql", "vault")?;
/// println!("{:?}", storage.list()?);
/// // `aiootp_db::Database::open_node(Arc::new(storage), key, options)`
/// // keeps an encrypted database here; one transaction; a save that another client
/// // overtook is `Error::Conflict`.
/// # Ok(()) }
/// ```
pub struct PgStorage {
    client: Mutex<Option<postgres::Client>>,
    config: postgres::Config,
    namespace: String,
    shown: String,
    max_file_bytes: u64,
}

impl core::fmt::Debug for PgStorage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PgStorage")
            .field("server", &self.shown)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// A server error at `location` as [`Error::Backend`], its message holding
/// the cause too (postgres' own message often leaves it out: "error
/// connecting to server").
fn pg_error(location: String) -> impl Fn(postgres::Error) -> Error {
    move |e| {
        let cause = std::error::Error::source(&e)
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        Error::Backend {
            location: location.clone(),
            message: format!("{e}{cause}"),
        }
    }
}

impl PgStorage {
    /// Connects to the server of `url` (a libpq connection URI such as
    /// `postgresql://user@host/db` or `postgresql:///db?host=/socket/dir`,
    /// or `key=value` pairs) and uses the files of `namespace`. Makes the
    /// schema on first use.
    ///
    /// # Errors
    /// A URL that does not parse ([`Error::InvalidUrl`]), a server that
    /// cannot be reached or refuses the credentials ([`Error::Backend`]),
    /// or tables of another schema version ([`Error::Refused`]).
    pub fn connect(url: &str, namespace: &str) -> Result<Self> {
        let config: postgres::Config = url.parse().map_err(|e| Error::InvalidUrl {
            url: crate::open::shown_url(url),
            reason: format!("{e}"),
        })?;
        let storage = Self {
            client: Mutex::new(None),
            shown: show(&config),
            config,
            namespace: namespace.to_owned(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        };
        storage.with_client(|_| Ok(()))?;
        Ok(storage)
    }

    /// The same storage with another limit on the size of a file read.
    #[must_use]
    pub fn with_max_file_bytes(mut self, max: u64) -> Self {
        self.max_file_bytes = max;
        self
    }

    /// Runs `f` on a connected client, connecting (and making the schema)
    /// first when there is none or the last one was dropped.
    ///
    /// The `postgres` client blocks on a runtime of its own, which panics
    /// on a thread that is already inside a tokio runtime; there, the call
    /// runs on a scoped thread of its own (blocking the caller, never
    /// panicking).
    fn with_client<T: Send>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T> + Send,
    ) -> Result<T> {
        let backend = |message: &str| Error::Backend {
            location: self.location(""),
            message: message.to_owned(),
        };
        let mut guard = self
            .client
            .lock()
            .map_err(|_| backend("the PostgreSQL client was poisoned by a panic"))?;
        let slot: &mut Option<postgres::Client> = &mut guard;
        let config = &self.config;
        let place = self.location("");
        let run = move || -> Result<T> {
            if slot.as_ref().is_none_or(postgres::Client::is_closed) {
                let mut client = config
                    .connect(postgres::NoTls)
                    .map_err(pg_error(place.clone()))?;
                ensure_schema(&mut client, &place)?;
                *slot = Some(client);
            }
            let client = slot.as_mut().ok_or_else(|| Error::Backend {
                location: place.clone(),
                message: "no PostgreSQL client".into(),
            })?;
            f(client)
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return run();
        }
        std::thread::scope(|scope| {
            scope
                .spawn(run)
                .join()
                .unwrap_or_else(|_| Err(backend("the PostgreSQL client panicked")))
        })
    }
}

impl Drop for PgStorage {
    /// Closing the client blocks on its runtime too: inside a tokio
    /// runtime it is closed on a thread of its own.
    fn drop(&mut self) {
        let client = self
            .client
            .get_mut()
            .map_or_else(|p| p.into_inner().take(), Option::take);
        if let Some(client) = client {
            if tokio::runtime::Handle::try_current().is_ok() {
                std::thread::scope(|scope| {
                    let _ = scope.spawn(move || drop(client)).join();
                });
            } else {
                drop(client);
            }
        }
    }
}

/// The server as shown in messages: host, port and database, never a
/// password.
fn show(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map_or_else(String::new, |h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        });
    let db = config.get_dbname().unwrap_or("");
    format!("postgresql://{host}/{db}")
}

fn ensure_schema(client: &mut postgres::Client, place: &str) -> Result<()> {
    let pg_error = || pg_error(place.to_owned());
    let mut tx = client.transaction().map_err(pg_error())?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .map_err(pg_error())?;
    tx.batch_execute(SCHEMA).map_err(pg_error())?;
    let rows = tx
        .query("SELECT version FROM aiootp_schema", &[])
        .map_err(pg_error())?;
    match rows.as_slice() {
        [] => {
            tx.execute(
                "INSERT INTO aiootp_schema (version) VALUES ($1)",
                &[&PG_SCHEMA_VERSION],
            )
            .map_err(pg_error())?;
        }
        [row] if row.get::<_, i32>(0) == PG_SCHEMA_VERSION => {}
        _ => {
            return Err(Error::refused(
                place,
                Refusal::ForeignSchema(format!(
                    "the aiootp tables are not of schema version {PG_SCHEMA_VERSION}"
                )),
            ));
        }
    }
    tx.commit().map_err(pg_error())
}

impl Storage for PgStorage {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>> {
        check_name(self, name)?;
        let max = i64::try_from(self.max_file_bytes).unwrap_or(i64::MAX);
        let location = self.location(name);
        self.with_client(|c| {
            // The size first: an oversized row is refused unread.
            let row = c
                .query_opt(
                    "SELECT octet_length(data)::bigint, \
                     CASE WHEN octet_length(data)::bigint <= $3::bigint THEN data END \
                     FROM aiootp_files WHERE namespace = $1 AND name = $2",
                    &[&self.namespace, &name, &max],
                )
                .map_err(pg_error(location.clone()))?;
            let Some(row) = row else { return Ok(None) };
            let len: i64 = row.get(0);
            let too_large = |len: u64| Error::TooLarge {
                location: location.clone(),
                len,
                max: self.max_file_bytes,
            };
            match row.get::<_, Option<Vec<u8>>>(1) {
                // The server's guard is not trusted: the length is checked here.
                Some(data) if data.len() as u64 <= self.max_file_bytes => Ok(Some(data)),
                Some(data) => Err(too_large(data.len() as u64)),
                None => Err(too_large(u64::try_from(len).unwrap_or(u64::MAX))),
            }
        })
    }

    fn write(&self, name: &str, data: &[u8]) -> Result<()> {
        check_name(self, name)?;
        self.with_client(|c| {
            c.execute(
                "INSERT INTO aiootp_files (namespace, name, data) VALUES ($1, $2, $3) \
                 ON CONFLICT (namespace, name) DO UPDATE SET data = EXCLUDED.data",
                &[&self.namespace, &name, &data],
            )
            .map(|_| ())
            .map_err(pg_error(self.location(name)))
        })
    }

    fn create_new(&self, name: &str, data: &[u8]) -> Result<bool> {
        check_name(self, name)?;
        self.with_client(|c| {
            c.execute(
                "INSERT INTO aiootp_files (namespace, name, data) VALUES ($1, $2, $3) \
                 ON CONFLICT (namespace, name) DO NOTHING",
                &[&self.namespace, &name, &data],
            )
            .map(|n| n == 1)
            .map_err(pg_error(self.location(name)))
        })
    }

    fn remove(&self, name: &str) -> Result<()> {
        check_name(self, name)?;
        self.with_client(|c| {
            c.execute(
                "DELETE FROM aiootp_files WHERE namespace = $1 AND name = $2",
                &[&self.namespace, &name],
            )
            .map(|_| ())
            .map_err(pg_error(self.location(name)))
        })
    }

    fn exists(&self, name: &str) -> Result<bool> {
        check_name(self, name)?;
        self.with_client(|c| {
            c.query_opt(
                "SELECT 1 FROM aiootp_files WHERE namespace = $1 AND name = $2",
                &[&self.namespace, &name],
            )
            .map(|r| r.is_some())
            .map_err(pg_error(self.location(name)))
        })
    }

    /// At most [`MAX_LISTED_NAMES`] names: one more is asked for, and its
    /// presence is [`Error::TooMany`].
    fn list(&self) -> Result<Vec<String>> {
        let limit = i64::try_from(MAX_LISTED_NAMES).unwrap_or(i64::MAX) + 1;
        self.with_client(|c| {
            let rows = c
                .query(
                    "SELECT name FROM aiootp_files WHERE namespace = $1 ORDER BY name LIMIT $2",
                    &[&self.namespace, &limit],
                )
                .map_err(pg_error(self.location("")))?;
            if rows.len() > MAX_LISTED_NAMES {
                return Err(Error::TooMany {
                    location: self.location(""),
                    max: MAX_LISTED_NAMES,
                });
            }
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    /// Every statement outside `commit` is its own transaction, durable
    /// when it returns (with the server's default `synchronous_commit`).
    fn sync(&self) -> Result<()> {
        Ok(())
    }

    fn location(&self, name: &str) -> String {
        format!("{}#{}/{name}", self.shown, self.namespace)
    }

    fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes
    }

    /// The whole save in one transaction: all of it commits, or none.
    fn commit(&self, changes: &Changes) -> Result<()> {
        for name in changes.names() {
            check_name(self, name)?;
        }
        self.with_client(|c| {
            let pg_error = || pg_error(self.location(""));
            let mut tx = c.transaction().map_err(pg_error())?;
            let ns = &self.namespace;
            for m in &changes.manifests {
                match m.expected {
                    // Claims the name: a second creator waits for the first,
                    // then inserts nothing and conflicts.
                    Expected::Absent => {
                        let n = tx
                            .execute(
                                "INSERT INTO aiootp_files (namespace, name, data) \
                                 VALUES ($1, $2, $3) ON CONFLICT (namespace, name) DO NOTHING",
                                &[ns, &m.name, &m.data],
                            )
                            .map_err(pg_error())?;
                        if n != 1 {
                            return Err(Error::Conflict {
                                location: self.location(&m.name),
                                name: m.name.clone(),
                            });
                        }
                    }
                    Expected::Version(_) => {
                        // The size first, as `read` does: a huge row planted
                        // by someone without the key is never loaded.
                        let max = i64::try_from(self.max_file_bytes).unwrap_or(i64::MAX);
                        let row = tx
                            .query_opt(
                                "SELECT octet_length(data)::bigint, \
                                 CASE WHEN octet_length(data)::bigint <= $3::bigint THEN data END \
                                 FROM aiootp_files \
                                 WHERE namespace = $1 AND name = $2 FOR UPDATE",
                                &[ns, &m.name, &max],
                            )
                            .map_err(pg_error())?;
                        let current: Option<Option<Vec<u8>>> = row.map(|r| r.get(1));
                        let conflict = || Error::Conflict {
                            location: self.location(&m.name),
                            name: m.name.clone(),
                        };
                        match current {
                            // Over the limit: never what this client read.
                            Some(None) => return Err(conflict()),
                            Some(Some(d)) if d.len() as u64 > self.max_file_bytes => {
                                return Err(conflict());
                            }
                            current => check_expected(
                                &self.location(&m.name),
                                &m.name,
                                m.expected,
                                current.flatten().as_deref(),
                            )?,
                        }
                    }
                }
            }
            for (name, data) in &changes.create {
                let n = tx
                    .execute(
                        "INSERT INTO aiootp_files (namespace, name, data) VALUES ($1, $2, $3) \
                         ON CONFLICT (namespace, name) DO NOTHING",
                        &[ns, name, data],
                    )
                    .map_err(pg_error())?;
                if n != 1 {
                    return Err(Error::AlreadyExists {
                        location: self.location(name),
                    });
                }
            }
            let upsert = tx
                .prepare(
                    "INSERT INTO aiootp_files (namespace, name, data) VALUES ($1, $2, $3) \
                     ON CONFLICT (namespace, name) DO UPDATE SET data = EXCLUDED.data",
                )
                .map_err(pg_error())?;
            let files = changes
                .writes
                .iter()
                .map(|(n, d)| (n, d))
                .chain(changes.manifests.iter().map(|m| (&m.name, &m.data)));
            for (name, data) in files {
                tx.execute(&upsert, &[ns, name, data]).map_err(pg_error())?;
            }
            if !changes.removes.is_empty() {
                tx.execute(
                    "DELETE FROM aiootp_files WHERE namespace = $1 AND name = ANY($2)",
                    &[ns, &changes.removes],
                )
                .map_err(pg_error())?;
            }
            tx.commit().map_err(pg_error())
        })
    }
}

//! [`open_url`]: a storage from a folder path or a URL.

use crate::{DEFAULT_MAX_FILE_BYTES, Error, FsStorage, LockMode, MemStorage, Result, Storage};
use std::sync::Arc;

/// What a location without a `scheme://` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schemeless {
    /// A folder path (the default).
    #[default]
    Folder,
    /// A libpq connection string of `key=value` pairs
    /// (`host=/run/postgresql dbname=app`), as a `--url` of the CLI is.
    Postgres,
}

/// How [`open_url`] opens a storage.
#[derive(Debug, Clone)]
pub struct UrlOptions {
    /// A folder's lock ([`LockMode::Fail`] unless set).
    pub lock: LockMode,
    /// PostgreSQL: the namespace of the files' table that holds this
    /// database's files (like a folder). `"aiootp"` unless set.
    pub namespace: String,
    /// The largest file read ([`DEFAULT_MAX_FILE_BYTES`] unless set).
    pub max_file_bytes: u64,
    /// Object stores: configuration keys of the store's builder
    /// (`aws_endpoint`, `aws_allow_http`, …) on top of the environment.
    pub object_store: Vec<(String, String)>,
    /// What a location without a scheme is.
    pub schemeless: Schemeless,
}

impl Default for UrlOptions {
    fn default() -> Self {
        Self {
            lock: LockMode::Fail,
            namespace: "aiootp".into(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            object_store: Vec::new(),
            schemeless: Schemeless::Folder,
        }
    }
}

/// The object-store schemes (those of Apache Arrow's `object_store`).
pub const OBJECT_STORE_SCHEMES: &[&str] =
    &["s3", "s3a", "gs", "az", "azure", "abfs", "abfss", "adl"];

/// Opens the storage `location` names:
///
/// | location | storage |
/// |---|---|
/// | a path, or `file:///path` | [`FsStorage::open`] of that folder, with [`UrlOptions::lock`] |
/// | `memory:` | a new, empty [`MemStorage`] |
/// | `postgresql://…`, `postgres://…` | `PgStorage::connect` (feature `postgres`) in [`UrlOptions::namespace`] |
/// | `s3://bucket/prefix`, `gs://…`, `az://…` ([`OBJECT_STORE_SCHEMES`]) | `ObjectStorage::open_with` (feature `object-store`) |
///
/// ```
/// use aiootp_storage::{Storage, UrlOptions, open_url};
///
/// let dir = std::env::temp_dir().join(format!("aiootp-open-url-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).map_err(|e| aiootp_storage::Error::InvalidUrl {
///     url: dir.display().to_string(),
///     reason: e.to_string(),
/// })?;
/// let folder = open_url(&dir.display().to_string(), &UrlOptions::default())?;
/// folder.write("file", b"bytes")?;
/// assert_eq!(folder.list()?, ["file"]);
/// # drop(folder);
/// # let _ = std::fs::remove_dir_all(&dir);
///
/// let memory = open_url("memory:", &UrlOptions::default())?;
/// assert!(memory.list()?.is_empty());
/// assert!(matches!(
///     open_url("ftp://host/x", &UrlOptions::default()),
///     Err(aiootp_storage::Error::InvalidUrl { .. })
/// ));
/// # Ok::<(), aiootp_storage::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidUrl`] for a URL that does not parse, a scheme this
/// build does not open, or missing credentials; as each backend's
/// constructor otherwise (a missing folder is [`Error::NotFound`], a
/// server that cannot be reached [`Error::Backend`]).
pub fn open_url(location: &str, options: &UrlOptions) -> Result<Arc<dyn Storage>> {
    let invalid = |reason: String| Error::InvalidUrl {
        url: shown_url(location),
        reason,
    };
    let scheme = location
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase())
        .filter(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
    if location == "memory:" {
        return Ok(Arc::new(
            MemStorage::new().with_max_file_bytes(options.max_file_bytes),
        ));
    }
    match (scheme.as_deref(), options.schemeless) {
        (None, Schemeless::Folder) => folder(location, options),
        (Some("file"), _) => {
            let path = &location["file://".len()..];
            if !path.starts_with('/') {
                return Err(invalid("a file:// URL names an absolute path".into()));
            }
            folder(path, options)
        }
        (None, Schemeless::Postgres) | (Some("postgresql" | "postgres"), _) => {
            postgres(location, options).map_err(|e| match e {
                Error::InvalidUrl { reason, .. } => invalid(reason),
                other => other,
            })
        }
        (Some(s), _) if OBJECT_STORE_SCHEMES.contains(&s) => objects(location, options),
        (Some(s), _) => Err(invalid(format!(
            "{s}:// is not a storage this build opens (a folder path, memory:, postgresql://, \
             s3://, gs://, az://)"
        ))),
    }
}

fn folder(path: &str, options: &UrlOptions) -> Result<Arc<dyn Storage>> {
    Ok(Arc::new(
        FsStorage::open(path, options.lock)?.with_max_file_bytes(options.max_file_bytes),
    ))
}

#[cfg(feature = "postgres")]
fn postgres(url: &str, options: &UrlOptions) -> Result<Arc<dyn Storage>> {
    Ok(Arc::new(
        crate::PgStorage::connect(url, &options.namespace)?
            .with_max_file_bytes(options.max_file_bytes),
    ))
}

#[cfg(not(feature = "postgres"))]
fn postgres(url: &str, _: &UrlOptions) -> Result<Arc<dyn Storage>> {
    Err(Error::InvalidUrl {
        url: shown_url(url),
        reason: "this build has no PostgreSQL storage (feature `postgres`)".into(),
    })
}

#[cfg(feature = "object-store")]
fn objects(url: &str, options: &UrlOptions) -> Result<Arc<dyn Storage>> {
    Ok(Arc::new(
        crate::ObjectStorage::open_with(url, options.object_store.iter().cloned())?
            .with_max_file_bytes(options.max_file_bytes),
    ))
}

#[cfg(not(feature = "object-store"))]
fn objects(url: &str, _: &UrlOptions) -> Result<Arc<dyn Storage>> {
    Err(Error::InvalidUrl {
        url: shown_url(url),
        reason: "this build has no object-store storage (feature `object-store`)".into(),
    })
}

/// `url` as messages show it: no user name, password or query (where
/// libpq and the object stores take secrets), and for a `key=value`
/// connection string only its `host` and `dbname`.
pub(crate) fn shown_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        // Everything after the last `@` of the authority: no credentials.
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let path = path.split(['?', '#']).next().unwrap_or("");
        format!("{scheme}://{host}{path}")
    } else if url.contains('=') {
        let kept: Vec<&str> = url
            .split_whitespace()
            .filter(|kv| kv.starts_with("host=") || kv.starts_with("dbname="))
            .collect();
        kept.join(" ")
    } else {
        url.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::shown_url;

    #[test]
    fn shown_urls_carry_no_credentials() {
        assert_eq!(
            shown_url("postgresql://alice:hunter2@db.example:5432/app?sslpassword=x"),
            "postgresql://db.example:5432/app"
        );
        assert_eq!(
            shown_url("s3://AKIA:secret@bucket/prefix?aws_secret_access_key=s"),
            "s3://bucket/prefix"
        );
        assert_eq!(
            shown_url("host=/run/pg dbname=app password=hunter2 user=alice"),
            "host=/run/pg dbname=app"
        );
        assert_eq!(shown_url("/srv/vault"), "/srv/vault");
    }
}

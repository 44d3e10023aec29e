//! `aiootp db`: an encrypted database folder from the command line.

use crate::crypt::{self, Keying};
use crate::error::{CliError, Result};
use crate::files::{Target, read_bounded, read_key, read_stdin};
use crate::opts::{self, Aad, ProfileAad};
use aiootp::db::{
    Database, FsStorage, LockMode, OpenMode, OpenOptions, ProfileSettings, Storage, Value,
    generate_profile, generate_profile_existing,
};
use clap::Subcommand;
use serde_json::{Map, Value as Json, json};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::{Zeroize, Zeroizing};

/// The options of every `db` command (before or after the subcommand).
#[derive(Debug, Clone, clap::Args)]
pub struct DbOptions {
    /// The database folder.
    #[arg(long, global = true, conflicts_with = "url")]
    path: Option<PathBuf>,
    /// The database on a server instead: a PostgreSQL connection URI
    /// (`postgresql://user@host/db`, `postgresql:///db?host=/socket/dir`)
    /// or an object store's prefix (`s3://bucket/prefix`, `gs://…`,
    /// `az://…`; credentials and endpoint from the AWS_* / GOOGLE_* /
    /// AZURE_* environment).
    #[arg(long, global = true, env = "AIOOTP_DB_URL", hide_env_values = true)]
    url: Option<String>,
    /// With a PostgreSQL --url: the namespace of the server's table that
    /// holds this database's files (like a folder; keys tell databases in
    /// it apart). An object store's URL names its folder in its path.
    #[arg(long, global = true, default_value = "aiootp")]
    namespace: String,
    /// The database key file.
    #[arg(long, global = true)]
    key_file: Option<PathBuf>,
    /// Open a passphrase profile of this username instead (the
    /// reference's `generate_profile`).
    #[arg(long, global = true, value_name = "USERNAME")]
    profile: Option<String>,
    /// A profile credential (repeat for more; the reference's
    /// `*credentials`, in order).
    #[arg(
        long = "credential",
        value_name = "TEXT",
        global = true,
        allow_hyphen_values = true
    )]
    credentials: Vec<String>,
    /// The profile's salt, in hex (the reference's `salt=`).
    #[arg(long, value_name = "HEX", global = true)]
    salt_hex: Option<String>,
    /// The profile's Passcrypt MiB [default: 64].
    #[arg(long, global = true)]
    mb: Option<u64>,
    /// The profile's Passcrypt passes [default: 2].
    #[arg(long, global = true)]
    cpu: Option<u64>,
    /// The profile's Passcrypt cores [default: 4].
    #[arg(long, global = true)]
    cores: Option<u64>,
    /// The profile's Passcrypt tag size [default: 168].
    #[arg(long, global = true)]
    tag_size: Option<usize>,
    /// Read the profile's passphrase from the first line of this file.
    #[arg(long, value_name = "FILE", global = true)]
    passphrase_file: Option<PathBuf>,
    /// Work inside this metatag (repeat for nested metatags).
    #[arg(long = "metatag", value_name = "NAME", global = true)]
    metatags: Vec<String>,
    /// A metatag's name in hex (repeat for nested metatags; instead of --metatag).
    #[arg(long = "metatag-hex", value_name = "HEX", global = true)]
    metatags_hex: Vec<String>,
}

/// A tag's name: text, or `--tag-hex`.
#[derive(Debug, Clone, clap::Args)]
pub struct TagName {
    /// The tag name.
    tag: Option<String>,
    /// The tag name in hex (any UTF-8, NUL and newlines included).
    #[arg(long, value_name = "HEX")]
    tag_hex: Option<String>,
}

impl TagName {
    fn get(&self) -> Result<String> {
        opts::name(
            self.tag.as_deref(),
            self.tag_hex.as_deref(),
            "tag",
            "--tag-hex",
        )
    }
}

/// The `filename=` of the database's own encryption: text or hex.
#[derive(Debug, Clone, clap::Args)]
pub struct FileName {
    /// The reference's `filename=` (keys are specific to it).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "",
        allow_hyphen_values = true
    )]
    filename: String,
    /// The filename in hex (instead of --filename).
    #[arg(long, value_name = "HEX")]
    filename_hex: Option<String>,
}

impl FileName {
    fn get(&self) -> Result<String> {
        match &self.filename_hex {
            Some(h) if self.filename.is_empty() => {
                opts::name(None, Some(h), "file", "--filename-hex")
            }
            Some(_) => Err(CliError::usage(
                "give --filename or --filename-hex, not both",
            )),
            None => Ok(self.filename.clone()),
        }
    }
}

/// What to do with the database (or one of its metatags).
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create a database under the key or profile.
    Init {
        #[command(flatten)]
        profile_aad: ProfileAad,
    },
    /// Set a tag to a JSON value, or to the bytes of a file.
    Set {
        /// The tag name (or give --tag-hex).
        tag: Option<String>,
        /// The value as JSON text (e.g. '{"a": 1}' or '"text"'); `-` reads
        /// it from stdin, which keeps it out of the process list and the
        /// shell history. It may start with `-` (`-5`).
        #[arg(allow_hyphen_values = true)]
        value_json: Option<String>,
        /// The tag name in hex (any UTF-8, NUL and newlines included).
        #[arg(long, value_name = "HEX")]
        tag_hex: Option<String>,
        /// Read the JSON value from this file.
        #[arg(long, conflicts_with_all = ["value_json", "file"])]
        json_file: Option<PathBuf>,
        /// Store the bytes of this file instead.
        #[arg(long, conflicts_with = "value_json")]
        file: Option<PathBuf>,
        #[command(flatten)]
        profile_aad: ProfileAad,
    },
    /// Print a tag: JSON as text, bytes raw.
    Get {
        #[command(flatten)]
        name: TagName,
        /// Refuse a value saved more than this many seconds ago (0 = any
        /// age; the reference's `query_tag(tag, ttl=…)`).
        #[arg(long, default_value_t = 0)]
        ttl: u64,
        /// Write the value to this file instead of stdout (written whole
        /// or not at all; a device or FIFO is written in place).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Replace the output file if it exists.
        #[arg(short, long)]
        force: bool,
        #[command(flatten)]
        profile_aad: ProfileAad,
    },
    /// List the tags, then the metatags (with a trailing `/`).
    List {
        /// Print each name in hex (names may hold newlines or NUL).
        #[arg(long)]
        hex: bool,
        #[command(flatten)]
        profile_aad: ProfileAad,
    },
    /// Remove a tag.
    Rm {
        #[command(flatten)]
        name: TagName,
        #[command(flatten)]
        profile_aad: ProfileAad,
    },
    /// Print everything as JSON, metatags nested (the escapes: docs/cli.md).
    Dump {
        #[command(flatten)]
        profile_aad: ProfileAad,
    },
    /// Restore a file written by `dump` (tags are set, nothing is removed).
    Load {
        /// The dump file (`-` for stdin).
        file: PathBuf,
        #[command(flatten)]
        profile_aad: ProfileAad,
    },
    /// Remove a metatag and everything in it (the reference's `delete_metatag`).
    RmMetatag {
        /// The metatag's name (or give --name-hex).
        name: Option<String>,
        /// The metatag's name in hex.
        #[arg(long, value_name = "HEX")]
        name_hex: Option<String>,
        #[command(flatten)]
        profile_aad: ProfileAad,
    },
    /// Authenticate data read from stdin with the database's HMAC key
    /// (`make_hmac` / `test_hmac`).
    Hmac {
        #[command(subcommand)]
        command: HmacCommand,
    },
    /// Encrypt a file or stdin with the database's keys: what the
    /// reference's `db.bytes_encrypt(data, filename=…, aad=…)` returns
    /// (`--armor`: `db.make_token`).
    Encrypt {
        #[command(flatten)]
        filename: FileName,
        #[command(flatten)]
        aad: Aad,
        /// The output file (stdout when absent or `-`; binary output to a
        /// terminal needs `-o -`).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Replace the output file if it exists.
        #[arg(short, long)]
        force: bool,
        /// Write the token form (`db.make_token`).
        #[arg(short, long)]
        armor: bool,
        /// The input file (stdin when absent or `-`).
        input: Option<PathBuf>,
    },
    /// Decrypt what `db encrypt` or the reference's `db.bytes_encrypt` /
    /// `db.make_token` made; nothing is written unless it authenticates.
    Decrypt {
        #[command(flatten)]
        filename: FileName,
        #[command(flatten)]
        aad: Aad,
        /// Refuse ciphertexts older than this many seconds (0 = any age).
        #[arg(long, default_value_t = 0)]
        ttl: u64,
        /// The output file (stdout when absent or `-`).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Replace the output file if it exists.
        #[arg(short, long)]
        force: bool,
        /// The input file (stdin when absent or `-`).
        input: Option<PathBuf>,
    },
    /// Make or read tokens with the database's keys (`db.make_token` /
    /// `db.read_token`).
    Token {
        #[command(subcommand)]
        command: DbTokenCommand,
    },
    /// Copy the database's files, byte for byte, into a folder the
    /// reference opens (from --url or --path).
    Export {
        /// The folder to write (made if missing).
        #[arg(long)]
        to: PathBuf,
        /// Replace a database under this key already in the folder.
        #[arg(short, long)]
        force: bool,
    },
    /// Copy a folder's database (one the reference wrote), byte for byte,
    /// into the --url server (or the --path folder), under the same key.
    Import {
        /// The folder to read.
        #[arg(long)]
        from: PathBuf,
        /// Replace a database under this key already there.
        #[arg(short, long)]
        force: bool,
    },
    /// Copy everything into another database under a new key.
    Mirror {
        /// The destination folder.
        #[arg(long)]
        to: PathBuf,
        /// The destination's key file.
        #[arg(long)]
        new_key_file: PathBuf,
        #[command(flatten)]
        profile_aad: ProfileAad,
    },
}

/// `db hmac make` / `db hmac test`.
#[derive(Debug, Subcommand)]
pub enum HmacCommand {
    /// Print the hex HMAC of stdin.
    Make {
        #[command(flatten)]
        aad: Aad,
    },
    /// Check a hex HMAC of stdin (exit 1 if it does not match).
    Test {
        /// The HMAC, in hex.
        hmac_hex: String,
        #[command(flatten)]
        aad: Aad,
    },
}

/// `db token make` / `db token read`.
#[derive(Debug, Subcommand)]
pub enum DbTokenCommand {
    /// Read data from stdin, print a token.
    Make {
        #[command(flatten)]
        filename: FileName,
        #[command(flatten)]
        aad: Aad,
    },
    /// Print the data of a token (argument, or stdin).
    Read {
        #[command(flatten)]
        filename: FileName,
        #[command(flatten)]
        aad: Aad,
        /// Refuse tokens older than this many seconds (0 = any age).
        #[arg(long, default_value_t = 0)]
        ttl: u64,
        /// The token (stdin when absent; it may start with `-`).
        #[arg(allow_hyphen_values = true)]
        token: Option<String>,
    },
}

impl DbCommand {
    fn writes(&self) -> bool {
        matches!(
            self,
            Self::Set { .. } | Self::Rm { .. } | Self::RmMetatag { .. } | Self::Load { .. }
        )
    }

    /// The profile's aad given after the subcommand, if the subcommand
    /// takes one (those with data aad of their own do not).
    fn profile_aad(&self) -> Option<&ProfileAad> {
        match self {
            Self::Init { profile_aad }
            | Self::Set { profile_aad, .. }
            | Self::Get { profile_aad, .. }
            | Self::List { profile_aad, .. }
            | Self::Rm { profile_aad, .. }
            | Self::Dump { profile_aad }
            | Self::Load { profile_aad, .. }
            | Self::RmMetatag { profile_aad, .. }
            | Self::Mirror { profile_aad, .. } => Some(profile_aad),
            Self::Hmac { .. }
            | Self::Encrypt { .. }
            | Self::Decrypt { .. }
            | Self::Token { .. }
            | Self::Export { .. }
            | Self::Import { .. } => None,
        }
    }
}

/// How a command may open the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// `db init`: create it; one that exists is an error.
    Create,
    /// A command that writes: create it only in a folder that does not
    /// exist or is empty, else it must exist (a folder with other files
    /// and no database for this key is a mistyped key or passphrase).
    Write,
    /// A command that reads: it must exist.
    Read,
}

/// Whether `path` holds nothing but stale temporaries of an interrupted write.
fn is_empty_folder(path: &Path) -> Result<bool> {
    let entries = std::fs::read_dir(path).map_err(|e| CliError::io(path.display(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| CliError::io(path.display(), e))?;
        if !FsStorage::is_temporary_name(&entry.file_name().to_string_lossy()) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The profile's passphrase: `--passphrase-file`, else asked on the
/// terminal (twice when a profile is made), else one line of stdin.
fn profile_passphrase(o: &DbOptions, confirm: bool) -> Result<Zeroizing<Vec<u8>>> {
    // A value read from stdin (`set t -`) follows the passphrase's line.
    crate::files::passphrase_from(o.passphrase_file.as_deref(), confirm, false)
}

/// Refuses profile knobs without `--profile`.
fn check_profile_knobs(o: &DbOptions, profile_aad: &[u8]) -> Result<()> {
    let profile_only = !o.credentials.is_empty()
        || o.salt_hex.is_some()
        || o.mb.is_some()
        || o.cpu.is_some()
        || o.cores.is_some()
        || o.tag_size.is_some()
        || o.passphrase_file.is_some()
        || !profile_aad.is_empty();
    if o.profile.is_none() && profile_only {
        return Err(CliError::usage(
            "--credential, --salt-hex, --mb, --cpu, --cores, --tag-size, --passphrase-file and a \
             database-level --aad belong to a profile: add --profile USERNAME",
        ));
    }
    Ok(())
}

/// The profile's salt and settings from the options.
fn profile_knobs(o: &DbOptions) -> Result<(Vec<u8>, ProfileSettings)> {
    let salt = o
        .salt_hex
        .as_deref()
        .map(|h| opts::hex_arg(h, "--salt-hex"))
        .transpose()?
        .unwrap_or_default();
    let settings = {
        let mut s = ProfileSettings::default();
        let p = &mut s.passcrypt;
        p.mb = o.mb.unwrap_or(p.mb);
        p.cpu = o.cpu.unwrap_or(p.cpu);
        p.cores = o.cores.unwrap_or(p.cores);
        p.tag_size = o.tag_size.unwrap_or(p.tag_size);
        s
    };
    Ok((salt, settings))
}

/// Opens the database of `--key-file` or `--profile`.
fn open_folder(o: &DbOptions, path: &Path, profile_aad: &[u8], access: Access) -> Result<Database> {
    if o.key_file.is_some() == o.profile.is_some() {
        return Err(CliError::usage(
            "give exactly one of --key-file or --profile",
        ));
    }
    check_profile_knobs(o, profile_aad)?;
    let exists = path.exists();
    if exists && !path.is_dir() {
        return Err(CliError::io(path.display(), "not a folder"));
    }
    let create = match access {
        Access::Create => true,
        Access::Write => !exists || is_empty_folder(path)?,
        Access::Read => false,
    };
    // Everything that can be refused is checked before the folder is made.
    let key = o.key_file.as_deref().map(read_key).transpose()?;
    let (salt, settings) = profile_knobs(o)?;
    let pass = match &o.profile {
        Some(_) => Some(profile_passphrase(o, access == Access::Create)?),
        None => None,
    };
    if create && !exists {
        std::fs::create_dir_all(path).map_err(|e| CliError::io(path.display(), e))?;
    }
    let opened = match (&key, &o.profile, &pass) {
        (Some(key), _, _) => {
            let mode = if create {
                OpenMode::Create
            } else {
                OpenMode::Existing
            };
            Database::open_with(
                key,
                path,
                OpenOptions {
                    mode,
                    ..OpenOptions::default()
                },
            )
        }
        (_, Some(user), Some(pass)) => {
            let credentials: Vec<&[u8]> = o.credentials.iter().map(|c| c.as_bytes()).collect();
            let open = if create {
                generate_profile
            } else {
                generate_profile_existing
            };
            open(
                path,
                &credentials,
                user.as_bytes(),
                pass,
                &salt,
                profile_aad,
                &settings,
            )
            .map(|(db, _)| db)
        }
        _ => unreachable!("checked above"),
    };
    opened.map_err(|e| open_error(e, &path.display().to_string(), access))
}

/// The CLI's words for a database that is missing, or there already.
fn open_error(e: aiootp::db::Error, place: &str, access: Access) -> CliError {
    match e {
        aiootp::db::Error::NotFound { .. } if access == Access::Write => CliError::auth(format!(
            "{place} holds files but no database for this key or profile (a wrong key, passphrase or \
             profile setting?); nothing was written. `aiootp db init` creates a new database there"
        )),
        aiootp::db::Error::NotFound { .. } => CliError::auth(format!(
            "no database for this key or profile in {place} (a wrong key, passphrase or profile \
             setting, or not made yet: see `aiootp db init`)"
        )),
        aiootp::db::Error::AlreadyExists { .. } => CliError::auth(format!(
            "a database for this key or profile already exists in {place}"
        )),
        other => other.into(),
    }
}

/// Where the database is: `--path` or `--url`.
#[derive(Debug, Clone, Copy)]
enum Place<'a> {
    Folder(&'a Path),
    Server(&'a str),
}

/// The storage of a `--url` (a PostgreSQL URL or `key=value` string, or
/// an object store's URL), opened by the library.
fn server_storage(o: &DbOptions, url: &str) -> Result<Arc<dyn Storage>> {
    let options = aiootp::db::UrlOptions {
        namespace: o.namespace.clone(),
        schemeless: aiootp::db::storage::Schemeless::Postgres,
        ..aiootp::db::UrlOptions::default()
    };
    Ok(aiootp::db::open_url(url, &options)?)
}

/// Opens the database of `--key-file` on the server of `--url`.
fn open_server(o: &DbOptions, url: &str, profile_aad: &[u8], access: Access) -> Result<Database> {
    if o.key_file.is_some() == o.profile.is_some() {
        return Err(CliError::usage(
            "give exactly one of --key-file or --profile",
        ));
    }
    check_profile_knobs(o, profile_aad)?;
    let key = o.key_file.as_deref().map(read_key).transpose()?;
    let (salt, settings) = profile_knobs(o)?;
    let pass = match &o.profile {
        Some(_) => Some(profile_passphrase(o, access == Access::Create)?),
        None => None,
    };
    let storage = server_storage(o, url)?;
    let shown = storage.location("");
    let create = match access {
        Access::Create => true,
        Access::Write => storage
            .list()
            .map_err(|e| CliError::io(&shown, e))?
            .is_empty(),
        Access::Read => false,
    };
    let options = OpenOptions {
        mode: if create {
            OpenMode::Create
        } else {
            OpenMode::Existing
        },
        lock: LockMode::None,
        ..OpenOptions::default()
    };
    let opened = match (&key, &o.profile, &pass) {
        (Some(key), _, _) => Database::open_node(storage, key, options),
        (_, Some(user), Some(pass)) => {
            let credentials: Vec<&[u8]> = o.credentials.iter().map(|c| c.as_bytes()).collect();
            aiootp::db::generate_profile_on(
                storage,
                &credentials,
                user.as_bytes(),
                pass,
                &salt,
                profile_aad,
                &settings,
                options.mode,
            )
            .map(|(db, _)| db)
        }
        _ => unreachable!("checked above"),
    };
    opened.map_err(|e| open_error(e, &shown, access))
}

fn open(o: &DbOptions, place: Place<'_>, profile_aad: &[u8], access: Access) -> Result<Database> {
    match place {
        Place::Folder(path) => open_folder(o, path, profile_aad, access),
        Place::Server(url) => open_server(o, url, profile_aad, access),
    }
}

/// Standard input, read once however often a retried command asks.
#[derive(Default)]
pub struct StdinOnce(Option<Zeroizing<Vec<u8>>>);

impl StdinOnce {
    fn get(&mut self) -> Result<Zeroizing<Vec<u8>>> {
        if self.0.is_none() {
            self.0 = Some(read_stdin()?);
        }
        Ok(self.0.clone().unwrap_or_default())
    }
}

/// How long a command that writes retries a save that conflicts.
const RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// A jittered exponential pause before retry `attempt` (10 ms doubling to
/// 1 s, times 0.5 to 1.5).
fn backoff(attempt: u32) -> std::time::Duration {
    let base = 10u64 << attempt.min(7);
    let jitter = aiootp::primitives::token_bytes(2)
        .map(|b| u64::from(u16::from_be_bytes([b[0], b[1]])))
        .unwrap_or(32768);
    std::time::Duration::from_millis((base.min(1000) * (32768 + jitter)) >> 16)
}

/// Runs `command` on the database of `options`, inside its nested
/// metatags (created when the command writes). `profile_aad` is the
/// profile's aad given before the subcommand. A save that conflicts with
/// another client's is redone on a fresh copy of the database, with
/// jittered backoff, for up to 30 s.
pub fn run(options: &DbOptions, profile_aad: &ProfileAad, command: &DbCommand) -> Result<()> {
    let place = match (&options.path, &options.url) {
        (Some(p), _) => Place::Folder(p),
        (None, Some(u)) => Place::Server(u),
        (None, None) => {
            return Err(CliError::usage(
                "give the database: --path DIR, or --url URL (or AIOOTP_DB_URL)",
            ));
        }
    };
    let after = command.profile_aad().filter(|a| a.is_given());
    if after.is_some() && profile_aad.is_given() {
        return Err(CliError::usage(
            "the profile's --aad is given twice (before and after the subcommand)",
        ));
    }
    let profile_aad = after.unwrap_or(profile_aad).bytes()?;
    if !options.metatags.is_empty() && !options.metatags_hex.is_empty() {
        return Err(CliError::usage(
            "give the metatags with --metatag or with --metatag-hex, not both",
        ));
    }
    let metatags: Vec<String> = if options.metatags_hex.is_empty() {
        options.metatags.clone()
    } else {
        options
            .metatags_hex
            .iter()
            .map(|h| opts::name(None, Some(h), "metatag", "--metatag-hex"))
            .collect::<Result<_>>()?
    };
    if matches!(command, DbCommand::Export { .. } | DbCommand::Import { .. })
        && options.profile.is_some()
    {
        return Err(CliError::usage(
            "`db export` and `db import` take --key-file (a profile's salt files stay where they are)",
        ));
    }
    if let DbCommand::Import { from, force } = command {
        return import(options, place, from, *force);
    }
    let access = match command {
        DbCommand::Init { .. } => Access::Create,
        c if c.writes() => Access::Write,
        _ => Access::Read,
    };
    if matches!(command, DbCommand::Init { .. }) && !metatags.is_empty() {
        return Err(CliError::usage(
            "`db init` makes the top database; leave out --metatag",
        ));
    }
    let mut stdin = StdinOnce::default();
    let deadline = std::time::Instant::now() + RETRY_FOR;
    let mut attempt = 0;
    loop {
        match run_once(
            options,
            place,
            &profile_aad,
            &metatags,
            access,
            command,
            &mut stdin,
        ) {
            Err(e)
                if e.kind == crate::error::Kind::Conflict
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(backoff(attempt));
                attempt += 1;
            }
            done => return done,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_once(
    options: &DbOptions,
    place: Place<'_>,
    profile_aad: &[u8],
    metatags: &[String],
    access: Access,
    command: &DbCommand,
    stdin: &mut StdinOnce,
) -> Result<()> {
    let mut db = open(options, place, profile_aad, access)?;
    if matches!(command, DbCommand::Init { .. }) {
        db.save_database()?;
        match place {
            Place::Folder(p) => println!("created a database in {}", p.display()),
            Place::Server(_) => println!("created a database on the server"),
        }
        return Ok(());
    }
    let mut node = &mut db;
    for name in metatags {
        if !command.writes() && !node.metatags().iter().any(|m| m == name) {
            return Err(CliError::usage(format!(
                "no metatag named {name:?} (see `list`)"
            )));
        }
        node = node.metatag(name)?;
    }
    let folder = match place {
        Place::Folder(p) => Some(p),
        Place::Server(_) => None,
    };
    execute(node, command, folder, stdin)?;
    if command.writes() && !metatags.is_empty() {
        // The parents' manifests list the (possibly new) metatags.
        db.save_database()?;
    }
    Ok(())
}

/// The CLI's words for a `copy_to` (export or import) that failed.
fn copy_error(e: aiootp::db::Error, place: &str) -> CliError {
    match e {
        aiootp::db::Error::AlreadyExists { .. } => CliError::auth(format!(
            "a database under this key already exists in {place}; --force replaces it"
        )),
        other => other.into(),
    }
}

/// `db import --from DIR`: the folder's database, byte for byte, into
/// the --url server or the --path folder.
fn import(options: &DbOptions, place: Place<'_>, from: &Path, force: bool) -> Result<()> {
    let key = match &options.key_file {
        Some(k) if options.profile.is_none() => read_key(k)?,
        _ => {
            return Err(CliError::usage(
                "`db import` takes --key-file (the folder's key)",
            ));
        }
    };
    let source = Database::open_with(
        &key,
        from,
        OpenOptions {
            mode: OpenMode::Existing,
            ..OpenOptions::default()
        },
    )
    .map_err(|e| open_error(e, &from.display().to_string(), Access::Read))?;
    match place {
        Place::Server(url) => {
            let target = server_storage(options, url)?;
            let shown = target.location("");
            source
                .copy_to(&*target, force)
                .map_err(|e| copy_error(e, &shown))?;
        }
        Place::Folder(path) => {
            std::fs::create_dir_all(path).map_err(|e| CliError::io(path.display(), e))?;
            source
                .copy_to(&FsStorage::new(path), force)
                .map_err(|e| copy_error(e, &path.display().to_string()))?;
        }
    }
    println!("imported {}", from.display());
    Ok(())
}

/// The most bytes `set --file`, `--json-file` and `load` read: what one
/// database file may hold.
const MAX_VALUE_FILE: u64 = aiootp::db::DEFAULT_MAX_FILE_BYTES;

fn execute(
    db: &mut Database,
    command: &DbCommand,
    folder: Option<&Path>,
    stdin: &mut StdinOnce,
) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    let out = |e| CliError::io("stdout", e);
    match command {
        DbCommand::Set {
            tag,
            value_json,
            tag_hex,
            json_file,
            file,
            ..
        } => {
            // With --tag-hex, the one positional argument is the value.
            let (tag, value_json) = match (tag_hex, tag, value_json) {
                (Some(_), Some(_), Some(_)) => {
                    return Err(CliError::usage(
                        "with --tag-hex, give only VALUE_JSON after `set`",
                    ));
                }
                (Some(h), first, None) => (
                    opts::name(None, Some(h), "tag", "--tag-hex")?,
                    first.clone(),
                ),
                (None, first, value) => (
                    opts::name(first.as_deref(), None, "tag", "--tag-hex")?,
                    value.clone(),
                ),
                (Some(_), None, Some(_)) => unreachable!("clap fills TAG first"),
            };
            let tag = tag.as_str();
            // Stored exactly as the reference stores json.loads(text):
            // integers of any size, -0, NaN, Infinity, lone surrogates.
            let parse = |text: &[u8]| -> Result<Value> {
                let text = std::str::from_utf8(text)
                    .map_err(|_| CliError::usage("the value is not UTF-8 JSON text"))?;
                let normal = aiootp::primitives::python_json_normalize(text)
                    .map_err(|e| CliError::usage(format!("the value is {e}")))?;
                Ok(Value::from_plaintext(normal.into_bytes(), tag)?)
            };
            let value = match (value_json.as_deref(), json_file, file) {
                (Some("-"), None, None) => parse(&stdin.get()?)?,
                (Some(text), None, None) => parse(text.as_bytes())?,
                (None, Some(f), None) => parse(&read_bounded(f, MAX_VALUE_FILE, "JSON file")?)?,
                (None, None, Some(f)) => {
                    Value::Bytes(read_bounded(f, MAX_VALUE_FILE, "file")?.to_vec())
                }
                _ => {
                    return Err(CliError::usage(
                        "give VALUE_JSON, `-` (JSON on stdin), --json-file F or --file F",
                    ));
                }
            };
            db.set_tag(tag, value);
            db.save_database()?;
        }
        DbCommand::Get {
            name,
            ttl,
            output,
            force,
            ..
        } => {
            let tag = name.get()?;
            if !db.contains(&tag) {
                return Err(CliError::usage(format!(
                    "no tag named {tag:?} (see `list`)"
                )));
            }
            let target = Target::new(output.as_deref(), *force)?;
            let mut bytes = match db.query_tag_ttl(&tag, false, *ttl)? {
                Value::Bytes(b) => Zeroizing::new(b),
                other => {
                    let mut text = Zeroizing::new(other.to_plaintext());
                    text.push(b'\n');
                    text
                }
            };
            let mut sink = target.open(0o600)?;
            sink.write_all(&bytes)
                .map_err(|e| CliError::io("output", e))?;
            bytes.zeroize();
            sink.commit()?;
        }
        DbCommand::List { hex, .. } => {
            let show = |n: &str| {
                if *hex {
                    aiootp::primitives::bytes_to_hex(n.as_bytes())
                } else {
                    n.to_owned()
                }
            };
            for t in db.tags() {
                writeln!(stdout, "{}", show(t)).map_err(out)?;
            }
            for m in db.metatags() {
                writeln!(stdout, "{}/", show(m)).map_err(out)?;
            }
        }
        DbCommand::Rm { name, .. } => {
            let tag = name.get()?;
            if !db.contains(&tag) {
                return Err(CliError::usage(format!(
                    "no tag named {tag:?} (see `list`)"
                )));
            }
            db.pop_tag(&tag)?;
            db.save_database()?;
        }
        DbCommand::Dump { .. } => {
            let tree = dump(db)?;
            writeln!(
                stdout,
                "{}",
                serde_json::to_string_pretty(&tree).unwrap_or_default()
            )
            .map_err(out)?;
        }
        DbCommand::Mirror {
            to, new_key_file, ..
        } => {
            let key = read_key(new_key_file)?;
            if !to.exists() {
                std::fs::create_dir_all(to).map_err(|e| CliError::io(to.display(), e))?;
            }
            // Into the same folder, this command already holds its lock.
            let same = folder.is_some_and(|path| {
                std::fs::canonicalize(to).ok() == std::fs::canonicalize(path).ok()
            });
            let options = OpenOptions {
                mode: OpenMode::OpenOrNew,
                lock: if same { LockMode::None } else { LockMode::Fail },
                ..OpenOptions::default()
            };
            let mut other = Database::open_with(&key, to, options)?;
            other.mirror_database(db)?;
            other.save_database()?;
        }
        DbCommand::Init { .. } | DbCommand::Import { .. } => {}
        DbCommand::Export { to, force } => {
            std::fs::create_dir_all(to).map_err(|e| CliError::io(to.display(), e))?;
            db.copy_to(&FsStorage::new(to), *force)
                .map_err(|e| copy_error(e, &to.display().to_string()))?;
            println!("exported to {}", to.display());
        }
        DbCommand::Load { file, .. } => {
            let text = if file == Path::new("-") {
                stdin.get()?
            } else {
                read_bounded(file, MAX_VALUE_FILE, "dump file")?
            };
            let tree: Json = serde_json::from_slice(&text).map_err(|e| {
                CliError::usage(format!(
                    "the dump is {}",
                    aiootp::primitives::JsonError::from(&e)
                ))
            })?;
            load(db, &tree, 0)?;
            db.save_database()?;
        }
        DbCommand::RmMetatag { name, name_hex, .. } => {
            let name = opts::name(
                name.as_deref(),
                name_hex.as_deref(),
                "metatag",
                "--name-hex",
            )?;
            if !db.metatags().contains(&name) {
                return Err(CliError::usage(format!(
                    "no metatag named {name:?} (see `list`)"
                )));
            }
            db.metatag(&name)?;
            db.delete_metatag(&name)?;
            db.save_database()?;
        }
        DbCommand::Hmac { command } => match command {
            HmacCommand::Make { aad } => {
                let aad = aad.bytes()?;
                let data = read_stdin()?;
                let mac = db.make_hmac(&[&data], &aad)?;
                writeln!(stdout, "{}", aiootp::primitives::bytes_to_hex(&mac)).map_err(out)?;
            }
            HmacCommand::Test { hmac_hex, aad } => {
                let aad = aad.bytes()?;
                let mac = opts::hex_arg(hmac_hex, "HMAC_HEX")?;
                let data = read_stdin()?;
                db.test_hmac(&mac, &[&data], &aad)?;
                writeln!(stdout, "ok").map_err(out)?;
            }
        },
        DbCommand::Encrypt {
            filename,
            aad,
            output,
            force,
            armor,
            input,
        } => {
            let (cipher, aad) = db.file_cipher(&filename.get()?, &aad.bytes()?);
            crypt::encrypt(
                &Keying::Cipher(cipher),
                &aad,
                input.as_deref(),
                output.as_deref(),
                *force,
                *armor,
            )?;
        }
        DbCommand::Decrypt {
            filename,
            aad,
            ttl,
            output,
            force,
            input,
        } => {
            let (cipher, aad) = db.file_cipher(&filename.get()?, &aad.bytes()?);
            crypt::decrypt(
                &Keying::Cipher(cipher),
                &aad,
                *ttl,
                input.as_deref(),
                output.as_deref(),
                *force,
            )?;
        }
        DbCommand::Token { command } => match command {
            DbTokenCommand::Make { filename, aad } => {
                let (filename, aad) = (filename.get()?, aad.bytes()?);
                if std::io::stdin().is_terminal() {
                    eprintln!(
                        "aiootp: reading the token's data from the terminal; end it with Ctrl-D"
                    );
                }
                let data = read_stdin()?;
                writeln!(stdout, "{}", db.make_token(&data, &filename, &aad)?).map_err(out)?;
            }
            DbTokenCommand::Read {
                filename,
                aad,
                ttl,
                token,
            } => {
                let (filename, aad) = (filename.get()?, aad.bytes()?);
                let token = match token {
                    Some(t) => Zeroizing::new(t.clone().into_bytes()),
                    None => read_stdin()?,
                };
                let plain =
                    Zeroizing::new(db.read_token(token.trim_ascii(), &filename, &aad, *ttl)?);
                stdout.write_all(&plain).map_err(out)?;
            }
        },
    }
    Ok(())
}

/// The whole tree as JSON: `{"tags": {...}, "metatags": {name: {...}}}`.
pub fn dump(db: &mut Database) -> Result<Json> {
    let mut tags = Map::new();
    for t in db.tags().map(str::to_owned).collect::<Vec<_>>() {
        let v = match db.query_tag(&t, false)? {
            Value::Bytes(b) => {
                json!({"$bytes": aiootp::primitives::bytes_to_hex(&b)})
            }
            // An object with a `$` key could be mistaken for a tagged form.
            Value::Json(Json::Object(o)) if o.keys().any(|k| k.starts_with('$')) => {
                json!({"$json": Json::Object(o)})
            }
            Value::Json(j) => j,
            // NaN, Infinity, big integers: not JSON serde can print; keep Python's text.
            Value::RawJson(text) => json!({"$python_json": text}),
        };
        tags.insert(t, v);
    }
    let mut metatags = Map::new();
    for m in db.metatags().to_vec() {
        metatags.insert(m.clone(), dump(db.metatag(&m)?)?);
    }
    Ok(json!({"tags": tags, "metatags": metatags}))
}

/// A dumped tag value back as the value it was: the inverse of [`dump`]'s
/// escaping, so every dump reads back to exactly one database.
fn undump_value(v: &Json, tag: &str) -> Result<Value> {
    let bad = || CliError::usage(format!("the dump's value of {tag:?} is not a dumped value"));
    if let Json::Object(o) = v {
        if o.len() == 1 {
            if let Some(Json::String(h)) = o.get("$bytes") {
                return aiootp::primitives::hex_to_bytes(h)
                    .map(Value::Bytes)
                    .ok_or_else(bad);
            }
            if let Some(Json::String(text)) = o.get("$python_json") {
                return Ok(Value::from_plaintext(text.clone().into_bytes(), tag)?);
            }
            if let Some(inner) = o.get("$json") {
                return Ok(Value::Json(inner.clone()));
            }
        }
        if o.keys().any(|k| k.starts_with('$')) {
            return Err(bad());
        }
    }
    Ok(Value::Json(v.clone()))
}

/// Restores a dump into `db` (tags and metatags, nested), without saving.
fn load(db: &mut Database, tree: &Json, depth: usize) -> Result<()> {
    let bad =
        || CliError::usage("the file is not an `aiootp db dump` (no \"tags\" and \"metatags\")");
    let tags = tree.get("tags").and_then(Json::as_object).ok_or_else(bad)?;
    let metatags = tree
        .get("metatags")
        .and_then(Json::as_object)
        .ok_or_else(bad)?;
    for (tag, v) in tags {
        db.set_tag(tag, undump_value(v, tag)?);
    }
    if depth >= aiootp::db::MAX_METATAG_DEPTH && !metatags.is_empty() {
        return Err(CliError::usage(
            "the dump nests metatags deeper than a database can",
        ));
    }
    for (name, sub) in metatags {
        load(db.metatag(name)?, sub, depth + 1)?;
    }
    Ok(())
}

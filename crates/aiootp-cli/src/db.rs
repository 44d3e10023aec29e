//! `aiootp db`: an encrypted database folder from the command line.

use crate::error::{CliError, Result};
use crate::files::{Target, passphrase, read_key, read_stdin};
use aiootp::db::{
    Database, LockMode, OpenMode, OpenOptions, ProfileSettings, Value, generate_profile,
    generate_profile_existing,
};
use clap::Subcommand;
use serde_json::{Map, Value as Json, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::{Zeroize, Zeroizing};

/// What to do with the database (or one of its metatags).
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create a database under the key or profile (in a new, empty or
    /// shared folder).
    Init,
    /// Set a tag to a JSON value, or to the bytes of a file.
    Set {
        /// The tag name.
        tag: String,
        /// The value as JSON text (e.g. '{"a": 1}' or '"text"'); `-` reads
        /// it from stdin, which keeps it out of the process list and the
        /// shell history. It may start with `-` (`-5`).
        #[arg(allow_hyphen_values = true)]
        value_json: Option<String>,
        /// Read the JSON value from this file.
        #[arg(long, conflicts_with_all = ["value_json", "file"])]
        json_file: Option<PathBuf>,
        /// Store the bytes of this file instead.
        #[arg(long, conflicts_with = "value_json")]
        file: Option<PathBuf>,
    },
    /// Print a tag: JSON as text, bytes raw.
    Get {
        /// The tag name.
        tag: String,
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
    },
    /// List the tags, then the metatags (with a trailing `/`).
    List,
    /// Remove a tag.
    Rm {
        /// The tag name.
        tag: String,
    },
    /// Print everything as JSON, metatags nested; bytes as {"$bytes": hex}.
    Dump,
    /// Restore a file written by `dump` (tags are set, nothing is removed).
    Load {
        /// The dump file (`-` for stdin).
        file: PathBuf,
    },
    /// Remove a metatag and everything in it (the reference's `delete_metatag`).
    RmMetatag {
        /// The metatag's name.
        name: String,
    },
    /// Authenticate data read from stdin with the database's HMAC key
    /// (`make_hmac` / `test_hmac`).
    Hmac {
        #[command(subcommand)]
        command: HmacCommand,
    },
    /// Copy everything into another database under a new key.
    Mirror {
        /// The destination folder.
        #[arg(long)]
        to: PathBuf,
        /// The destination's key file.
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

/// `db hmac make` / `db hmac test`.
#[derive(Debug, Subcommand)]
pub enum HmacCommand {
    /// Print the hex HMAC of stdin.
    Make {
        /// Associated data.
        #[arg(long, default_value = "")]
        aad: String,
    },
    /// Check a hex HMAC of stdin (exit 1 if it does not match).
    Test {
        /// The HMAC, in hex.
        hmac_hex: String,
        /// Associated data.
        #[arg(long, default_value = "")]
        aad: String,
    },
}

impl DbCommand {
    fn writes(&self) -> bool {
        matches!(
            self,
            Self::Set { .. } | Self::Rm { .. } | Self::RmMetatag { .. } | Self::Load { .. }
        )
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
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(".aiootp-tmp-")
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Opens the database of `--key-file` or `--profile`.
fn open(
    path: &Path,
    key_file: Option<&Path>,
    profile: Option<&str>,
    access: Access,
) -> Result<Database> {
    if key_file.is_some() == profile.is_some() {
        return Err(CliError::usage(
            "give exactly one of --key-file or --profile",
        ));
    }
    let exists = path.exists();
    if exists && !path.is_dir() {
        return Err(CliError::io(path.display(), "not a folder"));
    }
    let create = match access {
        Access::Create => true,
        Access::Write => !exists || is_empty_folder(path)?,
        Access::Read => false,
    };
    if create && !exists {
        std::fs::create_dir_all(path).map_err(|e| CliError::io(path.display(), e))?;
    }
    let opened = match (key_file, profile) {
        (Some(k), _) => {
            let key = read_key(k)?;
            let mode = if create {
                OpenMode::Create
            } else {
                OpenMode::Existing
            };
            Database::open_with(
                &key,
                path,
                OpenOptions {
                    mode,
                    ..OpenOptions::default()
                },
            )
        }
        (_, Some(user)) => {
            let pass = passphrase("passphrase: ")?;
            let settings = ProfileSettings::default();
            let open = if create {
                generate_profile
            } else {
                generate_profile_existing
            };
            open(path, &[], user.as_bytes(), &pass, b"", b"", &settings).map(|(db, _)| db)
        }
        (None, None) => unreachable!("checked above"),
    };
    opened.map_err(|e| match e {
        aiootp::db::Error::NotFound { .. } if access == Access::Write => CliError::auth(format!(
            "{} holds files but no database for this key or profile (a wrong key or passphrase?); \
             nothing was written. `aiootp db init` creates a new database there",
            path.display()
        )),
        aiootp::db::Error::NotFound { .. } => CliError::auth(format!(
            "no database for this key or profile in {} (a wrong key or passphrase, or not made yet: see `aiootp db init`)",
            path.display()
        )),
        aiootp::db::Error::AlreadyExists { .. } => CliError::auth(format!(
            "a database for this key or profile already exists in {}",
            path.display()
        )),
        other => other.into(),
    })
}

/// Runs `command` on the database at `path`, inside the nested metatags
/// `metatags` (created when the command writes).
pub fn run(
    path: &Path,
    key_file: Option<&Path>,
    profile: Option<&str>,
    metatags: &[String],
    command: &DbCommand,
) -> Result<()> {
    let access = match command {
        DbCommand::Init => Access::Create,
        c if c.writes() => Access::Write,
        _ => Access::Read,
    };
    let mut db = open(path, key_file, profile, access)?;
    if matches!(command, DbCommand::Init) {
        if !metatags.is_empty() {
            return Err(CliError::usage(
                "`db init` makes the top database; leave out --metatag",
            ));
        }
        db.save_database()?;
        println!("created a database in {}", path.display());
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
    execute(node, command, path)?;
    if command.writes() && !metatags.is_empty() {
        // The parents' manifests list the (possibly new) metatags.
        db.save_database()?;
    }
    Ok(())
}

fn execute(db: &mut Database, command: &DbCommand, path: &Path) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    let out = |e| CliError::io("stdout", e);
    match command {
        DbCommand::Set {
            tag,
            value_json,
            json_file,
            file,
        } => {
            // Stored exactly as the reference stores json.loads(text):
            // integers of any size, -0, NaN, Infinity, lone surrogates.
            let parse = |text: &[u8]| -> Result<Value> {
                let text = std::str::from_utf8(text)
                    .map_err(|_| CliError::usage("the value is not UTF-8 JSON text"))?;
                let normal = aiootp::primitives::python_json_normalize(text)
                    .map_err(|e| CliError::usage(format!("the value is {e}")))?;
                Ok(Value::from_plaintext(normal.into_bytes(), tag)?)
            };
            let value = match (value_json, json_file, file) {
                (Some(text), None, None) if text == "-" => parse(&read_stdin()?)?,
                (Some(text), None, None) => parse(text.as_bytes())?,
                (None, Some(f), None) => parse(&Zeroizing::new(
                    std::fs::read(f).map_err(|e| CliError::io(f.display(), e))?,
                ))?,
                (None, None, Some(f)) => {
                    Value::Bytes(std::fs::read(f).map_err(|e| CliError::io(f.display(), e))?)
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
            tag,
            ttl,
            output,
            force,
        } => {
            if !db.contains(tag) {
                return Err(CliError::usage(format!(
                    "no tag named {tag:?} (see `list`)"
                )));
            }
            let target = Target::new(output.as_deref(), *force)?;
            let mut bytes = match db.query_tag_ttl(tag, false, *ttl)? {
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
        DbCommand::List => {
            for t in db.tags() {
                writeln!(stdout, "{t}").map_err(out)?;
            }
            for m in db.metatags() {
                writeln!(stdout, "{m}/").map_err(out)?;
            }
        }
        DbCommand::Rm { tag } => {
            if !db.contains(tag) {
                return Err(CliError::usage(format!(
                    "no tag named {tag:?} (see `list`)"
                )));
            }
            db.pop_tag(tag)?;
            db.save_database()?;
        }
        DbCommand::Dump => {
            let tree = dump(db)?;
            writeln!(
                stdout,
                "{}",
                serde_json::to_string_pretty(&tree).unwrap_or_default()
            )
            .map_err(out)?;
        }
        DbCommand::Mirror { to, new_key_file } => {
            let key = read_key(new_key_file)?;
            if !to.exists() {
                std::fs::create_dir_all(to).map_err(|e| CliError::io(to.display(), e))?;
            }
            // Into the same folder, this command already holds its lock.
            let same = std::fs::canonicalize(to).ok() == std::fs::canonicalize(path).ok();
            let options = OpenOptions {
                mode: OpenMode::OpenOrNew,
                lock: if same { LockMode::None } else { LockMode::Fail },
                ..OpenOptions::default()
            };
            let mut other = Database::open_with(&key, to, options)?;
            other.mirror_database(db)?;
            other.save_database()?;
        }
        DbCommand::Init => {}
        DbCommand::Load { file } => {
            let text = if file == Path::new("-") {
                read_stdin()?
            } else {
                Zeroizing::new(std::fs::read(file).map_err(|e| CliError::io(file.display(), e))?)
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
        DbCommand::RmMetatag { name } => {
            if !db.metatags().iter().any(|m| m == name) {
                return Err(CliError::usage(format!(
                    "no metatag named {name:?} (see `list`)"
                )));
            }
            db.metatag(name)?;
            db.delete_metatag(name)?;
            db.save_database()?;
        }
        DbCommand::Hmac { command } => {
            let data = read_stdin()?;
            match command {
                HmacCommand::Make { aad } => {
                    let mac = db.make_hmac(&[&data], aad.as_bytes())?;
                    writeln!(stdout, "{}", aiootp::primitives::bytes_to_hex(&mac)).map_err(out)?;
                }
                HmacCommand::Test { hmac_hex, aad } => {
                    let mac = aiootp::primitives::hex_to_bytes(hmac_hex.trim())
                        .ok_or_else(|| CliError::usage("HMAC_HEX is not hex"))?;
                    db.test_hmac(&mac, &[&data], aad.as_bytes())?;
                    writeln!(stdout, "ok").map_err(out)?;
                }
            }
        }
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

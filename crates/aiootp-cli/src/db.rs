//! `aiootp db`: an encrypted database folder from the command line.

use crate::error::{CliError, Result};
use crate::files::{passphrase, read_key};
use aiootp::db::{
    Database, OpenMode, OpenOptions, ProfileSettings, Value, generate_profile,
    generate_profile_existing,
};
use clap::Subcommand;
use serde_json::{Map, Value as Json, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to do with the database (or one of its metatags).
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Set a tag to a JSON value, or to the bytes of a file.
    Set {
        /// The tag name.
        tag: String,
        /// The value as JSON text (e.g. '{"a": 1}' or '"text"').
        value_json: Option<String>,
        /// Store the bytes of this file instead.
        #[arg(long, conflicts_with = "value_json")]
        file: Option<PathBuf>,
    },
    /// Print a tag: JSON as text, bytes raw.
    Get {
        /// The tag name.
        tag: String,
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

impl DbCommand {
    fn writes(&self) -> bool {
        matches!(self, Self::Set { .. } | Self::Rm { .. })
    }
}

/// Opens the database of `--key-file` or `--profile`.
pub fn open(
    path: &Path,
    key_file: Option<&Path>,
    profile: Option<&str>,
    create: bool,
) -> Result<Database> {
    if !path.is_dir() {
        return Err(CliError::io(
            path.display(),
            "not a folder (create it first)",
        ));
    }
    match (key_file, profile) {
        (Some(k), None) => {
            let key = read_key(k)?;
            let mode = if create {
                OpenMode::OpenOrNew
            } else {
                OpenMode::Existing
            };
            Ok(Database::open_with(
                &key,
                path,
                OpenOptions {
                    mode,
                    ..OpenOptions::default()
                },
            )?)
        }
        (None, Some(user)) => {
            let pass = passphrase("passphrase: ")?;
            let settings = ProfileSettings::default();
            let open = if create {
                generate_profile
            } else {
                generate_profile_existing
            };
            Ok(open(path, &[], user.as_bytes(), &pass, b"", b"", &settings)?.0)
        }
        _ => Err(CliError::usage(
            "give exactly one of --key-file or --profile",
        )),
    }
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
    let mut db = open(path, key_file, profile, command.writes())?;
    let mut node = &mut db;
    for name in metatags {
        if !command.writes() && !node.metatags().iter().any(|m| m == name) {
            return Err(CliError::usage(format!(
                "no metatag named {name:?} (see `list`)"
            )));
        }
        node = node.metatag(name)?;
    }
    execute(node, command)?;
    if command.writes() && !metatags.is_empty() {
        // The parents' manifests list the (possibly new) metatags.
        db.save_database()?;
    }
    Ok(())
}

fn execute(db: &mut Database, command: &DbCommand) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    let out = |e| CliError::io("stdout", e);
    match command {
        DbCommand::Set {
            tag,
            value_json,
            file,
        } => {
            let value = match (value_json, file) {
                (Some(text), None) => Value::Json(
                    serde_json::from_str(text)
                        .map_err(|e| CliError::usage(format!("VALUE_JSON is not JSON: {e}")))?,
                ),
                (None, Some(f)) => {
                    Value::Bytes(std::fs::read(f).map_err(|e| CliError::io(f.display(), e))?)
                }
                _ => return Err(CliError::usage("give VALUE_JSON or --file F")),
            };
            db.set_tag(tag, value);
            db.save_database()?;
        }
        DbCommand::Get { tag } => {
            if !db.contains(tag) {
                return Err(CliError::usage(format!(
                    "no tag named {tag:?} (see `list`)"
                )));
            }
            match db.query_tag(tag, false)? {
                Value::Bytes(b) => stdout.write_all(&b).map_err(out)?,
                other => writeln!(stdout, "{}", String::from_utf8_lossy(&other.to_plaintext()))
                    .map_err(out)?,
            }
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
            let mut other = Database::open(&key, to)?;
            other.mirror_database(db)?;
            other.save_database()?;
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

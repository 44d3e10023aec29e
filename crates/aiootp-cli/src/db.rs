//! `aiootp db`: an encrypted database folder from the command line.

use crate::error::{CliError, Result};
use crate::files::{Target, passphrase, read_key, read_stdin};
use aiootp::db::{
    Database, OpenMode, OpenOptions, ProfileSettings, Value, generate_profile,
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
    /// Set a tag to a JSON value, or to the bytes of a file.
    Set {
        /// The tag name.
        tag: String,
        /// The value as JSON text (e.g. '{"a": 1}' or '"text"'); `-` reads
        /// it from stdin, which keeps it out of the process list and the
        /// shell history.
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
        /// Write the value to this file instead of stdout (written whole
        /// or not at all; a device or FIFO is written in place).
        #[arg(short, long)]
        output: Option<PathBuf>,
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
            json_file,
            file,
        } => {
            let parse = |text: &[u8]| {
                serde_json::from_slice(text).map(Value::Json).map_err(|e| {
                    CliError::usage(format!(
                        "the value is not JSON (line {}, column {})",
                        e.line(),
                        e.column()
                    ))
                })
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
        DbCommand::Get { tag, output } => {
            if !db.contains(tag) {
                return Err(CliError::usage(format!(
                    "no tag named {tag:?} (see `list`)"
                )));
            }
            let target = Target::new(output.as_deref())?;
            let mut bytes = match db.query_tag(tag, false)? {
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

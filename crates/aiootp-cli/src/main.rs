//! `aiootp`: encrypt files and tokens, hash passphrases, and manage
//! encrypted databases, compatible with the Python package aiootp 0.22.0.
//!
//! Exit codes: 0 success, 1 authentication or verification failure, 2 usage
//! error, 3 I/O error.

mod crypt;
mod db;
mod demo;
mod error;
mod files;

use clap::{CommandFactory, Parser, Subcommand};
use error::{CliError, Result};
use std::io::Write;
use std::path::PathBuf;

/// aiootp: SHA-3-based encryption, compatible with the Python package aiootp 0.22.0.
#[derive(Debug, Parser)]
#[command(name = "aiootp", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a new random 64-byte key (file mode 0600).
    Keygen {
        /// The key file (stdout when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Encrypt a file or stdin into Chunky2048's bytes format.
    Encrypt {
        /// The key file.
        #[arg(long)]
        key_file: PathBuf,
        /// Associated data that decryption must present too.
        #[arg(long, default_value = "")]
        aad: String,
        /// The output file (stdout when absent or `-`).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The input file (stdin when absent or `-`).
        input: Option<PathBuf>,
    },
    /// Decrypt; nothing is written unless the ciphertext authenticates.
    Decrypt {
        /// The key file.
        #[arg(long)]
        key_file: PathBuf,
        /// The associated data used when encrypting.
        #[arg(long, default_value = "")]
        aad: String,
        /// Refuse ciphertexts older than this many seconds (0 = any age).
        #[arg(long, default_value_t = 0)]
        ttl: u64,
        /// The output file (stdout when absent or `-`).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The input file (stdin when absent or `-`).
        input: Option<PathBuf>,
    },
    /// Make or read URL-safe tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Hash or verify passphrases with Passcrypt (the passphrase is
    /// prompted, or read from stdin; never from the command line).
    Passcrypt {
        #[command(subcommand)]
        command: PasscryptCommand,
    },
    /// Work with an encrypted database folder.
    Db {
        /// The database folder.
        #[arg(long)]
        path: PathBuf,
        /// The database key file.
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// Open a passphrase profile of this username instead.
        #[arg(long)]
        profile: Option<String>,
        /// Work inside this metatag (repeat for nested metatags).
        #[arg(long = "metatag", value_name = "NAME")]
        metatags: Vec<String>,
        #[command(subcommand)]
        command: db::DbCommand,
    },
    /// A guided tour: files, tokens, Passcrypt and a database, timed.
    Demo,
    /// Print shell completions.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Read data from stdin, print a token.
    Make {
        /// The key file.
        #[arg(long)]
        key_file: PathBuf,
        /// Associated data.
        #[arg(long, default_value = "")]
        aad: String,
    },
    /// Print the data of a token (argument, or stdin).
    Read {
        /// The key file.
        #[arg(long)]
        key_file: PathBuf,
        /// Associated data.
        #[arg(long, default_value = "")]
        aad: String,
        /// Refuse tokens older than this many seconds (0 = any age).
        #[arg(long, default_value_t = 0)]
        ttl: u64,
        /// The token (stdin when absent).
        token: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum PasscryptCommand {
    /// Print the hex passcrypt hash of a passphrase.
    Hash {
        /// MiB of memory.
        #[arg(long, default_value_t = 64)]
        mb: u64,
        /// Passes.
        #[arg(long, default_value_t = 2)]
        cpu: u64,
        /// Parallel cores.
        #[arg(long, default_value_t = 4)]
        cores: u64,
        /// Tag bytes.
        #[arg(long, default_value_t = 16)]
        tag_size: usize,
        /// Salt bytes.
        #[arg(long, default_value_t = 8)]
        salt_size: usize,
        /// Associated data.
        #[arg(long, default_value = "")]
        aad: String,
    },
    /// Check a passphrase against a hex passcrypt hash (exit 1 if wrong).
    Verify {
        /// The hash, in hex.
        hash_hex: String,
        /// Refuse hashes older than this many seconds (0 = any age).
        #[arg(long, default_value_t = 0)]
        ttl: u64,
        /// Associated data.
        #[arg(long, default_value = "")]
        aad: String,
    },
}

fn cipher(key_file: &std::path::Path) -> Result<aiootp::chunky2048::Chunky2048> {
    Ok(aiootp::chunky2048::Chunky2048::new(&files::read_key(
        key_file,
    )?)?)
}

fn run(cli: Cli) -> Result<()> {
    let out = |e| CliError::io("stdout", e);
    match cli.command {
        Command::Keygen { output } => {
            let key =
                aiootp::primitives::generate_key(64).map_err(|e| CliError::io("CSPRNG", e))?;
            files::write_private(output.as_deref(), key.expose())?;
        }
        Command::Encrypt {
            key_file,
            aad,
            output,
            input,
        } => {
            crypt::encrypt(
                &cipher(&key_file)?,
                aad.as_bytes(),
                input.as_deref(),
                output.as_deref(),
            )?;
        }
        Command::Decrypt {
            key_file,
            aad,
            ttl,
            output,
            input,
        } => {
            crypt::decrypt(
                &cipher(&key_file)?,
                aad.as_bytes(),
                ttl,
                input.as_deref(),
                output.as_deref(),
            )?;
        }
        Command::Token {
            command: TokenCommand::Make { key_file, aad },
        } => {
            let data = files::read_stdin()?;
            println!("{}", cipher(&key_file)?.make_token(&data, aad.as_bytes())?);
        }
        Command::Token {
            command:
                TokenCommand::Read {
                    key_file,
                    aad,
                    ttl,
                    token,
                },
        } => {
            let token = match token {
                Some(t) => t.into_bytes(),
                None => files::read_stdin()?.to_vec(),
            };
            let plain = cipher(&key_file)?.read_token(token.trim_ascii(), aad.as_bytes(), ttl)?;
            std::io::stdout().lock().write_all(&plain).map_err(out)?;
        }
        Command::Passcrypt {
            command:
                PasscryptCommand::Hash {
                    mb,
                    cpu,
                    cores,
                    tag_size,
                    salt_size,
                    aad,
                },
        } => {
            let pass = files::passphrase("passphrase: ")?;
            let settings = aiootp::passcrypt::Settings {
                mb,
                cpu,
                cores,
                tag_size,
            };
            let hash = aiootp::passcrypt::Passcrypt::default().hash_passphrase(
                &pass,
                aad.as_bytes(),
                settings,
                salt_size,
            )?;
            println!("{}", aiootp::primitives::bytes_to_hex(&hash));
        }
        Command::Passcrypt {
            command: PasscryptCommand::Verify { hash_hex, ttl, aad },
        } => {
            let hash = aiootp::primitives::hex_to_bytes(hash_hex.trim())
                .ok_or_else(|| CliError::usage("HASH_HEX is not hex"))?;
            let pass = files::passphrase("passphrase: ")?;
            aiootp::passcrypt::Passcrypt::default().verify(
                &hash,
                &pass,
                aad.as_bytes(),
                ttl,
                &aiootp::passcrypt::AllowedRanges::default(),
            )?;
            println!("ok");
        }
        Command::Db {
            path,
            key_file,
            profile,
            metatags,
            command,
        } => {
            db::run(
                &path,
                key_file.as_deref(),
                profile.as_deref(),
                &metatags,
                &command,
            )?;
        }
        Command::Demo => demo::run()?,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "aiootp", &mut std::io::stdout());
        }
    }
    Ok(())
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = files::install_signal_handlers() {
        eprintln!("aiootp: {e}");
        std::process::exit(e.code());
    }
    if let Err(e) = run(cli) {
        eprintln!("aiootp: {e}");
        std::process::exit(e.code());
    }
}

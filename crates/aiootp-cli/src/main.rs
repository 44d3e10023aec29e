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
#[command(
    name = "aiootp",
    version,
    about,
    propagate_version = true,
    after_help = "Exit codes: 0 success; 1 authentication or verification failed (a wrong key, \
                  passphrase or aad, a changed file); 2 usage error; 3 I/O error; 130 / 143 \
                  interrupted by SIGINT / SIGTERM (nothing is left behind)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a new random 64-byte key (file mode 0600).
    Keygen {
        /// The key file (stdout when absent; never a terminal).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Replace the key file if it exists (the old key is lost).
        #[arg(short, long)]
        force: bool,
    },
    /// Encrypt a file or stdin into Chunky2048's bytes format.
    Encrypt {
        /// The key file.
        #[arg(long)]
        key_file: PathBuf,
        /// Associated data that decryption must present too.
        #[arg(long, default_value = "")]
        aad: String,
        /// The output file (stdout when absent or `-`; binary output to a
        /// terminal needs `-o -`).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Replace the output file if it exists.
        #[arg(short, long)]
        force: bool,
        /// Write the armored (token) form: one line of URL-safe base64,
        /// what Python's `Chunky2048(key).read_token` reads.
        #[arg(short, long)]
        armor: bool,
        /// The input file (stdin when absent or `-`).
        input: Option<PathBuf>,
    },
    /// Decrypt (binary or armored input, recognised by itself); nothing is
    /// written unless the ciphertext authenticates.
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
        /// Replace the output file if it exists.
        #[arg(short, long)]
        force: bool,
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
        /// The database folder (before or after the subcommand).
        #[arg(long, global = true)]
        path: Option<PathBuf>,
        /// The database key file.
        #[arg(long, global = true)]
        key_file: Option<PathBuf>,
        /// Open a passphrase profile of this username instead.
        #[arg(long, global = true)]
        profile: Option<String>,
        /// Work inside this metatag (repeat for nested metatags).
        #[arg(long = "metatag", value_name = "NAME", global = true)]
        metatags: Vec<String>,
        #[command(subcommand)]
        command: db::DbCommand,
    },
    /// Print a random mnemonic passphrase (the reference's `mnemonic()`).
    Mnemonic {
        /// How many words.
        #[arg(long, default_value_t = 8)]
        words: usize,
    },
    /// A guided tour: files, tokens, Passcrypt and a database, timed.
    Demo,
    /// Write the man pages (aiootp.1 and one per subcommand) into DIR.
    #[command(hide = true)]
    Man {
        /// The folder to write them in.
        dir: PathBuf,
    },
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
        /// The token (stdin when absent; it may start with `-`).
        #[arg(allow_hyphen_values = true)]
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
        /// Print the `$passcrypt$` PHC string instead of hex (no --aad).
        #[arg(long)]
        phc: bool,
    },
    /// Check a passphrase against a passcrypt hash, hex or PHC (exit 1 if wrong).
    Verify {
        /// The hash: hex, or a `$passcrypt$` PHC string.
        #[arg(value_name = "HASH")]
        hash_hex: String,
        /// Refuse hashes older than this many seconds (0 = any age).
        #[arg(long, default_value_t = 0)]
        ttl: u64,
        /// Associated data.
        #[arg(long, default_value = "")]
        aad: String,
        /// The most MiB a hash may ask for (the reference's verify: 511).
        #[arg(long, default_value_t = 511)]
        max_mb: u64,
        /// The most passes a hash may ask for (the reference's verify: 32).
        #[arg(long, default_value_t = 32)]
        max_cpu: u64,
        /// The most cores a hash may ask for (the reference's verify: 8).
        #[arg(long, default_value_t = 8)]
        max_cores: u64,
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
        Command::Keygen { output, force } => {
            files::refuse_binary_to_terminal(output.as_deref(), "give -o FILE")?;
            let key =
                aiootp::primitives::generate_key(64).map_err(|e| CliError::io("CSPRNG", e))?;
            files::write_private(output.as_deref(), force, key.expose())?;
        }
        Command::Encrypt {
            key_file,
            aad,
            output,
            force,
            armor,
            input,
        } => {
            crypt::encrypt(
                &cipher(&key_file)?,
                aad.as_bytes(),
                input.as_deref(),
                output.as_deref(),
                force,
                armor,
            )?;
        }
        Command::Decrypt {
            key_file,
            aad,
            ttl,
            output,
            force,
            input,
        } => {
            crypt::decrypt(
                &cipher(&key_file)?,
                aad.as_bytes(),
                ttl,
                input.as_deref(),
                output.as_deref(),
                force,
            )?;
        }
        Command::Token {
            command: TokenCommand::Make { key_file, aad },
        } => {
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprintln!("aiootp: reading the token's data from the terminal; end it with Ctrl-D");
            }
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
                    phc,
                },
        } => {
            if phc && !aad.is_empty() {
                return Err(CliError::usage(
                    "the PHC form has no associated data: leave out --aad",
                ));
            }
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
            if phc {
                let text = aiootp::passcrypt::phc::native_to_phc(&hash).map_err(|e| {
                    CliError::usage(format!("this hash has no PHC form ({e}): salts of 8 to 48 bytes and tags of up to 64 fit"))
                })?;
                println!("{text}");
            } else {
                println!("{}", aiootp::primitives::bytes_to_hex(&hash));
            }
        }
        Command::Passcrypt {
            command:
                PasscryptCommand::Verify {
                    hash_hex,
                    ttl,
                    aad,
                    max_mb,
                    max_cpu,
                    max_cores,
                },
        } => {
            let text = hash_hex.trim();
            let hash = if text.starts_with("$passcrypt$") {
                aiootp::passcrypt::phc::phc_to_native(text).map_err(|e| {
                    CliError::usage(format!("HASH is not a passcrypt PHC string ({e})"))
                })?
            } else {
                aiootp::primitives::hex_to_bytes(text).ok_or_else(|| {
                    CliError::usage("HASH is neither hex nor a $passcrypt$ PHC string")
                })?
            };
            let allowed = aiootp::passcrypt::AllowedRanges {
                mb: 1..=max_mb,
                cpu: 1..=max_cpu,
                cores: 1..=max_cores,
            };
            let pass = files::passphrase("passphrase: ")?;
            aiootp::passcrypt::Passcrypt::default().verify(
                &hash,
                &pass,
                aad.as_bytes(),
                ttl,
                &allowed,
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
            let path =
                path.ok_or_else(|| CliError::usage("give the database folder: --path DIR"))?;
            db::run(
                &path,
                key_file.as_deref(),
                profile.as_deref(),
                &metatags,
                &command,
            )?;
        }
        Command::Mnemonic { words } => {
            if !(1..=1024).contains(&words) {
                return Err(CliError::usage("--words takes 1 to 1024"));
            }
            let list = aiootp::passcrypt::random_mnemonic(words)
                .map_err(|e| CliError::usage(e.to_string()))?;
            let mut line = zeroize::Zeroizing::new(list.join(&b" "[..]));
            line.push(b'\n');
            std::io::stdout().lock().write_all(&line).map_err(out)?;
        }
        Command::Demo => demo::run()?,
        Command::Man { dir } => {
            std::fs::create_dir_all(&dir).map_err(|e| CliError::io(dir.display(), e))?;
            clap_mangen::generate_to(Cli::command(), &dir)
                .map_err(|e| CliError::io(dir.display(), e))?;
            println!("man pages written to {}", dir.display());
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "aiootp", &mut std::io::stdout());
        }
    }
    Ok(())
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print and exit 0.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            // One error style: clap's own message after the same prefix.
            eprint!("aiootp: {}", e.render());
            std::process::exit(2);
        }
    };
    if let Err(e) = files::install_signal_handlers() {
        eprintln!("aiootp: error: {e}");
        std::process::exit(e.code());
    }
    if let Err(e) = run(cli) {
        eprintln!("aiootp: error: {e}");
        std::process::exit(e.code());
    }
}

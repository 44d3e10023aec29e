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
mod opts;
mod passfile;

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
    /// Encrypt a file or stdin into Chunky2048's bytes format, under a key
    /// file or (-p) a passphrase.
    Encrypt {
        /// The key file.
        #[arg(long, required_unless_present_any = ["passphrase", "passphrase_file"], conflicts_with_all = ["passphrase", "passphrase_file"])]
        key_file: Option<PathBuf>,
        /// Encrypt under a passphrase instead: asked twice on a terminal,
        /// else one line of stdin (the file format: docs/passphrase-files.md).
        #[arg(short, long)]
        passphrase: bool,
        /// Read the passphrase from the first line of this file (implies -p).
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// Passcrypt MiB of memory for the passphrase's key [default: 64].
        #[arg(long)]
        mb: Option<u64>,
        /// Passcrypt passes [default: 2].
        #[arg(long)]
        cpu: Option<u64>,
        /// Passcrypt parallel cores [default: 4].
        #[arg(long)]
        cores: Option<u64>,
        #[command(flatten)]
        aad: opts::Aad,
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
    /// Decrypt (binary or armored input, key or passphrase files, each
    /// recognised by itself); nothing is written unless the ciphertext
    /// authenticates.
    Decrypt {
        /// The key file (leave it out for a passphrase file).
        #[arg(long, conflicts_with_all = ["passphrase", "passphrase_file"])]
        key_file: Option<PathBuf>,
        /// The file is under a passphrase (the default without --key-file).
        #[arg(short, long)]
        passphrase: bool,
        /// Read the passphrase from the first line of this file.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The most Passcrypt MiB a passphrase file may ask for.
        #[arg(long, default_value_t = 1024)]
        max_mb: u64,
        /// The most Passcrypt passes a passphrase file may ask for.
        #[arg(long, default_value_t = 32)]
        max_cpu: u64,
        /// The most Passcrypt cores a passphrase file may ask for.
        #[arg(long, default_value_t = 16)]
        max_cores: u64,
        #[command(flatten)]
        aad: opts::Aad,
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
        #[command(flatten)]
        options: Box<db::DbOptions>,
        #[command(flatten)]
        profile_aad: opts::ProfileAad,
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
        #[command(flatten)]
        aad: opts::Aad,
    },
    /// Print the data of a token (argument, or stdin).
    Read {
        /// The key file.
        #[arg(long)]
        key_file: PathBuf,
        #[command(flatten)]
        aad: opts::Aad,
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
        #[command(flatten)]
        aad: opts::Aad,
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
        #[command(flatten)]
        aad: opts::Aad,
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
            passphrase,
            passphrase_file,
            mb,
            cpu,
            cores,
            aad,
            output,
            force,
            armor,
            input,
        } => {
            let under_passphrase = passphrase || passphrase_file.is_some();
            if !under_passphrase && (mb.is_some() || cpu.is_some() || cores.is_some()) {
                return Err(CliError::usage(
                    "--mb, --cpu and --cores set a passphrase's work: add -p",
                ));
            }
            let aad = aad.bytes()?;
            let d = passfile::Work::DEFAULT;
            let work = passfile::Work {
                mb: mb.unwrap_or(d.mb),
                cpu: cpu.unwrap_or(d.cpu),
                cores: cores.unwrap_or(d.cores),
            }
            .check()?;
            let c;
            let keying = match &key_file {
                Some(k) => {
                    c = cipher(k)?;
                    crypt::Keying::Cipher(&c)
                }
                None => crypt::Keying::Passphrase {
                    file: passphrase_file.as_deref(),
                    work,
                    limits: passfile::Limits {
                        mb: 0,
                        cpu: 0,
                        cores: 0,
                    },
                },
            };
            crypt::encrypt(
                &keying,
                &aad,
                input.as_deref(),
                output.as_deref(),
                force,
                armor,
            )?;
        }
        Command::Decrypt {
            key_file,
            passphrase: _,
            passphrase_file,
            max_mb,
            max_cpu,
            max_cores,
            aad,
            ttl,
            output,
            force,
            input,
        } => {
            let aad = aad.bytes()?;
            let c;
            let keying = match &key_file {
                Some(k) => {
                    c = cipher(k)?;
                    crypt::Keying::Cipher(&c)
                }
                None => crypt::Keying::Passphrase {
                    file: passphrase_file.as_deref(),
                    work: passfile::Work::DEFAULT,
                    limits: passfile::Limits {
                        mb: max_mb,
                        cpu: max_cpu,
                        cores: max_cores,
                    },
                },
            };
            crypt::decrypt(
                &keying,
                &aad,
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
            let aad = aad.bytes()?;
            let c = cipher(&key_file)?;
            let data = files::read_stdin()?;
            println!("{}", c.make_token(&data, &aad)?);
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
            let aad = aad.bytes()?;
            let c = cipher(&key_file)?;
            let token = match token {
                Some(t) => t.into_bytes(),
                None => files::read_stdin()?.to_vec(),
            };
            let plain = c.read_token(token.trim_ascii(), &aad, ttl)?;
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
            let aad = aad.bytes()?;
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
            let hash = aiootp::passcrypt::Passcrypt::default()
                .hash_passphrase(&pass, &aad, settings, salt_size)?;
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
            let aad = aad.bytes()?;
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
            aiootp::passcrypt::Passcrypt::default().verify(&hash, &pass, &aad, ttl, &allowed)?;
            println!("ok");
        }
        Command::Db {
            options,
            profile_aad,
            command,
        } => db::run(&options, &profile_aad, &command)?,
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

//! `encrypt` and `decrypt`: the reference's `bytes_encrypt` format on inputs
//! of any size, in constant memory.
//!
//! Decryption reads the ciphertext twice: the first pass only checks the
//! tag, the second writes plaintext, so plaintext never reaches the output
//! (or the disk) unless the whole ciphertext authenticates. A ciphertext
//! that is not a regular file, or whose plaintext goes where it is seen at
//! once (stdout, a device, a FIFO), is first copied to an unnamed
//! temporary file (ciphertext only: harmless) and both passes read that.

use crate::error::{CliError, Result};
use crate::files::{Input, Sink, Target};
use crate::passfile::{self, Header, Limits, Work};
use aiootp::chunky2048::stream::{BytesDecryptor, BytesEncryptor};
use aiootp::chunky2048::{Chunky2048, HEADER_BYTES};
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::Path;
use zeroize::Zeroizing;

const CHUNK: usize = 1 << 20;

fn progress(len: Option<u64>) -> Option<ProgressBar> {
    let len = len.filter(|l| *l > 8 << 20)?;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec}").ok()?,
    );
    Some(bar)
}

fn read_chunk(input: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(CliError::io("input", e)),
        }
    }
    Ok(filled)
}

fn write(out: &mut dyn Write, data: &[u8]) -> Result<()> {
    out.write_all(data).map_err(|e| CliError::io("output", e))
}

/// The key of an `encrypt` or `decrypt`.
#[derive(Debug)]
pub enum Keying<'a> {
    /// A key (a key file's, or a database's).
    Cipher(&'a Chunky2048),
    /// A passphrase (prompted, a line of stdin, or `file`): a passphrase
    /// file is written with `work`, and read if it asks for no more than
    /// `limits`.
    Passphrase {
        /// `--passphrase-file`.
        file: Option<&'a Path>,
        /// The Passcrypt work of a new file.
        work: Work,
        /// The most work a file read may ask for.
        limits: Limits,
    },
}

/// Tells the terminal (if any) that Passcrypt is working.
fn announce(work: Work) {
    if std::io::stderr().is_terminal() {
        eprintln!(
            "aiootp: deriving the key from the passphrase (Passcrypt: {} MiB, cpu {}, cores {})",
            work.mb, work.cpu, work.cores
        );
    }
}

/// Encrypts `input` to `output`: `shmac ‖ salt ‖ iv ‖ blocks`, exactly what
/// `Chunky2048(key).bytes_encrypt(data, aad=aad)` returns; under a
/// passphrase, after the passphrase file's header.
pub fn encrypt(
    keying: &Keying<'_>,
    aad: &[u8],
    input: Option<&Path>,
    output: Option<&Path>,
    force: bool,
    armor: bool,
) -> Result<()> {
    let target = Target::new(output, force)?;
    if !armor {
        crate::files::refuse_binary_to_terminal(output, "give -o FILE or --armor")?;
    }
    let derived;
    let (cipher, prefix): (&Chunky2048, Vec<u8>) = match keying {
        Keying::Cipher(c) => (c, Vec::new()),
        Keying::Passphrase { file, work, .. } => {
            let header = Header::new(*work)?;
            let pass = crate::files::passphrase_from(*file, true, crate::files::is_stdin(input))?;
            announce(*work);
            derived = Chunky2048::new(header.key(&pass)?.expose())?;
            (&derived, header.bytes().to_vec())
        }
    };
    let mut reader = Input::open(input)?;
    let bar = progress(reader.len());
    let mut enc = BytesEncryptor::new(cipher, aad)?;
    // The tag comes first but is known last. A new file gets the blocks
    // behind a 64-byte gap filled in at the end; other outputs (and the
    // armored form) get the ciphertext from an unnamed temporary file once
    // it is complete.
    let mut sink = target.open(0o644)?;
    let mut spool: Option<File> = match &sink {
        Sink::File(_) if !armor => None,
        _ => Some(tempfile::tempfile().map_err(|e| CliError::io("temporary file", e))?),
    };
    if spool.is_none() {
        write(&mut sink, &prefix)?;
        write(&mut sink, &[0u8; HEADER_BYTES])?;
    }
    let body: &mut dyn Write = match (&mut spool, &mut sink) {
        (Some(f), _) => f,
        (None, s) => s,
    };
    let mut buf = Zeroizing::new(vec![0u8; CHUNK]);
    let mut blocks = Vec::with_capacity(CHUNK + 512);
    loop {
        let n = read_chunk(&mut reader, &mut buf)?;
        if n == 0 {
            break;
        }
        blocks.clear();
        enc.update(&buf[..n], &mut blocks);
        write(body, &blocks)?;
        if let Some(b) = &bar {
            b.inc(n as u64);
        }
    }
    blocks.clear();
    let header = enc.finish(&mut blocks);
    write(body, &blocks)?;
    let seek = |e| CliError::io("output", e);
    match (spool, &mut sink) {
        (None, Sink::File(staged)) => {
            let f = staged.file_mut();
            f.seek(SeekFrom::Start(prefix.len() as u64)).map_err(seek)?;
            f.write_all(&header).map_err(seek)?;
            f.seek(SeekFrom::End(0)).map_err(seek)?;
        }
        (Some(mut f), sink) if armor => {
            f.seek(SeekFrom::Start(0)).map_err(seek)?;
            let on_terminal = matches!(sink, Sink::Stdout(_)) && std::io::stdout().is_terminal();
            write_armored(&[&prefix[..], &header].concat(), &mut f, sink, on_terminal)?;
        }
        (Some(mut f), sink) => {
            write(sink, &prefix)?;
            write(sink, &header)?;
            f.seek(SeekFrom::Start(0)).map_err(seek)?;
            std::io::copy(&mut f, sink).map_err(seek)?;
        }
        (None, _) => unreachable!("only a staged file has no spool"),
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    sink.commit()
}

/// Bytes of ciphertext encoded per step of the armor (a multiple of 3, so
/// the pieces join into the encoding of the whole).
const ARMOR_CHUNK: usize = 3 << 18;

/// The token form of `start ‖ body`: URL-safe base64 without `=`,
/// exactly `Chunky2048(key).make_token(data, aad=aad)` (no newline: the
/// reference's `read_token` counts one into its padding). A newline ends
/// it only on a terminal.
fn write_armored(start: &[u8], body: &mut File, out: &mut dyn Write, newline: bool) -> Result<()> {
    let mut buf = vec![0u8; ARMOR_CHUNK];
    buf[..start.len()].copy_from_slice(start);
    let mut filled = start.len();
    loop {
        let n = read_chunk(body, &mut buf[filled..])?;
        filled += n;
        if filled < ARMOR_CHUNK {
            write(
                out,
                aiootp::primitives::bytes_to_urlsafe(&buf[..filled]).as_bytes(),
            )?;
            return if newline { write(out, b"\n") } else { Ok(()) };
        }
        write(out, aiootp::primitives::bytes_to_urlsafe(&buf).as_bytes())?;
        filled = 0;
    }
}

/// Whether `f` starts like a token (the armored form): 64 or more
/// characters of the URL-safe base64 alphabet. A binary ciphertext starts
/// with its 32-byte tag, which is that by chance with probability 4^-64.
fn is_armored(f: &mut File) -> Result<bool> {
    let mut start = [0u8; HEADER_BYTES];
    f.seek(SeekFrom::Start(0))
        .map_err(|e| CliError::io("input", e))?;
    let n = read_chunk(f, &mut start)?;
    f.seek(SeekFrom::Start(0))
        .map_err(|e| CliError::io("input", e))?;
    Ok(n == HEADER_BYTES
        && start
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
}

/// Decodes an armored ciphertext into an unnamed temporary file (what it
/// holds is ciphertext: harmless), with Python's lenient decoding.
fn dearmor(f: &mut File) -> Result<(File, u64)> {
    let mut out = tempfile::tempfile().map_err(|e| CliError::io("temporary file", e))?;
    let mut text = Vec::with_capacity(CHUNK + 4);
    let mut buf = vec![0u8; CHUNK];
    let mut len = 0u64;
    loop {
        let n = read_chunk(f, &mut buf)?;
        text.extend(buf[..n].iter().filter(|b| !b.is_ascii_whitespace()));
        // Whole quads decode on their own; the rest waits for more text.
        let whole = if n == 0 {
            text.len()
        } else {
            text.len() / 4 * 4
        };
        let bytes = aiootp::primitives::urlsafe_to_bytes(&text[..whole]).map_err(|_| {
            CliError::auth("the input is neither an aiootp ciphertext nor its armored form")
        })?;
        out.write_all(&bytes)
            .map_err(|e| CliError::io("temporary file", e))?;
        len += bytes.len() as u64;
        text.drain(..whole);
        if n == 0 {
            break;
        }
    }
    out.seek(SeekFrom::Start(0))
        .map_err(|e| CliError::io("temporary file", e))?;
    Ok((out, len))
}

/// One pass over the ciphertext in `f`: decrypts it, giving each piece of
/// (still unauthenticated) plaintext to `out`, then checks the tag.
fn decrypt_pass(
    cipher: &Chunky2048,
    aad: &[u8],
    ttl: u64,
    f: &mut File,
    start: u64,
    mut out: impl FnMut(&[u8]) -> Result<()>,
    bar: Option<&ProgressBar>,
) -> Result<()> {
    f.seek(SeekFrom::Start(start))
        .map_err(|e| CliError::io("input", e))?;
    let mut header = [0u8; HEADER_BYTES];
    if read_chunk(f, &mut header)? != HEADER_BYTES {
        return Err(CliError::auth(
            "the input is too short to be an aiootp ciphertext (truncated?)",
        ));
    }
    let mut dec = BytesDecryptor::new(cipher, &header, aad)?;
    let mut buf = vec![0u8; CHUNK];
    let mut plain = Zeroizing::new(Vec::with_capacity(CHUNK + 256));
    loop {
        let n = read_chunk(f, &mut buf)?;
        if n == 0 {
            break;
        }
        plain.clear();
        dec.update(&buf[..n], &mut plain);
        out(&plain)?;
        if let Some(b) = bar {
            b.inc(n as u64);
        }
    }
    plain.clear();
    dec.finish(ttl, &mut plain)?;
    out(&plain)
}

/// Decrypts `input` to `output`; nothing is written (and no output file
/// is created) unless the whole ciphertext authenticates. A passphrase
/// file is recognised by its magic, an armored input by its alphabet.
pub fn decrypt(
    keying: &Keying<'_>,
    aad: &[u8],
    ttl: u64,
    input: Option<&Path>,
    output: Option<&Path>,
    force: bool,
) -> Result<()> {
    let target = Target::new(output, force)?;
    // A staged output file is only named after the second pass also
    // verified, so it may read the input file twice. Any other output
    // receives bytes as they are written: it gets a private copy of the
    // ciphertext, so that the file cannot change between the passes.
    let private = !matches!(target, Target::File(..));
    let (mut f, mut len) = Input::open(input)?.into_seekable(private)?;
    if is_armored(&mut f)? {
        (f, len) = dearmor(&mut f)?;
    }
    let mut start = [0u8; passfile::HEADER_BYTES];
    let n = read_chunk(&mut f, &mut start)?;
    let derived;
    let (cipher, skip): (&Chunky2048, u64) = match (keying, Header::is_passphrase_file(&start[..n]))
    {
        (Keying::Cipher(c), false) => (c, 0),
        (Keying::Cipher(_), true) => {
            return Err(CliError::usage(
                "this file is encrypted with a passphrase, not a key: leave out --key-file",
            ));
        }
        (Keying::Passphrase { .. }, false) => {
            return Err(CliError::usage(
                "this is not a passphrase-encrypted file: give --key-file KEY",
            ));
        }
        (Keying::Passphrase { file, limits, .. }, true) => {
            let header = Header::parse(&start[..n])?;
            limits.allow(header.work)?;
            let pass = crate::files::passphrase_from(*file, false, crate::files::is_stdin(input))?;
            announce(header.work);
            derived = Chunky2048::new(header.key(&pass)?.expose())?;
            (&derived, passfile::HEADER_BYTES as u64)
        }
    };
    let len = len.saturating_sub(skip);
    aiootp::chunky2048::check_ciphertext_len(usize::try_from(len).unwrap_or(usize::MAX))?;
    let bar = progress(Some(len.saturating_mul(2)));
    // Pass 1: authenticate; the plaintext is dropped (and wiped) as made.
    decrypt_pass(cipher, aad, ttl, &mut f, skip, |_| Ok(()), bar.as_ref())?;
    // Pass 2: the same ciphertext, now known to be authentic.
    let mut sink = target.open(0o644)?;
    decrypt_pass(
        cipher,
        aad,
        ttl,
        &mut f,
        skip,
        |p| write(&mut sink, p),
        bar.as_ref(),
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    sink.commit()
}

//! `encrypt` and `decrypt`: the reference's `bytes_encrypt` format on inputs
//! of any size, in constant memory.

use crate::error::{CliError, Result};
use crate::files::{Output, open_input};
use aiootp::chunky2048::stream::{BytesDecryptor, BytesEncryptor};
use aiootp::chunky2048::{Chunky2048, HEADER_BYTES};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::Path;

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

/// Encrypts `input` to `output`: `shmac ‖ salt ‖ iv ‖ blocks`, exactly what
/// `Chunky2048(key).bytes_encrypt(data, aad=aad)` returns.
pub fn encrypt(
    cipher: &Chunky2048,
    aad: &[u8],
    input: Option<&Path>,
    output: Option<&Path>,
) -> Result<()> {
    let (mut reader, len) = open_input(input)?;
    let mut out = Output::new(output)?;
    let bar = progress(len);
    let mut enc = BytesEncryptor::new(cipher, aad)?;
    // The tag comes first but is known last: leave room, fill it in at the end.
    out.file()
        .write_all(&[0u8; HEADER_BYTES])
        .map_err(|e| CliError::io("output", e))?;
    let mut buf = vec![0u8; CHUNK];
    let mut blocks = Vec::with_capacity(CHUNK + 512);
    loop {
        let n = read_chunk(&mut *reader, &mut buf)?;
        if n == 0 {
            break;
        }
        blocks.clear();
        enc.update(&buf[..n], &mut blocks);
        out.file()
            .write_all(&blocks)
            .map_err(|e| CliError::io("output", e))?;
        if let Some(b) = &bar {
            b.inc(n as u64);
        }
    }
    blocks.clear();
    let header = enc.finish(&mut blocks);
    let f = out.file();
    f.write_all(&blocks)
        .map_err(|e| CliError::io("output", e))?;
    f.seek(SeekFrom::Start(0))
        .map_err(|e| CliError::io("output", e))?;
    f.write_all(&header)
        .map_err(|e| CliError::io("output", e))?;
    f.seek(SeekFrom::End(0))
        .map_err(|e| CliError::io("output", e))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out.commit()
}

/// Decrypts `input` to `output`. Plaintext goes to a temporary file that is
/// published only after the tag verifies; on any failure it is deleted.
pub fn decrypt(
    cipher: &Chunky2048,
    aad: &[u8],
    ttl: u64,
    input: Option<&Path>,
    output: Option<&Path>,
) -> Result<()> {
    let (mut reader, len) = open_input(input)?;
    if let Some(len) = len {
        aiootp::chunky2048::check_ciphertext_len(usize::try_from(len).unwrap_or(usize::MAX))?;
    }
    let mut header = [0u8; HEADER_BYTES];
    if read_chunk(&mut *reader, &mut header)? != HEADER_BYTES {
        return Err(CliError::auth(
            "the input is too short to be an aiootp ciphertext (truncated?)",
        ));
    }
    let mut dec = BytesDecryptor::new(cipher, &header, aad)?;
    let mut out = Output::new(output)?;
    let bar = progress(len);
    let mut buf = vec![0u8; CHUNK];
    let mut plain = Vec::with_capacity(CHUNK + 256);
    loop {
        let n = read_chunk(&mut *reader, &mut buf)?;
        if n == 0 {
            break;
        }
        plain.clear();
        dec.update(&buf[..n], &mut plain);
        out.file()
            .write_all(&plain)
            .map_err(|e| CliError::io("output", e))?;
        if let Some(b) = &bar {
            b.inc(n as u64);
        }
    }
    plain.clear();
    dec.finish(ttl, &mut plain)?;
    out.file()
        .write_all(&plain)
        .map_err(|e| CliError::io("output", e))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out.commit()
}

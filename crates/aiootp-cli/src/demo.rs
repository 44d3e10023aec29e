//! `aiootp demo`: a guided tour on a temporary folder and a fresh key.

use crate::error::{CliError, Result};
use aiootp::chunky2048::Chunky2048;
use aiootp::db::{Database, Value};
use aiootp::passcrypt::{AllowedRanges, Passcrypt, Settings};
use std::time::Instant;

fn step<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let start = Instant::now();
    let r = f()?;
    let t = start.elapsed();
    if t.as_millis() == 0 {
        println!("  ok  {what} ({} µs)", t.as_micros());
    } else {
        println!("  ok  {what} ({:.1} ms)", t.as_secs_f64() * 1e3);
    }
    Ok(r)
}

/// Runs the tour.
pub fn run() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| CliError::io("temporary folder", e))?;
    let key = aiootp::primitives::generate_key(64).map_err(|e| CliError::io("CSPRNG", e))?;
    println!(
        "aiootp demo: a fresh 64-byte key and the temporary folder {}",
        dir.path().display()
    );
    let cipher = Chunky2048::new(key.expose())?;

    println!("\n1. Files (Chunky2048, the format Python's bytes_encrypt writes)");
    let plain_path = dir.path().join("notes.txt");
    let data: Vec<u8> = (0..3_000_000u32).flat_map(|i| i.to_le_bytes()).collect();
    std::fs::write(&plain_path, &data).map_err(|e| CliError::io(plain_path.display(), e))?;
    let enc = dir.path().join("notes.txt.aiootp");
    let back = dir.path().join("notes.decrypted.txt");
    step(
        &format!("encrypt {} MB to {}", data.len() / 1_000_000, enc.display()),
        || {
            crate::crypt::encrypt(
                &crate::crypt::Keying::Cipher(&cipher),
                b"demo",
                Some(&plain_path),
                Some(&enc),
                false,
                false,
            )
        },
    )?;
    step(
        "decrypt it (the tag is checked before anything is published)",
        || {
            crate::crypt::decrypt(
                &crate::crypt::Keying::Cipher(&cipher),
                b"demo",
                0,
                Some(&enc),
                Some(&back),
                false,
            )
        },
    )?;
    let same = std::fs::read(&back).map_err(|e| CliError::io(back.display(), e))? == data;
    println!("      round trip identical: {same}");
    let mut tampered = std::fs::read(&enc).map_err(|e| CliError::io(enc.display(), e))?;
    tampered[100] ^= 1;
    std::fs::write(&enc, &tampered).map_err(|e| CliError::io(enc.display(), e))?;
    // `force`: the old output may be replaced, so only the tag can refuse.
    let refused = matches!(
        crate::crypt::decrypt(&crate::crypt::Keying::Cipher(&cipher), b"demo", 0, Some(&enc), Some(&back), true),
        Err(e) if e.code() == 1
    );
    println!("      one flipped bit is refused: {refused}");

    println!("\n2. Tokens (URL-safe, with a time-to-live)");
    let token = step(
        "make a token",
        || Ok(cipher.make_token(b"session=42", b"")?),
    )?;
    println!(
        "      {}...{} ({} chars)",
        &token[..16],
        &token[token.len() - 8..],
        token.len()
    );
    let read = step("read it back with ttl = 60 s", || {
        Ok(cipher.read_token(&token, b"", 60)?)
    })?;
    println!("      {}", String::from_utf8_lossy(&read));

    println!("\n3. Passcrypt (memory-hard passphrase hashing)");
    let pc = Passcrypt::default();
    let settings = Settings {
        mb: 16,
        cpu: 2,
        cores: 2,
        tag_size: 16,
    };
    let hash = step("hash a passphrase (16 MiB, 2 cores)", || {
        Ok(pc.hash_passphrase(b"correct horse battery staple", b"", settings, 8)?)
    })?;
    println!(
        "      {} ({} bytes)",
        aiootp::primitives::bytes_to_hex(&hash),
        hash.len()
    );
    step("verify it", || {
        Ok(pc.verify(
            &hash,
            b"correct horse battery staple",
            b"",
            0,
            &AllowedRanges::default(),
        )?)
    })?;
    let wrong = pc
        .verify(
            &hash,
            b"incorrect horse battery",
            b"",
            0,
            &AllowedRanges::default(),
        )
        .is_err();
    println!("      a wrong passphrase is refused: {wrong}");

    println!("\n4. An encrypted database (tags, a metatag, crash-safe saves)");
    let db_dir = dir.path().join("db");
    std::fs::create_dir(&db_dir).map_err(|e| CliError::io(db_dir.display(), e))?;
    step("create, set two tags and a metatag tag, save", || {
        let mut db = Database::create(key.expose(), &db_dir)?;
        db.set_tag(
            "profile",
            Value::Json(serde_json::json!({"name": "alice", "langs": ["rust", "python"]})),
        );
        db.set_tag("avatar", Value::Bytes(vec![0x89, b'P', b'N', b'G']));
        db.metatag("taxes")?
            .set_tag("2024", Value::Json(serde_json::json!({"due": 1200.5})));
        Ok(db.save_database()?)
    })?;
    let tree = step("reopen and read everything back", || {
        let mut db = Database::open_existing(key.expose(), &db_dir)?;
        crate::db::dump(&mut db)
    })?;
    println!("      {tree}");
    let files = std::fs::read_dir(&db_dir).map(Iterator::count).unwrap_or(0);
    println!("      {files} files on disk, all named in base38, none readable without the key");
    println!("\nAll done; the temporary folder is removed.");
    Ok(())
}

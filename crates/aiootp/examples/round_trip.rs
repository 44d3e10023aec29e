//! A real round trip through every Chunky2048 face, timed:
//! `cargo run --release -p aiootp --example round_trip`.

use aiootp::chunky2048::stream::{DecryptReader, EncryptWriter};
use aiootp::{Chunky2048, CipherStream, DecipherStream, generate_key};
use std::io::{Read, Write};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = generate_key(168)?;
    let cipher = Chunky2048::new(key.expose())?;
    let dir = std::env::temp_dir().join(format!("aiootp-round-trip-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    let t = Instant::now();
    let message = b"Meet at the usual place at 10.";
    let ct = cipher.bytes_encrypt(message, b"demo")?;
    assert_eq!(cipher.bytes_decrypt(&ct, b"demo", 60)?, message);
    println!(
        "bytes:   {} B plaintext -> {} B ciphertext, round trip in {:?}",
        message.len(),
        ct.len(),
        t.elapsed()
    );

    let t = Instant::now();
    let value = serde_json::json!({"user": "alice", "scores": [1, 2.5, 1e-7]});
    let ct = cipher.json_encrypt(&value, b"")?;
    let back: serde_json::Value = cipher.json_decrypt(&ct, b"", 0)?;
    assert_eq!(back, value);
    println!("json:    {value} round trip in {:?}", t.elapsed());

    let t = Instant::now();
    let token = cipher.make_token(b"session=42", b"")?;
    assert_eq!(cipher.read_token(&token, b"", 3600)?, b"session=42");
    println!(
        "token:   {}... ({} chars) in {:?}",
        &token[..24],
        token.len(),
        t.elapsed()
    );

    let t = Instant::now();
    let data: Vec<u8> = (0..4_000_000u32)
        .map(|i| i.to_le_bytes()[0] ^ i.to_le_bytes()[2])
        .collect();
    let mut enc = CipherStream::new(&cipher, b"stream")?;
    let mut wire = Vec::new();
    for chunk in data.chunks(65_536) {
        enc.buffer(chunk).drain_into(&mut wire);
    }
    let (salt, iv) = (*enc.salt(), *enc.iv());
    let (rest, shmac) = enc.finalize()?;
    rest.iter()
        .for_each(|p| wire.extend_from_slice(p.as_bytes()));
    let tag = shmac.finalize();
    let mut dec = DecipherStream::new(&cipher, salt, iv, b"stream", 0)?;
    dec.buffer(&wire)?;
    let mut plain = dec.read_available()?;
    let (tail, shmac) = dec.finalize()?;
    shmac.test_shmac(&tag)?;
    plain.extend_from_slice(&tail);
    assert_eq!(plain, data);
    println!(
        "stream:  {} MB in {} packets, round trip in {:?}",
        data.len() / 1_000_000,
        wire.len() / 280,
        t.elapsed()
    );

    let t = Instant::now();
    let path = dir.join("secret.bin");
    let mut w = EncryptWriter::new(std::fs::File::create(&path)?, &cipher, b"file")?;
    w.write_all(&data)?;
    w.finish()?;
    let mut back = Vec::new();
    DecryptReader::new(std::fs::File::open(&path)?, &cipher, b"file", 0).read_to_end(&mut back)?;
    assert_eq!(back, data);
    println!(
        "file:    {} ({} bytes) written and read back in {:?}",
        path.display(),
        std::fs::metadata(&path)?.len(),
        t.elapsed()
    );

    std::fs::remove_dir_all(&dir)?;
    println!("all round trips verified");
    Ok(())
}

//! The known-answer driver for Chunky2048 vector files (`chunky2048.json`
//! and any set made by the same generator with another seed).
//!
//! One function per case: [`check_case`] dispatches on `kind` and runs every
//! code path the case pins (encrypt with the given randomness, decrypt, the
//! stream in both directions, the engine's intermediate values). Schema:
//! `shared/kat/README.md`.

use crate::cipher::MessageRandomness;
use crate::constants::*;
use crate::engine::{Direction, Engine};
use crate::hazmat;
use crate::json::python_dumps;
use crate::{Chunky2048, DecipherStream, Error};
use aiootp_core::FixedClock;
use serde_json::Value;
use std::sync::Arc;

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check of the case held.
    Passed,
    /// A check failed; the text says which.
    Failed(String),
    /// The case's kind is not one this driver knows.
    Skipped(String),
}

type R<T> = Result<T, String>;

fn field<'a>(case: &'a Value, name: &str) -> R<&'a Value> {
    case.get(name)
        .ok_or_else(|| format!("missing field `{name}`"))
}

fn hex_field(case: &Value, name: &str) -> R<Vec<u8>> {
    let s = field(case, name)?
        .as_str()
        .ok_or_else(|| format!("`{name}` is not a string"))?;
    hex::decode(s).map_err(|e| format!("`{name}` is not hex: {e}"))
}

fn fixed_field<const N: usize>(case: &Value, name: &str) -> R<[u8; N]> {
    let v = hex_field(case, name)?;
    <[u8; N]>::try_from(v.as_slice()).map_err(|_| format!("`{name}` is {} bytes, not {N}", v.len()))
}

fn int_field(case: &Value, name: &str) -> R<i64> {
    field(case, name)?
        .as_i64()
        .ok_or_else(|| format!("`{name}` is not an integer"))
}

fn usize_field(case: &Value, name: &str) -> R<usize> {
    usize::try_from(int_field(case, name)?).map_err(|e| format!("`{name}`: {e}"))
}

fn expect_eq(what: &str, got: &[u8], want: &[u8]) -> R<()> {
    if got == want {
        Ok(())
    } else {
        let show = |b: &[u8]| hex::encode(&b[..b.len().min(24)]);
        Err(format!(
            "{what} differs: got {} bytes {}…, want {} bytes {}…",
            got.len(),
            show(got),
            want.len(),
            show(want)
        ))
    }
}

/// Runs one case of a Chunky2048 vector file.
#[must_use]
pub fn check_case(case: &Value) -> Outcome {
    let kind = case.get("kind").and_then(Value::as_str).unwrap_or("");
    let result = match kind {
        "meta" => check_meta(case),
        "encode_constant" => check_encode_constant(case),
        "canonical_pack" => check_canonical_pack(case),
        "encode_key" => check_encode_key(case),
        "key_bundle" => check_key_bundle(case),
        "block_id" => check_block_id(case),
        "bytes" | "json" | "token" => check_message(case, kind),
        "stream" => check_stream(case),
        "negative" => check_negative(case),
        other => return Outcome::Skipped(format!("unknown kind `{other}`")),
    };
    match result {
        Ok(()) => Outcome::Passed,
        Err(e) => Outcome::Failed(e),
    }
}

fn check_meta(case: &Value) -> R<()> {
    expect_eq("metadata", &METADATA, &hex_field(case, "metadata")?)?;
    let names = [
        "seed_kdf_salt",
        "left_kdf_salt",
        "right_kdf_salt",
        "shmac_mac_salt",
        "block_id_mac_salt",
    ];
    for (name, salt) in names.iter().zip(hazmat::domain_salts()) {
        expect_eq(name, &salt, &hex_field(case, name)?)?;
    }
    if int_field(case, "epoch_unix_seconds")? != i64::try_from(aiootp_core::EPOCH).unwrap_or(0) {
        return Err("epoch differs".into());
    }
    Ok(())
}

fn check_encode_constant(case: &Value) -> R<()> {
    let out =
        aiootp_core::encode_constant(&hex_field(case, "constant")?, usize_field(case, "size")?);
    expect_eq("output", &out, &hex_field(case, "output")?)
}

fn check_canonical_pack(case: &Value) -> R<()> {
    let items: Vec<Vec<u8>> = field(case, "items")?
        .as_array()
        .ok_or("`items` is not an array")?
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| hex::decode(s).ok())
                .ok_or("bad item")
        })
        .collect::<Result<_, _>>()?;
    let pad = hex_field(case, "pad")?;
    let p = aiootp_core::encoding::PackParams {
        blocksize: usize_field(case, "blocksize")?,
        pad: &pad,
        int_bytes: usize_field(case, "int_bytes")?,
    };
    let out = aiootp_core::encoding::canonical_pack(items.iter().map(Vec::as_slice), p);
    expect_eq("output", &out, &hex_field(case, "output")?)
}

fn check_encode_key(case: &Value) -> R<()> {
    let pad = hex_field(case, "pad")?;
    let pad = *pad.first().ok_or("empty pad")?;
    let out = aiootp_core::encoding::encode_key(
        &hex_field(case, "key")?,
        usize_field(case, "blocksize")?,
        pad,
    )
    .map_err(|e| e.to_string())?;
    expect_eq("output", &out, &hex_field(case, "output")?)
}

fn cipher_for(case: &Value) -> R<Chunky2048> {
    Chunky2048::new(&hex_field(case, "key")?).map_err(|e| format!("key: {e}"))
}

fn check_key_bundle(case: &Value) -> R<()> {
    let cipher = cipher_for(case)?;
    let (salt, aad, iv) = (
        fixed_field(case, "salt")?,
        hex_field(case, "aad")?,
        fixed_field(case, "iv")?,
    );
    let summary = hazmat::summary(&salt, &aad, &iv).map_err(|e| e.to_string())?;
    expect_eq("summary", &summary, &hex_field(case, "summary")?)?;
    let bundle = hazmat::key_bundle(&cipher, salt, &aad, iv).map_err(|e| e.to_string())?;
    let engine = Engine::new(bundle, Direction::Encrypt);
    expect_eq(
        "initial_shmac_digest",
        engine.shmac_digest(),
        &hex_field(case, "initial_shmac_digest")?,
    )?;
    expect_eq(
        "ratchet_key_0",
        engine.ratchet_key(),
        &hex_field(case, "ratchet_key_0")?,
    )?;
    expect_eq(
        "primer_key",
        engine.primer_key(),
        &hex_field(case, "primer_key")?,
    )
}

fn check_block_id(case: &Value) -> R<()> {
    let digest = fixed_field(case, "mac_digest")?;
    let size = usize_field(case, "size")?;
    let id = hazmat::block_id(
        &digest,
        &hex_field(case, "aad")?,
        &hex_field(case, "block")?,
        size,
    )
    .map_err(|e| e.to_string())?;
    expect_eq("block_id", &id[..size], &hex_field(case, "block_id")?)
}

fn randomness(case: &Value) -> R<MessageRandomness> {
    Ok(MessageRandomness {
        salt: fixed_field(case, "salt")?,
        iv: fixed_field(case, "iv")?,
        timestamp: fixed_field(case, "timestamp")?,
        siv_key: fixed_field(case, "siv_key")?,
        extra_padding: fixed_field(case, "extra_padding")?,
    })
}

/// The cipher with its clock at the case's decryption time, and the ttl.
fn decrypting(case: &Value) -> R<(Chunky2048, u64)> {
    let d = field(case, "decrypt")?;
    let now = int_field(d, "now")?;
    let ttl = u64::try_from(int_field(d, "ttl")?).map_err(|e| e.to_string())?;
    Ok((
        cipher_for(case)?.with_clock(Arc::new(FixedClock::at_epoch_seconds(now))),
        ttl,
    ))
}

fn check_message(case: &Value, kind: &str) -> R<()> {
    let cipher = cipher_for(case)?;
    let aad = hex_field(case, "aad")?;
    let plaintext = hex_field(case, "plaintext")?;
    let want = hex_field(case, "ciphertext")?;
    check_padding_fields(case, plaintext.len())?;
    if kind == "json" {
        let text = field(case, "json_text")?
            .as_str()
            .ok_or("`json_text` is not a string")?;
        expect_eq(
            "json_text",
            python_dumps(field(case, "json_value")?).as_bytes(),
            text.as_bytes(),
        )?;
        expect_eq("plaintext", text.as_bytes(), &plaintext)?;
    }
    let r = randomness(case)?;
    let ct = hazmat::bytes_encrypt(&cipher, &plaintext, &aad, &r).map_err(|e| e.to_string())?;
    expect_eq("ciphertext", &ct, &want)?;
    expect_eq("shmac", &ct[..SHMAC_BYTES], &hex_field(case, "shmac")?)?;
    if let Some(trace) = case.get("intermediates") {
        check_intermediates(&cipher, &r, &aad, &plaintext, trace)?;
    }
    let (dec, ttl) = decrypting(case)?;
    match kind {
        "token" => {
            let token = field(case, "token")?
                .as_str()
                .ok_or("`token` is not a string")?;
            expect_eq(
                "token",
                aiootp_core::codec::bytes_to_urlsafe(&ct).as_bytes(),
                token.as_bytes(),
            )?;
            let back = dec
                .read_token(token, &aad, ttl)
                .map_err(|e| format!("read_token: {e}"))?;
            expect_eq("read_token", &back, &plaintext)
        }
        "json" => {
            let back: Value = dec
                .json_decrypt(&want, &aad, ttl)
                .map_err(|e| format!("json_decrypt: {e}"))?;
            if &back == field(case, "json_value")? {
                Ok(())
            } else {
                Err("json_decrypt value differs".into())
            }
        }
        _ => {
            let back = dec
                .bytes_decrypt(&want, &aad, ttl)
                .map_err(|e| format!("bytes_decrypt: {e}"))?;
            expect_eq("bytes_decrypt", &back, &plaintext)
        }
    }
}

fn check_padding_fields(case: &Value, len: usize) -> R<()> {
    if usize_field(case, "plaintext_len")? != len {
        return Err("plaintext_len differs from the plaintext".into());
    }
    if usize_field(case, "n_blocks")? != crate::padding::block_count(len) {
        return Err("n_blocks differs".into());
    }
    let extra = hex_field(case, "extra_padding")?;
    let mut end = vec![0u8; crate::padding::padding_size(len)];
    crate::padding::write_end_padding(&mut end, &extra, len);
    expect_eq("end_padding", &end, &hex_field(case, "end_padding")?)
}

fn hex_list(v: &Value, name: &str) -> R<Vec<Vec<u8>>> {
    field(v, name)?
        .as_array()
        .ok_or_else(|| format!("`{name}` is not an array"))?
        .iter()
        .map(|x| {
            x.as_str()
                .and_then(|s| hex::decode(s).ok())
                .ok_or_else(|| format!("bad `{name}` entry"))
        })
        .collect()
}

/// Replays the message block by block and compares every intermediate value.
fn check_intermediates(
    cipher: &Chunky2048,
    r: &MessageRandomness,
    aad: &[u8],
    plaintext: &[u8],
    t: &Value,
) -> R<()> {
    expect_eq(
        "summary",
        &hazmat::summary(&r.salt, aad, &r.iv).map_err(|e| e.to_string())?,
        &hex_field(t, "summary")?,
    )?;
    let bundle = hazmat::key_bundle(cipher, r.salt, aad, r.iv).map_err(|e| e.to_string())?;
    let mut engine = Engine::new(bundle, Direction::Encrypt);
    expect_eq(
        "initial_shmac_digest",
        engine.shmac_digest(),
        &hex_field(t, "initial_shmac_digest")?,
    )?;
    expect_eq(
        "primer_key",
        engine.primer_key(),
        &hex_field(t, "primer_key")?,
    )?;
    let mut siv = r.inner_header().to_vec();
    siv.extend_from_slice(&engine.shmac_digest()[..SHAKE_128_BLOCKSIZE - INNER_HEADER_BYTES]);
    expect_eq("siv", &siv, &hex_field(t, "siv")?)?;
    let keys = hex_list(t, "keystream")?;
    let digests = hex_list(t, "shmac_digests")?;
    let ratchets = hex_list(t, "ratchet_keys")?;
    expect_eq(
        "ratchet_keys[0]",
        engine.ratchet_key(),
        ratchets.first().ok_or("no ratchet keys")?,
    )?;
    let mut padded = r.inner_header().to_vec();
    padded.extend_from_slice(plaintext);
    let mut end = vec![0u8; crate::padding::padding_size(plaintext.len())];
    crate::padding::write_end_padding(&mut end, &r.extra_padding, plaintext.len());
    padded.extend_from_slice(&end);
    for (j, chunk) in padded.chunks_exact(BLOCKSIZE).enumerate() {
        let mut block: [u8; BLOCKSIZE] = crate::cipher::fixed(chunk);
        engine.process_block(&mut block);
        let at = |list: &Vec<Vec<u8>>, name: &str| {
            list.get(j)
                .cloned()
                .ok_or_else(|| format!("{name}[{j}] missing"))
        };
        expect_eq(
            &format!("keystream[{j}]"),
            engine.last_keystream(),
            &at(&keys, "keystream")?,
        )?;
        expect_eq(
            &format!("shmac_digests[{j}]"),
            engine.shmac_digest(),
            &at(&digests, "shmac_digests")?,
        )?;
        let ratchet = ratchets.get(j + 1).ok_or("ratchet key missing")?;
        expect_eq(
            &format!("ratchet_keys[{}]", j + 1),
            engine.ratchet_key(),
            ratchet,
        )?;
    }
    expect_eq(
        "final_seed_digest",
        engine.ratchet_key(),
        &hex_field(t, "final_seed_digest")?,
    )
}

struct StreamPacket {
    bytes: Vec<u8>,
    aad: Vec<u8>,
}

fn stream_packets(case: &Value) -> R<Vec<StreamPacket>> {
    field(case, "packets")?
        .as_array()
        .ok_or("`packets` is not an array")?
        .iter()
        .map(|p| {
            let mut bytes = hex_field(p, "block_id")?;
            bytes.extend_from_slice(&hex_field(p, "ciphertext")?);
            Ok(StreamPacket {
                bytes,
                aad: hex_field(p, "block_id_aad")?,
            })
        })
        .collect()
}

fn check_stream(case: &Value) -> R<()> {
    let cipher = cipher_for(case)?;
    let aad = hex_field(case, "aad")?;
    let plaintext = hex_field(case, "plaintext")?;
    let want = stream_packets(case)?;
    let chunks: Vec<usize> = field(case, "buffer_chunks")?
        .as_array()
        .ok_or("`buffer_chunks` is not an array")?
        .iter()
        .map(|v| {
            v.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or("bad chunk")
        })
        .collect::<Result<_, _>>()?;
    // Encrypt with the recorded chunking, switching the block-id aad per packet.
    let mut enc =
        hazmat::cipher_stream(&cipher, &aad, &randomness(case)?).map_err(|e| e.to_string())?;
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut offset = 0;
    for len in chunks {
        let chunk = plaintext
            .get(offset..offset + len)
            .ok_or("buffer_chunks exceed the plaintext")?;
        offset += len;
        enc.buffer(chunk);
        while enc.ready() > 0 {
            enc.set_aad(&want.get(got.len()).ok_or("more packets than expected")?.aad);
            got.extend(enc.next_packet().map(|p| p.as_bytes().to_vec()));
        }
    }
    if let Some(last) = want.last() {
        enc.set_aad(&last.aad);
    }
    let (rest, shmac) = enc.finalize().map_err(|e| e.to_string())?;
    got.extend(rest.iter().map(|p| p.as_bytes().to_vec()));
    if got.len() != want.len() {
        return Err(format!("{} packets, want {}", got.len(), want.len()));
    }
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        expect_eq(&format!("packet {i}"), g, &w.bytes)?;
    }
    let tag = shmac.finalize();
    expect_eq("shmac", &tag, &hex_field(case, "shmac")?)?;
    // The concatenation is also a bytes ciphertext.
    let ct = hex_field(case, "ciphertext")?;
    let (dec_cipher, ttl) = decrypting(case)?;
    let back = dec_cipher
        .bytes_decrypt(&ct, &aad, ttl)
        .map_err(|e| format!("bytes_decrypt: {e}"))?;
    expect_eq("bytes_decrypt", &back, &plaintext)?;
    // And decrypts as a stream, one packet per buffer call.
    let mut dec = DecipherStream::new(
        &dec_cipher,
        fixed_field(case, "salt")?,
        fixed_field(case, "iv")?,
        &aad,
        ttl,
    )
    .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for p in &want {
        dec.set_aad(&p.aad);
        dec.buffer(&p.bytes)
            .map_err(|e| format!("decipher buffer: {e}"))?;
        dec.read_available_into(&mut out)
            .map_err(|e| e.to_string())?;
    }
    let (tail, shmac) = dec.finalize().map_err(|e| e.to_string())?;
    out.extend_from_slice(&tail);
    shmac
        .test_shmac(&tag)
        .map_err(|e| format!("decipher shmac: {e}"))?;
    expect_eq("decipher plaintext", &out, &plaintext)
}

/// Whether `err` is what the reference raised (`expected_error`, and for
/// `TimestampExpired` the `expired_by`).
fn error_matches(err: &Error, case: &Value, api: &str) -> R<()> {
    let expected = field(case, "expected_error")?.as_str().unwrap_or("");
    let ok = match (expected, err) {
        ("InvalidSHMAC", Error::InvalidShmac) => true,
        ("InvalidBlockID", Error::InvalidBlockId { .. }) => true,
        ("TimestampExpired", Error::TimestampExpired { expired_by }) => {
            *expired_by == int_field(case, "expected_expired_by")?
        }
        ("ValueError", Error::InvalidCiphertextLength { .. }) => api != "decipher_stream",
        ("ValueError", Error::KeyTooShort { .. }) => true,
        // The reference swaps an empty key for a random one and then fails
        // the tag; this port refuses the key (docs/differences.md).
        ("InvalidSHMAC" | "ValueError", Error::EmptyKey) => true,
        ("ValueError", Error::InvalidBufferSize { .. }) => api == "decipher_stream",
        ("ValueError", Error::InvalidToken(_)) => api == "read_token",
        ("JSONDecodeError" | "ValueError", Error::JsonDecode(_)) => api == "json_decrypt",
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("got `{err}`, want {expected}"))
    }
}

fn check_negative(case: &Value) -> R<()> {
    let api = field(case, "api")?.as_str().unwrap_or("");
    let aad = hex_field(case, "aad")?;
    let ttl = u64::try_from(int_field(case, "ttl")?).map_err(|e| e.to_string())?;
    let now = int_field(case, "now")?;
    let cipher = match cipher_for(case) {
        Ok(c) => c.with_clock(Arc::new(FixedClock::at_epoch_seconds(now))),
        Err(_) => return check_negative_key(case, api),
    };
    let result = match api {
        "bytes_decrypt" => cipher
            .bytes_decrypt(&hex_field(case, "ciphertext")?, &aad, ttl)
            .map(drop),
        "json_decrypt" => cipher
            .json_decrypt::<Value>(&hex_field(case, "ciphertext")?, &aad, ttl)
            .map(drop),
        "read_token" => {
            let token = field(case, "token")?
                .as_str()
                .ok_or("`token` is not a string")?;
            cipher.read_token(token, &aad, ttl).map(drop)
        }
        "decipher_stream" => return check_negative_stream(case, &cipher, &aad, ttl),
        other => return Err(format!("unknown negative api `{other}`")),
    };
    match result {
        Ok(()) => Err("decryption succeeded; the reference raised".into()),
        Err(e) => error_matches(&e, case, api),
    }
}

/// A case whose key the cipher refuses: the module-level functions apply
/// the reference's check order (ciphertext length first, then the key).
fn check_negative_key(case: &Value, api: &str) -> R<()> {
    let key = hex_field(case, "key")?;
    let aad = hex_field(case, "aad")?;
    let result = match api {
        "bytes_decrypt" => {
            crate::bytes_decrypt(&hex_field(case, "ciphertext")?, &key, &aad, 0).map(drop)
        }
        "json_decrypt" => {
            crate::json_decrypt::<Value>(&hex_field(case, "ciphertext")?, &key, &aad, 0).map(drop)
        }
        "read_token" => Chunky2048::new(&key).map(drop),
        _ => Chunky2048::new(&key).map(drop),
    };
    match result {
        Ok(()) => Err("the key was accepted; the reference refused it".into()),
        Err(e) => error_matches(&e, case, api),
    }
}

/// The `decipher_stream` protocol of the schema: per packet `buffer` then
/// iterate; then `finalize`. The error must surface at the recorded step.
fn check_negative_stream(case: &Value, cipher: &Chunky2048, aad: &[u8], ttl: u64) -> R<()> {
    let packets = hex_list(case, "packets")?;
    let mut dec = DecipherStream::new(
        cipher,
        fixed_field(case, "salt")?,
        fixed_field(case, "iv")?,
        aad,
        ttl,
    )
    .map_err(|e| e.to_string())?;
    let want_step = case.get("fails_in").and_then(Value::as_str).unwrap_or("");
    let want_at = case.get("fails_at_packet").and_then(Value::as_i64);
    let mut failure = None;
    for (i, p) in packets.iter().enumerate() {
        if let Err(e) = dec.buffer(p) {
            failure = Some(("buffer", Some(i), e));
            break;
        }
        if let Err(e) = dec.read_available() {
            failure = Some(("iterate", Some(i), e));
            break;
        }
    }
    let failure = match failure {
        Some(f) => f,
        None => match dec.finalize() {
            Err(e) => ("finalize", None, e),
            Ok(_) => return Err("stream decrypted; the reference raised".into()),
        },
    };
    let (step, at, err) = failure;
    error_matches(&err, case, "decipher_stream")?;
    if !want_step.is_empty() && step != want_step {
        return Err(format!("failed in {step}, want {want_step}"));
    }
    if let (Some(want), Some(got)) = (want_at, at)
        && i64::try_from(got).ok() != Some(want)
    {
        return Err(format!("failed at packet {got}, want {want}"));
    }
    Ok(())
}

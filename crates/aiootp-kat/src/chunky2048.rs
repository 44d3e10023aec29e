//! The known-answer driver for Chunky2048 vector files (`chunky2048.json`
//! and any set made by the same generator with another seed).
//!
//! One function per case: [`check_case`] dispatches on `kind` and runs every
//! code path the case pins (encrypt with the given randomness, decrypt, the
//! stream in both directions, the engine's intermediate values). Schema:
//! `shared/kat/README.md`.

use crate::fields::{R, field, fixed, hex, hex_items, int, same, uint};
use crate::{Outcome, Tally};
use aiootp_chunky2048::hazmat::{self, MessageRandomness, Sealer};
use aiootp_chunky2048::{BLOCKSIZE, Chunky2048, DecipherStream, Error, SHMAC_BYTES};
use aiootp_core::{FixedClock, python_dumps};
use serde_json::Value;
use std::sync::Arc;

/// The SHAKE-128 rate (the SIV's size).
const SHAKE_128_BLOCKSIZE: usize = 168;
/// `timestamp ‖ siv_key`.
const INNER_HEADER_BYTES: usize = 20;

/// Runs every case of one Chunky2048 vector file.
pub fn run_file(name: &str, json: &Value, tally: &mut Tally) {
    let Some(cases) = json.as_array() else { return };
    for case in cases {
        let id = format!(
            "{name}#{}",
            case.get("id").and_then(Value::as_str).unwrap_or("?")
        );
        match case.get("kind").and_then(Value::as_str) {
            Some(_) => tally.record(&id, check_case(case)),
            None => tally.record(&id, Err("case has no kind".to_owned())),
        }
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
    result.into()
}

fn check_meta(case: &Value) -> R<()> {
    same("metadata", &hazmat::METADATA, &hex(case, "metadata")?)?;
    let names = [
        "seed_kdf_salt",
        "left_kdf_salt",
        "right_kdf_salt",
        "shmac_mac_salt",
        "block_id_mac_salt",
    ];
    for (name, salt) in names.iter().zip(hazmat::domain_salts()) {
        same(name, &salt, &hex(case, name)?)?;
    }
    if int(case, "epoch_unix_seconds")? != i64::try_from(aiootp_core::EPOCH).unwrap_or(0) {
        return Err("epoch differs".into());
    }
    Ok(())
}

fn check_encode_constant(case: &Value) -> R<()> {
    let out = aiootp_core::encode_constant(&hex(case, "constant")?, uint(case, "size")?);
    same("output", &out, &hex(case, "output")?)
}

fn check_canonical_pack(case: &Value) -> R<()> {
    let items = hex_items(case, "items")?;
    let pad = hex(case, "pad")?;
    let p = aiootp_core::PackParams {
        blocksize: uint(case, "blocksize")?,
        pad: &pad,
        int_bytes: uint(case, "int_bytes")?,
    };
    let out = aiootp_core::canonical_pack(items.iter().map(Vec::as_slice), p);
    same("output", &out, &hex(case, "output")?)
}

fn check_encode_key(case: &Value) -> R<()> {
    let pad = hex(case, "pad")?;
    let pad = *pad.first().ok_or("empty pad")?;
    let out = aiootp_core::encode_key(&hex(case, "key")?, uint(case, "blocksize")?, pad)
        .map_err(|e| e.to_string())?;
    same("output", &out, &hex(case, "output")?)
}

fn cipher_for(case: &Value) -> R<Chunky2048> {
    Chunky2048::new(&hex(case, "key")?).map_err(|e| format!("key: {e}"))
}

fn check_key_bundle(case: &Value) -> R<()> {
    let cipher = cipher_for(case)?;
    let (salt, aad, iv) = (fixed(case, "salt")?, hex(case, "aad")?, fixed(case, "iv")?);
    let summary = hazmat::summary(&salt, &aad, &iv).map_err(|e| e.to_string())?;
    same("summary", &summary, &hex(case, "summary")?)?;
    let bundle = hazmat::key_bundle(&cipher, salt, &aad, iv).map_err(|e| e.to_string())?;
    let engine = Sealer::new(bundle);
    same(
        "initial_shmac_digest",
        engine.shmac_digest(),
        &hex(case, "initial_shmac_digest")?,
    )?;
    same(
        "ratchet_key_0",
        engine.ratchet_key(),
        &hex(case, "ratchet_key_0")?,
    )?;
    same("primer_key", engine.primer_key(), &hex(case, "primer_key")?)
}

fn check_block_id(case: &Value) -> R<()> {
    let digest = fixed(case, "mac_digest")?;
    let size = uint(case, "size")?;
    let id = hazmat::block_id(&digest, &hex(case, "aad")?, &hex(case, "block")?, size)
        .map_err(|e| e.to_string())?;
    same("block_id", &id[..size], &hex(case, "block_id")?)
}

fn randomness(case: &Value) -> R<MessageRandomness> {
    Ok(MessageRandomness {
        salt: fixed(case, "salt")?,
        iv: fixed(case, "iv")?,
        timestamp: fixed(case, "timestamp")?,
        siv_key: fixed(case, "siv_key")?,
        extra_padding: fixed(case, "extra_padding")?,
    })
}

/// The cipher with its clock at the case's decryption time, and the ttl.
fn decrypting(case: &Value) -> R<(Chunky2048, u64)> {
    let d = field(case, "decrypt")?;
    let now = int(d, "now")?;
    let ttl = u64::try_from(int(d, "ttl")?).map_err(|e| e.to_string())?;
    Ok((
        cipher_for(case)?.with_clock(Arc::new(FixedClock::at_epoch_seconds(now))),
        ttl,
    ))
}

fn check_message(case: &Value, kind: &str) -> R<()> {
    let cipher = cipher_for(case)?;
    let aad = hex(case, "aad")?;
    let plaintext = hex(case, "plaintext")?;
    let want = hex(case, "ciphertext")?;
    check_padding_fields(case, plaintext.len())?;
    if kind == "json" {
        let text = field(case, "json_text")?
            .as_str()
            .ok_or("`json_text` is not a string")?;
        same(
            "json_text",
            python_dumps(field(case, "json_value")?).as_bytes(),
            text.as_bytes(),
        )?;
        same("plaintext", text.as_bytes(), &plaintext)?;
    }
    let r = randomness(case)?;
    let ct = hazmat::bytes_encrypt(&cipher, &plaintext, &aad, &r).map_err(|e| e.to_string())?;
    same("ciphertext", &ct, &want)?;
    same("shmac", &ct[..SHMAC_BYTES], &hex(case, "shmac")?)?;
    if let Some(trace) = case.get("intermediates") {
        check_intermediates(&cipher, &r, &aad, &plaintext, trace)?;
    }
    let (dec, ttl) = decrypting(case)?;
    match kind {
        "token" => {
            let token = field(case, "token")?
                .as_str()
                .ok_or("`token` is not a string")?;
            same(
                "token",
                aiootp_core::bytes_to_urlsafe(&ct).as_bytes(),
                token.as_bytes(),
            )?;
            let back = dec
                .read_token(token, &aad, ttl)
                .map_err(|e| format!("read_token: {e}"))?;
            same("read_token", &back, &plaintext)
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
            same("bytes_decrypt", &back, &plaintext)
        }
    }
}

fn check_padding_fields(case: &Value, len: usize) -> R<()> {
    if uint(case, "plaintext_len")? != len {
        return Err("plaintext_len differs from the plaintext".into());
    }
    if uint(case, "n_blocks")? != hazmat::block_count(len) {
        return Err("n_blocks differs".into());
    }
    let extra: [u8; BLOCKSIZE] = fixed(case, "extra_padding")?;
    let mut end = vec![0u8; hazmat::padding_size(len)];
    hazmat::write_end_padding(&mut end, &extra, len);
    same("end_padding", &end, &hex(case, "end_padding")?)
}

/// Replays the message block by block and compares every intermediate value.
fn check_intermediates(
    cipher: &Chunky2048,
    r: &MessageRandomness,
    aad: &[u8],
    plaintext: &[u8],
    t: &Value,
) -> R<()> {
    same(
        "summary",
        &hazmat::summary(&r.salt, aad, &r.iv).map_err(|e| e.to_string())?,
        &hex(t, "summary")?,
    )?;
    let bundle = hazmat::key_bundle(cipher, r.salt, aad, r.iv).map_err(|e| e.to_string())?;
    let mut engine = Sealer::new(bundle);
    same(
        "initial_shmac_digest",
        engine.shmac_digest(),
        &hex(t, "initial_shmac_digest")?,
    )?;
    same("primer_key", engine.primer_key(), &hex(t, "primer_key")?)?;
    let mut siv = r.inner_header().to_vec();
    siv.extend_from_slice(&engine.shmac_digest()[..SHAKE_128_BLOCKSIZE - INNER_HEADER_BYTES]);
    same("siv", &siv, &hex(t, "siv")?)?;
    let keys = hex_items(t, "keystream")?;
    let digests = hex_items(t, "shmac_digests")?;
    let ratchets = hex_items(t, "ratchet_keys")?;
    same(
        "ratchet_keys[0]",
        engine.ratchet_key(),
        ratchets.first().ok_or("no ratchet keys")?,
    )?;
    let mut padded = r.inner_header().to_vec();
    padded.extend_from_slice(plaintext);
    let mut end = vec![0u8; hazmat::padding_size(plaintext.len())];
    hazmat::write_end_padding(&mut end, &r.extra_padding, plaintext.len());
    padded.extend_from_slice(&end);
    for (j, chunk) in padded.chunks_exact(BLOCKSIZE).enumerate() {
        let mut block: [u8; BLOCKSIZE] = chunk.try_into().map_err(|_| "chunk size")?;
        engine.seal_block(&mut block);
        let at = |list: &Vec<Vec<u8>>, name: &str| {
            list.get(j)
                .cloned()
                .ok_or_else(|| format!("{name}[{j}] missing"))
        };
        same(
            &format!("keystream[{j}]"),
            engine.last_keystream(),
            &at(&keys, "keystream")?,
        )?;
        same(
            &format!("shmac_digests[{j}]"),
            engine.shmac_digest(),
            &at(&digests, "shmac_digests")?,
        )?;
        let ratchet = ratchets.get(j + 1).ok_or("ratchet key missing")?;
        same(
            &format!("ratchet_keys[{}]", j + 1),
            engine.ratchet_key(),
            ratchet,
        )?;
    }
    same(
        "final_seed_digest",
        engine.ratchet_key(),
        &hex(t, "final_seed_digest")?,
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
            let mut bytes = hex(p, "block_id")?;
            bytes.extend_from_slice(&hex(p, "ciphertext")?);
            Ok(StreamPacket {
                bytes,
                aad: hex(p, "block_id_aad")?,
            })
        })
        .collect()
}

fn check_stream(case: &Value) -> R<()> {
    let cipher = cipher_for(case)?;
    let aad = hex(case, "aad")?;
    let plaintext = hex(case, "plaintext")?;
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
        same(&format!("packet {i}"), g, &w.bytes)?;
    }
    let tag = shmac.finalize();
    same("shmac", &tag, &hex(case, "shmac")?)?;
    // The concatenation is also a bytes ciphertext.
    let ct = hex(case, "ciphertext")?;
    let (dec_cipher, ttl) = decrypting(case)?;
    let back = dec_cipher
        .bytes_decrypt(&ct, &aad, ttl)
        .map_err(|e| format!("bytes_decrypt: {e}"))?;
    same("bytes_decrypt", &back, &plaintext)?;
    // And decrypts as a stream, one packet per buffer call.
    let mut dec = DecipherStream::new(
        &dec_cipher,
        fixed(case, "salt")?,
        fixed(case, "iv")?,
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
    same("decipher plaintext", &out, &plaintext)
}

/// Whether `err` is what the reference raised (`expected_error`, and for
/// `TimestampExpired` the `expired_by`).
fn error_matches(err: &Error, case: &Value, api: &str) -> R<()> {
    let expected = field(case, "expected_error")?.as_str().unwrap_or("");
    let ok = match (expected, err) {
        ("InvalidSHMAC", Error::InvalidShmac) => true,
        ("InvalidBlockID", Error::InvalidBlockId { .. }) => true,
        ("TimestampExpired", Error::TimestampExpired { expired_by }) => {
            *expired_by == int(case, "expected_expired_by")?
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
    let aad = hex(case, "aad")?;
    let ttl = u64::try_from(int(case, "ttl")?).map_err(|e| e.to_string())?;
    let now = int(case, "now")?;
    let cipher = match cipher_for(case) {
        Ok(c) => c.with_clock(Arc::new(FixedClock::at_epoch_seconds(now))),
        Err(_) => return check_negative_key(case, api),
    };
    let result = match api {
        "bytes_decrypt" => cipher
            .bytes_decrypt(&hex(case, "ciphertext")?, &aad, ttl)
            .map(drop),
        "json_decrypt" => cipher
            .json_decrypt::<Value>(&hex(case, "ciphertext")?, &aad, ttl)
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
    let key = hex(case, "key")?;
    let aad = hex(case, "aad")?;
    let result = match api {
        "bytes_decrypt" => {
            aiootp_chunky2048::bytes_decrypt(&hex(case, "ciphertext")?, &key, &aad, 0).map(drop)
        }
        "json_decrypt" => {
            aiootp_chunky2048::json_decrypt::<Value>(&hex(case, "ciphertext")?, &key, &aad, 0)
                .map(drop)
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
    let packets = hex_items(case, "packets")?;
    let mut dec = DecipherStream::new(cipher, fixed(case, "salt")?, fixed(case, "iv")?, aad, ttl)
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

//! Database fixture folders (`expected.json` with
//! `"format": "aiootp-0.22.0-database-kat"`).
//!
//! The database crate is not built yet: its node, entry, file-set and
//! profile cases count as skipped. The `api_kats.ciphers` cases only need
//! Chunky2048 (key `salted_kdf_key[..168]` of the top-level node, aad
//! `canonical_pack(FILE_KEY, filename, aad)`), so they run now.

use crate::kat::KatTally;
use aiootp_chunky2048::Chunky2048;
use aiootp_core::encoding::{PackParams, canonical_pack};
use serde_json::Value;
use std::path::Path;

pub fn run_fixture(path: &Path, json: &Value, tally: &mut KatTally) {
    let name = path.parent().unwrap_or(path).display().to_string();
    let Some(dbs) = json.get("databases").and_then(Value::as_array) else {
        tally.failed += 1;
        tally
            .failures
            .push(format!("{name}: expected.json has no `databases`"));
        return;
    };
    let file_key = json
        .pointer("/constants/DBDomains/FILE_KEY")
        .and_then(Value::as_str)
        .and_then(|s| hex::decode(s).ok());
    for db in dbs {
        let id = format!(
            "{name}#{}",
            db.get("id").and_then(Value::as_str).unwrap_or("?")
        );
        let count = |k: &str| db.get(k).and_then(Value::as_array).map_or(0, Vec::len);
        let api = |k: &str| {
            db.pointer(&format!("/api_kats/{k}"))
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        };
        // nodes, entries, the files set, the profile derivation, hmac and user_kdf KATs.
        tally.skipped +=
            count("nodes") + count("entries") + 1 + usize::from(db.get("profile").is_some());
        tally.skipped += api("hmac") + api("user_kdf");
        let ciphers = db
            .pointer("/api_kats/ciphers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, case) in ciphers.iter().enumerate() {
            match check_cipher(db, file_key.as_deref(), case) {
                Ok(()) => tally.passed += 1,
                Err(e) => {
                    tally.failed += 1;
                    tally.failures.push(format!("{id}#ciphers[{i}]: {e}"));
                }
            }
        }
    }
}

fn hex(v: &Value, name: &str) -> Result<Vec<u8>, String> {
    let s = v
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing `{name}`"))?;
    hex::decode(s).map_err(|e| format!("`{name}`: {e}"))
}

fn check_cipher(db: &Value, file_key: Option<&[u8]>, case: &Value) -> Result<(), String> {
    let top = db
        .get("nodes")
        .and_then(Value::as_array)
        .and_then(|n| {
            n.iter().find(|n| {
                n.get("metatag_path")
                    .and_then(Value::as_array)
                    .is_some_and(Vec::is_empty)
            })
        })
        .ok_or("no top-level node")?;
    let salted = hex(top, "salted_kdf_key_hex")?;
    let key = salted
        .get(..168)
        .ok_or("salted_kdf_key shorter than 168 bytes")?;
    let filename = case
        .get("filename")
        .and_then(Value::as_str)
        .ok_or("missing `filename`")?;
    let aad = hex(case, "aad_hex")?;
    let effective = hex(case, "effective_aad_hex")?;
    let file_key = file_key.ok_or("constants.DBDomains.FILE_KEY missing")?;
    let packed = canonical_pack([file_key, filename.as_bytes(), &aad], PackParams::DEFAULT);
    if packed != effective {
        return Err("effective_aad differs from canonical_pack(FILE_KEY, filename, aad)".into());
    }
    let cipher = Chunky2048::new(key).map_err(|e| e.to_string())?;
    let api = case.get("api").and_then(Value::as_str).unwrap_or("");
    let (got, want) = match api {
        "bytes" => (
            cipher
                .bytes_decrypt(&hex(case, "ciphertext_hex")?, &effective, 0)
                .map_err(|e| e.to_string())?,
            hex(case, "plaintext_hex")?,
        ),
        "json" => (
            cipher
                .bytes_decrypt(&hex(case, "ciphertext_hex")?, &effective, 0)
                .map_err(|e| e.to_string())?,
            case.get("plaintext_json_text")
                .and_then(Value::as_str)
                .ok_or("missing text")?
                .as_bytes()
                .to_vec(),
        ),
        "token" => (
            cipher
                .read_token(
                    case.get("token")
                        .and_then(Value::as_str)
                        .ok_or("missing `token`")?,
                    &effective,
                    0,
                )
                .map_err(|e| e.to_string())?,
            hex(case, "plaintext_hex")?,
        ),
        other => return Err(format!("unknown api `{other}`")),
    };
    if got == want {
        Ok(())
    } else {
        Err("plaintext differs".into())
    }
}

//! Keygens vector files (`"schema": "aiootp-0.22.0/keygens-kat/v1"`).
//!
//! Runs what the built crates cover (the shared encodings, `Domains`,
//! `hash_bytes`); every other case is counted as skipped, never passed,
//! until its crate exists.

mod asym;
mod guid;
mod kdf_ops;
mod passcrypt;

use kdf_ops::run_kdf_ops;

use crate::fields::{R, at, hex, hex_items, same, uint};
use crate::{Outcome, Tally};
use aiootp_core::DomainKdf;
use aiootp_core::{Hasher, hash_bytes_with};
use aiootp_core::{PackParams, canonical_pack, encode_key, xi_mix};
use serde_json::Value;
use std::path::Path;

/// The arrays of test objects, each element one case (README "Recognising files").
const CASE_ARRAYS: &[&str] = &[
    "hash_bytes",
    "domain_kdf",
    "passcrypt_new",
    "passcrypt_new_large",
    "passcrypt_upstream_vectors",
    "passcrypt_hash_passphrase",
    "passcrypt_verify",
    "passcrypt_errors",
    "mnemonic",
    "keyed_choices",
    "guid",
    "sequence_id",
    "guid_errors",
    "misc_errors",
    "encodings.encode_key",
    "encodings.canonical_pack",
    "encodings.xi_mix",
    "encodings.encode_constant",
    "x25519.keys",
    "x25519.exchanges",
    "x25519.errors",
    "ed25519.keys",
    "ed25519.errors",
    "constants.domains",
];

/// The standalone test objects, one case each.
const STANDALONE: &[&str] = &[
    "x25519.rfc7748_6_1",
    "ed25519.rfc8032_test1",
    "dh2",
    "dh3",
    "randomness_shapes",
];

/// Runs every case of one keygens vector file.
pub fn run(path: &Path, json: &Value, large: bool, tally: &mut Tally) {
    let name = &path.display().to_string();
    let seq_indexes: Option<guid::SequenceIndexes> = std::fs::read(path)
        .ok()
        .and_then(|t| serde_json::from_slice(&t).ok());
    let word_list = at(json, "constants.word_list.words")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Err(e) = guid::check_primes(json) {
        tally.record(&format!("{name}#constants.prime_groups_by_bits"), Err(e));
    }
    let ed_keys = at(json, "ed25519.keys")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for &array in CASE_ARRAYS {
        let Some(cases) = at(json, array).and_then(Value::as_array) else {
            continue;
        };
        for (i, case) in cases.iter().enumerate() {
            let id = format!("{name}#{array}[{i}]");
            let outcome = match array {
                "passcrypt_new_large" if !large => {
                    Outcome::Skipped("slow: run with --large".into())
                }
                "mnemonic" => result(passcrypt::mnemonic_case(case, &word_list)),
                "sequence_id" => result(guid::sequence_id_case(
                    case,
                    seq_indexes.as_ref().and_then(|s| s.of(i)),
                )),
                "ed25519.errors" => result(asym::ed25519_error(case, &ed_keys)),
                _ => check(array, case),
            };
            tally.record(&id, outcome);
        }
    }
    for &object in STANDALONE {
        if let Some(case) = at(json, object) {
            let outcome = result(match object {
                "x25519.rfc7748_6_1" => asym::rfc7748(case),
                "ed25519.rfc8032_test1" => asym::rfc8032(case),
                "dh2" => asym::dh2_case(case),
                "dh3" => asym::dh3_case(case),
                "randomness_shapes" => asym::randomness_shapes(case),
                other => Err(format!("skip: {other}")),
            });
            tally.record(&format!("{name}#{object}"), outcome);
        }
    }
}

fn result(r: R) -> Outcome {
    match r {
        Ok(()) => Outcome::Passed,
        Err(e) if e.starts_with("skip:") => Outcome::Skipped(e),
        Err(e) => Outcome::Failed(e),
    }
}

fn check(array: &str, case: &Value) -> Outcome {
    let result = match array {
        "passcrypt_new" | "passcrypt_new_large" => passcrypt::new_case(case),
        "passcrypt_upstream_vectors" => passcrypt::upstream_case(case),
        "passcrypt_hash_passphrase" => passcrypt::hash_passphrase_case(case),
        "passcrypt_verify" => passcrypt::verify_case(case),
        "passcrypt_errors" => passcrypt::errors_case(case),
        "guid" => guid::guid_case(case),
        "guid_errors" => guid::guid_error_case(case),
        "misc_errors" => guid::misc_error_case(case),
        "x25519.keys" => asym::x25519_key(case),
        "x25519.exchanges" => asym::x25519_exchange(case),
        "x25519.errors" => asym::x25519_error(case),
        "ed25519.keys" => asym::ed25519_key(case),
        "encodings.encode_key" => encode_key_case(case),
        "encodings.canonical_pack" => canonical_pack_case(case),
        "encodings.xi_mix" => xi_mix_case(case),
        "encodings.encode_constant" => encode_constant_case(case),
        "constants.domains" => domain_case(case),
        "hash_bytes" => hash_bytes_case(case),
        "domain_kdf" => domain_kdf_case(case),
        "keyed_choices" => keyed_choices_case(case),
        _ => return Outcome::Skipped("not built yet".into()),
    };
    self::result(result)
}

fn encode_key_case(c: &Value) -> R {
    let pad = hex(c, "pad")?;
    let out = encode_key(
        &hex(c, "key")?,
        uint(c, "blocksize")?,
        *pad.first().ok_or("empty pad")?,
    )
    .map_err(|e| e.to_string())?;
    same("value", &out, &hex(c, "out")?)
}

fn canonical_pack_case(c: &Value) -> R {
    let items = hex_items(c, "items")?;
    let pad = hex(c, "pad")?;
    let int_bytes = c
        .get("int_bytes")
        .and_then(Value::as_u64)
        .map_or(Ok(8), usize::try_from)
        .map_err(|e| e.to_string())?;
    let p = PackParams {
        blocksize: uint(c, "blocksize")?,
        pad: &pad,
        int_bytes,
    };
    same(
        "value",
        &canonical_pack(items.iter().map(Vec::as_slice), p),
        &hex(c, "out")?,
    )
}

fn xi_mix_case(c: &Value) -> R {
    same(
        "value",
        &xi_mix(&hex(c, "data")?, uint(c, "size")?),
        &hex(c, "out")?,
    )
}

fn encode_constant_case(c: &Value) -> R {
    let out =
        aiootp_core::encode_constant_in(&hex(c, "domain")?, &hex(c, "constant")?, uint(c, "size")?);
    same("value", &out, &hex(c, "out")?)
}

fn domain_case(c: &Value) -> R {
    let name = c
        .get("name")
        .and_then(Value::as_str)
        .ok_or("missing `name`")?;
    let source = c
        .get("source")
        .and_then(Value::as_str)
        .ok_or("missing `source`")?;
    let want = hex(c, "hex")?;
    let (_, table_source, value) = aiootp_core::Domains::ALL
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| format!("Domains has no {name}"))?;
    if *table_source != source {
        return Err(format!("{name}: source {table_source:?}, want {source:?}"));
    }
    same("value", value, &want)?;
    same(
        "value",
        &aiootp_core::encode_constant(source.as_bytes(), 8),
        &want,
    )
}

fn hash_bytes_case(c: &Value) -> R {
    let hasher = match c.get("hasher").and_then(Value::as_str) {
        Some("sha3_256") => Hasher::Sha3_256,
        Some("sha3_512") => Hasher::Sha3_512,
        Some("shake_128") => Hasher::Shake128,
        Some("shake_256") => Hasher::Shake256,
        other => return Err(format!("unknown hasher {other:?}")),
    };
    let items = hex_items(c, "collection")?;
    let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
    let pad = hex(c, "pad")?;
    let out = hash_bytes_with(
        hasher,
        uint(c, "size")?,
        &hex(c, "key")?,
        *pad.first().ok_or("empty pad")?,
        &refs,
    )
    .map_err(|e| e.to_string())?;
    same("value", &out, &hex(c, "out")?)
}

fn domain_kdf_case(c: &Value) -> R {
    let payload = hex_items(c, "payload")?;
    let refs: Vec<&[u8]> = payload.iter().map(Vec::as_slice).collect();
    let mut kdf =
        DomainKdf::new(&hex(c, "domain")?, &refs, &hex(c, "key")?).map_err(|e| e.to_string())?;
    same(
        "value",
        kdf.internal_key(),
        &hex(c, "internal_key_after_init")?,
    )
    .map_err(|e| format!("key after init: {e}"))?;
    let ops = c
        .get("ops")
        .and_then(Value::as_array)
        .ok_or("missing `ops`")?;
    run_kdf_ops(&mut kdf, ops)?;
    same("value", kdf.internal_key(), &hex(c, "internal_key_at_end")?)
        .map_err(|e| format!("key at end: {e}"))
}

fn keyed_choices_case(c: &Value) -> R {
    let got = aiootp_core::keyed_choices(
        uint(c, "choices_len")?,
        uint(c, "selection_size")?,
        &hex(c, "domain")?,
        &hex(c, "key")?,
    )
    .map_err(|e| e.to_string())?;
    let want: Vec<usize> = c
        .get("indexes")
        .and_then(Value::as_array)
        .ok_or("missing `indexes`")?
        .iter()
        .map(|v| {
            v.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or("bad index")
        })
        .collect::<Result<_, _>>()?;
    if got == want {
        Ok(())
    } else {
        Err(format!("got {got:?}, want {want:?}"))
    }
}

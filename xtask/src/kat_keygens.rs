//! Keygens vector files (`"schema": "aiootp-0.22.0/keygens-kat/v1"`).
//!
//! Runs what the built crates cover (the shared encodings, `Domains`,
//! `hash_bytes`); every other case is counted as skipped, never passed,
//! until its crate exists.

use crate::kat::KatTally;
use aiootp_chunky2048::kat::Outcome;
use aiootp_core::DomainKdf;
use aiootp_core::encoding::{PackParams, canonical_pack, encode_key, xi_mix};
use aiootp_core::hash::{Hasher, hash_bytes_with};
use serde_json::Value;

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

fn at<'a>(json: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(json, |v, k| v.get(k))
}

pub fn run(name: &str, json: &Value, large: bool, tally: &mut KatTally) {
    let seq_indexes: Option<crate::kat_guid::SequenceIndexes> = std::fs::read(name)
        .ok()
        .and_then(|t| serde_json::from_slice(&t).ok());
    let word_list = at(json, "constants.word_list.words")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Err(e) = crate::kat_guid::check_primes(json) {
        tally.failed += 1;
        tally
            .failures
            .push(format!("{name}#constants.prime_groups_by_bits: {e}"));
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
                "mnemonic" => result(crate::kat_passcrypt::mnemonic_case(case, &word_list)),
                "sequence_id" => result(crate::kat_guid::sequence_id_case(
                    case,
                    seq_indexes.as_ref().and_then(|s| s.of(i)),
                )),
                "ed25519.errors" => result(crate::kat_asym::ed25519_error(case, &ed_keys)),
                _ => check(array, case),
            };
            tally_case(tally, &id, outcome);
        }
    }
    for &object in STANDALONE {
        if let Some(case) = at(json, object) {
            let outcome = result(match object {
                "x25519.rfc7748_6_1" => crate::kat_asym::rfc7748(case),
                "ed25519.rfc8032_test1" => crate::kat_asym::rfc8032(case),
                "dh2" => crate::kat_asym::dh2_case(case),
                "dh3" => crate::kat_asym::dh3_case(case),
                "randomness_shapes" => crate::kat_asym::randomness_shapes(case),
                other => Err(format!("skip: {other}")),
            });
            tally_case(tally, &format!("{name}#{object}"), outcome);
        }
    }
}

fn tally_case(tally: &mut KatTally, id: &str, outcome: Outcome) {
    match outcome {
        Outcome::Passed => tally.passed += 1,
        Outcome::Failed(why) => {
            tally.failed += 1;
            tally.failures.push(format!("{id}: {why}"));
        }
        Outcome::Skipped(_) => tally.skipped += 1,
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
        "passcrypt_new" | "passcrypt_new_large" => crate::kat_passcrypt::new_case(case),
        "passcrypt_upstream_vectors" => crate::kat_passcrypt::upstream_case(case),
        "passcrypt_hash_passphrase" => crate::kat_passcrypt::hash_passphrase_case(case),
        "passcrypt_verify" => crate::kat_passcrypt::verify_case(case),
        "passcrypt_errors" => crate::kat_passcrypt::errors_case(case),
        "guid" => crate::kat_guid::guid_case(case),
        "guid_errors" => crate::kat_guid::guid_error_case(case),
        "misc_errors" => crate::kat_guid::misc_error_case(case),
        "x25519.keys" => crate::kat_asym::x25519_key(case),
        "x25519.exchanges" => crate::kat_asym::x25519_exchange(case),
        "x25519.errors" => crate::kat_asym::x25519_error(case),
        "ed25519.keys" => crate::kat_asym::ed25519_key(case),
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

pub type R = Result<(), String>;

pub fn hex(case: &Value, name: &str) -> Result<Vec<u8>, String> {
    let s = case
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing `{name}`"))?;
    hex::decode(s).map_err(|e| format!("`{name}`: {e}"))
}

pub fn int(case: &Value, name: &str) -> Result<usize, String> {
    case.get(name)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("missing integer `{name}`"))
}

pub fn hex_items(case: &Value, name: &str) -> Result<Vec<Vec<u8>>, String> {
    case.get(name)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("missing `{name}`"))?
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| hex::decode(s).ok())
                .ok_or_else(|| format!("bad `{name}` item"))
        })
        .collect()
}

pub fn same(got: &[u8], want: &[u8]) -> R {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "got {}, want {}",
            hex::encode(got),
            hex::encode(want)
        ))
    }
}

fn encode_key_case(c: &Value) -> R {
    let pad = hex(c, "pad")?;
    let out = encode_key(
        &hex(c, "key")?,
        int(c, "blocksize")?,
        *pad.first().ok_or("empty pad")?,
    )
    .map_err(|e| e.to_string())?;
    same(&out, &hex(c, "out")?)
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
        blocksize: int(c, "blocksize")?,
        pad: &pad,
        int_bytes,
    };
    same(
        &canonical_pack(items.iter().map(Vec::as_slice), p),
        &hex(c, "out")?,
    )
}

fn xi_mix_case(c: &Value) -> R {
    same(&xi_mix(&hex(c, "data")?, int(c, "size")?), &hex(c, "out")?)
}

fn encode_constant_case(c: &Value) -> R {
    let out = aiootp_core::domains::encode_constant_in(
        &hex(c, "domain")?,
        &hex(c, "constant")?,
        int(c, "size")?,
    );
    same(&out, &hex(c, "out")?)
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
    same(value, &want)?;
    same(&aiootp_core::encode_constant(source.as_bytes(), 8), &want)
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
        int(c, "size")?,
        &hex(c, "key")?,
        *pad.first().ok_or("empty pad")?,
        &refs,
    )
    .map_err(|e| e.to_string())?;
    same(&out, &hex(c, "out")?)
}

/// Applies a `domain_kdf`-format op list to `kdf`, checking every output.
pub fn run_kdf_ops(kdf: &mut DomainKdf, ops: &[Value]) -> R {
    for (i, op) in ops.iter().enumerate() {
        let name = op
            .get("op")
            .and_then(Value::as_str)
            .ok_or("op without name")?;
        let got = match name {
            "update" => {
                let items = hex_items(op, "payload")?;
                let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
                kdf.update(&refs).map_err(|e| e.to_string())?;
                continue;
            }
            "update_key" => {
                kdf.update_key(&hex(op, "entropy")?)
                    .map_err(|e| e.to_string())?;
                continue;
            }
            "sha3_256" => kdf.sha3_256(&hex(op, "context")?).to_vec(),
            "sha3_512" => kdf.sha3_512(&hex(op, "context")?).to_vec(),
            "shake_128" => kdf
                .shake_128(int(op, "size")?, &hex(op, "context")?)
                .map_err(|e| e.to_string())?,
            "shake_256" => kdf
                .shake_256(int(op, "size")?, &hex(op, "context")?)
                .map_err(|e| e.to_string())?,
            other => return Err(format!("unknown op {other}")),
        };
        same(&got, &hex(op, "out")?).map_err(|e| format!("op {i} ({name}): {e}"))?;
    }
    Ok(())
}

fn domain_kdf_case(c: &Value) -> R {
    let payload = hex_items(c, "payload")?;
    let refs: Vec<&[u8]> = payload.iter().map(Vec::as_slice).collect();
    let mut kdf =
        DomainKdf::new(&hex(c, "domain")?, &refs, &hex(c, "key")?).map_err(|e| e.to_string())?;
    same(kdf.internal_key(), &hex(c, "internal_key_after_init")?)
        .map_err(|e| format!("key after init: {e}"))?;
    let ops = c
        .get("ops")
        .and_then(Value::as_array)
        .ok_or("missing `ops`")?;
    run_kdf_ops(&mut kdf, ops)?;
    same(kdf.internal_key(), &hex(c, "internal_key_at_end")?)
        .map_err(|e| format!("key at end: {e}"))
}

fn keyed_choices_case(c: &Value) -> R {
    let got = aiootp_core::keyed_choices(
        int(c, "choices_len")?,
        int(c, "selection_size")?,
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

//! Keygens vector cases for GUID, SequenceID and the prime table.

use crate::fields::{R, hex, same, uint};
use aiootp_core::{Error, Guid, SequenceId};
use serde_json::Value;

fn big_hex(c: &Value, name: &str) -> Result<String, String> {
    let s = c
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing `{name}`"))?;
    Ok(s.trim_start_matches("0x")
        .trim_start_matches('0')
        .to_owned())
}

fn show(n: &num_bigint::BigUint) -> String {
    let s = n.to_str_radix(16);
    if s == "0" { String::new() } else { s }
}

pub fn guid_case(c: &Value) -> R {
    let node = c
        .get("node_number")
        .and_then(Value::as_u64)
        .ok_or("missing node_number")?;
    let g = Guid::new(&hex(c, "salt")?, uint(c, "size")?, node).map_err(|e| e.to_string())?;
    let salt = g.encoded_salt();
    for (name, value) in [
        ("isalt", &salt.isalt),
        ("osalt", &salt.osalt),
        ("xsalt", &salt.xsalt),
    ] {
        if show(value) != big_hex(c, name)? {
            return Err(format!("{name} differs"));
        }
    }
    for call in c
        .get("calls")
        .and_then(Value::as_array)
        .ok_or("missing calls")?
    {
        let n = call
            .get("call")
            .and_then(Value::as_u64)
            .ok_or("missing call")?;
        let counter = u8::try_from(n % 256).map_err(|e| e.to_string())?;
        let raw = hex(call, "raw_guid")?;
        if aiootp_core::internal::guid_inner_hex(&g, &raw, counter) != big_hex(call, "inner")? {
            return Err(format!("call {n}: inner differs"));
        }
        let out = g.from_raw(&raw, counter);
        same("value", &out, &hex(call, "out")?).map_err(|e| format!("call {n}: {e}"))?;
        let b64 = call
            .get("out_urlsafe_b64")
            .and_then(Value::as_str)
            .unwrap_or("");
        if aiootp_core::bytes_to_urlsafe(&out) != b64 {
            return Err(format!("call {n}: base64 differs"));
        }
        let u = g.unmask(&out).map_err(|e| e.to_string())?;
        let want = call.get("unmasked").ok_or("missing unmasked")?;
        same("value", &u.node_number, &hex(want, "node_number")?)?;
        same("value", &u.timestamp, &hex(want, "timestamp")?)?;
        same("value", &u.entropy, &hex(want, "entropy")?)?;
        same("value", &u.counter, &hex(want, "counter")?)?;
    }
    Ok(())
}

/// `sequence_id[].outputs[].index` reaches 2**70, beyond `u64`: read the
/// indexes as `u128` from the file text (a `Value` would hold an `f64`).
#[derive(serde::Deserialize)]
pub struct SequenceIndexes {
    sequence_id: Vec<SequenceCase>,
}

#[derive(serde::Deserialize)]
struct SequenceCase {
    outputs: Vec<SequenceOutput>,
}

#[derive(serde::Deserialize)]
struct SequenceOutput {
    index: u128,
}

impl SequenceIndexes {
    /// The indexes of case `i`.
    pub fn of(&self, i: usize) -> Option<Vec<u128>> {
        self.sequence_id
            .get(i)
            .map(|c| c.outputs.iter().map(|o| o.index).collect())
    }
}

pub fn sequence_id_case(c: &Value, indexes: Option<Vec<u128>>) -> R {
    let indexes = indexes.ok_or("the sequence_id indexes could not be read as u128")?;
    let s = SequenceId::new(&hex(c, "salt")?, uint(c, "size")?).map_err(|e| e.to_string())?;
    let outputs = c
        .get("outputs")
        .and_then(Value::as_array)
        .ok_or("missing outputs")?;
    if outputs.len() != indexes.len() {
        return Err("index count differs".into());
    }
    for (o, index) in outputs.iter().zip(indexes) {
        same("value", &s.id(index), &hex(o, "out")?).map_err(|e| format!("index {index}: {e}"))?;
    }
    Ok(())
}

pub fn guid_error_case(c: &Value) -> R {
    let args = c.get("args").ok_or("missing args")?;
    if args.get("salt_str").is_some()
        || args
            .get("node_number")
            .and_then(Value::as_i64)
            .is_some_and(|n| n < 0)
    {
        return Err("skip: a str salt or negative node number cannot be passed in Rust".into());
    }
    let size = args
        .get("size")
        .and_then(Value::as_u64)
        .map_or(Ok(16), usize::try_from)
        .map_err(|e| e.to_string())?;
    let salt_len = args
        .get("salt_len")
        .and_then(Value::as_u64)
        .map_or(Ok(32), usize::try_from)
        .map_err(|e| e.to_string())?;
    let node = args.get("node_number").and_then(Value::as_u64).unwrap_or(0);
    let message = c
        .pointer("/result/message")
        .and_then(Value::as_str)
        .unwrap_or("");
    let err = match Guid::new(&vec![0u8; salt_len], size, node) {
        Ok(_) => return Err("accepted; the reference refused".into()),
        Err(e) => e,
    };
    let ok = match &err {
        Error::InvalidSize { what, min, .. } if what.starts_with("GUID size (") => {
            message.contains(&format!("at least {min}"))
        }
        Error::InvalidSize {
            what: "GUID size", ..
        } => message.contains(">= 12 and <= 32"),
        Error::InvalidSize {
            what: "salt", min, ..
        } => message.contains(&format!("len(salt) value must be >= {min}")),
        Error::NodeNumberTooLarge { .. } => message.contains("too big"),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("got `{err}`, want {message}"))
    }
}

/// The embedded prime table against `constants.prime_groups_by_bits`.
pub fn check_primes(json: &Value) -> R {
    let groups = json
        .pointer("/constants/prime_groups_by_bits")
        .ok_or("missing prime groups")?;
    for (bits, g, p, o) in aiootp_core::internal::PRIME_GROUPS {
        let want = groups
            .get(bits.to_string())
            .ok_or_else(|| format!("no group {bits}"))?;
        let same_hex = |name: &str, ours: &str| {
            want.get(name)
                .and_then(Value::as_str)
                .map(|s| s.trim_start_matches("0x"))
                == Some(ours)
        };
        if want.get("g").and_then(Value::as_u64) != Some(u64::from(g))
            || !same_hex("p", p)
            || !same_hex("o", o)
        {
            return Err(format!("prime group {bits} differs"));
        }
    }
    Ok(())
}

/// `misc_errors[]`: each case names a call; the ones Rust's types cannot
/// express (a `str` argument, a negative index, settings for a random
/// mnemonic, which the Rust function does not take) are skipped.
pub fn misc_error_case(c: &Value) -> R {
    use aiootp_core::{Hasher, hash_bytes_with};
    let call = c.get("call").and_then(Value::as_str).unwrap_or("");
    let got: Result<(), Error> = match call {
        "DomainKDF.update()" => {
            aiootp_core::DomainKdf::new(b"d", &[], b"k").and_then(|mut k| k.update(&[]).map(drop))
        }
        "hash_bytes(sha3_512, size=32)" => {
            hash_bytes_with(Hasher::Sha3_512, 32, b"", 0, &[b"x"]).map(drop)
        }
        "hash_bytes(shake_128, size=0)" => {
            hash_bytes_with(Hasher::Shake128, 0, b"", 0, &[b"x"]).map(drop)
        }
        "encode_key(b'')" => aiootp_core::encode_key(b"", 168, 0).map(drop),
        "generate_salt(7)" => aiootp_core::generate_salt(7).map(drop),
        "generate_salt(65)" => aiootp_core::generate_salt(65).map(drop),
        "generate_key(63)" => aiootp_core::generate_key(63).map(drop),
        "SequenceID(size=3)" => SequenceId::new(&[0; 32], 3).map(drop),
        other => {
            return Err(format!(
                "skip: `{other}` cannot be written against the Rust API"
            ));
        }
    };
    let want_class = c
        .pointer("/result/error")
        .and_then(Value::as_str)
        .unwrap_or("");
    match got {
        Ok(()) => Err(format!(
            "{call}: accepted; the reference raised {want_class}"
        )),
        Err(e) => {
            let ok = matches!(
                (want_class, &e),
                (
                    "ValueError",
                    Error::EmptyUpdate | Error::EmptyKey | Error::InvalidSize { .. }
                ) | ("TypeError", Error::InvalidHashSize { .. })
            );
            if ok {
                Ok(())
            } else {
                Err(format!("{call}: got `{e}`, want {want_class}"))
            }
        }
    }
}

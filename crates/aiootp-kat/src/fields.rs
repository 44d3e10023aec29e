//! The one set of helpers every driver reads vector fields with. Every
//! error is text naming the field, so a failed case says what differed.

use aiootp_core::{bytes_to_hex, hex_to_bytes};
use serde_json::Value;
use std::collections::BTreeSet;

/// The result of one check: `Err` says what failed.
pub type R<T = ()> = Result<T, String>;

/// `case[name]`.
///
/// # Errors
/// When the field is missing.
pub fn field<'a>(case: &'a Value, name: &str) -> R<&'a Value> {
    case.get(name)
        .ok_or_else(|| format!("missing field `{name}`"))
}

/// A dotted path into nested objects (`"constants.word_list.words"`).
#[must_use]
pub fn at<'a>(json: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(json, |v, k| v.get(k))
}

/// `case[name]` as a string.
///
/// # Errors
/// When the field is missing or not a string.
pub fn text<'a>(case: &'a Value, name: &str) -> R<&'a str> {
    field(case, name)?
        .as_str()
        .ok_or_else(|| format!("`{name}` is not a string"))
}

/// A hex string as bytes.
///
/// # Errors
/// When `v` is not a hex string.
pub fn hex_value(v: &Value, name: &str) -> R<Vec<u8>> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("`{name}` is not a string"))?;
    hex_to_bytes(s).ok_or_else(|| format!("`{name}` is not hex"))
}

/// `case[name]`, a hex string, as bytes.
///
/// # Errors
/// When the field is missing or not hex.
pub fn hex(case: &Value, name: &str) -> R<Vec<u8>> {
    hex_value(field(case, name)?, name)
}

/// `case[name]`, a hex string of exactly `N` bytes.
///
/// # Errors
/// When the field is missing, not hex, or of another length.
pub fn fixed<const N: usize>(case: &Value, name: &str) -> R<[u8; N]> {
    let v = hex(case, name)?;
    <[u8; N]>::try_from(v.as_slice()).map_err(|_| format!("`{name}` is {} bytes, not {N}", v.len()))
}

/// `case[name]` as a signed integer.
///
/// # Errors
/// When the field is missing or not an integer.
pub fn int(case: &Value, name: &str) -> R<i64> {
    field(case, name)?
        .as_i64()
        .ok_or_else(|| format!("`{name}` is not an integer"))
}

/// `case[name]` as a non-negative integer.
///
/// # Errors
/// When the field is missing, negative or not an integer.
pub fn uint(case: &Value, name: &str) -> R<usize> {
    field(case, name)?
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("`{name}` is not a non-negative integer"))
}

/// `case[name]`, an array of hex strings.
///
/// # Errors
/// When the field is missing, not an array, or holds a non-hex item.
pub fn hex_items(case: &Value, name: &str) -> R<Vec<Vec<u8>>> {
    field(case, name)?
        .as_array()
        .ok_or_else(|| format!("`{name}` is not an array"))?
        .iter()
        .map(|v| hex_value(v, name))
        .collect()
}

/// `case[name]`, an array of strings, as a set (empty when missing).
#[must_use]
pub fn strs(case: &Value, name: &str) -> BTreeSet<String> {
    case.get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `got == want`, or an error showing the start of both.
///
/// # Errors
/// When they differ.
pub fn same(what: &str, got: &[u8], want: &[u8]) -> R {
    if got == want {
        return Ok(());
    }
    let show = |b: &[u8]| bytes_to_hex(&b[..b.len().min(24)]);
    Err(format!(
        "{what} differs: got {} bytes {}…, want {} bytes {}…",
        got.len(),
        show(got),
        want.len(),
        show(want)
    ))
}

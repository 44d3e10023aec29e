//! The per-item operations, shared by the `Iterator` and `Stream` traits.

use crate::error::{Error, Result};
use num_bigint::BigUint;

/// The reference's default base table (`Tables.ASCII_95`): printable ASCII.
pub const ASCII_95: &str = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

pub(crate) fn sha3_256(x: &[u8]) -> [u8; 32] {
    aiootp_core::sha3_256(x)
}

pub(crate) fn sha3_512(x: &[u8]) -> [u8; 64] {
    aiootp_core::sha3_512(x)
}

pub(crate) fn hmac_256(key: &[u8], x: &[u8]) -> [u8; 32] {
    aiootp_core::hmac_sha3_256(key, &[x])
}

pub(crate) fn hmac_512(key: &[u8], x: &[u8]) -> [u8; 64] {
    aiootp_core::hmac_sha3_512(key, &[x])
}

pub(crate) fn to_base64(x: &[u8]) -> String {
    aiootp_core::bytes_to_base64(x)
}

pub(crate) fn from_base64(x: &[u8]) -> Result<Vec<u8>> {
    aiootp_core::base64_to_bytes(x).map_err(|e| Error::Base64(e.to_string()))
}

pub(crate) fn to_hex(x: &[u8]) -> String {
    aiootp_core::bytes_to_hex(x)
}

pub(crate) fn from_hex(x: &[u8]) -> Result<Vec<u8>> {
    std::str::from_utf8(x)
        .ok()
        .and_then(aiootp_core::hex_to_bytes)
        .ok_or(Error::Hex)
}

/// `int_as_base`: the big-endian unsigned integer `x` in base `table.len()`,
/// most significant digit first; zero is `table[0]`.
pub(crate) fn to_base(x: &[u8], table: &str) -> String {
    let digits: Vec<char> = table.chars().collect();
    let base = BigUint::from(digits.len());
    let mut n = BigUint::from_bytes_be(x);
    if n == BigUint::ZERO {
        return digits.first().map(ToString::to_string).unwrap_or_default();
    }
    let mut out = Vec::new();
    while n > BigUint::ZERO {
        let d = &n % &base;
        out.push(digits[usize::try_from(d.iter_u64_digits().next().unwrap_or(0)).unwrap_or(0)]);
        n /= &base;
    }
    out.iter().rev().collect()
}

/// `base_as_int`: the inverse of [`to_base`], as minimal big-endian bytes.
pub(crate) fn from_base(s: &str, table: &str) -> Result<Vec<u8>> {
    let digits: Vec<char> = table.chars().collect();
    let base = BigUint::from(digits.len());
    let mut n = BigUint::ZERO;
    for c in s.chars() {
        let d = digits
            .iter()
            .position(|&t| t == c)
            .ok_or(Error::BaseDigit { character: c })?;
        n = n * &base + BigUint::from(d);
    }
    Ok(if n == BigUint::ZERO {
        vec![0]
    } else {
        n.to_bytes_be()
    })
}

//! Text codecs: URL-safe base64 (tokens) with Python's lenient decoding, and
//! base38 (database filenames).

use crate::error::{Error, Result};
use base64::Engine;

/// `BytesIO.bytes_to_urlsafe`: URL-safe base64 with every `=` removed.
#[must_use]
pub fn bytes_to_urlsafe(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// Standard (`+/`, padded) base64, as `base64.standard_b64encode`.
#[must_use]
pub fn bytes_to_base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Strict standard base64 (`+/`, padded), as `base64.standard_b64decode`
/// with `validate=True`.
///
/// # Errors
/// [`Error::InvalidBase64`] for anything but canonical padded base64.
pub fn base64_to_bytes(text: &[u8]) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| Error::InvalidBase64 {
            reason: e.to_string(),
        })
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        // The URL-safe translation maps `-`/`_` onto `+`/`/`; both spellings decode.
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// `BytesIO.urlsafe_to_bytes`: right-pads with `=` to a multiple of 4, then
/// decodes exactly as CPython's non-strict `binascii.a2b_base64`: bytes
/// outside the alphabet are skipped, `+/` and `-_` both accepted, decoding
/// stops at a complete pad sequence, and leftover bits are ignored.
///
/// Tokens made by the reference are read identically, including ones a
/// strict decoder would refuse.
///
/// # Errors
/// [`Error::InvalidBase64`] where Python raises `binascii.Error`.
pub fn urlsafe_to_bytes(text: &[u8]) -> Result<Vec<u8>> {
    let padded_len = text.len().div_ceil(4) * 4;
    let padding = core::iter::repeat_n(&b'=', padded_len - text.len());
    let mut out = Vec::with_capacity(padded_len / 4 * 3);
    let (mut quad_pos, mut left, mut pads) = (0u8, 0u8, 0usize);
    for &c in text.iter().chain(padding) {
        if c == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if usize::from(quad_pos) + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let Some(v) = sextet(c) else { continue };
        pads = 0;
        match quad_pos {
            0 => {
                left = v;
                quad_pos = 1;
            }
            1 => {
                out.push((left << 2) | (v >> 4));
                left = v & 0x0f;
                quad_pos = 2;
            }
            2 => {
                out.push((left << 4) | (v >> 2));
                left = v & 0x03;
                quad_pos = 3;
            }
            _ => {
                out.push((left << 6) | v);
                quad_pos = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(out),
        1 => Err(Error::InvalidBase64 {
            reason: format!(
                "Invalid base64-encoded string: number of data characters ({}) cannot be 1 more than a multiple of 4",
                out.len() / 3 * 4 + 1
            ),
        }),
        _ => Err(Error::InvalidBase64 {
            reason: "Incorrect padding".into(),
        }),
    }
}

/// Lowercase hex (`bytes.hex()`).
#[must_use]
pub fn bytes_to_hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex of either case to bytes (`bytes.fromhex` without its whitespace
/// tolerance); `None` for an odd length or a non-hex character.
#[must_use]
pub fn hex_to_bytes(text: &str) -> Option<Vec<u8>> {
    // `u8::from_str_radix` alone would accept a sign ("+f"): check the digits first.
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// The 38 filename digits, index 0 first.
pub const BASE38_TABLE: &[u8; 38] = b"-0123456789_abcdefghijklmnopqrstuvwxyz";

/// `BytesIO.bytes_to_filename`: the bytes as one big-endian integer written
/// in base 38, most significant digit first, no leading zero digits
/// (`-` for zero).
#[must_use]
pub fn bytes_to_filename(data: &[u8]) -> String {
    // Repeated long division of the big-endian number by 38.
    let mut num: Vec<u8> = data.iter().copied().skip_while(|&b| b == 0).collect();
    if num.is_empty() {
        return "-".into();
    }
    let mut digits = Vec::with_capacity(num.len() * 8 / 5 + 1);
    while !num.is_empty() {
        let mut rem = 0u32;
        for b in &mut num {
            let cur = (rem << 8) | u32::from(*b);
            *b = u8::try_from(cur / 38).unwrap_or(u8::MAX);
            rem = cur % 38;
        }
        digits.push(BASE38_TABLE[rem as usize]);
        let lead = num.iter().take_while(|&&b| b == 0).count();
        num.drain(..lead);
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// The inverse of [`bytes_to_filename`], as `size` big-endian bytes
/// (`None` if the number does not fit).
///
/// # Errors
/// [`Error::InvalidBase38`] for a character outside [`BASE38_TABLE`].
pub fn filename_to_bytes(name: &str, size: usize) -> Result<Option<Vec<u8>>> {
    let mut num = vec![0u8; size];
    for ch in name.chars() {
        let digit = u8::try_from(ch)
            .ok()
            .and_then(|c| BASE38_TABLE.iter().position(|&t| t == c))
            .ok_or(Error::InvalidBase38 { character: ch })?;
        let mut carry = u32::try_from(digit).unwrap_or(u32::MAX);
        for b in num.iter_mut().rev() {
            let cur = u32::from(*b) * 38 + carry;
            *b = (cur & 0xff) as u8;
            carry = cur >> 8;
        }
        if carry != 0 {
            return Ok(None);
        }
    }
    Ok(Some(num))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lenient_base64_like_python() {
        // Expected values printed by the reference's BytesIO.urlsafe_to_bytes.
        assert_eq!(urlsafe_to_bytes(b"aGk").unwrap(), b"hi");
        assert_eq!(urlsafe_to_bytes(b"a G!k").unwrap(), b"hi");
        assert_eq!(urlsafe_to_bytes(b"-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(urlsafe_to_bytes(b"+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(urlsafe_to_bytes(b"").unwrap(), b"");
        assert_eq!(urlsafe_to_bytes(b"aGk=aGk=").unwrap(), b"hi");
        let err = |t: &[u8]| urlsafe_to_bytes(t).unwrap_err().to_string();
        assert_eq!(err(b"ab=c"), "invalid base64 text: Incorrect padding");
        assert!(
            err(b"a")
                .ends_with("number of data characters (1) cannot be 1 more than a multiple of 4")
        );
        assert!(
            err(b"abcde")
                .ends_with("number of data characters (5) cannot be 1 more than a multiple of 4")
        );
    }

    #[test]
    fn hex_is_strict() {
        assert_eq!(bytes_to_hex(&[0x0a, 0xff]), "0aff");
        assert_eq!(hex_to_bytes("0aFf"), Some(vec![0x0a, 0xff]));
        // Found by the codecs fuzz target: a sign is not a hex digit.
        assert_eq!(hex_to_bytes("+F"), None);
        assert_eq!(hex_to_bytes("abc"), None);
        assert_eq!(hex_to_bytes(""), Some(vec![]));
    }

    #[test]
    fn base38_known_values() {
        assert_eq!(bytes_to_filename(&[0, 0]), "-");
        assert_eq!(bytes_to_filename(&[37]), "z");
        assert_eq!(bytes_to_filename(&[38]), "0-");
        assert_eq!(bytes_to_filename(&[1, 0]), "5q");
        // Printed by the reference's BytesIO.bytes_to_filename.
        assert_eq!(
            bytes_to_filename(&[0xff; 24]),
            "7e441wf4cxslv6pg_h6u21i-pwj2etu-h-6nr"
        );
    }

    proptest! {
        #[test]
        fn urlsafe_round_trips(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(urlsafe_to_bytes(bytes_to_urlsafe(&data).as_bytes()).unwrap(), data);
        }

        #[test]
        fn urlsafe_never_panics(text in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = urlsafe_to_bytes(&text);
        }

        #[test]
        fn base38_round_trips(data in proptest::collection::vec(any::<u8>(), 1..40)) {
            let name = bytes_to_filename(&data);
            prop_assert!(name == "-" || !name.starts_with('-'));
            prop_assert_eq!(filename_to_bytes(&name, data.len()).unwrap(), Some(data));
        }
    }
}

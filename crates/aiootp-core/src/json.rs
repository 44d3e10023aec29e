//! `json.dumps` with Python's defaults, byte for byte.
//!
//! The reference encrypts `json.dumps(value).encode()`: separators `", "` and
//! `": "`, `ensure_ascii=True` (lowercase `\uXXXX`, surrogate pairs for
//! astral characters), keys in insertion order, floats by `repr`
//! (`1e-07`, `1e+16`, `1.0`, `-0.0`). serde_json's own output differs, so a
//! ciphertext made from it would not match the reference's.

use core::fmt::Write;
use serde_json::{Number, Value};

/// Serializes `value` the way Python's `json.dumps(value)` would.
///
/// # Errors
/// serde_json's error when serde cannot represent the value as JSON
/// (for example a map with non-string keys).
pub fn to_python_json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let v = serde_json::to_value(value)?;
    Ok(python_dumps(&v))
}

/// `json.dumps(value)` for an already-built [`Value`] (keys in the order
/// the map holds them; serde_json's `preserve_order` keeps insertion order).
#[must_use]
pub fn python_dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, k);
                out.push_str(": ");
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        out.push_str(&python_float_repr(f));
    }
}

/// Python's `repr(float)`: the shortest round-trip digits, in fixed
/// notation when `-4 <= exponent < 16`, otherwise `d.ddde±XX`.
#[must_use]
pub(crate) fn python_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let mut buf = ryu::Buffer::new();
    let shortest = buf.format_finite(f.abs());
    let (mantissa, exp) = match shortest.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (shortest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = format!("{int_part}{frac_part}");
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_start_matches('0').trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    // value = 0.DIGITS × 10^decpt
    let decpt =
        i32::try_from(int_part.len()).unwrap_or(0) - i32::try_from(leading).unwrap_or(0) + exp;
    let nd = i32::try_from(digits.len()).unwrap_or(0);
    let mut s = String::new();
    if f < 0.0 {
        s.push('-');
    }
    if decpt <= -4 || decpt > 16 {
        s.push_str(&digits[..1]);
        if digits.len() > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        let _ = write!(s, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    } else if decpt <= 0 {
        s.push_str("0.");
        s.extend(core::iter::repeat_n(
            '0',
            usize::try_from(-decpt).unwrap_or(0),
        ));
        s.push_str(digits);
    } else if decpt >= nd {
        s.push_str(digits);
        s.extend(core::iter::repeat_n(
            '0',
            usize::try_from(decpt - nd).unwrap_or(0),
        ));
        s.push_str(".0");
    } else {
        let cut = usize::try_from(decpt).unwrap_or(0);
        s.push_str(&digits[..cut]);
        s.push('.');
        s.push_str(&digits[cut..]);
    }
    s
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Whether `text` is JSON as Python's `json.loads` reads it: standard JSON
/// plus the bare tokens `NaN`, `Infinity`, `-Infinity` and lone surrogate
/// escapes in strings. Those are rewritten to neutral stand-ins (`0`,
/// `\u0041`) outside/inside strings, then serde_json validates the rest.
pub fn is_python_json(text: &str) -> bool {
    // Bytes, not chars: only ASCII sequences are replaced, so the output
    // stays valid UTF-8 whatever multi-byte characters surround them.
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let (mut i, mut in_string) = (0, false);
    while i < b.len() {
        let rest = &b[i..];
        if in_string {
            if rest[0] == b'\\' {
                let lone = rest.len() >= 6
                    && rest[1].eq_ignore_ascii_case(&b'u')
                    && rest[2].eq_ignore_ascii_case(&b'd')
                    && matches!(rest[3].to_ascii_lowercase(), b'8'..=b'9' | b'a'..=b'f');
                if lone {
                    out.extend_from_slice(b"\\u0041");
                    i += 6;
                } else {
                    // An escape is two bytes when its second is ASCII; else
                    // copy the backslash and let serde_json reject it.
                    let take = if rest.len() >= 2 && rest[1].is_ascii() {
                        2
                    } else {
                        1
                    };
                    out.extend_from_slice(&rest[..take]);
                    i += take;
                }
                continue;
            }
            in_string = rest[0] != b'"';
        } else if rest[0] == b'"' {
            in_string = true;
        } else if let Some(token) = [&b"-Infinity"[..], b"Infinity", b"NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t))
        {
            out.push(b'0');
            i += token.len();
            continue;
        }
        out.push(rest[0]);
        i += 1;
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(&out).is_ok()
}

/// How deep `python_json_normalize` nests before refusing (Python's own
/// parser stops near its recursion limit of 1000).
pub const MAX_JSON_DEPTH: usize = 512;

/// `json.dumps(json.loads(text))` as Python computes it: what the reference
/// stores when a value is given as JSON text. Integers keep every digit
/// (`-0` is `0`), floats are Python's `repr` (too large: `Infinity`), `NaN`
/// and `±Infinity` are accepted, strings are re-escaped with
/// `ensure_ascii` (lone surrogates kept), a repeated key keeps its first
/// place and its last value, and the separators are `", "` and `": "`.
///
/// # Errors
/// [`JsonError`] (kind [`JsonErrorKind::Syntax`] or `Eof`, with the
/// position) where `json.loads` raises; never the text itself.
pub fn python_json_normalize(text: &str) -> Result<String, JsonError> {
    let mut p = Normalizer {
        s: text.as_bytes(),
        i: 0,
    };
    let mut out = String::with_capacity(text.len() + 16);
    p.ws();
    p.value(&mut out, 0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err(JsonErrorKind::Syntax));
    }
    Ok(out)
}

struct Normalizer<'a> {
    s: &'a [u8],
    i: usize,
}

impl Normalizer<'_> {
    fn err(&self, kind: JsonErrorKind) -> JsonError {
        let before = &self.s[..self.i.min(self.s.len())];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let column = 1 + before.iter().rev().take_while(|&&b| b != b'\n').count();
        JsonError { kind, line, column }
    }

    fn eof_or_syntax(&self) -> JsonError {
        self.err(if self.i >= self.s.len() {
            JsonErrorKind::Eof
        } else {
            JsonErrorKind::Syntax
        })
    }

    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, out: &mut String, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_JSON_DEPTH {
            return Err(self.err(JsonErrorKind::Syntax));
        }
        match self.s.get(self.i) {
            None => Err(self.err(JsonErrorKind::Eof)),
            Some(b'{') => self.object(out, depth),
            Some(b'[') => self.array(out, depth),
            Some(b'"') => {
                let units = self.string()?;
                write_units(out, &units);
                Ok(())
            }
            Some(_) => {
                for (lit, text) in [
                    (&b"null"[..], "null"),
                    (b"true", "true"),
                    (b"false", "false"),
                    (b"NaN", "NaN"),
                    (b"Infinity", "Infinity"),
                    (b"-Infinity", "-Infinity"),
                ] {
                    if self.eat(lit) {
                        out.push_str(text);
                        return Ok(());
                    }
                }
                self.number(out)
            }
        }
    }

    fn object(&mut self, out: &mut String, depth: usize) -> Result<(), JsonError> {
        self.i += 1;
        let mut entries: Vec<(String, String)> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        self.ws();
        if !self.eat(b"}") {
            loop {
                self.ws();
                if self.s.get(self.i) != Some(&b'"') {
                    return Err(self.eof_or_syntax());
                }
                let mut key = String::new();
                write_units(&mut key, &self.string()?);
                self.ws();
                if !self.eat(b":") {
                    return Err(self.eof_or_syntax());
                }
                self.ws();
                let mut value = String::new();
                self.value(&mut value, depth + 1)?;
                match index.get(&key) {
                    Some(&at) => entries[at].1 = value,
                    None => {
                        index.insert(key.clone(), entries.len());
                        entries.push((key, value));
                    }
                }
                self.ws();
                if self.eat(b"}") {
                    break;
                }
                if !self.eat(b",") {
                    return Err(self.eof_or_syntax());
                }
            }
        }
        out.push('{');
        for (n, (k, v)) in entries.iter().enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            out.push_str(k);
            out.push_str(": ");
            out.push_str(v);
        }
        out.push('}');
        Ok(())
    }

    fn array(&mut self, out: &mut String, depth: usize) -> Result<(), JsonError> {
        self.i += 1;
        out.push('[');
        self.ws();
        if self.eat(b"]") {
            out.push(']');
            return Ok(());
        }
        let mut first = true;
        loop {
            self.ws();
            if !first {
                out.push_str(", ");
            }
            first = false;
            self.value(out, depth + 1)?;
            self.ws();
            if self.eat(b"]") {
                out.push(']');
                return Ok(());
            }
            if !self.eat(b",") {
                return Err(self.eof_or_syntax());
            }
        }
    }

    /// A string's code points; lone surrogates are kept as their values.
    fn string(&mut self) -> Result<Vec<u32>, JsonError> {
        self.i += 1;
        let mut units: Vec<u32> = Vec::new();
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return Err(self.err(JsonErrorKind::Eof));
            };
            match b {
                b'"' => {
                    self.i += 1;
                    return Ok(join_surrogates(&units));
                }
                b'\\' => {
                    let esc = *self
                        .s
                        .get(self.i + 1)
                        .ok_or_else(|| self.err(JsonErrorKind::Eof))?;
                    self.i += 2;
                    let unit = match esc {
                        b'"' => 0x22,
                        b'\\' => 0x5c,
                        b'/' => 0x2f,
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => 0x0a,
                        b'r' => 0x0d,
                        b't' => 0x09,
                        b'u' => {
                            let hex = self
                                .s
                                .get(self.i..self.i + 4)
                                .and_then(|h| core::str::from_utf8(h).ok())
                                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .ok_or_else(|| self.eof_or_syntax())?;
                            self.i += 4;
                            hex
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err(JsonErrorKind::Syntax));
                        }
                    };
                    units.push(unit);
                }
                0x00..=0x1f => return Err(self.err(JsonErrorKind::Syntax)),
                _ => {
                    // One UTF-8 character (the input is a `str`).
                    let rest = core::str::from_utf8(&self.s[self.i..]).unwrap_or("");
                    let c = rest
                        .chars()
                        .next()
                        .ok_or_else(|| self.err(JsonErrorKind::Syntax))?;
                    units.push(u32::from(c));
                    self.i += c.len_utf8();
                }
            }
        }
    }

    fn number(&mut self, out: &mut String) -> Result<(), JsonError> {
        let start = self.i;
        self.eat(b"-");
        let digits = |p: &mut Self| {
            let from = p.i;
            while p.s.get(p.i).is_some_and(u8::is_ascii_digit) {
                p.i += 1;
            }
            p.i - from
        };
        let int_start = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.s[int_start] == b'0') {
            self.i = start;
            return Err(self.eof_or_syntax());
        }
        let int_end = self.i;
        let mut is_float = false;
        if self.s.get(self.i) == Some(&b'.')
            && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit)
        {
            self.i += 1;
            digits(self);
            is_float = true;
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            let save = self.i;
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                self.i = save;
            } else {
                is_float = true;
            }
        }
        let text = core::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
        if is_float {
            let f: f64 = text.parse().map_err(|_| self.err(JsonErrorKind::Syntax))?;
            out.push_str(&python_float_repr(f));
        } else {
            let digits = &self.s[int_start..int_end];
            let negative = start != int_start;
            if negative && digits != b"0" {
                out.push('-');
            }
            out.push_str(core::str::from_utf8(digits).unwrap_or("0"));
        }
        Ok(())
    }
}

/// A high surrogate followed by a low one is one code point, as Python's
/// decoder joins them; lone surrogates stay.
fn join_surrogates(units: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(units.len());
    let mut i = 0;
    while i < units.len() {
        let u = units[i];
        let low = units.get(i + 1).copied().unwrap_or(0);
        if (0xd800..0xdc00).contains(&u) && (0xdc00..0xe000).contains(&low) {
            out.push(0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00));
            i += 2;
            continue;
        }
        out.push(u);
        i += 1;
    }
    out
}

/// A string of code points as `json.dumps` writes it (`ensure_ascii`).
fn write_units(out: &mut String, units: &[u32]) {
    out.push('"');
    for &u in units {
        match u {
            0x22 => out.push_str("\\\""),
            0x5c => out.push_str("\\\\"),
            0x0a => out.push_str("\\n"),
            0x0d => out.push_str("\\r"),
            0x09 => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            0x20..=0x7e => out.push(char::from(u8::try_from(u).unwrap_or(b'?'))),
            0x10000.. => {
                let v = u - 0x10000;
                let _ = write!(
                    out,
                    "\\u{:04x}\\u{:04x}",
                    0xd800 + (v >> 10),
                    0xdc00 + (v & 0x3ff)
                );
            }
            _ => {
                let _ = write!(out, "\\u{u:04x}");
            }
        }
    }
    out.push('"');
}

/// A JSON error that says what went wrong and where, without the text
/// that caused it: serde_json's own messages quote the input
/// (`invalid type: string "hunter2"`), and the input here is often a
/// decrypted secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    /// What kind of problem.
    pub kind: JsonErrorKind,
    /// The line (from 1) where it was found, 0 when not known.
    pub line: usize,
    /// The column (from 1) where it was found, 0 when not known.
    pub column: usize,
}

/// The kind of a [`JsonError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// Not valid JSON text.
    Syntax,
    /// Valid JSON, but not of the type or shape asked for (or, when
    /// encoding, a value JSON cannot hold).
    Data,
    /// The text ends in the middle of a value.
    Eof,
    /// An I/O error of the reader or writer.
    Io,
}

impl From<&serde_json::Error> for JsonError {
    fn from(e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let kind = match e.classify() {
            Category::Syntax => JsonErrorKind::Syntax,
            Category::Data => JsonErrorKind::Data,
            Category::Eof => JsonErrorKind::Eof,
            Category::Io => JsonErrorKind::Io,
        };
        Self {
            kind,
            line: e.line(),
            column: e.column(),
        }
    }
}

impl From<serde_json::Error> for JsonError {
    fn from(e: serde_json::Error) -> Self {
        Self::from(&e)
    }
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self.kind {
            JsonErrorKind::Syntax => "not valid JSON",
            JsonErrorKind::Data => "JSON of another type or shape than expected",
            JsonErrorKind::Eof => "JSON that ends too early",
            JsonErrorKind::Io => "an I/O error while reading JSON",
        })?;
        if self.line > 0 {
            write!(f, " (line {}, column {})", self.line, self.column)?;
        }
        Ok(())
    }
}

impl std::error::Error for JsonError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_json_dumps_of_json_loads() {
        // Each expected text printed by CPython 3.11:
        // json.dumps(json.loads(text)).
        let cases: &[(&str, &str)] = &[
            ("18446744073709551616", "18446744073709551616"),
            ("-0", "0"),
            ("-0.0", "-0.0"),
            ("NaN", "NaN"),
            ("Infinity", "Infinity"),
            ("-Infinity", "-Infinity"),
            ("1e309", "Infinity"),
            ("-1e309", "-Infinity"),
            ("\"\\ud800\"", "\"\\ud800\""),
            ("\"\\ud83d\\ude00\"", "\"\\ud83d\\ude00\""),
            (
                "\"\u{e9}\\u00e9\u{1f600}\"",
                "\"\\u00e9\\u00e9\\ud83d\\ude00\"",
            ),
            (
                r#"{"a":1,"b":[1,2,{"c":null}],"a":2}"#,
                r#"{"a": 2, "b": [1, 2, {"c": null}]}"#,
            ),
            ("[ 1.5 , 2E3, 1e-7, 1.0 ]", "[1.5, 2000.0, 1e-07, 1.0]"),
            (r#""\u007f\/""#, r#""\u007f/""#),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            (r#"{"\u0061": 1, "a": 2}"#, r#"{"a": 2}"#),
            ("  true ", "true"),
            ("[]", "[]"),
            ("{}", "{}"),
            ("0.1", "0.1"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("-12", "-12"),
            (r#""tab\there""#, r#""tab\there""#),
        ];
        for (text, want) in cases {
            assert_eq!(python_json_normalize(text).unwrap(), *want, "{text}");
        }
        // Each refused by json.loads.
        for bad in [
            "{", "[1,]", "01", "1.", "\"\\x\"", "\"a\nb\"", "nan", "[1] x", "", "-", ".5", "+1",
        ] {
            assert!(python_json_normalize(bad).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(MAX_JSON_DEPTH + 2);
        assert!(python_json_normalize(&deep).is_err());
    }

    #[test]
    fn json_errors_never_quote_the_input() {
        let e = serde_json::from_str::<u32>("\"hunter2\"").unwrap_err();
        assert!(e.to_string().contains("hunter2"), "serde_json quotes it");
        let safe = JsonError::from(&e).to_string();
        assert!(!safe.contains("hunter2"), "{safe}");
        assert_eq!(JsonError::from(&e).kind, JsonErrorKind::Data);
    }

    #[test]
    fn floats_like_python_repr() {
        // Expected strings are Python 3.11's json.dumps of the same floats
        // (its repr(), except NaN/-Infinity), printed by python3 for this test.
        for (f, want) in [
            (1e-7, "1e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.1, "0.1"),
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-3e-7, "-3e-07"),
            (1.5e300, "1.5e+300"),
            (123.456, "123.456"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(python_float_repr(f), want, "{f:e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn float_repr_round_trips(bits in proptest::prelude::any::<u64>()) {
            let f = f64::from_bits(bits);
            proptest::prop_assume!(f.is_finite());
            let text = python_float_repr(f);
            let back: f64 = serde_json::from_str(&text).unwrap();
            proptest::prop_assert_eq!(back.to_bits(), f.to_bits(), "{}", text);
        }
    }

    #[test]
    fn strings_and_containers_like_python() {
        let v: Value =
            serde_json::from_str(r#"{"z": [1, -2, 3.5, true, null], "a": "é😀\u0001\u007f/\"\\"}"#)
                .unwrap();
        assert_eq!(
            python_dumps(&v),
            r#"{"z": [1, -2, 3.5, true, null], "a": "\u00e9\ud83d\ude00\u0001\u007f/\"\\"}"#
        );
        assert_eq!(python_dumps(&serde_json::json!({})), "{}");
        assert_eq!(python_dumps(&serde_json::json!([])), "[]");
    }
}

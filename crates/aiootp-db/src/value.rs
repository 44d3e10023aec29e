//! Tag values: bytes or JSON, and their plaintext form in a tag file
//! (spec databases §4.3).

use crate::error::{Error, Result};
use crate::schedule::BYTES_FLAG;
use aiootp_core::{is_python_json, python_dumps};

/// A stored value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Raw bytes (stored as `01 02 ‖ bytes`).
    Bytes(Vec<u8>),
    /// JSON, written as Python's `json.dumps` would.
    Json(serde_json::Value),
    /// JSON text the reference wrote that serde_json cannot hold exactly
    /// (`NaN`, `Infinity`, integers over 64 bits, lone surrogates), kept
    /// verbatim so it reads back and is rewritten without loss.
    RawJson(String),
}

impl Value {
    /// The plaintext of a tag file.
    #[must_use]
    pub fn to_plaintext(&self) -> Vec<u8> {
        match self {
            Self::Bytes(b) => [&BYTES_FLAG[..], b].concat(),
            Self::Json(v) => python_dumps(v).into_bytes(),
            Self::RawJson(text) => text.clone().into_bytes(),
        }
    }

    /// Reads a tag file's plaintext. JSON is kept as [`Value::Json`] only
    /// when that loses nothing (re-serialising it gives the same text);
    /// otherwise as [`Value::RawJson`].
    ///
    /// # Errors
    /// [`Error::Corrupt`] for an empty plaintext or text that is not UTF-8 JSON.
    pub fn from_plaintext(plaintext: Vec<u8>, file: &str) -> Result<Self> {
        if plaintext.starts_with(&BYTES_FLAG) {
            return Ok(Self::Bytes(plaintext[2..].to_vec()));
        }
        let corrupt = |reason: String| Error::Corrupt {
            file: file.to_owned(),
            reason,
        };
        let text = String::from_utf8(plaintext).map_err(|_| corrupt("not UTF-8 text".into()))?;
        if text.is_empty() {
            return Err(corrupt("empty plaintext".into()));
        }
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) if python_dumps(&v) == text => Ok(Self::Json(v)),
            _ if is_python_json(&text) => Ok(Self::RawJson(text)),
            _ => Err(corrupt("not JSON".into())),
        }
    }

    /// The value as bytes, if it is bytes.
    #[must_use]
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The value as a serde type (`RawJson` is parsed, which fails for
    /// `NaN` and friends).
    ///
    /// # Errors
    /// [`Error::Json`] naming `tag`.
    pub fn to_typed<T: serde::de::DeserializeOwned>(&self, tag: &str) -> Result<T> {
        let err = |reason: String| Error::Json {
            tag: tag.to_owned(),
            reason,
        };
        match self {
            Self::Json(v) => serde_json::from_value(v.clone()).map_err(|e| {
                err(format!(
                    "holds {}, not a {}",
                    aiootp_core::JsonError::from(&e),
                    core::any::type_name::<T>()
                ))
            }),
            Self::RawJson(t) => serde_json::from_str(t).map_err(|e| {
                err(format!(
                    "holds JSON serde cannot represent exactly (NaN, Infinity, a big integer or a lone surrogate): {}",
                    aiootp_core::JsonError::from(&e)
                ))
            }),
            Self::Bytes(_) => Err(err("holds bytes, not JSON".into())),
        }
    }

    /// A JSON value from any serde type.
    ///
    /// # Errors
    /// [`Error::Json`] if serde cannot represent it.
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self> {
        serde_json::to_value(value)
            .map(Self::Json)
            .map_err(|e| Error::Json {
                tag: String::new(),
                reason: aiootp_core::JsonError::from(&e).to_string(),
            })
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Self::Bytes(b)
    }
}

impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Self {
        Self::Bytes(b.to_vec())
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        Self::Json(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_forms_round_trip() {
        for v in [
            Value::Bytes(vec![]),
            Value::Bytes(vec![1, 2, 3]),
            Value::Json(serde_json::json!({"a": [1, 2.5, null]})),
            Value::RawJson("NaN".into()),
            Value::RawJson("1267650600228229401496703205376".into()),
            Value::RawJson("\"\\ud800\"".into()),
        ] {
            assert_eq!(Value::from_plaintext(v.to_plaintext(), "f").unwrap(), v);
        }
        assert!(Value::from_plaintext(vec![], "f").is_err());
        assert!(Value::from_plaintext(b"{oops".to_vec(), "f").is_err());
        assert!(Value::from_plaintext(b"NaNa".to_vec(), "f").is_err());
        // Found by the db_readers fuzz target: a backslash before a two-byte
        // character once split it and panicked.
        let crash = vec![
            0x22, 0x5c, 0x5c, 0x5c, 0xdd, 0xbb, 0x5c, 0x5c, 0x5c, 0x35, 0x22,
        ];
        assert!(Value::from_plaintext(crash, "f").is_err());
        assert!(
            Value::from_plaintext(br#"{"a": [NaN, -Infinity, "\udfff"]}"#.to_vec(), "f").is_ok()
        );
        // Compact JSON another writer made reads too (kept verbatim).
        assert_eq!(
            Value::from_plaintext(br#"{"a":1}"#.to_vec(), "f").unwrap(),
            Value::RawJson(r#"{"a":1}"#.into())
        );
        let big: std::result::Result<u64, _> =
            Value::RawJson("1267650600228229401496703205376".into()).to_typed::<u64>("t");
        assert!(matches!(big, Err(Error::Json { .. })));
    }
}

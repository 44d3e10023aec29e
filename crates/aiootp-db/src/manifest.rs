//! A node's manifest (spec databases §4.2): `{"0": salt or 0, "1": [metatags],
//! filename: tag, …}`, written with Python's `json.dumps` layout.

use crate::error::{Error, Result};
use crate::schedule::FILENAME_HASH_BYTES;
use aiootp_core::python_dumps;
use aiootp_core::{bytes_to_hex, hex_to_bytes};
use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

/// The root-salt ledger key.
pub const SALT_LEDGER: &str = "0";
/// The metatags ledger key.
pub const METATAGS_LEDGER: &str = "1";

/// Whether `name` is a file name the format produces: the base38 form of
/// a 24-byte hash (at most 37 characters of `-0-9_a-z`, no leading zero
/// digit). Anything else (`../x`, `/etc/passwd`, `.`) is refused, since
/// the name becomes a path.
#[must_use]
pub fn is_file_name(name: &str) -> bool {
    const MAX_LEN: usize = 37;
    if name.is_empty() || name.len() > MAX_LEN {
        return false;
    }
    if !name.bytes().all(|b| aiootp_core::BASE38_TABLE.contains(&b)) {
        return false;
    }
    matches!(
        aiootp_core::filename_to_bytes(name, FILENAME_HASH_BYTES),
        Ok(Some(bytes)) if aiootp_core::bytes_to_filename(&bytes) == name
    )
}

/// A decoded manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// For a metatag-style node, its 16-byte root salt (`"0"` holds it in
    /// hex); `None` for a top-level node (`"0": 0`, the salt in its file).
    pub inline_salt: Option<Vec<u8>>,
    /// Direct child metatags, in creation order.
    pub metatags: Vec<String>,
    /// Tag filename → tag name, in insertion order.
    pub tags: IndexMap<String, String>,
}

impl Manifest {
    /// Parses a manifest's plaintext. Any key order; every key other than
    /// `"0"` and `"1"` is a filename.
    ///
    /// # Errors
    /// [`Error::Corrupt`] naming `file`.
    pub fn parse(plaintext: &[u8], file: &str) -> Result<Self> {
        let corrupt = |reason: &str| Error::Corrupt {
            file: file.to_owned(),
            reason: format!("manifest {reason}"),
        };
        let map: Map<String, Json> =
            serde_json::from_slice(plaintext).map_err(|_| corrupt("is not a JSON object"))?;
        let mut m = Self::default();
        for (k, v) in map {
            match k.as_str() {
                SALT_LEDGER => {
                    m.inline_salt = match v {
                        Json::String(h) => {
                            Some(hex_to_bytes(&h).ok_or_else(|| corrupt("salt is not hex"))?)
                        }
                        Json::Number(_) => None,
                        _ => return Err(corrupt("salt ledger has a wrong type")),
                    }
                }
                METATAGS_LEDGER => {
                    let names = v
                        .as_array()
                        .ok_or_else(|| corrupt("metatag ledger is not a list"))?;
                    for n in names {
                        let n = n
                            .as_str()
                            .ok_or_else(|| corrupt("metatag name is not a string"))?;
                        if !m.metatags.iter().any(|x| x == n) {
                            m.metatags.push(n.to_owned());
                        }
                    }
                }
                _ => {
                    if !is_file_name(&k) {
                        return Err(Error::InvalidFileName {
                            file: file.to_owned(),
                            name: k,
                        });
                    }
                    let tag = v
                        .as_str()
                        .ok_or_else(|| corrupt("tag name is not a string"))?;
                    m.tags.insert(k, tag.to_owned());
                }
            }
        }
        Ok(m)
    }

    /// The plaintext: `"0"`, `"1"`, then the tags, as `json.dumps` writes them.
    #[must_use]
    pub fn to_plaintext(&self) -> Vec<u8> {
        let mut map = Map::new();
        let salt = match &self.inline_salt {
            Some(s) => Json::String(bytes_to_hex(s)),
            None => Json::from(0),
        };
        map.insert(SALT_LEDGER.into(), salt);
        map.insert(
            METATAGS_LEDGER.into(),
            Json::Array(self.metatags.iter().cloned().map(Json::String).collect()),
        );
        for (f, t) in &self.tags {
            map.insert(f.clone(), Json::String(t.clone()));
        }
        python_dumps(&Json::Object(map)).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_layout_and_round_trip() {
        let mut m = Manifest {
            inline_salt: None,
            metatags: vec!["alpha".into(), "βeta".into()],
            ..Manifest::default()
        };
        m.tags.insert("6wvd".into(), "json_dict".into());
        let text = String::from_utf8(m.to_plaintext()).unwrap();
        assert_eq!(
            text,
            r#"{"0": 0, "1": ["alpha", "\u03b2eta"], "6wvd": "json_dict"}"#
        );
        assert_eq!(Manifest::parse(text.as_bytes(), "m").unwrap(), m);
        let with_salt = Manifest {
            inline_salt: Some(vec![0xab; 16]),
            ..Manifest::default()
        };
        assert_eq!(
            Manifest::parse(&with_salt.to_plaintext(), "m").unwrap(),
            with_salt
        );
        assert!(Manifest::parse(b"[1]", "m").is_err());
    }
}

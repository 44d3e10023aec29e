//! The `Iterator` extension trait.

use crate::error::{Error, Result};
use crate::ops;
use zeroize::Zeroizing;

/// Comprende's data-processing methods, on every `Iterator`.
// `from_base64` and friends keep the Python names users search for.
#[allow(clippy::wrong_self_convention)]
pub trait ComprendeIter: Iterator + Sized {
    /// `sha3_256()`: each item's SHA3-256.
    #[doc(alias = "asha3_256")]
    fn sha3_256(self) -> impl Iterator<Item = [u8; 32]>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::sha3_256(x.as_ref()))
    }

    /// `sha3_512()`: each item's SHA3-512.
    #[doc(alias = "asha3_512")]
    fn sha3_512(self) -> impl Iterator<Item = [u8; 64]>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::sha3_512(x.as_ref()))
    }

    /// `sha3_256_hmac(key=key)`: each item's HMAC-SHA3-256.
    #[doc(alias = "asha3_256_hmac")]
    fn sha3_256_hmac(self, key: &[u8]) -> impl Iterator<Item = [u8; 32]>
    where
        Self::Item: AsRef<[u8]>,
    {
        let key = Zeroizing::new(key.to_vec());
        self.map(move |x| ops::hmac_256(&key, x.as_ref()))
    }

    /// `sha3_512_hmac(key=key)`: each item's HMAC-SHA3-512.
    #[doc(alias = "asha3_512_hmac")]
    fn sha3_512_hmac(self, key: &[u8]) -> impl Iterator<Item = [u8; 64]>
    where
        Self::Item: AsRef<[u8]>,
    {
        let key = Zeroizing::new(key.to_vec());
        self.map(move |x| ops::hmac_512(&key, x.as_ref()))
    }

    /// `to_base64()`: standard, padded base64 (a `String`; Python gives bytes).
    #[doc(alias = "ato_base64")]
    fn to_base64(self) -> impl Iterator<Item = String>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::to_base64(x.as_ref()))
    }

    /// `from_base64()`.
    #[doc(alias = "afrom_base64")]
    fn from_base64(self) -> impl Iterator<Item = Result<Vec<u8>>>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::from_base64(x.as_ref()))
    }

    /// `bytes_to_hex()`.
    #[doc(alias = "bytes_to_hex")]
    #[doc(alias = "abytes_to_hex")]
    fn to_hex(self) -> impl Iterator<Item = String>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::to_hex(x.as_ref()))
    }

    /// `hex_to_bytes()`.
    #[doc(alias = "hex_to_bytes")]
    #[doc(alias = "ahex_to_bytes")]
    fn from_hex(self) -> impl Iterator<Item = Result<Vec<u8>>>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::from_hex(x.as_ref()))
    }

    /// `to_base(base, table)`: each item, a big-endian unsigned integer, in
    /// base `table.len()` ([`crate::ASCII_95`] is the reference's default).
    #[doc(alias = "ato_base")]
    #[doc(alias = "int_as_base")]
    fn to_base(self, table: &str) -> impl Iterator<Item = String>
    where
        Self::Item: AsRef<[u8]>,
    {
        let table = table.to_owned();
        self.map(move |x| ops::to_base(x.as_ref(), &table))
    }

    /// `from_base(base, table)`: the integer as minimal big-endian bytes.
    #[doc(alias = "afrom_base")]
    #[doc(alias = "base_as_int")]
    fn from_base(self, table: &str) -> impl Iterator<Item = Result<Vec<u8>>>
    where
        Self::Item: AsRef<str>,
    {
        let table = table.to_owned();
        self.map(move |x| ops::from_base(x.as_ref(), &table))
    }

    /// `json_dumps()`: Python's `json.dumps` text of each item.
    #[doc(alias = "ajson_dumps")]
    fn json_dumps(self) -> impl Iterator<Item = Result<String>>
    where
        Self::Item: serde::Serialize,
    {
        self.map(|x| aiootp_core::to_python_json(&x).map_err(|e| Error::Json(e.to_string())))
    }

    /// `json_loads()`.
    #[doc(alias = "ajson_loads")]
    fn json_loads<T: serde::de::DeserializeOwned>(self) -> impl Iterator<Item = Result<T>>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| serde_json::from_slice(x.as_ref()).map_err(|e| Error::Json(e.to_string())))
    }

    /// `resize(size)`: re-chunks a stream of byte chunks into `size`-byte
    /// pieces, the last one partial.
    #[doc(alias = "resize")]
    #[doc(alias = "aresize")]
    fn rechunk(self, size: usize) -> Rechunk<Self>
    where
        Self::Item: AsRef<[u8]>,
    {
        Rechunk {
            inner: self,
            size: size.max(1),
            buf: Vec::new(),
            done: false,
        }
    }

    /// `delimited_resize(delimiter)`: re-splits a stream of chunks on a
    /// delimiter; runs of delimiter bytes collapse and no empty pieces are
    /// given (Python's `lstrip` semantics: any byte of `delimiter`).
    #[doc(alias = "delimited_resize")]
    #[doc(alias = "adelimited_resize")]
    fn split_delimited(self, delimiter: &[u8]) -> SplitDelimited<Self>
    where
        Self::Item: AsRef<[u8]>,
    {
        SplitDelimited {
            inner: self,
            delim: delimiter.to_vec(),
            cache: Vec::new(),
            ready: Vec::new(),
            done: false,
        }
    }

    /// `c[start:stop:step]` (no negative indexes, as in the reference).
    #[doc(alias = "getitem")]
    fn islice(
        self,
        start: usize,
        stop: Option<usize>,
        step: usize,
    ) -> impl Iterator<Item = Self::Item> {
        let take = stop.map_or(usize::MAX, |s| {
            s.saturating_sub(start).div_ceil(step.max(1))
        });
        self.skip(start).step_by(step.max(1)).take(take)
    }
}

impl<I: Iterator> ComprendeIter for I {}

/// The iterator of [`ComprendeIter::rechunk`].
#[derive(Debug, Clone)]
pub struct Rechunk<I> {
    inner: I,
    size: usize,
    buf: Vec<u8>,
    done: bool,
}

impl<I: Iterator> Iterator for Rechunk<I>
where
    I::Item: AsRef<[u8]>,
{
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        while self.buf.len() < self.size && !self.done {
            match self.inner.next() {
                Some(x) => self.buf.extend_from_slice(x.as_ref()),
                None => self.done = true,
            }
        }
        if self.buf.is_empty() {
            return None;
        }
        let n = self.size.min(self.buf.len());
        Some(self.buf.drain(..n).collect())
    }
}

/// The iterator of [`ComprendeIter::split_delimited`].
#[derive(Debug, Clone)]
pub struct SplitDelimited<I> {
    inner: I,
    delim: Vec<u8>,
    cache: Vec<u8>,
    ready: Vec<Vec<u8>>,
    done: bool,
}

impl<I> SplitDelimited<I> {
    fn lstrip<'a>(&self, s: &'a [u8]) -> &'a [u8] {
        let skip = s.iter().take_while(|b| self.delim.contains(b)).count();
        &s[skip..]
    }
}

impl<I: Iterator> Iterator for SplitDelimited<I>
where
    I::Item: AsRef<[u8]>,
{
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        loop {
            if !self.ready.is_empty() {
                return Some(self.ready.remove(0));
            }
            if self.done {
                return (!self.cache.is_empty()).then(|| std::mem::take(&mut self.cache));
            }
            let Some(x) = self.inner.next() else {
                self.done = true;
                continue;
            };
            let joined = [&self.cache[..], x.as_ref()].concat();
            let mut result = self.lstrip(&joined).to_vec();
            while !self.delim.is_empty() {
                let Some(i) = result
                    .windows(self.delim.len())
                    .position(|w| w == self.delim)
                else {
                    break;
                };
                self.ready.push(result[..i].to_vec());
                result = self.lstrip(&result[i..]).to_vec();
            }
            self.cache = result;
        }
    }
}

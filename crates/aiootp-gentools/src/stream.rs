//! The same helpers on `futures::Stream`, plus what `futures` lacks:
//! `step_by` and a per-item timeout that ends the stream (`atimeout`).

use crate::error::Result;
use crate::ops;
use futures_core::Stream;
use futures_util::StreamExt;
#[cfg(feature = "tokio")]
use std::time::Duration;
use zeroize::Zeroizing;

/// Comprende's async (`a`-prefixed) methods, on every `Stream`.
// `from_base64` keeps the Python name users search for.
#[allow(clippy::wrong_self_convention)]
pub trait ComprendeStream: Stream + Sized {
    /// `asha3_256()`.
    #[doc(alias = "asha3_256")]
    fn sha3_256(self) -> impl Stream<Item = [u8; 32]>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::sha3_256(x.as_ref()))
    }

    /// `asha3_512()`.
    #[doc(alias = "asha3_512")]
    fn sha3_512(self) -> impl Stream<Item = [u8; 64]>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::sha3_512(x.as_ref()))
    }

    /// `asha3_256_hmac(key=key)`.
    #[doc(alias = "asha3_256_hmac")]
    fn sha3_256_hmac(self, key: &[u8]) -> impl Stream<Item = [u8; 32]>
    where
        Self::Item: AsRef<[u8]>,
    {
        let key = Zeroizing::new(key.to_vec());
        self.map(move |x| ops::hmac_256(&key, x.as_ref()))
    }

    /// `ato_base64()`.
    #[doc(alias = "ato_base64")]
    fn to_base64(self) -> impl Stream<Item = String>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::to_base64(x.as_ref()))
    }

    /// `afrom_base64()`.
    #[doc(alias = "afrom_base64")]
    fn from_base64(self) -> impl Stream<Item = Result<Vec<u8>>>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::from_base64(x.as_ref()))
    }

    /// `abytes_to_hex()`.
    #[doc(alias = "abytes_to_hex")]
    fn to_hex(self) -> impl Stream<Item = String>
    where
        Self::Item: AsRef<[u8]>,
    {
        self.map(|x| ops::to_hex(x.as_ref()))
    }

    /// `aresize(size)`: re-chunks byte chunks into `size`-byte pieces.
    #[doc(alias = "aresize")]
    fn rechunk(self, size: usize) -> impl Stream<Item = Vec<u8>>
    where
        Self::Item: AsRef<[u8]>,
        Self: Unpin,
    {
        let size = size.max(1);
        futures_util::stream::unfold(
            (self, Vec::new(), false),
            move |(mut s, mut buf, mut done)| async move {
                while buf.len() < size && !done {
                    match s.next().await {
                        Some(x) => buf.extend_from_slice(x.as_ref()),
                        None => done = true,
                    }
                }
                if buf.is_empty() {
                    return None;
                }
                let piece: Vec<u8> = buf.drain(..size.min(buf.len())).collect();
                Some((piece, (s, buf, done)))
            },
        )
    }

    /// `step_by` for streams (futures has none): items `0, step, 2·step, …`.
    fn step_by(self, step: usize) -> impl Stream<Item = Self::Item> {
        let step = step.max(1);
        self.enumerate()
            .filter_map(move |(i, x)| async move { i.is_multiple_of(step).then_some(x) })
    }

    /// `atimeout(seconds)`: ends the stream (silently, as the reference
    /// does) when one item takes longer than `per_item` (feature `tokio`,
    /// whose timer it uses).
    #[cfg(feature = "tokio")]
    #[doc(alias = "atimeout")]
    fn until_slow(self, per_item: Duration) -> impl Stream<Item = Self::Item>
    where
        Self: Unpin,
    {
        futures_util::stream::unfold(self, move |mut s| async move {
            match tokio::time::timeout(per_item, s.next()).await {
                Ok(Some(x)) => Some((x, s)),
                _ => None,
            }
        })
    }
}

impl<S: Stream> ComprendeStream for S {}

//! The `Comprende` pipeline helpers of aiootp 0.22.0, as extension traits on
//! `Iterator` ([`ComprendeIter`]) and `futures::Stream` (`ComprendeStream`,
//! feature `stream`), plus the send/result protocol as a small
//! [`Coroutine`] trait. Sync and async use the same names (the receiver says
//! which one it is); `#[doc(alias)]` finds the Python names.
//!
//! ```
//! use aiootp_gentools::{ASCII_95, ComprendeIter};
//!
//! // unpack([b"abcd", b"ef", b"ghijk"]).resize(3).list()
//! let pieces: Vec<Vec<u8>> = [&b"abcd"[..], b"ef", b"ghijk"].into_iter().rechunk(3).collect();
//! assert_eq!(pieces, [&b"abc"[..], b"def", b"ghi", b"jk"]);
//!
//! // unpack([b"x"]).sha3_256().list()
//! let digests: Vec<[u8; 32]> = [b"x"].into_iter().sha3_256().collect();
//! assert_eq!(digests.len(), 1);
//!
//! // unpack([256]).to_base().list() == ['"b']
//! assert_eq!([[1u8, 0]].into_iter().to_base(ASCII_95).collect::<Vec<_>>(), ["\"b"]);
//! ```
//!
//! # Every Comprende method, and where it went
//!
//! Built here (Python name → Rust): `sha3_256`, `sha3_512`, `sha3_256_hmac`,
//! `sha3_512_hmac` (same names); `to_base64`/`from_base64` (same; `String`
//! out, Python gives bytes); `bytes_to_hex` → `to_hex`; `hex_to_bytes` →
//! `from_hex`; `to_base`/`from_base` (same, with a table; [`ASCII_95`] is the
//! default); `json_dumps`/`json_loads` (same; Python's exact text);
//! `resize` → `rechunk`; `delimited_resize` → `split_delimited`;
//! `c[a:b:s]` → `islice`; stream `step_by`; `atimeout` → `until_slow`;
//! `send`/`__call__`/`result`/`feed`/`feed_self`/`exhaust` → [`Coroutine`].
//!
//! Already in std, itertools or futures (use those):
//!
//! | Comprende | Rust |
//! |---|---|
//! | `encode` / `decode` | `.map(String::into_bytes)` / `.map(String::from_utf8)` |
//! | `str`, `int(base)`, `bytes` | `.map(\|x\| x.to_string())`, `.map(\|s\| i64::from_str_radix(&s, b))`, `.map(Vec::from)` |
//! | `zfill`, `replace`, `split`, `delimit` | `format!("{s:0>n$}")`, `str::replace`, `str::split`, `s + d` |
//! | `hex`, `bin`, `oct` (`prefix`) | `format!("{n:x}")` / `{n:#x}`, `{n:b}`, `{n:o}` |
//! | `bytes_to_int` / `int_to_bytes` | `u64::from_be_bytes` / `to_be_bytes` |
//! | `int_to_ascii` / `ascii_to_int` | `to_be_bytes` + `String::from_utf8` |
//! | `slice(*a)` / `index(i)` (per item) | `.map(\|v\| v[a..b].to_vec())` / `.map(\|v\| v[i])` |
//! | `c[i]` | `nth(i)` |
//! | `tag()` / `tag(tags)` | `enumerate()` / `tags.into_iter().zip(it)` |
//! | `halt(sentinel)` | `take_while(\|x\| x != sentinel)` |
//! | `reversed` / `sort` / `heappop` (`span`) | `take(span).collect::<Vec<_>>()` then `.into_iter().rev()` / `sort()` |
//! | `sleep` / `random_sleep` | `.inspect(\|_\| thread::sleep(d))`; streams: `.then(\|x\| async move { tokio::time::sleep(d).await; x })` |
//! | `timeout` (sync) | dropped (a thread per item); streams: `until_slow` |
//! | `debugger` | `inspect` + `tracing` |
//! | `list` / `set` / `dict` / `deque(maxlen)` | `collect::<Vec/HashSet/HashMap/VecDeque>()` |
//! | `join(on)` | `collect::<Vec<String>>().join(on)` |
//! | `exhaust` | `Iterator::last()` |
//! | `reset` / `prime` | rebuild the iterator |
//! | gentools `unpack`, `data`, `resize(seq, size, blocks)`, `batch`, `zip`, `order`, `cycle` | `into_iter`, `chunks(size)`, `chunks(size).take(blocks)`, `Itertools::chunks`, `zip`, `chain`, `cycle` |
//! | gentools `count`, `bytes_count`, `range`, `bytes_range`, `birth` | `(a..)`, `(a..).map(u64::to_be_bytes)`, `(a..b)`, `(a..b).map(u64::to_be_bytes)`, `once` / `repeat` |
//! | gentools `pick`, `pop`, `popleft`, `echo`, `skip`, `Enumerate` | `map_while(\|n\| map.get(n))`, `from_fn(\|\| v.pop())`, `from_fn(\|\| dq.pop_front())`, `FromFn(Step::Yielded)`, `flat_map`, `enumerate` |
//! | `wait_on` / `await_on` | `tokio::sync::mpsc` with `tokio::time::timeout` |
//! | `send` / `asend` / `__call__`, `result` | [`Coroutine::resume`], [`Step::Complete`] |
//! | `comprehension`, `Comprende`, `BaseComprende` | not ported: any function returning `impl Iterator` / `impl Stream` chains already (upstream removed `Comprende` in 0.23.0) |
#![forbid(unsafe_code)]

mod coroutine;
mod error;
mod iter;
mod ops;
#[cfg(feature = "stream")]
mod stream;

pub use coroutine::{Coroutine, FromFn, Step, feed_self};
pub use error::{Error, Result};
pub use iter::{ComprendeIter, Rechunk, SplitDelimited};
pub use ops::ASCII_95;
#[cfg(feature = "stream")]
pub use stream::ComprendeStream;

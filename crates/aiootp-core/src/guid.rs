//! `SequenceID` and `GUID` (spec keygens §5): salted, invertible maps into
//! the prime fields of [`crate::primes`], byte-compatible with the reference.

use crate::codec::bytes_to_urlsafe;
use crate::error::{Error, Result};
use crate::primes::PRIME_GROUPS;
use num_bigint::BigUint;

const IPAD: u8 = 0xa3;
const OPAD: u8 = 0x1b;
const XPAD: u8 = 0x8d;
const MIN_SALT: usize = 16;

fn big(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

/// `n` as exactly `size` big-endian bytes (the value always fits: it is
/// below a `size`-byte prime, or XORed with a `size`-byte value).
fn to_size(n: &BigUint, size: usize) -> Vec<u8> {
    let raw = n.to_bytes_be();
    let raw = if raw == [0] { Vec::new() } else { raw };
    let mut out = vec![0u8; size.saturating_sub(raw.len())];
    out.extend_from_slice(&raw[raw.len().saturating_sub(size)..]);
    out
}

/// The prime group of a `size`-byte output: `(g, p, o)`.
fn group(size: usize) -> (BigUint, BigUint, BigUint) {
    let bits = u32::try_from(8 * size).unwrap_or(0);
    let (_, g, p, o) = PRIME_GROUPS
        .iter()
        .find(|(b, ..)| *b == bits)
        .copied()
        .unwrap_or(PRIME_GROUPS[0]);
    let hex = |s: &str| BigUint::parse_bytes(s.as_bytes(), 16).unwrap_or_default();
    (BigUint::from(g), hex(p), hex(o))
}

/// The salt encodings shared by both classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedSalt {
    /// `int(0xa3 · (len+1)) ^ int(salt)`, bumped off multiples of `p` and `o`.
    pub isalt: BigUint,
    /// `int(0x1b · (len+1)) ^ int(salt)`, bumped likewise.
    pub osalt: BigUint,
    /// `int(0x8d · size) ^ int(salt[..size])`.
    pub xsalt: BigUint,
}

fn encode_salt(salt: &[u8], p: &BigUint, o: &BigUint, size: usize) -> EncodedSalt {
    let pad_size = salt.len() + 1;
    let s = big(salt);
    let bump = |mut v: BigUint| {
        let zero = BigUint::ZERO;
        while &v % p == zero || &v % o == zero {
            v += 1u8;
        }
        v
    };
    EncodedSalt {
        isalt: bump(big(&vec![IPAD; pad_size]) ^ &s),
        osalt: bump(big(&vec![OPAD; pad_size]) ^ &s),
        xsalt: big(&vec![XPAD; size]) ^ big(&salt[..size.min(salt.len())]),
    }
}

fn check_salt(salt: &[u8], size: usize) -> Result<()> {
    let min = size.max(MIN_SALT);
    if salt.len() < min {
        return Err(Error::InvalidSize {
            what: "salt",
            size: salt.len(),
            min,
            max: usize::MAX,
        });
    }
    Ok(())
}

/// `SequenceID(salt, size=size)`: unique, deterministic identifiers for
/// indexes (no birthday collisions within a period of the subprime).
#[doc(alias = "SequenceID")]
#[derive(Debug, Clone)]
pub struct SequenceId {
    size: usize,
    g: BigUint,
    p: BigUint,
    o: BigUint,
    salt: EncodedSalt,
}

impl SequenceId {
    /// `size` from 4 to 32 bytes; `salt` at least `max(size, 16)` bytes.
    ///
    /// # Errors
    /// [`Error::InvalidSize`] for either.
    pub fn new(salt: &[u8], size: usize) -> Result<Self> {
        if !(4..=32).contains(&size) {
            return Err(Error::InvalidSize {
                what: "size",
                size,
                min: 4,
                max: 32,
            });
        }
        check_salt(salt, size)?;
        let (g, p, o) = group(size);
        let salt = encode_salt(salt, &p, &o, size);
        Ok(Self {
            size,
            g,
            p,
            o,
            salt,
        })
    }

    /// `new(index)`: `xsalt ^ g^((osalt·(isalt + index)) mod o) mod p`.
    #[must_use]
    pub fn id(&self, index: u128) -> Vec<u8> {
        let e = (&self.salt.osalt * (&self.salt.isalt + BigUint::from(index))) % &self.o;
        to_size(&(&self.salt.xsalt ^ self.g.modpow(&e, &self.p)), self.size)
    }

    /// [`Self::id`] as URL-safe base64 without `=`.
    #[must_use]
    pub fn id_encoded(&self, index: u128) -> String {
        bytes_to_urlsafe(&self.id(index))
    }
}

/// What [`Guid::unmask`] recovers from a GUID.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnmaskedGuid {
    /// 8-byte nanosecond timestamp since 2023-01-01 (sorted on first).
    pub timestamp: Vec<u8>,
    /// The node number byte(s).
    pub node_number: Vec<u8>,
    /// The counter byte.
    pub counter: Vec<u8>,
    /// The random bytes.
    pub entropy: Vec<u8>,
}

/// `GUID(salt, size=size, node_number=n)`: unique, invertible 12- to 32-byte
/// identifiers from the time, random bytes, a node number and a counter.
#[doc(alias = "GUID")]
#[derive(Debug, Clone)]
pub struct Guid {
    size: usize,
    p: BigUint,
    salt: EncodedSalt,
    inverse: BigUint,
    node: u8,
    counter: u8,
}

/// `NPAD`: the node number is stored XORed with `b"i"`.
const NPAD: u8 = b'i';

impl Guid {
    /// Checks, in the reference's order: size fits the node number, the
    /// node number fits one byte, size 12..=32, salt ≥ `max(size, 16)`.
    ///
    /// # Errors
    /// [`Error::InvalidSize`] for the size or salt;
    /// [`Error::NodeNumberTooLarge`] above 255.
    pub fn new(salt: &[u8], size: usize, node_number: u64) -> Result<Self> {
        if size < 12 {
            return Err(Error::InvalidSize {
                what: "GUID size (to fit the node number)",
                size,
                min: 12,
                max: 32,
            });
        }
        let node = u8::try_from(node_number)
            .map_err(|_| Error::NodeNumberTooLarge { node_number })?
            ^ NPAD;
        if size > 32 {
            return Err(Error::InvalidSize {
                what: "GUID size",
                size,
                min: 12,
                max: 32,
            });
        }
        check_salt(salt, size)?;
        let (_, p, o) = group(size);
        let salt = encode_salt(salt, &p, &o, size);
        let inverse = salt.isalt.modpow(&(&p - 2u8), &p);
        Ok(Self {
            size,
            p,
            salt,
            inverse,
            node,
            counter: 0,
        })
    }

    /// The encoded salt values (for known-answer checks).
    #[must_use]
    pub fn encoded_salt(&self) -> &EncodedSalt {
        &self.salt
    }

    /// `new()`: the next GUID from the clock and the CSPRNG.
    ///
    /// # Errors
    /// CSPRNG or clock failure.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self, clock: &dyn crate::Clock) -> Result<Vec<u8>> {
        let ns = u64::try_from(clock.nanoseconds()).map_err(|_| Error::ClockOutOfRange)?;
        let mut raw = ns.to_be_bytes().to_vec();
        raw.extend_from_slice(&crate::rand::token_bytes(self.size - 10)?);
        self.counter = self.counter.wrapping_add(1);
        Ok(self.from_raw(&raw, self.counter))
    }

    /// The GUID of a raw value (`timestamp(8) ‖ entropy`, `size - 2` bytes)
    /// and counter: `xsalt ^ ((isalt · inner + osalt) mod p)` with
    /// `inner = int(node ‖ raw ‖ 00) + counter`.
    #[must_use]
    pub fn from_raw(&self, raw: &[u8], counter: u8) -> Vec<u8> {
        let inner = self.inner(raw, counter);
        let masked = (&self.salt.isalt * inner + &self.salt.osalt) % &self.p;
        to_size(&(&self.salt.xsalt ^ masked), self.size)
    }

    /// `int(node ‖ raw ‖ 00) + counter`.
    #[must_use]
    pub(crate) fn inner(&self, raw: &[u8], counter: u8) -> BigUint {
        let mut bytes = vec![self.node];
        bytes.extend_from_slice(raw);
        bytes.push(0);
        big(&bytes) + BigUint::from(counter)
    }

    /// `unmask(guid)`: recovers the node number, timestamp, entropy and counter.
    ///
    /// # Errors
    /// [`Error::InvalidSize`] for a GUID of another size.
    pub fn unmask(&self, guid: &[u8]) -> Result<UnmaskedGuid> {
        if guid.len() != self.size {
            return Err(Error::InvalidSize {
                what: "GUID",
                size: guid.len(),
                min: self.size,
                max: self.size,
            });
        }
        let x = &self.salt.xsalt ^ big(guid);
        // Python's `%` is non-negative: add p before subtracting osalt.
        let osalt = &self.salt.osalt % &self.p;
        let diff = (x % &self.p + &self.p - osalt) % &self.p;
        let mut plain = to_size(&((&self.inverse * diff) % &self.p), self.size);
        plain[0] ^= NPAD;
        Ok(UnmaskedGuid {
            node_number: plain[..1].to_vec(),
            timestamp: plain[1..9].to_vec(),
            entropy: plain[9..self.size - 1].to_vec(),
            counter: plain[self.size - 1..].to_vec(),
        })
    }
}

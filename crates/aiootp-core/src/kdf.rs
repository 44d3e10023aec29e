//! `DomainKDF`: a domain-separated, keyed KDF with a SHAKE-256 payload
//! sponge (spec keygens §2).

use crate::domains::Domains;
use crate::encoding::{PackParams, canonical_pack_into, encode_key_into};
use crate::error::{Error, Result};
use crate::hash::{Hasher, hash_bytes_with};
use aiootp_keccak::Shake256;
use zeroize::Zeroizing;

/// `DomainKDF(domain, *payload, key=key)`.
///
/// ```
/// use aiootp_core::{DomainKdf, Domains};
/// let mut kdf = DomainKdf::new(&Domains::ECDHE, &[b"guid", b"peer"], b"shared secret")?;
/// kdf.update(&[b"more context"])?;
/// let session_key = kdf.sha3_512(b"client");
/// assert_eq!(session_key.len(), 64);
/// assert_ne!(session_key, kdf.sha3_512(b"server"));
/// # Ok::<(), aiootp_core::Error>(())
/// ```
#[doc(alias = "DomainKDF")]
#[derive(Clone)]
pub struct DomainKdf {
    domain: Vec<u8>,
    key: Zeroizing<Vec<u8>>,
    payload: Shake256,
    key_hash: KeyHash,
}

/// How a [`DomainKdf`] hashes its internal key `K`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHash {
    /// SHA3-512, 64 bytes: `DomainKDF`.
    Sha3_512,
    /// SHAKE-256 of the given size: the databases' `DBKDF` uses 296 bytes.
    Shake256(usize),
}

impl KeyHash {
    fn hash(self, domain: &[u8], entropy: &[u8], key: &[u8]) -> Result<Vec<u8>> {
        let (hasher, size) = match self {
            Self::Sha3_512 => (Hasher::Sha3_512, 0),
            Self::Shake256(n) => (Hasher::Shake256, n),
        };
        hash_bytes_with(hasher, size, key, 0, &[&Domains::KDF, domain, entropy])
    }
}

impl core::fmt::Debug for DomainKdf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DomainKdf")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

const SHAKE_256_RATE: usize = 136;

fn packed(items: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::new());
    canonical_pack_into(
        &mut out,
        items.iter().copied(),
        PackParams::with_blocksize(SHAKE_256_RATE),
    );
    out
}

impl DomainKdf {
    /// Builds the KDF. `key` may be empty (the reference then hashes unkeyed).
    ///
    /// # Errors
    /// None in practice; the `Result` covers the hash size checks.
    pub fn new(domain: &[u8], payload: &[&[u8]], key: &[u8]) -> Result<Self> {
        Self::with_key_hash(domain, payload, key, KeyHash::Sha3_512)
    }

    /// [`Self::new`] with another internal-key hash (the databases' `DBKDF`
    /// is `KeyHash::Shake256(296)`).
    ///
    /// # Errors
    /// [`Error::InvalidHashSize`] for `KeyHash::Shake256(0)`.
    pub fn with_key_hash(
        domain: &[u8],
        payload: &[&[u8]],
        key: &[u8],
        key_hash: KeyHash,
    ) -> Result<Self> {
        // K := hash_bytes(KDF, domain, key, key = key ‖ key).
        let doubled = Zeroizing::new([key, key].concat());
        let k = Zeroizing::new(key_hash.hash(domain, key, &doubled)?);
        let mut sponge = Shake256::new();
        let mut encoded = Zeroizing::new(Vec::with_capacity(crate::encoding::encoded_key_len(
            k.len(),
            SHAKE_256_RATE,
        )));
        encode_key_into(&mut encoded, &k, SHAKE_256_RATE, 0)?;
        sponge.update(&encoded);
        if !payload.is_empty() {
            sponge.update(&packed(payload));
        }
        Ok(Self {
            domain: domain.to_vec(),
            key: k,
            payload: sponge,
            key_hash,
        })
    }

    /// `update(*items)`: absorbs `canonical_pack(*items)` (each call packed
    /// on its own, so the grouping of calls matters).
    ///
    /// # Errors
    /// [`Error::EmptyUpdate`] with no items, as the reference raises.
    pub fn update(&mut self, items: &[&[u8]]) -> Result<&mut Self> {
        if items.is_empty() {
            return Err(Error::EmptyUpdate);
        }
        self.payload.update(&packed(items));
        Ok(self)
    }

    /// `update_key(entropy)`: `K := hash_bytes(KDF, domain, entropy,
    /// key = K ‖ entropy)`. The payload sponge keeps its original keying,
    /// as in the reference.
    ///
    /// # Errors
    /// None in practice.
    pub fn update_key(&mut self, entropy: &[u8]) -> Result<&mut Self> {
        let keyed = Zeroizing::new([&self.key[..], entropy].concat());
        let k = self.key_hash.hash(&self.domain, entropy, &keyed)?;
        self.key = Zeroizing::new(k);
        Ok(self)
    }

    /// The internal key `K` (64 bytes; `DBKDF`: 296).
    #[must_use]
    pub fn internal_key(&self) -> &[u8] {
        &self.key
    }

    fn output(
        &self,
        hasher: Hasher,
        size: usize,
        context: &[u8],
        sponge_bytes: usize,
    ) -> Result<Vec<u8>> {
        let digest = Zeroizing::new(self.payload.digest(sponge_bytes));
        let keyed = Zeroizing::new([&self.key[..], context].concat());
        hash_bytes_with(hasher, size, &keyed, 0, &[&self.domain, context, &digest])
    }

    /// `sha3_256(context=context)`: 32 bytes.
    #[must_use]
    pub fn sha3_256(&self, context: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        if let Ok(v) = self.output(Hasher::Sha3_256, 0, context, 136) {
            out.copy_from_slice(&v);
        }
        out
    }

    /// `sha3_512(context=context)`: 64 bytes.
    #[must_use]
    pub fn sha3_512(&self, context: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        if let Ok(v) = self.output(Hasher::Sha3_512, 0, context, 72) {
            out.copy_from_slice(&v);
        }
        out
    }

    /// `shake_128(size, context=context)`.
    ///
    /// # Errors
    /// [`Error::InvalidHashSize`] for `size == 0` (the reference's `TypeError`).
    pub fn shake_128(&self, size: usize, context: &[u8]) -> Result<Vec<u8>> {
        self.output(Hasher::Shake128, size, context, 168)
    }

    /// `shake_256(size, context=context)`.
    ///
    /// # Errors
    /// [`Error::InvalidHashSize`] for `size == 0`.
    pub fn shake_256(&self, size: usize, context: &[u8]) -> Result<Vec<u8>> {
        self.output(Hasher::Shake256, size, context, 136)
    }
}

/// `keyed_choices(choices, selection_size, domain=domain, key=key)` as
/// indexes into a list of `choices_len` items: each 16-byte chunk of
/// `DomainKDF(domain, u64be(len), u64be(size), key).shake_256(16·size,
/// context=Domains.PRNG)`, big endian, modulo `choices_len`.
///
/// # Errors
/// [`Error::InvalidHashSize`] for `selection_size == 0` (the reference's
/// `TypeError`) or [`Error::InvalidSize`] for no choices.
pub fn keyed_choices(
    choices_len: usize,
    selection_size: usize,
    domain: &[u8],
    key: &[u8],
) -> Result<Vec<usize>> {
    if choices_len == 0 {
        return Err(Error::InvalidSize {
            what: "choices",
            size: 0,
            min: 1,
            max: usize::MAX,
        });
    }
    let kdf = DomainKdf::new(
        domain,
        &[
            &(choices_len as u64).to_be_bytes(),
            &(selection_size as u64).to_be_bytes(),
        ],
        key,
    )?;
    let stream = Zeroizing::new(kdf.shake_256(16 * selection_size, &Domains::PRNG)?);
    Ok(stream
        .chunks_exact(16)
        .map(|c| {
            let n = u128::from_be_bytes(c.try_into().unwrap_or([0; 16]));
            usize::try_from(n % choices_len as u128).unwrap_or(0)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_do_not_change_state_and_update_does() {
        let mut kdf = DomainKdf::new(b"d", &[], b"").unwrap();
        let a = kdf.sha3_256(b"");
        assert_eq!(a, kdf.sha3_256(b""));
        assert!(matches!(kdf.update(&[]), Err(Error::EmptyUpdate)));
        kdf.update(&[b"x"]).unwrap();
        assert_ne!(a, kdf.sha3_256(b""));
        assert!(kdf.shake_128(0, b"").is_err());
        assert_eq!(kdf.shake_256(100, b"c").unwrap().len(), 100);
    }
}

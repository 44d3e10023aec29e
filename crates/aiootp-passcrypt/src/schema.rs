//! The passcrypt hash ("schema"): `timestamp (8) ‖ mb−1 (3) ‖ cpu−1 (1) ‖
//! cores−1 (1) ‖ salt_len−1 (1) ‖ salt ‖ tag`. 38 bytes with the defaults.

use crate::error::{Error, Result};

/// Header bytes before the salt.
pub const HEADER_BYTES: usize = 14;
/// The shortest hash `hash_passphrase` makes: 14 + 4-byte salt + 16-byte tag.
pub const MIN_SCHEMA_BYTES: usize = 34;

/// The fields of a passcrypt hash.
#[derive(Clone)]
pub struct PasscryptHash {
    /// The 8 timestamp bytes (nanoseconds since 2023-01-01, big endian),
    /// kept raw because they are hashed as the aad prefix.
    pub timestamp: Vec<u8>,
    /// Total MiB.
    pub mb: u64,
    /// The `cpu` setting.
    pub cpu: u64,
    /// The `cores` setting.
    pub cores: u64,
    /// The salt.
    pub salt: Vec<u8>,
    /// The tag (its length is the tag size).
    pub tag: Vec<u8>,
}

impl core::fmt::Debug for PasscryptHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PasscryptHash")
            .field("timestamp_ns", &self.timestamp_ns())
            .field("mb", &self.mb)
            .field("cpu", &self.cpu)
            .field("cores", &self.cores)
            .field("salt_len", &self.salt.len())
            .field("tag_len", &self.tag.len())
            .finish()
    }
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

impl PasscryptHash {
    /// Decodes as the reference does: fields are read in order from what is
    /// there; it fails only when the timestamp, salt or tag comes out empty.
    ///
    /// # Errors
    /// [`Error::MalformedHash`] ("premature termination").
    pub fn decode(hash: &[u8]) -> Result<Self> {
        let mut rest = hash;
        let mut take = |n: usize| {
            let (head, tail) = rest.split_at(n.min(rest.len()));
            rest = tail;
            head
        };
        let timestamp = take(8).to_vec();
        let mb = be(take(3)) + 1;
        let cpu = be(take(1)) + 1;
        let cores = be(take(1)) + 1;
        let salt_len = usize::try_from(be(take(1))).unwrap_or(0) + 1;
        let salt = take(salt_len).to_vec();
        let tag = rest.to_vec();
        if timestamp.is_empty() || salt.is_empty() || tag.is_empty() {
            return Err(Error::MalformedHash);
        }
        Ok(Self {
            timestamp,
            mb,
            cpu,
            cores,
            salt,
            tag,
        })
    }

    /// The timestamp as nanoseconds since 2023-01-01.
    #[must_use]
    pub fn timestamp_ns(&self) -> u64 {
        be(&self.timestamp)
    }

    /// Encodes the hash.
    ///
    /// # Errors
    /// [`Error::MbTooLargeForHash`] if `mb − 1` needs more than 3 bytes;
    /// [`Error::InvalidCpu`], [`Error::InvalidCores`] or
    /// [`Error::InvalidSaltSize`] for values a byte cannot hold.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mb = self
            .mb
            .checked_sub(1)
            .filter(|m| *m < 1 << 24)
            .ok_or(Error::MbTooLargeForHash { mb: self.mb })?;
        let cpu = u8::try_from(self.cpu.wrapping_sub(1))
            .map_err(|_| Error::InvalidCpu { cpu: self.cpu })?;
        let cores = u8::try_from(self.cores.wrapping_sub(1))
            .map_err(|_| Error::InvalidCores { cores: self.cores })?;
        let salt_len =
            u8::try_from(self.salt.len().wrapping_sub(1)).map_err(|_| Error::InvalidSaltSize {
                len: self.salt.len(),
            })?;
        let mut out = Vec::with_capacity(HEADER_BYTES + self.salt.len() + self.tag.len());
        out.extend_from_slice(&self.timestamp);
        out.extend_from_slice(&mb.to_be_bytes()[5..]);
        out.extend_from_slice(&[cpu, cores, salt_len]);
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.tag);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_reference_example() {
        // shared/spec/keygens.md §3.4, a hash made by the reference.
        let h = hex::decode(
            "00bfc18013ae222b00003f010307b9146a71b6c28b3a7055614cfffdcd84d32684bf1d1183e6",
        )
        .unwrap();
        let d = PasscryptHash::decode(&h).unwrap();
        assert_eq!(
            (d.mb, d.cpu, d.cores, d.salt.len(), d.tag.len()),
            (64, 2, 4, 8, 16)
        );
        assert_eq!(d.encode().unwrap(), h);
        assert_eq!(
            PasscryptHash::decode(&h[..14]).err(),
            Some(Error::MalformedHash)
        );
        assert_eq!(
            PasscryptHash::decode(&h[..22]).err(),
            Some(Error::MalformedHash)
        );
        assert_eq!(PasscryptHash::decode(&[]).err(), Some(Error::MalformedHash));
    }
}

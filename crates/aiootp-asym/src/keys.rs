//! X25519 and Ed25519 keys (RFC 7748, RFC 8032), as the reference's
//! `X25519` / `Ed25519` classes hold them.

use crate::error::{Error, Result};
use aiootp_core::SecretArray;
use ed25519_dalek::{Signer, Verifier};
use zeroize::Zeroizing;

/// The size of every key and shared secret here.
pub const KEY_BYTES: usize = 32;
/// The size of an Ed25519 signature.
pub const SIGNATURE_BYTES: usize = 64;

/// Parses raw key bytes, with the reference's errors for empty and
/// wrong-length input.
pub(crate) fn key_bytes(
    bytes: &[u8],
    which: &'static str,
    what: &'static str,
) -> Result<[u8; KEY_BYTES]> {
    if bytes.is_empty() {
        return Err(Error::MissingKey { which });
    }
    <[u8; KEY_BYTES]>::try_from(bytes).map_err(|_| Error::InvalidLength {
        what,
        len: bytes.len(),
        expected: KEY_BYTES,
    })
}

/// Decodes a hex key (the reference's `import_*_key` accept hex strings).
///
/// # Errors
/// [`Error::InvalidHex`].
pub fn decode_hex(text: &str) -> Result<Vec<u8>> {
    aiootp_core::hex_to_bytes(text.trim()).ok_or(Error::InvalidHex)
}

/// An X25519 key pair. The secret is kept exactly as imported (unclamped;
/// X25519 clamps at use), so it round-trips as the reference's does.
#[derive(Clone)]
pub struct X25519 {
    secret: x25519_dalek::StaticSecret,
    public: x25519_dalek::PublicKey,
}

impl core::fmt::Debug for X25519 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("X25519")
            .field("public", &self.public.as_bytes())
            .finish_non_exhaustive()
    }
}

impl X25519 {
    /// A fresh random key pair.
    ///
    /// # Errors
    /// CSPRNG failure.
    pub fn generate() -> Result<Self> {
        let seed = Zeroizing::new(aiootp_core::random_array::<KEY_BYTES>()?);
        Ok(Self::from_array(*seed))
    }

    fn from_array(bytes: [u8; KEY_BYTES]) -> Self {
        let secret = x25519_dalek::StaticSecret::from(bytes);
        let public = x25519_dalek::PublicKey::from(&secret);
        Self { secret, public }
    }

    /// `import_secret_key(bytes)`: 32 raw bytes; the public key is derived.
    ///
    /// # Errors
    /// [`Error::MissingKey`] for empty input, [`Error::InvalidLength`] otherwise.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self> {
        let raw = Zeroizing::new(key_bytes(bytes, "secret", "An X25519 private key")?);
        Ok(Self::from_array(*raw))
    }

    /// The raw 32 secret bytes, as imported.
    #[must_use]
    pub fn secret_bytes(&self) -> SecretArray<KEY_BYTES> {
        SecretArray::new(self.secret.to_bytes())
    }

    /// The 32-byte public key.
    #[must_use]
    pub fn public_bytes(&self) -> [u8; KEY_BYTES] {
        self.public.to_bytes()
    }

    /// `exchange(peer)`: the raw 32-byte X25519 shared secret.
    ///
    /// # Errors
    /// [`Error::MissingKey`] / [`Error::InvalidLength`] for a malformed peer
    /// key, [`Error::NonContributory`] for a low-order peer point (the
    /// all-zero result OpenSSL refuses).
    pub fn exchange(&self, peer_public: &[u8]) -> Result<SecretArray<KEY_BYTES>> {
        let peer = x25519_dalek::PublicKey::from(key_bytes(
            peer_public,
            "public",
            "An X25519 public key",
        )?);
        let shared = self.secret.diffie_hellman(&peer);
        if !shared.was_contributory() {
            return Err(Error::NonContributory);
        }
        Ok(SecretArray::new(shared.to_bytes()))
    }
}

/// An Ed25519 signing key (RFC 8032 pure Ed25519).
#[derive(Clone)]
pub struct Ed25519 {
    key: ed25519_dalek::SigningKey,
}

impl core::fmt::Debug for Ed25519 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ed25519")
            .field("public", &self.public_bytes())
            .finish_non_exhaustive()
    }
}

impl Ed25519 {
    /// A fresh random signing key.
    ///
    /// # Errors
    /// CSPRNG failure.
    pub fn generate() -> Result<Self> {
        let seed = Zeroizing::new(aiootp_core::random_array::<KEY_BYTES>()?);
        Ok(Self {
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// `import_secret_key(seed)`: the 32-byte RFC 8032 seed.
    ///
    /// # Errors
    /// [`Error::MissingKey`] or [`Error::InvalidLength`].
    pub fn from_secret_bytes(seed: &[u8]) -> Result<Self> {
        let seed = Zeroizing::new(key_bytes(seed, "secret", "An Ed25519 private key")?);
        Ok(Self {
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// The 32-byte seed.
    #[must_use]
    pub fn secret_bytes(&self) -> SecretArray<KEY_BYTES> {
        SecretArray::new(self.key.to_bytes())
    }

    /// The 32-byte public key.
    #[must_use]
    pub fn public_bytes(&self) -> [u8; KEY_BYTES] {
        self.key.verifying_key().to_bytes()
    }

    /// The public half, for verifying.
    #[must_use]
    pub fn public_key(&self) -> Ed25519Public {
        Ed25519Public {
            key: self.key.verifying_key(),
        }
    }

    /// `sign(data)`: a deterministic 64-byte signature.
    #[must_use]
    pub fn sign(&self, data: &[u8]) -> [u8; SIGNATURE_BYTES] {
        self.key.sign(data).to_bytes()
    }

    /// `verify(signature, data)` against this key's public half.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`].
    pub fn verify(&self, signature: &[u8], data: &[u8]) -> Result<()> {
        self.public_key().verify(signature, data)
    }
}

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ed25519Public {
    key: ed25519_dalek::VerifyingKey,
}

impl core::fmt::Debug for Ed25519Public {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Ed25519Public({:02x?})", self.key.as_bytes())
    }
}

impl Ed25519Public {
    /// `import_public_key(bytes)`.
    ///
    /// # Errors
    /// [`Error::MissingKey`], [`Error::InvalidLength`], or
    /// [`Error::InvalidPublicKey`] for bytes that are not a curve point.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let raw = key_bytes(bytes, "public", "An Ed25519 public key")?;
        ed25519_dalek::VerifyingKey::from_bytes(&raw)
            .map(|key| Self { key })
            .map_err(|_| Error::InvalidPublicKey)
    }

    /// The 32 key bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; KEY_BYTES] {
        self.key.to_bytes()
    }

    /// Verifies `signature` over `data` with RFC 8032's cofactorless
    /// equation and a canonical `S`, as OpenSSL (the reference's backend)
    /// does: `ed25519-dalek`'s `verify`, not `verify_strict`, whose extra
    /// rejection of small-order keys OpenSSL does not make.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`], including for a signature that is not 64 bytes.
    pub fn verify(&self, signature: &[u8], data: &[u8]) -> Result<()> {
        let sig =
            <[u8; SIGNATURE_BYTES]>::try_from(signature).map_err(|_| Error::InvalidSignature)?;
        self.key
            .verify(data, &ed25519_dalek::Signature::from_bytes(&sig))
            .map_err(|_| Error::InvalidSignature)
    }
}

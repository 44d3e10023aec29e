//! The dh2 and dh3 handshakes as sans-IO typestate machines.
//!
//! Each step consumes the state it started from, so no ephemeral key can be
//! used for two handshakes and no step can be repeated. Messages are plain
//! 32-byte public keys (`to_bytes` / `from_bytes` give the wire form); both
//! sides end with the same [`DomainKdf`], byte-compatible with the
//! reference's `X25519.dh2_*` / `dh3_*` generators.
//!
//! ```
//! use aiootp_asym::{X25519, dh3};
//! let (alice, bob) = (X25519::generate()?, X25519::generate()?);
//! let (client, hello) = dh3::Client::start(&alice)?;
//! let (response, server_kdf) = dh3::respond(&bob, &hello)?;
//! let client_kdf = client.finish(&response)?;
//! assert_eq!(client_kdf.sha3_512(b"key"), server_kdf.sha3_512(b"key"));
//! # Ok::<(), aiootp_asym::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::keys::{KEY_BYTES, X25519, key_bytes};
use aiootp_core::{DomainKdf, Domains};
use zeroize::Zeroizing;

/// Two public keys on the wire, `identity ‖ ephemeral` (64 bytes): a dh3
/// hello or response. It holds no secret key (hence not "key pair").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKeys {
    /// The sender's long-term public key.
    pub identity: [u8; KEY_BYTES],
    /// The sender's one-use public key.
    pub ephemeral: [u8; KEY_BYTES],
}

impl PublicKeys {
    /// `identity ‖ ephemeral`.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 2 * KEY_BYTES] {
        let mut out = [0u8; 2 * KEY_BYTES];
        out[..KEY_BYTES].copy_from_slice(&self.identity);
        out[KEY_BYTES..].copy_from_slice(&self.ephemeral);
        out
    }

    /// Parses `identity ‖ ephemeral`.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless exactly 64 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 2 * KEY_BYTES {
            return Err(Error::InvalidLength {
                what: "a handshake message",
                len: bytes.len(),
                expected: 2 * KEY_BYTES,
            });
        }
        let (a, b) = bytes.split_at(KEY_BYTES);
        Ok(Self {
            identity: key_bytes(a, "public", "An X25519 public key")?,
            ephemeral: key_bytes(b, "public", "An X25519 public key")?,
        })
    }
}

/// `DomainKDF(domain, *public_keys, key = shared secrets concatenated)`.
fn kdf(domain: &[u8], payload: &[&[u8]], secrets: &[&[u8]]) -> Result<DomainKdf> {
    let key = Zeroizing::new(secrets.concat());
    Ok(DomainKdf::new(domain, payload, &key)?)
}

/// Triple Diffie-Hellman (`Domains.DH3`): both parties have identity keys.
pub mod dh3 {
    use super::*;

    /// The client after sending its hello; consumed by [`Client::finish`].
    #[derive(Debug)]
    pub struct Client {
        identity: X25519,
        ephemeral: X25519,
    }

    impl Client {
        /// Generates an ephemeral key; returns the state and the hello to send.
        ///
        /// # Errors
        /// CSPRNG failure.
        pub fn start(identity: &X25519) -> Result<(Self, PublicKeys)> {
            Ok(Self::start_with_ephemeral(identity, X25519::generate()?))
        }

        /// [`Self::start`] with a given ephemeral key (for known-answer tests).
        #[must_use]
        pub fn start_with_ephemeral(identity: &X25519, ephemeral: X25519) -> (Self, PublicKeys) {
            let hello = PublicKeys {
                identity: identity.public_bytes(),
                ephemeral: ephemeral.public_bytes(),
            };
            (
                Self {
                    identity: identity.clone(),
                    ephemeral,
                },
                hello,
            )
        }

        /// Takes the server's response: `ad = X(e_c, id_s)`, `bc = X(id_c, e_s)`,
        /// `cd = X(e_c, e_s)`, then the shared KDF.
        ///
        /// # Errors
        /// [`Error::NonContributory`] for a low-order server key.
        pub fn finish(self, response: &PublicKeys) -> Result<DomainKdf> {
            let ad = self.ephemeral.exchange(&response.identity)?;
            let bc = self.identity.exchange(&response.ephemeral)?;
            let cd = self.ephemeral.exchange(&response.ephemeral)?;
            kdf(
                &Domains::DH3,
                &[
                    &self.identity.public_bytes(),
                    &self.ephemeral.public_bytes(),
                    &response.identity,
                    &response.ephemeral,
                ],
                &[ad.expose(), bc.expose(), cd.expose()],
            )
        }
    }

    /// The server's only step: answers a hello and derives the shared KDF.
    ///
    /// # Errors
    /// [`Error::NonContributory`] for a low-order client key; CSPRNG failure.
    pub fn respond(identity: &X25519, hello: &PublicKeys) -> Result<(PublicKeys, DomainKdf)> {
        respond_with_ephemeral(identity, X25519::generate()?, hello)
    }

    /// [`respond`] with a given ephemeral key (for known-answer tests).
    ///
    /// # Errors
    /// As [`respond`].
    pub fn respond_with_ephemeral(
        identity: &X25519,
        ephemeral: X25519,
        hello: &PublicKeys,
    ) -> Result<(PublicKeys, DomainKdf)> {
        let ad = identity.exchange(&hello.ephemeral)?;
        let bc = ephemeral.exchange(&hello.identity)?;
        let cd = ephemeral.exchange(&hello.ephemeral)?;
        let response = PublicKeys {
            identity: identity.public_bytes(),
            ephemeral: ephemeral.public_bytes(),
        };
        let k = kdf(
            &Domains::DH3,
            &[
                &hello.identity,
                &hello.ephemeral,
                &response.identity,
                &response.ephemeral,
            ],
            &[ad.expose(), bc.expose(), cd.expose()],
        )?;
        Ok((response, k))
    }
}

/// Double Diffie-Hellman (`Domains.DH2`): only the server has an identity key.
pub mod dh2 {
    use super::*;

    /// The client after sending its ephemeral key; consumed by [`Client::finish`].
    #[derive(Debug)]
    pub struct Client {
        ephemeral: X25519,
    }

    impl Client {
        /// Generates an ephemeral key; returns the state and the 32-byte hello.
        ///
        /// # Errors
        /// CSPRNG failure.
        pub fn start() -> Result<(Self, [u8; KEY_BYTES])> {
            Ok(Self::start_with_ephemeral(X25519::generate()?))
        }

        /// [`Self::start`] with a given ephemeral key.
        #[must_use]
        pub fn start_with_ephemeral(ephemeral: X25519) -> (Self, [u8; KEY_BYTES]) {
            let hello = ephemeral.public_bytes();
            (Self { ephemeral }, hello)
        }

        /// Takes the server's response: `ad = X(e_c, id_s)`, `cd = X(e_c, e_s)`.
        ///
        /// # Errors
        /// [`Error::NonContributory`] for a low-order server key.
        pub fn finish(self, response: &PublicKeys) -> Result<DomainKdf> {
            let ad = self.ephemeral.exchange(&response.identity)?;
            let cd = self.ephemeral.exchange(&response.ephemeral)?;
            kdf(
                &Domains::DH2,
                &[
                    &self.ephemeral.public_bytes(),
                    &response.identity,
                    &response.ephemeral,
                ],
                &[ad.expose(), cd.expose()],
            )
        }
    }

    /// The server's step for dh2.
    ///
    /// # Errors
    /// [`Error::NonContributory`], [`Error::InvalidLength`], CSPRNG failure.
    pub fn respond(identity: &X25519, hello: &[u8]) -> Result<(PublicKeys, DomainKdf)> {
        respond_with_ephemeral(identity, X25519::generate()?, hello)
    }

    /// [`respond`] with a given ephemeral key.
    ///
    /// # Errors
    /// As [`respond`].
    pub fn respond_with_ephemeral(
        identity: &X25519,
        ephemeral: X25519,
        hello: &[u8],
    ) -> Result<(PublicKeys, DomainKdf)> {
        let client = key_bytes(hello, "public", "An X25519 public key")?;
        let ad = identity.exchange(&client)?;
        let cd = ephemeral.exchange(&client)?;
        let response = PublicKeys {
            identity: identity.public_bytes(),
            ephemeral: ephemeral.public_bytes(),
        };
        let k = kdf(
            &Domains::DH2,
            &[&client, &response.identity, &response.ephemeral],
            &[ad.expose(), cd.expose()],
        )?;
        Ok((response, k))
    }
}

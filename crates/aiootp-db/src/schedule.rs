//! The key schedule of one database node (spec databases §3): the root KDF
//! `R`, the salted KDF `S`, the user KDF `U`, filenames, child keys, HMACs.

use crate::error::Result;
use aiootp_chunky2048::Chunky2048;
use aiootp_core::bytes_to_filename;
use aiootp_core::hmac_sha3_256;
use aiootp_core::{DomainKdf, Domains, KeyHash, encode_constant};
use aiootp_core::{PackParams, canonical_pack};
use std::sync::OnceLock;

/// The size of a `DBKDF` key: aead `[0..168]`, auth `[168..232]`, prf `[232..296]`.
pub const DB_KEY_BYTES: usize = 296;
/// Bytes of HMAC kept for a filename.
pub const FILENAME_HASH_BYTES: usize = 24;
/// The prefix of a bytes value's plaintext.
pub const BYTES_FLAG: [u8; 2] = [1, 2];
/// Root salt of a top-level database.
pub const ROOT_SALT_BYTES: usize = 64;
/// Root salt of a metatag-style database (metatags and profiles).
pub const METATAG_ROOT_SALT_BYTES: usize = 16;

/// The 16-byte database domain constants (`DBDomains`).
#[derive(Debug)]
#[allow(missing_docs)]
pub struct DbDomains {
    pub root_kdf: Vec<u8>,
    pub root_filename: Vec<u8>,
    pub root_salt: Vec<u8>,
    pub root_salt_filename: Vec<u8>,
    pub hmac: Vec<u8>,
    pub profile_tokens: Vec<u8>,
    pub manifest: Vec<u8>,
    pub filename: Vec<u8>,
    pub file_key: Vec<u8>,
    pub metatag_key: Vec<u8>,
    pub device_salt: Vec<u8>,
}

/// `DBDomains`, each `encode_constant(source, 16)`.
pub fn domains() -> &'static DbDomains {
    static D: OnceLock<DbDomains> = OnceLock::new();
    D.get_or_init(|| {
        let c = |s: &str| encode_constant(s.as_bytes(), 16);
        DbDomains {
            root_kdf: c("database_root_kdf"),
            root_filename: c("database_root_filename"),
            root_salt: c("database_root_salt"),
            root_salt_filename: c("database_root_salt_filename"),
            hmac: c("database_derive_hmac"),
            profile_tokens: c("database_profile_tokens"),
            manifest: c("database_manifest"),
            filename: c("database_filename"),
            file_key: c("database_file_encryption_key"),
            metatag_key: c("database_metatag_key"),
            device_salt: c("database_device_salt"),
        }
    })
}

fn dbkdf(key: &[u8]) -> Result<DomainKdf> {
    Ok(DomainKdf::with_key_hash(
        &domains().root_kdf,
        &[],
        key,
        KeyHash::Shake256(DB_KEY_BYTES),
    )?)
}

/// What a node derives before it knows its root salt.
#[derive(Clone)]
pub struct RootKeys {
    /// `R = DBKDF(ROOT_KDF, key)`.
    pub root: DomainKdf,
    /// The manifest file.
    pub root_filename: String,
    /// The root-salt file (present for top-level databases only).
    pub root_salt_filename: String,
    /// `R.aead_key`: the manifest's and salt file's cipher.
    pub cipher: Chunky2048,
}

impl core::fmt::Debug for RootKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RootKeys")
            .field("root_filename", &self.root_filename)
            .finish_non_exhaustive()
    }
}

impl RootKeys {
    /// Derives `R` and the node's two fixed filenames from its key.
    ///
    /// # Errors
    /// None in practice.
    pub fn new(key: &[u8]) -> Result<Self> {
        let root = dbkdf(key)?;
        let d = domains();
        let root_filename =
            bytes_to_filename(&root.shake_128(FILENAME_HASH_BYTES, &d.root_filename)?);
        let root_salt_filename =
            bytes_to_filename(&root.shake_128(FILENAME_HASH_BYTES, &d.root_salt_filename)?);
        let cipher = Chunky2048::new(&root.internal_key()[..168])
            .map_err(|e| crate::Error::cipher("root key", e))?;
        Ok(Self {
            root,
            root_filename,
            root_salt_filename,
            cipher,
        })
    }
}

/// What a node derives once it knows its root salt.
#[derive(Clone)]
pub struct SaltedKeys {
    /// `S = R.copy().update_key(root_salt)`.
    pub salted: DomainKdf,
    /// `U`, the public `db.kdf`.
    pub user: DomainKdf,
    /// `S.aead_key`: the tag files' cipher.
    pub cipher: Chunky2048,
}

impl core::fmt::Debug for SaltedKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SaltedKeys { .. }")
    }
}

impl SaltedKeys {
    /// `S`, `U` and the tag cipher from `R` and the root salt.
    ///
    /// # Errors
    /// None in practice.
    pub fn new(root: &RootKeys, root_salt: &[u8]) -> Result<Self> {
        let mut salted = root.root.clone();
        salted.update_key(root_salt)?;
        let mut user = salted.clone();
        user.update_key(&[salted.internal_key(), &Domains::USER[..]].concat())?;
        let user_key = user.internal_key().to_vec();
        user.update(&[&user_key, &Domains::USER])?;
        let cipher = Chunky2048::new(&salted.internal_key()[..168])
            .map_err(|e| crate::Error::cipher("salted key", e))?;
        Ok(Self {
            salted,
            user,
            cipher,
        })
    }

    fn auth_key(&self) -> &[u8] {
        &self.salted.internal_key()[168..232]
    }

    fn prf_key(&self) -> &[u8] {
        &self.salted.internal_key()[232..296]
    }

    /// `filename(tag) = base38(HMAC-SHA3-256(prf_key, FILENAME ‖ tag)[..24])`.
    #[must_use]
    pub fn filename(&self, tag: &str) -> String {
        let mac = hmac_sha3_256(self.prf_key(), &[&domains().filename, tag.as_bytes()]);
        bytes_to_filename(&mac[..FILENAME_HASH_BYTES])
    }

    /// `metatag_key(name) = S.shake_256(296, METATAG_KEY ‖ name)`.
    ///
    /// # Errors
    /// None in practice.
    pub fn metatag_key(&self, name: &str) -> Result<Vec<u8>> {
        Ok(self.salted.shake_256(
            DB_KEY_BYTES,
            &[&domains().metatag_key[..], name.as_bytes()].concat(),
        )?)
    }

    /// `HMAC-SHA3-256(auth_key ‖ aad, canonical_pack(HMAC, aad, *data))`.
    #[must_use]
    pub fn make_hmac(&self, data: &[&[u8]], aad: &[u8]) -> [u8; 32] {
        let items = [&domains().hmac[..], aad]
            .into_iter()
            .chain(data.iter().copied());
        let msg = canonical_pack(items, PackParams::DEFAULT);
        hmac_sha3_256(&[self.auth_key(), aad].concat(), &[&msg])
    }
}

/// `canonical_pack(FILE_KEY, filename, aad)`: the aad of a tag file.
#[must_use]
pub fn file_aad(filename: &str, aad: &[u8]) -> Vec<u8> {
    canonical_pack(
        [&domains().file_key[..], filename.as_bytes(), aad],
        PackParams::DEFAULT,
    )
}

/// `deniable_filename(key) = base38(SHA3-256(xi_mix(key, 8))[..24])`.
#[must_use]
pub fn deniable_filename(key: &[u8]) -> String {
    let mixed = aiootp_core::xi_mix(key, 8);
    bytes_to_filename(&aiootp_core::sha3_256(&mixed)[..FILENAME_HASH_BYTES])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_of_the_spec() {
        // shared/spec/databases.md §3.3, values produced by the reference.
        let key: Vec<u8> = (0u8..64).collect();
        let r = RootKeys::new(&key).unwrap();
        assert_eq!(
            hex::encode(&r.root.internal_key()[..32]),
            "d2607cc05b0193fde727d39757d559c9d2a4fabda0790dc83ee9ca0f99f161b7"
        );
        assert_eq!(r.root_filename, "4sq4kf4n1g27zab57u9y9fo3-66umir7qdbx1");
        assert_eq!(
            r.root_salt_filename,
            "3hybenqc6hvdpzmq_rfdtc_nd2m4ezjb-t3uv"
        );
        let s = SaltedKeys::new(&r, &[0u8; 64]).unwrap();
        assert_eq!(
            hex::encode(&s.salted.internal_key()[..32]),
            "c25eb82ec14a272708dd29b51214ceedc97ad8d3f47d4e7ce2f71e0416df51bc"
        );
        assert_eq!(s.filename("a"), "0mxba--etkgqnebvfkoa_kve4bsoe8ijvbiu-");
        assert_eq!(s.filename(""), "w5sfcjk1fcuv2ef-qp19gwuo3espz-fodq77");
        assert_eq!(
            hex::encode(&s.metatag_key("m").unwrap()[..32]),
            "a437fd307f5151a5d944e53d8987bb690437174338137782773295ae99fa45f6"
        );
        assert_eq!(
            hex::encode(s.make_hmac(&[b"x"], b"")),
            "e40568b8ce8ba3816022b59428451a2992b22afaa396b47c099c587b4b819a74"
        );
        // §2: the device salt's file name.
        assert_eq!(
            deniable_filename(&domains().device_salt),
            "16t4hmdglakgskmtt3ol6f4ydstt5zuiyurpx"
        );
    }
}

//! Passcrypt behind RustCrypto's `password-hash` traits, so it drops into
//! code written for argon2 or scrypt.
//!
//! The PHC string is `$passcrypt$v=1$mb=M,cpu=C,cores=N,ts=T$SALT$TAG`
//! (`ts` the 8 timestamp bytes in B64). It holds what the PHC limits allow:
//! salts of 8 to 48 bytes and tags of up to 64 bytes. The native byte form
//! ([`Passcrypt::hash_passphrase`]) stays canonical; [`to_native`] converts.
//!
//! ```
//! use aiootp_passcrypt::{Passcrypt, phc::PhcParams};
//! use password_hash::{CustomizedPasswordHasher, PasswordVerifier};
//!
//! let pc = Passcrypt::default();
//! let params = PhcParams { mb: 1, cpu: 1, cores: 1, ..PhcParams::default() };
//! let hash = pc.hash_password_with_params(b"hunter2 hunter2", b"saltsalt", params)?;
//! assert!(hash.to_string().starts_with("$passcrypt$v=1$mb=1,cpu=1,cores=1,ts="));
//! pc.verify_password(b"hunter2 hunter2", &hash)?;
//! assert!(pc.verify_password(b"wrong password", &hash).is_err());
//! # Ok::<(), password_hash::Error>(())
//! ```

use crate::{AllowedRanges, Passcrypt, PasscryptHash, Settings};
use password_hash::phc::{Ident, Output, ParamsString, PasswordHash, Salt};
use password_hash::{CustomizedPasswordHasher, Error, PasswordHasher, Result, Version};

/// The PHC algorithm identifier.
pub const ALGORITHM: &str = "passcrypt";
/// The PHC version of this encoding.
pub const VERSION: Version = 1;

/// The PHC parameters: the work settings, the tag size and the timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhcParams {
    /// Total MiB.
    pub mb: u32,
    /// Passes / row width.
    pub cpu: u32,
    /// Parallel instances.
    pub cores: u32,
    /// Tag bytes (16 to 64 in a PHC string).
    pub tag_size: usize,
    /// Nanoseconds since 2023-01-01; `None` = now.
    pub timestamp_ns: Option<u64>,
}

impl Default for PhcParams {
    fn default() -> Self {
        Self {
            mb: 64,
            cpu: 2,
            cores: 4,
            tag_size: 16,
            timestamp_ns: None,
        }
    }
}

impl PhcParams {
    fn settings(&self) -> Settings {
        Settings {
            mb: self.mb.into(),
            cpu: self.cpu.into(),
            cores: self.cores.into(),
            tag_size: self.tag_size,
        }
    }
}

impl PhcParams {
    /// Reads the parameters of a PHC string as they are: no range is
    /// applied here, so a caller's own limits (`Passcrypt::verify`'s
    /// `AllowedRanges`) are the only ones a hash is judged by.
    ///
    /// # Errors
    /// [`Error::Algorithm`], [`Error::Version`], or
    /// [`Error::ParamsInvalid`] for a missing or malformed parameter.
    pub fn parse(hash: &PasswordHash) -> Result<Self> {
        if hash.algorithm.as_str() != ALGORITHM {
            return Err(Error::Algorithm);
        }
        if hash.version.is_some_and(|v| v != VERSION) {
            return Err(Error::Version);
        }
        let decimal = |name: &str| hash.params.get_decimal(name).ok_or(Error::ParamsInvalid);
        let (mb, cpu, cores) = (decimal("mb")?, decimal("cpu")?, decimal("cores")?);
        let mut ts = [0u8; 8];
        let value = hash.params.get("ts").ok_or(Error::ParamsInvalid)?;
        let decoded = value
            .b64_decode(&mut ts)
            .map_err(|_| Error::ParamsInvalid)?;
        if decoded.len() != 8 {
            return Err(Error::ParamsInvalid);
        }
        let tag_size = hash.hash.as_ref().map_or(16, Output::len);
        Ok(Self {
            mb,
            cpu,
            cores,
            tag_size,
            timestamp_ns: Some(u64::from_be_bytes(ts)),
        })
    }
}

/// Reads the parameters of a PHC string, refusing values outside the
/// default [`AllowedRanges`] *before* any work: `verify_password` (which
/// has no way to take the caller's limits) goes through here, so a
/// hostile string cannot make the verifier allocate. Callers with their
/// own limits use [`to_native`] and `Passcrypt::verify`.
impl TryFrom<&PasswordHash> for PhcParams {
    type Error = Error;

    fn try_from(hash: &PasswordHash) -> Result<Self> {
        let p = Self::parse(hash)?;
        let allowed = AllowedRanges::default();
        if !allowed.mb.contains(&p.mb.into())
            || !allowed.cpu.contains(&p.cpu.into())
            || !allowed.cores.contains(&p.cores.into())
        {
            return Err(Error::ParamsInvalid);
        }
        Ok(p)
    }
}

impl CustomizedPasswordHasher<PasswordHash> for Passcrypt {
    type Params = PhcParams;

    fn hash_password_customized(
        &self,
        password: &[u8],
        salt: &[u8],
        algorithm: Option<&str>,
        version: Option<Version>,
        params: PhcParams,
    ) -> Result<PasswordHash> {
        if algorithm.is_some_and(|a| a != ALGORITHM) {
            return Err(Error::Algorithm);
        }
        if version.is_some_and(|v| v != VERSION) {
            return Err(Error::Version);
        }
        let ts = match params.timestamp_ns {
            Some(ts) => ts,
            None => u64::try_from(self.clock.nanoseconds()).map_err(|_| Error::Internal)?,
        };
        let aad = ts.to_be_bytes();
        let tag = self
            .derive(password, salt, &aad, params.settings())
            .map_err(|e| match e {
                crate::Error::OutOfMemory { .. } => Error::OutOfMemory,
                crate::Error::InvalidSaltSize { .. } => Error::SaltInvalid,
                crate::Error::PassphraseTooShort { .. } => Error::PasswordInvalid,
                _ => Error::ParamsInvalid,
            })?;
        let mut p = ParamsString::new();
        p.add_decimal("mb", params.mb)
            .map_err(|_| Error::ParamsInvalid)?;
        p.add_decimal("cpu", params.cpu)
            .map_err(|_| Error::ParamsInvalid)?;
        p.add_decimal("cores", params.cores)
            .map_err(|_| Error::ParamsInvalid)?;
        p.add_b64_bytes("ts", &aad)
            .map_err(|_| Error::ParamsInvalid)?;
        Ok(PasswordHash {
            algorithm: Ident::new(ALGORITHM).map_err(|_| Error::Algorithm)?,
            version: Some(VERSION),
            params: p,
            salt: Some(Salt::new(salt).map_err(|_| Error::SaltInvalid)?),
            hash: Some(Output::new(tag.expose()).map_err(|_| Error::OutputSize)?),
        })
    }
}

impl PasswordHasher<PasswordHash> for Passcrypt {
    fn hash_password_with_salt(&self, password: &[u8], salt: &[u8]) -> Result<PasswordHash> {
        self.hash_password_customized(password, salt, None, None, PhcParams::default())
    }
}

/// The native byte form of a PHC string (readable by the reference's
/// `verify`), whatever its parameters: the verifier's own limits judge
/// them (`Passcrypt::verify`), before any work.
///
/// # Errors
/// [`Error::ParamsInvalid`] for a string that is not a passcrypt hash.
pub fn to_native(hash: &PasswordHash) -> Result<Vec<u8>> {
    let p = PhcParams::parse(hash)?;
    let salt = hash.salt.as_ref().ok_or(Error::SaltInvalid)?;
    let tag = hash.hash.as_ref().ok_or(Error::OutputSize)?;
    PasscryptHash {
        timestamp: p.timestamp_ns.unwrap_or(0).to_be_bytes().to_vec(),
        mb: p.mb.into(),
        cpu: p.cpu.into(),
        cores: p.cores.into(),
        salt: salt.as_ref().to_vec(),
        tag: tag.as_bytes().to_vec(),
    }
    .encode()
    .map_err(|_| Error::ParamsInvalid)
}

/// The PHC string of a native hash (what `Passcrypt::hash_passphrase`
/// returns), for a hash made without aad.
///
/// # Errors
/// [`Error::ParamsInvalid`] for bytes that are not a passcrypt hash,
/// [`Error::SaltInvalid`] / [`Error::OutputSize`] outside the PHC limits.
pub fn native_to_phc(native: &[u8]) -> Result<String> {
    let h = PasscryptHash::decode(native).map_err(|_| Error::ParamsInvalid)?;
    let mut p = ParamsString::new();
    p.add_decimal("mb", u32::try_from(h.mb).map_err(|_| Error::ParamsInvalid)?)
        .map_err(|_| Error::ParamsInvalid)?;
    p.add_decimal(
        "cpu",
        u32::try_from(h.cpu).map_err(|_| Error::ParamsInvalid)?,
    )
    .map_err(|_| Error::ParamsInvalid)?;
    p.add_decimal(
        "cores",
        u32::try_from(h.cores).map_err(|_| Error::ParamsInvalid)?,
    )
    .map_err(|_| Error::ParamsInvalid)?;
    p.add_b64_bytes("ts", &h.timestamp)
        .map_err(|_| Error::ParamsInvalid)?;
    let hash = PasswordHash {
        algorithm: Ident::new(ALGORITHM).map_err(|_| Error::Algorithm)?,
        version: Some(VERSION),
        params: p,
        salt: Some(Salt::new(&h.salt).map_err(|_| Error::SaltInvalid)?),
        hash: Some(Output::new(&h.tag).map_err(|_| Error::OutputSize)?),
    };
    Ok(hash.to_string())
}

/// The native bytes of a `$passcrypt$` PHC string.
///
/// # Errors
/// [`Error::ParamsInvalid`] for a string that is not a passcrypt hash.
pub fn phc_to_native(phc: &str) -> Result<Vec<u8>> {
    let hash = PasswordHash::new(phc).map_err(|_| Error::ParamsInvalid)?;
    if hash.algorithm.as_str() != ALGORITHM {
        return Err(Error::Algorithm);
    }
    to_native(&hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use password_hash::PasswordVerifier;

    #[test]
    fn native_and_phc_strings_convert_both_ways() {
        let pc = Passcrypt::default();
        let s = Settings {
            mb: 1,
            cpu: 2,
            cores: 1,
            tag_size: 16,
        };
        let native = pc
            .hash_passphrase(b"correct horse battery", b"", s, 8)
            .unwrap();
        let phc = native_to_phc(&native).unwrap();
        assert!(
            phc.starts_with("$passcrypt$v=1$mb=1,cpu=2,cores=1,ts="),
            "{phc}"
        );
        assert_eq!(phc_to_native(&phc).unwrap(), native);
        pc.verify_password(b"correct horse battery", &PasswordHash::new(&phc).unwrap())
            .unwrap();
        assert!(phc_to_native("$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAA").is_err());
    }

    #[test]
    fn phc_and_native_forms_agree() {
        let pc = Passcrypt::default();
        let params = PhcParams {
            mb: 1,
            cpu: 2,
            cores: 2,
            tag_size: 16,
            timestamp_ns: Some(42),
        };
        let hash = pc
            .hash_password_with_params(b"correct horse battery", b"12345678", params)
            .unwrap();
        let native = to_native(&hash).unwrap();
        pc.verify(
            &native,
            b"correct horse battery",
            b"",
            0,
            &AllowedRanges::default(),
        )
        .unwrap();
        let reparsed = PasswordHash::new(&hash.to_string()).unwrap();
        pc.verify_password(b"correct horse battery", &reparsed)
            .unwrap();
        assert_eq!(
            pc.verify_password(b"incorrect horse!!", &reparsed),
            Err(Error::PasswordInvalid)
        );
    }

    #[test]
    fn the_native_form_keeps_parameters_outside_the_default_ranges() {
        // cores 9 is outside the default 1..=8: the conversion keeps it,
        // and `verify` judges it by the caller's ranges.
        let pc = Passcrypt::default();
        let s = Settings {
            mb: 1,
            cpu: 1,
            cores: 9,
            tag_size: 16,
        };
        let native = pc
            .hash_passphrase(b"correct horse battery", b"", s, 8)
            .unwrap();
        let phc = native_to_phc(&native).unwrap();
        assert_eq!(phc_to_native(&phc).unwrap(), native);
        let wide = AllowedRanges {
            cores: 1..=16,
            ..AllowedRanges::default()
        };
        pc.verify(&native, b"correct horse battery", b"", 0, &wide)
            .unwrap();
        assert!(matches!(
            pc.verify(
                &native,
                b"correct horse battery",
                b"",
                0,
                &AllowedRanges::default()
            ),
            Err(crate::Error::ResourceNotAllowed { .. })
        ));
    }

    #[test]
    fn hostile_strings_are_refused_before_work() {
        let hostile = PasswordHash::new("$passcrypt$v=1$mb=16000000,cpu=2,cores=1,ts=AAAAAAAAAAA$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(
            Passcrypt::default().verify_password(b"whatever password", &hostile),
            Err(Error::ParamsInvalid)
        );
        let other =
            PasswordHash::new("$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
                .unwrap();
        assert_eq!(
            Passcrypt::default().verify_password(b"whatever password", &other),
            Err(Error::Algorithm)
        );
    }
}
